"""SiJaga: the information system for Inpres 2/2021 on Jaminan Sosial Ketenagakerjaan coverage."""

__version__ = "0.1.0"

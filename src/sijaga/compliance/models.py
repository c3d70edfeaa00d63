"""Tables of the compliance app (see docs/architecture.md)."""

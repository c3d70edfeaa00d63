"""Spelling-tolerant name keys: a table of variants, and the vectorised key equal to the scalar one."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sijaga.registry.names import name_key, name_key_column, word_keys

#: (stored name, query, should the query find the name)
VARIANTS = [
    ("Achmad Soeharto", "Ahmad Suharto", True),
    ("Akhmad Suharto", "achmad soeharto", True),
    ("Ahmad Suharto", "Suharto Ahmad", True),  # word order
    ("Muhammad Nur", "Mochamad Noor", True),
    ("Muhamad Nur Hidayat", "mohammad hidayat", True),
    ("Moh. Nur", "Muhammad Nur", True),
    ("Djoko Tjahjono", "Joko Cahjono", True),
    ("Sjahrir Hasan", "Syahrir", True),
    ("Njoman Sudarma", "Nyoman", True),
    ("Siti Nurhaliza binti Ahmad", "siti ahmad", True),
    ("Abdullah", "Abdulah", True),  # doubled letters
    ("Yusuf Effendi", "efendi", True),
    ("Ahmad Suharto", "Ahmad Sukarno", False),
    ("Muhammad Nur", "Nurdin", False),
    ("Siti Aminah", "Siti Rahmah", False),
    ("Joko Widodo", "Djoko Widjojo", False),
]


def matches(name: str, query: str) -> bool:
    """The rule of `WorkerFilters`: every query word's key starts one of the name's word keys."""
    keys = name_key(name).split()
    return all(any(k.startswith(q) for k in keys) for q in word_keys(query)) and bool(word_keys(query))


@pytest.mark.parametrize(("name", "query", "hit"), VARIANTS)
def test_spelling_variants(name, query, hit):
    assert matches(name, query) is hit


@pytest.mark.parametrize("query", ["bin", "binti", "al", "bin al binti", "  ", "!!!", "-.-"])
def test_stop_words_and_punctuation_have_no_key(query):
    assert name_key(query) == ""


def test_key_is_bounded():
    assert len(name_key("a" * 500)) <= 200
    assert len(name_key(" ".join(["nama"] * 100)).split()) <= 8


letters = st.sampled_from([*"abcdehijkmnorstuyAEOÜÇé", "oe", "dj", "tj", "ch", "kh", "sj", "nj", "oo"])
word = st.lists(letters, min_size=1, max_size=8).map("".join)
names = st.lists(
    st.one_of(word, st.sampled_from(["bin", "binti", "Al", "Moh.", "Muhammad", "H.", "Mochamad", "Nur"])),
    max_size=10,
).map(lambda ws: st_join(ws))


def st_join(words: list[str]) -> str:
    return " ".join(words)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(names, st.text(max_size=40)), max_size=30))
def test_vectorised_key_equals_scalar(batch):
    got = name_key_column(pl.Series("full_name", batch, dtype=pl.String)).to_list()
    assert got == [name_key(n) for n in batch]

"""Names as Indonesians write them: a search key tolerant of spelling variants and word order. Pure.

The same person is written Achmad Soeharto, Ahmad Suharto or Akhmad Suharto; Muhammad Nur, Mochamad Noor or
Moh. Nur; Djoko Tjahjono or Joko Cahyono. `name_key` folds those variants into one key (sorted words, so word
order does not matter), stored in `Worker.search_key` and computed the same way from a query. `name_key_column`
is its vectorised twin for imports, held equal by a hypothesis test (tests/test_names_vectorised.py).

The rules, in order, per word (lowercase ASCII letters only):
  1. old spelling (Ejaan Van Ophuijsen / Soewandi): oe → u, dj → j, tj → c, sj → sy, nj → ny, ch → kh
  2. aspirated h after a consonant is dropped: kh → k, dh → d, th → t, gh → g (Akhmad → akmad, Achmad → akmad)
  3. h before a consonant is dropped (Ahmad → amad, so Ahmad = Achmad = Akhmad → amad, see step 5)
  4. oo → u, then doubled letters → one (Noor → nur, Muhammad → muhamad)
  5. k before a consonant is dropped (akmad → amad)
  6. the Muhammad family (muhamad, mohamad, mochamad, muhamat, mohd, moh, muh, mhd, m) → "mhd"
Stop words (bin, binti, al, bt, bte …) are dropped; a query of stop words only has an empty key.
"""

from __future__ import annotations

import re
import unicodedata

import polars as pl

STOP_WORDS = frozenset({"bin", "binti", "bt", "bte", "bn", "al", "el", "h", "hj"})
_DIGRAPHS = (("oe", "u"), ("dj", "j"), ("tj", "c"), ("sj", "sy"), ("nj", "ny"), ("ch", "kh"))
_ASPIRATED = (("kh", "k"), ("dh", "d"), ("th", "t"), ("gh", "g"))
_CONSONANT = "bcdfgjklmnpqrstvwxz"  # y, h and the vowels are not
_H_BEFORE_CONSONANT = f"h([{_CONSONANT}])"
_K_BEFORE_CONSONANT = f"k([{_CONSONANT}])"
_DOUBLE = r"([a-z])\1+"
_MUHAMMAD = r"^(m[ou][hk]?am[ae][dt]|mh?d|moh|muh|mohd|m)$"
_NOT_LETTER = re.compile(r"[^a-z]+")
MAX_WORDS = 8
MAX_INPUT = 200


def _ascii_words(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKD", str(text or "")[:MAX_INPUT]).encode("ascii", "ignore").decode().lower()
    return [w for w in _NOT_LETTER.sub(" ", folded).split() if w]


def word_key(word: str) -> str:
    """One word's key (see the module docstring); "" for a stop word."""
    if word in STOP_WORDS:
        return ""
    for old, new in _DIGRAPHS:
        word = word.replace(old, new)
    for old, new in _ASPIRATED:
        word = word.replace(old, new)
    word = re.sub(_H_BEFORE_CONSONANT, r"\1", word)
    word = word.replace("oo", "u")
    word = re.sub(_DOUBLE, r"\1", word)
    word = re.sub(_K_BEFORE_CONSONANT, r"\1", word)
    return "mhd" if re.match(_MUHAMMAD, word) else word


def word_keys(text: str) -> list[str]:
    """The keys of the words of a name or query, in written order, stop words dropped (at most `MAX_WORDS`)."""
    return [k for k in (word_key(w) for w in _ascii_words(text)) if k][:MAX_WORDS]


def name_key(text: str) -> str:
    """The stored search key: the words' keys sorted and joined by one space ("" for a name of stop words only)."""
    return " ".join(sorted(word_keys(text)))


def name_key_column(names: pl.Series) -> pl.Series:
    """`name_key` for a whole column, with Polars expressions only (no Python per row).

    The per-word rules (about forty regex passes) run once per *distinct* word and are mapped back onto the rows'
    word lists: a million names hold a few thousand to a few tens of thousands of distinct words, so this costs
    ~1 s per 1M names instead of ~8 s with the rules run on every word of every row (bench/README.md)."""
    words = (
        names.cast(pl.String)
        .fill_null("")
        .str.slice(0, MAX_INPUT)
        .str.normalize("NFKD")
        .str.replace_all(r"[^\x00-\x7f]", "")
        .str.to_lowercase()
        .str.replace_all(r"[^a-z]+", " ")
        .str.strip_chars()
        .str.split(" ")
    )
    w = pl.col("word")
    for old, new in _DIGRAPHS:
        w = w.str.replace_all(old, new, literal=True)
    for old, new in _ASPIRATED:
        w = w.str.replace_all(old, new, literal=True)
    w = w.str.replace_all(_H_BEFORE_CONSONANT, "$1").str.replace_all("oo", "u", literal=True)
    w = _collapse_doubles(w).str.replace_all(_K_BEFORE_CONSONANT, "$1")
    w = pl.when(w.str.contains(_MUHAMMAD)).then(pl.lit("mhd")).otherwise(w)
    distinct = pl.DataFrame({"word": words.explode().drop_nulls().unique()})
    keys = distinct.select(
        "word", pl.when(pl.col("word").is_in(list(STOP_WORDS)) | (pl.col("word") == "")).then(None).otherwise(w)
        .alias("key")
    )  # fmt: skip
    # one list.eval (Polars' `list.sort()` took ~8 s per 1M short lists, `list.eval(element().sort())` ~0.9 s), then
    # the at most MAX_WORDS sorted keys joined by concat_str
    mapped = pl.element().replace_strict(keys["word"], keys["key"], default=None, return_dtype=pl.String)
    keyed = pl.DataFrame({"words": words}).select(
        pl.col("words").list.eval(mapped.drop_nulls().head(MAX_WORDS).sort()).alias("keys")
    )
    joined = keyed.select(
        pl.concat_str([pl.col("keys").list.get(i, null_on_oob=True) for i in range(MAX_WORDS)], separator=" ",
                      ignore_nulls=True).alias("key")
    )  # fmt: skip
    return joined["key"].fill_null("").rename(names.name or "search_key")


def _collapse_doubles(w: pl.Expr) -> pl.Expr:
    """Polars' regex engine has no back-references: collapse each doubled letter explicitly (aa → a, …)."""
    for letter in "abcdefghijklmnopqrstuvwxyz":
        w = w.str.replace_all(f"{letter}{{2,}}", letter)
    return w


def similarity(a: str, b: str) -> float:
    """Trigram similarity of two keys, as pg_trgm computes it (for ranking where pg_trgm is missing, and tests)."""
    ta, tb = _trigrams(a), _trigrams(b)
    if not ta or not tb:
        return 0.0
    return len(ta & tb) / len(ta | tb)


def _trigrams(key: str) -> set[str]:
    grams: set[str] = set()
    for word in key.split():
        padded = f"  {word} "
        grams |= {padded[i : i + 3] for i in range(len(padded) - 2)}
    return grams

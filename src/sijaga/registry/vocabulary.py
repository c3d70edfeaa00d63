"""The vocabulary of name words (`NameWord`): filled from every written `search_key`, read to expand a typed prefix.

A name search matches each typed word as the *start* of one of the name's words. On PostgreSQL the words GIN index
answers a prefix (`siti:*`) by scanning every index entry that starts with it and building a bitmap of all their
rows: 95–120 ms for a common prefix at 20M workers. The same search written with the whole words that start with
the prefix (`siti | sitirah`) is a merge of posting lists: 6 ms (bench/README.md). `expand` finds those words here.

Correctness does not hang on the vocabulary being complete: a prefix with no word here, or with more than
`MAX_EXPANSION`, is searched as a prefix, and `missing()` (tests, `sijaga check_derived`) counts words of the
registry absent from it.
"""

from __future__ import annotations

from django.db import connection

from sijaga.core.bulk import Dialect

#: A prefix that starts more words than this (one or two letters) is searched as a prefix, not expanded.
MAX_EXPANSION = 40


def add_from(cur, d: Dialect, keys_sql: str, params: list | None = None) -> None:
    """Add the words of the search keys `keys_sql` selects (one column) to the vocabulary, set-based."""
    if d.pg:
        # each distinct key split once: names repeat (1M generated rows: 8,580 keys, 0.5 → 0.16 s)
        cur.execute(
            "INSERT INTO registry_nameword (word) SELECT DISTINCT w "
            f"FROM (SELECT DISTINCT * FROM ({keys_sql}) AS s) AS k(search_key), "
            "unnest(string_to_array(k.search_key, ' ')) AS w WHERE w <> '' ON CONFLICT DO NOTHING",
            params or [],
        )
        return
    cur.execute(keys_sql, params or [])
    cur.executemany("INSERT OR IGNORE INTO registry_nameword (word) VALUES (%s)", [(w,) for w in _words(cur)])


def expand(key: str) -> list[str]:
    """The vocabulary's words that start with `key` (letters a–z), at most MAX_EXPANSION; [] when there are none
    or more (the caller then searches the prefix itself)."""
    from sijaga.registry.models import NameWord

    if not key or not key.isascii() or not key.isalpha():
        return []
    upper = key[:-1] + chr(ord(key[-1]) + 1)  # keys are a–z: every word starting with `key` sorts before this
    words = list(
        NameWord.objects.filter(word__gte=key, word__lt=upper)
        .order_by("word")
        .values_list("word", flat=True)[: MAX_EXPANSION + 1]
    )
    return words if len(words) <= MAX_EXPANSION and all(w.startswith(key) for w in words) else []


def missing() -> int:
    """How many distinct words of the workers' search keys are not in the vocabulary (0 = complete)."""
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(
                "SELECT COUNT(DISTINCT w) FROM registry_worker, unnest(string_to_array(search_key, ' ')) AS w "
                "WHERE w <> '' AND NOT EXISTS (SELECT 1 FROM registry_nameword n WHERE n.word = w)"
            )
            return int(cur.fetchone()[0])
        cur.execute("SELECT search_key FROM registry_worker")
        words = set(_words(cur))
        cur.execute("SELECT word FROM registry_nameword")
        return len(words - {w for (w,) in cur.fetchall()})


def _words(cur) -> list[str]:
    """The distinct words of the search keys a cursor just selected (SQLite, which has no `unnest`), sorted."""
    return sorted({w for (key,) in cur.fetchall() for w in (key or "").split()})

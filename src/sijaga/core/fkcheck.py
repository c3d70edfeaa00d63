"""Set-based foreign-key checking for the bulk import's merge (PostgreSQL only; issue 18).

PostgreSQL checks a foreign key with one trigger call per inserted row (an index probe and a `FOR KEY SHARE`
lock of the referenced row): at 1M rows the seven RI triggers of the enrolment merge cost 16–19 s at COMMIT
(performance review §3, §4.3 item 1). The bulk path can instead check each foreign key ONCE, set-based, and then
write with `SET LOCAL session_replication_role = replica`, which keeps the RI triggers from being queued.

That setting disables *every* ordinary trigger and rule of the session, so it is used only when all of this holds
(`skip_triggers_allowed`), and otherwise the merge writes the normal way, with the triggers:

* the setting `IMPORT_SET_BASED_FK` is on (`SIJAGA_IMPORT_SET_BASED_FK`, default on);
* the database role may set the parameter: superuser, or on PostgreSQL 15+ a role given
  `GRANT SET ON PARAMETER session_replication_role TO <role>` (docs/scaling.md);
* the tables written in the window carry no trigger other than the RI triggers of their foreign keys and no rule
  (`other_triggers`; a test fails as well when one is added), and
* their foreign keys are exactly the ones the caller checks itself (`foreign_keys`; a test compares them too).

The caller checks every reference it is about to write BEFORE writing (locking the referenced rows `FOR KEY SHARE`
as the RI triggers would), raises `BrokenReference` (the batch fails with a message, nothing is written) when one is
missing, and resets the role with `triggers_on` before anything else runs in the transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings

log = logging.getLogger(__name__)

#: (table, column, referenced table, referenced column)
ForeignKey = tuple[str, str, str, str]


class BrokenReference(Exception):
    """A row of the bulk merge references a row that does not exist (or was deleted meanwhile)."""


def role_may_skip_triggers(cur) -> bool:
    """May this connection's role set `session_replication_role`? Superuser, or PostgreSQL 15+'s parameter grant."""
    cur.execute("SELECT current_setting('is_superuser') = 'on', current_setting('server_version_num')::int")
    superuser, version = cur.fetchone()
    if superuser:
        return True
    if version < 150000:
        return False
    cur.execute("SELECT has_parameter_privilege('session_replication_role', 'SET')")
    return bool(cur.fetchone()[0])


def other_triggers(cur, tables: Iterable[str]) -> list[str]:
    """Triggers and rules on `tables` that `session_replication_role = replica` would silently switch off: every
    trigger that is not the RI trigger of a foreign-key constraint, and every rule (views' `_RETURN` excepted)."""
    names = sorted(tables)
    cur.execute(
        "SELECT t.tgrelid::regclass::text || '.' || t.tgname FROM pg_trigger AS t "
        "LEFT JOIN pg_constraint AS c ON c.oid = t.tgconstraint "
        "WHERE t.tgrelid = ANY(%s::regclass[]) AND NOT (t.tgisinternal AND c.contype = 'f') "
        "UNION ALL SELECT r.ev_class::regclass::text || '.' || r.rulename FROM pg_rewrite AS r "
        "WHERE r.ev_class = ANY(%s::regclass[]) AND r.rulename <> '_RETURN' ORDER BY 1",
        [names, names],
    )
    return [row[0] for row in cur.fetchall()]


def with_partitions(cur, tables: Iterable[str]) -> list[str]:
    """`tables` and the partitions of those that are partitioned (a trigger or foreign key may sit on one
    partition only; `session_replication_role` switches those off too)."""
    names = sorted(tables)
    cur.execute(
        "SELECT i.inhrelid::regclass::text FROM pg_inherits AS i WHERE i.inhparent = ANY(%s::regclass[]) ORDER BY 1",
        [names],
    )
    return names + [row[0] for row in cur.fetchall()]


def foreign_keys(cur, tables: Iterable[str]) -> set[ForeignKey]:
    """The single-column foreign keys declared on `tables` (multi-column ones are returned with their columns
    joined by commas, so that they never match a hand-written check by accident). A partition's copies of its
    partitioned table's foreign keys are not listed again; a foreign key of its own is, under its name."""
    cur.execute(
        "SELECT c.conrelid::regclass::text, "
        "(SELECT string_agg(a.attname, ',' ORDER BY a.attnum) FROM pg_attribute AS a "
        " WHERE a.attrelid = c.conrelid AND a.attnum = ANY(c.conkey)), c.confrelid::regclass::text, "
        "(SELECT string_agg(a.attname, ',' ORDER BY a.attnum) FROM pg_attribute AS a "
        " WHERE a.attrelid = c.confrelid AND a.attnum = ANY(c.confkey)) "
        "FROM pg_constraint AS c WHERE c.contype = 'f' AND c.conrelid = ANY(%s::regclass[]) AND c.conparentid = 0",
        [sorted(tables)],
    )
    return {tuple(row) for row in cur.fetchall()}


def skip_triggers_allowed(cur, tables: Iterable[str], checked: set[ForeignKey]) -> bool:
    """All the conditions of the module docstring; logs why not when one fails (the import then goes the normal
    way, with the RI triggers)."""
    if not getattr(settings, "IMPORT_SET_BASED_FK", True):
        return False
    tables = with_partitions(cur, tables)
    if not role_may_skip_triggers(cur):
        log.info("bulk merge: the database role may not set session_replication_role; checking FKs per row")
        return False
    if others := other_triggers(cur, tables):
        log.warning("bulk merge: triggers or rules %s on the merged tables; checking FKs per row", others)
        return False
    if (declared := foreign_keys(cur, tables)) != checked:
        log.warning("bulk merge: foreign keys %s differ from the checked ones %s; checking FKs per row",
                    sorted(declared ^ checked), sorted(checked))  # fmt: skip
        return False
    return True


def triggers_off(cur) -> None:
    """For the rest of the transaction, or until `triggers_on`: ordinary triggers (the RI checks) do not fire."""
    cur.execute("SET LOCAL session_replication_role = replica")


def triggers_on(cur) -> None:
    cur.execute("SET LOCAL session_replication_role = origin")

"""A bulk import refreshes the coverage of the payers it touched once, on commit; a re-upload that creates and
changes nothing refreshes nothing (the refresh recounts every membership of the payer: seconds per 1M rows)."""

from __future__ import annotations

import pytest

from sijaga.coverage import refresh
from sijaga.imports import services as imports
from sijaga.imports.tests.test_pipeline import row, write_csv

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_unchanged_reupload_does_not_refresh_coverage(committed_regions, world, tmp_path, monkeypatch):
    refreshed: list[set[int]] = []  # the payers of each refresh (finer keys: the payer × workers of the file)
    original = refresh.refresh

    def spy(**keys):
        refreshed.append(set(keys.get("payers") or ()) | set(keys.get("payer_workers") or ()))
        return original(**keys)

    monkeypatch.setattr(refresh, "refresh", spy)
    payer = world.sites["A"].payer
    operator = world.users["regency_operator"]
    rows = [row(1), row(2)]
    first = imports.import_file(write_csv(tmp_path, rows), payer_code=payer.code, user=operator)
    assert first.created == 2
    assert refreshed == [{payer.pk}]
    again = imports.import_file(write_csv(tmp_path, rows, "again.csv"), payer_code=payer.code, user=operator)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert refreshed == [{payer.pk}]
    changed = imports.import_file(write_csv(tmp_path, [row(1, wage="4.250.000"), row(2)], "v2.csv"),
                                  payer_code=payer.code, user=operator)  # fmt: skip
    assert changed.updated == 1
    assert refreshed == [{payer.pk}, {payer.pk}]

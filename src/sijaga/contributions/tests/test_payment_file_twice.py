"""The same payment file sent twice — detected by its hash and by each line's reference, nothing counted twice — and
a payment file killed mid-way: nothing half-applied (PostgreSQL, a child process killed at each step of the merge)."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys

import pytest
from django.db import connection

from sijaga.accounts.actor import Actor
from sijaga.contributions import billing
from sijaga.contributions.models import Allocation, Bill, Payment
from sijaga.contributions.services import load_rates
from sijaga.core.periods import Month
from sijaga.enrollment.models import Membership, MembershipEvent

MONTHLY = 4_000_000 * 624 // 10_000


def _file(path, world, lines):
    m = world.sites["A"].membership
    body = "Nomor KPJ;NIK;Periode;Jumlah;Tanggal Bayar;Referensi\n" + "".join(
        f";{m.worker.nik};2025-0{i + 1};{amount};05/03/2025;{ref}\n" for i, (amount, ref) in enumerate(lines)
    )
    path.write_text(body, encoding="utf-8")
    return path


def _bill(world):
    load_rates(Actor.system("cli"))
    payer = world.sites["A"].payer
    for month in (Month(2025, 1), Month(2025, 2)):
        billing.run_billing(world.users["coordinator"], month, payer_id=payer.pk)
    return payer


def _state():
    return (
        sorted(Payment.objects.values_list("reference", "amount", "unallocated")),
        sorted(Allocation.objects.values_list("payment__reference", "bill__month", "amount")),
        sorted(Bill.objects.values_list("payer_id", "month", "paid", "status")),
        sorted(Membership.objects.values_list("id", "status")),
        MembershipEvent.objects.filter(kind="status").count(),
    )


@pytest.mark.django_db
def test_the_same_file_twice_is_detected_by_hash_and_by_reference(world, tmp_path):
    from sijaga.imports import services as imports

    payer = _bill(world)
    user = world.users["regency_operator"]
    path = _file(tmp_path / "bank.csv", world, [(MONTHLY, "BNK-1"), (1_000, "BNK-2")])
    first = imports.import_file(path, payer_code=payer.code, user=user, kind="pembayaran")
    assert (first.status, first.created) == ("imported", 2) and not any("sudah diimpor" in n for n in first.notes)
    after_first = _state()
    # the same bytes under another name: the hash says so (also on a dry run, before anyone confirms)
    copy = tmp_path / "bank-salinan.csv"
    copy.write_bytes(path.read_bytes())
    dry = imports.import_file(copy, payer_code=payer.code, user=user, kind="pembayaran", dry_run=True)
    assert any("sudah diimpor" in n and first.file_sha256[:12] in n for n in dry.notes), dry.notes
    again = imports.import_file(copy, payer_code=payer.code, user=user, kind="pembayaran")
    assert (again.created, again.unchanged) == (0, 2)
    assert any("sudah diimpor" in n for n in again.notes)
    assert _state() == after_first
    # another file (different bytes: another order, an extra column spacing) with the same references: no hash
    # match, but every line is known by its reference
    other = tmp_path / "bank-lagi.csv"
    other.write_text(path.read_text().replace(";05/03/2025;", "; 05/03/2025 ;"), encoding="utf-8")
    third = imports.import_file(other, payer_code=payer.code, user=user, kind="pembayaran")
    assert not any("sudah diimpor" in n for n in third.notes)
    assert (third.created, third.unchanged) == (0, 2) and _state() == after_first
    assert sum(Allocation.objects.values_list("amount", flat=True)) == MONTHLY + 1_000


def _env(fault: str | None) -> dict:
    s = connection.settings_dict
    env = {k: v for k, v in os.environ.items() if k != "SIJAGA_IMPORT_FAULT"}
    env["DATABASE_URL"] = (
        f"postgresql://{s['USER'] or 'postgres'}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
    )
    if fault:
        env["SIJAGA_IMPORT_FAULT"] = fault
    return env


def _run(path, payer_code, fault=None):
    cmd = [sys.executable, "-m", "sijaga", "import_enrollment", str(path), "--payer", payer_code, "--kind",
           "pembayaran", "--json"]  # fmt: skip
    return subprocess.run(cmd, env=_env(fault), capture_output=True, text=True, timeout=300, check=False)


@pytest.mark.subprocess
@pytest.mark.slow
def test_a_payment_file_killed_mid_way_leaves_nothing_half_applied(committed_regions, world, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("needs a database a child process can share (PostgreSQL, as in CI)")
    payer = _bill(world)
    before = _state()
    path = _file(tmp_path / "bank.csv", world, [(MONTHLY, "KIL-1"), (MONTHLY, "KIL-2")])
    for fault in ("after_payments", "after_allocation", "after_statuses"):
        killed = _run(path, payer.code, fault)
        assert killed.returncode == -signal.SIGKILL, (fault, killed.returncode, killed.stderr[-500:])
        assert _state() == before, f"half-applied payments after a kill at {fault}"
    clean = _run(path, payer.code)
    assert clean.returncode == 0 and '"created": 2' in clean.stdout, clean.stdout + clean.stderr
    payments, allocations, bills, memberships, events = _state()
    assert [p[0] for p in payments] == ["KIL-1", "KIL-2"] and sum(a[2] for a in allocations) == 2 * MONTHLY
    assert all(b[3] == "paid" for b in bills if b[0] == payer.pk and b[1] <= dt.date(2025, 2, 1))
    assert dict(memberships)[world.sites["A"].membership.pk] == "active" and events == before[4] + 1
    again = _run(path, payer.code)
    assert '"created": 0' in again.stdout and '"unchanged": 2' in again.stdout
    assert _state() == (payments, allocations, bills, memberships, events)

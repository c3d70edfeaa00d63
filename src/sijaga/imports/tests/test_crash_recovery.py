"""Kill the importing process at any moment, run the import again: the database ends exactly as after one
uninterrupted run. Runs `sijaga import_enrollment` in a child process against the committed test database."""

import datetime as dt
import os
import random
import signal
import subprocess
import sys
import time

import pytest
from django.db import connection

from sijaga.conftest import make_nik
from sijaga.imports.columns import COLUMNS

pytestmark = [pytest.mark.subprocess, pytest.mark.slow]
ROWS = 20_000


def _csv(path):
    districts = ["64.71.01", "64.71.02", "64.71.03", "64.71.04", "64.71.05", "64.71.06"]
    lines = [";".join(c.header for c in COLUMNS)]
    for i in range(ROWS):
        birth = dt.date(1970, 1, 1) + dt.timedelta(days=i % 12000)
        gender = "P" if i % 3 else "L"
        nik = make_nik(districts[i % 6], birth, gender, 1 + i // 6 % 9999)
        lines.append(
            ";".join(
                [
                    nik,
                    f"Pekerja {i}",
                    "",
                    "",
                    "64.71.05.1002",
                    "",
                    "non_asn",
                    "",
                    "PU",
                    "JKK+JKM" if i % 2 else "JKK+JKM+JHT",
                    str(3_000_000 + i),
                    "01/02/2026",
                ]
            )
        )
    path.write_text("\n".join(lines) + "\n")
    return path


def _env(fault: str | None = None) -> dict:
    settings = connection.settings_dict
    env = {k: v for k, v in os.environ.items() if k != "SIJAGA_IMPORT_FAULT"}
    env["DATABASE_URL"] = (
        f"postgresql://{settings['USER'] or 'postgres'}@{settings['HOST'] or '127.0.0.1'}:"
        f"{settings['PORT'] or 5432}/{settings['NAME']}"
    )
    if fault:
        env["SIJAGA_IMPORT_FAULT"] = fault
    return env


def _run(path, payer_code, fault=None):
    cmd = [sys.executable, "-m", "sijaga", "import_enrollment", str(path), "--payer", payer_code, "--json"]
    return subprocess.run(cmd, env=_env(fault), capture_output=True, text=True, timeout=300, check=False)


def _snapshot():
    """Everything a user can see, without surrogate keys, random tokens and timestamps."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT nik, full_name, birth_date, gender, domicile_id, phone, occupation, category "
            "FROM registry_worker ORDER BY nik"
        )
        workers = cur.fetchall()
        cur.execute(
            "SELECT w.nik, p.code, m.segment, m.jkk, m.jkm, m.jht, m.jp, m.jkp, m.wage, m.start_date, m.status, "
            "m.number IS NOT NULL, length(m.verify_token), "
            "(SELECT COUNT(*) FROM enrollment_membershipevent e WHERE e.membership_id = m.id), "
            "(SELECT COUNT(*) FROM enrollment_membershipterms t WHERE t.membership_id = m.id) "
            "FROM enrollment_membership m JOIN registry_worker w ON w.id = m.worker_id "
            "JOIN enrollment_payer p ON p.id = m.payer_id ORDER BY w.nik"
        )
        memberships = cur.fetchall()
    return workers, memberships


def _wipe():
    with connection.cursor() as cur:
        cur.execute("DELETE FROM enrollment_membershipevent")
        cur.execute("DELETE FROM enrollment_membershipterms")
        cur.execute("DELETE FROM enrollment_membership")
        cur.execute("DELETE FROM registry_workerchange")
        cur.execute("DELETE FROM registry_worker")


def test_kill_mid_import_then_rerun_equals_one_clean_run(committed_regions, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("needs a database a child process can share (PostgreSQL, as in CI)")
    from sijaga.accounts.services import create_user
    from sijaga.enrollment.services import create_payer

    coordinator = create_user("koordinator.crash", None, role="coordinator")
    payer = create_payer(
        coordinator,
        {
            "code": "pemkot-balikpapan-crash",
            "name": "Pemerintah Kota Balikpapan",
            "kind": "pemkab",
            "region_id": "64.71",
            "funding_source": "apbd",
        },
    )
    path = _csv(tmp_path / "pegawai.csv")

    # 1. the reference: one uninterrupted run
    clean = _run(path, payer.code)
    assert clean.returncode == 0, clean.stderr
    assert '"created": 20000' in clean.stdout
    reference = _snapshot()
    assert len(reference[0]) == ROWS and len(reference[1]) == ROWS
    _wipe()

    # 2. killed at each point of the merge: nothing is half-written, and a re-run completes the import
    for fault in ("after_stage", "after_workers", "after_memberships"):
        killed = _run(path, payer.code, fault)
        assert killed.returncode == -signal.SIGKILL, (fault, killed.returncode, killed.stderr[-500:])
        assert _snapshot() == ([], []), f"half-written data after a kill at {fault}"

    # 3. killed at a random moment (possibly after the commit), then re-run
    rng = random.Random(2021)
    for _attempt in range(3):
        child = subprocess.Popen(
            [sys.executable, "-m", "sijaga", "import_enrollment", str(path), "--payer", payer.code, "--json"],
            env=_env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(rng.uniform(0.5, 3.0))
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=60)
        workers, memberships = _snapshot()
        assert len(workers) in (0, ROWS) and len(memberships) in (0, ROWS)  # all or nothing

    rerun = _run(path, payer.code)
    assert rerun.returncode == 0, rerun.stderr
    assert _snapshot() == reference
    # and once more: a re-upload changes nothing
    again = _run(path, payer.code)
    assert '"created": 0' in again.stdout and '"updated": 0' in again.stdout and '"unchanged": 20000' in again.stdout
    assert _snapshot() == reference

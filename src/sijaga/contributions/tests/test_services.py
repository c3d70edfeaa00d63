"""Loading the rates (idempotent, versioned) and the national coordinator's corrections (with history)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction

from sijaga.accounts.actor import Actor
from sijaga.accounts.services import create_user
from sijaga.contributions import selectors, services
from sijaga.contributions.calculate import ContributionError, Terms, contribution
from sijaga.contributions.models import Rate, RateEvent, RateSchedule
from sijaga.contributions.rates import DATA_DIR, table_from_files
from sijaga.core.periods import Month

pytestmark = pytest.mark.django_db
FILES = len(list(DATA_DIR.glob("*.toml")))


def load(*args) -> dict:
    out = StringIO()
    call_command("load_rates", "--json", *args, stdout=out)
    return json.loads(out.getvalue())


@pytest.fixture
def coordinator():
    return Actor.of(create_user("koordinator", "pw-12345-x", role="coordinator"), channel="web")


@pytest.fixture
def data(tmp_path):
    folder = tmp_path / "rates"
    shutil.copytree(DATA_DIR, folder)
    return folder


def test_load_is_idempotent():
    first = load()
    assert (first["created"], first["updated"], first["unchanged"], first["retired"]) == (FILES, 0, 0, 0)
    assert first["rows"] == len(table_from_files())
    second = load()
    assert (second["created"], second["updated"], second["unchanged"], second["retired"]) == (0, 0, FILES, 0)
    assert RateSchedule.objects.count() == FILES and RateEvent.objects.count() == FILES
    assert set(RateEvent.objects.values_list("kind", flat=True)) == {"loaded"}
    out = StringIO()
    call_command("load_rates", stdout=out)
    assert f"0 baru, 0 diperbarui, {FILES} tetap, 0 tidak berlaku lagi" in out.getvalue()


def test_database_table_prices_like_the_files():
    load()
    table = selectors.current_table()
    terms = Terms("pu", {"jkk", "jkm", "jht", "jp"}, wage=5_000_000)
    from_db = contribution(terms, Month(2024, 6), table)
    from_files = contribution(terms, Month(2024, 6), table_from_files())
    assert [(x.employer, x.worker) for x in from_db.lines] == [(x.employer, x.worker) for x in from_files.lines]
    used = Rate.objects.filter(pk__in=from_db.rate_ids)
    assert {r.key for r in used} == {"pu.jkk.1", "pu.jkm", "pu.jht.employer", "pu.jht.worker", "pu.jp.employer",
                                     "pu.jp.worker", "pu.jp.cap.2024"}  # fmt: skip


def test_a_changed_file_is_a_new_version_and_history_stays(data):
    load("--data", str(data))
    old_cap = Rate.objects.get(schedule__code="jp-wage-caps", key="pu.jp.cap.2024")
    path = data / "jp-wage-caps.toml"
    path.write_text(path.read_text().replace("amount = 10_042_300", "amount = 10_042_400"))
    result = load("--data", str(data))
    assert (result["created"], result["updated"], result["unchanged"]) == (0, 1, FILES - 1)
    versions = list(RateSchedule.objects.filter(code="jp-wage-caps").order_by("version"))
    assert [(v.version, v.is_current) for v in versions] == [(1, False), (2, True)]
    assert Rate.objects.get(pk=old_cap.pk).amount == 10_042_300  # the row a bill may point at is untouched
    event = RateEvent.objects.get(schedule=versions[1])
    assert event.kind == "updated" and event.changes == {"pu.jp.cap.2024": {"amount": [10_042_300, 10_042_400]}}
    line = contribution(Terms("pu", {"jp"}, wage=20_000_000), Month(2024, 6), selectors.current_table()).line("jp")
    assert line.base == 10_042_400
    assert load("--data", str(data))["unchanged"] == FILES  # and again nothing changes
    # comments and layout are not content: no new version
    path.write_text("# a comment\n" + path.read_text())
    assert load("--data", str(data))["unchanged"] == FILES


def test_a_removed_file_is_retired(data):
    load("--data", str(data))
    (data / "pp-36-2025.toml").unlink()
    result = load("--data", str(data))
    assert result["retired"] == 1
    assert not RateSchedule.objects.get(code="pp-36-2025").is_current
    assert RateEvent.objects.filter(kind="retired", schedule__code="pp-36-2025").exists()
    terms = Terms("pu", {"jkk"}, wage=5_000_000, labour_intensive=True)
    assert contribution(terms, Month(2025, 9), selectors.current_table()).line("jkk").employer == 12_000


def test_a_bad_file_writes_nothing(data):
    (data / "broken.toml").write_text('schema = 1\nregulation = "PP 1/2020"\n[[rate]]\nkey = "x"\nrate = "0.054%"\n')
    with pytest.raises(CommandError, match="valid_from is required"):
        call_command("load_rates", "--data", str(data), stdout=StringIO())
    (data / "broken.toml").write_text(
        'schema = 1\nregulation = "PP 1/2020"\n[[rate]]\nkey = "x"\nrate = "0.054%"\nvalid_from = "2020-01"\n'
    )
    with pytest.raises(CommandError, match="basis points"):
        call_command("load_rates", "--data", str(data), stdout=StringIO())
    assert not RateSchedule.objects.exists()
    (data / "broken.toml").write_text(
        'schema = 1\nregulation = "PP 1/2020"\n[[rate]]\nkey = "x"\nsegment = "pu"\nprogramme = "jkm"\n'
        'party = "employer"\nrate = "0.1%"\nvalid_from = "2020-01"\n'
    )  # overlaps pp-44-2015's PU JKM
    with pytest.raises(CommandError, match="both in force"):
        call_command("load_rates", "--data", str(data), stdout=StringIO())
    assert not RateSchedule.objects.exists()


def test_coordinator_corrects_a_rate_with_history(coordinator, data):
    load("--data", str(data))
    rate = Rate.objects.get(schedule__code="pp-44-2015", key="pu.jkm", schedule__is_current=True)
    corrected = services.correct_rate(coordinator, rate, {"article": "Pasal 18", "verified": True},
                                      reason="Dicek pada salinan resmi JDIH")  # fmt: skip
    assert corrected.pk != rate.pk and corrected.article == "Pasal 18" and corrected.schedule.version == 2
    assert corrected.schedule.origin == "correction" and corrected.schedule.created_by == coordinator.user
    assert Rate.objects.get(pk=rate.pk).article == ""  # the old version's row is kept as it was
    event = RateEvent.objects.get(kind="corrected")
    assert event.by == coordinator.user and event.reason == "Dicek pada salinan resmi JDIH"
    assert event.changes == {"pu.jkm": {"article": ["", "Pasal 18"]}}
    # the unchanged data file does not undo the correction ...
    assert load("--data", str(data))["unchanged"] == FILES
    assert selectors.current_rates().get(key="pu.jkm", schedule__code="pp-44-2015").article == "Pasal 18"
    # ... a changed one replaces it, and says so
    path = data / "pp-44-2015.toml"
    path.write_text(
        path.read_text().replace('source = "regulations.md: JKM 0.30%', 'source = "regulations.md: JKM 0.3%')
    )
    result = load("--data", str(data))
    assert result["updated"] == 1 and result["superseded_corrections"] == ["pp-44-2015 v2"]


def test_correcting_a_figure_changes_what_is_charged(coordinator):
    load()
    rate = selectors.current_rates().get(key="pu.jkk.1")
    services.correct_rate(coordinator, rate.pk, {"rate": "0.25%"}, reason="uji")
    month, terms = Month(2026, 3), Terms("pu", {"jkk"}, wage=5_000_000)
    assert contribution(terms, month, selectors.current_table()).line("jkk").employer == 12_500


def test_coordinator_adds_a_missing_jp_cap(coordinator):
    load()
    terms, month = Terms("pu", {"jp"}, wage=20_000_000), Month(2025, 6)
    with pytest.raises(ContributionError) as caught:
        contribution(terms, month, selectors.current_table())
    assert caught.value.code == "no_cap"
    added = services.add_rate(
        coordinator, "jp-wage-caps", "cap",
        {"key": "pu.jp.cap.2025", "segment": "pu", "programme": "jp", "amount": 10_547_400, "valid_from": "2025-03",
         "valid_to": "2026-02", "article": "Pasal 29", "source": "pengumuman BPJS Ketenagakerjaan", "verified": False},
        reason="Batas upah JP 2025",
    )  # fmt: skip
    assert added.schedule.version == 2 and added.valid_from == dt.date(2025, 3, 1)
    assert contribution(terms, month, selectors.current_table()).line("jp").base == 10_547_400


def test_corrections_are_checked_and_refused_when_wrong(coordinator):
    load()
    rate = selectors.current_rates().get(key="pu.jkk.labour-intensive", schedule__code="pp-7-2025")
    with pytest.raises(ValidationError):  # would overlap PP 36/2025's extension
        services.correct_rate(coordinator, rate, {"valid_to": "2025-09"}, reason="uji")
    with pytest.raises(ValidationError):
        services.correct_rate(coordinator, rate, {"rate": "0.054%"}, reason="uji")
    with pytest.raises(ValidationError):
        services.correct_rate(coordinator, rate, {"rate": "50%"}, reason="tanpa perubahan")
    with pytest.raises(ValidationError):
        services.correct_rate(coordinator, rate, {"rate": "40%"}, reason="  ")
    with pytest.raises(ValidationError):
        services.correct_rate(coordinator, rate, {"segment": "bpu"}, reason="identitas")
    with pytest.raises(ValidationError):
        services.add_rate(coordinator, "pp-7-2025", "cap", {"key": "pu.jkk.labour-intensive"}, reason="dup")
    assert RateSchedule.objects.filter(code="pp-7-2025").count() == 1
    assert not RateEvent.objects.filter(kind="corrected").exists()


def test_only_national_coordinators_correct(world):
    load()
    rate = selectors.current_rates().get(key="pu.jkm", schedule__code="pp-44-2015")
    for role in ("province_admin", "regency_operator", "village_operator", "bpjs_officer", "auditor"):
        with pytest.raises(PermissionDenied):
            services.correct_rate(Actor.of(world.users[role]), rate, {"article": "x"}, reason="x")
        with pytest.raises(PermissionDenied):
            services.load_rates(Actor.of(world.users[role]))
    with pytest.raises(PermissionDenied):  # a correction names a person, not the system
        services.correct_rate(Actor.system("cli"), rate, {"article": "x"}, reason="x")
    assert RateSchedule.objects.filter(code="pp-44-2015").count() == 1


def test_database_refuses_what_the_rules_refuse():
    load()
    schedule = RateSchedule.objects.get(code="pp-44-2015")
    good = Rate.objects.get(schedule=schedule, key="pu.jkm")
    good.full_clean()  # NULL valid_to passes the first-of-month check
    for change in ({"valid_from": dt.date(2016, 1, 2)}, {"valid_to": dt.date(2016, 1, 15)}, {"bp": 0},
                   {"bp": 10_001}, {"amount": 5}, {"party": ""}, {"risk_class": 6}, {"segment": "xx"},
                   {"valid_to": dt.date(2015, 6, 1)}, {"condition": "labour_intensive"}):  # fmt: skip
        row = Rate.objects.get(pk=good.pk)
        row.pk, row.key = None, "probe"
        for name, value in change.items():
            setattr(row, name, value)
        with pytest.raises(ValidationError):
            row.full_clean()
        with pytest.raises(IntegrityError), transaction.atomic():
            row.save()


def test_month_field_takes_months():
    field = Rate._meta.get_field("valid_from")
    assert field.to_python("2026-03") == field.to_python("03/2026") == field.to_python(Month(2026, 3))
    assert field.to_python("2026-03") == dt.date(2026, 3, 1)
    with pytest.raises(ValidationError):
        field.to_python("2026-13")
    load()
    assert (
        Rate.objects.filter(valid_from=Month(2015, 7)).count()
        == Rate.objects.filter(valid_from=dt.date(2015, 7, 1)).count()
        > 0
    )

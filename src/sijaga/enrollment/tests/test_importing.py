"""The enrolment import kind: one rule per thing (numbers, programme rules), history for every change, double
funding, and labels in either language."""

from __future__ import annotations

import datetime as dt
import itertools

import polars as pl
import pytest
from django.db import connection
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from sijaga.core.bulk import Dialect
from sijaga.enrollment.bulk import number_sql
from sijaga.enrollment.models import EventKind, Membership, MembershipEvent
from sijaga.enrollment.rules import PROGRAMMES, SEGMENT_RULES, membership_number, programme_errors
from sijaga.imports import kinds, services
from sijaga.imports.tests.test_pipeline import row, write_csv
from sijaga.registry.models import Worker, WorkerChange

pytestmark = pytest.mark.django_db


def test_enrolment_is_a_registered_kind():
    kind = kinds.get("kepesertaan")
    assert kinds.get() is kind and kind.columns.required[0] == "nik"
    assert kind.blank_workbook("xlsx").startswith(b"PK") and kind.blank_workbook("csv").startswith("\ufeff".encode())


def test_the_engine_imports_no_domain_app():
    """`imports` is below registry and enrollment: it knows them only through the kinds registered with it."""
    import ast
    from pathlib import Path

    folder = Path(kinds.__file__).parent
    offenders = []
    for path in folder.glob("*.py"):
        if path.name == "reader.py":  # still imports registry.nik.WHITESPACE (edited on another branch)
            continue
        tree = ast.parse(path.read_text())
        for node in tree.body:  # module level only: a function may look a kind's app up lazily
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            offenders += [f"{path.name}: {n}" for n in names if n.startswith(("sijaga.registry", "sijaga.enrollment"))]
    assert not offenders


# --- the membership number: one formula, in Python and in SQL -----------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.dates(dt.date(2000, 1, 1), dt.date(2099, 12, 31)), st.integers(1, 999_999_999)),
        min_size=1,
        max_size=20,
    )
)
def test_membership_number_sql_equals_python(pairs):
    d = Dialect(connection.vendor)
    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS number_probe")
        cur.execute(f"CREATE TEMP TABLE number_probe (start_date date, id {d.type('int')})")
        cur.executemany("INSERT INTO number_probe VALUES (%s, %s)", [(s.isoformat(), i) for s, i in pairs])
        order = "ctid" if d.pg else "rowid"
        cur.execute(f"SELECT {number_sql(d, 'id')} FROM number_probe ORDER BY {order}")  # noqa: S608
        got = [r[0] for r in cur.fetchall()]
        cur.execute("DROP TABLE number_probe")
    assert got == [membership_number(s, i) for s, i in pairs]


def test_imported_numbers_follow_the_rule(world, tmp_path):
    services.import_file(write_csv(tmp_path, [row(1), row(2)]), payer_code=world.sites["A"].payer.code)
    for m in Membership.objects.filter(worker__full_name__startswith="Pekerja Nomor"):
        assert m.number == membership_number(m.start_date, m.pk)


# --- the programme rules: the import agrees with enrollment.rules.programme_errors -----------------------------

SEGMENT_SPELLINGS = {
    "pu": ["PU", "pu", "Penerima Upah", "PPU", "wage earner", "PU — penerima upah"],
    "bpu": ["BPU", "Bukan Penerima Upah", "pbpu", "non-wage earner"],
    "jakon": ["JAKON", "Jasa Konstruksi", "konstruksi", "construction"],
}
SEPARATORS = ["+", ",", "/", ";", " ", " dan ", " and ", " + "]


def _programme_reasons(segment_text: str, programmes_text: str) -> list[str]:
    from sijaga.enrollment.importing import validate, villages
    from sijaga.imports.tests.files import TODAY, values

    frame = pl.DataFrame(
        {"__row": [2], "__nik_numeric": [False], **{k: [str(v)] for k, v in values(1).items()}}
    ).with_columns(pl.lit(segment_text).alias("segment"), pl.lit(programmes_text).alias("programmes"))
    out = validate(frame, villages=villages(), today=TODAY)
    return out.rejections.filter(pl.col("key") == "programmes").get_column("reason").to_list()


def test_every_segment_and_programme_set_agrees_with_programme_errors():
    """Exhaustive: 3 segments × 31 non-empty programme sets, as an uploader would type them."""
    for segment, subset in itertools.product(SEGMENT_RULES, range(1, 2 ** len(PROGRAMMES))):
        chosen = [p for i, p in enumerate(PROGRAMMES) if subset >> i & 1]
        assert _programme_reasons(segment.upper(), "+".join(p.upper() for p in chosen)) == programme_errors(
            segment, chosen
        ), (segment, chosen)


@settings(max_examples=150, deadline=None)
@given(
    segment=st.sampled_from(sorted(SEGMENT_RULES)),
    chosen=st.lists(st.sampled_from(PROGRAMMES), min_size=1, max_size=7),
    separator=st.sampled_from(SEPARATORS),
    data=st.data(),
)
def test_vectorised_programme_rules_agree_with_the_scalar_rule(segment, chosen, separator, data):
    """Any spelling of the segment, any order, case and separator of the programmes, repeats included."""
    spelling = data.draw(st.sampled_from(SEGMENT_SPELLINGS[segment]))
    text = separator.join(data.draw(st.sampled_from([p, p.upper(), p.title()])) for p in chosen)
    assert _programme_reasons(spelling, text) == programme_errors(segment, chosen), (spelling, text)


# --- history: a re-upload that changes something says what, before and after ---------------------------------------


def test_reupload_records_terms_and_worker_changes(world, tmp_path):
    payer = world.sites["A"].payer
    operator = world.users["regency_operator"]
    services.import_file(write_csv(tmp_path, [row(1), row(2)]), payer_code=payer.code, user=operator)
    changed = [
        row(1, wage="4.250.000", programmes="JKK+JKM"),
        row(2, full_name="Pekerja Nomor 2 Baru", phone="081312345678"),
    ]
    batch = services.import_file(write_csv(tmp_path, changed, "v2.csv"), payer_code=payer.code, user=operator)
    assert (batch.updated, batch.unchanged) == (2, 0)
    first = Membership.objects.get(payer=payer, worker__full_name="Pekerja Nomor 1")
    terms = MembershipEvent.objects.get(membership=first, kind=EventKind.TERMS)
    assert terms.changes == {"wage": [3_500_000, 4_250_000], "jht": [True, False]}
    assert (terms.by, terms.from_status, terms.to_status) == (operator, "registered", "registered")
    assert "v2.csv" in terms.reason
    second = Worker.objects.get(full_name="Pekerja Nomor 2 Baru")
    change = WorkerChange.objects.get(worker=second)
    assert change.changes == {
        "full_name": ["Pekerja Nomor 2", "Pekerja Nomor 2 Baru"],
        "phone": ["081234567890", "081312345678"],
    }
    assert (change.by, change.channel) == (operator, "cli")
    assert not MembershipEvent.objects.filter(membership__worker=second, kind=EventKind.TERMS).exists()
    # the same file again: nothing changes, nothing is recorded
    again = services.import_file(write_csv(tmp_path, changed, "v3.csv"), payer_code=payer.code, user=operator)
    assert (again.updated, again.unchanged) == (0, 2)
    assert MembershipEvent.objects.filter(kind=EventKind.TERMS).count() == 1 and WorkerChange.objects.count() == 1


# --- double funding ----------------------------------------------------------------------------------------------


def _province_payer(world):
    from sijaga.enrollment.services import create_payer

    return create_payer(
        world.users["coordinator"],
        {
            "code": "pemprov-64",
            "name": "Pemerintah Provinsi Kaltim",
            "kind": "pemprov",
            "region_id": "64",
            "funding_source": "apbd",
        },
    )


def test_double_funding_is_flagged_unless_confirmed(client, world, tmp_path, settings,
                                                    django_capture_on_commit_callbacks):  # fmt: skip
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    province = _province_payer(world)
    funded = world.sites["A"].worker  # open membership with Pemerintah Kota Balikpapan
    rows = [row(1), row(2, nik=funded.nik, birth_date="", gender="", full_name=funded.full_name,
                        domicile=funded.domicile_id)]  # fmt: skip
    client.force_login(world.users["province_admin"])
    path = write_csv(tmp_path, rows)
    with path.open("rb") as fh, django_capture_on_commit_callbacks(execute=True):
        response = client.post("/unggah/", {"target": province.pk, "file": fh, "dry_run": "on"})
    batch = services.ImportBatch.objects.get(pk=response["Location"].strip("/").split("/")[-1])
    assert (batch.status, batch.created, batch.rejected) == ("validated", 1, 1)
    reason = batch.rejection_preview[0]["reason"]
    assert reason.startswith(f"Sudah dibiayai oleh {world.sites['A'].payer.name}")
    page = client.get(f"/unggah/{batch.pk}/").content.decode()
    assert "Saya konfirmasi pembiayaan ganda" in page and "Sudah dibiayai oleh" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/unggah/{batch.pk}/impor/", {"confirm_double_funding": "1"})
    batch.refresh_from_db()
    assert (batch.status, batch.created, batch.rejected) == ("imported", 2, 0)
    assert Membership.objects.filter(worker=funded, status="registered").count() == 2
    assert any("dibiayai ganda" in n for n in batch.notes)


def test_double_funding_confirmed_on_upload_and_cli(world, tmp_path):
    province = _province_payer(world)
    funded = world.sites["A"].worker
    rows = [row(2, nik=funded.nik, birth_date="", gender="", domicile=funded.domicile_id)]
    refused = services.import_file(write_csv(tmp_path, rows), payer_code=province.code)
    assert (refused.created, refused.rejected) == (0, 1)
    assert Worker.objects.get(pk=funded.pk).full_name == "Pekerja Situs A"  # a refused row changes nothing
    confirmed = services.import_file(write_csv(tmp_path, rows, "ok.csv"), payer_code=province.code,
                                     options={"confirm_double_funding": True})  # fmt: skip
    assert (confirmed.created, confirmed.rejected) == (1, 0)
    again = services.import_file(write_csv(tmp_path, rows, "again.csv"), payer_code=province.code)
    assert (again.unchanged, again.rejected) == (1, 0)  # the existing membership is this payer's own now


def test_non_government_payer_is_not_checked_for_double_funding(world, tmp_path):
    from sijaga.enrollment.services import create_payer

    company = create_payer(world.users["coordinator"], {"code": "pt-balikpapan", "name": "PT Balikpapan",
                                                        "kind": "badan_usaha", "region_id": "64.71",
                                                        "funding_source": "mandiri"})  # fmt: skip
    funded = world.sites["A"].worker
    batch = services.import_file(
        write_csv(tmp_path, [row(2, nik=funded.nik, birth_date="", gender="", domicile=funded.domicile_id)]),
        payer_code=company.code,
    )
    assert (batch.created, batch.rejected) == (1, 0)


# --- the upload form ---------------------------------------------------------------------------------------------


def test_upload_form_has_no_preselected_payer(client, world, tmp_path):
    client.force_login(world.users["regency_operator"])
    page = client.get("/unggah/").content.decode()
    assert 'name="target" value=' in page and " checked" not in page.split('id="target-options"')[1].split("</div>")[0]
    path = write_csv(tmp_path, [row(1)])
    with path.open("rb") as fh:
        response = client.post("/unggah/", {"file": fh})
    assert response.status_code == 200 and not services.ImportBatch.objects.filter(file_name="peserta.csv").exists()


# --- labels in either language -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ui", "category", "segment", "gender"),
    [("en", "Pegawai non-ASN", "Penerima Upah", "Laki-laki"), ("id", "Non-ASN employee", "Wage earner", "Male")],
    ids=["indonesian-labels-english-ui", "english-labels-indonesian-ui"],
)
def test_labels_are_accepted_in_either_language(world, tmp_path, ui, category, segment, gender):
    rows = [row(2, category=category, segment=segment, gender=gender)]
    with translation.override(ui):
        batch = services.import_file(write_csv(tmp_path, rows), payer_code=world.sites["A"].payer.code)
    assert (batch.created, batch.rejected) == (1, 0), batch.rejection_preview
    worker = Worker.objects.get(full_name="Pekerja Nomor 2")
    assert (worker.category, worker.gender) == ("non_asn", "L")
    assert Membership.objects.get(worker=worker).segment == "pu"


def test_rows_with_a_registered_nik_are_not_compared_with_the_registry():
    """A known NIK creates no second record: only new NIKs are matched against registered people (so a re-upload of
    1M known workers fetches no one for this check)."""
    from sijaga.enrollment.importing import likely_duplicates
    from sijaga.imports.kinds import ROW
    from sijaga.registry.names import name_key

    day = dt.date(1980, 1, 1)
    names = ["Budi Santoso", "Siti Aminah"]
    valid = pl.DataFrame({ROW: [2, 3], "nik": ["A", "B"], "full_name": names, "birth_date": [day, day]})
    people = pl.DataFrame(
        {"nik": ["C", "D"], "full_name": names, "birth_date": [day, day], "search_key": [name_key(n) for n in names]}
    )
    assert likely_duplicates(valid, people).get_column(ROW).to_list() == [2, 3]
    assert likely_duplicates(valid, people, pl.Series(["A"])).get_column(ROW).to_list() == [3]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["Budi", "Siti", "Ahmad", "Santoso", "Aminah", "Nur"]), st.integers(1, 3),
                  st.integers(0, 2)),
        min_size=1, max_size=8,
    )
)  # fmt: skip
def test_duplicate_pairs_equal_the_scalar_subset_rule(people_spec):
    """The (birth date, word) join finds exactly the pairs of the plain rule: same day, one name's words a subset
    of the other's."""
    from sijaga.enrollment.importing import likely_duplicates
    from sijaga.imports.kinds import ROW
    from sijaga.registry.names import name_key

    base = ["Budi", "Siti", "Ahmad", "Santoso", "Aminah", "Nur"]
    names = [" ".join([first, *base[:extra]]) for first, extra, _ in people_spec]
    days = [dt.date(1980, 1, 1 + d) for _, _, d in people_spec]
    n = len(names)
    valid = pl.DataFrame({ROW: list(range(2, 2 + n)), "nik": [f"F{i}" for i in range(n)], "full_name": names,
                          "birth_date": days})  # fmt: skip
    people = pl.DataFrame({"nik": [f"R{i}" for i in range(n)], "full_name": names, "birth_date": days,
                           "search_key": [name_key(x) for x in names]})  # fmt: skip
    got = {(r, o, nik) for r, o, nik, _ in likely_duplicates(valid, people).iter_rows()}
    keys = [set(name_key(x).split()) for x in names]
    expected = set()
    for i in range(n):
        for j in range(n):
            if days[i] == days[j] and (keys[i] <= keys[j] or keys[j] <= keys[i]):
                expected.add((2 + i, None, f"R{j}"))
                if i < j:
                    expected.add((2 + i, 2 + j, f"F{j}"))
    assert got == expected


def test_rows_are_merged_in_nik_order_and_keep_their_file_lines(world, tmp_path):
    """The merge stages rows sorted by NIK (the B-trees fill left to right); every row keeps its file line: a row
    refused by the merge is reported at its line, and every new worker gets its own row's name."""
    province = _province_payer(world)
    funded = world.sites["A"].worker  # open membership with another payer: refused as double funding
    serials = [7, 3, 11, 1, 9, 5]
    rows = [row(s) for s in serials]
    rows.insert(3, row(2, nik=funded.nik, birth_date="", gender="", domicile=funded.domicile_id))
    assert [r.split(",")[0] for r in rows] != sorted(r.split(",")[0] for r in rows)  # the file is not in NIK order
    batch = services.import_file(write_csv(tmp_path, rows), payer_code=province.code)
    assert (batch.created, batch.rejected) == (len(serials), 1)
    (refused,) = batch.rejection_preview
    assert refused["row"] == 5 and refused["reason"].startswith("Sudah dibiayai oleh")  # line 5: header + 4th row
    new = list(Worker.objects.filter(full_name__startswith="Pekerja Nomor").order_by("nik"))
    assert [w.full_name for w in new] == [f"Pekerja Nomor {s}" for s in sorted(serials, key=lambda s: row(s))]
    if connection.vendor == "postgresql":  # ids drawn while the sorted rows were copied in
        assert [w.pk for w in new] == sorted(w.pk for w in new)
        members = Membership.objects.filter(payer=province).order_by("pk").values_list("worker__nik", flat=True)
        assert list(members) == sorted(members)

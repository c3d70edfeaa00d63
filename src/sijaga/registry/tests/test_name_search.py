"""Name search on the worker list (one read path: `registry.filters`): spelling variants, word order, ranking,
stop words, bad input; the region filter by name; the key kept current by the services and the bulk merge."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from sijaga.accounts.actor import as_actor
from sijaga.registry import selectors, services
from sijaga.registry.filters import WorkerFilters
from sijaga.registry.models import Worker
from sijaga.testing import make_nik

pytestmark = pytest.mark.django_db

NAMES = ["Achmad Soeharto", "Muhammad Nur Hidayat", "Djoko Tjahjono", "Siti Aminah binti Ahmad", "Ahmad Sukarno"]


@pytest.fixture
def people(world):
    site = world.sites["A"]
    made = {}
    for i, name in enumerate(NAMES, start=20):
        birth = dt.date(1985, 1, i % 28 + 1)
        made[name] = services.create_worker(
            world.users["coordinator"],
            {"nik": make_nik(site.village[:8], birth, "L", i), "full_name": name, "birth_date": birth,
             "gender": "L", "domicile_id": site.village, "category": "non_asn"},
        )  # fmt: skip
    return made


def names(world, **params):
    return [w.full_name for w in selectors.search_workers(world.users["coordinator"], **params)]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Ahmad Suharto", ["Achmad Soeharto"]),
        ("suharto akhmad", ["Achmad Soeharto"]),
        ("Mochamad Noor", ["Muhammad Nur Hidayat"]),
        ("joko cahjono", ["Djoko Tjahjono"]),
        ("siti", ["Siti Aminah binti Ahmad"]),
        ("sukarno", ["Ahmad Sukarno"]),
    ],
)
def test_spelling_variants_find_the_person(world, people, query, expected):
    assert names(world, q=query) == expected


def test_ranked_by_similarity(world, people):
    found = names(world, q="ahmad")
    assert set(found) == {"Achmad Soeharto", "Siti Aminah binti Ahmad", "Ahmad Sukarno"}
    assert found[-1] == "Siti Aminah binti Ahmad"  # the longest name is the weakest match


@pytest.mark.parametrize("query", ["bin", "binti", "al", "bin al", "!!!", "x" * 500, "."])
def test_stop_words_and_junk_return_nothing(world, people, query):
    assert names(world, q=query) == []


def test_key_follows_updates(world, people):
    worker = people["Ahmad Sukarno"]
    services.update_worker(world.users["coordinator"], worker, {"full_name": "Achmad Hatta"}, reason="salah ketik")
    assert Worker.objects.get(pk=worker.pk).search_key == "amad hata"
    assert names(world, q="ahmad hatta") == ["Achmad Hatta"]


def test_region_filter_accepts_names(world, people):
    from sijaga.regions.models import Region

    village = Region.objects.get(code=world.sites["A"].village)
    by_name = names(world, region=village.name)
    assert by_name, village.name
    assert by_name == names(world, region=village.code)
    operator = as_actor(world.users["regency_operator"])
    assert WorkerFilters(region=village.name.lower()).region_codes(operator) == [village.code]


def test_ambiguous_region_name_gives_choices(world):
    actor = as_actor(world.users["coordinator"])
    hint = WorkerFilters(region="Baru").region_hint(actor)
    assert len(hint) > 1
    assert WorkerFilters(region="Zzzqx").region_hint(actor) == []
    assert names(world, region="Zzzqx") == []
    assert names(world, region="!") == []


def test_list_page_shows_region_hint(client, world):
    client.force_login(world.users["coordinator"])
    response = client.get("/pekerja/", {"region": "Baru"})
    assert response.status_code == 200
    assert "cocok dengan beberapa wilayah" in response.content.decode()


def test_bulk_import_writes_the_key(world, tmp_path, capsys):
    """The enrolment import's set-based merge stores the same key as the services, on insert and on update."""
    from django.core.management import call_command

    from sijaga.imports.tests.test_pipeline import row, write_csv

    payer = world.sites["A"].payer
    call_command("import_enrollment", str(write_csv(tmp_path, [row(1, full_name="Mochamad Noor Djamil")])),
                 "--payer", payer.code, "--json")  # fmt: skip
    worker = Worker.objects.get(full_name="Mochamad Noor Djamil")
    assert worker.search_key == "jamil mhd nur"
    call_command("import_enrollment", str(write_csv(tmp_path, [row(1, full_name="Achmad Djamil")], name="b.csv")),
                 "--payer", payer.code, "--json")  # fmt: skip
    worker.refresh_from_db()
    assert (worker.full_name, worker.search_key) == ("Achmad Djamil", "amad jamil")
    assert names(world, q="ahmad jamil") == ["Achmad Djamil"]


def test_dry_run_flags_likely_duplicates_without_rejecting(world, tmp_path, capsys):
    """Same birth date and a similar name under a different NIK: a note per row, in the file and against the
    registered workers the uploader may see; the rows themselves are not rejected."""
    from django.core.management import call_command

    from sijaga.imports.models import ImportBatch
    from sijaga.imports.tests.test_pipeline import row, write_csv

    payer = world.sites["A"].payer
    registered = world.sites["A"].worker  # "Pekerja Situs A", born 1990-03-11
    day = dt.date(1980, 1, 1)

    def person(serial, name, born=day):
        nik = make_nik("64.71.05", born, "L", 10 + serial)
        return row(serial, gender="L", full_name=name, birth_date=born.strftime("%d/%m/%Y"), nik=nik)

    rows = [person(1, "Achmad Soeharto"), person(2, "Soeharto Ahmad"),
            person(3, "Pekerja Situs A", registered.birth_date), person(4, "Budi Santoso")]  # fmt: skip
    call_command("import_enrollment", str(write_csv(tmp_path, rows)), "--payer", payer.code, "--dry-run",
                 "--json")  # fmt: skip
    batch = ImportBatch.objects.filter(dry_run=True).latest("uploaded_at")
    notes = [n for n in batch.notes if "mungkin orang yang sama" in n]
    assert len(notes) == 2, batch.notes
    assert "Baris 2" in notes[0] and "baris 3" in notes[0]  # the header is row 1: data rows start at 2
    assert "Baris 4" in notes[1] and "Pekerja Situs A" in notes[1] and registered.nik not in notes[1]
    assert batch.rejected == 0


def test_api_and_export_share_the_name_rules(client, world, people):
    client.force_login(world.users["coordinator"])
    body = client.get("/api/workers/", {"q": "suharto akhmad"}).json()
    assert body["count"] == 1 and body["items"][0]["full_name"] == "Achmad Soeharto"
    assert client.get("/api/workers/", {"q": "binti"}).json()["count"] == 0
    export = client.get("/pekerja/ekspor.xlsx", {"q": "mochamad noor"})
    import io

    import polars as pl

    frame = pl.read_excel(io.BytesIO(b"".join(export.streaming_content)))
    assert frame.height == 1


# --- PostgreSQL: the word index answers exactly what the LIKE form answers (issue 18) ------------------------------

WORDS = ["amad", "aminah", "am", "mhd", "nur", "nurul", "siti", "sitirah", "joko", "cahyono", "sukarno", "suharto"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the word index is PostgreSQL's")
def test_words_index_agrees_with_like_and_is_used(world):
    """Every query of 1–3 word prefixes finds the same workers through `to_tsvector @@ to_tsquery` as through the
    LIKE form SQLite runs; and the planner can answer it from the `worker_search_words` GIN index."""
    import itertools

    from django.db.models import Q

    from sijaga.registry.filters import name_words_match

    site = world.sites["A"]
    for i, combo in enumerate(itertools.combinations(WORDS, 3), start=100):
        if i > 160:
            break
        birth = dt.date(1970, 1, 1) + dt.timedelta(days=i)
        services.create_worker(
            world.users["coordinator"],
            {"nik": make_nik(site.village[:8], birth, "P", i), "full_name": " ".join(combo), "birth_date": birth,
             "gender": "P", "domicile_id": site.village, "category": "non_asn"},
        )  # fmt: skip
    queries = [[w] for w in WORDS] + [[w[:2]] for w in WORDS] + [list(p) for p in itertools.combinations(WORDS, 2)]
    queries += [["sit", "am", "nu"], ["mhd", "nur", "siti"], ["zzz"]]
    for keys in queries:
        like = Q()
        for key in keys:
            like &= Q(search_key__startswith=key) | Q(search_key__contains=" " + key)
        expected = set(Worker.objects.filter(like).values_list("pk", flat=True))
        assert set(Worker.objects.filter(name_words_match(keys)).values_list("pk", flat=True)) == expected, keys
    with connection.cursor() as cur:
        cur.execute("SET LOCAL enable_seqscan = off")
        plan = Worker.objects.filter(name_words_match(["siti", "am"])).explain()
    assert "worker_search_words" in plan, plan


def test_vocabulary_follows_every_write_and_is_only_a_shortcut(world, tmp_path):
    """Saves and the bulk merge add their words; a search finds the same workers with the vocabulary emptied (it
    then searches prefixes), so an incomplete vocabulary costs time, never results."""
    from sijaga.imports import services as imports
    from sijaga.imports.tests.test_pipeline import row, write_csv
    from sijaga.registry import vocabulary
    from sijaga.registry.models import NameWord

    site = world.sites["A"]
    services.create_worker(
        world.users["coordinator"],
        {"nik": make_nik(site.village[:8], dt.date(1980, 5, 5), "L", 77), "full_name": "Zulkarnain Wibisono",
         "birth_date": dt.date(1980, 5, 5), "gender": "L", "domicile_id": site.village, "category": "non_asn"},
    )  # fmt: skip
    imports.import_file(write_csv(tmp_path, [row(1, full_name="Kartika Sariwangi")]), payer_code=site.payer.code)
    imports.import_file(
        write_csv(tmp_path, [row(1, full_name="Kartika Purnamasari")], "v2.csv"), payer_code=site.payer.code
    )  # fmt: skip
    assert vocabulary.missing() == 0
    assert {"zulkarnain", "wibisono", "sariwangi", "purnamasari"} <= set(
        NameWord.objects.values_list("word", flat=True)
    )
    assert vocabulary.expand("purna") == ["purnamasari"] and vocabulary.expand("qx") == []
    queries = ["zul wibi", "kartika", "purnama kart", "sari", "a"]
    found = {q: names(world, q=q) for q in queries}
    assert found["kartika"] == ["Kartika Purnamasari"] and found["zul wibi"] == ["Zulkarnain Wibisono"]
    NameWord.objects.all().delete()
    assert vocabulary.missing() > 0
    assert {q: names(world, q=q) for q in queries} == found

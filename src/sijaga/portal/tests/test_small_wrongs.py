"""Small wrongs of issue 19: a city's page, the admin's and the password pages' look and language."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_city_page_does_not_count_itself(client):
    html = client.get("/wilayah/64.71/").content.decode()
    facts = html.split('<dl class="facts">', 1)[1].split("</dl>", 1)[0] if '<dl class="facts">' in html else html
    assert "<dt>Kabupaten/kota</dt>" not in facts
    assert "Kecamatan" in facts


def test_admin_carries_sijaga_look_and_indonesian(admin_client):
    html = admin_client.get("/admin/").content.decode()
    assert "Administrasi SiJaga" in html and "Pengelolaan data" in html
    assert "sijaga/admin.css" in html
    assert "Django administration" not in html and "Site administration" not in html


@pytest.mark.parametrize("url", ["/akun/password_reset/", "/akun/password_reset/done/", "/akun/reset/done/"])
def test_password_pages_are_sijaga_pages(client, url):
    html = client.get(url).content.decode()
    assert "app.css" in html and 'lang="id"' in html
    assert "Django" not in html and "Password reset" not in html


def test_english_ui_has_no_indonesian_leftovers_on_the_enrol_form(client, world):
    from sijaga.imports.models import ImportBatch

    client.force_login(world.users["regency_operator"])
    client.cookies["django_language"] = "en"
    html = client.get("/kepesertaan/daftar/").content.decode()
    assert "JKK — Work Accident Benefit (mandatory)" in html and "(wajib)" not in html
    assert 'placeholder="e.g. 3,500,000"' in html and "mis. 3.500.000" not in html
    assert "Search name, code or region" in html
    batch = world.sites["A"].batch
    ImportBatch.objects.filter(pk=batch.pk).update(status="importing", phase="menyimpan tenaga kerja", progress=66)
    page = client.get(f"/unggah/{batch.pk}/").content.decode()
    assert "menyimpan tenaga kerja" not in page and 'id="batch-phase"' in page

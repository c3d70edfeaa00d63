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

"""The English translation: complete, compiled, covering every marked string, and actually shown.

SiJaga's source language is Indonesian; `locale/en/LC_MESSAGES/django.po` holds the English text. After changing a
marked string, refresh and recompile the catalogue from `src/sijaga` (so only the project's own files are scanned):

    cd src/sijaga && ../../.venv/bin/sijaga makemessages -l en --no-obsolete --no-wrap \\
        -i "*/migrations/*" -i "*/tests/*" -i conftest.py && ../../.venv/bin/sijaga compilemessages

then translate the new (empty or fuzzy) entries; the tests below fail until that is done.
"""

import ast
import gettext
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.utils import translation

pytestmark = pytest.mark.django_db

PACKAGE = Path(__file__).resolve().parents[2]  # src/sijaga
PO = PACKAGE / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
SKIPPED_DIRS = {"migrations", "tests", "locale", "__pycache__"}  # the same folders makemessages is told to ignore


# --- a small .po reader (no dependency): entries with context, msgid, plural, msgstrs and flags ---------------------


def _unquote(text: str) -> str:
    return ast.literal_eval(text)  # a .po string is a C string; for the escapes gettext writes, Python reads it alike


def read_po(path: Path) -> list[dict]:
    entries: list[dict] = []
    entry: dict = {}
    key = None

    def close():
        nonlocal entry
        if "msgid" in entry:
            entries.append(entry)
        entry = {}

    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#~"):
            close()
            key = None
            continue
        if line.startswith("#,"):
            if "msgid" in entry:
                close()
            entry.setdefault("flags", set()).update(f.strip() for f in line[2:].split(","))
            continue
        if line.startswith("#"):
            if "msgid" in entry:
                close()
            continue
        m = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(".*")$', line)
        if m:
            if m[1] in ("msgctxt", "msgid") and "msgid" in entry:
                close()
            key = m[1] if m[2] is None else ("msgstr", int(m[2]))
            entry[key] = _unquote(m[3])
        elif line.startswith('"') and key is not None:
            entry[key] += _unquote(line)
        else:
            raise AssertionError(f"{path}: line not understood: {line!r}")
    close()
    for e in entries:
        e.setdefault("flags", set())
        e["flags"].discard("")
        e["msgstrs"] = [e["msgstr"]] if "msgstr" in e else [e[k] for k in sorted(k for k in e if isinstance(k, tuple))]
    return entries


@pytest.fixture(scope="module")
def po_entries() -> list[dict]:
    assert PO.exists(), f"{PO} is missing: run makemessages (see this module's docstring)"
    return read_po(PO)


def _messages(entries: list[dict]) -> list[dict]:
    return [e for e in entries if e["msgid"]]  # the empty msgid is the header


# --- the catalogue itself ------------------------------------------------------------------------------------------


def test_header_is_english_with_two_plural_forms(po_entries):
    header = next(e for e in po_entries if e["msgid"] == "")
    assert "fuzzy" not in header["flags"]
    fields = dict(line.split(": ", 1) for line in header["msgstr"].splitlines() if ": " in line)
    assert fields["Language"] == "en"
    assert fields["Plural-Forms"] == "nplurals=2; plural=(n != 1);"
    assert fields["Content-Type"] == "text/plain; charset=UTF-8"


def test_every_entry_is_translated_and_not_fuzzy(po_entries):
    messages = _messages(po_entries)
    assert len(messages) > 300
    fuzzy = [e["msgid"] for e in messages if "fuzzy" in e["flags"]]
    empty = [e["msgid"] for e in messages if not all(s.strip() for s in e["msgstrs"])]
    assert not fuzzy, f"fuzzy entries in {PO.name}: {fuzzy}"
    assert not empty, f"untranslated entries in {PO.name}: {empty}"
    plural = [e for e in messages if "msgid_plural" in e]
    assert plural and all(len(e["msgstrs"]) == 2 for e in plural)


PLACEHOLDER = re.compile(r"%\(\w+\)[sdifr]|%[sdifr]|\{\w*\}")


def _placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text.replace("%%", "")))


def test_placeholders_survive_translation(po_entries):
    wrong = []
    for e in _messages(po_entries):
        sources = [e["msgid"]] + [e.get("msgid_plural", e["msgid"])] * (len(e["msgstrs"]) - 1)
        for source, translated in zip(sources, e["msgstrs"], strict=True):
            if _placeholders(source) != _placeholders(translated):
                wrong.append((source, translated))
    assert not wrong, "placeholders differ between msgid and msgstr:\n" + "\n".join(map(repr, wrong))


def test_compiled_catalogue_is_up_to_date(tmp_path):
    """The committed .mo holds exactly what the .po says: a changed .po that was not recompiled fails here."""
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        if os.environ.get("CI"):
            pytest.fail("msgfmt (package gettext) is missing on CI")
        pytest.skip("msgfmt (package gettext) is not installed: cannot recompile the catalogue to compare")
    assert MO.exists(), f"{MO} is missing: run compilemessages"
    fresh = tmp_path / "django.mo"
    subprocess.run([msgfmt, "--check-format", "-o", str(fresh), str(PO)], check=True, capture_output=True)
    with MO.open("rb") as committed, fresh.open("rb") as compiled:
        assert gettext.GNUTranslations(committed)._catalog == gettext.GNUTranslations(compiled)._catalog, (
            f"{MO.name} is stale: run `sijaga compilemessages` in src/sijaga"
        )


# --- every string marked in the code is in the catalogue ------------------------------------------------------------
# Python files are read with `ast` (which joins implicitly concatenated literals and decodes escapes exactly as
# xgettext does); only calls whose message arguments are string literals count, as for xgettext. Templates are read
# with the regular expressions below, modelled on Django's `templatize`: `{% translate "…" %}` / `{% trans '…' %}`
# (with filters, `context "…"`, `noop`, `as var`), `_("…")` constants inside tags and variables, and
# `{% blocktranslate %}…{% plural %}…{% endblocktranslate %}` blocks (`{{ var }}` becomes `%(var)s`, a literal `%`
# becomes `%%`, `trimmed` collapses line breaks, `context "…"` is honoured). Limits: a quoted string that contains its
# own quote character is not recognised (and so not checked); a translation tag inside `{% comment %}` is checked
# although makemessages skips it. (Django's template tags never span lines, so neither do these patterns.)

GETTEXT_CALLS = {  # name: (index of the context argument or None, indexes of the message arguments)
    "_": (None, (0,)),
    "gettext": (None, (0,)),
    "gettext_lazy": (None, (0,)),
    "gettext_noop": (None, (0,)),
    "ngettext": (None, (0, 1)),
    "ngettext_lazy": (None, (0, 1)),
    "pgettext": (0, (1,)),
    "pgettext_lazy": (0, (1,)),
    "npgettext": (0, (1, 2)),
    "npgettext_lazy": (0, (1, 2)),
}
_Q = r"""(?:"[^"\n]*"|'[^'\n]*')"""
INLINE_TAG = re.compile(
    r"\{%\s*trans(?:late)?\s+(" + _Q + r")"
    r"""(?:\s*\|\s*[^\s:%]+(?::(?:[^\s'":%]+|""" + _Q + r"))?)*"
    r"(?:\s+context\s+(" + _Q + r"))?(?:\s+noop)?(?:\s+as\s+\w+)?\s*%\}"
)
CONSTANT = re.compile(r"\b_\((" + _Q + r")\)")
BLOCK = re.compile(r"\{%\s*blocktrans(?:late)?\b([^%]*)%\}(.*?)\{%\s*endblocktrans(?:late)?\s*%\}", re.S)
BLOCK_CONTEXT = re.compile(r"\bcontext\s+(" + _Q + r")")
PLURAL_TAG = re.compile(r"\{%\s*plural\s*%\}")
BLOCK_VAR = re.compile(r"\{\{\s*(\w+)\s*\}\}")


def _python_messages(path: Path) -> set[tuple[str | None, str]]:
    found: set[tuple[str | None, str]] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        if name not in GETTEXT_CALLS:
            continue
        context_at, message_at = GETTEXT_CALLS[name]
        args = node.args
        if len(args) <= max(message_at) or not all(_is_str(args[i]) for i in message_at):
            continue
        context = None
        if context_at is not None:
            if not _is_str(args[context_at]):
                continue
            context = args[context_at].value
        found |= {(context, args[i].value) for i in message_at}
    return found


def _is_str(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _block_message(text: str, trimmed: bool) -> str:
    parts = BLOCK_VAR.split(text)  # text, var, text, var, …
    message = "".join(f"%({p})s" if i % 2 else p.replace("%", "%%") for i, p in enumerate(parts))
    return re.sub(r"\s*\n\s*", " ", message.strip()) if trimmed else message


def _template_messages(path: Path) -> set[tuple[str | None, str]]:
    source = path.read_text(encoding="utf-8")
    found: set[tuple[str | None, str]] = set()
    for m in INLINE_TAG.finditer(source):
        found.add((m[2][1:-1] if m[2] else None, m[1][1:-1].replace("%", "%%")))
    found |= {(None, m[1][1:-1]) for m in CONSTANT.finditer(source)}
    for m in BLOCK.finditer(source):
        options, body = m[1], m[2]
        context = BLOCK_CONTEXT.search(options)
        trimmed = "trimmed" in options.split()
        for text in PLURAL_TAG.split(body):
            found.add((context[1][1:-1] if context else None, _block_message(text, trimmed)))
    return found


def _source_files(pattern: str) -> list[Path]:
    return [p for p in PACKAGE.rglob(pattern) if not SKIPPED_DIRS & set(p.relative_to(PACKAGE).parts[:-1])]


def test_scanner_reads_the_forms_the_project_uses(tmp_path):
    template = tmp_path / "t.html"
    template.write_text(
        '{% translate "Satu" %} {% trans \'Dua\' context "menu" %} {{ x|default:_("Tiga") }}\n'
        "{% blocktranslate with n=a|length %}Ada {{ n }} baris, 5%{% endblocktranslate %}\n"
        "{% blocktranslate count n=c trimmed %}\n  {{ n }} pekerja\n{% plural %}{{ n }} pekerja{% endblocktranslate %}"
    )
    assert _template_messages(template) == {
        (None, "Satu"),
        ("menu", "Dua"),
        (None, "Tiga"),
        (None, "Ada %(n)s baris, 5%%"),
        (None, "%(n)s pekerja"),
    }
    module = tmp_path / "m.py"
    module.write_text(
        'x = _("Satu " "dua")\ny = ngettext("a %(n)s", "b %(n)s", 2)\nz = pgettext("ctx", "Tiga")\nw = _(name)\n'
    )
    assert _python_messages(module) == {(None, "Satu dua"), (None, "a %(n)s"), (None, "b %(n)s"), ("ctx", "Tiga")}


def test_every_marked_string_is_in_the_catalogue(po_entries):
    catalogue = set()
    for e in _messages(po_entries):
        catalogue.add((e.get("msgctxt"), e["msgid"]))
        if "msgid_plural" in e:
            catalogue.add((e.get("msgctxt"), e["msgid_plural"]))
    used: dict[tuple[str | None, str], str] = {}
    for path in _source_files("*.py"):
        for message in _python_messages(path):
            used.setdefault(message, str(path.relative_to(PACKAGE)))
    for suffix in ("html", "txt"):
        for path in _source_files(f"*.{suffix}"):
            if "templates" in path.relative_to(PACKAGE).parts:
                for message in _template_messages(path):
                    used.setdefault(message, str(path.relative_to(PACKAGE)))
    assert len(used) > 300, "the scanner found too few marked strings: has the code's marking changed?"
    missing = sorted(f"{where}: {msgid!r}" for (ctx, msgid), where in used.items() if (ctx, msgid) not in catalogue)
    assert not missing, "marked but not in the catalogue (run makemessages and translate):\n" + "\n".join(missing)


# --- what a person sees ---------------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _default_language_afterwards():
    """LocaleMiddleware activates a request's language in the test's thread and leaves it active: without this, the
    tests after these (commands, services called directly) would run in English."""
    yield
    translation.deactivate()


def _english(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302


def _page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def _region_numbers():
    from sijaga.regions.services import region_stats

    return region_stats()


def test_home_and_regions_in_english(client):
    _english(client)
    home = _page(client, "/")
    assert 'lang="en"' in home
    for text in ("Regions", "Employment Social Security Information System", "Log in", "provinces", "villages"):
        assert text in home
    for text in ("Sistem Informasi", "Beranda", ">Masuk<", ">Wilayah<", "desa/kelurahan"):
        assert text not in home
    regions = _page(client, "/wilayah/")
    for text in ("Administrative regions", "Search regions", "Regencies/cities", "Province"):
        assert text in regions
    for text in ("Wilayah administrasi", "Cari wilayah", "Kab/Kota", ">Provinsi<"):
        assert text not in regions


def test_english_numbers_use_commas_and_indonesian_ones_dots(client):
    villages = _region_numbers()["village"]
    assert villages >= 1000
    indonesian = _page(client, "/")
    assert f"{villages:,}".replace(",", ".") in indonesian and f"{villages:,}" not in indonesian
    _english(client)
    english = _page(client, "/")
    assert f"{villages:,}" in english and f"{villages:,}".replace(",", ".") not in english


def test_login_page_in_english(client):
    _english(client)
    page = _page(client, "/akun/login/")
    for text in ("Log in to SiJaga", "Username", "Password"):
        assert text in page
    for text in ("Masuk ke SiJaga", "Nama pengguna", "Kata sandi"):
        assert text not in page


def test_worker_list_in_english_for_a_logged_in_user(client):
    from sijaga.accounts.services import create_user

    client.force_login(create_user("u", "pw-12345-x", role="coordinator"))
    _english(client)
    page = _page(client, "/pekerja/")
    for text in ("Workers", "Enrol a worker", "NIK or name", "Membership status", "Apply", "0 workers", "Log out"):
        assert text in page
    for text in ("Tenaga kerja", "Daftarkan tenaga kerja", "NIK atau nama", "Terapkan", "Keluar"):
        assert text not in page
    assert ">Active<" in page and ">Aktif<" not in page  # the model's status choices are translated too
    client.post("/akun/logout/")
    assert "Log in to SiJaga" in _page(client, "/akun/login/")  # the choice is a cookie: it outlives the session


def test_dates_follow_the_language(client, world):
    client.force_login(world.users["coordinator"])
    worker = world.sites["A"].worker
    url = f"/pekerja/{worker.pk}/"
    indonesian = _page(client, url)
    assert "1 Januari 2025" in indonesian and "Berlaku sejak" in indonesian
    _english(client)
    english = _page(client, url)
    assert "1 January 2025" in english and "Valid from" in english and "Januari" not in english


def test_indonesian_is_the_default(client):
    page = _page(client, "/")
    assert 'lang="id"' in page
    assert "Sistem Informasi Jaminan Sosial Ketenagakerjaan" in page and ">Wilayah<" in page
    assert "Regions" not in page


# The browser's Accept-Language is ignored on purpose: see test_hardening.py::test_language_ignores_accept_language.

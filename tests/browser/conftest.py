"""Browser tests: Debian's chromium driven by Playwright's sync API against pytest-django's live server.

Browser tests use ``live_server``, hence a transactional database that is *flushed* after each test: that
wipes the official region table the session loads once (``src/sijaga/conftest.py``). So every
``browser``-marked test is moved to the end of the run (hook in src/sijaga/conftest.py), and
the ``official_regions`` fixture reloads the
regions when an earlier browser test has flushed them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(autouse=True)
def demo_settings(settings):
    """Browser tests run the way `make demo` runs: DEBUG on (Django's debug cursor formats every SQL statement,
    which once crashed the import merge on SQLite and only there). A crash that only DEBUG shows is still a crash."""
    settings.DEBUG = True
    return settings


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    for stale in ARTIFACTS.glob("FAILED-*.png"):
        stale.unlink()
    return ARTIFACTS


@pytest.fixture(scope="session")
def chromium():
    """One headless chromium for the session. Skipped without ``/usr/bin/chromium``, unless ``CI`` is set."""
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing (apt-get install chromium); browser tests need Debian's chromium"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}, and CI is set", pytrace=False)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an asyncio loop in the main thread, and Django then refuses ORM calls ("cannot
    # call this from an async context"). Allowed only while the browser runs: browser tests come last.
    unset = "DJANGO_ALLOW_ASYNC_UNSAFE" not in os.environ
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if unset:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def page(chromium, artifacts: Path, request: pytest.FixtureRequest) -> Iterator:
    """A fresh browser context (own cookies) per test; on failure a screenshot is kept for the post-mortem."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="id-ID", timezone_id="Asia/Jakarta")
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        page.screenshot(path=artifacts / f"FAILED-{request.node.name}.png", full_page=True)
    context.close()


@pytest.fixture
def broken(page) -> list[str]:
    """Every HTTP error response (e.g. a missing stylesheet) and uncaught JavaScript error the page meets."""
    found: list[str] = []

    def on_response(response) -> None:
        if response.status >= 400:
            found.append(f"HTTP {response.status} {response.request.method} {response.url}")

    page.on("response", on_response)
    page.on("pageerror", lambda exc: found.append(f"JavaScript error: {exc}"))
    return found


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    if report.when == "call":
        item.rep_call = report
    return report


@pytest.fixture
def official_regions(transactional_db) -> None:
    """The session loaded the regions, but an earlier transactional test may have flushed them: reload."""
    from sijaga.regions.models import Region
    from sijaga.regions.services import load_regions

    if not Region.objects.filter(code="64.71.05.1002").exists():
        load_regions()

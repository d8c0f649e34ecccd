"""Shared fixtures: reference data, one user per role, API clients authenticated with real bearer tokens."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from rest_framework.test import APIClient

from consular.accounts.models import User
from consular.accounts.services import token_create, user_create
from consular.core import audit_sql
from consular.core.models import Mission
from consular.core.reference import reference_load
from tests.smtp import Inbox, smtp_server, use_smtp

DATA = Path(__file__).parent / "data"
SMALL_MISSIONS = DATA / "missions_small.toml"
PASSWORD = "correct-horse-battery-42"


def pytest_sessionstart(session: pytest.Session) -> None:
    # In CI a PostgreSQL run must fail, not skip, when the server cannot be reached.
    if os.environ.get("CI") == "true" and os.environ.get("CONSULAR_DATABASE_URL", "").startswith("postgres"):
        import psycopg

        url = os.environ["CONSULAR_DATABASE_URL"]
        with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", connect_timeout=5):
            pass


DB_FIXTURES = frozenset({"db", "transactional_db", "django_db_setup", "live_server"})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On PostgreSQL run only the tests that reach a database: a test that touches none (name matching, file
    parsing, settings checks) gives the same answer on either run, and the SQLite run already has it.
    `CONSULAR_TEST_ALL=1` keeps them all."""
    if not os.environ.get("CONSULAR_DATABASE_URL", "").startswith("postgres") or os.environ.get("CONSULAR_TEST_ALL"):
        return
    keep: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        (keep if names & DB_FIXTURES or item.get_closest_marker("django_db") else dropped).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


@pytest.fixture(autouse=True)
def _fresh_cache() -> Any:
    """Rate-limit and login-failure counters live in the cache: every test starts with none."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> None:
    """The test database starts with the reference data (countries, subdivisions, the small missions file)
    committed, so each test's transaction finds it instead of loading it again (half a second a test)."""
    with django_db_blocker.unblock():
        reference_load(missions_file=SMALL_MISSIONS)


def _audit_triggers(*, on: bool) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for sql in audit_sql.SQLITE_DOWN + (audit_sql.SQLITE_UP if on else []):
                cursor.execute(sql)
        else:
            cursor.execute(f"ALTER TABLE core_auditentry {'ENABLE' if on else 'DISABLE'} TRIGGER USER")


def _is_transactional(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("django_db")
    return bool(
        {"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ()))
        or (marker is not None and marker.kwargs.get("transaction"))
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Any:
    """A transactional test ends by emptying every table (after all its fixtures): put the reference data back
    for the tests after it, and the audit log's append-only triggers back on. (After the last test the
    test database is gone: nothing to do.)"""
    result = yield
    if nextitem is not None and _is_transactional(item):
        from pytest_django.plugin import blocking_manager_key

        with item.config.stash[blocking_manager_key].unblock():
            _audit_triggers(on=True)
            reference_load(missions_file=SMALL_MISSIONS)
    return result


@pytest.fixture
def no_reference(db: None) -> None:
    """For the tests of the reference loader itself: no reference data (inside this test's transaction)."""
    from consular.core.models import Country, Jurisdiction, Subdivision

    Jurisdiction.objects.all().delete()
    Mission.objects.all().delete()
    Subdivision.objects.all().delete()
    Country.objects.all().delete()


@pytest.fixture(autouse=True)
def _audit_triggers_allow_flush(request: pytest.FixtureRequest) -> Any:
    """After a transactional test the database is flushed (DELETE on SQLite, TRUNCATE on PostgreSQL), which
    the append-only audit triggers refuse: switch them off for that flush and back on for the next test."""
    if not _is_transactional(request.node):
        yield
        return
    request.getfixturevalue("transactional_db")
    _audit_triggers(on=True)
    yield
    _audit_triggers(on=False)


@pytest.fixture
def inbox(settings: Any) -> Iterator[Inbox]:
    """A real SMTP server (aiosmtpd) collecting what Django sends; links in emails point at the test client."""
    settings.PUBLIC_URL = "http://testserver"
    with smtp_server(Inbox()) as (server, port):
        use_smtp(settings, port)
        yield server


@pytest.fixture
def reference(db: None) -> None:
    """Countries, subdivisions and the small test missions file (committed when the test database is created;
    loaded here only if a test removed it)."""
    if not Mission.objects.filter(code="TH-CNX").exists():
        reference_load(missions_file=SMALL_MISSIONS)


@pytest.fixture
def make_user(reference: None) -> Callable[..., User]:
    counter = {"n": 0}

    def make(role: str, mission: str | None = None, username: str | None = None, **extra: Any) -> User:
        counter["n"] += 1
        name = username or f"{role}-{mission or 'x'}-{counter['n']}".lower()
        if mission is None and role in {"hotline_operator", "hq_officer"}:
            mission = "HQ"
        user, _ = user_create(actor=None, username=name, role=role, mission_code=mission, password=PASSWORD, **extra)
        return user

    return make


@pytest.fixture
def api(make_user: Callable[..., User]) -> Callable[..., APIClient]:
    """api(user) -> an APIClient sending `Authorization: Bearer <token>`; api() -> anonymous."""

    def client_for(user: User | None = None) -> APIClient:
        client = APIClient()
        if user is not None:
            _, token = token_create(actor=None, user=user)
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        return client

    return client_for


@pytest.fixture
def roles(make_user: Callable[..., User]) -> dict[str, User]:
    """One user per role; mission officers and a volunteer at two missions for cross-mission checks."""
    return {
        "hotline_operator": make_user("hotline_operator"),
        "hq_officer": make_user("hq_officer"),
        "officer_bkk": make_user("mission_officer", "TH-BKK"),
        "officer_cnx": make_user("mission_officer", "TH-CNX"),
        "volunteer": make_user("volunteer", "TH-BKK"),
        "auditor": make_user("auditor"),
        "citizen": make_user("citizen"),
    }


@pytest.fixture
def is_postgres() -> bool:
    return connection.vendor == "postgresql"

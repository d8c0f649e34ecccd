"""Shared fixtures: reference data, one user per role, API clients authenticated with real bearer tokens."""

from __future__ import annotations

import os
from collections.abc import Callable
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


@pytest.fixture(autouse=True)
def _fresh_cache() -> Any:
    """Rate-limit and login-failure counters live in the cache: every test starts with none."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def _transactional(request: pytest.FixtureRequest) -> bool:
    marker = request.node.get_closest_marker("django_db")
    return bool(
        {"transactional_db", "live_server"} & set(request.fixturenames)
        or (marker is not None and marker.kwargs.get("transaction"))
    )


@pytest.fixture(autouse=True)
def _audit_triggers_allow_flush(request: pytest.FixtureRequest) -> Any:
    """After a transactional test the database is flushed (DELETE on SQLite, TRUNCATE on PostgreSQL), which
    the append-only audit triggers refuse: switch them off for that flush and back on for the next test."""
    if not _transactional(request):
        yield
        return
    request.getfixturevalue("transactional_db")
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for sql in audit_sql.SQLITE_DOWN + audit_sql.SQLITE_UP:
                cursor.execute(sql)
        else:
            cursor.execute("ALTER TABLE core_auditentry ENABLE TRIGGER USER")
    yield
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for sql in audit_sql.SQLITE_DOWN:
                cursor.execute(sql)
        else:
            cursor.execute("ALTER TABLE core_auditentry DISABLE TRIGGER USER")


@pytest.fixture
def reference(db: None) -> None:
    """Countries, subdivisions and the small test missions file (loaded once per database state)."""
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

"""The benchmarks' own PostgreSQL databases: created fresh for a run and dropped after it."""

from __future__ import annotations

import os


def recreate(url: str) -> None:
    """Drop (disconnecting anyone) and create the database named at the end of `url`."""
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop(url: str) -> None:
    """Close this process's connections and drop the database."""
    from django.db import connections

    connections.close_all()
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def setup_django(url: str, *, reference: bool = True) -> None:
    """A fresh database at `url`, Django set up on it, migrated, with the reference data (countries, missions)."""
    os.environ["CONSULAR_DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    recreate(url)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    if reference:
        call_command("loadreference", verbosity=0)


def use_django(url: str) -> None:
    """Django set up on the existing database at `url` (a benchmark's kept database), migrated."""
    os.environ["CONSULAR_DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

"""Background work of trip registration (tasks take ids or nothing, never model objects)."""

from __future__ import annotations

from django_tasks import task

from consular.travel.retention import registrations_purge


@task()
def purge_registrations() -> int:
    """Purge the personal data of registrations past their retention (run daily)."""
    return registrations_purge()

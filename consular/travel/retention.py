"""Retention: a registration's personal data is purged `TRAVEL_PURGE_AFTER_DAYS` after its trip ends.

`registrations_purge` empties every personal field (names, birth date, passport, contacts, push subscription,
emergency contact), deletes the co-travellers and the name keys, and marks the registration purged. The legs stay,
for statistics, with their country, subdivision and dates only (city and coordinates blanked, inactive). A group
whose registrations are all purged loses its organiser and contacts too. Batched (one transaction and one audit
entry per batch, naming the ids), idempotent (a purged registration is never selected again), and safe to run
from several workers at once (rows locked in primary-key order, skipped when another purger holds them).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.db import connection, models, transaction
from django.utils import timezone

from consular.core.audit import audit_record
from consular.core.fields import encrypted_fields, keyed_hash_fields
from consular.incidents.codes import NameKeyOwner
from consular.incidents.models import NameKey
from consular.travel.codes import RegistrationState
from consular.travel.models import CoTraveller, Registration, RegistrationGroup, TripLeg

PURGE_BATCH = 500

def _emptied(model: type[models.Model]) -> dict[str, object]:
    """Every encrypted field of `model` and every keyed hash, emptied (update() does not recompute hashes)."""
    values: dict[str, object] = {f.name: (None if f.null else "") for f in encrypted_fields(model)}
    values.update({f.name: "" for f in keyed_hash_fields(model)})
    return values


# Every personal field of a registration (and of a group), emptied.
EMPTIED = _emptied(Registration)
GROUP_EMPTIED = _emptied(RegistrationGroup)


def _due(today: datetime.date) -> list[object]:
    qs = (Registration.objects.filter(purge_after__lte=today)
          .exclude(state=RegistrationState.PURGED).order_by("pk").values_list("pk", flat=True))
    if connection.features.has_select_for_update_skip_locked:
        qs = qs.select_for_update(skip_locked=True)
    return list(qs[:PURGE_BATCH])


# Other apps that keep personal data about registrations (the alerts' check-in messages) register a function
# here; it is called with each batch of purged registration ids inside the purging transaction.
PURGE_HOOKS: list[Callable[[list[object]], object]] = []


def purge_hook_register(hook: Callable[[list[object]], object]) -> None:
    if hook not in PURGE_HOOKS:
        PURGE_HOOKS.append(hook)


def registrations_purge(*, today: datetime.date | None = None, batch: int = PURGE_BATCH) -> int:
    """Purge every registration whose `purge_after` is on or before `today`. Returns how many were purged."""
    today = today or timezone.localdate()
    purged = 0
    while True:
        with transaction.atomic():
            ids = _due(today)[:batch]
            if not ids:
                return purged
            now = timezone.now()
            Registration.objects.filter(pk__in=ids).update(
                **EMPTIED, state=RegistrationState.PURGED, purged_at=now, updated_at=now)
            CoTraveller.objects.filter(registration_id__in=ids).delete()
            NameKey.objects.filter(owner_type=NameKeyOwner.REGISTRANT, owner_id__in=ids).delete()
            TripLeg.objects.filter(registration_id__in=ids).update(city="", lat=None, lon=None, active=False)
            groups = set(Registration.objects.filter(pk__in=ids, group__isnull=False)
                         .values_list("group_id", flat=True))
            done = (groups - set(Registration.objects.filter(group_id__in=groups)
                                 .exclude(state=RegistrationState.PURGED).values_list("group_id", flat=True)))
            RegistrationGroup.objects.filter(pk__in=done).update(**GROUP_EMPTIED, updated_at=now)
            for hook in PURGE_HOOKS:
                hook(ids)
            audit_record(actor=None, action="registration.purge", object_type="travel.registration",
                         data={"ids": sorted(str(pk) for pk in ids), "groups": sorted(str(pk) for pk in done),
                               "before": today.isoformat()})
            purged += len(ids)

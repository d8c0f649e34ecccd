"""Recompute the name-search keys (keyed hashes of normalised names) after the hash key changed."""

from __future__ import annotations

from django.db import transaction

from consular.cases.models import CasePerson, PersonNameKey
from consular.core import crypto
from consular.core.names import name_keys

BATCH = 500


def name_keys_rehash() -> int:
    written = 0
    last = None
    while True:
        with transaction.atomic():
            people = CasePerson.objects.order_by("pk").only("id", "name_zh", "name_latin")
            if last is not None:
                people = people.filter(pk__gt=last)
            batch = list(people.select_for_update()[:BATCH])
            if not batch:
                return written
            PersonNameKey.objects.filter(person__in=batch).delete()
            rows = [
                PersonNameKey(person=p, key_hash=crypto.keyed_hash(k, kind="text"))
                for p in batch
                for k in sorted(name_keys(p.name_zh) | name_keys(p.name_latin))
            ]
            PersonNameKey.objects.bulk_create(rows)
            written += len(rows)
            last = batch[-1].pk

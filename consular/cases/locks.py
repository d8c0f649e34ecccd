"""Row locks for cases, always taken in primary-key order so two actions on two cases never deadlock."""

from __future__ import annotations

import uuid

from consular.cases.models import Case


def lock_cases(*ids: uuid.UUID) -> list[Case]:
    """Lock the cases (inside a transaction; the query locks in primary-key order) and return them in the
    order of `ids`. A missing id raises Case.DoesNotExist."""
    locked = {c.pk: c for c in Case.objects.select_for_update().filter(pk__in=ids).order_by("pk")}
    missing = [i for i in ids if i not in locked]
    if missing:
        raise Case.DoesNotExist(f"no case {missing[0]}")
    return [locked[i] for i in ids]

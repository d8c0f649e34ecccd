"""The blocking-key index (NameKey): write an owner's keys, and find owners by the keys of a query.

Each name an owner is known by gives the keys of `matching.blocking_keys` (surname + first given syllable,
given name + surname initial, consonant skeletons …, and with a birth date the year-qualified ``y:``, ``ny:``,
``ly:`` keys). Owners whose birth date is unknown also get their name-only keys under the ``u|`` marker, so a
query that knows the year can ask, for the narrow tier, the year buckets of Y-1, Y and Y+1 plus just the
undated owners of the name buckets. Only keyed hashes (HMAC under CONSULAR_HASH_KEY, as for KeyedHashField) are
stored: the index reveals no name. The owner type keeps the index generic: affected persons now, trip
registrations later; each owner type rewrites its keys whenever its names or birth date change, and registers a
rehasher for key rotation.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable

from django.db.models import Count

from consular.core import crypto
from consular.incidents.matching import blocking_keys, parse_birth_date
from consular.incidents.models import NameKey

UNDATED = "u|"
YEAR_PREFIXES = ("y:", "ny:", "ly:")


def key_hash(key: str) -> str:
    """The stored form of one blocking key (its own domain, so it never equals another table's name hash)."""
    return crypto.keyed_hash(f"block:{key}", kind="text")


def owner_keys(names: Iterable[str], birth_date: datetime.date | str | None) -> set[str]:
    """Every key an owner with these names and birth date is indexed under."""
    keys: set[str] = set()
    for name in names:
        if not name or not name.strip():
            continue
        if birth_date:
            keys |= blocking_keys(name, birth_date)
        else:
            plain = blocking_keys(name)
            keys |= plain | {UNDATED + k for k in plain}
    return keys


def query_keys(name: str, birth_date: datetime.date | str | None = None, *, narrow: bool = False) -> set[str]:
    """The keys to look up for a query. Without a birth date: the name-only keys. With one (a year is enough):
    the year-qualified keys of Y-1, Y and Y+1, plus the name-only keys (`narrow=False`, best recall, for small
    registries such as an incident's) or only their undated form (`narrow=True`, for a registry of millions,
    where a common name's bucket is large). Raises ValueError for a malformed birth date."""
    if not name or not name.strip():
        return set()
    plain = blocking_keys(name)
    born = parse_birth_date(birth_date)
    if born is None:
        return plain
    tier: set[str] = set()
    for year in (born[0] - 1, born[0], born[0] + 1):
        if 1 <= year <= 9999:
            tier |= {k for k in blocking_keys(name, f"{year:04d}") if k.startswith(YEAR_PREFIXES)}
    if narrow:
        return tier | {UNDATED + k for k in plain}
    return tier | plain


def key_rows(*, owner_type: str, owner_id: uuid.UUID, names: Iterable[str],
             birth_date: datetime.date | str | None, scope: uuid.UUID | None) -> list[NameKey]:
    """The (unsaved) index rows of one owner."""
    return [NameKey(key_hash=key_hash(k), owner_type=owner_type, owner_id=owner_id, scope=scope)
            for k in sorted(owner_keys(names, birth_date))]


def name_keys_write(*, owner_type: str, owner_id: uuid.UUID, names: Iterable[str],
                    birth_date: datetime.date | str | None, scope: uuid.UUID | None) -> int:
    """Replace the owner's keys (call inside the transaction that changed the names). `scope`: the set the
    owner is searched in (an affected person's incident), or None. Returns how many keys were written."""
    NameKey.objects.filter(owner_type=owner_type, owner_id=owner_id).delete()
    rows = key_rows(owner_type=owner_type, owner_id=owner_id, names=names, birth_date=birth_date, scope=scope)
    NameKey.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def owners_by_keys(*, owner_type: str, keys: Iterable[str], scope: uuid.UUID | None,
                   limit: int = 200) -> list[uuid.UUID]:
    """Owners of `scope` sharing at least one key with the query, most shared keys first, at most `limit`.
    One query, answered from the (key_hash, owner_type, scope, owner_id) index alone."""
    hashes = sorted({key_hash(k) for k in keys})
    if not hashes:
        return []
    rows = NameKey.objects.filter(key_hash__in=hashes, owner_type=owner_type, scope=scope)
    ranked = rows.values("owner_id").annotate(shared=Count("*")).order_by("-shared", "owner_id")[:limit]
    return [r["owner_id"] for r in ranked]

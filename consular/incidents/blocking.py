"""The blocking-key index (NameKey): write an owner's keys, and find owners by the keys of a query.

Each name an owner is known by gives the keys of `matching.blocking_keys` (surname + first given syllable,
given name + surname initial, consonant skeletons …, and with a birth date the year-qualified ``y:``, ``ny:``,
``ly:``, ``ky:`` keys). Owners whose birth date is unknown also get their name-only keys under the ``u|`` marker, so
a query that knows the year can ask, for the narrow tier, the year buckets of Y-1, Y and Y+1 plus just the
undated owners of the name buckets. Only keyed hashes (HMAC under CONSULAR_HASH_KEY, as for KeyedHashField) are
stored: the index reveals no name. The owner type keeps the index generic: affected persons now, trip
registrations later; each owner type rewrites its keys whenever its names or birth date change, and registers a
rehasher for key rotation.
"""

from __future__ import annotations

import datetime
import math
import uuid
from collections.abc import Iterable
from typing import Any

from django.db import connection
from django.db.models import QuerySet

from consular.core import crypto
from consular.incidents.matching import blocking_keys, parse_birth_date
from consular.incidents.models import NameKey

UNDATED = "u|"
YEAR_PREFIXES = ("y:", "ny:", "ly:", "ky:")


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


# At most this many owners are read per key (those with the lowest ids, straight from the index). A key held by
# more people than this (a common surname and a year; 王伟 without a birth date) cannot tell them apart anyway:
# they tie, and ties go to the lowest owner ids, the ones kept.
PER_KEY_LIMIT = 500
# SQLite (development, tests) answers at most 500 terms of a compound SELECT: keys are asked in batches.
_SQLITE_KEYS_PER_STATEMENT = 400


def owners_by_keys(*, owner_type: str, keys: Iterable[str], scope: uuid.UUID | None,
                   limit: int = 200, per_key: int = PER_KEY_LIMIT, ties: int = 0,
                   among: QuerySet[Any] | None = None) -> list[uuid.UUID]:
    """Owners of `scope` sharing at least one key with the query, the most telling first, at most `limit`, or
    up to `ties` more when they tie with the last one kept and the group ends there: a group sharing the same keys
    is not cut in the middle while it is small (张超 born about 1980, whose given names differ past the first
    syllable, as a typo in the second may); a larger one (王伟 without a birth date) is cut at `limit`.

    Each shared key counts 1/(how many owners of the scope have it, up to `per_key`): a key held by three people
    (surname, given name and birth year together) tells more than one held by thousands (the surname and a
    year), so a person who shares the query's rare keys ranks above one who shares only its common ones, however
    many. Ties are broken by owner id, so the answer is stable. One query, answered from the (key_hash,
    owner_type, scope, owner_id) index alone, at most `per_key` rows per key; the weights come from the same
    rows (a window count per key), no statistics table. `among`: only owners whose id this queryset holds
    (trip registrations meeting the incident), counted and cut per key among them, so that people of the same
    name elsewhere in the world do not take their place."""
    hashes = sorted({key_hash(k) for k in keys})
    if not hashes:
        return []
    table = connection.ops.quote_name(NameKey._meta.db_table)
    in_scope = "scope IS NULL" if scope is None else "scope = %s"
    field = NameKey._meta.get_field("owner_id")
    scoped = [] if scope is None else [field.get_db_prep_value(scope, connection)]
    if among is not None:
        subquery, among_params = among.values("pk").query.sql_with_params()
        in_scope += f" AND owner_id IN ({subquery})"
        scoped += list(among_params)
    # One key's owners (the lowest ids, from the index) with how many they are. Only placeholders, aliases
    # and the quoted table name are formatted in; every value is a parameter.
    one_key = (f"SELECT owner_id, COUNT(*) OVER () AS n FROM (SELECT owner_id FROM {table} "  # noqa: S608
               f"WHERE key_hash = {{key}} AND owner_type = %s AND {in_scope} ORDER BY owner_id LIMIT %s) AS one")
    weigh = "SELECT owner_id, SUM(CAST(1 AS DOUBLE PRECISION) / n) AS weight FROM {found} GROUP BY owner_id"
    top = " ORDER BY weight DESC, owner_id LIMIT %s"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # one statement of constant shape, whatever the number of keys
            found = f"unnest(%s::text[]) AS query(h) CROSS JOIN LATERAL ({one_key.format(key='query.h')}) AS k"
            cursor.execute(weigh.format(found=found) + top, [hashes, owner_type, *scoped, per_key, limit + ties + 1])
            rows = cursor.fetchall()
        else:  # a UNION ALL of the keys, in batches under SQLite's limit of 500 terms (a very long name has more)
            weights: dict[Any, float] = {}
            for start in range(0, len(hashes), _SQLITE_KEYS_PER_STATEMENT):
                batch = hashes[start:start + _SQLITE_KEYS_PER_STATEMENT]
                found = "(" + " UNION ALL ".join(one_key.format(key="%s") for _ in batch) + ") AS k"
                cursor.execute(weigh.format(found=found),
                               [p for h in batch for p in (h, owner_type, *scoped, per_key)])
                for owner, weight in cursor.fetchall():
                    weights[owner] = weights.get(owner, 0.0) + weight
            rows = sorted(weights.items(), key=lambda row: (-row[1], row[0]))[:limit + ties + 1]
    if not rows:
        return []
    kept = rows[:limit]
    tied = [row for row in rows[limit:] if math.isclose(row[1], kept[-1][1])]
    if len(tied) <= ties:  # a larger group is cut anyway (ties go to the lowest owner ids)
        kept += tied
    return [field.to_python(row[0]) for row in kept]

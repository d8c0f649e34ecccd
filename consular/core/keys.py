"""Key rotation for personal data: re-encrypt every encrypted value under the newest key, and optionally
recompute every keyed hash under the current hash key (including hashes kept in other tables, through the
rehash hooks that domain apps register)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import connection, models, transaction

from consular.core import crypto
from consular.core.audit import audit_record
from consular.core.fields import EncryptedTextField, KeyedHashField, encrypted_fields, keyed_hash_fields

BATCH = 500
# Functions that recompute keyed hashes stored outside KeyedHashFields (e.g. name-search keys); each returns
# how many hashes it rewrote. Apps register theirs in AppConfig.ready().
REHASHERS: list[Callable[[], int]] = []


@dataclass
class RotationReport:
    values: int = 0
    hashes: int = 0
    per_model: dict[str, int] = field(default_factory=dict)


def _column(model: type[models.Model], name: str) -> str:
    column = model._meta.get_field(name).column  # type: ignore[union-attr]
    return connection.ops.quote_name(str(column))


def _rotate_row(
    model: type[models.Model], fields: list[EncryptedTextField], hashes: list[KeyedHashField],
    row: tuple[Any, ...], report: RotationReport,
) -> tuple[list[str], list[Any]]:
    """The SET clauses and values that re-encrypt one row (and re-hash its hash fields)."""
    sets: list[str] = []
    values: list[Any] = []
    tokens = dict(zip([f.name for f in fields], row[1:], strict=True))
    for f in fields:
        token = tokens[f.name]
        if token:
            sets.append(f"{_column(model, f.name)} = %s")
            values.append(crypto.reencrypt(token))
            report.values += 1
    for h in hashes:
        source = model._meta.get_field(h.source)
        assert isinstance(source, EncryptedTextField)
        token = tokens[source.name]
        plain = source.to_plain(source.from_plain(crypto.decrypt(token))) if token else ""
        sets.append(f"{_column(model, h.name)} = %s")
        values.append(crypto.keyed_hash(plain, kind=h.kind) if plain else "")
        report.hashes += 1
    return sets, values


def _rotate_model(model: type[models.Model], rehash: bool, batch: int, report: RotationReport) -> int:
    """Walk the table in primary-key order, one transaction per batch with the rows locked (so an edit made
    meanwhile is never overwritten), reading the stored tokens directly and rewriting them with
    MultiFernet.rotate."""
    fields = encrypted_fields(model)
    hashes = [h for h in keyed_hash_fields(model) if rehash and h.source]
    table = connection.ops.quote_name(model._meta.db_table)
    pk_col = _column(model, model._meta.pk.name)
    select = f"SELECT {pk_col}, {', '.join(_column(model, f.name) for f in fields)} FROM {table}"  # noqa: S608
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    last: Any = None
    rows_changed = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            if last is None:
                cursor.execute(f"{select} ORDER BY {pk_col} LIMIT {int(batch)}{lock}")
            else:
                cursor.execute(f"{select} WHERE {pk_col} > %s ORDER BY {pk_col} LIMIT {int(batch)}{lock}", [last])
            rows = cursor.fetchall()
            if not rows:
                return rows_changed
            for row in rows:
                sets, values = _rotate_row(model, fields, hashes, row, report)
                if sets:
                    cursor.execute(
                        f"UPDATE {table} SET {', '.join(sets)} WHERE {pk_col} = %s",  # noqa: S608
                        [*values, row[0]],
                    )
                    rows_changed += 1
            last = rows[-1][0]  # the raw key value, passed back as the driver gave it


def keys_rotate(*, rehash: bool = False, batch: int = BATCH, actor: Any = None) -> RotationReport:
    report = RotationReport()
    for model in apps.get_models():
        if model._meta.proxy or not encrypted_fields(model):
            continue
        changed = _rotate_model(model, rehash, batch, report)
        if changed:
            report.per_model[model._meta.label] = changed
    if rehash:
        for rehasher in REHASHERS:
            report.hashes += rehasher()
    audit_record(actor=actor, action="keys.rotate", object_type="keys",
                 data={"values": report.values, "hashes": report.hashes, "rehash": rehash})
    return report

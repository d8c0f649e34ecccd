"""Key rotation for personal data: re-encrypt every encrypted value under the newest key, and optionally
recompute every keyed hash under the current hash key."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import connection, models, transaction

from consular.core import crypto
from consular.core.fields import EncryptedTextField, encrypted_fields

BATCH = 500


@dataclass
class RotationReport:
    values: int = 0
    hashes: int = 0
    per_model: dict[str, int] = field(default_factory=dict)


def _column(model: type[models.Model], name: str) -> str:
    column = model._meta.get_field(name).column  # type: ignore[union-attr]
    return connection.ops.quote_name(str(column))


def _rotate_row(
    model: type[models.Model], fields: list[EncryptedTextField], row: tuple[Any, ...], rehash: bool,
    report: RotationReport,
) -> tuple[list[str], list[Any]]:
    """The SET clauses and values that re-encrypt one row (and re-hash its hashed fields)."""
    sets: list[str] = []
    values: list[Any] = []
    for f, token in zip(fields, row[1:], strict=True):
        if not token:
            continue
        sets.append(f"{_column(model, f.name)} = %s")
        values.append(crypto.reencrypt(token))
        report.values += 1
        if rehash and f.hash_field:
            plain = f.to_plain(f.from_plain(crypto.decrypt(token)))
            sets.append(f"{_column(model, f.hash_field)} = %s")
            values.append(crypto.keyed_hash(plain, kind=f.hash_kind))
            report.hashes += 1
    return sets, values


def _rotate_model(model: type[models.Model], rehash: bool, batch: int, report: RotationReport) -> int:
    """Walk the table in primary-key order, one transaction per batch, reading the stored tokens directly
    (no decrypt round trip through the ORM) and rewriting them with MultiFernet.rotate."""
    fields = encrypted_fields(model)
    table = connection.ops.quote_name(model._meta.db_table)
    pk_col = _column(model, model._meta.pk.name)
    select = f"SELECT {pk_col}, {', '.join(_column(model, f.name) for f in fields)} FROM {table}"  # noqa: S608
    last: Any = None
    rows_changed = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            if last is None:
                cursor.execute(f"{select} ORDER BY {pk_col} LIMIT {int(batch)}")
            else:
                cursor.execute(f"{select} WHERE {pk_col} > %s ORDER BY {pk_col} LIMIT {int(batch)}", [last])
            rows = cursor.fetchall()
            if not rows:
                return rows_changed
            for row in rows:
                sets, values = _rotate_row(model, fields, row, rehash, report)
                if sets:
                    cursor.execute(
                        f"UPDATE {table} SET {', '.join(sets)} WHERE {pk_col} = %s",  # noqa: S608
                        [*values, row[0]],
                    )
                    rows_changed += 1
            last = rows[-1][0]  # the raw key value, passed back as the driver gave it


def keys_rotate(*, rehash: bool = False, batch: int = BATCH) -> RotationReport:
    report = RotationReport()
    for model in apps.get_models():
        if model._meta.proxy or not encrypted_fields(model):
            continue
        changed = _rotate_model(model, rehash, batch, report)
        if changed:
            report.per_model[model._meta.label] = changed
    return report

"""Small database helpers the ORM has no public API for."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connections, models, router
from django.db.models.sql import InsertQuery


def insert_unless_exists(obj: models.Model, unique: Sequence[str]) -> bool:
    """INSERT `obj` unless a row with the same values of the `unique` fields (a unique constraint) already
    exists; True if it was inserted (its primary key is then set).

    One statement, `INSERT ... ON CONFLICT (unique) DO NOTHING RETURNING pk` (PostgreSQL, SQLite >= 3.35), so
    a conflict neither raises nor aborts the transaction: no savepoint round trips around the insert.
    Like the unique index itself, it waits for a concurrent transaction that inserted the same values and
    then sees its outcome. No model signals are sent (as with `bulk_create`)."""
    meta = obj._meta
    using = router.db_for_write(type(obj), instance=obj)
    connection = connections[using]
    fields = [f for f in meta.local_concrete_fields if not (f.primary_key and obj.pk is None)]
    query = InsertQuery(type(obj))
    query.insert_values(fields, [obj], raw=False)
    ((sql, params),) = query.get_compiler(using=using).as_sql()
    qn = connection.ops.quote_name
    columns = []
    for name in unique:
        field = meta.get_field(name)
        assert isinstance(field, models.Field) and field.column, name
        columns.append(qn(field.column))
    target = ", ".join(columns)
    sql = f"{sql} ON CONFLICT ({target}) DO NOTHING RETURNING {qn(meta.pk.column)}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return False
    if obj.pk is None:
        obj.pk = meta.pk.to_python(row[0])
    obj._state.adding = False
    obj._state.db = using
    return True


def insert_together(*groups: Sequence[models.Model]) -> None:
    """INSERT new objects, each group (objects of one model) as multi-row INSERTs, in the order given, in one
    round trip where the database takes several statements in one query (PostgreSQL with client-side
    parameter binding, Django's default), one statement after another otherwise.

    Like `bulk_create` without reading anything back: keys the database assigns (auto-increment ids) stay
    None, so use it for rows the caller does not refer to by such a key. Fields' `pre_save` runs (auto_now,
    keyed hashes); no model signals are sent."""
    groups = tuple(group for group in groups if group)
    if not groups:
        return
    using = router.db_for_write(type(groups[0][0]), instance=groups[0][0])
    connection = connections[using]
    statements: list[tuple[str, Sequence[Any]]] = []
    for group in groups:
        model = type(group[0])
        fields = [f for f in model._meta.local_concrete_fields
                  if not f.generated and not (f.primary_key and group[0].pk is None)]
        size = connection.ops.bulk_batch_size(fields, group) or len(group)
        for start in range(0, len(group), size):
            query = InsertQuery(model)
            query.insert_values(fields, list(group[start:start + size]), raw=False)
            statements.extend(query.get_compiler(using=using).as_sql())
        for obj in group:
            obj._state.adding = False
            obj._state.db = using
    several = (connection.vendor == "postgresql"
               and connection.settings_dict.get("OPTIONS", {}).get("server_side_binding") is not True)
    with connection.cursor() as cursor:
        if several and len(statements) > 1:
            cursor.execute("; ".join(sql for sql, _ in statements), [p for _, params in statements for p in params])
        else:
            for sql, params in statements:
                cursor.execute(sql, params)

"""Small database helpers the ORM has no public API for."""

from __future__ import annotations

from collections.abc import Sequence

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

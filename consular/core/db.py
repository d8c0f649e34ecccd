"""Small database helpers the ORM has no public API for.

Both helpers build their INSERTs from a statement compiled once per shape. Compiling an INSERT with Django
(an `InsertQuery`, its compiler, a placeholder and a parameter list per value) costs about as much Python as
preparing the values themselves, and on a request that writes seven statements it was a good part of the
time spent in the ORM. The text of a statement depends only on the database, the model, the list of fields
and the number of rows, never on the values (as long as no value is an expression, see `_prepared_rows`), so
`_statement` asks Django's own compiler once per such shape and keeps the SQL it wrote; the values are then
prepared exactly as the compiler prepares them: `field.get_db_prep_save(field.pre_save(obj, add=True))`
(auto_now dates, keyed hashes, encryption of personal fields all happen there).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connections, models, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.sql import InsertQuery

# Backends whose INSERT the compiler writes with plain "%s" placeholders, one statement for many rows.
_CACHEABLE_VENDORS = frozenset({"postgresql", "sqlite"})


@dataclass(frozen=True)
class _Statement:
    """An INSERT as Django's compiler wrote it, and how its parameters are laid out: one value per field and
    row, row after row (`VALUES (%s, %s), (%s, %s)`), or one list per field (PostgreSQL's
    `SELECT * FROM UNNEST((%s)::varchar[], ...)`, which Django uses for several rows)."""

    sql: str
    by_column: bool

    def params(self, rows: list[list[Any]]) -> list[Any]:
        if self.by_column:
            return [list(column) for column in zip(*rows, strict=True)]
        return [value for row in rows for value in row]


# (database alias, vendor, model, primary key given, number of rows, suffix) -> the statement, or None: not
# cacheable. The fields are implied by the model and whether the primary key is given (`_insert_fields`).
_statements: dict[tuple[Any, ...], _Statement | None] = {}


@functools.cache
def _insert_fields(model: type[models.Model], pk_set: bool) -> tuple[models.Field[Any, Any], ...]:
    """The columns an INSERT writes, as `Model.save()` chooses them: no generated field, and no primary key
    the database assigns (`pk_set` False)."""
    return tuple(f for f in model._meta.local_concrete_fields
                 if not f.generated and (pk_set or not f.primary_key))


def _prepared_rows(connection: BaseDatabaseWrapper, fields: Sequence[models.Field[Any, Any]],
                   objs: Sequence[models.Model]) -> list[list[Any]] | None:
    """Each object's values as the INSERT compiler prepares them (`SQLInsertCompiler.prepare_value`), or None
    if a value is an expression or compiles to SQL of its own: the statement's text would then depend on
    it, and the caller lets Django compile that INSERT."""
    rows = []
    for obj in objs:
        row = []
        for field in fields:
            value = field.pre_save(obj, add=True)
            if hasattr(value, "resolve_expression"):
                return None
            value = field.get_db_prep_save(value, connection=connection)
            if hasattr(value, "as_sql"):
                return None
            row.append(value)
        rows.append(row)
    return rows


def _statement(connection: BaseDatabaseWrapper, model: type[models.Model], pk_set: bool,
               objs: Sequence[models.Model], suffix: str = "") -> _Statement | None:
    """The INSERT of `len(objs)` rows into `model`'s table (with `suffix` appended), compiled by
    Django the first time this shape is seen; None when it cannot be reused with other values: another
    backend, a field whose placeholder depends on its value (`get_placeholder`), or a compiler that writes
    more than one statement."""
    key = (connection.alias, connection.vendor, model, pk_set, len(objs), suffix)
    try:
        return _statements[key]
    except KeyError:
        pass
    fields = _insert_fields(model, pk_set)
    statement = None
    if connection.vendor in _CACHEABLE_VENDORS and not any(hasattr(f, "get_placeholder") for f in fields):
        # raw=True: the compiler reads the attributes as they are instead of calling pre_save() a second time
        # (which would give an auto_now field a later time than the one about to be written). Only the SQL is
        # kept; the parameters it prepared are thrown away.
        query = InsertQuery(model)
        query.insert_values(list(fields), list(objs), raw=True)
        compiled = query.get_compiler(connection=connection).as_sql()
        if len(compiled) == 1:
            ((sql, params),) = compiled
            if len(objs) > 1 and len(params) == len(fields):
                statement = _Statement(f"{sql}{suffix}", by_column=True)
            elif len(params) == len(objs) * len(fields):
                statement = _Statement(f"{sql}{suffix}", by_column=False)
    _statements[key] = statement
    return statement


def _compiled(connection: BaseDatabaseWrapper, model: type[models.Model], pk_set: bool,
              objs: Sequence[models.Model], suffix: str = "") -> list[tuple[str, Sequence[Any]]]:
    """The statements (SQL, parameters) that insert `objs`: from the cached statement when there is one,
    otherwise compiled by Django as `bulk_create` would."""
    fields = _insert_fields(model, pk_set)
    statement = _statement(connection, model, pk_set, objs, suffix)
    if statement is not None:
        rows = _prepared_rows(connection, fields, objs)
        if rows is not None:
            return [(statement.sql, statement.params(rows))]
    query = InsertQuery(model)
    query.insert_values(list(fields), list(objs), raw=False)
    return [(f"{sql}{suffix}", params) for sql, params in query.get_compiler(connection=connection).as_sql()]


def insert_unless_exists(obj: models.Model, unique: Sequence[str]) -> bool:
    """INSERT `obj` unless a row with the same values of the `unique` fields (a unique constraint) already
    exists; True if it was inserted (its primary key is then set).

    One statement, `INSERT ... ON CONFLICT (unique) DO NOTHING RETURNING pk` (PostgreSQL, SQLite >= 3.35), so
    a conflict neither raises nor aborts the transaction: no savepoint round trips around the insert.
    Like the unique index itself, it waits for a concurrent transaction that inserted the same values and
    then sees its outcome. No model signals are sent (as with `bulk_create`)."""
    meta = obj._meta
    model = type(obj)
    using = router.db_for_write(model, instance=obj)
    connection = connections[using]
    qn = connection.ops.quote_name
    columns = []
    for name in unique:
        field = meta.get_field(name)
        assert isinstance(field, models.Field) and field.column, name
        columns.append(qn(field.column))
    suffix = f" ON CONFLICT ({', '.join(columns)}) DO NOTHING RETURNING {qn(meta.pk.column)}"
    ((sql, params),) = _compiled(connection, model, obj.pk is not None, [obj], suffix)
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
        pk_set = group[0].pk is not None
        size = connection.ops.bulk_batch_size(list(_insert_fields(model, pk_set)), group) or len(group)
        for start in range(0, len(group), size):
            statements.extend(_compiled(connection, model, pk_set, group[start:start + size]))
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

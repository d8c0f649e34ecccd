"""Make the audit table append-only in the database itself: no DELETE, and the only UPDATE allowed is the
sealing of a not-yet-sealed row (setting seq, prev_hash, entry_hash). Whoever bypasses this (a database
superuser dropping the trigger) is caught by `consular audit verify`."""

from django.db import migrations

from consular.core.audit_sql import POSTGRES_DOWN, POSTGRES_UP, SQLITE_DOWN, SQLITE_UP


def up(apps, schema_editor):
    statements = {"postgresql": [POSTGRES_UP], "sqlite": SQLITE_UP}.get(schema_editor.connection.vendor, [])
    for sql in statements:
        schema_editor.execute(sql)


def down(apps, schema_editor):
    statements = {"postgresql": [POSTGRES_DOWN], "sqlite": SQLITE_DOWN}.get(schema_editor.connection.vendor, [])
    for sql in statements:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [migrations.RunPython(up, down)]

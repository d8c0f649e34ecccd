"""The two insert helpers: one statement that skips a taken unique value; several inserts in one round trip."""

from __future__ import annotations

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from consular.api.models import IdempotencyRecord
from consular.core.db import insert_together, insert_unless_exists
from consular.core.models import AuditEntry


def _record(key: str, path: str = "/api/v1/x") -> IdempotencyRecord:
    return IdempotencyRecord(owner="o", key=key, method="POST", path=path, request_hash="h", status_code=0,
                             body="", created_at="2026-11-27T00:00:00Z")


def test_insert_unless_exists_skips_a_taken_value_and_the_transaction_goes_on(db):
    with transaction.atomic():
        first = _record("k")
        assert insert_unless_exists(first, ["owner", "key"]) and first.pk is not None
        assert not first._state.adding
        assert not insert_unless_exists(_record("k", "/other"), ["owner", "key"])
        assert insert_unless_exists(_record("k2"), ["owner", "key"])
    assert sorted(IdempotencyRecord.objects.values_list("key", "path")) == [("k", "/api/v1/x"), ("k2", "/api/v1/x")]


def _entries(n: int, action: str) -> list[AuditEntry]:
    return [AuditEntry(created_at="2026-11-27T00:00:00Z", action=action, data={"n": i}) for i in range(n)]


def test_insert_together_writes_every_group_in_order(db, settings):
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        insert_together(_entries(2, "first"), [], _entries(1, "second"))
    inserts = [q for q in queries.captured_queries if "INSERT" in q["sql"]]
    # PostgreSQL: one round trip; SQLite, which takes one statement per query: one INSERT per group.
    assert len(inserts) == (1 if connection.vendor == "postgresql" else 2)
    rows = list(AuditEntry.objects.order_by("id").values_list("action", "data"))
    assert rows == [("first", {"n": 0}), ("first", {"n": 1}), ("second", {"n": 0})]


def test_insert_together_one_by_one_with_server_side_binding(db, monkeypatch):
    monkeypatch.setitem(connection.settings_dict, "OPTIONS", {**connection.settings_dict.get("OPTIONS", {}),
                                                              "server_side_binding": True})
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        insert_together(_entries(1, "a"), _entries(1, "b"))
    assert len([q for q in queries.captured_queries if "INSERT" in q["sql"]]) == 2
    assert list(AuditEntry.objects.order_by("id").values_list("action", flat=True)) == ["a", "b"]

"""The two insert helpers: one statement that skips a taken unique value; several inserts in one round trip."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

import pytest
from django.db import connection, models, transaction
from django.db.models.functions import Now
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from consular.api.models import IdempotencyRecord
from consular.cases.models import Case, CaseEvent, CasePerson
from consular.core import crypto
from consular.core import db as db_module
from consular.core.db import insert_together, insert_unless_exists
from consular.core.models import AuditEntry, Mission


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


# --- The cached statements: the same rows as the ORM writes, on either database --------------------------------

def _case(mission: Mission, **extra: Any) -> Case:
    return Case(reference=extra.pop("reference", f"C26-{uuid.uuid4().hex[:9].upper()}"), category="detention",
                urgency="P2", summary="held at the border", country_id="TH", mission=mission,
                first_response_due=timezone.now(), **extra)


def _persons(case: Case, n: int) -> list[CasePerson]:
    return [CasePerson(case=case, name_zh="王建国" if i % 2 == 0 else "", name_latin=f"WANG JIANGUO {i}",
                       birth_date=datetime.date(1980, 1, 1 + i) if i % 2 == 0 else None,
                       passport_number=f"e{i}-1234567" if i else "", phone="+66 81 234 5678")
            for i in range(n)]


def _raw(model: type[models.Model], pk: Any) -> dict[str, Any]:
    """A row as stored, without from_db_value (so encrypted columns are the ciphertext)."""
    table, column = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT * FROM "{table}" WHERE "{column}" = %s', [model._meta.pk.get_db_prep_value(
            pk, connection)])
        names = [d[0] for d in cursor.description]
        return dict(zip(names, cursor.fetchone(), strict=True))


def _insert_query_forbidden(monkeypatch: pytest.MonkeyPatch) -> None:
    def forbidden(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the statement should come from the cache")
    monkeypatch.setattr(db_module, "InsertQuery", forbidden)


@pytest.mark.parametrize("n", [1, 3])
def test_persons_are_stored_as_save_stores_them_and_the_second_time_from_the_cache(reference, monkeypatch, n):
    mission = Mission.objects.get(code="TH-CNX")
    case = _case(mission)
    case.save()
    for attempt in range(2):
        if attempt:
            _insert_query_forbidden(monkeypatch)
        ours, saved = _persons(case, n), _persons(case, n)
        with transaction.atomic():
            insert_together(ours)
            for person in saved:
                person.save(force_insert=True)
        for mine, theirs in zip(ours, saved, strict=True):
            assert not mine._state.adding
            stored = CasePerson.objects.get(pk=mine.pk)
            reference_row = CasePerson.objects.get(pk=theirs.pk)
            for name in ["case_id", "role", "name_zh", "name_latin", "birth_date", "passport_number", "phone",
                         "passport_hash", "phone_hash"]:
                assert getattr(stored, name) == getattr(reference_row, name) == getattr(mine, name), name
            # auto_now: what the object holds is what was written
            assert stored.created_at == mine.created_at and stored.updated_at == mine.updated_at
            raw = _raw(CasePerson, mine.pk)
            assert raw["name_latin"] != mine.name_latin and crypto.decrypt(raw["name_latin"]) == mine.name_latin
            assert raw["passport_hash"] == (crypto.keyed_hash(mine.passport_number, kind="passport")
                                            if mine.passport_number else "")
            assert raw["birth_date"] is None or crypto.decrypt(raw["birth_date"]) == mine.birth_date.isoformat()


def test_json_nullable_keys_and_auto_ids_the_second_time_from_the_cache(reference, monkeypatch):
    mission = Mission.objects.get(code="TH-CNX")
    case = _case(mission)
    case.save()
    data = [{"n": 0, "zh": "王", "nested": {"list": [1, 2.5, None, True]}}, {}, {"quote": "it's \"x\" %s"}]
    for attempt in range(2):
        if attempt:
            _insert_query_forbidden(monkeypatch)
        events = [CaseEvent(case=case, kind="note", actor=None, data=d) for d in data]
        entries = [AuditEntry(created_at=timezone.now(), action="a", data=d,
                              client_address="192.0.2.1" if i else None) for i, d in enumerate(data)]
        with transaction.atomic():
            insert_together(events, entries)
        assert all(entry.pk is None for entry in entries)  # the database's id is not read back
        stored = list(CaseEvent.objects.filter(pk__in=[e.pk for e in events]).values_list("pk", "actor", "data"))
        assert sorted(stored, key=str) == sorted(((e.pk, None, e.data) for e in events), key=str)
        rows = list(AuditEntry.objects.order_by("-id").values_list("data", "client_address")[:3])[::-1]
        assert rows == [(data[0], None), (data[1], "192.0.2.1"), (data[2], "192.0.2.1")]


def test_insert_unless_exists_nullable_foreign_keys_from_the_cache(reference, monkeypatch):
    mission = Mission.objects.get(code="TH-CNX")
    first = _case(mission, subdivision_id=None, created_by=None)
    assert insert_unless_exists(first, ["reference"])
    _insert_query_forbidden(monkeypatch)
    second = _case(mission, subdivision_id=None, created_by=None)
    assert insert_unless_exists(second, ["reference"])
    assert not insert_unless_exists(_case(mission, reference=second.reference), ["reference"])
    stored = Case.objects.get(pk=second.pk)
    assert (stored.reference, stored.subdivision_id, stored.created_by_id, stored.mission_id) == (
        second.reference, None, None, mission.pk)
    assert stored.created_at == second.created_at


def test_an_expression_is_compiled_by_django(db):
    entry = AuditEntry(created_at=Now(), action="expr", data={})
    with transaction.atomic():
        insert_together([entry], _entries(1, "plain"))
    assert AuditEntry.objects.get(action="expr").created_at is not None
    assert AuditEntry.objects.filter(action="plain").count() == 1

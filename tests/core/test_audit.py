"""The audit log is append-only and hash-chained; `consular audit verify` finds edited and deleted rows."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from consular.core import context
from consular.core.audit import audit_read, audit_record, audit_seal, audit_verify
from consular.core.models import AuditChainHead, AuditEntry


def _entries(n: int) -> list[AuditEntry]:
    return [audit_record(actor=None, action="test.write", object_type="thing", object_id=str(i), data={"i": i})
            for i in range(n)]


@pytest.mark.django_db
def test_seal_chains_entries_and_verify_passes():
    _entries(5)
    assert AuditEntry.objects.filter(seq__isnull=True).count() == 5
    assert audit_seal() == 5
    assert audit_seal() == 0
    rows = list(AuditEntry.objects.order_by("seq"))
    assert [r.seq for r in rows] == [1, 2, 3, 4, 5]
    assert all(rows[i].prev_hash == rows[i - 1].entry_hash for i in range(1, 5))
    result = audit_verify()
    assert result.ok and result.checked == 5 and result.unsealed == 0
    _entries(2)
    audit_seal()
    assert audit_verify().checked == 7
    assert AuditChainHead.objects.get().last_seq == 7


def _raw(sql: str, params: list[Any]) -> None:
    """Tamper as a database superuser would: first remove the append-only trigger, then write."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE core_auditentry DISABLE TRIGGER USER")
        else:
            cursor.execute("DROP TRIGGER IF EXISTS core_auditentry_no_update")
            cursor.execute("DROP TRIGGER IF EXISTS core_auditentry_no_delete")
        cursor.execute(sql, params)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE core_auditentry SET action = 'x' WHERE id = %s",
        "UPDATE core_auditentry SET entry_hash = 'x' WHERE id = %s",
        "DELETE FROM core_auditentry WHERE id = %s",
    ],
)
def test_the_database_refuses_changes_to_sealed_rows(sql):
    entry = _entries(1)[0]
    audit_seal()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [entry.pk])
    assert audit_verify().ok


@pytest.mark.django_db
def test_the_database_refuses_to_empty_the_log(is_postgres):
    _entries(2)
    statement = "TRUNCATE core_auditentry" if is_postgres else "DELETE FROM core_auditentry"
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)


@pytest.mark.django_db
def test_the_database_refuses_content_changes_to_unsealed_rows():
    entry = _entries(1)[0]
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditentry SET actor_username = 'mallory' WHERE id = %s", [entry.pk])
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()


@pytest.mark.django_db
def test_an_edited_row_is_detected():
    rows = _entries(4)
    audit_seal()
    _raw("UPDATE core_auditentry SET actor_username = %s WHERE id = %s", ["mallory", rows[1].pk])
    result = audit_verify()
    assert not result.ok
    assert any(f"row {rows[1].pk} (seq 2) was changed" in p for p in result.problems)


@pytest.mark.django_db
def test_an_edited_payload_is_detected():
    rows = _entries(3)
    audit_seal()
    _raw("UPDATE core_auditentry SET data = %s WHERE id = %s", ['{"i": 99}', rows[2].pk])
    assert not audit_verify().ok


@pytest.mark.django_db
def test_a_deleted_row_is_detected():
    rows = _entries(4)
    audit_seal()
    _raw("DELETE FROM core_auditentry WHERE id = %s", [rows[1].pk])
    problems = audit_verify().problems
    assert any("missing (deleted)" in p for p in problems)


@pytest.mark.django_db
def test_deleting_the_newest_rows_is_detected():
    rows = _entries(4)
    audit_seal()
    _raw("DELETE FROM core_auditentry WHERE id IN (%s, %s)", [rows[2].pk, rows[3].pk])
    problems = audit_verify().problems
    assert any("chain head records 4" in p for p in problems)


@pytest.mark.django_db
def test_a_rewritten_chain_does_not_match_the_head():
    rows = _entries(2)
    audit_seal()
    # An attacker edits the newest row and recomputes its hash: the head still holds the old one.
    from consular.core.audit import entry_digest

    _raw("UPDATE core_auditentry SET action = %s WHERE id = %s", ["test.forged", rows[1].pk])
    forged = AuditEntry.objects.get(pk=rows[1].pk)
    _raw("UPDATE core_auditentry SET entry_hash = %s WHERE id = %s", [entry_digest(forged, forged.prev_hash),
                                                                     rows[1].pk])
    assert any("does not match the chain head" in p for p in audit_verify().problems)


@pytest.mark.django_db
def test_verify_command_exit_status(capsys):
    rows = _entries(3)
    call_command("audit", "seal")
    call_command("audit", "verify")
    assert "audit chain OK: checked 3" in capsys.readouterr().out
    _raw("UPDATE core_auditentry SET object_id = %s WHERE id = %s", ["x", rows[0].pk])
    with pytest.raises(CommandError, match="BROKEN"):
        call_command("audit", "verify")


@pytest.mark.django_db
def test_recording_does_not_touch_the_chain_head():
    """Requests only insert: no lock on the head, no read of the previous hash."""
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        audit_record(actor=None, action="test.write", object_type="t", object_id="1")
    sql = " ".join(q["sql"].lower() for q in queries.captured_queries)
    assert "core_auditchainhead" not in sql
    assert "select" not in sql
    assert len(queries.captured_queries) == 1


@pytest.mark.django_db
def test_entries_carry_request_context_and_reads(make_user):
    user = make_user("hq_officer")
    token = context.bind(context.RequestContext(request_id="req-12345678", client_address="203.0.113.9"))
    try:
        entry = audit_read(actor=user, obj=user, fields=["phone", "email"], purpose="test")
    finally:
        context.unbind(token)
    assert entry.action == "user.read"
    assert entry.actor_username == user.username
    assert entry.request_id == "req-12345678"
    assert entry.client_address == "203.0.113.9"
    assert entry.data == {"fields": ["email", "phone"], "purpose": "test"}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("run", [1, 2])
def test_transactional_tests_keep_the_guard_and_can_be_flushed(run):
    entry = _entries(1)[0]
    audit_seal()
    with pytest.raises(DatabaseError, match="append-only"), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditentry WHERE id = %s", [entry.pk])
    assert AuditEntry.objects.count() == 1  # the previous run's rows were flushed


@pytest.mark.django_db
def test_entries_sealed_after_verify_read_the_head_are_not_reported(monkeypatch):
    """A sealer running during verify must not make a sound chain look broken."""
    from consular.core import audit as audit_module

    _entries(3)
    audit_seal()
    original = audit_module.entry_digest
    calls = {"n": 0}

    def digest_then_seal_more(entry, prev_hash):
        calls["n"] += 1
        if calls["n"] == 1:  # in the middle of the walk, a worker seals new entries
            _entries(2)
            audit_seal()
        return original(entry, prev_hash)

    monkeypatch.setattr(audit_module, "entry_digest", digest_then_seal_more)
    result = audit_verify()
    assert result.ok, result.problems
    assert result.checked == 3


@pytest.mark.django_db
def test_a_deleted_head_is_detected():
    _entries(2)
    audit_seal()
    _raw("DELETE FROM core_auditchainhead", [])
    assert not audit_verify().ok

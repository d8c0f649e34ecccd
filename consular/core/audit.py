"""The audit log: record writes and reads of personal data; seal the hash chain; verify it.

Requests only insert rows (no lock, no chain read). `audit_seal` later assigns each unsealed row the next
sequence number and a SHA-256 hash over its content and the previous hash; `audit_verify` recomputes the
chain and reports any row edited, deleted or re-ordered since it was sealed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.db import models, transaction
from django.utils import timezone

from consular.core import context
from consular.core.models import AuditChainHead, AuditEntry
from consular.core.system import SystemActor

T = TypeVar("T", bound=models.Model)

GENESIS = "0" * 64
SEAL_BATCH = 1000


def _actor_fields(actor: Any) -> tuple[int | None, str]:
    if isinstance(actor, SystemActor):  # the system acting on its own: no user, recorded by name
        return None, actor.username
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None, ""
    return actor.pk, actor.get_username()


def _object_fields(obj: models.Model | None, object_type: str, object_id: str) -> tuple[str, str]:
    if obj is not None:
        return object_type or obj._meta.label_lower, object_id or str(obj.pk)
    return object_type, object_id


def audit_entry(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    """One entry, not yet saved, for a service that inserts the entries of one unit of work together."""
    ctx = context.current()
    actor_id, actor_username = _actor_fields(actor)
    otype, oid = _object_fields(obj, object_type, object_id)
    return AuditEntry(
        created_at=timezone.now(),
        actor_id=actor_id,
        actor_username=actor_username,
        action=action,
        object_type=otype,
        object_id=oid,
        request_id=ctx.request_id,
        client_address=ctx.client_address,
        data=data or {},
    )


def audit_record(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry. Call it inside the transaction of the write it records."""
    entry = audit_entry(actor=actor, action=action, obj=obj, object_type=object_type, object_id=object_id,
                        data=data)
    entry.save(force_insert=True)
    return entry


def audit_read(*, actor: Any, obj: models.Model, fields: list[str], purpose: str = "") -> AuditEntry:
    """Record that `actor` was shown the personal-data `fields` of `obj`."""
    payload: dict[str, Any] = {"fields": sorted(fields)}
    if purpose:
        payload["purpose"] = purpose
    return audit_record(actor=actor, action=f"{obj._meta.model_name}.read", obj=obj, data=payload)


def audit_read_many(*, actor: Any, objects: list[models.Model], fields: list[str], purpose: str = "") -> None:
    """Record a list view that showed personal data: one entry per object, in one insert."""
    if not objects:
        return
    ctx = context.current()
    actor_id, actor_username = _actor_fields(actor)
    now = timezone.now()
    payload: dict[str, Any] = {"fields": sorted(fields)}
    if purpose:
        payload["purpose"] = purpose
    AuditEntry.objects.bulk_create(
        [
            AuditEntry(
                created_at=now,
                actor_id=actor_id,
                actor_username=actor_username,
                action=f"{obj._meta.model_name}.read",
                object_type=obj._meta.label_lower,
                object_id=str(obj.pk),
                request_id=ctx.request_id,
                client_address=ctx.client_address,
                data=payload,
            )
            for obj in objects
        ]
    )



def audit_read_stream(objects: Iterable[T], *, actor: Any, fields: list[str], purpose: str = "",
                      chunk: int = 500) -> Iterator[T]:
    """Yield the objects, recording each as read (`audit_read_many`, one insert per chunk) before its chunk is
    handed on: an export streamed to the caller records exactly whom it showed, also when it stops half-way."""
    batch: list[T] = []
    for obj in objects:
        batch.append(obj)
        if len(batch) >= chunk:
            audit_read_many(actor=actor, objects=list(batch), fields=fields, purpose=purpose)
            yield from batch
            batch = []
    if batch:
        audit_read_many(actor=actor, objects=list(batch), fields=fields, purpose=purpose)
        yield from batch

def entry_digest(entry: AuditEntry, prev_hash: str) -> str:
    """SHA-256 over the entry's content, its sequence number and the previous entry's hash."""
    content = [
        entry.seq,
        entry.pk,
        entry.created_at.isoformat(),
        entry.actor_id,
        entry.actor_username,
        entry.action,
        entry.object_type,
        entry.object_id,
        entry.request_id,
        entry.client_address,
        entry.data,
        prev_hash,
    ]
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def audit_seal(*, batch: int = SEAL_BATCH) -> int:
    """Chain every unsealed entry. Returns how many were sealed. Safe to run from many workers at once:
    the head row is the only lock, and only sealers take it."""
    sealed = 0
    while True:
        with transaction.atomic():
            head, _ = AuditChainHead.objects.select_for_update().get_or_create(id=1)
            pending = list(AuditEntry.objects.filter(seq__isnull=True).order_by("id")[:batch])
            if not pending:
                return sealed
            seq, prev = head.last_seq, head.last_hash or GENESIS
            for entry in pending:
                seq += 1
                entry.seq = seq
                entry.prev_hash = prev
                entry.entry_hash = entry_digest(entry, prev)
                prev = entry.entry_hash
            AuditEntry.objects.bulk_update(pending, ["seq", "prev_hash", "entry_hash"], batch_size=100)
            head.last_seq, head.last_hash, head.sealed_at = seq, prev, timezone.now()
            head.save(update_fields=["last_seq", "last_hash", "sealed_at"])
            sealed += len(pending)


@dataclass
class VerifyResult:
    checked: int = 0
    unsealed: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def audit_verify() -> VerifyResult:
    """Walk the sealed chain in order and report every break: an edited row (hash mismatch), a deleted
    row (a gap in the sequence, or a head that points past the last row), a re-linked row.

    The head is read first and only entries up to it are checked, so a sealer running at the same time
    (every `consular worker` runs one) cannot make a sound chain look broken."""
    result = VerifyResult()
    head = AuditChainHead.objects.filter(id=1).first()
    last_seq = head.last_seq if head is not None else 0
    expected_seq, prev = 1, GENESIS
    entries = AuditEntry.objects.filter(seq__isnull=False, seq__lte=last_seq).order_by("seq")
    for entry in entries.iterator(chunk_size=2000):
        assert entry.seq is not None
        if entry.seq != expected_seq:
            result.problems.append(
                f"entries with sequence {expected_seq}..{entry.seq - 1} are missing (deleted) before row {entry.pk}"
            )
        if entry.prev_hash != prev:
            result.problems.append(f"row {entry.pk} (seq {entry.seq}) does not link to the previous entry")
        if entry_digest(entry, entry.prev_hash) != entry.entry_hash:
            result.problems.append(f"row {entry.pk} (seq {entry.seq}) was changed after it was sealed")
        prev, expected_seq = entry.entry_hash, entry.seq + 1
        result.checked += 1
    if expected_seq - 1 != last_seq:
        result.problems.append(
            f"the chain head records {last_seq} sealed entries but {expected_seq - 1} were found (deleted)"
        )
    elif last_seq and head is not None and head.last_hash != prev:
        result.problems.append("the last sealed entry does not match the chain head (changed or replaced)")
    if head is None and AuditEntry.objects.filter(seq__isnull=False).exists():
        result.problems.append("sealed entries exist but the chain head is missing (deleted)")
    result.unsealed = AuditEntry.objects.filter(seq__isnull=True).count()
    return result

"""`Idempotency-Key` for every POST under /api/.

The key is claimed, the work done and the answer stored in one database transaction, so either all of it
commits or none does: a retry after a crash finds no record and does the work once; a retry after success
gets the stored answer and creates nothing. A concurrent duplicate waits on the unique index (PostgreSQL) or
the write lock (SQLite) and then receives the first answer. The same key with a different body is refused
with 422. Answers of 5xx, 409 and 429 are not kept (the transaction is rolled back), so the client may retry.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

from consular.api.models import IdempotencyRecord
from consular.core.errors import ErrorCode

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255


def _error(status: int, code: str, message: str, field_messages: list[str] | None = None) -> JsonResponse:
    fields = {HEADER: field_messages} if field_messages else {}
    return JsonResponse({"error": {"code": code, "message": message, "fields": fields}}, status=status)


def _owner(request: HttpRequest) -> str:
    authorization = request.headers.get("Authorization", "")
    if authorization:
        return hashlib.sha256(authorization.encode("utf-8")).hexdigest()
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return hashlib.sha256(f"session-user:{user.pk}".encode()).hexdigest()
    return "anonymous"


def _request_hash(request: HttpRequest) -> str:
    digest = hashlib.sha256()
    digest.update(request.method.encode() if request.method else b"")
    digest.update(b"\0" + request.get_full_path().encode("utf-8") + b"\0")
    digest.update(request.body)
    return digest.hexdigest()


def _replay(record: IdempotencyRecord) -> HttpResponse:
    body = base64.b64decode(record.body)
    response = HttpResponse(body, status=record.status_code, content_type=record.content_type)
    response["Idempotent-Replayed"] = "true"
    return response


class IdempotencyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.headers.get(HEADER)
        if request.method != "POST" or key is None or not request.path.startswith("/api/"):
            return self.get_response(request)
        key = key.strip()
        if not key or len(key) > MAX_KEY_LENGTH or not key.isascii():
            return _error(400, ErrorCode.INVALID, "Invalid Idempotency-Key.", ["1 to 255 ASCII characters"])
        owner, request_hash = _owner(request), _request_hash(request)
        cutoff = timezone.now() - timedelta(hours=settings.IDEMPOTENCY_TTL_HOURS)
        with transaction.atomic():
            # Claim the key before doing the work. A concurrent request with the same key blocks on the
            # unique index (PostgreSQL) or the write lock (SQLite) until this transaction ends; then it
            # either finds the finished record, or (if this one rolled back) claims the key itself.
            record = self._claim(owner, key, request, request_hash)
            if record is None:
                existing = IdempotencyRecord.objects.get(owner=owner, key=key)
                if existing.created_at >= cutoff:
                    return self._answer_existing(existing, request_hash)
                existing.delete()  # an expired answer: the key may be used afresh
                record = self._claim(owner, key, request, request_hash)
                if record is None:  # pragma: no cover - another request took it in between
                    return self._answer_existing(IdempotencyRecord.objects.get(owner=owner, key=key), request_hash)
            response = self.get_response(request)
            keep = (
                response.status_code < 500
                and response.status_code not in (409, 429)
                and not getattr(response, "streaming", False)
                and not transaction.get_connection().needs_rollback
            )
            if not keep:
                transaction.set_rollback(True)
                return response
            record.status_code = response.status_code
            record.content_type = response.get("Content-Type", "")
            record.body = base64.b64encode(response.content).decode("ascii")
            record.save(update_fields=["status_code", "content_type", "body"])
        return response

    @staticmethod
    def _claim(owner: str, key: str, request: HttpRequest, request_hash: str) -> IdempotencyRecord | None:
        try:
            with transaction.atomic():
                return IdempotencyRecord.objects.create(
                    owner=owner, key=key, method="POST", path=request.path[:500], request_hash=request_hash,
                    status_code=0, body="", created_at=timezone.now(),
                )
        except IntegrityError:
            return None

    @staticmethod
    def _answer_existing(record: IdempotencyRecord, request_hash: str) -> HttpResponse:
        if record.request_hash != request_hash:
            return _error(
                422,
                ErrorCode.IDEMPOTENCY_MISMATCH,
                "This Idempotency-Key was already used with a different request.",
                ["already used with a different request body or path"],
            )
        return _replay(record)


def idempotency_prune() -> int:
    cutoff = timezone.now() - timedelta(hours=settings.IDEMPOTENCY_TTL_HOURS)
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted




"""`Idempotency-Key` for every POST under /api/, and for web forms that carry a hidden `idempotency_key`
field (`{% idempotency_field %}`): a double-click or a resubmitted form gets the first answer (usually the
redirect to what was created) and creates nothing.

The key is claimed, the work done and the answer stored in one database transaction, so either all of it
commits or none does: a retry after a crash finds no record and does the work once; a retry after success
gets the stored answer and creates nothing. A concurrent duplicate waits on the unique index (PostgreSQL) or
the write lock (SQLite) and then receives the first answer. The same key with a different body is refused
with 422. Answers of 5xx, 401, 403, 409 and 429 are not kept (the transaction is rolled back), so the client may
retry (signed in again, with a fresh CSRF token). A form's answer to a signed-in user is replayed only to that
user: anyone else sending the same form makes a new request.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

from consular.api.models import IdempotencyRecord
from consular.core import crypto
from consular.core.db import insert_unless_exists
from consular.core.errors import ErrorCode

HEADER = "Idempotency-Key"
FORM_FIELD = "idempotency_key"
MAX_KEY_LENGTH = 255
# Form fields that are not what the form asks for: the CSRF token may be rotated between two sends of one form.
_NOT_CONTENT = frozenset({"csrfmiddlewaretoken", FORM_FIELD})


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


def _asked_by(content_hash: str, asker: str) -> str:
    return hashlib.sha256(f"{asker}\0{content_hash}".encode()).hexdigest()


def _request_hash(request: HttpRequest) -> str:
    """What the request asks for. A multipart body is hashed by its content (fields, file names and bytes),
    not its bytes: a client or browser sending it again picks a new boundary, yet it is the same request."""
    digest = hashlib.sha256()
    digest.update(request.method.encode() if request.method else b"")
    digest.update(b"\0" + request.get_full_path().encode("utf-8") + b"\0")
    if request.content_type != "multipart/form-data":
        digest.update(request.body)
        return digest.hexdigest()
    request.body  # noqa: B018  (read the raw body first: the view parses the form again from it)
    for name in sorted(request.POST):
        if name in _NOT_CONTENT:
            continue
        for value in request.POST.getlist(name):
            digest.update(f"field\0{name}\0{len(value)}\0{value}\0".encode())
    for name in sorted(request.FILES):
        for upload in request.FILES.getlist(name):
            digest.update(f"file\0{name}\0{upload.name}\0{upload.size}\0".encode())
            for chunk in upload.chunks():
                digest.update(chunk)
            upload.seek(0)
    return digest.hexdigest()


_FERNET_PREFIX = "gAAAAA"  # a Fernet token (version byte 0x80); a stored answer in clear starts otherwise


def _answer_body(stored: str) -> bytes:
    """The stored answer's bytes: encrypted (MultiFernet, so older keys still open it); an answer stored in
    clear before answers were encrypted is read as it is."""
    if stored.startswith(_FERNET_PREFIX):
        return base64.b64decode(crypto.decrypt(stored))
    return base64.b64decode(stored)


def _replay(record: IdempotencyRecord) -> HttpResponse:
    body = _answer_body(record.body)
    response = HttpResponse(body, status=record.status_code, content_type=record.content_type)
    if record.location:
        response["Location"] = record.location
    response["Idempotent-Replayed"] = "true"
    return response


class IdempotencyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method != "POST":
            return self.get_response(request)
        if request.path.startswith("/api/"):
            key = request.headers.get(HEADER)
        elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            try:
                request.body  # noqa: B018  (read the raw body first; the form is parsed from it)
            except RequestDataTooBig:
                return self.get_response(request)  # the view answers it as any too large form
            key = request.POST.get(FORM_FIELD)
        else:
            key = None
        if key is None:
            return self.get_response(request)
        key = key.strip()
        if not key or len(key) > MAX_KEY_LENGTH or not key.isascii():
            return _error(400, ErrorCode.INVALID, "Invalid Idempotency-Key.", ["1 to 255 ASCII characters"])
        # A form's key is generated by the server and unguessable, and the form may change who is signed in
        # (logging in): its scope is the key itself. An API key is chosen by the client: scoped per caller.
        form = not request.path.startswith("/api/")
        owner = "form" if form else _owner(request)
        try:
            content_hash = _request_hash(request)
        except RequestDataTooBig:
            limit_mb = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024)
            return _error(413, ErrorCode.TOO_LARGE, f"The request is larger than {limit_mb} MB.")
        # Who sends a form is part of what it asks. Its answer (which may show personal data) is replayed to the
        # signed-in user who got it, never to someone else nor to a visitor not signed in (the form sent again
        # from the browser's history after signing out is a new request: the sign-in and CSRF checks run). An
        # answer given to a visitor not signed in is replayed to whoever sends the same (a sign-in form sent
        # twice, the second time with the new session).
        user = getattr(request, "user", None)
        asker = user.pk if form and user is not None and user.is_authenticated else None
        request_hash = content_hash if asker is None else _asked_by(content_hash, f"session-user:{asker}")
        replayable = {request_hash, content_hash}
        cutoff = timezone.now() - timedelta(hours=settings.IDEMPOTENCY_TTL_HOURS)
        with transaction.atomic():
            # Claim the key before doing the work. A concurrent request with the same key blocks on the
            # unique index (PostgreSQL) or the write lock (SQLite) until this transaction ends; then it
            # either finds the finished record, or (if this one rolled back) claims the key itself.
            record = self._claim(owner, key, request, request_hash)
            if record is None:
                existing = IdempotencyRecord.objects.get(owner=owner, key=key)
                if existing.created_at >= cutoff and existing.request_hash not in replayable and form:
                    # A page kept in the browser's history, edited and sent again, or sent by someone else: a
                    # new submission.
                    return self.get_response(request)
                if existing.created_at >= cutoff:
                    return self._answer_existing(existing, replayable)
                existing.delete()  # an expired answer: the key may be used afresh
                record = self._claim(owner, key, request, request_hash)
                if record is None:  # pragma: no cover - another request took it in between
                    return self._answer_existing(IdempotencyRecord.objects.get(owner=owner, key=key), replayable)
            response = self.get_response(request)
            keep = (
                response.status_code < 500
                and response.status_code not in (401, 403, 409, 429)
                and not getattr(response, "streaming", False)
                and not transaction.get_connection().needs_rollback
            )
            if not keep:
                transaction.set_rollback(True)
                return response
            record.status_code = response.status_code
            record.content_type = response.get("Content-Type", "")
            record.location = response.get("Location", "")[:1000]
            # Encrypted like every personal field: an answer may show what the request created (names, a
            # passport number, contacts).
            record.body = crypto.encrypt(base64.b64encode(response.content).decode("ascii"))
            record.save(update_fields=["status_code", "content_type", "location", "body"])
        return response

    @staticmethod
    def _claim(owner: str, key: str, request: HttpRequest, request_hash: str) -> IdempotencyRecord | None:
        # One `INSERT ... ON CONFLICT DO NOTHING`: a taken key inserts nothing (None) instead of raising, so
        # no savepoint is needed. It waits on the unique index for a concurrent claim of the same key exactly
        # as a plain INSERT would.
        record = IdempotencyRecord(
            owner=owner, key=key, method="POST", path=request.path[:500], request_hash=request_hash,
            status_code=0, body="", created_at=timezone.now(),
        )
        return record if insert_unless_exists(record, ["owner", "key"]) else None

    @staticmethod
    def _answer_existing(record: IdempotencyRecord, replayable: set[str]) -> HttpResponse:
        if record.request_hash not in replayable:
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




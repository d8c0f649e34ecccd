"""One exception for every rule a service enforces, with a stable machine-readable code."""

from __future__ import annotations


class ErrorCode:
    """Stable error codes. Clients rely on them; never rename one."""

    NOT_FOUND = "not_found"
    INVALID = "invalid"
    PERMISSION_DENIED = "permission_denied"
    NOT_AUTHENTICATED = "not_authenticated"
    CONFLICT = "conflict"
    IDEMPOTENCY_MISMATCH = "idempotency_key_reused"
    RATE_LIMITED = "rate_limited"
    UNKNOWN_COUNTRY = "unknown_country"
    UNKNOWN_SUBDIVISION = "unknown_subdivision"
    UNKNOWN_MISSION = "unknown_mission"
    SERVER_ERROR = "server_error"


class ApplicationError(Exception):
    """Raised by services when a rule is broken; interfaces turn it into a 4xx response."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        fields: dict[str, list[str]] | None = None,
        status: int = 400,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.code = code
        self.message = message
        self.fields = fields or {}
        self.status = status

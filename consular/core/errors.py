"""One exception for every rule a service enforces, with a stable machine-readable code.

Messages are translatable at the source: services pass `gettext_lazy` strings (and `lazy_interpolate` for
parametrised ones), so a message is rendered in the reader's language when it is shown, not in whatever
language was active when the rule broke. The code and the field keys are the stable part for clients."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from django.utils.functional import lazy

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class ErrorCode:
    """Stable error codes. Clients rely on them; never rename one."""

    NOT_FOUND = "not_found"
    INVALID = "invalid"
    PERMISSION_DENIED = "permission_denied"
    NOT_AUTHENTICATED = "not_authenticated"
    CONFLICT = "conflict"
    IDEMPOTENCY_MISMATCH = "idempotency_key_reused"
    RATE_LIMITED = "rate_limited"
    TOO_LARGE = "too_large"
    UNKNOWN_COUNTRY = "unknown_country"
    UNKNOWN_SUBDIVISION = "unknown_subdivision"
    UNKNOWN_MISSION = "unknown_mission"
    SERVER_ERROR = "server_error"


def _interpolate(message: StrOrPromise, params: Mapping[str, Any]) -> str:
    return str(message) % {key: str(value) for key, value in params.items()}


_interpolate_lazy = lazy(_interpolate, str)


def lazy_interpolate(message: StrOrPromise, **params: Any) -> StrOrPromise:
    """`message % params`, done when the result is rendered: a `gettext_lazy` message with lazy parameters
    (state labels, say) comes out wholly in the language active at that moment."""
    return _interpolate_lazy(message, params)


class ApplicationError(Exception):
    """Raised by services when a rule is broken; interfaces turn it into a 4xx response.

    `message` and the messages in `fields` may be lazy translations: render them with `text()` and
    `field_texts()` (plain strings in the active language) before they are serialised, logged or stored."""

    def __init__(
        self,
        code: str,
        message: StrOrPromise,
        *,
        fields: Mapping[str, Sequence[StrOrPromise]] | None = None,
        status: int = 400,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(code)
        self.retry_after = retry_after
        self.code = code
        self.message = message
        self.fields: dict[str, list[StrOrPromise]] = {key: list(messages) for key, messages in (fields or {}).items()}
        self.status = status

    def __str__(self) -> str:
        return self.text()

    def text(self) -> str:
        return str(self.message)

    def field_texts(self) -> dict[str, list[str]]:
        return {key: [str(message) for message in messages] for key, messages in self.fields.items()}


class _Form(Protocol):
    @property
    def fields(self) -> Mapping[str, Any]: ...

    def add_error(self, field: str | None, error: Any) -> None: ...


def form_add_error(form: _Form, error: ApplicationError, field_map: Mapping[str, str] | None = None) -> None:
    """Show a service's refusal on the web form that caused it: each message of `error.fields` on its field
    (the one `field_map` names for the key, else the form field of the same name, else above the form), and
    the main message above the form when no field is named. The messages stay lazy, so the page renders them
    in its reader's language."""
    field_map = field_map or {}
    for key, messages in error.fields.items():
        target = field_map.get(key, key if key in form.fields else None)
        for message in messages:
            form.add_error(target, message)
    if not error.fields:
        form.add_error(None, error.message)

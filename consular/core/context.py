"""Per-request context (request id, client address) available to services without passing the request."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str = ""
    client_address: str | None = None


_EMPTY = RequestContext()
_current: ContextVar[RequestContext] = ContextVar("consular_request_context", default=_EMPTY)


def current() -> RequestContext:
    return _current.get()


def bind(context: RequestContext) -> object:
    return _current.set(context)


def unbind(token: object) -> None:
    _current.reset(token)  # type: ignore[arg-type]

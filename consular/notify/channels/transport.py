"""HTTP POST over the standard library, for the HTTP channels: timeouts, no redirects, bounded reads,
and the one mapping from an HTTP answer to an Outcome."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import Message as HeaderMessage
from http.client import HTTPException

from consular.notify.channels.base import Outcome, parse_retry_after

MAX_RESPONSE_BYTES = 64 * 1024
USER_AGENT = "Consular-Notify/1"


class TransportError(Exception):
    """No HTTP answer: connection refused or reset, DNS failure, timeout, TLS failure."""


@dataclass(frozen=True)
class Response:
    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A signed request is never replayed to another address: a 3xx is returned as it is."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def _headers(message: HeaderMessage | None) -> dict[str, str]:
    return {key.lower(): value for key, value in (message.items() if message is not None else [])}


def post(url: str, body: bytes, headers: Mapping[str, str], *, timeout: float) -> Response:
    """POST `body`; return the status, headers (lower-cased names) and at most 64 KiB of the answer."""
    request = urllib.request.Request(url, data=body, method="POST")  # noqa: S310 (scheme checked by callers)
    request.add_header("User-Agent", USER_AGENT)
    for name, value in headers.items():
        request.add_header(name, value)
    try:
        with _OPENER.open(request, timeout=timeout) as answer:
            return Response(answer.status, _headers(answer.headers), answer.read(MAX_RESPONSE_BYTES))
    except urllib.error.HTTPError as error:
        try:
            content = error.read(MAX_RESPONSE_BYTES)
        except (OSError, HTTPException):
            content = b""
        finally:
            error.close()
        return Response(error.code, _headers(error.headers), content)
    except (urllib.error.URLError, OSError, HTTPException) as error:  # timeouts are OSError
        reason = getattr(error, "reason", error)
        raise TransportError(f"{type(error).__name__}: {reason}") from error


# 4xx answers that say "not now" or "our credentials or request framing", not "never for this recipient".
TEMPORARY_4XX = frozenset({401, 403, 407, 408, 425, 429})


def classify(response: Response, *, permanent_4xx: frozenset[int] | None = None) -> Outcome | None:
    """The failure Outcome of a non-2xx answer, or None for 2xx.

    429, 5xx and the statuses in TEMPORARY_4XX are temporary (Retry-After honoured); other 3xx/4xx are
    permanent. `permanent_4xx` overrides: those statuses are permanent even if listed in TEMPORARY_4XX.
    """
    status = response.status
    if 200 <= status < 300:
        return None
    reason = f"http {status}"
    detail = response.body[:200].decode("utf-8", "replace").strip()
    if detail:
        reason = f"{reason}: {detail}"
    if permanent_4xx and status in permanent_4xx:
        return Outcome.permanent(reason)
    if status >= 500 or status in TEMPORARY_4XX:
        return Outcome.temporary(reason, parse_retry_after(response.headers.get("retry-after")))
    return Outcome.permanent(reason)

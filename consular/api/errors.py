"""Every API error is `{"error": {"code", "message", "fields"}}`, whatever raised it.

Messages are rendered here, in the request's active language: `Accept-Language` (`en`, `zh-hans`), Chinese
when the client names none, the same as DRF's own validation messages. The code and the field keys never
depend on the language."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from consular.core.errors import ApplicationError, ErrorCode

_CODES: list[tuple[type[Exception], str]] = [
    (exceptions.NotAuthenticated, ErrorCode.NOT_AUTHENTICATED),
    (exceptions.AuthenticationFailed, ErrorCode.NOT_AUTHENTICATED),
    (exceptions.PermissionDenied, ErrorCode.PERMISSION_DENIED),
    (exceptions.NotFound, ErrorCode.NOT_FOUND),
    (exceptions.Throttled, ErrorCode.RATE_LIMITED),
    (exceptions.MethodNotAllowed, "method_not_allowed"),
    (exceptions.NotAcceptable, "not_acceptable"),
    (exceptions.UnsupportedMediaType, "unsupported_media_type"),
    (exceptions.ParseError, "malformed_request"),
    (exceptions.ValidationError, ErrorCode.INVALID),
]


def flatten_fields(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """Turn DRF's nested error detail into {"persons.0.name_zh": ["..."]}."""
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            out.update(flatten_fields(value, name))
    elif isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            out[prefix or "non_field_errors"] = [str(item) for item in detail]
        else:
            for index, item in enumerate(detail):
                if item:
                    out.update(flatten_fields(item, f"{prefix}.{index}" if prefix else str(index)))
    else:
        out[prefix or "non_field_errors"] = [str(detail)]
    return out


# A lone surrogate (a JSON "\ud800" not followed by its pair) is a str in Python but has no UTF-8 form: echoed
# in a message or a field name it would fail the rendering, a 500 in place of the 400.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _printable(text: str) -> str:
    return _LONE_SURROGATE.sub("\ufffd", text)


def error_body(code: str, message: str, fields: dict[str, list[str]] | None = None) -> dict[str, Any]:
    """The error envelope; what the request sent and the message echoes (a field name, a column heading) is
    rendered with U+FFFD in place of any lone surrogate."""
    clean = {_printable(str(k)): [_printable(str(m)) for m in v] for k, v in (fields or {}).items()}
    return {"error": {"code": code, "message": _printable(str(message)), "fields": clean}}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ApplicationError):
        headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else None
        return Response(error_body(exc.code, exc.text(), exc.field_texts()), status=exc.status, headers=headers)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    code = next((c for cls, c in _CODES if isinstance(exc, cls)), "error")
    if isinstance(exc, exceptions.ValidationError):
        fields = flatten_fields(exc.detail)
        message = _("The request has invalid fields.")
    else:
        fields = {}
        detail = getattr(exc, "detail", "")
        message = str(detail) if detail else str(exc)
    response.data = error_body(code, message, fields)
    return response


def json_not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return JsonResponse(error_body(ErrorCode.NOT_FOUND, _("Not found.")), status=status.HTTP_404_NOT_FOUND)


def json_server_error(request: HttpRequest) -> JsonResponse:
    request_id = getattr(request, "request_id", "")
    return JsonResponse(
        error_body(ErrorCode.SERVER_ERROR, _("Internal error; quote request id %(id)s when reporting it.")
                   % {"id": request_id}),
        status=status.HTTP_500_INTERNAL_SERVER_ERROR,
    )

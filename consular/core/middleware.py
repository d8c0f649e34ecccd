"""Middleware that gives every request an id and records the client's address for the audit log."""

from __future__ import annotations

import ipaddress
import re
import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from consular.core import context

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def client_address(request: HttpRequest) -> str | None:
    """The caller's address: REMOTE_ADDR, or the n-th address from the right of X-Forwarded-For when
    CONSULAR_PROXY_COUNT trusted proxies stand in front of the app."""
    proxies = getattr(settings, "PROXY_COUNT", 0)
    candidate = request.META.get("REMOTE_ADDR", "")
    if proxies:
        forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()]
        if len(forwarded) >= proxies:
            candidate = forwarded[-proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return None


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        token = context.bind(context.RequestContext(request_id=request_id, client_address=client_address(request)))
        request.request_id = request_id  # type: ignore[attr-defined]
        try:
            response = self.get_response(request)
        finally:
            context.unbind(token)
        response["X-Request-ID"] = request_id
        return response


class ChineseFirstMiddleware:
    """Pages open in Chinese unless the visitor chose another language with the switch (a cookie): the
    browser's Accept-Language is not consulted, because a citizen's phone abroad is often set to the local
    language. API clients may still ask for English with Accept-Language."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith("/api/"):
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)

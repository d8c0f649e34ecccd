"""The citizen portal as an installable web app (PWA): its manifest, its service worker (served from the root so
that its scope is the whole portal), the offline page the worker keeps, and the endpoints through which a
citizen's browser subscribes a registration to Web Push ("receive alerts on this phone").

Thin: the subscription is checked and stored by `consular.travel.services`; the key the browser subscribes with
is the public half of the VAPID key of the push channel (`consular.notify.channels.webpush`)."""

from __future__ import annotations

import hashlib
import json
import logging
import struct
import zlib

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from consular.accounts.models import Role
from consular.core.errors import ApplicationError
from consular.notify.channels.base import ChannelNotConfigured
from consular.notify.channels.webpush import vapid_public_key
from consular.travel import selectors, services
from consular.travel.codes import Channel
from consular.travel.models import Registration

log = logging.getLogger(__name__)

# The portal's colours (consular/core/static/consular/consular.css: --brand and --paper).
THEME_COLOR = "#8b1a1a"
BACKGROUND_COLOR = "#ffffff"
SHIELD_COLOR = (0xFF, 0xFF, 0xFF)
ICON_SIZES = (192, 512)
# Pages the service worker may keep a copy of for offline use: public, the same for everyone. Everything else
# (the citizen's trips, the follow-up of a help request, the console, the API, check-in links) is never stored.
PUBLIC_PAGES = ("/", "/missions/", "/alerts/")
NEVER_CACHED = ("/travel/", "/help/status/", "/help/sent/", "/console/", "/api/", "/login/", "/logout/",
                "/checkin", "/i18n/")


def push_public_key() -> str:
    """The `applicationServerKey` for `pushManager.subscribe()`; empty when push is not configured (or its key is
    unreadable, which is logged: the portal then offers SMS and email only)."""
    try:
        return vapid_public_key()
    except ChannelNotConfigured:
        log.exception("CONSULAR_VAPID_PRIVATE_KEY cannot be read: Web Push is not offered")
        return ""


# --- Icons -------------------------------------------------------------------------------------------------------

def _shield(size: int) -> list[tuple[float, float]]:
    """A shield (protection), within the middle 60 % that a maskable icon keeps."""
    outline = [(0.29, 0.24), (0.5, 0.19), (0.71, 0.24), (0.71, 0.49), (0.66, 0.63), (0.5, 0.80), (0.34, 0.63),
               (0.29, 0.49)]
    return [(x * size, y * size) for x, y in outline]


def _inside(x: float, y: float, polygon: list[tuple[float, float]]) -> bool:
    result = False
    j = len(polygon) - 1
    for i, (xi, yi) in enumerate(polygon):
        xj, yj = polygon[j]
        if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / (yj - yi) + xi:
            result = not result
        j = i
    return result


def icon_png(size: int) -> bytes:
    """The app icon: a white shield on the portal's red, full bleed (so it also serves as a maskable icon). The
    committed static files `portal/icon-<size>.png` are this function's output."""
    shield = _shield(size)
    brand = bytes(int(THEME_COLOR[i:i + 2], 16) for i in (1, 3, 5))
    rows = []
    for y in range(size):
        xs = [x for x in range(size) if _inside(x + 0.5, y + 0.5, shield)]
        row = bytearray(brand * size)
        for x in xs:
            row[3 * x:3 * x + 3] = bytes(SHIELD_COLOR)
        rows.append(b"\0" + bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
            + chunk(b"IEND", b""))


# --- Manifest, service worker, offline page ---------------------------------------------------------------------

@require_GET
def manifest(request: HttpRequest) -> HttpResponse:
    """The web app manifest, in the language of the request (Chinese unless the visitor chose otherwise)."""
    icons = [{"src": static(f"portal/icon-{n}.png"), "sizes": f"{n}x{n}", "type": "image/png", "purpose": "any"}
             for n in ICON_SIZES]
    icons.append({**icons[-1], "purpose": "maskable"})
    data = {
        "id": "/",
        "name": _("Consular protection and services"),
        "short_name": _("Consular help"),
        "description": _("Ask for help abroad, register your trips and receive safety alerts."),
        "lang": get_language() or settings.LANGUAGE_CODE,
        "dir": "ltr",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "orientation": "any",
        "theme_color": THEME_COLOR,
        "background_color": BACKGROUND_COLOR,
        "icons": icons,
    }
    response = JsonResponse(data, content_type="application/manifest+json",
                            json_dumps_params={"ensure_ascii": False})
    patch_cache_control(response, public=True, max_age=3600)
    return response


def _worker_config() -> dict[str, object]:
    return {
        "offline": reverse("offline"),
        "precache": [reverse("offline"), static("consular/consular.css"), static("vendor/htmx.min.js"),
                     static("portal/pwa.js"), *(static(f"portal/icon-{n}.png") for n in ICON_SIZES)],
        "static": settings.STATIC_URL,
        "public": list(PUBLIC_PAGES),
        "never": list(NEVER_CACHED),
        "logout": reverse("logout"),
        "icon": static("portal/icon-192.png"),
    }


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker, from the root path so that it controls the whole portal. Its version is the hash of
    its text, which holds the (hashed) static addresses: a deployment with new assets installs a new worker."""
    source = render_to_string("portal/pwa/sw.js", {"config": json.dumps(_worker_config())})
    version = hashlib.sha256(source.encode()).hexdigest()[:12]
    body = f'const VERSION = "{version}";\n{source}'
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache, max-age=0"
    return response


@require_GET
def offline(request: HttpRequest) -> HttpResponse:
    """What the installed app shows without a network: the same for everyone (the worker keeps one copy), in
    Chinese and English, with the hotline."""
    response = render(request, "portal/pwa/offline.html", {})
    patch_cache_control(response, public=True, max_age=3600)
    return response


# --- Push subscription of a registration ------------------------------------------------------------------------

def _answer(registration: Registration, message: str) -> JsonResponse:
    channels = list(registration.channels)
    return JsonResponse({"subscribed": Channel.PUSH in channels, "channels": channels, "message": message})


def _refused(error: ApplicationError) -> JsonResponse:
    return JsonResponse({"error": {"code": error.code, "message": error.text(), "fields": error.field_texts()}},
                        status=error.status)


def _registration(request: HttpRequest, registration_id: str) -> Registration:
    """The citizen's own registration (as the trip pages: staff are refused, another citizen's is not found)."""
    if getattr(request.user, "role", None) != Role.CITIZEN:
        raise PermissionDenied
    registration = selectors.registration_get(actor=request.user, registration_id=registration_id)
    if registration is None:
        raise Http404
    return registration


@never_cache
@require_POST
@login_required
def push_subscribe(request: HttpRequest, registration_id: str) -> HttpResponse:
    """Store the browser's push subscription (form field `subscription`: the JSON of
    `PushSubscription.toJSON()`) on the citizen's registration. Answers JSON: 200, or 400 with a message per
    field (`subscription.endpoint`, `subscription.keys.p256dh`, …)."""
    registration = _registration(request, registration_id)
    try:
        registration = services.registration_push_subscribe(
            actor=request.user, registration=registration,
            subscription_json=request.POST.get("subscription", ""))
    except ApplicationError as error:
        return _refused(error)
    return _answer(registration, _("Safety alerts for this trip will also appear on this phone."))


@never_cache
@require_POST
@login_required
def push_unsubscribe(request: HttpRequest, registration_id: str) -> HttpResponse:
    registration = _registration(request, registration_id)
    try:
        registration = services.registration_push_unsubscribe(
            actor=request.user, registration=registration)
    except ApplicationError as error:
        return _refused(error)
    return _answer(registration, _("Alerts are no longer shown on this phone; we use SMS or email."))

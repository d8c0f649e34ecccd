"""The portal as an installable web app: the manifest (in the request's language), the service worker served from
the root (its headers, its push and notificationclick handlers, what it may keep), the offline page, and the
"receive alerts on this phone" subscription of a registration (stored encrypted, audited, refused field by field)."""

from __future__ import annotations

import json
import os
import re
import struct
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.db import connection
from django.test import Client

from consular.core.models import AuditEntry
from consular.notify.channels.webpush import b64url_encode, generate_vapid_keys
from consular.portal.pwa import ICON_SIZES, THEME_COLOR, icon_png
from consular.travel import services
from consular.travel.models import Registration
from tests.travel.travel_helpers import registration_in

STATIC = Path(__file__).resolve().parents[2] / "consular" / "portal" / "static" / "portal"
CSS = Path(__file__).resolve().parents[2] / "consular" / "core" / "static" / "consular" / "consular.css"
ENDPOINT = "https://fcm.googleapis.com/fcm/send/dQw4w9WgXcQ:APA91bH-example"


def browser_keys() -> dict[str, str]:
    """What a browser's PushSubscription holds: its P-256 public key and a 16-byte auth secret."""
    point = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return {"p256dh": b64url_encode(point), "auth": b64url_encode(os.urandom(16))}


def subscription(**changes: Any) -> dict[str, Any]:
    return {"endpoint": ENDPOINT, "expirationTime": None, "keys": browser_keys(), **changes}


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


# --- Manifest, icons, service worker, offline page ----------------------------------------------------------------

def test_manifest_in_chinese_by_default_and_english_on_request(client: Client) -> None:
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    data = json.loads(response.content)
    assert data["name"] == "领事保护与服务" and data["short_name"] and data["lang"] == "zh-hans"
    assert (data["start_url"], data["scope"], data["display"]) == ("/", "/", "standalone")
    # The colours are the portal's.
    assert f"--brand: {THEME_COLOR};" in CSS.read_text() and data["theme_color"] == THEME_COLOR
    assert data["background_color"] == "#ffffff"
    sizes = {icon["sizes"] for icon in data["icons"]}
    assert sizes == {"192x192", "512x512"} and {"any", "maskable"} <= {icon["purpose"] for icon in data["icons"]}
    for icon in data["icons"]:
        assert icon["type"] == "image/png"
        served = client.get(icon["src"])
        assert served.status_code == 200
        size = int(icon["sizes"].split("x")[0])
        assert png_size(b"".join(served.streaming_content)) == (size, size)  # type: ignore[attr-defined]

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = json.loads(client.get("/manifest.webmanifest").content)
    assert english["name"] == "Consular protection and services" and english["lang"] == "en"


def test_the_committed_icons_are_the_generators_output() -> None:
    for size in ICON_SIZES:
        committed = (STATIC / f"icon-{size}.png").read_bytes()
        assert png_size(committed) == (size, size)
        assert committed == icon_png(size), f"regenerate icon-{size}.png with consular.portal.pwa.icon_png"


def _worker_config(source: str) -> dict[str, Any]:
    match = re.search(r"^const CONFIG = (\{.*\});$", source, re.MULTILINE)
    assert match, "the worker's configuration line"
    return dict(json.loads(match[1]))


def test_service_worker_from_the_root_with_its_handlers(client: Client) -> None:
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert "no-cache" in response["Cache-Control"]
    source = response.content.decode()
    for handler in ("install", "activate", "fetch", "push", "notificationclick"):
        assert f'self.addEventListener("{handler}"' in source, handler
    # The push channel's payload: {"title", "body", "url", "lang", "tag"}; a click opens the url.
    assert "showNotification(title" in source and "data.url" in source and "openWindow(target.href)" in source
    config = _worker_config(source)
    assert "/offline/" in config["precache"] and config["offline"] == "/offline/"
    assert any(url.endswith("portal/icon-192.png") for url in config["precache"])
    # Personal pages are never kept; only public ones may be.
    assert {"/travel/", "/help/status/", "/console/", "/api/"} <= set(config["never"])
    assert not {"/travel/", "/help/status/"} & set(config["public"]) and "/" in config["public"]
    assert config["logout"] == "/logout/"
    # The version is the hash of the text: the same until the worker or the assets change.
    version = re.search(r'^const VERSION = "([0-9a-f]{12})";', source, re.MULTILINE)
    assert version and client.get("/sw.js").content.decode() == source


def test_offline_page_in_chinese_and_english_with_the_hotline(client: Client, citizen: Any) -> None:
    client.force_login(citizen)  # the page is the same for everyone: nothing about who is logged in
    response = client.get("/offline/")
    assert response.status_code == 200
    text = response.content.decode()
    hotline = settings.CONSULAR_DEPLOYMENT["hotline"]
    assert text.count(f">{hotline}</a>") == 2 and f'href="tel:{hotline}"' in text
    assert '<section lang="zh-hans"' in text and '<section lang="en"' in text
    assert "You are offline" in text and "领事保护与服务" in text
    assert citizen.username not in text and "csrfmiddlewaretoken" not in text
    assert "public" in response["Cache-Control"]


def test_every_page_links_the_manifest_and_registers_the_worker(client: Client) -> None:
    text = client.get("/").content.decode()
    assert '<link rel="manifest" href="/manifest.webmanifest">' in text
    assert f'<meta name="theme-color" content="{THEME_COLOR}">' in text
    assert re.search(r'<script src="/static/portal/pwa\.js" defer></script>', text)
    script = (STATIC / "pwa.js").read_text()
    assert 'navigator.serviceWorker.register("/sw.js", { scope: "/" })' in script
    assert "pushManager.subscribe" in script and "applicationServerKey" in script


# --- "Receive alerts on this phone" --------------------------------------------------------------------------------

@pytest.fixture
def vapid(settings: Any) -> str:
    private, public = generate_vapid_keys()
    settings.VAPID_PRIVATE_KEY = private
    return public


@pytest.fixture
def citizen(make_user: Any) -> Any:
    return make_user("citizen", username="li.lei")


@pytest.fixture
def trip(citizen: Any) -> Registration:
    return services.registration_create(actor=citizen, data=registration_in())


def test_my_trips_offers_push_only_with_a_vapid_key(client: Client, citizen: Any, trip: Registration,
                                                     settings: Any) -> None:
    client.force_login(citizen)
    settings.VAPID_PRIVATE_KEY = ""
    text = client.get("/travel/").content.decode()
    assert "consular-vapid-key" not in text and "data-push-url" not in text
    assert '<p class="hint push-optin__fallback">' in text and "data-push-action" not in text

    private, public = generate_vapid_keys()
    settings.VAPID_PRIVATE_KEY = private
    text = client.get("/travel/").content.decode()
    assert f'<meta name="consular-vapid-key" content="{public}">' in text
    assert f'data-push-url="/travel/{trip.pk}/push/"' in text
    assert f'data-push-remove-url="/travel/{trip.pk}/push/remove/"' in text
    # The buttons are hidden until the script finds Push supported; the sentence is there without JavaScript.
    assert '<div data-push-when="off" hidden><button type="button" class="button button--secondary" ' \
        'data-push-action="subscribe">' in text and "push-optin__fallback" in text


def _raw_column(registration: Registration) -> str:
    pk = Registration._meta.pk.get_db_prep_value(registration.pk, connection)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT push_subscription FROM {Registration._meta.db_table} WHERE id = %s", [pk])
        return str(cursor.fetchone()[0])


def test_subscribe_stores_it_encrypted_audited_and_adds_the_channel(
    client: Client, citizen: Any, trip: Registration, vapid: str
) -> None:
    client.force_login(citizen)
    sent = subscription()
    form = {"subscription": json.dumps(sent), "idempotency_key": "k" * 32}
    response = client.post(f"/travel/{trip.pk}/push/", form)
    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["subscribed"] is True and answer["channels"] == ["email", "sms", "push"] and answer["message"]
    trip.refresh_from_db()
    assert json.loads(trip.push_subscription) == {"endpoint": ENDPOINT, "keys": sent["keys"]}
    assert trip.channels == ["email", "sms", "push"]
    raw = _raw_column(trip)
    assert ENDPOINT not in raw and sent["keys"]["auth"] not in raw
    entry = AuditEntry.objects.get(action="registration.push_subscribe", object_id=str(trip.pk))
    assert entry.actor_id == citizen.pk and entry.data == {"host": "fcm.googleapis.com"}
    # The same request again (a double tap): the first answer, nothing written twice.
    again = client.post(f"/travel/{trip.pk}/push/", form)
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert AuditEntry.objects.filter(action="registration.push_subscribe").count() == 1
    # The list now says so.
    assert 'data-push-on="1"' in client.get("/travel/").content.decode()

    # Stop: the subscription is forgotten, the other channels stay.
    stop = client.post(f"/travel/{trip.pk}/push/remove/", {"idempotency_key": "s" * 32})
    assert stop.status_code == 200 and stop.json()["subscribed"] is False
    trip.refresh_from_db()
    assert trip.push_subscription == "" and trip.channels == ["email", "sms"]
    assert AuditEntry.objects.filter(action="registration.push_unsubscribe", object_id=str(trip.pk)).exists()


def test_unsubscribing_the_only_channel_falls_back_to_the_contacts(citizen: Any, vapid: str) -> None:
    data = registration_in(channels=["push"], contacts={"email": "li.lei@example.cn", "phone": "",
                                                        "push_subscription": json.dumps(subscription())})
    trip = services.registration_create(actor=citizen, data=data)
    assert trip.channels == ["push"]
    trip = services.registration_push_unsubscribe(actor=citizen, registration=trip)
    assert trip.channels == ["email"] and trip.push_subscription == ""


BAD = [
    ("{not json", "subscription"),
    ("[1, 2]", "subscription"),
    (json.dumps(subscription(endpoint="http://fcm.googleapis.com/fcm/send/x")), "subscription.endpoint"),
    (json.dumps(subscription(endpoint="https://push.evil.example/x")), "subscription.endpoint"),
    (json.dumps(subscription(endpoint="https://10.0.0.5/internal")), "subscription.endpoint"),
    (json.dumps({"keys": browser_keys()}), "subscription.endpoint"),
    (json.dumps(subscription(keys={**browser_keys(), "auth": b64url_encode(os.urandom(15))})),
     "subscription.keys.auth"),
    (json.dumps(subscription(keys={**browser_keys(), "p256dh": b64url_encode(os.urandom(64))})),
     "subscription.keys.p256dh"),
    (json.dumps(subscription(keys={**browser_keys(), "p256dh": b64url_encode(b"\x04" + bytes(64))})),
     "subscription.keys.p256dh"),
    (json.dumps(subscription(keys={**browser_keys(), "p256dh": "not base64!"})), "subscription.keys.p256dh"),
    (json.dumps(subscription(keys={"auth": browser_keys()["auth"]})), "subscription.keys.p256dh"),
    ("x" * 5000, "subscription"),
]


def test_a_bad_subscription_is_refused_on_its_field(
    client: Client, citizen: Any, trip: Registration, vapid: str
) -> None:
    client.force_login(citizen)
    for sent, field in BAD:
        response = client.post(f"/travel/{trip.pk}/push/", {"subscription": sent})
        assert response.status_code == 400, sent
        error = response.json()["error"]
        assert error["code"] == "invalid" and error["message"]
        assert list(error["fields"]) == [field], (sent, error)
        assert all(isinstance(text, str) and text for text in error["fields"][field])
    trip.refresh_from_db()
    assert trip.push_subscription == "" and "push" not in trip.channels
    assert not AuditEntry.objects.filter(action="registration.push_subscribe").exists()


def test_only_the_owner_may_subscribe(client: Client, citizen: Any, trip: Registration,
                                      make_user: Any, vapid: str) -> None:
    form = {"subscription": json.dumps(subscription())}
    anonymous = client.post(f"/travel/{trip.pk}/push/", form)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/login/?next=")
    client.force_login(make_user("citizen"))
    assert client.post(f"/travel/{trip.pk}/push/", form).status_code == 404
    assert client.post(f"/travel/{trip.pk}/push/remove/").status_code == 404
    client.force_login(make_user("hq_officer"))
    assert client.post(f"/travel/{trip.pk}/push/", form).status_code == 403
    client.force_login(citizen)
    assert client.get(f"/travel/{trip.pk}/push/").status_code == 405
    trip.refresh_from_db()
    assert trip.push_subscription == ""
    # A cancelled registration takes no new subscription.
    services.registration_cancel(actor=citizen, registration=trip)
    refused = client.post(f"/travel/{trip.pk}/push/", form)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "conflict"


def test_subscription_endpoint_needs_the_csrf_token(citizen: Any, trip: Registration, vapid: str) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(citizen)
    assert client.post(f"/travel/{trip.pk}/push/", {"subscription": json.dumps(subscription())}).status_code == 403

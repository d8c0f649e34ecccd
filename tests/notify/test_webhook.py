"""WebhookChannel against a local receiver that verifies the signature as the ministry's systems would."""

from __future__ import annotations

import json
from typing import Any

import pytest

from consular.notify.channels import ChannelNotConfigured, Message, Status, get_channel, signing
from consular.notify.channels.webhook import Target, WebhookChannel, targets_from_settings
from tests.notify.peer import Answer, Request, http_peer

WECHAT_SECRET = "wechat-secret-0123456789"


def receiver(known_secrets: list[str]) -> Any:
    def respond(request: Request) -> Answer:
        try:
            signing.verify(request.headers.get("consular-signature"), request.body, known_secrets)
        except signing.SignatureError:
            return Answer(400, b"bad signature")
        if request.path == "/redirect":
            return Answer(302, headers={"Location": "/elsewhere"})
        if request.path == "/elsewhere":
            return Answer(200)
        payload = json.loads(request.body)
        status = {"ok": 200, "busy": 429, "error": 503, "bad": 422}[payload["text"]]
        return Answer(status, b"", {"Retry-After": "12", "X-Request-Id": "r-1"} if status != 422 else {})
    return respond


def hook(target: str, text: str, key: str = "d-1") -> Message:
    return Message(channel="webhook", to=target, subject="安全提醒", text=text, idempotency_key=key,
                   url="https://consular.example.org/alerts/42", language="en")


def test_signed_delivery_and_retry_semantics() -> None:
    with http_peer(receiver([WECHAT_SECRET])) as peer:
        channel = WebhookChannel(targets={"wechat": Target("wechat", peer.url + "/in", [WECHAT_SECRET])})
        ok, busy, error, bad, unknown = channel.send_many(
            [hook("wechat:o6_bmjr", "ok", "d-1"), hook("wechat", "busy", "d-2"), hook("wechat", "error", "d-3"),
             hook("wechat", "bad", "d-4"), hook("weibo", "ok", "d-5")]
        )
    assert ok.status is Status.DELIVERED and ok.provider_id == "r-1"
    assert busy.status is Status.TEMPORARY_FAILURE and busy.retry_after == 12
    assert error.status is Status.TEMPORARY_FAILURE and error.retry_after == 12
    assert bad.status is Status.PERMANENT_FAILURE
    assert unknown.status is Status.PERMANENT_FAILURE and "unknown webhook target" in unknown.reason
    assert len(peer.requests) == 4
    first = peer.requests[0]
    assert first.headers["consular-event"] == "alert.message"
    assert first.headers["consular-delivery"] == first.headers["idempotency-key"] == "d-1"
    payload = json.loads(first.body)
    assert payload["id"] == "d-1" and payload["target"] == "wechat" and payload["recipient"] == "o6_bmjr"
    assert payload["url"].endswith("/alerts/42")
    assert json.loads(peer.requests[1].body)["recipient"] == ""


def test_wrong_secret_is_refused_by_the_receiver() -> None:
    with http_peer(receiver([WECHAT_SECRET])) as peer:
        channel = WebhookChannel(targets={"wechat": Target("wechat", peer.url, ["another-secret"])})
        outcome = channel.send(hook("wechat", "ok"))
    assert outcome.status is Status.PERMANENT_FAILURE and "bad signature" in outcome.reason


def test_rotation_signs_with_every_secret_so_old_receivers_still_verify() -> None:
    with http_peer(receiver([WECHAT_SECRET])) as peer:  # the receiver has not been given the new secret yet
        channel = WebhookChannel(targets={"wechat": Target("wechat", peer.url, ["new-secret", WECHAT_SECRET])})
        outcome = channel.send(hook("wechat", "ok"))
        header = peer.requests[0].headers["consular-signature"]
    assert outcome.status is Status.DELIVERED
    assert header.count("v1=") == 2


def test_redirects_are_not_followed() -> None:
    with http_peer(receiver([WECHAT_SECRET])) as peer:
        channel = WebhookChannel(targets={"wechat": Target("wechat", peer.url + "/redirect", [WECHAT_SECRET])})
        outcome = channel.send(hook("wechat", "ok"))
    assert outcome.status is Status.PERMANENT_FAILURE and "302" in outcome.reason
    assert [r.path for r in peer.requests] == ["/redirect"]


def test_unreachable_target_is_temporary() -> None:
    with http_peer(receiver([])) as peer:
        url = peer.url
    outcome = WebhookChannel(targets={"app": Target("app", url, ["s"])}).send(hook("app", "ok"))
    assert outcome.status is Status.TEMPORARY_FAILURE


def test_targets_from_settings(settings: Any) -> None:
    settings.WEBHOOK_TARGETS = {"wechat": {"url": "https://hooks.example.org/wechat", "secrets": ["a", "b"]}}
    channel = get_channel("webhook")
    assert isinstance(channel, WebhookChannel)
    assert channel.targets["wechat"] == Target("wechat", "https://hooks.example.org/wechat", ["a", "b"])
    with pytest.raises(ChannelNotConfigured, match="SECRET_WEIBO"):
        targets_from_settings({"weibo": {"url": "https://hooks.example.org/weibo", "secrets": []}})
    with pytest.raises(ChannelNotConfigured, match="URL"):
        targets_from_settings({"app": {"url": "ftp://x", "secrets": ["s"]}})

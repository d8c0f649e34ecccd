"""Outbound webhooks to the ministry's other channels (WeChat, Weibo, the app, video accounts).

`Message.to` names a target of CONSULAR_WEBHOOK_TARGETS (`wechat=https://…,weibo=https://…`), optionally with
the person's id on that channel after a colon (`wechat:o6_bmjrPTlm6_2sgVt7hMZOPfL2M`, sent as `recipient`;
without one the message is a broadcast). Each target has its own secret (CONSULAR_WEBHOOK_SECRET_<NAME>,
comma-separated newest first during a rotation).

    POST <target url>
    Content-Type: application/json
    Consular-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>[,v1=…]   (signing.py)
    Consular-Event: alert.message
    Consular-Delivery: <delivery id>
    Idempotency-Key: <delivery id>    (the same on every retry: receivers drop repeats)

    {"id": "<delivery id>", "event": "alert.message", "target": "wechat", "recipient": "<id>" or "",
     "subject": "...", "text": "...", "html": "...", "url": "...", "language": "zh-hans",
     "created": <unix seconds of this attempt>}

Answers: 2xx → `delivered`; 429, 5xx, 401/403/408, timeouts → `temporary_failure` (Retry-After honoured);
other 3xx/4xx → `permanent_failure`. Redirects are not followed.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from consular.notify.channels import signing
from consular.notify.channels.base import Channel, ChannelNotConfigured, Message, Outcome
from consular.notify.channels.transport import TransportError, classify, post

EVENT = "alert.message"


@dataclass(frozen=True)
class Target:
    name: str
    url: str
    secrets: list[str] = field(default_factory=list)


def targets_from_settings(config: Mapping[str, Mapping[str, Any]]) -> dict[str, Target]:
    targets: dict[str, Target] = {}
    for name, entry in config.items():
        url = str(entry.get("url", ""))
        secrets = [str(secret) for secret in entry.get("secrets", []) or []]
        if not url.startswith(("https://", "http://")):
            raise ChannelNotConfigured(f"CONSULAR_WEBHOOK_TARGETS: {name} needs an http(s) URL")
        if not secrets:
            raise ChannelNotConfigured(f"CONSULAR_WEBHOOK_SECRET_{name.upper()} is required")
        targets[name] = Target(name, url, secrets)
    return targets


class WebhookChannel(Channel):
    name = "webhook"

    def __init__(self, *, targets: Mapping[str, Target] | None = None, timeout: float | None = None) -> None:
        self.targets = dict(targets_from_settings(settings.WEBHOOK_TARGETS) if targets is None else targets)
        self.timeout = settings.CHANNEL_TIMEOUT_SECONDS if timeout is None else timeout

    def body(self, message: Message, *, created: int) -> bytes:
        payload = {
            "id": message.idempotency_key,
            "event": EVENT,
            "target": message.to.partition(":")[0],
            "recipient": message.to.partition(":")[2],
            "subject": message.subject,
            "text": message.text,
            "html": message.html,
            "url": message.url,
            "language": message.language,
            "created": created,
        }
        return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()

    def send(self, message: Message) -> Outcome:
        name = message.to.partition(":")[0]
        target = self.targets.get(name)
        if target is None:
            return Outcome.permanent(f"unknown webhook target: {name}")
        now = int(time.time())
        body = self.body(message, created=now)
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            signing.SIGNATURE_HEADER: signing.sign(target.secrets, body, timestamp=now),
            "Consular-Event": EVENT,
            "Consular-Delivery": message.idempotency_key,
            "Idempotency-Key": message.idempotency_key,
        }
        try:
            response = post(target.url, body, headers, timeout=self.timeout)
        except TransportError as error:
            return Outcome.temporary(f"webhook {target.name} unreachable: {error}")
        failure = classify(response)
        if failure is not None:
            return failure
        return Outcome.delivered(response.headers.get("x-request-id", ""))

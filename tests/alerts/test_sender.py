"""The sending loop against a real SMTP server (aiosmtpd): every email delivery sent once with its personal
check-in link in the reader's language; an unconfigured channel waits; a refused recipient fails, a deferred
one is retried later; and a worker process killed in the middle of a batch, then started again, leaves every
message delivered exactly once, counted at the SMTP server."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import threading
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.db import connection
from django.utils import timezone

from consular.alerts.deliveries import delivery_for_token
from consular.alerts.models import Delivery
from consular.alerts.sender import deliveries_send, message_for
from tests.alerts.alert_helpers import published, register
from tests.smtp import Inbox, free_port, smtp_server, use_smtp

ROOT = Path(__file__).resolve().parents[2]
LINK = re.compile(r"/checkin/([0-9]+\.[A-Za-z0-9_-]+)/")


def _text(message: Message) -> str:
    part = message.get_body(preferencelist=("plain",)) if hasattr(message, "get_body") else None
    payload = (part or message).get_payload(decode=True)
    return payload.decode("utf-8") if isinstance(payload, bytes) else str(payload)


@pytest.mark.django_db
def test_each_email_delivery_is_sent_once_with_its_personal_link(roles, make_user, settings):
    citizen = roles["citizen"]
    register(citizen, [{"country": "TH"}], channels=["email"], email="zh@example.org")
    register(citizen, [{"country": "TH"}], channels=["email", "sms"], email="en@example.org", language="en")
    settings.SMS_GATEWAY_URL = ""  # SMS not configured: its delivery waits
    result = published(roles["hq_officer"], make_user("hq_officer"))
    with smtp_server() as (inbox, port):
        use_smtp(settings, port)
        report = deliveries_send()
        again = deliveries_send()
    assert report.claimed == 2 and report.by_outcome == {"delivered": 2} and again.claimed == 0
    assert sorted(r[0] for r in inbox.recipients) == ["en@example.org", "zh@example.org"]
    by_address = {r[0]: m for r, m in zip(inbox.recipients, inbox.messages, strict=True)}
    zh, en = _text(by_address["zh@example.org"]), _text(by_address["en@example.org"])
    assert "曼谷市中心发生抗议活动" in zh and "请告诉我们" in zh and result.alert.reference in zh
    assert "Protests in central Bangkok" in en and "Tell us whether you are safe" in en
    for address, text in (("zh@example.org", zh), ("en@example.org", en)):
        token = LINK.search(text)
        assert token, text
        delivery = delivery_for_token(token.group(1))
        assert delivery is not None and delivery.registration is not None
        assert delivery.registration.email == address and delivery.status == "delivered"
    assert Delivery.objects.get(channel="sms").status == "pending"  # left for when SMS is configured


class _Picky(Inbox):
    """Refuses one address for good (550) and defers another (451)."""

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address.startswith("gone@"):
            return "550 5.1.1 No such user"
        if address.startswith("later@"):
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.mark.django_db
def test_refused_recipients_fail_and_deferred_ones_wait_for_a_retry(roles, make_user, settings):
    citizen = roles["citizen"]
    for address in ("gone@example.org", "later@example.org", "ok@example.org"):
        register(citizen, [{"country": "TH"}], channels=["email"], email=address)
    published(roles["hq_officer"], make_user("hq_officer"))
    with smtp_server(_Picky()) as (inbox, port):
        use_smtp(settings, port)
        report = deliveries_send()
    assert report.by_outcome == {"permanent": 1, "temporary": 1, "delivered": 1}
    rows = {d.registration.email: d for d in Delivery.objects.select_related("registration")}
    assert rows["gone@example.org"].status == "failed" and "550" in rows["gone@example.org"].last_error
    later = rows["later@example.org"]
    assert later.status == "pending" and later.attempts == 1 and later.next_attempt_at > timezone.now()
    assert rows["ok@example.org"].status == "delivered"
    assert len(inbox.messages) == 1


def test_a_message_without_its_contact_is_suppressed(roles, make_user, db):
    registration = register(roles["citizen"], [{"country": "TH"}], channels=["email"], email="x@example.org")
    published(roles["hq_officer"], make_user("hq_officer"))
    registration.email = ""  # purged or changed since the fan-out
    registration.save(update_fields=["email"])
    delivery = Delivery.objects.get()
    assert message_for(delivery).to == ""
    report = deliveries_send(channels=["email"])
    assert report.by_outcome == {"suppressed": 1}
    assert Delivery.objects.get().status == "suppressed"


class _Stalling(Inbox):
    """Counts accepted messages; at the `stall_at`-th recipient it signals and holds the session until the
    test has killed the client, so the kill always falls inside an SMTP transaction (never accepted)."""

    def __init__(self, stall_at: int) -> None:
        super().__init__()
        self.stall_at, self.seen = stall_at, 0
        self.stalled, self.killed = threading.Event(), threading.Event()

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        self.seen += 1
        if self.seen == self.stall_at:
            self.stalled.set()
            while not self.killed.is_set():
                await asyncio.sleep(0.02)
            return "421 4.3.0 Closing"
        envelope.rcpt_tos.append(address)
        return "250 OK"


_WORKER = """
import time
import django
django.setup()
from consular.alerts.models import Delivery
from consular.alerts.sender import deliveries_send
deadline = time.monotonic() + 90
while time.monotonic() < deadline:
    deliveries_send(channels=["email"], batch_size=4)
    if not Delivery.objects.filter(channel="email", status__in=["pending", "sending"]).exists():
        break
    time.sleep(0.2)
"""


def _worker(port: int) -> subprocess.Popen[bytes]:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        url = f"sqlite:///{db['NAME']}"
    else:
        url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "CONSULAR_DATABASE_URL": url,
           "CONSULAR_EMAIL_URL": f"smtp://127.0.0.1:{port}", "CONSULAR_ALERTS_DELIVERY_LEASE_SECONDS": "1",
           "CONSULAR_ALERTS_DELIVERY_BACKOFF_SECONDS": "1"}
    return subprocess.Popen([sys.executable, "-c", _WORKER], cwd=ROOT, env=env)


def test_a_worker_killed_mid_batch_and_restarted_delivers_each_message_once(roles, make_user, transactional_db):
    citizen = roles["citizen"]
    addresses = [f"p{i}@example.org" for i in range(10)]
    for address in addresses:
        register(citizen, [{"country": "TH"}], channels=["email"], email=address)
    published(roles["hq_officer"], make_user("hq_officer"))
    connection.close()  # the worker processes write; this one only reads afterwards
    inbox, port = _Stalling(stall_at=6), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        first = _worker(port)
        assert inbox.stalled.wait(60), "the worker never reached the sixth message"
        first.send_signal(signal.SIGKILL)  # mid-batch: message 6 is in an SMTP transaction, not accepted
        first.wait(10)
        inbox.killed.set()
        delivered_before = len(inbox.messages)
        second = _worker(port)  # the killed batch is claimed again once its lease (1 s) has passed
        assert second.wait(120) == 0
    finally:
        controller.stop()
    assert delivered_before == 5
    sent = sorted(r[0] for r in inbox.recipients)
    assert sent == sorted(addresses)  # each exactly once, counted at the SMTP server
    message_ids = {m["Message-ID"] for m in inbox.messages}
    assert len(message_ids) == len(addresses)
    assert set(Delivery.objects.values_list("status", flat=True)) == {"delivered"}

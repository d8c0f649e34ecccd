"""Inputs a reviewer found to break the public alert endpoints (a Unicode digit where a number is expected, an
alert valid until the year 9999, a NUL in a country code), and deliveries that must not go out any more."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from consular.alerts.deliveries import deliveries_claim
from consular.alerts.models import Delivery
from consular.alerts.sender import deliveries_send
from consular.notify.channels import Message, Outcome
from consular.notify.channels.base import Channel
from tests.alerts.alert_helpers import alert_body, published, register

pytestmark = pytest.mark.django_db


def test_unicode_digits_are_not_numbers(client, roles, make_user):
    result = published(roles["hq_officer"], make_user("hq_officer"))
    for path in ("/checkin/%C2%B2.abc/", "/checkin/1%C2%B2.abc/"):
        assert client.get(path).status_code == 404, path
    assert client.post("/api/v1/checkins/%C2%B2.abc", {"status": "safe"},
                       content_type="application/json").status_code == 404
    cap = f"/feeds/cap/{result.alert.reference}.xml"
    assert client.get(cap).status_code == 200
    assert client.get(cap + "?edition=%C2%B2").status_code == 404
    for code in ("T%00", "THA", "1A"):
        assert client.get(f"/feeds/alerts/{code}.atom").status_code == 404, code
        assert client.get(f"/alerts/{code}/").status_code == 404, code


def test_an_edition_is_valid_for_at_most_a_year(api, roles):
    hq = api(roles["hq_officer"])
    forever = alert_body(valid_until="9999-12-30T00:00:00Z")
    answer = hq.post("/api/v1/alerts", forever, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == 400 and "at most 366 days" in answer.json()["error"]["fields"]["valid_until"][0]
    long_ago = alert_body(valid_from=(timezone.now() - datetime.timedelta(days=400)).isoformat())
    assert hq.post("/api/v1/alerts", long_ago, format="json").status_code == 400


class _Counting(Channel):
    name = "email"

    def __init__(self) -> None:
        self.sent: list[Message] = []

    def send(self, message: Message) -> Outcome:
        self.sent.append(message)
        return Outcome.delivered("x")


def test_deliveries_of_a_cancelled_registration_or_a_given_up_channel_are_not_sent(roles, make_user):
    citizen = roles["citizen"]
    cancelled = register(citizen, [{"country": "TH"}], channels=["email"], email="gone@example.org")
    gave_up = register(citizen, [{"country": "TH"}], channels=["email", "sms"], email="quiet@example.org")
    kept = register(citizen, [{"country": "TH"}], channels=["email"], email="kept@example.org")
    published(roles["hq_officer"], make_user("hq_officer"))
    cancelled.state = "cancelled"
    cancelled.save(update_fields=["state"])
    gave_up.channels = ["sms"]
    gave_up.save(update_fields=["channels"])
    email = _Counting()
    deliveries_send(channels=["email"], adapters={"email": email})
    assert [m.to for m in email.sent] == [kept.email]
    rows = {d.registration_id: d for d in Delivery.objects.filter(channel="email")}
    assert (rows[cancelled.pk].status, rows[cancelled.pk].last_error) == ("suppressed", "registration_cancelled")
    assert (rows[gave_up.pk].status, rows[gave_up.pk].last_error) == ("suppressed", "channel_given_up")
    assert not deliveries_claim(batch_size=10, channels=["email"])


def test_an_sms_receipt_with_a_unicode_digit_reference_names_nothing(client, roles, make_user, settings):
    import json

    from consular.notify.channels import signing

    settings.SMS_GATEWAY_SECRETS = ["s"]
    raw = json.dumps({"id": "gw-1", "reference": "²", "status": "failed"}).encode()
    answer = client.post("/api/v1/sms/receipts", raw, content_type="application/json",
                         HTTP_CONSULAR_SIGNATURE=signing.sign(["s"], raw))
    assert answer.status_code == 200 and answer.json() == {"applied": False}

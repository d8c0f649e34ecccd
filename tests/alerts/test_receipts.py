"""SMS delivery receipts through `POST /api/v1/sms/receipts`: signed by the gateway, they settle what became of
a message the gateway accepted; anything unsigned, stale or naming another delivery changes nothing."""

from __future__ import annotations

import json
import time

import pytest

from consular.alerts.deliveries import delivery_result
from consular.alerts.models import Delivery
from consular.notify.channels import signing
from tests.alerts.alert_helpers import published, register

pytestmark = pytest.mark.django_db
SECRET = "gateway-secret-for-tests"
URL = "/api/v1/sms/receipts"


@pytest.fixture
def sms(roles, make_user, settings):
    settings.SMS_GATEWAY_SECRETS = [SECRET]
    register(roles["citizen"], [{"country": "TH"}], channels=["sms"])
    published(roles["hq_officer"], make_user("hq_officer"))
    delivery = Delivery.objects.get(channel="sms")
    delivery_result(delivery=delivery, outcome="delivered", provider_id="gw-42")  # accepted by the gateway
    return delivery


def _post(client, body: dict, *, secret: str = SECRET, timestamp: int | None = None):
    raw = json.dumps(body).encode()
    header = signing.sign([secret], raw, timestamp=timestamp)
    return client.post(URL, raw, content_type="application/json", HTTP_CONSULAR_SIGNATURE=header)


def test_a_failure_receipt_fails_the_delivery_once(client, sms):
    receipt = {"id": "gw-42", "reference": str(sms.pk), "status": "undeliverable", "reason": "handset off"}
    first = _post(client, receipt)
    assert first.status_code == 200 and first.json() == {"applied": True}
    row = Delivery.objects.get(pk=sms.pk)
    assert row.status == "failed" and row.last_error == "receipt: handset off"
    again = _post(client, receipt)
    assert again.json() == {"applied": True} and Delivery.objects.get(pk=sms.pk).updated_at == row.updated_at


def test_intermediate_and_delivered_receipts_keep_it_delivered(client, sms):
    for status in ("queued", "delivered"):
        answer = _post(client, {"id": "gw-42", "reference": str(sms.pk), "status": status})
        assert answer.json() == {"applied": True}
        assert Delivery.objects.get(pk=sms.pk).status == "delivered"


def test_receipts_that_must_not_be_trusted_change_nothing(client, sms):
    failed = {"id": "gw-42", "reference": str(sms.pk), "status": "failed"}
    assert _post(client, failed, secret="guessed").status_code == 401
    assert _post(client, failed, timestamp=int(time.time()) - 3600).status_code == 401  # a replay, too old
    unsigned = client.post(URL, json.dumps(failed), content_type="application/json")
    assert unsigned.status_code == 401 and unsigned.json()["error"]["code"] == "not_authenticated"
    other = _post(client, {**failed, "id": "gw-99"})  # another message id: not this delivery
    assert other.json() == {"applied": False}
    assert _post(client, {**failed, "reference": "not-a-number"}).json() == {"applied": False}
    bad = client.post(URL, b"[]", content_type="application/json",
                      HTTP_CONSULAR_SIGNATURE=signing.sign([SECRET], b"[]"))
    assert bad.status_code == 400 and "body" in bad.json()["error"]["fields"]
    assert Delivery.objects.get(pk=sms.pk).status == "delivered"

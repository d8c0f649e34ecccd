"""Answers by SMS against spoofed senders: "safe" only with its code (`code_required`), "need help" without one
still accepted; wrong codes from one number lock its codes for an hour (`locked`, answered once), "need help"
still works; registrations sharing a number are told apart in the lists of codes, and a lone "need help" for one
alert to them all is one call for help."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache

from consular.alerts.deliveries import deliveries_claim
from consular.alerts.models import CheckIn, Delivery, SmsReply
from consular.alerts.sms_replies import LOCK_SECONDS, WRONG_CODES_MAX, _lock_key, reply_locked
from consular.cases.models import Case
from consular.core.crypto import keyed_hash
from consular.core.models import AuditEntry
from consular.incidents.models import AffectedPerson
from consular.travel.models import TripLeg
from tests.alerts.test_sms_replies import FROM, OTHER, SECRET, _publish, _sent, _sms, _traveller

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def gateway_secret(settings: Any) -> None:
    settings.SMS_GATEWAY_SECRETS = [SECRET]


@pytest.fixture
def officers(roles: dict[str, Any], make_user: Any) -> dict[str, Any]:
    return {"author": roles["hq_officer"], "approver": make_user("hq_officer")}


def _wrong(*deliveries: Delivery) -> list[str]:
    """Codes that are none of these deliveries' codes (nor glued readings of them)."""
    taken = {d.reply_code for d in deliveries}
    return [c for c in (str(n) for n in range(5000, 5100)) if c not in taken][:WRONG_CODES_MAX + 2]


# --- "safe" needs the code ------------------------------------------------------------------------------------------

def test_a_lone_safe_is_refused_and_answered_with_the_code(roles: dict[str, Any], officers: dict[str, Any],
                                                           api: Any) -> None:
    from consular.cases.services import Location
    from tests.incidents.incident_helpers import open_incident

    incident = open_incident(roles["hq_officer"], kind="natural_disaster", title="Flood in Bangkok",
                             location=Location(country="TH", subdivision="TH-10", city="Bangkok"), missions=[])
    delivery = _sent(_traveller(roles["citizen"], language="en"),
                     _publish(officers, incident=str(incident.pk)).alert)

    for text in ("1", "SAFE", "ok 在酒店", "平安"):
        assert _sms(api(), text).json() == {"status": "code_required"}
    assert not CheckIn.objects.exists() and not AffectedPerson.objects.exists()
    reply = SmsReply.objects.latest("id")
    assert reply.answer.startswith(f'Please reply 1 and the code from the alert, e.g. "1 {delivery.reply_code}"')
    assert f"{delivery.alert.reference}: {delivery.reply_code}" in reply.answer
    assert reply.delivery_id == delivery.pk and reply.checkin_id is None
    assert AuditEntry.objects.filter(action="alert.sms_reply", data__outcome="code_required").count() == 4

    # With the code it is recorded; a lone "need help" is too (a false one costs a call-back, a missed one a life).
    assert _sms(api(), f"1 {delivery.reply_code}").json() == {"status": "recorded"}
    assert AffectedPerson.objects.get(incident=incident).status == "safe"
    assert _sms(api(), "2").json() == {"status": "recorded"}
    assert CheckIn.objects.filter(status="need_help").count() == 1 and Case.objects.count() == 1


def test_a_lone_safe_with_two_alerts_lists_both_codes(roles: dict[str, Any], officers: dict[str, Any],
                                                      api: Any) -> None:
    registration = _traveller(roles["citizen"])
    first = _sent(registration, _publish(officers).alert)
    second = _sent(registration, _publish(officers).alert)

    assert _sms(api(), "平安").json() == {"status": "code_required"}
    answer = SmsReply.objects.get().answer
    assert first.reply_code in answer and second.reply_code in answer and not CheckIn.objects.exists()


def test_a_lone_safe_after_the_alert_ended_is_expired(roles: dict[str, Any], officers: dict[str, Any], api: Any,
                                                      settings: Any) -> None:
    import datetime

    from django.utils import timezone

    from consular.alerts.models import Alert

    registration = _traveller(roles["citizen"])
    result = _publish(officers)
    _sent(registration, result.alert)
    long_ago = timezone.now() - datetime.timedelta(hours=settings.ALERTS_CHECKIN_GRACE_HOURS + 1)
    Alert.objects.filter(pk=result.alert.pk).update(state="cancelled", cancelled_at=long_ago)
    assert _sms(api(), "1").json() == {"status": "expired"}


# --- Wrong codes lock the number's codes ----------------------------------------------------------------------------

def test_wrong_codes_lock_the_number_but_not_a_call_for_help(roles: dict[str, Any], officers: dict[str, Any],
                                                            api: Any, settings: Any,
                                                            django_capture_on_commit_callbacks: Any) -> None:
    settings.SMS_GATEWAY_URL = ""
    registration, elsewhere = _traveller(roles["citizen"], language="en"), _traveller(roles["citizen"], phone=OTHER)
    delivery = _sent(registration, _publish(officers).alert)
    other = _sent(elsewhere)
    wrong = _wrong(delivery, other)
    client = api()

    with django_capture_on_commit_callbacks() as queued:
        # A code of another number is a wrong code too.
        for code in [*wrong[:WRONG_CODES_MAX - 1], other.reply_code]:
            assert _sms(client, f"1 {code}").json() == {"status": "not_understood"}
        assert reply_locked(keyed_hash(FROM, kind="phone"))
        # Then even the right code is refused, typed in any form ...
        for text in (f"1 {delivery.reply_code}", f"{delivery.reply_code} 平安", f"1{delivery.reply_code}",
                     delivery.reply_code, f"1 {wrong[-1]}"):
            assert _sms(client, text).json() == {"status": "locked"}, text
    assert not CheckIn.objects.exists()
    locked = SmsReply.objects.filter(outcome="locked")
    # ... answered once, with the hotline, although the hourly answers were all used.
    assert len(queued) == WRONG_CODES_MAX + 1
    assert [r.answer_status for r in locked] == ["pending"] + ["skipped"] * 4
    assert settings.CONSULAR_DEPLOYMENT["hotline"] in locked.first().answer  # type: ignore[union-attr]
    assert locked.first().answer.startswith("Too many wrong codes")  # type: ignore[union-attr]

    # "Need help" still works: with its code, glued to it, or alone.
    assert _sms(client, f"2 {delivery.reply_code} 被困").json() == {"status": "recorded"}
    assert _sms(client, f"{delivery.reply_code}2").json() == {"status": "recorded"}
    assert _sms(client, "help").json() == {"status": "recorded"}
    assert CheckIn.objects.filter(status="need_help").count() == 3 and Case.objects.count() == 1

    # The other number is not locked; the lock lasts an hour.
    assert _sms(client, f"1 {other.reply_code}", phone=OTHER).json() == {"status": "recorded"}
    assert LOCK_SECONDS == 3600
    cache.delete(_lock_key(keyed_hash(FROM, kind="phone")))  # the hour has passed
    assert _sms(client, f"1 {delivery.reply_code}").json() == {"status": "recorded"}


def test_fewer_wrong_codes_do_not_lock_and_right_codes_never_count(roles: dict[str, Any], officers: dict[str, Any],
                                                                   api: Any) -> None:
    delivery = _sent(_traveller(roles["citizen"]), _publish(officers).alert)
    wrong = _wrong(delivery)
    client = api()
    for code in wrong[:WRONG_CODES_MAX - 1]:
        assert _sms(client, f"1 {code}").json() == {"status": "not_understood"}
    for _ in range(3):  # right codes and lone answers are no guesses
        assert _sms(client, f"2 {delivery.reply_code}").json() == {"status": "recorded"}
        assert _sms(client, "1").json() == {"status": "code_required"}
    assert _sms(client, f"1 {delivery.reply_code}").json() == {"status": "recorded"}
    assert not reply_locked(keyed_hash(FROM, kind="phone"))


def test_a_gateway_retry_of_a_wrong_code_counts_once(roles: dict[str, Any], officers: dict[str, Any],
                                                     api: Any) -> None:
    delivery = _sent(_traveller(roles["citizen"]), _publish(officers).alert)
    wrong = _wrong(delivery)[0]
    for _ in range(WRONG_CODES_MAX + 1):
        assert _sms(api(), f"1 {wrong}", gateway_id="gw-same").json() == {"status": "not_understood"}
    assert _sms(api(), f"1 {delivery.reply_code}").json() == {"status": "recorded"}


# --- Registrations sharing a number ---------------------------------------------------------------------------------

def _shared(roles: dict[str, Any], make_user: Any) -> tuple[Any, Any]:
    """Two registrations (a family's) with the same phone number, in two cities."""
    first, second = _traveller(roles["citizen"]), _traveller(make_user("citizen"))
    TripLeg.objects.filter(registration=first).update(city="Bangkok")
    TripLeg.objects.filter(registration=second).update(city="Pattaya")
    return first, second


def test_a_shared_number_is_asked_for_a_code_named_by_place(roles: dict[str, Any], officers: dict[str, Any],
                                                            make_user: Any, api: Any) -> None:
    first, second = _shared(roles, make_user)
    alert = _publish(officers).alert
    deliveries_claim(batch_size=100)
    mine = {d.registration_id: d for d in Delivery.objects.filter(alert=alert, channel="sms")}
    assert len({d.reply_code for d in mine.values()}) == 2

    assert _sms(api(), "1").json() == {"status": "code_required"}
    answer = SmsReply.objects.get().answer
    reference = alert.reference
    assert f"{reference} (Bangkok): {mine[first.pk].reply_code}" in answer
    assert f"{reference} (Pattaya): {mine[second.pk].reply_code}" in answer
    assert "王" not in answer and "WANG" not in answer  # no name

    # With a code, only that person is recorded safe.
    assert _sms(api(), f"1 {mine[second.pk].reply_code}").json() == {"status": "recorded"}
    assert list(CheckIn.objects.values_list("delivery__registration", "status")) == [(second.pk, "safe")]


def test_a_lone_call_for_help_from_a_shared_number_is_one_call(roles: dict[str, Any], officers: dict[str, Any],
                                                              make_user: Any, api: Any) -> None:
    _shared(roles, make_user)
    alert = _publish(officers).alert
    deliveries_claim(batch_size=100)

    assert _sms(api(), "2 水到二楼").json() == {"status": "recorded"}
    checkin = CheckIn.objects.get()
    assert checkin.delivery_id == Delivery.objects.filter(alert=alert, channel="sms").latest("id").pk
    assert Case.objects.count() == 1

    # Two alerts to the shared number: "need help" alone is recorded on the newest message; "safe" alone gets the
    # list of codes, each alert named by its trip's place.
    second_alert = _publish(officers).alert
    deliveries_claim(batch_size=100)
    assert _sms(api(), "2").json() == {"status": "recorded"}
    assert CheckIn.objects.filter(delivery__alert=second_alert, status="need_help").count() == 1
    assert _sms(api(), "1").json() == {"status": "code_required"}
    answer = SmsReply.objects.latest("id").answer
    assert f"{second_alert.reference} (Bangkok)" in answer and f"{second_alert.reference} (Pattaya)" in answer

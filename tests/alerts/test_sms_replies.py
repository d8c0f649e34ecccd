"""Answering an alert by SMS reply code: the code in each alert SMS (within the segment budget), the gateway's
signed inbound callback `POST /api/v1/sms/inbound`, the reply forms understood ("1 4821", "4821 2", words, a lone
answer), a lone call for help, unknown, foreign and expired codes, the gateway's retries, "safe" reaching the incident
registry and "need help" opening a case as through the link, and the answer SMS received by a local gateway."""

from __future__ import annotations

import datetime
import itertools
import json
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone

from consular.alerts.checkins import checkins_purge
from consular.alerts.deliveries import deliveries_claim
from consular.alerts.models import Alert, CheckIn, Delivery, SmsReply
from consular.alerts.sender import SMS_MAX_SEGMENTS, message_for
from consular.alerts.services import alert_approve, alert_edition_add, alert_publish
from consular.alerts.sms_replies import ANSWERS_PER_HOUR, reply_parse
from consular.cases.models import Case
from consular.core.audit import audit_record
from consular.core.crypto import keyed_hash
from consular.core.models import AuditEntry
from consular.core.system import SystemActor
from consular.incidents.models import AffectedPerson
from consular.notify.channels import signing
from consular.notify.channels.sms import is_gsm7, segments
from tests.alerts.alert_helpers import alert_in, published, register
from tests.notify.peer import Answer, Request, http_peer

pytestmark = pytest.mark.django_db
SECRET = "gateway-secret-for-tests"
URL = "/api/v1/sms/inbound"
PHONE = "+66 81 000 0000"  # as registered
FROM = "+66810000000"  # as the gateway reports the sender
OTHER = "+66819999999"
_ids = itertools.count(1)


@pytest.fixture(autouse=True)
def gateway_secret(settings):
    settings.SMS_GATEWAY_SECRETS = [SECRET]


@pytest.fixture
def officers(roles, make_user):
    return {"author": roles["hq_officer"], "approver": make_user("hq_officer")}


def _publish(officers: dict[str, Any], **overrides: Any) -> Any:
    return published(officers["author"], officers["approver"], **overrides)


def _traveller(owner: Any, *, phone: str = PHONE, language: str = "zh-hans", consent: bool = True) -> Any:
    registration = register(owner, [{"country": "TH", "subdivision": "TH-10", "lat": 13.75, "lon": 100.5}],
                            channels=["sms"], phone=phone, language=language)
    registration.name_zh, registration.name_latin = "王建国", "WANG JIANGUO"
    registration.birth_date = datetime.date(1961, 3, 2)
    registration.passport_number = "E12345678"
    registration.consent_share_with_incident = consent
    registration.save()
    return registration


def _sent(registration: Any, alert: Any | None = None) -> Delivery:
    """Claim (as the sender does: the reply code is given then) and return the SMS delivery."""
    deliveries_claim(batch_size=100)
    rows = Delivery.objects.filter(registration=registration, channel="sms")
    if alert is not None:
        rows = rows.filter(alert=alert)
    return rows.latest("id")


def _post(client: Any, body: Any, *, secret: str = SECRET, timestamp: int | None = None) -> Any:
    raw = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    return client.post(URL, raw, content_type="application/json",
                       HTTP_CONSULAR_SIGNATURE=signing.sign([secret], raw, timestamp=timestamp))


def _sms(client: Any, text: str, *, phone: str = FROM, gateway_id: str | None = None) -> Any:
    body = {"id": gateway_id or f"gw-in-{next(_ids)}", "from": phone, "text": text,
            "received_at": timezone.now().isoformat()}
    return _post(client, body)


# --- The code in the SMS ------------------------------------------------------------------------------------------

def test_each_sms_carries_a_code_unique_for_its_number_within_the_segment_budget(roles, officers):
    registration = _traveller(roles["citizen"])
    email_only = register(roles["citizen"], [{"country": "TH"}], channels=["email"])
    first = _sent(registration, _publish(officers).alert)
    second = _sent(registration, _publish(officers).alert)

    assert first.reply_code.isdigit() and len(first.reply_code) == 4 and first.reply_code != second.reply_code
    assert first.phone_hash == keyed_hash(FROM, kind="phone") == second.phone_hash
    assert set(Delivery.objects.filter(registration=email_only).values_list("reply_code", flat=True)) == {""}
    text = message_for(first).text
    assert f"(代码{first.reply_code})" in text and "/checkin/" in text and text.startswith("曼谷市中心发生抗议活动")
    assert segments(text) <= 3

    # A long Chinese headline is shortened; the code and the link never are.
    first.edition.headline_zh = "曼谷" * 100
    long = message_for(first).text
    assert "…" in long and first.reply_code in long and message_for(first).url in long
    assert segments(long) == SMS_MAX_SEGMENTS


def test_a_code_drawn_at_the_same_moment_by_another_worker_is_drawn_again(roles, officers, monkeypatch):
    from consular.alerts import deliveries

    registration = _traveller(roles["citizen"])
    first = _sent(registration, _publish(officers).alert)
    real, draws = deliveries._reply_code, []

    def racing(used: set[str]) -> str:  # the first draw ignores what is taken, as a concurrent worker would
        draws.append(used)
        return first.reply_code if len(draws) == 1 else real(used)

    monkeypatch.setattr(deliveries, "_reply_code", racing)
    second = _sent(registration, _publish(officers).alert)
    assert len(draws) == 2 and second.reply_code and second.reply_code != first.reply_code
    assert second.status == "sending" and second.token_hash  # the claim itself went through


def test_an_english_sms_stays_in_the_gsm_alphabet(roles, officers):
    delivery = _sent(_traveller(roles["citizen"], language="en"), _publish(officers).alert)
    text = message_for(delivery).text
    assert text.startswith("Protests in central Bangkok Reply 1 safe / 2 help (code ")
    assert is_gsm7(text) and segments(text) <= 2


def test_parsing():
    assert reply_parse("１　４８２１  在酒店").code == "4821"  # full-width digits and space
    assert reply_parse("１　４８２１　在酒店，谢谢").message == "在酒店，谢谢"  # the message as written
    assert reply_parse("٤٨٢١ ١").code == "4821"  # Arabic-Indic digits
    assert reply_parse("4821平安，谢谢").status == "safe" and reply_parse("4821平安，谢谢").message == "谢谢"
    assert reply_parse("sos 123456").status == "need_help" and reply_parse("sos 123456").code == "123456"
    assert reply_parse("4821").status is None and reply_parse("3 4821").status is None
    assert reply_parse("").status is None


# --- Replies ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("template", "status"), [
    ("1 {code}", "safe"), ("{code} 1", "safe"), ("平安 {code}", "safe"), ("SAFE {code}", "safe"),
    ("ok {code}", "safe"), ("2 {code}", "need_help"), ("{code}求助", "need_help"), ("help", "need_help"),
    ("2", "need_help"),  # "need help" without a code is accepted; "safe" never is (tests/alerts/test_sms_hardening.py)
])
def test_reply_forms_are_recorded(roles, officers, api, template, status):
    delivery = _sent(_traveller(roles["citizen"]), _publish(officers).alert)

    answer = _sms(api(), template.format(code=delivery.reply_code))

    assert answer.status_code == 200 and answer.json() == {"status": "recorded"}
    checkin = CheckIn.objects.get()
    assert (checkin.delivery_id, checkin.status) == (delivery.pk, status)
    assert (Case.objects.count() == 1) is (status == "need_help")


def test_a_lone_call_for_help_with_two_open_alerts_is_recorded_on_the_newest(roles, officers, api):
    """Someone in danger is not asked which alert first: one case at once, on the newest message."""
    registration = _traveller(roles["citizen"])
    first = _sent(registration, _publish(officers).alert)
    second = _sent(registration, _publish(officers).alert)

    answer = _sms(api(), "2")

    assert answer.json() == {"status": "recorded"}
    checkin = CheckIn.objects.get()
    assert (checkin.delivery_id, checkin.status) == (second.pk, "need_help") and Case.objects.count() == 1
    text = SmsReply.objects.get().answer
    assert settings.CONSULAR_DEPLOYMENT["hotline"] in text  # and they can call at once
    # "Safe" alone is still refused with both codes listed; with a code it is recorded on that alert.
    assert _sms(api(), "1").json() == {"status": "code_required"}
    listed = SmsReply.objects.latest("id").answer
    assert first.reply_code in listed and second.reply_code in listed
    assert _sms(api(), f"1 {first.reply_code}").json() == {"status": "recorded"}
    assert CheckIn.objects.filter(delivery=first, status="safe").exists()


def test_a_lone_answer_after_an_update_answers_the_alert(roles, officers, api):
    registration = _traveller(roles["citizen"])
    alert = _publish(officers).alert
    _sent(registration, alert)
    alert_edition_add(actor=officers["author"], alert=alert, data=alert_in())
    alert_approve(actor=officers["approver"], alert=alert)
    alert_publish(actor=officers["approver"], alert=alert)
    update = _sent(registration, alert)
    assert Delivery.objects.filter(alert=alert, channel="sms").count() == 2

    assert _sms(api(), "求助").json() == {"status": "recorded"}  # two messages, one alert: not ambiguous
    assert CheckIn.objects.get().delivery_id == update.pk


def test_unknown_foreign_and_senseless_replies_are_not_understood(roles, officers, api):
    delivery = _sent(_traveller(roles["citizen"]), _publish(officers).alert)
    _traveller(roles["citizen"], phone=OTHER)
    deliveries_claim(batch_size=100)
    wrong = "9999" if delivery.reply_code != "9999" else "8888"

    assert _sms(api(), f"1 {wrong}").json() == {"status": "not_understood"}  # no such code
    assert _sms(api(), f"1 {delivery.reply_code}", phone=OTHER).json() == {"status": "not_understood"}  # not theirs
    assert _sms(api(), "1", phone="+66 82 222 2222").json() == {"status": "not_understood"}  # no alert to this phone
    assert _sms(api(), "hello", phone="+66 82 222 2222").json() == {"status": "not_understood"}
    assert _sms(api(), "hello").json() == {"status": "not_understood"}
    assert _sms(api(), delivery.reply_code).json() == {"status": "not_understood"}  # no answer
    assert not CheckIn.objects.exists()
    assert set(SmsReply.objects.values_list("outcome", flat=True)) == {"not_understood"}
    assert "Reply 1 (safe) or 2 (help)" in SmsReply.objects.filter(language="en").latest("id").answer


def test_an_expired_alert_is_answered_expired(roles, officers, api, settings):
    registration = _traveller(roles["citizen"])
    result = _publish(officers)
    delivery = _sent(registration, result.alert)
    long_ago = timezone.now() - datetime.timedelta(hours=settings.ALERTS_CHECKIN_GRACE_HOURS + 1)
    Alert.objects.filter(pk=result.alert.pk).update(state="cancelled", cancelled_at=long_ago)

    assert _sms(api(), f"2 {delivery.reply_code}").json() == {"status": "expired"}
    assert _sms(api(), "2").json() == {"status": "expired"}
    assert not CheckIn.objects.exists() and not Case.objects.exists()
    assert settings.CONSULAR_DEPLOYMENT["hotline"] in SmsReply.objects.latest("id").answer


def test_a_purged_registration_is_no_longer_matched(roles, officers, api):
    registration = _traveller(roles["citizen"])
    delivery = _sent(registration, _publish(officers).alert)
    checkins_purge([registration.pk])
    assert _sms(api(), f"1 {delivery.reply_code}").json() == {"status": "not_understood"}


# --- The callback -------------------------------------------------------------------------------------------------

def test_a_bad_signature_is_refused_and_changes_nothing(roles, officers, api):
    delivery = _sent(_traveller(roles["citizen"]), _publish(officers).alert)
    body = {"id": "gw-1", "from": FROM, "text": f"1 {delivery.reply_code}"}
    client = api()

    guessed = _post(client, body, secret="guessed")
    stale = _post(client, body, timestamp=int(timezone.now().timestamp()) - 3600)
    unsigned = client.post(URL, json.dumps(body), content_type="application/json")

    for response in (guessed, stale, unsigned):
        assert response.status_code == 403 and response.json()["error"]["code"] == "permission_denied"
    assert not SmsReply.objects.exists() and not CheckIn.objects.exists()


@pytest.mark.parametrize(("body", "field"), [
    (b"not json", "body"), ([1, 2], "body"), ({"from": FROM, "text": "1"}, "id"), ({"id": "gw-1", "text": "1"}, "from"),
    ({"id": "gw-1", "from": "call me", "text": "1"}, "from"), ({"id": "gw-1", "from": FROM}, "text"),
    ({"id": "gw-1", "from": FROM, "text": "1", "received_at": "yesterday"}, "received_at"),
    ({"id": "gw-1", "from": FROM, "text": "x" * 1601}, "text"),
])
def test_a_malformed_message_is_400_with_field_messages(api, reference, body, field):
    response = _post(api(), body)
    assert response.status_code == 400 and field in response.json()["error"]["fields"]
    assert not SmsReply.objects.exists()


def test_any_signed_body_gets_an_answer_never_a_500(api, reference):
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from tests.api.test_fuzz import json_values

    client = api()
    fields = {"id": json_values, "from": json_values | st.just(FROM), "text": json_values | st.text(max_size=30),
              "received_at": json_values}

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(body=st.fixed_dictionaries({}, optional=fields) | json_values)
    def run(body: Any) -> None:
        response = _post(client, body)
        assert response.status_code in (200, 400), response.content
        if response.status_code == 400:
            assert set(response.json()["error"]) == {"code", "message", "fields"}

    run()


def test_a_gateway_retry_records_nothing_twice(roles, officers, api, django_capture_on_commit_callbacks, settings):
    delivery = _sent(_traveller(roles["citizen"]), _publish(officers).alert)
    settings.SMS_GATEWAY_URL = ""  # answers are not sent here (see the gateway test below)
    client = api()

    with django_capture_on_commit_callbacks() as queued:
        first = _sms(client, f"2 {delivery.reply_code}", gateway_id="gw-77")
        again = _sms(client, f"2 {delivery.reply_code}", gateway_id="gw-77")  # re-signed later: another header

    assert first.json() == again.json() == {"status": "recorded"}
    assert SmsReply.objects.count() == 1 and CheckIn.objects.count() == 1 and Case.objects.count() == 1
    assert len(queued) == 1  # one answer SMS
    assert AuditEntry.objects.filter(action="alert.sms_reply").count() == 1


# --- Effects, as through the link ---------------------------------------------------------------------------------

def test_safe_by_sms_reaches_the_incident_registry(roles, officers, api):
    from consular.cases.services import Location
    from tests.incidents.incident_helpers import open_incident

    incident = open_incident(roles["hq_officer"], kind="natural_disaster", title="Flood in Bangkok",
                             location=Location(country="TH", subdivision="TH-10", city="Bangkok"), missions=[])
    delivery = _sent(_traveller(roles["citizen"]), _publish(officers, incident=str(incident.pk)).alert)

    assert _sms(api(), f"1 {delivery.reply_code} 在酒店").json() == {"status": "recorded"}

    person = AffectedPerson.objects.get(incident=incident)
    assert (person.status, person.name_zh) == ("safe", "王建国")
    checkin = CheckIn.objects.get()
    assert (checkin.registry, checkin.message) == ("added", "在酒店")
    audit = AuditEntry.objects.get(action="alert.checkin")
    assert (audit.actor_id, audit.actor_username, audit.data["via"]) == (None, "system:checkin", "sms")
    added = AuditEntry.objects.get(action="affected_person.add")
    assert (added.actor_id, added.actor_username) == (None, "system:checkin")


def test_need_help_by_sms_opens_a_case(roles, officers, api):
    delivery = _sent(_traveller(roles["citizen"]), _publish(officers, level="evacuate").alert)

    assert _sms(api(), f"{delivery.reply_code} 2 水位上涨，被困二楼").json() == {"status": "recorded"}

    case = Case.objects.get()
    assert case.urgency == "p1" and "水位上涨，被困二楼" in case.summary and case.created_by is None
    assert CheckIn.objects.get().case == case
    opened = AuditEntry.objects.get(action="case.open", object_id=str(case.pk))
    assert opened.actor_username == "system:checkin"
    assert case.reference in SmsReply.objects.get().answer


# --- The answer SMS -----------------------------------------------------------------------------------------------

def test_the_answer_sms_reaches_the_gateway_once(roles, officers, api, django_capture_on_commit_callbacks, settings):
    delivery = _sent(_traveller(roles["citizen"], language="en"), _publish(officers).alert)
    received: list[dict[str, Any]] = []

    def gateway(request: Request) -> Answer:
        signing.verify(request.headers.get("consular-signature"), request.body, [SECRET])
        received.append({**json.loads(request.body), "key": request.headers.get("idempotency-key")})
        return Answer(200, json.dumps({"id": f"gw-out-{len(received)}"}).encode(),
                      {"Content-Type": "application/json"})

    with http_peer(gateway) as peer:
        settings.SMS_GATEWAY_URL, settings.SMS_GATEWAY_KEY_ID = peer.url + "/send", "consular-1"
        with django_capture_on_commit_callbacks(execute=True):
            _sms(api(), f"SAFE {delivery.reply_code}", gateway_id="gw-5")
        with django_capture_on_commit_callbacks(execute=True):
            _sms(api(), f"SAFE {delivery.reply_code}", gateway_id="gw-5")  # a retry: no second answer

    reply = SmsReply.objects.get()
    assert len(received) == 1
    assert received[0]["to"] == FROM and received[0]["key"] == f"reply-{reply.pk}"
    assert received[0]["text"].startswith('Thank you: "I am safe" recorded for alert ALT-')
    assert (reply.answer_status, reply.phone) == ("sent", "")  # the number is not kept once answered
    assert AuditEntry.objects.filter(action="alert.sms_answer", object_id=str(reply.pk)).get().data["status"] == "sent"


def test_answers_to_one_number_are_limited(roles, api, reference, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as queued:
        for _ in range(ANSWERS_PER_HOUR + 2):
            assert _sms(api(), "what?").json() == {"status": "not_understood"}
    assert len(queued) == ANSWERS_PER_HOUR
    assert SmsReply.objects.filter(answer_status="skipped", phone="").count() == 2


# --- The system actor ---------------------------------------------------------------------------------------------

def test_a_system_actor_is_recorded_by_name_and_is_no_user(db):
    actor = SystemActor("checkin", role="hotline_operator")
    entry = audit_record(actor=actor, action="test.system")
    assert (entry.actor_id, entry.actor_username) == (None, "system:checkin")
    assert not actor.is_authenticated and actor.pk is None and str(actor) == "system:checkin"
    with pytest.raises(ValueError):
        SystemActor("no spaces")

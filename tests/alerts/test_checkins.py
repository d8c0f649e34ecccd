"""Check-ins through an alert's personal link: "I am safe" reaches the incident registry (updated, added, or not
shared without consent), "I need help" opens one case at the responsible mission; tokens valid, expired, reused,
guessed, altered or malformed; the API, its idempotent replay, and the page behind the link."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from consular.alerts.checkins import checkin_record
from consular.alerts.deliveries import deliveries_claim, delivery_token
from consular.alerts.models import Alert, AlertEdition, CheckIn, Delivery
from consular.cases.models import Case, CaseEvent, EventKind
from consular.core.errors import ApplicationError
from consular.core.models import AuditEntry
from consular.incidents.models import AffectedPerson, PersonStatusChange
from consular.travel.models import Registration
from tests.alerts.alert_helpers import published, register, subscribe
from tests.incidents.incident_helpers import add_person, open_incident

pytestmark = pytest.mark.django_db

BANGKOK_LEG = {"country": "TH", "subdivision": "TH-10", "lat": 13.75, "lon": 100.5}
CHIANG_MAI_LEG = {"country": "TH", "subdivision": "TH-50"}


def _traveller(owner: Any, leg: dict[str, Any] | None = None, *, consent: bool = True,
               passport: str = "E12345678") -> Registration:
    registration = register(owner, [leg or BANGKOK_LEG], channels=["email"])
    registration.name_zh, registration.name_latin = "王建国", "WANG JIANGUO"
    registration.birth_date = datetime.date(1961, 3, 2)
    registration.passport_number = passport
    registration.consent_share_with_incident = consent
    registration.save()
    return registration


def _token(registration: Registration | None = None, user: Any = None) -> str:
    deliveries_claim(batch_size=100)
    delivery = Delivery.objects.get(registration=registration) if registration is not None \
        else Delivery.objects.get(user=user, channel="email")
    return delivery_token(delivery.pk)


@pytest.fixture
def officers(roles, make_user):
    return {"author": roles["hq_officer"], "approver": make_user("hq_officer")}


@pytest.fixture
def incident(roles):
    from consular.cases.services import Location

    return open_incident(roles["hq_officer"], kind="natural_disaster", title="Flood in Bangkok",
                         location=Location(country="TH", subdivision="TH-10", city="Bangkok"), missions=[])


def _publish(officers: dict[str, Any], **overrides: Any) -> Any:
    return published(officers["author"], officers["approver"], **overrides)


# --- "I am safe" --------------------------------------------------------------------------------------------------

def test_safe_updates_the_person_found_by_passport(roles, officers, incident):
    registration = _traveller(roles["citizen"])
    person = add_person(roles["hotline_operator"], incident, name_zh="", name_latin="WONG KIN KWOK",
                        passport_number="E12345678")
    _publish(officers, incident=str(incident.pk))
    token = _token(registration)

    result = checkin_record(token=token, status="safe")

    assert result.registry == "updated" and result.case is None
    person.refresh_from_db()
    assert person.status == "safe"
    change = PersonStatusChange.objects.filter(person=person).latest("at")
    delivery_id = token.split(".")[0]
    assert (change.source_kind, change.source_ref, change.actor_id) == ("checkin", f"delivery {delivery_id}", None)
    audit = AuditEntry.objects.filter(action="affected_person.status", object_id=str(person.pk)).get()
    assert audit.actor_id is None and audit.data["source_kind"] == "checkin"
    assert audit.actor_username == "system:checkin"  # the system, by name
    checkin_audit = AuditEntry.objects.get(action="alert.checkin")
    assert (checkin_audit.actor_username, checkin_audit.data["via"]) == ("system:checkin", "link")
    assert result.checkin.affected_person == person


def test_safe_adds_an_unknown_registrant_and_a_repeat_changes_nothing(roles, officers, incident):
    registration = _traveller(roles["citizen"])
    _publish(officers, incident=str(incident.pk))
    token = _token(registration)

    first = checkin_record(token=token, status="safe")
    again = checkin_record(token=token, status="safe")

    assert first.registry == again.registry == "added"
    person = AffectedPerson.objects.get(incident=incident)
    assert (person.status, person.name_zh, person.passport_number) == ("safe", "王建国", "E12345678")
    assert PersonStatusChange.objects.filter(person=person).count() == 1  # the second answer changed nothing
    assert again.repeated and CheckIn.objects.count() == 2  # both answers are kept


def test_safe_without_consent_is_recorded_but_not_listed(roles, officers, incident):
    registration = _traveller(roles["citizen"], consent=False)
    _publish(officers, incident=str(incident.pk))

    result = checkin_record(token=_token(registration), status="safe", message="在酒店")

    assert result.registry == "not_shared"
    assert not AffectedPerson.objects.filter(incident=incident).exists()
    assert CheckIn.objects.get().message == "在酒店"


def test_safe_without_incident_touches_no_registry(roles, officers):
    registration = _traveller(roles["citizen"])
    _publish(officers)
    result = checkin_record(token=_token(registration), status="safe")
    assert result.registry is None and result.case is None and CheckIn.objects.count() == 1


def test_purging_the_registration_empties_its_check_in_messages(roles, officers):
    from consular.travel.retention import registrations_purge

    registration = _traveller(roles["citizen"])
    _publish(officers)
    checkin_record(token=_token(registration), status="safe", message="在酒店，一切安好")
    Registration.objects.filter(pk=registration.pk).update(purge_after=datetime.date(2000, 1, 1))
    assert registrations_purge() == 1
    kept = CheckIn.objects.get()
    assert kept.message == "" and kept.status == "safe"  # the answer stays, without personal data


# --- "I need help" ------------------------------------------------------------------------------------------------

def test_need_help_opens_one_p1_case_at_the_mission_of_the_place(roles, officers):
    registration = _traveller(roles["citizen"], CHIANG_MAI_LEG)
    _publish(officers, level="warning", category="natural_disaster")
    token = _token(registration)

    result = checkin_record(token=token, status="need_help", message="水位上涨，我们被困在二楼")

    case = Case.objects.get()
    assert result.case == case
    assert (case.urgency, case.category, case.channel, case.mission.code) == ("p1", "natural_disaster", "app",
                                                                                "TH-CNX")
    assert (case.country_id, case.subdivision_id) == ("TH", "TH-50")
    assert result.checkin.delivery.alert.reference in case.summary
    assert "水位上涨" in case.summary
    subject = case.persons.get()
    assert (subject.name_zh, subject.passport_number, subject.birth_date) == ("王建国", "E12345678",
                                                                              datetime.date(1961, 3, 2))

    # Again with a new message: still one case, the message added to its timeline.
    checkin_record(token=token, status="need_help", message="还有两个孩子")
    # The same answer again (a reused link): nothing more.
    checkin_record(token=token, status="need_help", message="还有两个孩子")
    assert Case.objects.count() == 1
    messages = CaseEvent.objects.filter(case=case, kind=EventKind.MESSAGE)
    assert [e.body.splitlines()[-1] for e in messages] == ["还有两个孩子"]
    assert CheckIn.objects.filter(case=case).count() == 3

    # "Safe" afterwards: a message on the case, which stays open for the officers to close.
    checkin_record(token=token, status="safe")
    case.refresh_from_db()
    assert case.state == "new" and CaseEvent.objects.filter(case=case, kind=EventKind.MESSAGE).count() == 2


def test_need_help_p2_other_category_and_linked_person(roles, officers, incident):
    registration = _traveller(roles["citizen"])
    person = add_person(roles["hotline_operator"], incident)
    _publish(officers, level="caution", category="security", incident=str(incident.pk))

    result = checkin_record(token=_token(registration), status="need_help")

    case = Case.objects.get()
    assert (case.urgency, case.category, case.mission.code) == ("p2", "other", "TH-BKK")
    person.refresh_from_db()
    assert person.case == case and result.checkin.affected_person == person


def test_a_subscriber_may_ask_for_help(roles, officers, make_user):
    follower = make_user("citizen", email="f@example.org")
    follower.first_name, follower.last_name = "Li", "Ming"
    follower.save(update_fields=["first_name", "last_name"])
    subscribe(follower, "TH", ["email"])
    _publish(officers)

    result = checkin_record(token=_token(user=follower), status="need_help")

    assert result.case is not None and result.case.persons.get().name_latin == "Li Ming"
    assert result.checkin.user == follower and result.checkin.registration is None


# --- Tokens -------------------------------------------------------------------------------------------------------

def test_guessed_altered_malformed_and_unsent_tokens_are_one_404(roles, officers, api):
    registration = _traveller(roles["citizen"])
    _publish(officers)
    never_sent = delivery_token(Delivery.objects.get(registration=registration).pk)  # not claimed yet
    token = _token(registration)
    head, _, signature = token.partition(".")
    bad = [never_sent + "x", f"{head}.{signature[:-1]}A" if signature[-1] != "A" else f"{head}.{signature[:-1]}B",
           f"{int(head) + 1}.{signature}", "abc", "", "1.", "9" * 30 + ".x", f"{head}"]
    bodies = set()
    for candidate in bad:
        response = api().post(f"/api/v1/checkins/{candidate}", {"status": "safe"}, format="json")
        if candidate == "":
            assert response.status_code == 404
            continue
        assert response.status_code == 404, candidate
        bodies.add(response.content)
    assert len(bodies) == 1
    assert not CheckIn.objects.exists()
    assert api().post(f"/api/v1/checkins/{token}", {"status": "safe"}, format="json").status_code == 201


def test_unsent_token_is_refused_by_the_service(roles, officers):
    registration = _traveller(roles["citizen"])
    _publish(officers)
    with pytest.raises(ApplicationError) as raised:
        checkin_record(token=delivery_token(Delivery.objects.get(registration=registration).pk), status="safe")
    assert raised.value.status == 404


def test_expired_link_is_gone(roles, officers, settings):
    registration = _traveller(roles["citizen"])
    result = _publish(officers)
    token = _token(registration)
    grace = datetime.timedelta(hours=settings.ALERTS_CHECKIN_GRACE_HOURS)
    with pytest.raises(ApplicationError) as raised:
        checkin_record(token=token, status="safe", now=result.edition.valid_until + grace + datetime.timedelta(
            minutes=1))
    assert raised.value.status == 410 and raised.value.code == "checkin_expired"
    assert settings.CONSULAR_DEPLOYMENT["hotline"] in raised.value.text()
    # Within the grace period the link still works.
    assert checkin_record(token=token, status="safe", now=result.edition.valid_until + grace).registry is None


def test_cancelled_alert_link_expires_after_the_grace(roles, officers, api, settings):
    registration = _traveller(roles["citizen"])
    result = _publish(officers)
    token = _token(registration)
    long_ago = timezone.now() - datetime.timedelta(hours=settings.ALERTS_CHECKIN_GRACE_HOURS + 1)
    Alert.objects.filter(pk=result.alert.pk).update(state="cancelled", cancelled_at=long_ago)
    response = api().post(f"/api/v1/checkins/{token}", {"status": "safe"}, format="json")
    assert response.status_code == 410 and response.json()["error"]["code"] == "checkin_expired"


# --- The API ------------------------------------------------------------------------------------------------------

def test_api_answers_201_and_replays_with_the_idempotency_key(roles, officers, api, incident):
    registration = _traveller(roles["citizen"])
    _publish(officers, level="evacuate", category="terrorism", incident=str(incident.pk))
    token = _token(registration)
    client = api()

    first = client.post(f"/api/v1/checkins/{token}", {"status": "need_help", "message": "help"}, format="json",
                        HTTP_IDEMPOTENCY_KEY="k-1")
    replay = client.post(f"/api/v1/checkins/{token}", {"status": "need_help", "message": "help"}, format="json",
                         HTTP_IDEMPOTENCY_KEY="k-1")

    assert first.status_code == 201, first.content
    body = first.json()
    case = Case.objects.get()
    assert body["status"] == "need_help" and body["case"] == case.reference and body["registry"] is None
    assert body["recorded_at"]
    assert (case.urgency, case.category) == ("p1", "terrorism")
    assert replay.status_code == 201 and replay.json() == body and replay["Idempotent-Replayed"] == "true"
    assert CheckIn.objects.count() == 1

    safe = client.post(f"/api/v1/checkins/{token}", {"status": "safe"}, format="json")
    assert safe.status_code == 201 and safe.json()["registry"] == "added" and safe.json()["case"] == case.reference


def test_api_validates_the_answer(roles, officers, api):
    registration = _traveller(roles["citizen"])
    _publish(officers)
    token = _token(registration)
    wrong = api().post(f"/api/v1/checkins/{token}", {"status": "maybe"}, format="json")
    assert wrong.status_code == 400 and "status" in wrong.json()["error"]["fields"]
    long = api().post(f"/api/v1/checkins/{token}", {"status": "safe", "message": "x" * 2001}, format="json")
    assert long.status_code == 400 and "message" in long.json()["error"]["fields"]
    assert not CheckIn.objects.exists()


# --- The page -----------------------------------------------------------------------------------------------------

def test_page_shows_the_alert_and_nothing_personal_and_records_the_answer(roles, officers, client, incident):
    registration = _traveller(roles["citizen"])
    _publish(officers, incident=str(incident.pk))
    token = _token(registration)

    page = client.get(f"/checkin/{token}/")
    text = page.content.decode()
    assert page.status_code == 200 and page["Referrer-Policy"] == "same-origin"
    assert "曼谷市中心发生抗议活动" in text and "留在室内" in text
    assert 'name="idempotency_key"' in text and "csrfmiddlewaretoken" in text
    assert "王建国" not in text and "WANG" not in text and "E12345678" not in text

    form = {"status": "safe", "message": "在酒店", "idempotency_key": "page-1"}
    done = client.post(f"/checkin/{token}/", form)
    again = client.post(f"/checkin/{token}/", form)  # a double tap: the first answer, nothing more
    assert done.status_code == 200 and again.status_code == 200
    assert CheckIn.objects.count() == 1
    assert AffectedPerson.objects.get(incident=incident).status == "safe"
    assert "王建国" not in done.content.decode()


def test_page_in_english_for_an_english_delivery(roles, officers, client):
    registration = _traveller(roles["citizen"])
    Registration.objects.filter(pk=registration.pk).update(language="en")
    _publish(officers)
    token = _token(registration)
    page = client.get(f"/checkin/{token}/")
    assert "Protests in central Bangkok" in page.content.decode() and 'lang="en"' in page.content.decode()
    client.cookies["django_language"] = "zh-hans"  # the visitor's own choice wins for the page, not the alert
    chosen = client.get(f"/checkin/{token}/").content.decode()
    assert 'lang="zh-hans"' in chosen and "Protests in central Bangkok" in chosen


def test_page_unknown_and_expired_links(roles, officers, client, settings):
    hotline = settings.CONSULAR_DEPLOYMENT["hotline"]
    unknown = client.get("/checkin/1.nope/")
    assert unknown.status_code == 404 and hotline in unknown.content.decode()
    registration = _traveller(roles["citizen"])
    result = _publish(officers)
    token = _token(registration)
    past = timezone.now() - datetime.timedelta(hours=settings.ALERTS_CHECKIN_GRACE_HOURS + 48)
    AlertEdition.objects.filter(pk=result.edition.pk).update(valid_from=past - datetime.timedelta(days=1),
                                                             valid_until=past)
    expired = client.get(f"/checkin/{token}/")
    assert expired.status_code == 410 and hotline in expired.content.decode()
    assert client.post(f"/checkin/{token}/", {"status": "safe"}).status_code == 410
    assert not CheckIn.objects.exists()

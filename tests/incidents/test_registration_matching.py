"""List imports matched against trip registrations: a confident match links the person to the registration and
fills the missing particulars (only with the traveller's consent), a possible match waits in the review queue as
a candidate of kind `registration` (confirm links, reject does not); cancelled, purged and other-country trips
are not matched; a re-import changes nothing; the linked registration is shown (and its read recorded) only to
the roles that may read registrations; a "safe" check-in finds the person through the link."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from consular.alerts.checkins import checkin_record
from consular.alerts.deliveries import deliveries_claim, delivery_token
from consular.alerts.models import Delivery
from consular.cases.services import Location
from consular.core.models import AuditEntry
from consular.incidents.import_models import CandidateKind, ListImport, MatchReview, ReviewState
from consular.incidents.imports import list_import, review_confirm
from consular.incidents.models import AffectedPerson
from consular.incidents.services import person_update
from consular.travel.codes import RegistrationState
from consular.travel.models import Registration
from consular.travel.services import registration_cancel, registration_create
from tests.alerts.alert_helpers import published
from tests.incidents.incident_helpers import add_person, open_incident
from tests.travel.travel_helpers import days, registration_in

pytestmark = pytest.mark.django_db

HEADER = "姓名,Name,Sex,Date of birth,Passport No.,Nationality,Status,Seat"
WANG = "王建国,WANG JIANGUO,M,1961-03-02,,CN,injured,12A"  # confident: name and full birth date
ZHAO = ",ZHAO MING,F,1975,,CN,safe,14C"  # possible: 赵敏 ZHAO MIN, born 1975
LAOS = {"country": "LA", "subdivision": "LA-VT", "city": "Vang Vieng"}


def csv(*rows: str) -> bytes:
    return ("Manifest\n" + "\n".join([HEADER, *rows]) + "\n").encode()


def trip(owner: Any, *, name_zh: str = "王建国", name_latin: str = "WANG JIANGUO", birth: str = "1961-03-02",
         passport: str = "E12345678", country: dict[str, str] | None = None, share: bool = True,
         family: bool = True) -> Registration:
    leg = {**(country or LAOS), "arrive": days(-3), "depart": days(4)}
    return registration_create(actor=owner, data=registration_in(
        itinerary=[leg], co_travellers=[], channels=["email"],
        contacts={"email": "wang@example.cn", "phone": "+86 138 0013 8000", "messaging_id": "wang-wx"},
        traveller={"name_zh": name_zh, "name_latin": name_latin, "birth_date": birth, "passport_number": passport},
        consent={"contact_family": family, "share_with_incident": share}))


def run(hq: Any, incident: Any, data: bytes, kind: str = "manifest") -> ListImport:
    result = list_import(actor=hq, incident=incident, data=data, filename="list.csv", mapping=None, kind=kind)
    assert result.status == "imported", result.error_list()
    return result


def test_confident_match_links_and_fills_the_missing_particulars(roles, hq, incident):
    registration = trip(roles["citizen"])

    result = run(hq, incident, csv(WANG))

    assert (result.created, result.registrations_linked, result.registration_reviews) == (1, 1, 0)
    person = AffectedPerson.objects.get(incident=incident)
    assert person.registration_id == registration.pk and person.registration_linked_at is not None
    assert person.passport_number == "E12345678" and person.email == "wang@example.cn"
    assert person.phone == registration.phone and person.birth_date == datetime.date(1961, 3, 2)
    assert person.emergency_contact.startswith("李父 (父亲)") and "+86 10 6512 3456" in person.emergency_contact
    assert set(person.registration_filled) == {"passport_number", "phone", "email", "emergency_contact"}
    link = AuditEntry.objects.get(action="affected_person.registration_link", object_id=str(person.pk))
    assert link.data["registration"] == str(registration.pk)
    assert link.data["source_ref"] == f"{result.pk}:3" and link.data["source_kind"] == "import"
    assert AuditEntry.objects.get(action="list_import.import").data["registrations_linked"] == 1


def test_an_existing_person_linked_by_the_list_is_linked_too_and_keeps_their_own_particulars(roles, hq, incident):
    registration = trip(roles["citizen"])
    person = add_person(hq, incident, passport_number="", phone="+66 81 234 5678")

    result = run(hq, incident, csv(WANG))

    assert (result.linked, result.created, result.registrations_linked) == (1, 0, 1)
    person.refresh_from_db()
    assert person.registration_id == registration.pk
    assert person.phone == "+66 81 234 5678" and person.passport_number == "E12345678"
    assert "phone" not in person.registration_filled


def test_without_consent_the_person_is_linked_but_nothing_is_copied(roles, hq, incident):
    registration = trip(roles["citizen"], share=False)

    run(hq, incident, csv(WANG))

    person = AffectedPerson.objects.get(incident=incident)
    assert person.registration_id == registration.pk  # protection overrides: the officers see the trip
    assert (person.passport_number, person.phone, person.email, person.emergency_contact) == ("", "", "", "")
    assert person.registration_filled == []


def test_emergency_contact_needs_the_consent_to_tell_the_family(roles, hq, incident):
    trip(roles["citizen"], family=False)

    run(hq, incident, csv(WANG))

    person = AffectedPerson.objects.get(incident=incident)
    assert person.passport_number == "E12345678" and person.emergency_contact == ""


def test_possible_match_goes_to_review_and_confirm_links(roles, hq, incident):
    registration = trip(roles["citizen"], name_zh="赵敏", name_latin="ZHAO MIN", birth="1975-06-01",
                        passport="E55555555")

    result = run(hq, incident, csv(ZHAO))

    assert (result.created, result.registrations_linked, result.registration_reviews) == (1, 0, 1)
    person = AffectedPerson.objects.get(incident=incident)
    assert person.registration_id is None
    review = MatchReview.objects.get(incident=incident)
    assert review.candidate_kind == CandidateKind.REGISTRATION and review.registration_id == registration.pk
    assert review.candidate_id == person.pk and review.state == ReviewState.PENDING

    review_confirm(actor=hq, review=review, note="same passport photo")

    person.refresh_from_db()
    review.refresh_from_db()
    assert review.state == ReviewState.CONFIRMED and person.registration_id == registration.pk
    assert person.passport_number == "E55555555"
    assert AffectedPerson.objects.filter(incident=incident).count() == 1  # confirm adds nobody
    assert AuditEntry.objects.get(action="match_review.confirm").data["kind"] == "registration"


def test_possible_match_rejected_links_nothing_and_is_not_proposed_again(roles, hq, incident, client):
    trip(roles["citizen"], name_zh="赵敏", name_latin="ZHAO MIN", birth="1975-06-01")
    run(hq, incident, csv(ZHAO))
    review = MatchReview.objects.get(incident=incident)
    client.force_login(hq)
    page = client.get(f"/console/incidents/{incident.pk}/reviews/").content.decode()
    assert 'data-candidate-kind="registration"' in page and "ZHAO MIN" in page

    response = client.post(f"/console/incidents/{incident.pk}/reviews/{review.pk}/reject/", {"note": ""})
    assert response.status_code == 302

    person = AffectedPerson.objects.get(incident=incident)
    review.refresh_from_db()
    assert review.state == ReviewState.REJECTED and person.registration_id is None
    assert AffectedPerson.objects.filter(incident=incident).count() == 1  # reject adds nobody either
    # The same person on another list (another row): linked to the person, the pair not proposed again.
    again = run(hq, incident, csv(",ZHAO MING,F,1975,,CN,hospitalised,Mahosot").replace(b"Seat", b"Hospital"),
                kind="hospital")
    assert (again.linked, again.registration_reviews) == (1, 0)
    assert MatchReview.objects.filter(incident=incident).count() == 1


@pytest.mark.parametrize("case", ["cancelled", "purged", "other_country", "other_dates"])
def test_cancelled_purged_and_elsewhere_trips_are_not_matched(roles, hq, incident, case):
    if case == "other_country":
        registration = trip(roles["citizen"], country={"country": "TH", "subdivision": "TH-10", "city": "Bangkok"})
    else:
        registration = trip(roles["citizen"])
    if case == "cancelled":
        registration_cancel(actor=roles["citizen"], registration=registration)
    elif case == "purged":
        Registration.objects.filter(pk=registration.pk).update(state=RegistrationState.PURGED)
    elif case == "other_dates":
        registration.legs.update(arrive=datetime.date(2030, 1, 1), depart=datetime.date(2030, 1, 9))

    result = run(hq, incident, csv(WANG, ZHAO))

    assert (result.registrations_linked, result.registration_reviews) == (0, 0)
    assert not AffectedPerson.objects.filter(incident=incident, registration__isnull=False).exists()
    assert not MatchReview.objects.filter(incident=incident).exists()


def test_namesakes_travelling_elsewhere_do_not_hide_the_one_who_is_there(roles, hq, incident, monkeypatch):
    """The index is asked only for registrations meeting the incident: however many people of the same name and
    birth date travel elsewhere (ahead of the one in Laos in the index's order), they do not fill the cap."""
    from consular.incidents import registration_matching

    bangkok = {"country": "TH", "subdivision": "TH-10", "city": "Bangkok"}
    elsewhere = [trip(roles["citizen"], passport="", country=bangkok) for _ in range(4)]
    there = trip(roles["citizen"], passport="")
    while there.pk < max(r.pk for r in elsewhere):  # last in the index's order (owner id)
        registration_cancel(actor=roles["citizen"], registration=there)
        there = trip(roles["citizen"], passport="")
    monkeypatch.setattr(registration_matching, "REGISTRATION_CAP", 2)

    result = run(hq, incident, csv(WANG))

    assert result.registrations_linked == 1
    assert AffectedPerson.objects.get(incident=incident).registration_id == there.pk


def test_registration_search_empties_the_caches_of_one_search(roles, hq, incident):
    from consular.incidents import matching
    from consular.incidents.registration_matching import registration_candidates

    there = trip(roles["citizen"])
    found = registration_candidates(incident=incident, values={"name_zh": "王建国", "name_latin": "WANG JIANGUO"})
    assert [c.registration.pk for c in found] == [there.pk]
    assert matching.parse.cache_info().currsize == 0  # `matching.search_done`


def test_reimport_changes_nothing(roles, hq, incident):
    trip(roles["citizen"])
    trip(roles["citizen"], name_zh="赵敏", name_latin="ZHAO MIN", birth="1975-06-01", passport="E55555555")
    first = run(hq, incident, csv(WANG, ZHAO))
    assert (first.registrations_linked, first.registration_reviews) == (1, 1)
    links = list(AffectedPerson.objects.filter(incident=incident).values_list("pk", "registration_id"))
    audit = AuditEntry.objects.filter(action="affected_person.registration_link").count()

    second = run(hq, incident, csv(ZHAO, WANG))

    assert (second.skipped_same, second.registrations_linked, second.registration_reviews) == (2, 0, 0)
    assert list(AffectedPerson.objects.filter(incident=incident).values_list("pk", "registration_id")) == links
    assert MatchReview.objects.filter(incident=incident).count() == 1
    assert AuditEntry.objects.filter(action="affected_person.registration_link").count() == audit


def test_a_registration_is_linked_to_one_person_of_the_incident(roles, hq, incident):
    trip(roles["citizen"])
    run(hq, incident, csv(WANG))
    # Another list with the same traveller under a form the registry does not link (other characters): a new
    # person, but the registration is already taken.
    result = run(hq, incident, csv("汪建国,,M,1961-03-02,,CN,injured,"), kind="hospital")
    assert result.registrations_linked == 0
    assert AffectedPerson.objects.filter(incident=incident, registration__isnull=False).count() == 1


def test_linked_registration_shown_by_role_and_each_read_recorded(roles, hq, incident, api, client):
    registration = trip(roles["citizen"])
    run(hq, incident, csv(WANG))
    person = AffectedPerson.objects.get(incident=incident)
    url = f"/api/v1/incidents/{incident.pk}/persons/{person.pk}"

    for role in ("hq_officer", "hotline_operator"):
        body = api(roles[role]).get(url).json()
        linked = body["registration"]
        assert linked["id"] == str(registration.pk) and linked["legs"][0]["country"] == "LA"
        assert linked["contacts"]["phone"] == registration.phone
        assert linked["emergency_contact"]["name"] == "李父"
        assert linked["consent"] == {"contact_family": True, "share_with_incident": True}
        assert body["registration_filled"]
    def reads() -> Any:
        return AuditEntry.objects.filter(action="registration.read", object_id=str(registration.pk))

    assert reads().count() == 2 and all(r.data["purpose"] == "incident_person" for r in reads())
    assert "emergency_phone" in reads()[0].data["fields"]

    # A mission officer of a mission concerned by the incident, whose jurisdiction does not cover Laos, and an
    # auditor: the person, but not the registration (and no read of it recorded).
    for role in ("officer_cnx", "auditor"):
        response = api(roles[role]).get(url)
        assert response.status_code == 200 and response.json()["registration"] is None
    assert reads().count() == 2

    client.force_login(hq)
    page = client.get(f"/console/incidents/{incident.pk}/persons/{person.pk}/")
    assert page.status_code == 200 and b'id="linked-registration"' in page.content
    assert "wang-wx" in page.content.decode()
    assert "护照号码" in page.content.decode() and "passport_number" not in page.content.decode()  # labels, not names
    assert reads().count() == 3
    client.force_login(roles["officer_cnx"])
    page = client.get(f"/console/incidents/{incident.pk}/persons/{person.pk}/")
    assert page.status_code == 200 and b'id="linked-registration"' not in page.content
    assert reads().count() == 3


def test_review_of_a_registration_in_the_api(roles, hq, incident, api):
    registration = trip(roles["citizen"], name_zh="赵敏", name_latin="ZHAO MIN", birth="1975-06-01")
    run(hq, incident, csv(ZHAO))
    base = f"/api/v1/incidents/{incident.pk}/reviews"

    hq_view = api(hq).get(base).json()["results"][0]
    assert hq_view["candidate_kind"] == "registration"
    assert hq_view["registration"]["id"] == str(registration.pk) and hq_view["registration"]["name_latin"] == "ZHAO MIN"
    assert AuditEntry.objects.filter(action="registration.read", object_id=str(registration.pk)).count() == 1
    cnx_view = api(roles["officer_cnx"]).get(base).json()["results"][0]
    assert cnx_view["registration"]["id"] == str(registration.pk) and cnx_view["registration"]["name_latin"] is None

    response = api(hq).post(f"{base}/{hq_view['id']}/confirm", {"note": ""}, format="json",
                            HTTP_IDEMPOTENCY_KEY="confirm-registration-1")
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "confirmed"
    assert AffectedPerson.objects.get(incident=incident).registration_id == registration.pk


def test_safe_checkin_updates_the_person_through_the_link(roles, make_user, hq, incident):
    registration = trip(roles["citizen"])
    run(hq, incident, csv(WANG))
    person = AffectedPerson.objects.get(incident=incident, registration=registration)
    # An officer corrected the person's passport number, and someone else in the registry now holds the
    # registration's: without the link, the check-in would be taken for that other person.
    person_update(actor=hq, person=person, changes={"passport_number": "G00000001"})
    other = add_person(hq, incident, name_zh="李四", name_latin="LI SI", passport_number="E12345678")
    published(hq, make_user("hq_officer"), area={"countries": ["LA"]}, incident=str(incident.pk))
    deliveries_claim(batch_size=100)
    token = delivery_token(Delivery.objects.get(registration=registration).pk)

    result = checkin_record(token=token, status="safe")

    assert result.registry == "updated" and result.checkin.affected_person_id == person.pk
    person.refresh_from_db()
    other.refresh_from_db()
    assert person.status == "safe" and other.status == "unaccounted"


def test_incident_without_matching_trips_in_another_country(roles, hq):
    """An incident in Thailand does not see a trip to Laos."""
    incident = open_incident(hq, location=Location(country="TH", subdivision="TH-10", city="Bangkok"))
    trip(roles["citizen"])
    result = run(hq, incident, csv(WANG))
    assert result.registrations_linked == 0

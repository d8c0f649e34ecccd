"""Review of the matching of list imports against trip registrations (commit a1d28a8): a link refused by the
database (a concurrent confirm or import) is a 409, never a 500, and never overwrites a link; a confirm after the
registration was cancelled, or twice, is a 409; odd bodies on the review endpoints are 4xx; a safe check-in does
not undo a recorded death."""

from __future__ import annotations

from typing import Any

import pytest

from consular.core.errors import ApplicationError
from consular.core.models import AuditEntry
from consular.incidents.import_models import MatchReview, ReviewState
from consular.incidents.models import AffectedPerson
from consular.incidents.registration_matching import match_registration, registration_link
from consular.travel.services import registration_cancel
from tests.incidents.incident_helpers import add_person
from tests.incidents.test_registration_matching import WANG, ZHAO, csv, run, trip

pytestmark = pytest.mark.django_db


def _zhao_review(roles: Any, hq: Any, incident: Any) -> tuple[Any, MatchReview]:
    registration = trip(roles["citizen"], name_zh="赵敏", name_latin="ZHAO MIN", birth="1975-06-01",
                        passport="E55555555")
    run(hq, incident, csv(ZHAO))
    return registration, MatchReview.objects.get(incident=incident)


def test_a_link_refused_by_the_unique_constraint_is_a_409_not_a_500(roles, hq, incident):
    """Two persons, one registration: what a concurrent second link would do after both passed the check."""
    registration = trip(roles["citizen"])
    first = add_person(hq, incident, name_zh="王建国", name_latin="WANG JIANGUO")
    second = add_person(hq, incident, name_zh="王建國", name_latin="WANG JIAN GUO")
    registration_link(actor=hq, person=first, registration=registration, ref="x:1")

    with pytest.raises(ApplicationError) as raised:
        registration_link(actor=hq, person=second, registration=registration, ref="x:2")

    assert raised.value.status == 409
    second.refresh_from_db()
    assert second.registration_id is None and second.registration_filled == []
    assert AuditEntry.objects.filter(action="affected_person.registration_link").count() == 1


def test_a_person_linked_meanwhile_is_not_relinked(roles, hq, incident):
    """A concurrent confirm linked the person after this one's check: the lock-time check refuses."""
    mine = trip(roles["citizen"])
    other = trip(roles["citizen"], name_zh="王建国", name_latin="WANG JIANGUO", passport="E99999999")
    person = add_person(hq, incident, name_zh="王建国", name_latin="WANG JIANGUO")
    registration_link(actor=hq, person=person, registration=mine, ref="x:1")

    with pytest.raises(ApplicationError) as raised:
        registration_link(actor=hq, person=person, registration=other, ref="x:2")

    assert raised.value.status == 409
    person.refresh_from_db()
    assert person.registration_id == mine.pk


def test_an_import_whose_link_is_refused_goes_on(roles, hq, incident, monkeypatch):
    """The import's confident match meets a link made meanwhile: the row is imported, nothing linked, no 500."""
    from consular.incidents import registration_matching

    registration = trip(roles["citizen"])
    taken = add_person(hq, incident, name_zh="李四", name_latin="LI SI")
    AffectedPerson.objects.filter(pk=taken.pk).update(registration=registration)
    # The candidate query ran before that link (as in a race): the registration still looks free.
    real = registration_matching.registration_candidates

    def stale(*, incident: Any, values: Any) -> Any:
        AffectedPerson.objects.filter(pk=taken.pk).update(registration=None)
        try:
            return real(incident=incident, values=values)
        finally:
            AffectedPerson.objects.filter(pk=taken.pk).update(registration=registration)

    monkeypatch.setattr(registration_matching, "registration_candidates", stale)

    result = run(hq, incident, csv(WANG))

    assert (result.created, result.registrations_linked, result.bad) == (1, 0, 0)
    assert AffectedPerson.objects.filter(registration=registration).get().pk == taken.pk


def test_confirm_after_the_trip_was_cancelled_is_a_409(roles, hq, incident, api):
    registration, review = _zhao_review(roles, hq, incident)
    registration_cancel(actor=roles["citizen"], registration=registration)

    response = api(hq).post(f"/api/v1/incidents/{incident.pk}/reviews/{review.pk}/confirm", {"note": ""},
                            format="json", HTTP_IDEMPOTENCY_KEY="confirm-cancelled")

    assert response.status_code == 409
    review.refresh_from_db()
    assert review.state == ReviewState.PENDING
    assert not AffectedPerson.objects.filter(registration__isnull=False).exists()


def test_confirm_twice_and_confirm_after_reject_are_409(roles, hq, incident, api):
    registration, review = _zhao_review(roles, hq, incident)
    url = f"/api/v1/incidents/{incident.pk}/reviews/{review.pk}"
    client = api(hq)
    first = client.post(f"{url}/confirm", {"note": ""}, format="json", HTTP_IDEMPOTENCY_KEY="c-1")
    again = client.post(f"{url}/confirm", {"note": ""}, format="json", HTTP_IDEMPOTENCY_KEY="c-2")
    reject = client.post(f"{url}/reject", {"note": ""}, format="json", HTTP_IDEMPOTENCY_KEY="r-1")
    retry = client.post(f"{url}/confirm", {"note": ""}, format="json", HTTP_IDEMPOTENCY_KEY="c-1")
    assert (first.status_code, again.status_code, reject.status_code, retry.status_code) == (200, 409, 409, 200)
    assert AuditEntry.objects.filter(action="affected_person.registration_link").count() == 1
    assert AffectedPerson.objects.get(incident=incident).registration_id == registration.pk


@pytest.mark.parametrize("body", [{"note": ["x"]}, {"person": "not-a-uuid"},
                                  {"person": "00000000-0000-0000-0000-000000000000"}, {"note": "x" * 100_000},
                                  [], "text"])
def test_odd_bodies_on_a_registration_review_are_4xx(roles, hq, incident, api, body):
    _registration, review = _zhao_review(roles, hq, incident)
    url = f"/api/v1/incidents/{incident.pk}/reviews/{review.pk}"
    for action in ("confirm", "reject"):
        if action == "reject" and isinstance(body, dict) and "person" in body:
            continue  # reject takes no person (ignored)
        response = api(hq).post(f"{url}/{action}", body, format="json", HTTP_IDEMPOTENCY_KEY=f"odd-{action}")
        assert 400 <= response.status_code < 500, (action, response.status_code, response.content)
    review.refresh_from_db()
    assert review.state == ReviewState.PENDING


def test_odd_posts_on_the_console_review_are_4xx(roles, hq, incident, client):
    _registration, review = _zhao_review(roles, hq, incident)
    client.force_login(hq)
    base = f"/console/incidents/{incident.pk}/reviews/{review.pk}"
    for action, data in (("confirm", {"note": "x" * 100_000}), ("confirm", {"person": "nope"}),
                         ("reject", {"note": "x" * 100_000})):
        response = client.post(f"{base}/{action}/", data)
        assert 400 <= response.status_code < 500, (action, response.status_code)
    review.refresh_from_db()
    assert review.state == ReviewState.PENDING


def test_match_registration_is_idempotent_for_a_row(roles, hq, incident):
    """Matching the same row again (a retried decision) adds no second review and no link."""
    _registration, review = _zhao_review(roles, hq, incident)
    person = review.candidate
    outcome = match_registration(actor=hq, person=person, values={"name_latin": "ZHAO MING", "birth_year": 1975},
                                 import_row=review.import_row, ref="again")
    assert outcome == "none" and MatchReview.objects.count() == 1


def test_a_safe_checkin_does_not_undo_a_recorded_death(roles, make_user, hq, incident):
    """The person linked to the registration is recorded deceased: a "safe" check-in from that registrant (a
    relative with the phone, a mistake) must not set them safe on its own, nor fail."""
    from consular.alerts.checkins import checkin_record
    from consular.alerts.deliveries import deliveries_claim, delivery_token
    from consular.alerts.models import Delivery
    from consular.incidents.services import person_set_status
    from tests.alerts.alert_helpers import published

    registration = trip(roles["citizen"])
    run(hq, incident, csv(WANG))
    person = AffectedPerson.objects.get(incident=incident, registration=registration)
    person_set_status(actor=hq, person=person, status="deceased", source_kind="officer", source_ref="",
                      note="identified by the hospital")
    published(hq, make_user("hq_officer"), area={"countries": ["LA"]}, incident=str(incident.pk))
    deliveries_claim(batch_size=100)
    token = delivery_token(Delivery.objects.get(registration=registration).pk)

    result = checkin_record(token=token, status="safe")

    person.refresh_from_db()
    assert person.status == "deceased"
    assert result.registry is None  # nothing said to the registrant
    assert result.checkin.affected_person_id == person.pk  # kept on the person for the officers

"""Next of kin first: a death is shown to inquirers and the public only after an officer recorded that the next
of kin was told; before that they see "please wait for our call". Officers see the true status."""

from __future__ import annotations

import pytest
from django.utils import timezone

from consular.incidents.codes import AWAITING_NOTIFICATION, PUBLIC_STATUSES, PersonStatus
from consular.incidents.models import AffectedPerson
from consular.incidents.selectors import public_status, public_status_text
from tests.incidents.incident_helpers import INCIDENT_BODY, INQUIRY_BODY, PERSON_BODY


@pytest.mark.parametrize("status", PersonStatus.values)
def test_public_status_hides_only_an_unannounced_death(status):
    person = AffectedPerson(status=status)
    expected = AWAITING_NOTIFICATION if status == PersonStatus.DECEASED else status
    assert public_status(person) == expected
    person.next_of_kin_informed_at = timezone.now() if status == PersonStatus.DECEASED else None
    assert public_status(person) == status


def test_every_public_code_has_both_texts():
    assert set(PUBLIC_STATUSES) == {*PersonStatus.values, "awaiting_notification"}
    for code in PUBLIC_STATUSES:
        text = public_status_text(code)
        assert text["zh"] and text["en"]
    assert public_status_text(AWAITING_NOTIFICATION) == {"zh": "请等候我们的电话", "en": "please wait for our call"}


def _setup(api, roles):
    hq = api(roles["hq_officer"])
    incident = hq.post("/api/v1/incidents", INCIDENT_BODY, format="json").json()
    base = f"/api/v1/incidents/{incident['id']}"
    person = hq.post(f"{base}/persons", PERSON_BODY, format="json").json()
    return base, person


def test_gating_through_every_inquirer_facing_path(api, roles):
    base, person = _setup(api, roles)
    officer = api(roles["officer_cnx"])
    operator = api(roles["hotline_operator"])
    dead = officer.patch(f"{base}/persons/{person['id']}", {
        "status": "deceased", "source": {"kind": "import", "ref": "morgue-list-1:line 3"}}, format="json")
    assert dead.status_code == 200, dead.content
    # Officers see the truth, and what inquirers are told.
    assert (dead.json()["status"], dead.json()["public_status"]) == ("deceased", "awaiting_notification")

    asked = operator.post(f"{base}/inquiries", INQUIRY_BODY, format="json")
    assert asked.status_code == 201, asked.content
    best = asked.json()["candidates"][0]
    assert best["person"] == person["id"] and best["public_status"] == "awaiting_notification"
    assert best["public_status_text"] == {"zh": "请等候我们的电话", "en": "please wait for our call"}
    assert "status" not in best
    assert "deceased" not in asked.content.decode()

    inquiry = asked.json()["id"]
    attached = operator.post(f"{base}/inquiries/{inquiry}/attach", {"person": person["id"]}, format="json")
    assert attached.json()["public_status"] == "awaiting_notification"
    listed = operator.get(f"{base}/inquiries").json()["results"]
    assert [i["public_status"] for i in listed] == ["awaiting_notification"]
    assert "deceased" not in operator.get(f"{base}/inquiries").content.decode()

    # A correction owes the inquirer a call-back; a new death is gated again.
    officer.patch(f"{base}/persons/{person['id']}", {"status": "missing", "note": "not him at the morgue",
                                                     "source": {"kind": "officer"}}, format="json")
    officer.patch(f"{base}/persons/{person['id']}", {"status": "deceased",
                                                     "source": {"kind": "import", "ref": "morgue-list-2:line 1"}},
                  format="json")
    callbacks = operator.get(f"{base}/callbacks").json()["results"]
    assert [c["public_status"] for c in callbacks] == ["awaiting_notification"]
    assert "deceased" not in operator.get(f"{base}/callbacks").content.decode()

    informed = officer.post(f"{base}/persons/{person['id']}/next-of-kin-informed",
                            {"note": "his wife, in person, at the embassy"}, format="json")
    assert informed.status_code == 200, informed.content
    assert informed.json()["public_status"] == "deceased"
    assert informed.json()["next_of_kin_informed_by"] == roles["officer_cnx"].username
    again = operator.post(f"{base}/inquiries", {**INQUIRY_BODY, "inquirer_name": "同事"}, format="json").json()
    assert again["candidates"][0]["public_status"] == "deceased"
    assert again["candidates"][0]["public_status_text"] == {"zh": "遇难", "en": "deceased"}
    assert {i["public_status"] for i in operator.get(f"{base}/inquiries", {"person": person["id"]}).json()[
        "results"]} == {"deceased"}
    assert operator.get(f"{base}/callbacks").json()["results"][0]["public_status"] == "deceased"


def test_next_of_kin_informed_is_refused_unless_deceased(api, roles):
    base, person = _setup(api, roles)
    response = api(roles["hq_officer"]).post(f"{base}/persons/{person['id']}/next-of-kin-informed", {},
                                             format="json")
    assert response.status_code == 409 and response.json()["error"]["code"] == "conflict"
    assert "status" in response.json()["error"]["fields"]

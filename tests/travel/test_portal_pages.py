"""The citizens' trip pages: for signed-in citizens only, Chinese by default, a registration through the form with
a second stop added without JavaScript, the service's refusals shown on the right fields, cancelling."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from django.test import Client

from consular.core.models import AuditEntry
from consular.travel import services
from consular.travel.models import Registration, TripLeg
from tests.travel.travel_helpers import days, registration_in

FORM = {
    "legs-TOTAL_FORMS": "1", "legs-INITIAL_FORMS": "0", "legs-MIN_NUM_FORMS": "0", "legs-MAX_NUM_FORMS": "20",
    "legs-0-country": "TH", "legs-0-subdivision": "TH-10", "legs-0-city": "曼谷", "legs-0-arrive": days(3),
    "legs-0-depart": days(6),
    "kind": "trip", "name_zh": "李雷", "name_latin": "li lei", "birth_date": "1990-05-04", "passport_number": "",
    "phone": "+86 138 0013 8000", "email": "", "messaging_id": "", "channels": ["sms"], "language": "zh-hans",
    "emergency_name": "", "emergency_relation": "", "emergency_phone": "", "emergency_email": "",
    "consent_share_with_incident": "on",
}


def test_pages_by_role(client: Client, roles: dict[str, Any]) -> None:
    for path in ("/travel/", "/travel/new/"):
        response = client.get(path)
        assert response.status_code == 302 and "/login/" in response["Location"], path
    for role in ("hotline_operator", "hq_officer", "officer_bkk", "volunteer", "auditor"):
        client.force_login(roles[role])
        assert client.get("/travel/").status_code == 403, role
        assert client.get("/travel/new/").status_code == 403, role
    client.force_login(roles["citizen"])
    page = client.get("/travel/")
    assert page.status_code == 200 and 'href="/travel/new/"' in page.content.decode()
    form = client.get("/travel/new/").content.decode()
    assert 'name="legs-0-country"' in form and 'name="add_stop"' in form and 'name="idempotency_key"' in form
    assert 'lang="zh-hans"' in form
    places = client.get("/travel/places/", {"legs-0-country": "TH"}).content.decode()
    assert 'value="TH-50"' in places


def test_register_through_the_form_with_a_second_stop(client: Client, roles: dict[str, Any]) -> None:
    client.force_login(roles["citizen"])
    # "Add another stop" re-renders with a second, empty row and saves nothing.
    page = client.post("/travel/new/", {**FORM, "add_stop": "1"})
    body = page.content.decode()
    assert page.status_code == 200 and 'name="legs-1-country"' in body and not Registration.objects.exists()
    assert re.search(r'<option value="TH-10" selected>', body)
    second = {"legs-TOTAL_FORMS": "2", "legs-1-country": "TH", "legs-1-subdivision": "TH-50", "legs-1-city": "清迈",
              "legs-1-arrive": days(6), "legs-1-depart": days(9)}
    # Out of order: the message is on the second stop; nothing written.
    bad = client.post("/travel/new/", {**FORM, **second, "legs-1-arrive": days(4), "channels": ["email"]})
    text = bad.content.decode()
    assert bad.status_code == 400 and not Registration.objects.exists()
    assert 'id="id_legs-1-arrive_error"' in text and 'id="id_email_error"' in text
    # Sent twice (a double tap, a retry on a bad network) with the form's key: one registration.
    sent = urlencode({**FORM, **second, "idempotency_key": "f" * 32}, doseq=True)
    done = client.post("/travel/new/", sent, content_type="application/x-www-form-urlencoded")
    assert done.status_code == 302 and done["Location"].startswith("/travel/#r-")
    again = client.post("/travel/new/", sent, content_type="application/x-www-form-urlencoded")
    assert again["Location"] == done["Location"]
    r = Registration.objects.get()
    assert r.owner == roles["citizen"] and r.name_latin == "LI LEI" and r.channels == ["sms"]
    assert list(r.legs.values_list("subdivision_id", "city")) == [("TH-10", "曼谷"), ("TH-50", "清迈")]
    assert (r.consent_share_with_incident, r.consent_contact_family) == (True, False)
    listing = client.get("/travel/")
    assert f'id="r-{r.pk}"' in listing.content.decode()
    assert AuditEntry.objects.filter(action="registration.read", object_id=str(r.pk), data__purpose="portal").exists()


def test_cancel_from_the_list(client: Client, roles: dict[str, Any], make_user: Any) -> None:
    mine = services.registration_create(actor=roles["citizen"], data=registration_in())
    other = services.registration_create(actor=make_user("citizen"), data=registration_in())
    client.force_login(roles["citizen"])
    assert client.post(f"/travel/{other.pk}/cancel/").status_code == 404
    response = client.post(f"/travel/{mine.pk}/cancel/")
    assert response.status_code == 302 and response["Location"] == "/travel/"
    assert Registration.objects.get(pk=mine.pk).state == "cancelled"
    assert not TripLeg.objects.filter(registration=mine, active=True).exists()
    assert Registration.objects.get(pk=other.pk).state == "active"
    assert client.get(f"/travel/{mine.pk}/cancel/").status_code == 405


def test_the_list_says_how_alerts_will_come(client: Client, roles: dict[str, Any]) -> None:
    """The sentence names the channels the citizen chose, in the page's language, and Web Push apart."""
    citizen = roles["citizen"]
    email_sms = services.registration_create(actor=citizen, data=registration_in())
    webhook = services.registration_create(actor=citizen, data=registration_in(channels=["webhook"]))
    client.force_login(citizen)

    def sentence(registration: Registration, language: str) -> str:
        client.post("/i18n/setlang/", {"language": language, "next": "/"})
        page = client.get("/travel/").content.decode()
        item = page[page.index(f'id="r-{registration.pk}"'):]
        return re.search(r'class="hint push-optin__fallback">(.*?)</p>', item, re.S).group(1)  # type: ignore[union-attr]

    assert sentence(email_sms, "en") == "Safety alerts for this trip come by Email and SMS."
    assert "电子邮件和短信" in sentence(email_sms, "zh-hans")
    assert "Ministry channels" in sentence(webhook, "en") and "SMS" not in sentence(webhook, "en")

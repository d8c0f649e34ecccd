"""Console pages of alerts: write, see the estimated reach, a second officer approves and publishes; the delivery
report (counts per edition and channel, failure reasons, answers and the cases they opened, nothing personal); the
whole-sentence texts of the alert pages."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from consular.alerts import services
from consular.alerts.checkins import checkin_record
from consular.alerts.deliveries import deliveries_claim, delivery_result, delivery_token
from consular.alerts.models import Alert, Delivery
from consular.alerts.services import alert_approve, alert_create, alert_edition_add, alert_publish
from consular.cases.models import Case
from consular.cases.services import Location
from tests.alerts.alert_helpers import alert_form, alert_in, published, register
from tests.incidents.incident_helpers import open_incident

pytestmark = pytest.mark.django_db


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def test_write_approve_publish_in_the_console(roles, make_user):
    author, other = roles["officer_bkk"], make_user("mission_officer", "TH-BKK")
    register(roles["citizen"], [{"country": "TH", "subdivision": "TH-10"}], channels=["email"])
    now = timezone.localtime()
    form = {"level": "warning", "category": "security", "headline_zh": "曼谷抗议", "headline_en": "",
            "body_zh": "请避开示威地点。", "body_en": "", "instructions_zh": "", "instructions_en": "",
            "valid_from": now.strftime("%Y-%m-%dT%H:%M"),
            "valid_until": (now + timezone.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
            "countries": "", "subdivisions": "TH-10", "circles": "13.75, 100.5, 30",
            "polygons": "13.7, 100.4; 13.8, 100.4; 13.8, 100.6; 13.7, 100.4", "countries_concerned": "",
            "incident": ""}
    writer = _client(author)
    assert writer.get("/console/alerts/new/").status_code == 200
    bad = writer.post("/console/alerts/new/", {**form, "circles": "13.75, 100.5, 900"})
    assert bad.status_code == 400
    response = writer.post("/console/alerts/new/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    alert = Alert.objects.get()
    page = writer.get(f"/console/alerts/{alert.pk}/")
    assert "曼谷抗议" in page.content.decode()
    assert page.context["audience"].registrations == 1 and page.context["audience"].by_channel["email"] == 1
    writer.post(f"/console/alerts/{alert.pk}/approve/")
    assert alert.editions.get().state == "draft"  # the author may not approve
    approver = _client(other)
    approver.post(f"/console/alerts/{alert.pk}/approve/")
    approver.post(f"/console/alerts/{alert.pk}/publish/")
    alert.refresh_from_db()
    assert alert.state == "published" and Delivery.objects.count() == 1
    assert "ALT-" in approver.get("/console/alerts/").content.decode()
    assert approver.get(f"/console/alerts/{alert.pk}/edition/").status_code == 200
    # Read-only and other roles.
    assert _client(roles["auditor"]).get(f"/console/alerts/{alert.pk}/").status_code == 200
    assert _client(roles["auditor"]).post(f"/console/alerts/{alert.pk}/cancel/").status_code == 403
    assert _client(roles["officer_cnx"]).get(f"/console/alerts/{alert.pk}/").status_code == 404
    assert _client(roles["citizen"]).get("/console/alerts/").status_code == 403


# --- The delivery report --------------------------------------------------------------------------------------------

def _traveller(owner, leg, *, channels, email, name="王建国", passport="E12345678"):
    registration = register(owner, [leg], channels=channels, email=email)
    registration.name_zh, registration.name_latin = name, "WANG JIANGUO"
    registration.birth_date = datetime.date(1961, 3, 2)
    registration.passport_number, registration.consent_share_with_incident = passport, True
    registration.save()
    return registration


def _token_of(registration, channel):
    return delivery_token(Delivery.objects.get(registration=registration, channel=channel).pk)


@pytest.fixture
def report_alert(roles, make_user):
    """A Bangkok embassy alert about a flood incident, published twice (edition 1, then an update), to: a
    traveller in Bangkok whose email is delivered and who answers "safe"; one whose email is refused for good
    (the server's text quotes the address); one in Chiang Mai with no email address (suppressed) whose SMS is
    being sent and who answers "need help" (a case at the Chiang Mai consulate)."""
    hq, author, approver = roles["hq_officer"], roles["officer_bkk"], make_user("mission_officer", "TH-BKK")
    incident = open_incident(hq, kind="natural_disaster", title="Flood in Bangkok", missions=["TH-BKK"],
                             location=Location(country="TH", subdivision="TH-10", city="Bangkok"))
    citizen = roles["citizen"]
    safe = _traveller(citizen, {"country": "TH", "subdivision": "TH-10"}, channels=["email"], email="li@example.org")
    gone = _traveller(citizen, {"country": "TH", "subdivision": "TH-10"}, channels=["email"],
                      email="gone@example.org", name="张伟", passport="E22222222")
    helpless = _traveller(citizen, {"country": "TH", "subdivision": "TH-50"}, channels=["email", "sms"], email="",
                          name="陈小明", passport="E33333333")
    result = published(author, approver, incident=str(incident.pk))
    deliveries_claim(batch_size=100)
    delivery_result(delivery=Delivery.objects.get(registration=safe).pk, outcome="delivered")
    delivery_result(delivery=Delivery.objects.get(registration=gone).pk, outcome="permanent",
                    error="smtp 550 recipient refused: <gone@example.org> No such user")
    checkin_record(token=_token_of(safe, "email"), status="safe", message="在酒店")
    checkin_record(token=_token_of(safe, "email"), status="safe")  # again: one person
    checkin_record(token=_token_of(helpless, "sms"), status="need_help", message="水淹到二楼")
    alert_edition_add(actor=author, alert=result.alert, data=alert_in(level="evacuate", incident=str(incident.pk)))
    alert_approve(actor=approver, alert=result.alert)
    alert_publish(actor=approver, alert=result.alert)  # edition 2: three more pending (and one suppressed)
    return result.alert, incident


def test_delivery_report_counts_per_edition_reasons_and_answers(roles, report_alert):
    alert, incident = report_alert
    page = _client(roles["hq_officer"]).get(f"/console/alerts/{alert.pk}/deliveries/")
    assert page.status_code == 200
    overview, checkins = page.context["overview"], page.context["checkins"]
    assert overview.total.by_status == {"delivered": 1, "failed": 1, "pending": 3 + 1, "suppressed": 2}
    assert overview.total.total == 8
    first, second = sorted(overview.editions, key=lambda e: e.edition.number)
    assert first.counts.by_channel == {"email": {"delivered": 1, "failed": 1, "pending": 0, "suppressed": 1},
                                       "sms": {"delivered": 0, "failed": 0, "pending": 1, "suppressed": 0}}
    assert second.counts.by_status == {"delivered": 0, "failed": 0, "pending": 3, "suppressed": 1}
    assert first.counts.last_sent_at is not None and second.counts.last_sent_at is None
    assert overview.total.last_sent_at == first.counts.last_sent_at
    assert [(r.status, r.reason, r.count) for r in overview.reasons] == [
        ("suppressed", "no_contact", 2), ("failed", "smtp 550 recipient refused", 1)]
    assert checkins.people == {"safe": 1, "need_help": 1} and checkins.answers == {"safe": 2, "need_help": 1}
    assert checkins.registry == {"updated": 0, "added": 1, "not_shared": 0} and checkins.cases_total == 1
    case = Case.objects.get()
    assert case.mission.code == "TH-CNX" and checkins.cases == [case]  # HQ sees every mission's cases
    html = page.content.decode()
    assert f'href="/console/cases/{case.pk}/"' in html and case.reference in html
    assert f'href="/console/incidents/{incident.pk}/persons/?status=safe"' in html
    assert 'http-equiv="refresh"' in html  # messages still pending
    # Aggregates only: no recipient's name, address, passport or message on the page.
    for personal in ("王建国", "陈小明", "张伟", "gone@example.org", "li@example.org", "E12345678", "水淹到二楼",
                     "在酒店", "WANG JIANGUO"):
        assert personal not in html, personal
    detail = _client(roles["hq_officer"]).get(f"/console/alerts/{alert.pk}/").content.decode()
    assert f'href="/console/alerts/{alert.pk}/deliveries/"' in detail


def test_delivery_report_follows_who_may_see_the_alert_and_the_cases(roles, make_user, report_alert):
    alert, _ = report_alert
    url = f"/console/alerts/{alert.pk}/deliveries/"
    mission = _client(roles["officer_bkk"]).get(url)
    assert mission.status_code == 200
    # The Chiang Mai consulate's case is counted but not linked for the Bangkok embassy.
    assert mission.context["checkins"].cases == [] and mission.context["checkins"].cases_not_shown == 1
    assert Case.objects.get().reference not in mission.content.decode()
    assert _client(roles["auditor"]).get(url).status_code == 200
    assert _client(roles["officer_cnx"]).get(url).status_code == 404  # another mission's alert
    assert _client(roles["volunteer"]).get(url).status_code == 403
    assert _client(roles["citizen"]).get(url).status_code == 403
    assert Client().get(url).status_code == 302  # to the login page
    assert _client(roles["hq_officer"]).get("/console/alerts/00000000-0000-0000-0000-000000000000/deliveries/") \
        .status_code == 404


def test_delivery_report_of_a_draft_and_when_all_is_done(roles, make_user):
    author, approver = roles["hq_officer"], make_user("hq_officer")
    draft = alert_create(actor=author, data=alert_in())
    page = _client(author).get(f"/console/alerts/{draft.pk}/deliveries/")
    assert page.status_code == 200 and page.context["overview"].total.total == 0
    assert 'http-equiv="refresh"' not in page.content.decode()
    register(roles["citizen"], [{"country": "TH"}], channels=["email"])
    result = published(author, approver)
    deliveries_claim(batch_size=10)
    delivery_result(delivery=Delivery.objects.get().pk, outcome="delivered")
    done = _client(approver).get(f"/console/alerts/{result.alert.pk}/deliveries/")
    assert done.context["refresh_seconds"] is None and done.context["overview"].reasons == []
    assert 'http-equiv="refresh"' not in done.content.decode()


def test_detail_names_author_and_approver_in_whole_sentences(roles, make_user, settings):
    author, approver = make_user("hq_officer", username="zhou.min"), make_user("hq_officer", username="li.na")
    alert = published(author, approver).alert
    english = _client(author)
    english.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = english.get(f"/console/alerts/{alert.pk}/").content.decode()
    assert "Written by zhou.min." in html and "Approved by li.na at " in html and "Published by li.na at " in html
    # A cancelled alert offers no more actions (the state's code is compared, not its translated label).
    services.alert_cancel(actor=author, alert=alert)
    cancelled = _client(author).get(f"/console/alerts/{alert.pk}/").content.decode()
    assert f"/console/alerts/{alert.pk}/cancel/" not in cancelled


def test_public_country_page_uses_whole_translatable_sentences(client, roles, settings):
    services.country_advice_set(actor=roles["hq_officer"], country="TH", level="warning", summary_zh="谨慎前往")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get("/alerts/TH/").content.decode()
    assert "Travel advice: Warning" in html and "In force since " in html
    source = (Path(services.__file__).parent / "templates/alerts/country.html").read_text()
    assert '{% translate "Travel advice" %}:' not in source and '{% translate "What to do" %}:' not in source


# --- The alert editor's "count reach" button and area map -----------------------------------------------------------

def test_count_reach_counts_the_area_as_typed_and_saves_nothing(roles, make_user, monkeypatch):
    from consular.alerts import targeting
    from consular.alerts.models import AlertEdition

    # Exact counts here (the estimate is coarse by default: tests/alerts/test_reach_review.py).
    monkeypatch.setattr(targeting, "REACH_SMALL", 1)
    monkeypatch.setattr(targeting, "REACH_ROUND", 1)

    register(roles["citizen"], [{"country": "TH", "lat": 13.7563, "lon": 100.5018}], channels=["email", "sms"])
    chiang_mai = {"country": "TH", "lat": 18.7883, "lon": 98.9853}
    register(make_user("citizen"), [chiang_mai], channels=["email"])
    writer = _client(roles["hq_officer"])
    inside = writer.post("/console/alerts/new/", alert_form(circles="13.75, 100.5, 30", count_reach="1"))
    assert inside.status_code == 200
    audience = inside.context["audience"]
    assert (audience.registrations, audience.subscribers) == ("1", "<1")
    assert audience.by_channel["email"] == "1" and audience.by_channel["sms"] == "1"
    html = inside.content.decode()
    assert 'id="reach"' in html and "13.75, 100.5, 30" in html  # the count, and the form as typed
    # A circle elsewhere reaches nobody; a polygon over Chiang Mai reaches the other traveller.
    away = writer.post("/console/alerts/new/", alert_form(circles="7.88, 98.39, 20", count_reach="1"))
    assert away.status_code == 200 and away.context["audience"].registrations == "<1"
    north = writer.post("/console/alerts/new/", alert_form(
        polygons="18.7, 98.9; 18.9, 98.9; 18.9, 99.1; 18.7, 98.9", count_reach="1"))
    assert north.context["audience"].registrations == "1" and north.context["audience"].by_channel["sms"] == "<1"
    assert not Alert.objects.exists() and not AlertEdition.objects.exists()
    # The plain save button still saves, and the alert's page estimates the same reach.
    saved = writer.post("/console/alerts/new/", alert_form(circles="13.75, 100.5, 30"))
    assert saved.status_code == 302 and Alert.objects.count() == 1
    page = writer.get(saved["Location"])
    assert targeting.reach_estimate(page.context["audience"], ["TH"]) == audience


def test_count_reach_shows_field_errors_and_saves_nothing(roles):
    writer = _client(roles["officer_bkk"])
    bad = writer.post("/console/alerts/new/", alert_form(circles="13.75, 100.5, 900", count_reach="1"))
    assert bad.status_code == 400 and bad.context["audience"] is None
    assert bad.context["form"].errors["circles"]
    typo = writer.post("/console/alerts/new/", alert_form(circles="13.75; 100.5", count_reach="1"))
    assert typo.status_code == 400 and typo.context["form"].errors["circles"]
    empty = writer.post("/console/alerts/new/", alert_form(countries_concerned="", count_reach="1"))
    assert empty.status_code == 400 and empty.context["form"].errors["countries"]
    outside = writer.post("/console/alerts/new/", alert_form(countries="JP", count_reach="1"))
    assert outside.status_code == 403 and outside.context["form"].errors["countries"]
    assert _client(roles["auditor"]).post("/console/alerts/new/", alert_form(count_reach="1")).status_code == 403
    assert not Alert.objects.exists()


def test_the_form_and_the_alerts_page_carry_the_area_map(roles, make_user, settings):
    writer = _client(roles["hq_officer"])
    form = writer.get("/console/alerts/new/").content.decode()
    assert 'data-alert-map="edit"' in form and "console/world-110m.geojson" in form
    assert "console/vendor/leaflet/leaflet.js" in form and 'name="count_reach"' in form
    assert 'data-tiles=""' in form  # no tile server unless configured
    alert = alert_create(actor=roles["hq_officer"], data=alert_in(
        area={"circles": [{"lat": 13.75, "lon": 100.5, "radius_km": 30}]}, countries_concerned=["TH"]))
    settings.CONSULAR_MAP_TILE_URL = "https://tiles.example.org/{z}/{x}/{y}.png"
    page = writer.get(f"/console/alerts/{alert.pk}/").content.decode()
    assert 'data-alert-map="view"' in page and 'data-tiles="https://tiles.example.org/{z}/{x}/{y}.png"' in page
    assert '<script id="alert-area" type="application/json">' in page and '"radius_km": 30' in page

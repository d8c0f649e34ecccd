"""Console pages of alerts: write, see the estimated reach, a second officer approves and publishes."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from consular.alerts.models import Alert, Delivery
from tests.alerts.alert_helpers import register

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

"""The alerts API: shapes, the four-eyes rule, access by role, audience and deliveries, idempotent POSTs."""

from __future__ import annotations

import pytest

from consular.alerts.models import Alert, Delivery
from tests.alerts.alert_helpers import alert_body, register, subscribe

pytestmark = pytest.mark.django_db


def test_draft_approve_publish_update_cancel(api, roles, make_user):
    bkk, other, hq = roles["officer_bkk"], make_user("mission_officer", "TH-BKK"), roles["hq_officer"]
    register(roles["citizen"], [{"country": "TH", "subdivision": "TH-10", "lat": 13.75, "lon": 100.5}],
             channels=["email", "sms"])
    register(roles["citizen"], [{"country": "TH", "subdivision": "TH-50"}], channels=["email"])
    subscribe(make_user("citizen", email="f@example.org"), "TH", ["email"])
    author = api(bkk)
    first = alert_body()
    created = author.post("/api/v1/alerts", first, format="json", HTTP_IDEMPOTENCY_KEY="create-1")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["state"] == "draft" and body["edition"] == 1 and body["published_edition"] is None
    assert body["headline"] == {"zh-hans": "曼谷市中心发生抗议活动", "en": "Protests in central Bangkok"}
    assert body["area"]["subdivisions"] == ["TH-10"] and body["area"]["circles"][0]["radius_km"] == 30
    assert body["countries"] == ["TH"] and body["incident"] is None and body["mission"] == "TH-BKK"
    alert_id = body["id"]
    # The retried POST gets the first answer and creates nothing.
    again = author.post("/api/v1/alerts", first, format="json", HTTP_IDEMPOTENCY_KEY="create-1")
    assert again.json()["id"] == alert_id and Alert.objects.count() == 1
    audience = author.get(f"/api/v1/alerts/{alert_id}/audience").json()
    assert audience == {"registrations": 1, "subscribers": 1, "by_channel": {"email": 2, "sms": 1, "push": 0,
                                                                           "webhook": 0}, "by_country": {"TH": 1}}
    own = author.post(f"/api/v1/alerts/{alert_id}/approve")
    assert own.status_code == 403 and own.json()["error"]["code"] == "permission_denied"
    assert author.post(f"/api/v1/alerts/{alert_id}/publish").status_code == 409
    approved = api(other).post(f"/api/v1/alerts/{alert_id}/approve")
    assert approved.status_code == 200 and approved.json()["state"] == "approved"
    assert approved.json()["editions"][0]["approved_by"] == other.username
    published = author.post(f"/api/v1/alerts/{alert_id}/publish", HTTP_IDEMPOTENCY_KEY="publish-1")
    assert published.status_code == 200 and published.json()["state"] == "published"
    assert author.post(f"/api/v1/alerts/{alert_id}/publish", HTTP_IDEMPOTENCY_KEY="publish-1").status_code == 200
    assert Delivery.objects.count() == 3
    report = author.get(f"/api/v1/alerts/{alert_id}/deliveries").json()
    assert report["total"] == 3
    assert report["by_channel"]["email"] == {"delivered": 0, "failed": 0, "pending": 2, "suppressed": 0}
    assert report["by_channel"]["sms"] == {"delivered": 0, "failed": 0, "pending": 1, "suppressed": 0}
    # Update: a new edition, approved by HQ, published.
    update = author.post(f"/api/v1/alerts/{alert_id}/editions", alert_body(level="evacuate"), format="json")
    assert update.status_code == 201 and update.json()["edition"] == 2 and update.json()["level"] == "evacuate"
    assert update.json()["state"] == "published" and update.json()["published_edition"] == 1
    assert api(hq).post(f"/api/v1/alerts/{alert_id}/approve").status_code == 200
    assert api(hq).post(f"/api/v1/alerts/{alert_id}/publish").json()["state"] == "updated"
    cancelled = author.post(f"/api/v1/alerts/{alert_id}/cancel", {"reason": "结束"}, format="json")
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    assert [e["msg_type"] for e in cancelled.json()["editions"]] == ["alert", "update", "cancel"]
    assert author.post(f"/api/v1/alerts/{alert_id}/cancel").status_code == 409


def test_access_by_role(api, roles):
    hq = api(roles["hq_officer"])
    alert_id = hq.post("/api/v1/alerts", alert_body(), format="json").json()["id"]
    expected_read = {"hotline_operator": 200, "hq_officer": 200, "officer_bkk": 404, "officer_cnx": 404,
                     "volunteer": 403, "auditor": 200, "citizen": 403}
    expected_write = {"hotline_operator": 403, "hq_officer": 201, "officer_bkk": 201, "officer_cnx": 403,
                      "volunteer": 403, "auditor": 403, "citizen": 403}
    for name, user in roles.items():
        client = api(user)
        assert client.get(f"/api/v1/alerts/{alert_id}").status_code == expected_read[name], name
        assert client.get(f"/api/v1/alerts/{alert_id}/audience").status_code == expected_read[name], name
        listed = client.get("/api/v1/alerts")
        if expected_read[name] == 403:
            assert listed.status_code == 403, name
        else:
            assert (alert_id in {a["id"] for a in listed.json()["results"]}) == (expected_read[name] == 200), name
        created = client.post("/api/v1/alerts", alert_body(area={"subdivisions": ["TH-10"]}), format="json")
        assert created.status_code == expected_write[name], (name, created.json())
    assert api().get("/api/v1/alerts").status_code == 401
    # The mission officer's own alert is visible to the mission, not to the other mission.
    own = api(roles["officer_bkk"]).get("/api/v1/alerts").json()["results"]
    assert own and all(a["mission"] == "TH-BKK" for a in own)
    assert api(roles["officer_cnx"]).get(f"/api/v1/alerts/{own[0]['id']}").status_code == 404


def test_validation_errors_name_the_fields(api, roles):
    client = api(roles["hq_officer"])
    bad = alert_body(level="panic", headline={"en": "x"},
                     area={"circles": [{"lat": 13, "lon": 100, "radius_km": 900}],
                           "polygons": [[[13, 100], [14, 100], [14, 101]]]})
    response = client.post("/api/v1/alerts", bad, format="json")
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert {"level", "headline.zh-hans"} <= set(fields)
    assert any(name.startswith("area.circles") for name in fields) and any(
        name.startswith("area.polygons") for name in fields)
    unclosed = alert_body(area={"polygons": [[[13, 100], [14, 100], [14, 101], [13.5, 100.5]]]},
                          countries_concerned=["TH"])
    response = client.post("/api/v1/alerts", unclosed, format="json")
    assert response.status_code == 400 and "area.polygons" in response.json()["error"]["fields"]
    response = client.post("/api/v1/alerts", alert_body(incident="INC-2026-9999"), format="json",
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.json()["error"]["fields"] == {"incident": ["Unknown incident."]}
    chinese = client.post("/api/v1/alerts", alert_body(incident="INC-2026-9999"), format="json")
    assert chinese.json()["error"]["fields"] == {"incident": ["找不到该事件。"]}  # Chinese by default
    assert client.get("/api/v1/alerts/not-an-id").status_code == 404


def test_list_query_count_is_pinned(api, roles, django_assert_max_num_queries):
    client = api(roles["hq_officer"])
    for _ in range(3):
        client.post("/api/v1/alerts", alert_body(), format="json")
    with django_assert_max_num_queries(12) as captured:
        body = client.get("/api/v1/alerts").json()
    assert body["count"] == 3
    few = len(captured.captured_queries)
    for _ in range(3):
        client.post("/api/v1/alerts", alert_body(), format="json")
    with django_assert_max_num_queries(few) as captured:
        assert client.get("/api/v1/alerts").json()["count"] == 6

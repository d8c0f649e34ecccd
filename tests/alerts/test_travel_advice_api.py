"""The travel-advice API: the public list of current levels and one country's history; officers set a level
(idempotent, audited, within the mission's district); bad input is a 4xx naming the field."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from consular.alerts.models import CountryAdvice
from consular.alerts.services import country_advice_set
from consular.core.models import AuditEntry
from tests.alerts.alert_helpers import published

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def _advice(actor, country, level, days_ago, alert=None):
    return country_advice_set(actor=actor, country=country, level=level, summary_zh=f"{country} {level}",
                              summary_en=f"{country} {level} (en)", alert=alert,
                              effective_at=timezone.now() - datetime.timedelta(days=days_ago))


def test_public_list_shows_the_current_level_per_country_with_its_alert(api, roles, make_user):
    hq = roles["hq_officer"]
    result = published(hq, make_user("hq_officer"))
    _advice(hq, "TH", "notice", 30)
    _advice(hq, "TH", "warning", 1, alert=result.alert)
    _advice(hq, "LA", "caution", 5)
    response = api().get("/api/v1/travel-advice", **EN)
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [(r["country"], r["level"]) for r in rows] == [("LA", "caution"), ("TH", "warning")]
    thailand = rows[1]
    assert thailand["alert"] == {"id": str(result.alert.pk), "reference": result.alert.reference}
    assert thailand["summary"] == {"zh-hans": "TH warning", "en": "TH warning (en)"}
    assert thailand["country_name"] == "Thailand" and rows[0]["alert"] is None
    assert thailand["since"].startswith((timezone.now() - datetime.timedelta(days=1)).date().isoformat()[:4])
    only = api().get("/api/v1/travel-advice?country=th").json()["results"]
    assert [r["country"] for r in only] == ["TH"]
    assert api().get("/api/v1/travel-advice?country=FR").json()["results"] == []  # no advice: none listed


def test_country_history_newest_first_and_an_empty_country(api, roles):
    hq = roles["hq_officer"]
    _advice(hq, "TH", "notice", 30)
    _advice(hq, "TH", "evacuate", 2)
    _advice(hq, "TH", "caution", 10)
    body = api().get("/api/v1/travel-advice/th").json()
    assert body["country"] == "TH" and body["current"]["level"] == "evacuate"
    assert [h["level"] for h in body["history"]] == ["evacuate", "caution", "notice"]
    empty = api().get("/api/v1/travel-advice/FR").json()
    assert empty == {"country": "FR", "country_name": empty["country_name"], "current": None, "history": []}


@pytest.mark.parametrize("code", ["XX", "T", "THA", "1%00", "%E6%B3%B0"])
def test_unknown_country_is_a_404_with_a_message(api, roles, code):
    response = api().get(f"/api/v1/travel-advice/{code}", **EN)
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "not_found" and "ISO 3166-1" in error["message"]
    post = api(roles["hq_officer"]).post(f"/api/v1/travel-advice/{code}", {"level": "notice", "summary": {
        "zh-hans": "x"}}, format="json")
    assert post.status_code == 404


def test_bad_filters_are_400_with_the_field(api, reference):
    for query in ("country=THA", "country=1", "country=XX"):
        response = api().get(f"/api/v1/travel-advice?{query}")
        assert response.status_code == 400, query
        assert list(response.json()["error"]["fields"]) == ["country"]


def test_hq_officer_sets_a_level_idempotently_and_audited(api, roles, make_user):
    hq = roles["hq_officer"]
    result = published(hq, make_user("hq_officer"))
    client = api(hq)
    body = {"level": "warning", "summary": {"zh-hans": "曼谷局势紧张，请谨慎前往。", "en": "Tension in Bangkok."},
            "alert": result.alert.reference}
    first = client.post("/api/v1/travel-advice/TH", body, format="json", HTTP_IDEMPOTENCY_KEY="advice-1")
    assert first.status_code == 201, first.json()
    answer = first.json()
    assert answer["current"]["level"] == "warning" and answer["current"]["alert"]["reference"] == result.alert.reference
    assert answer["current"]["summary"]["zh-hans"] == "曼谷局势紧张，请谨慎前往。"
    again = client.post("/api/v1/travel-advice/TH", body, format="json", HTTP_IDEMPOTENCY_KEY="advice-1")
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert CountryAdvice.objects.count() == 1
    entry = AuditEntry.objects.get(action="country_advice.set")
    assert entry.actor_id == hq.pk and entry.data == {"country": "TH", "level": "warning"}
    # A second change is a new row of the history; the public sees it as current.
    client.post("/api/v1/travel-advice/TH", {"level": "caution", "summary": {"zh-hans": "缓和"}}, format="json")
    history = api().get("/api/v1/travel-advice/TH").json()["history"]
    assert [h["level"] for h in history] == ["caution", "warning"] and history[0]["alert"] is None


def test_bad_level_summary_and_alert_are_400_with_field_messages(api, roles, make_user):
    client = api(roles["hq_officer"])
    bad = client.post("/api/v1/travel-advice/TH", {"level": "panic", "summary": {"zh-hans": " "}}, format="json")
    assert bad.status_code == 400
    assert set(bad.json()["error"]["fields"]) == {"level", "summary.zh-hans"}
    assert client.post("/api/v1/travel-advice/TH", {"level": "notice"}, format="json").json()["error"]["fields"] \
        .keys() == {"summary"}
    assert client.post("/api/v1/travel-advice/TH", [1, 2], format="json").status_code == 400
    unknown = client.post("/api/v1/travel-advice/TH", {"level": "notice", "summary": {"zh-hans": "x"},
                                                       "alert": "ALT-2026-9999"}, format="json")
    assert unknown.status_code == 400 and list(unknown.json()["error"]["fields"]) == ["alert"]
    elsewhere = published(roles["hq_officer"], make_user("hq_officer"))  # an alert about Thailand only
    other = client.post("/api/v1/travel-advice/LA", {"level": "notice", "summary": {"zh-hans": "x"},
                                                     "alert": str(elsewhere.alert.pk)}, format="json")
    assert other.status_code == 400 and list(other.json()["error"]["fields"]) == ["alert"]
    assert CountryAdvice.objects.count() == 0


def test_who_may_set_travel_advice(api, roles):
    body = {"level": "notice", "summary": {"zh-hans": "注意安全"}}
    assert api().post("/api/v1/travel-advice/TH", body, format="json").status_code == 401
    for role in ("hotline_operator", "auditor", "citizen", "volunteer"):
        response = api(roles[role]).post("/api/v1/travel-advice/TH", body, format="json")
        assert response.status_code == 403, role
    # A mission officer: the whole countries of the mission's district only (Bangkok has Thailand).
    assert api(roles["officer_bkk"]).post("/api/v1/travel-advice/TH", body, format="json").status_code == 201
    outside = api(roles["officer_bkk"]).post("/api/v1/travel-advice/JP", body, format="json")
    assert outside.status_code == 403 and outside.json()["error"]["code"] == "permission_denied"
    assert list(CountryAdvice.objects.values_list("country_id", flat=True)) == ["TH"]

"""Statistics: counts and medians, scoped by mission."""

from __future__ import annotations

import datetime

from django.utils import timezone

from consular.cases.models import Case
from tests.api.test_cases_api import CNX_CASE, EXAMPLE, _open


def test_case_and_call_stats(api, roles):
    year = timezone.now().year
    first = _open(api, roles["hotline_operator"])
    _open(api, roles["hotline_operator"], {**CNX_CASE, "urgency": "p3", "category": "lost_documents"})
    _open(api, roles["hotline_operator"], EXAMPLE)  # Laos
    created = Case.objects.get(pk=first["id"]).created_at
    Case.objects.filter(pk=first["id"]).update(
        first_response_at=created + datetime.timedelta(minutes=10),
        resolved_at=created + datetime.timedelta(hours=5), state="resolved", assignee=roles["officer_cnx"],
    )
    api(roles["hotline_operator"]).post("/api/v1/calls", {"topic": "consultation", "summary": "visa",
                                                          "started_at": timezone.now().isoformat()}, format="json")
    hq = api(roles["hq_officer"]).get("/api/v1/stats/cases", {"year": year}).json()
    assert hq["total"] == 3
    assert hq["by_category"] == {"traffic_accident": 2, "lost_documents": 1}
    assert hq["by_country"] == {"TH": 2, "LA": 1}
    assert hq["by_mission"] == {"TH-CNX": 2, "LA-VTE": 1}
    assert sum(hq["by_month"].values()) == 3 and len(hq["by_month"]) == 12
    assert hq["median_minutes_to_first_response"] == 10.0
    assert hq["median_minutes_to_resolution"] == 300.0
    bkk = api(roles["officer_bkk"]).get("/api/v1/stats/cases", {"year": year}).json()
    assert bkk["total"] == 0
    calls = api(roles["hq_officer"]).get("/api/v1/stats/calls", {"year": year}).json()
    assert calls["total"] == 1 and calls["by_topic"] == {"consultation": 1}
    assert api(roles["hq_officer"]).get("/api/v1/stats/cases", {"year": "last"}).status_code == 400
    assert api(roles["citizen"]).get("/api/v1/stats/cases", {"year": year}).status_code == 403

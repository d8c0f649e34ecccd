"""Review of the alert editor's "count reach" and area input (commit a1d28a8): the estimate must not locate a
person (coarse counts, the district rule, an audit row per estimate), and odd area input is a 4xx, never a 500."""

from __future__ import annotations

import math

import pytest
from django.test import Client

from consular.alerts import services, targeting
from consular.alerts.models import Alert
from consular.core.errors import ApplicationError
from consular.core.models import AuditEntry
from tests.alerts.alert_helpers import alert_form, alert_in, register

pytestmark = pytest.mark.django_db


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def _form(**changes):
    return alert_form(count_reach="1", **changes)


def test_coarse_counts():
    assert [targeting.coarse(n) for n in (0, 1, 4)] == ["<5", "<5", "<5"]
    assert [targeting.coarse(n) for n in (5, 7, 8, 12, 13, 1234)] == ["5", "5", "10", "10", "15", "1235"]


def test_a_small_circle_cannot_tell_one_traveller_from_none(roles, make_user):
    """A 1 km circle around one traveller's hotel, and one next to it with nobody: the same answer."""
    register(roles["citizen"], [{"country": "TH", "lat": 13.7563, "lon": 100.5018}], channels=["email"])
    writer = _client(roles["officer_bkk"])
    there = writer.post("/console/alerts/new/", _form(circles="13.7563, 100.5018, 1"))
    empty = writer.post("/console/alerts/new/", _form(circles="13.9, 100.7, 1"))
    assert there.status_code == empty.status_code == 200
    assert there.context["audience"] == empty.context["audience"]
    assert there.context["audience"].registrations == "<5" and there.context["audience"].by_channel["email"] == "<5"
    assert "&lt;5" in there.content.decode()
    # Each estimate is audited, with the area asked about and what was shown.
    rows = list(AuditEntry.objects.filter(action="alert.reach_estimate").order_by("created_at", "id"))
    assert len(rows) == 2 and rows[0].actor_id == roles["officer_bkk"].pk
    assert rows[0].data["area"]["circles"] == [{"lat": 13.7563, "lon": 100.5018, "radius_km": 1.0}]
    assert rows[0].data["registrations"] == "<5"
    assert not Alert.objects.exists()


def test_many_travellers_are_rounded(roles, make_user):
    for _ in range(7):
        register(make_user("citizen"), [{"country": "TH", "lat": 13.7563, "lon": 100.5018}], channels=["sms"])
    estimate = services.alert_reach_estimate(actor=roles["hq_officer"], data=alert_in(
        area={"circles": [{"lat": 13.75, "lon": 100.5, "radius_km": 30}]}, countries_concerned=["TH"]))
    assert estimate.registrations == "5" and estimate.by_channel["sms"] == "5" and estimate.by_country == {"TH": "5"}


def test_outside_the_district_is_refused_and_nothing_counted(roles):
    """The Bangkok embassy cannot count travellers around an address in Japan (nor with a circle labelled TH)."""
    with pytest.raises(ApplicationError) as raised:
        services.alert_reach_estimate(actor=roles["officer_bkk"], data=alert_in(
            area={"circles": [{"lat": 35.68, "lon": 139.76, "radius_km": 1}]}, countries_concerned=["JP"]))
    assert raised.value.status == 403
    page = _client(roles["officer_bkk"]).post("/console/alerts/new/", _form(circles="35.68, 139.76, 1",
                                                                             countries_concerned="JP"))
    assert page.status_code == 403 and page.context["audience"] is None
    assert not AuditEntry.objects.filter(action="alert.reach_estimate").exists()


ODD_AREAS = [
    {"circles": [1]},
    {"circles": ["13.7, 100.5, 3"]},
    {"circles": [[13.7, 100.5, 3]]},
    {"circles": {"lat": 1}},
    {"circles": [{"lat": math.nan, "lon": 100.5, "radius_km": 3}]},
    {"circles": [{"lat": math.inf, "lon": 100.5, "radius_km": 3}]},
    {"circles": [{"lat": 13.7, "lon": 100.5, "radius_km": 1e308}]},
    {"circles": [{"lat": 91, "lon": 100.5, "radius_km": 3}]},
    {"circles": [{"lat": 13.7, "lon": 100.5, "radius_km": True}]},
    {"polygons": [1]},
    {"polygons": [[1, 2, 3, 4]]},
    {"polygons": "13.7, 100.4"},
    {"polygons": [[[13.7, 100.4]] * 10_000]},
    {"polygons": [[[13.7, 100.4], [13.8, 100.4], [13.8, math.nan], [13.7, 100.4]]]},
    {"polygons": [[[95, 100.4], [13.8, 100.4], [13.8, 100.6], [95, 100.4]]]},
    {"countries": [None, 5], "circles": None},
    {"countries": "TH"},
    {"subdivisions": {"a": 1}},
]


@pytest.mark.parametrize("area", ODD_AREAS)
def test_odd_areas_are_field_errors(roles, area):
    with pytest.raises(ApplicationError) as raised:
        services.alert_reach_estimate(actor=roles["hq_officer"], data=alert_in(area=area, countries_concerned=["TH"]))
    assert raised.value.status == 400


def test_a_self_intersecting_polygon_is_counted_not_a_500(roles):
    bow_tie = [[13.7, 100.4], [13.8, 100.6], [13.8, 100.4], [13.7, 100.6], [13.7, 100.4]]
    estimate = services.alert_reach_estimate(actor=roles["hq_officer"], data=alert_in(
        area={"polygons": [bow_tie]}, countries_concerned=["TH"]))
    assert estimate.registrations == "<5"


@pytest.mark.parametrize("circles", ["nan, 100.5, 3", "13.7, 100.5, inf", "1e400, 100.5, 3", "95, 100.5, 3",
                                     "13.7, 100.5, 0", "13.7, 100.5, -1"])
def test_odd_circle_lines_in_the_console_are_field_errors(roles, circles):
    page = _client(roles["hq_officer"]).post("/console/alerts/new/", _form(circles=circles))
    assert page.status_code == 400 and page.context["form"].errors["circles"]


def test_ten_thousand_polygon_points_in_the_console_are_a_field_error(roles):
    ring = "; ".join(["13.7, 100.4"] * 10_000)
    page = _client(roles["hq_officer"]).post("/console/alerts/new/", _form(polygons=ring))
    assert page.status_code == 400 and page.context["form"].errors["polygons"]


def test_alert_api_odd_area_is_a_400(roles, api):
    from tests.alerts.alert_helpers import alert_body

    client = api(roles["hq_officer"])
    for area in ({"circles": [1]}, {"polygons": [1]}, {"circles": "x"}, [], "TH"):
        answer = client.post("/api/v1/alerts", alert_body(area=area), format="json",
                             HTTP_IDEMPOTENCY_KEY=f"odd-{area!r}"[:60])
        assert answer.status_code == 400, (area, answer.status_code)
    assert not Alert.objects.exists()

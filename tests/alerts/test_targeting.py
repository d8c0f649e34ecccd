"""Who an edition reaches: trip legs overlapping the area (countries, subdivisions, circles, polygons) and the
validity, active registrations only, each once; subscribers of the countries concerned."""

from __future__ import annotations

import datetime

import pytest

from consular.alerts.area import circle_condition, point_in_ring
from consular.alerts.services import alert_create
from consular.alerts.targeting import audience_count, audience_registrations, audience_subscribers
from consular.travel.models import TripLeg
from tests.alerts.alert_helpers import POLYGON, alert_in, register, subscribe, when

pytestmark = pytest.mark.django_db


def _edition(actor, **area):
    alert = alert_create(actor=actor, data=alert_in(area=area, countries_concerned=["TH"]))
    return alert.editions.get()


def _reached(edition):
    return set(audience_registrations(edition).values_list("pk", flat=True))


def test_area_and_time_overlap(roles, make_user):
    hq = roles["hq_officer"]
    citizen = roles["citizen"]
    today = datetime.date.today()
    far = today + datetime.timedelta(days=60)
    people = {
        "th_country": register(citizen, [{"country": "TH"}]),
        "bangkok_sub": register(citizen, [{"country": "TH", "subdivision": "TH-10"}]),
        "chiang_mai": register(citizen, [{"country": "TH", "subdivision": "TH-50", "lat": 18.79, "lon": 98.98}]),
        "in_circle": register(citizen, [{"country": "TH", "lat": 13.78, "lon": 100.58}]),
        "just_outside_circle": register(citizen, [{"country": "TH", "lat": 13.75, "lon": 100.5 + 0.28}]),
        "in_polygon": register(citizen, [{"country": "TH", "lat": 13.72, "lon": 100.45}]),
        "just_outside_polygon": register(citizen, [{"country": "TH", "lat": 13.81, "lon": 100.45}]),
        "later_trip": register(citizen, [{"country": "TH", "subdivision": "TH-10", "arrive": far,
                                          "depart": far + datetime.timedelta(days=3)}]),
        "inactive_leg": register(citizen, [{"country": "TH", "subdivision": "TH-10"}], active=False),
        "cancelled": register(citizen, [{"country": "TH", "subdivision": "TH-10"}], state="cancelled"),
        "laos_then_bangkok": register(citizen, [{"country": "LA"}, {"country": "TH", "subdivision": "TH-10"}]),
        "us": register(citizen, [{"country": "US", "subdivision": "US-NY"}]),
    }
    by_id = {r.pk: name for name, r in people.items()}

    def names(edition):
        return {by_id[pk] for pk in _reached(edition)}

    assert names(_edition(hq, countries=["TH"])) == {
        "th_country", "bangkok_sub", "chiang_mai", "in_circle", "just_outside_circle", "in_polygon",
        "just_outside_polygon", "laos_then_bangkok"}
    assert names(_edition(hq, subdivisions=["TH-10"])) == {"bangkok_sub", "laos_then_bangkok"}
    circle = _edition(hq, circles=[{"lat": 13.75, "lon": 100.5, "radius_km": 30}])
    assert names(circle) == {"in_circle", "in_polygon", "just_outside_polygon"}
    polygon = _edition(hq, polygons=[POLYGON])
    assert names(polygon) == {"in_circle", "in_polygon"}
    assert names(_edition(hq, countries=["US"], subdivisions=["TH-50"])) == {"us", "chiang_mai"}
    # The later trip is reached by an alert valid then.
    later = alert_create(actor=hq, data=alert_in(area={"subdivisions": ["TH-10"]}, valid_from=when(59),
                                                 valid_until=when(61))).editions.get()
    assert names(later) == {"later_trip"}
    # A registration with two legs in the area is one person.
    assert audience_count(_edition(hq, countries=["TH", "LA"])).registrations == 8


def test_circle_is_exact_not_the_bounding_box(roles):
    hq = roles["hq_officer"]
    citizen = roles["citizen"]
    # The corner of the circle's box is outside the circle (distance about 42 km from the centre).
    corner = register(citizen, [{"country": "TH", "lat": 13.75 + 0.26, "lon": 100.5 + 0.26}])
    edge = register(citizen, [{"country": "TH", "lat": 13.75 + 0.26, "lon": 100.5}])
    edition = _edition(hq, circles=[{"lat": 13.75, "lon": 100.5, "radius_km": 30}], countries=[])
    assert _reached(edition) == {edge.pk}
    legs = TripLeg.objects.filter(circle_condition(13.75, 100.5, 30)).values_list("registration_id", flat=True)
    assert set(legs) == {edge.pk}
    assert corner.pk not in legs


def test_circle_across_the_antimeridian(roles):
    hq = roles["hq_officer"]
    citizen = roles["citizen"]
    east = register(citizen, [{"country": "FJ", "lat": -17.0, "lon": 179.9}])
    west = register(citizen, [{"country": "FJ", "lat": -17.0, "lon": -179.9}])
    register(citizen, [{"country": "FJ", "lat": -17.0, "lon": 178.0}])
    edition = alert_create(actor=hq, data=alert_in(area={"circles": [{"lat": -17.0, "lon": 180.0, "radius_km": 50}]},
                                                   countries_concerned=["FJ"])).editions.get()
    assert _reached(edition) == {east.pk, west.pk}


def test_point_in_ring_agrees_with_sql(roles):
    citizen = roles["citizen"]
    points = [(13.70 + i * 0.013, 100.38 + j * 0.027) for i in range(10) for j in range(10)]
    ring = [[13.70, 100.40], [13.80, 100.45], [13.76, 100.62], [13.71, 100.55], [13.70, 100.40]]
    registrations = {register(citizen, [{"country": "TH", "lat": lat, "lon": lon}]).pk: (lat, lon)
                     for lat, lon in points}
    edition = _edition(roles["hq_officer"], polygons=[ring])
    expected = {pk for pk, (lat, lon) in registrations.items() if point_in_ring(lat, lon, ring)}
    assert expected and len(expected) < len(points)
    assert _reached(edition) == expected


def test_audience_counts_by_channel_and_country_and_subscribers(roles, make_user):
    hq = roles["hq_officer"]
    citizen = roles["citizen"]
    register(citizen, [{"country": "TH", "subdivision": "TH-10"}], channels=["email", "sms", "push"],
             push='{"endpoint": "https://push.example/1"}')
    register(citizen, [{"country": "TH", "subdivision": "TH-10"}], channels=["sms"])
    register(citizen, [{"country": "LA"}, {"country": "TH", "subdivision": "TH-10"}], channels=["email"])
    follower = make_user("citizen", email="f@example.org")
    subscribe(follower, "TH", ["email"])
    subscribe(follower, "LA", ["email", "sms"])  # not concerned: LA is not in the area
    subscribe(citizen, "TH", ["email"])  # owns a registration reached: not counted twice
    subscribe(make_user("citizen"), "US", ["email"])
    edition = _edition(hq, subdivisions=["TH-10"])
    count = audience_count(edition)
    assert count.registrations == 3
    assert count.subscribers == 1
    assert count.by_channel == {"email": 3, "sms": 2, "push": 1, "webhook": 0}
    assert count.by_country == {"TH": 3}
    assert set(audience_subscribers(edition)) == {follower}

"""Cases land at the mission responsible for their place: the countries of the source document, with the
reference deployment's shipped missions file."""

from __future__ import annotations

import pytest

from consular.cases.services import Location, case_open
from consular.core.reference import reference_load
from tests.cases.conftest import case_in
from tests.core.test_reference import SHIPPED

PLACES = [
    (Location(country="LA", subdivision="LA-VI", city="Vang Vieng"), "LA-VTE"),  # the 2019 bus crash
    (Location(country="ET", city="Bishoftu"), "ET-ADD"),  # the 2019 plane crash
    (Location(country="LK", subdivision="LK-1", city="Colombo"), "LK-CMB"),  # the 2019 bombings
    (Location(country="NZ", subdivision="NZ-CAN", city="Christchurch"), "NZ-CHC"),
    (Location(country="US", subdivision="US-NY", city="New York"), "US-NYC"),
    (Location(country="US", subdivision="US-CA", city="Los Angeles"), "US-LAX"),
    (Location(country="AM", city="Yerevan"), "AM-EVN"),
]


@pytest.fixture
def shipped(db):
    reference_load(missions_file=SHIPPED)


@pytest.mark.parametrize(("location", "mission"), PLACES, ids=[p[1] for p in PLACES])
def test_case_routing_with_the_shipped_missions(shipped, make_user, location, mission):
    operator = make_user("hotline_operator", "HQ")
    case = case_open(actor=operator, data=case_in(location=location))
    assert case.mission.code == mission

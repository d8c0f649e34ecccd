"""Which mission answers for a place, on real places from the reference deployment."""

from __future__ import annotations

import pytest

from consular.core.errors import ApplicationError
from consular.core.jurisdiction import responsible_mission
from consular.core.models import Mission
from consular.core.reference import reference_load
from tests.core.test_reference import SHIPPED


@pytest.mark.parametrize(
    ("country", "subdivision", "mission"),
    [
        ("TH", None, "TH-BKK"),  # a whole country: its embassy
        ("TH", "TH-10", "TH-BKK"),  # Bangkok: no consulate covers it
        ("TH", "TH-50", "TH-CNX"),  # Chiang Mai province: the consulate-general
        ("th", "th-57", "TH-CNX"),  # case does not matter
        ("US", "US-NY", "US-NYC"),
        ("US", "US-CA", "US-WAS"),  # no CG for California in the small file: the embassy
        ("TV", None, "FJ-SUV"),  # Tuvalu: the embassy in Fiji is concurrently accredited
        ("FJ", None, "FJ-SUV"),
        ("FR", None, "HQ"),  # no mission: HQ answers
        ("AQ", None, "HQ"),
    ],
)
def test_small_file(reference, country, subdivision, mission):
    assert responsible_mission(country, subdivision).code == mission


def test_inactive_mission_is_skipped(reference):
    Mission.objects.filter(code="TH-CNX").update(active=False)
    assert responsible_mission("TH", "TH-50").code == "TH-BKK"


@pytest.mark.parametrize(("country", "subdivision", "code"), [
    ("XX", None, "unknown_country"),
    ("", None, "unknown_country"),
    ("TH", "US-NY", "unknown_subdivision"),
    ("TH", "TH-99", "unknown_subdivision"),
])
def test_unknown_places_are_refused(reference, country, subdivision, code):
    with pytest.raises(ApplicationError) as info:
        responsible_mission(country, subdivision)
    assert info.value.code == code
    assert info.value.fields


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("country", "subdivision", "mission_country", "kind"),
    [
        ("LA", None, "LA", "embassy"),  # the 2019 bus crash in Laos
        ("ET", None, "ET", "embassy"),  # the 2019 plane crash in Ethiopia
        ("LK", None, "LK", "embassy"),  # the 2019 bombings in Sri Lanka
        ("NZ", None, "NZ", "embassy"),
        ("AM", None, "AM", "embassy"),
        ("US", "US-CA", "US", "consulate_general"),  # Los Angeles or San Francisco
        ("US", "US-NY", "US", "consulate_general"),
        ("US", "US-DC", "US", "embassy"),
        ("TH", "TH-50", "TH", "consulate_general"),
        ("JP", "JP-27", "JP", "consulate_general"),  # Osaka
        ("JP", "JP-13", "JP", "embassy"),  # Tokyo
        ("AU", "AU-NSW", "AU", "consulate_general"),  # Sydney
    ],
)
def test_shipped_file_on_real_places(country, subdivision, mission_country, kind):
    reference_load(missions_file=SHIPPED)
    mission = responsible_mission(country, subdivision)
    assert (mission.country_id, mission.kind) == (mission_country, kind)


def test_the_map_is_cached_and_rebuilt(reference, settings, django_assert_num_queries):
    from consular.core.jurisdiction import jurisdiction_cache_clear

    settings.JURISDICTION_CACHE_SECONDS = 300
    jurisdiction_cache_clear()
    assert responsible_mission("TH", "TH-50").code == "TH-CNX"
    with django_assert_num_queries(0):
        assert responsible_mission("US", "US-NY").code == "US-NYC"
        assert responsible_mission("FR").code == "HQ"
    Mission.objects.filter(code="TH-CNX").update(active=False)
    assert responsible_mission("TH", "TH-50").code == "TH-CNX"  # cached until cleared or expired
    jurisdiction_cache_clear()
    assert responsible_mission("TH", "TH-50").code == "TH-BKK"
    jurisdiction_cache_clear()

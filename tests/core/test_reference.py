"""Reference data: CLDR names, an idempotent loader, a strict missions file, the shipped data."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from consular.core.errors import ApplicationError
from consular.core.models import Country, Jurisdiction, Mission, Subdivision
from consular.core.reference import reference_load
from tests.conftest import SMALL_MISSIONS

SHIPPED = Path(__file__).resolve().parents[2] / "consular" / "core" / "data" / "missions.toml"


def _counts() -> tuple[int, int, int, int]:
    return (Country.objects.count(), Subdivision.objects.count(), Mission.objects.count(), Jurisdiction.objects.count())


def test_load_twice_gives_the_same_rows(no_reference):
    first = reference_load(missions_file=SMALL_MISSIONS)
    assert first.changed
    before = _counts()
    snapshot = list(Jurisdiction.objects.values_list("id", "mission__code", "country_id", "subdivision_id"))
    second = reference_load(missions_file=SMALL_MISSIONS)
    assert not second.changed
    assert _counts() == before
    assert list(Jurisdiction.objects.values_list("id", "mission__code", "country_id", "subdivision_id")) == snapshot


def test_country_names_come_from_cldr(no_reference):
    reference_load(missions_file=SMALL_MISSIONS)
    assert Country.objects.count() >= 249
    assert Country.objects.get(code="ET").name_zh == "埃塞俄比亚"
    assert Country.objects.get(code="AM").name_en == "Armenia"
    assert Country.objects.get(code="LK").name_zh == "斯里兰卡"
    assert Subdivision.objects.get(code="TH-50").country_id == "TH"


def test_command_is_idempotent(db, capsys):
    call_command("loadreference", missions=str(SMALL_MISSIONS))
    call_command("loadreference", missions=str(SMALL_MISSIONS))
    assert "already up to date" in capsys.readouterr().out


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "missions.toml"
    path.write_text(SMALL_MISSIONS.read_text(encoding="utf-8") + text, encoding="utf-8")
    return path


BAD_MISSION = """
[[mission]]
code = "TH-TST"
kind = "consulate_general"
name_zh = "测试"
name_en = "Test"
country = "TH"
city_en = "Nowhere"
timezone = "Mars/Olympus"
jurisdiction = ["TH-50", "TH-99", "US-CA"]
"""


def test_bad_missions_file_reports_every_problem_and_writes_nothing(no_reference, tmp_path):
    with pytest.raises(ApplicationError) as info:
        reference_load(missions_file=_write(tmp_path, BAD_MISSION))
    problems = "\n".join(info.value.fields["missions"])
    assert "unknown time zone 'Mars/Olympus'" in problems
    assert "unknown subdivision 'TH-99'" in problems
    assert "US-CA is not in the host country TH" in problems
    assert "TH-50 is claimed by both TH-CNX and TH-TST" in problems
    assert Country.objects.count() == 0 and Mission.objects.count() == 0


@pytest.mark.django_db
def test_command_reports_a_broken_file(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text("[[mission]\ncode = ", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("loadreference", missions=str(path))


@pytest.mark.django_db
def test_a_mission_removed_from_the_file_is_deactivated_not_deleted(tmp_path):
    reference_load(missions_file=SMALL_MISSIONS)
    text = SMALL_MISSIONS.read_text(encoding="utf-8")
    start = text.index('[[mission]]\ncode = "FJ-SUV"')
    end = text.index("[[mission]]", start + 1)
    path = tmp_path / "fewer.toml"
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    report = reference_load(missions_file=path)
    assert report.updated == {"missions": 1}
    assert Mission.objects.get(code="FJ-SUV").active is False


def test_shipped_missions_file_loads_and_covers_the_reference_deployment(no_reference):
    data = tomllib.loads(SHIPPED.read_text(encoding="utf-8"))
    reference_load(missions_file=SHIPPED)
    host_countries = set(Mission.objects.exclude(kind="hq").values_list("country_id", flat=True))
    assert len(host_countries) >= 30
    # Every country named in the source document.
    assert {"LA", "NZ", "US", "ET", "LK", "AM", "SR", "AO", "UZ", "PA", "BY"} <= host_countries
    assert Mission.objects.count() == len(data["mission"])
    # Every consulate answers for subdivisions of its host country, except four whose districts are made of
    # units first-level codes cannot express (documented in docs/reference-data.md); those fall back to
    # the embassy.
    without_district = set()
    for mission in Mission.objects.filter(kind__in=["consulate", "consulate_general"], active=True):
        subs = Jurisdiction.objects.filter(mission=mission, subdivision__isnull=False)
        if not subs.exists():
            without_district.add(mission.code)
        assert all(j.country_id == mission.country_id for j in subs), mission.code
    assert without_district == {"ID-SUB", "ID-MES", "GB-MAN", "ZA-JNB"}

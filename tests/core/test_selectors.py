"""Look-ups of reference data shared by the console and the portal."""

from __future__ import annotations

from django.utils import translation

from consular.core.models import Country
from consular.core.selectors import countries_by_name, subdivisions_of


def test_countries_by_name_follow_the_active_language(reference: None) -> None:
    with translation.override("zh-hans"):
        chinese = [c.code for c in countries_by_name()]
    with translation.override("en"):
        english = [c.code for c in countries_by_name()]
    assert len(chinese) == len(english) == Country.objects.count()
    # 德国 (de) before 法国 (fa) in pinyin; France before Germany in English.
    assert chinese.index("DE") < chinese.index("FR")
    assert english.index("FR") < english.index("DE")


def test_subdivisions_of_a_country_are_its_first_level_ones_by_name(reference: None) -> None:
    provinces = list(subdivisions_of(country="th"))
    assert provinces and all(s.country_id == "TH" and s.parent_id is None for s in provinces)
    assert [s.name for s in provinces] == sorted(s.name for s in provinces)
    assert "TH-50" in {s.code for s in provinces}
    assert not subdivisions_of(country="").exists()
    assert not subdivisions_of(country="XX").exists()

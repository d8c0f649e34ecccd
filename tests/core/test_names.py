"""The sort key for names shown in lists: Chinese by pinyin, Latin by letter, accents ignored."""

from __future__ import annotations

from consular.core.names import name_sort_key


def test_chinese_names_sort_by_pinyin() -> None:
    # fei (斐, a level-2 character with a stand-in), lao, tai, wen (汶 with a stand-in, 文), zhong
    names = ["中国", "泰国", "汶莱", "老挝", "斐济"]
    assert sorted(names, key=name_sort_key) == ["斐济", "老挝", "泰国", "汶莱", "中国"]


def test_latin_names_sort_by_letter_without_case_or_accents() -> None:
    names = ["Thailand", "laos", "Côte d’Ivoire", "Cuba", "Chile"]
    assert sorted(names, key=name_sort_key) == ["Chile", "Côte d’Ivoire", "Cuba", "laos", "Thailand"]


def test_latin_before_chinese() -> None:
    assert sorted(["泰国", "Thailand"], key=name_sort_key) == ["Thailand", "泰国"]

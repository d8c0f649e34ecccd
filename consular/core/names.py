"""Normalised name keys for exact search across scripts: 王建国, WANG JIANGUO, Jianguo Wang and WANG<<JIANGUO
give a shared key. (Fuzzy matching with scores belongs to the incident registry's matcher.)"""

from __future__ import annotations

import itertools
import re
import unicodedata

from pypinyin import Style, pinyin

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_MAX_READINGS = 16


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text))


def _ascii_fold(text: str) -> str:
    # Ü/ü (lü, nü) is written V or YU in passports; fold to "v" like Hanyu Pinyin input does.
    text = text.replace("ü", "v").replace("Ü", "V")
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


_YU = re.compile(r"^(l|n)yu")  # passport LYU / NYU for 吕 / 女-type syllables = pinyin lü / nü


def latin_tokens(name: str) -> list[str]:
    return [_YU.sub(r"\1v", t) for t in re.split(r"[^a-z]+", _ascii_fold(name).lower()) if t]


def _orders(tokens: list[str]) -> set[str]:
    """Joined tokens as written, with the first token moved last, and with the last token moved first."""
    if not tokens:
        return set()
    keys = {"".join(tokens)}
    if len(tokens) > 1:
        keys.add("".join(tokens[1:] + tokens[:1]))
        keys.add("".join(tokens[-1:] + tokens[:-1]))
    return keys


def chinese_keys(name: str) -> set[str]:
    chars = "".join(_CJK.findall(name))
    if not chars:
        return set()
    keys = {chars}
    readings = pinyin(chars, style=Style.NORMAL, heteronym=True, v_to_u=False)
    combos = itertools.islice(itertools.product(*[r[:4] for r in readings]), _MAX_READINGS)
    for combo in combos:
        syllables = [s.replace("ü", "v") for s in combo]
        keys.add("".join(syllables))
        keys.add("".join(syllables[1:] + syllables[:1]))  # given name first
    return keys


def name_keys(name: str) -> set[str]:
    """Every key a name may be found by: characters and their pinyin readings, or Latin tokens in the
    usual orders (passport SURNAME GIVEN, Western Given Surname, MRZ SURNAME<<GIVEN)."""
    if not name or not name.strip():
        return set()
    if has_cjk(name):
        return chinese_keys(name)
    return _orders(latin_tokens(name))

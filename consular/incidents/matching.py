"""Finding the same person across Chinese characters and Latin spellings.

Design (after the record-linkage systems that work: Fellegi–Sunter scoring as in Splink, name parsing and
equivalence classes as in the name-matching engines of border and bank screening systems):

1. **Parse every name into hypotheses.** A name in characters becomes one hypothesis: the surname (one
   character, or two for 欧阳, 司马, 万俟 … ) and the given name, each a sequence of *units*, one per character,
   carrying every pinyin reading of the character. Surnames with a special surname reading (曾 zeng, 单 shan,
   解 xie, 仇 qiu, 朴 piao, 区 ou …) carry that reading at full weight and the ordinary readings at a lower one.
   A Latin name becomes several hypotheses, because its order is not written down: passport order (SURNAME
   GIVEN), Western order (Given SURNAME), a two-syllable surname (OU YANG, SZETO), or, when the form says so,
   exactly one order (MRZ ``ZHANG<<WEI``, ``WANG, Jianguo``). Each Latin token is segmented into syllables
   (``JIANGUO`` → JIAN GUO; hyphens and spaces do not matter) and each syllable becomes a unit carrying every
   pinyin syllable it may stand for: itself in pinyin, the passport ü forms (LYU/LV/LÜ = lü, NYU = nü, LU
   also lü on older passports), Wade–Giles (CHANG = zhang, HSU = xu, KUO = guo), Tongyong (JHANG, SYU),
   Hong Kong and Macao Cantonese (CHAN = chen, WONG = huang/wang, TAI = da, MAN = wen, LEONG = liang), and a
   few Hokkien surnames (TAN, LIM). These are the syllable-level equivalence classes; they live in
   ``name_data``. A token that cannot be segmented is kept whole as a *raw* unit: usually a typo.

2. **Compare units.** Two units agree when they are the same character or spelling (1.0), or when their
   pinyin sets intersect: the weight of the weaker of the two spellings (1.0 for pinyin, 0.97 Wade–Giles,
   0.96 Cantonese …). Two characters with a reading in common: 0.99 for one character in two forms,
   traditional and simplified or a variant (陳/陈, 峯/峰: the table in ``hanzi_variants``), 0.9 for two
   characters with one reading (汪/王, 张/章: maybe a slip of the input method, maybe another person).
   Two *valid* syllables that differ are different characters, however close the letters: ``WEI``/``WEN``
   scores 0.25 and a transposition (``GUO``/``GOU``) 0.5, so ZHANG WEI never matches ZHANG WEN. A raw unit is
   compared by optimal-string-alignment distance (rapidfuzz) with every spelling of the other unit, and an
   edit costs ``0.08 + 0.5/length`` (a typo in a short syllable says more than one in a long name).

3. **Align components.** Surname against surname and given name against given name: units pairwise when
   the lengths agree, otherwise by a global alignment with free gaps normalised by the longer side (张伟 vs
   ZHANG WEIMIN gets one of two). When either side holds a raw unit the component is also compared as one
   string (``JAINGUO`` vs jianguo), which catches typos across syllable boundaries. The best pair of
   segmentations and hypotheses wins; a hypothesis that reverses the order of the other side costs 0.02.

4. **Name similarity.** ``(1.5·surname + n·given) / (1.5 + n)`` with n the number of given-name syllables:
   each surname syllable position weighs more than a given-name syllable, so 王建国/黄建国 (surname differs)
   ranks below 王建国/王建华 (one given syllable differs), and both fall well under the match threshold.
   Whole-name string similarity is a last resort when a name could not be split (``WANGJAINGUO``).

5. **Evidence, Fellegi–Sunter style.** The name similarity becomes log-odds ``15·(sim − 0.76)``; birth date
   and passport number add match weights: same birth date +2.0, day and month swapped −0.5, one digit off
   −1.5, same year only −3.5, different −6 (a veto for all but the strongest name evidence); when one side has
   only a year (an inquiry: "born 1961"): same year +1, one year off −1, else −4.5. Same passport number
   (letters and digits only) +7 (near-certain), one character off +1, different −2 (people renew passports).
   The score is the logistic of the sum, in 0..1: an identical name alone gives 0.97, the threshold
   ``MATCH_THRESHOLD`` (0.80) sits at name similarity ≈ 0.85. Two names in characters that differ in a
   character of the same reading (汪建国, 王建国) are two ways of writing the name, not one: the score is
   scaled by ``DIFFERENT_CHARACTERS_CAP`` (0.75), which keeps it a review at most whatever the birth date
   says (an officer must look), and still a review (≥ ``POSSIBLE_THRESHOLD``) when the readings agree; only a
   same passport number lifts it. The reason ``characters_differ_same_reading:汪/王`` says why.

6. **Blocking.** ``blocking_keys`` gives each name a small set of index keys such that a true match shares at
   least one: surname + first given syllable (``n:wang:jian``; all readings and romanisations expanded to
   pinyin, so CHAN TAI MAN and 陈大文 share ``n:chen:da``), the whole given name + the surname's initial
   (``g:jianguo:w``, survives a surname typo), surname + consonant skeleton of the given name
   (``k:wang:jng``, survives vowel typos and transpositions), surname + last given syllable (``l:wang:guo``,
   survives a typo at the start of the given name), the whole name's skeleton (``w:wngjng``, for
   names that could not be split), and, with a birth date, surname + year (``y:wang:1961``) and the
   ``n:``/``l:`` keys + year (``ny:wang:jian:1961``), and the given name's consonant skeleton, whole or less one
   consonant (for a one-consonant given name its letters, whole or less one), + surname + year
   (``ky:wang:jng:1961``, ``ky:wang:jn:1961``, ``ky:chen:a:1996`` for 陈娜: a typo anywhere in the given name
   still shares one), the narrow tier for queries that know the year.
   Candidates are fetched by key from an index, never by scanning the registry.

Everything here is pure Python (pypinyin, rapidfuzz) and imports without Django. What two names say is
cached for the process (`_name_evidence`: plain tuples, which the garbage collector does not track); the parses
and part comparisons behind it serve one search and are emptied after it (`search_done`).
"""

from __future__ import annotations

import itertools
import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import NamedTuple, Protocol

from pypinyin import Style, pinyin
from rapidfuzz.distance import OSA, Levenshtein

from consular.incidents import hanzi_variants as hv
from consular.incidents import name_data as nd

MATCH_THRESHOLD = 0.80  # at or above: the same person on the evidence given
POSSIBLE_THRESHOLD = 0.50  # at or above: worth an officer's look
# Two names in characters that differ in a character (not only in its traditional, simplified or variant
# form) are two ways of writing, not one: their score is scaled by this, so it stays under MATCH_THRESHOLD
# whatever the birth date says, and above POSSIBLE_THRESHOLD when the readings agree. A same passport number
# is not scaled (a slip of the input method in a list that carries the passport number).
DIFFERENT_CHARACTERS_CAP = 0.75
VARIANT_FORM_SCORE = 0.99  # 陳/陈: the same character; the form as written still ranks first
HOMOPHONE_SCORE = 0.9  # 汪/王: another character with the same reading

SURNAME_WEIGHT = 1.5
ORDER_PENALTY = 0.02
LOGIT_SLOPE = 15.0
LOGIT_CENTRE = 0.76

# Weight of a spelling system when two units meet only through it.
SYSTEM_WEIGHT: dict[str, float] = {
    "pinyin": 1.0, "passport_yu": 1.0, "surname_reading": 1.0, "alt_reading": 0.97, "old_passport_u": 0.97,
    "wade_giles": 0.97, "tongyong": 0.97, "variant": 0.96, "cantonese": 0.96, "hokkien": 0.95,
    "ordinary_reading": 0.95, "rare_reading": 0.3,
}
# Romanisation systems by where they are written: a name is written in one of these (its surname may differ).
FAMILY: dict[str, str] = {
    "pinyin": "mainland", "passport_yu": "mainland", "old_passport_u": "mainland", "wade_giles": "taiwan",
    "tongyong": "taiwan", "variant": "taiwan", "cantonese": "cantonese", "hokkien": "hokkien",
}
ALL_FAMILIES: frozenset[str] = frozenset(FAMILY.values())
_ROMANISATIONS = {"passport_yu", "old_passport_u", "wade_giles", "tongyong", "variant", "cantonese", "hokkien"}

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f]")
_NAME_DOTS = "·•・‧.．"
_MAX_SEGMENTATIONS = 4
_MAX_ALTERNATIVES = 8
_MAX_READINGS = 4
_WHOLE_TOKEN_ONLY = frozenset({"ng", "m"})  # Cantonese NG (吴, 伍) is never part of a longer token


# ---------------------------------------------------------------------------------------------------------
# Public types


@dataclass(frozen=True)
class NameRecord:
    """One person as a list or the registry knows them. ``birth_date`` is a date or ``YYYY[-MM[-DD]]``."""

    name: str
    birth_date: date | str | None = None
    passport_number: str | None = None
    id: str = ""


@dataclass(frozen=True)
class MatchResult:
    id: str
    score: float
    reasons: list[str] = field(default_factory=list)
    name_score: float = 0.0  # the score from the names alone


# ---------------------------------------------------------------------------------------------------------
# Spelling tables (built once at import from name_data)

# Latin spelling -> {pinyin syllable: [systems]}
LATIN: dict[str, dict[str, list[str]]] = {}
# pinyin syllable -> {system: [spellings]}
SPELLINGS: dict[str, dict[str, list[str]]] = {}


def _add(spelling: str, syllable: str, system: str) -> None:
    systems = LATIN.setdefault(spelling, {}).setdefault(syllable, [])
    if system not in systems:
        systems.append(system)
    spelled = SPELLINGS.setdefault(syllable, {}).setdefault(system, [])
    if spelling not in spelled:
        spelled.append(spelling)


def _build_tables() -> None:
    for syllable in sorted(nd.PINYIN_SYLLABLES):
        _add(syllable, syllable, "pinyin")
    for spelling, syllable in nd.PASSPORT_U.items():
        _add(spelling, syllable, "passport_yu")
    for syllable in sorted(nd.PINYIN_SYLLABLES):
        for spelling in nd.wade_giles(syllable):
            _add(spelling, syllable, "wade_giles")
        for spelling in nd.tongyong(syllable):
            _add(spelling, syllable, "tongyong")
    for spelling, syllable in nd.OLD_PASSPORT_U.items():
        _add(spelling, syllable, "old_passport_u")
    for table, system in ((nd.VARIANTS, "variant"), (nd.CANTONESE, "cantonese"), (nd.HOKKIEN, "hokkien")):
        for spelling, syllables in table.items():
            for syllable in syllables.split():
                _add(spelling, syllable, system)


_build_tables()
_MAX_SPELLING = max(len(s) for s in LATIN)


# ---------------------------------------------------------------------------------------------------------
# Units, hypotheses, parsing


@dataclass(frozen=True, eq=False, slots=True)
class Unit:
    """One syllable of a name: a character or a Latin spelling with the pinyin syllables it may stand for.
    A unit without readings is *raw*: a Latin token that could not be segmented (usually a typo)."""

    text: str
    readings: tuple[tuple[str, float, str], ...]  # (pinyin, weight, system), best first
    hanzi: bool = False
    # Units are interned (built through cached constructors) and compared by identity, which keeps the
    # comparison caches cheap: hashing a unit does not walk its readings.
    valid: bool = field(init=False)
    raw: bool = field(init=False)
    pinyins: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "valid", bool(self.readings))
        object.__setattr__(self, "raw", not self.readings and not self.hanzi)
        object.__setattr__(self, "pinyins", tuple(r[0] for r in self.readings))


Seq = tuple[Unit, ...]


class Hypothesis(NamedTuple):
    surname: tuple[Seq, ...]  # alternative segmentations
    given: tuple[Seq, ...]
    order: str  # surname_first | given_first | mrz | comma


@dataclass(frozen=True, eq=False, slots=True)
class ParsedName:
    text: str
    script: str  # hanzi | latin | empty
    form: str  # plain | mrz | comma | dotted
    hypotheses: tuple[Hypothesis, ...]
    spelled: tuple[str, ...] = ()  # a Latin name's whole-name strings
    orders: tuple[Seq, ...] = ()  # a name in characters: its units in each order, spelled out when needed
    has_raw: bool = field(init=False)
    _whole: tuple[str, ...] | None = field(init=False, default=None, repr=False)

    def __post_init__(self) -> None:
        raw = any(u.raw for h in self.hypotheses for seq in (*h.surname, *h.given) for u in seq)
        object.__setattr__(self, "has_raw", raw)

    @property
    def whole(self) -> tuple[str, ...]:
        """Whole-name strings for the last-resort comparison and the ``w:`` key (spelled out on first use: most
        comparisons never need them)."""
        whole = self._whole
        if whole is None:
            whole = _whole_strings(*self.orders) if self.orders else self.spelled
            object.__setattr__(self, "_whole", whole)
        return whole


_UNITS: dict[tuple[str, tuple[tuple[str, float, str], ...], bool], Unit] = {}


def _interned(unit: Unit) -> Unit:
    return _UNITS.setdefault((unit.text, unit.readings, unit.hanzi), unit)


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text))


def names_to_compare(query: str, names: list[str]) -> list[str]:
    """The names of a person a query is compared with: a query in Chinese characters with the person's names in
    characters when there are any (a different character with the same reading is worth an officer's look,
    which the passport spelling, the same for both, would hide); otherwise with every name."""
    if has_cjk(query):
        return [n for n in names if has_cjk(n)] or names
    return names


def fold_latin(text: str) -> str:
    """Lower-case ASCII letters, ü written v (LÜ → lv), every other mark dropped."""
    text = unicodedata.normalize("NFKD", text)
    text = text.replace("u\u0308", "v").replace("U\u0308", "V")
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


def _spelling_ok(spelling: str, families: frozenset[str]) -> bool:
    return any(FAMILY[sys] in families for systems in LATIN.get(spelling, {}).values() for sys in systems)


@lru_cache(maxsize=16384)
def _latin_unit(spelling: str, families: frozenset[str] = ALL_FAMILIES) -> Unit:
    readings: list[tuple[str, float, str]] = []
    for py, systems in LATIN.get(spelling, {}).items():
        usable = [sys for sys in systems if FAMILY[sys] in families]
        if usable:
            best = max(usable, key=lambda sys: SYSTEM_WEIGHT[sys])
            readings.append((py, SYSTEM_WEIGHT[best], best))
    readings.sort(key=lambda r: -r[1])
    return Unit(spelling, tuple(readings))


def _cut(token: str, families: frozenset[str], strict: bool) -> list[tuple[str, ...]]:
    """All cuts of ``token`` into spellings of the given families. ``strict`` refuses a syllable starting with
    a vowel inside the token (pinyin would need an apostrophe: XI'AN), which keeps TIA from being TI-A."""
    memo: dict[int, list[tuple[str, ...]]] = {}

    def cut(i: int) -> list[tuple[str, ...]]:
        if i == len(token):
            return [()]
        if i in memo:
            return memo[i]
        found: list[tuple[str, ...]] = []
        if not (strict and i > 0 and token[i] in "aeiou"):
            for j in range(i + 1, min(len(token), i + _MAX_SPELLING) + 1):
                piece = token[i:j]
                if piece in _WHOLE_TOKEN_ONLY and (i > 0 or j < len(token)):
                    continue
                if _spelling_ok(piece, families):
                    found.extend((piece, *rest) for rest in cut(j))
        found.sort(key=lambda s: (len(s), sum(p not in nd.PINYIN_SYLLABLES for p in s)))
        memo[i] = found[:16]
        return memo[i]

    return cut(0)


@lru_cache(maxsize=65536)
def token_families(token: str) -> frozenset[str]:
    """The romanisation families in which ``token`` is a well-formed run of syllables."""
    found = {family for family in ALL_FAMILIES if _cut(token, frozenset((family,)), strict=True)}
    if token in nd.COMPOUND_LATIN:
        found.add("cantonese")
    return frozenset(found)


@lru_cache(maxsize=65536)
def _segmentations(token: str, families: frozenset[str] = ALL_FAMILIES) -> tuple[Seq, ...]:
    """The plausible ways to cut a Latin token into syllables, fewest syllables and most pinyin first."""
    if token in nd.COMPOUND_LATIN and "cantonese" in families:
        first, second = nd.COMPOUND_LATIN[token]
        compound: Seq = (Unit(first, ((first, SYSTEM_WEIGHT["cantonese"], "cantonese"),)),
                         Unit(second, ((second, SYSTEM_WEIGHT["cantonese"], "cantonese"),)))
    else:
        compound = ()
    options = _cut(token, families, strict=True)
    if options:
        fewest = len(options[0])
        options = [o for o in options if len(o) <= fewest + 1][:_MAX_SEGMENTATIONS]
    seqs = [tuple(_latin_unit(p, families) for p in option) for option in options]
    if compound:
        seqs.insert(0, compound)
    return tuple(seqs)


def _token_options(token: str, families: frozenset[str] = ALL_FAMILIES) -> tuple[Seq, ...]:
    return _segmentations(token, families) or ((Unit(token, ()),),)


def _combine(tokens: Sequence[str], families: frozenset[str] = ALL_FAMILIES) -> tuple[Seq, ...]:
    """Every segmentation of a run of tokens, flattened into unit sequences (capped)."""
    options = [_token_options(t, families) for t in tokens]
    combos = itertools.islice(itertools.product(*options), _MAX_ALTERNATIVES)
    return tuple(tuple(u for seq in combo for u in seq) for combo in combos)


def _is_compound(first: Unit, second: Unit) -> bool:
    return any((a, b) in nd.COMPOUND_PINYIN for a in first.pinyins for b in second.pinyins)


def _surname_options(tokens: Sequence[str], families: frozenset[str], strict: bool) -> tuple[Seq, ...]:
    """Segmentations that can be a surname: one syllable, a two-syllable surname, or a raw token (a typo).
    With ``strict`` off (the form says which part is the surname) anything goes."""
    seqs = _combine(tokens, families)
    if not strict:
        return seqs
    kept = [s for s in seqs if len(s) == 1 or (len(s) == 2 and _is_compound(s[0], s[1]))]
    return tuple(kept)


def _hanzi_unit(char: str, readings: list[str], surname: bool) -> Unit:
    return _hanzi_unit_interned(char, tuple(readings), surname)


@lru_cache(maxsize=65536)
def _hanzi_unit_interned(char: str, readings: tuple[str, ...], surname: bool) -> Unit:
    if not readings:
        return Unit(char, (), hanzi=True)
    found: list[tuple[str, float, str]] = []
    if surname and char in nd.SURNAME_READINGS:
        found = [(py, 1.0, "surname_reading") for py in nd.SURNAME_READINGS[char]]
        found += [(py, SYSTEM_WEIGHT["ordinary_reading"], "ordinary_reading") for py in readings
                  if py not in nd.SURNAME_READINGS[char]]
    else:
        other = "alt_reading" if char in nd.NAME_POLYPHONES else "rare_reading"
        found = [(readings[0], 1.0, "pinyin")]
        found += [(py, SYSTEM_WEIGHT[other], other) for py in readings[1:]]
    return Unit(char, tuple(found[:_MAX_READINGS + 1]), hanzi=True)


@lru_cache(maxsize=32768)
def _one_char_readings(char: str) -> tuple[str, ...]:
    # errors="default" keeps an unknown character as itself: filtered out here.
    out = pinyin(char, style=Style.NORMAL, heteronym=True, v_to_u=False, errors="default")
    return tuple(r for r in dict.fromkeys(out[0] if out else ()) if r and r.isascii() and r.isalpha())


def _char_readings(chars: str) -> list[list[str]]:
    """Each character's readings, commonest first, read one character at a time: a name is not a word, so
    pypinyin's phrase dictionary (于思 "bearded", yúsāi) must not choose its readings (于思成 is Yu Sicheng)."""
    return [list(_one_char_readings(c)) for c in chars]


def _parse_hanzi(text: str) -> ParsedName:
    parts = [p for p in re.split(f"[{re.escape(_NAME_DOTS)}]", text) if _CJK.search(p)]
    parts = ["".join(_CJK.findall(p)) for p in parts]
    chars = "".join(parts)
    readings = _char_readings(chars)
    if len(parts) > 1:  # 买买提·艾力: no Han surname; the first part stands where a surname would
        cut, form = len(parts[0]), "dotted"
    elif len(chars) >= 3 and chars[:2] in nd.COMPOUND_SURNAMES:
        cut, form = 2, "plain"
    else:
        cut, form = min(1, len(chars)), "plain"
    if form == "plain" and cut == 2:
        ordinary = SYSTEM_WEIGHT["ordinary_reading"]
        surname_units = tuple(
            _interned(Unit(c, ((py, 1.0, "surname_reading"),
                               *[(r, ordinary, "ordinary_reading") for r in readings[i] if r != py][:_MAX_READINGS]),
                           True))
            for i, (c, py) in enumerate(zip(chars[:2], nd.COMPOUND_SURNAMES[chars[:2]], strict=True)))
    else:
        surname_units = tuple(_hanzi_unit(c, readings[i], surname=(form == "plain"))
                              for i, c in enumerate(chars[:cut]))
    given_units = tuple(_hanzi_unit(c, readings[cut + i], surname=False) for i, c in enumerate(chars[cut:]))
    hypothesis = Hypothesis((surname_units,), (given_units,), "surname_first")
    return ParsedName(text, "hanzi", form, (hypothesis,),
                      orders=((*surname_units, *given_units), (*given_units, *surname_units)))


def _whole_strings(*orders: Seq) -> tuple[str, ...]:
    out: list[str] = []
    for units in orders:
        options = [_key_pinyins(u)[:2] if u.valid else (u.text,) for u in units]
        for combo in itertools.islice(itertools.product(*options), 4):
            out.append("".join(combo))
    return tuple(dict.fromkeys(s for s in out if s))


def _tokens(text: str) -> list[str]:
    return [t for t in re.split(r"[^a-z]+", text) if t]


def _written_in(tokens: Sequence[str]) -> tuple[frozenset[str], frozenset[str]]:
    """The romanisation families a Latin name is written in, for its given name and for its surname: those
    in which every token is well formed (WANG LEI is pinyin or Wade–Giles, so LEI is not Macao's 李). Failing
    that, a surname in its own spelling before or after a given name in one system (LIM JUN JIE, LEE
    TENG-HUI): the given name keeps the families of all tokens but the first or but the last, the surname
    any. Tokens well formed in no family (typos) do not vote."""
    known = [f for f in (token_families(t) for t in tokens) if f]
    if not known:
        return ALL_FAMILIES, ALL_FAMILIES
    everywhere = frozenset.intersection(*known)
    if everywhere:
        return everywhere, everywhere
    but_first = frozenset.intersection(*known[1:]) if len(known) > 1 else frozenset()
    but_last = frozenset.intersection(*known[:-1]) if len(known) > 1 else frozenset()
    return (but_first | but_last) or ALL_FAMILIES, ALL_FAMILIES


def _parse_latin(text: str) -> ParsedName:
    folded = fold_latin(text).replace("-", "").replace("'", "").replace("’", "")
    hypotheses: list[Hypothesis] = []
    written_in, surname_in = _written_in(_tokens(folded))
    if "<" in folded or "," in folded:
        sep = "<<" if "<<" in folded else ("," if "," in folded else "<")
        surname_part, _, given_part = folded.partition(sep)
        form = "mrz" if "<" in folded else "comma"
        sur_tokens, giv_tokens = _tokens(surname_part), _tokens(given_part)
        if sur_tokens:
            hypotheses.append(Hypothesis(_surname_options(sur_tokens, surname_in, strict=False),
                                         _combine(giv_tokens, written_in), form))
        tokens = sur_tokens + giv_tokens
    else:
        form = "plain"
        tokens = _tokens(folded)
        if len(tokens) == 1:
            hypotheses.extend(_single_token_hypotheses(tokens[0], written_in))
        elif len(tokens) > 1:
            splits = [(tokens[:1], tokens[1:], "surname_first"), (tokens[-1:], tokens[:-1], "given_first")]
            if len(tokens) >= 3:
                splits += [(tokens[:2], tokens[2:], "surname_first"), (tokens[-2:], tokens[:-2], "given_first")]
            for sur, giv, order in splits:
                if len(sur) == 2 and not any(
                        len(s) == 2 and _is_compound(*s) for s in _combine(sur, surname_in)):
                    continue
                options = _surname_options(sur, surname_in, strict=True)
                if options:
                    hypotheses.append(Hypothesis(options, _combine(giv, written_in), order))
    whole = tuple(dict.fromkeys(("".join(tokens), "".join(tokens[-1:] + tokens[:-1])))) if tokens else ()
    return ParsedName(text, "latin" if tokens else "empty", form, tuple(hypotheses), spelled=whole)


def _single_token_hypotheses(token: str, families: frozenset[str]) -> list[Hypothesis]:
    out: list[Hypothesis] = []
    for seq in _segmentations(token, families):
        if len(seq) == 1:
            out.append(Hypothesis((seq,), ((),), "surname_first"))
            continue
        cuts = [(seq[:1], seq[1:], "surname_first"), (seq[-1:], seq[:-1], "given_first")]
        if len(seq) >= 3 and _is_compound(seq[0], seq[1]):
            cuts.append((seq[:2], seq[2:], "surname_first"))
        if len(seq) >= 3 and _is_compound(seq[-2], seq[-1]):
            cuts.append((seq[-2:], seq[:-2], "given_first"))
        out.extend(Hypothesis((sur,), (giv,), order) for sur, giv, order in cuts)
    return out


@lru_cache(maxsize=131072)
def parse(name: str) -> ParsedName:
    """Parse a name in any script into comparable hypotheses (cached)."""
    text = unicodedata.normalize("NFKC", name or "").strip()
    if not text:
        return ParsedName(text, "empty", "plain", ())
    if has_cjk(text):
        return _parse_hanzi(text)
    return _parse_latin(text)


# ---------------------------------------------------------------------------------------------------------
# Comparison


def _typo_credit(distance: int, length: int) -> float:
    if distance == 0:
        return 1.0
    if length <= 1:  # one letter for another (LI A, LI B) is another name, not a typo of it
        return 0.0
    allowed = 1 if length <= 5 else (2 if length <= 10 else 3)
    if distance > allowed:
        return 0.0
    return max(0.0, 1.0 - distance * (0.08 + 0.5 / max(length, 1)))


def _unit_spellings(unit: Unit) -> tuple[str, ...]:
    if not unit.valid:
        return (unit.text,)
    if unit.hanzi:
        out: list[str] = []
        for py in unit.pinyins:
            for spelled in SPELLINGS.get(py, {}).values():
                out.extend(spelled)
        return tuple(dict.fromkeys(out))
    return tuple(dict.fromkeys((unit.text, *unit.pinyins)))


class UnitResult(NamedTuple):
    """(Comparison results are named tuples: cheaper to build than frozen dataclasses, and they are built for
    every pair of syllables and components compared.)"""

    score: float
    kind: str  # identical | equivalent | variant_form | homophone | transposed | near | typo | different
    shown: str  # the syllable to show (common pinyin, or the spelling)
    system: str
    characters: str = ""  # for variant_form and homophone: the two characters, 陳/陈


def _telling(system: str) -> int:
    return 0 if system in _ROMANISATIONS else (2 if system == "pinyin" else 1)


@lru_cache(maxsize=131072)
def compare_units(a: Unit, b: Unit) -> UnitResult:
    if a.text == b.text and a.hanzi == b.hanzi:
        return UnitResult(1.0, "identical", a.pinyins[0] if a.hanzi and a.valid else a.text, "pinyin")
    if a.valid and b.valid:
        wb = {py: (w, sys) for py, w, sys in b.readings}
        best: tuple[float, str, str] | None = None
        for py, w, sys in a.readings:
            if py in wb:
                w2, sys2 = wb[py]
                # The weaker side decides; on a tie, name what is worth telling: a romanisation (LYU is
                # passport_yu), then a surname or secondary reading, plain pinyin last.
                weight, _, system = min((w, _telling(sys), sys), (w2, _telling(sys2), sys2))
                if best is None or weight > best[0]:
                    best = (weight, py, system)
        if best is not None:
            if a.hanzi and b.hanzi:
                characters = f"{a.text}/{b.text}"
                if hv.same_character(a.text, b.text):
                    return UnitResult(VARIANT_FORM_SCORE, "variant_form", best[1], "variant_form", characters)
                return UnitResult(HOMOPHONE_SCORE, "homophone", best[1], "homophone", characters)
            return UnitResult(best[0], "equivalent", best[1], best[2])
        sa = (a.text,) if not a.hanzi else a.pinyins
        sb = (b.text,) if not b.hanzi else b.pinyins
        osa = min(OSA.distance(x, y) for x in sa for y in sb)
        lev = min(Levenshtein.distance(x, y) for x in sa for y in sb)
        if osa == 1 and lev == 2:
            return UnitResult(0.5, "transposed", b.pinyins[0] if b.hanzi else b.text, "")
        if osa == 1:
            return UnitResult(0.25, "near", b.pinyins[0] if b.hanzi else b.text, "")
        return UnitResult(0.0, "different", b.pinyins[0] if b.hanzi else b.text, "")
    if (a.hanzi and not a.valid) or (b.hanzi and not b.valid):
        return UnitResult(0.0, "different", b.text, "")  # a character without a known reading
    best_distance, best_length, shown = 99, 1, b.text
    for x in _unit_spellings(a):
        for y in _unit_spellings(b):
            d = OSA.distance(x, y)
            if d < best_distance:
                best_distance, best_length = d, max(len(x), len(y))
                shown = y if not b.valid else x
    credit = _typo_credit(best_distance, best_length)
    return UnitResult(credit, "typo" if credit else "different", shown, "")


class SeqResult(NamedTuple):
    score: float
    kind: str  # match | typo | partial | mismatch | empty
    shown: str
    systems: tuple[str, ...]  # the spelling systems that carried the match, sorted (plain pinyin left out)
    a: Seq  # the two sides compared
    b: Seq
    length: int  # syllables compared (the longer side)
    homophones: tuple[str, ...] = ()  # characters that differ with the same reading: 汪/王
    variant_forms: tuple[str, ...] = ()  # one character in two forms: 陳/陈

    @property
    def a_text(self) -> str:
        return _text(self.a)

    @property
    def b_text(self) -> str:
        return _text(self.b)


@lru_cache(maxsize=65536)
def _seq_strings(seq: Seq) -> tuple[tuple[str, float], ...]:
    """Whole-component spellings with their weight (the weakest reading or system used): the Latin letters
    as written, or for characters their readings joined, and their Wade–Giles, Cantonese, Tongyong forms."""
    if all(not u.hanzi for u in seq):
        return (("".join(u.text for u in seq), 1.0),)
    options = [u.readings[:3] if u.valid else ((u.text, 1.0, ""),) for u in seq]
    out: dict[str, float] = {}
    for combo in itertools.islice(itertools.product(*options), 8):
        text, weight = "".join(r[0] for r in combo), min(r[1] for r in combo)
        out[text] = max(weight, out.get(text, 0.0))
    for system in ("wade_giles", "cantonese", "tongyong"):
        spelled = []
        for u in seq:
            py = u.pinyins[0] if u.valid else u.text
            spelled.append((SPELLINGS.get(py, {}).get(system) or [py])[0])
        text = "".join(spelled)
        out[text] = max(SYSTEM_WEIGHT[system], out.get(text, 0.0))
    return tuple(out.items())


def _text(seq: Seq) -> str:
    return "".join(u.text for u in seq)


_FULL_KINDS = frozenset({"identical", "equivalent", "variant_form", "homophone"})
_TYPO_KINDS = _FULL_KINDS | {"typo"}


def compare_seqs(a: Seq, b: Seq) -> SeqResult:
    length = max(len(a), len(b))
    if not a and not b:
        return SeqResult(1.0, "empty", "", (), (), (), 0)
    if not a or not b:
        return SeqResult(0.0, "mismatch", "", (), a, b, length)
    if len(a) == len(b):
        pairs = [compare_units(x, y) for x, y in zip(a, b, strict=True)]
        score = sum(p.score for p in pairs) / length
    else:
        pairs, score = _align(a, b)
    # Characters compare as characters, never as letters; otherwise the same letters cut differently (LINE =
    # lin'e) match, and with a raw unit the whole component may be a typo.
    if score < 1.0 and not (all(u.hanzi for u in a) and all(u.hanzi for u in b)):
        whole = _whole_component(a, b)
        if whole is not None and whole[0] > score:
            credit, distance, shown = whole
            return SeqResult(credit, "match" if distance == 0 else "typo", shown, (), a, b, length)
    kinds = {p.kind for p in pairs}
    if len(pairs) == length and kinds <= _FULL_KINDS:
        kind = "match"
    elif len(pairs) == length and kinds <= _TYPO_KINDS:
        kind = "typo"
    elif any(p.score > 0 for p in pairs):
        kind = "partial"
    else:
        kind = "mismatch"
    systems = tuple(sorted({p.system for p in pairs if p.system and p.system != "pinyin"}))
    homophones = tuple(p.characters for p in pairs if p.kind == "homophone") if "homophone" in kinds else ()
    variant_forms = (tuple(p.characters for p in pairs if p.kind == "variant_form") if "variant_form" in kinds
                     else ())
    return SeqResult(score, kind, "".join(p.shown for p in pairs), systems, a, b, length,
                     homophones, variant_forms)


def _whole_component(a: Seq, b: Seq) -> tuple[float, int, str] | None:
    """The two components compared as whole strings (their spellings, `_seq_strings`): the best (credit,
    distance, shown), or None when nothing compares. Without a raw unit on either side only the same letters
    count (LINE = lin'e); with one, a typo across syllable boundaries does too (JAINGUO, jianguo)."""
    strings_a, strings_b = _seq_strings(a), _seq_strings(b)
    if not (any(u.raw for u in a) or any(u.raw for u in b)):
        exact = dict(strings_b)
        strings_a = tuple((x, w) for x, w in strings_a if x in exact)
        if not strings_a:
            return None
        kept = dict(strings_a)
        strings_b = tuple((x, w) for x, w in strings_b if x in kept)
    best_credit, best_distance, best_shown = 0.0, 99, ""
    for x, wx in strings_a:
        for y, wy in strings_b:
            d = OSA.distance(x, y, score_cutoff=3)
            credit = _typo_credit(d, max(len(x), len(y))) * min(wx, wy)
            if credit > best_credit:
                best_credit, best_distance, best_shown = credit, d, y
    return best_credit, best_distance, best_shown


def _align(a: Seq, b: Seq) -> tuple[list[UnitResult], float]:
    """Global alignment with free gaps, maximising the summed unit scores; normalised by the longer side."""
    n, m = len(a), len(b)
    table = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            table[i][j] = max(table[i - 1][j], table[i][j - 1],
                              table[i - 1][j - 1] + compare_units(a[i - 1], b[j - 1]).score)
    pairs: list[UnitResult] = []
    i, j = n, m
    while i > 0 and j > 0:
        here = compare_units(a[i - 1], b[j - 1])
        if math.isclose(table[i][j], table[i - 1][j - 1] + here.score) and here.score > 0:
            pairs.append(here)
            i, j = i - 1, j - 1
        elif table[i][j] == table[i - 1][j]:
            i -= 1
        else:
            j -= 1
    pairs.reverse()
    return pairs, table[n][m] / max(n, m)


@lru_cache(maxsize=65536)
def compare_components(a: tuple[Seq, ...], b: tuple[Seq, ...]) -> SeqResult:
    best: SeqResult | None = None
    for x in a:
        for y in b:
            result = compare_seqs(x, y)
            if best is None or result.score > best.score:
                best = result
    return best or SeqResult(0.0, "mismatch", "", (), (), (), 1)


@dataclass(frozen=True)
class NameComparison:
    similarity: float
    surname: SeqResult | None
    given: SeqResult | None
    reordered: bool
    compound: bool
    whole_typo: bool


def compare_names(a: ParsedName, b: ParsedName) -> NameComparison:
    best = NameComparison(0.0, None, None, False, False, False)
    for ha in a.hypotheses:
        for hb in b.hypotheses:
            surname = compare_components(ha.surname, hb.surname)
            given = compare_components(ha.given, hb.given)
            if given.kind == "empty":
                similarity = 0.85 * surname.score
            else:
                n = max(given.length, 1)
                similarity = (SURNAME_WEIGHT * surname.score + n * given.score) / (SURNAME_WEIGHT + n)
            reordered = (ha.order == "given_first") != (hb.order == "given_first")
            if reordered:
                similarity -= ORDER_PENALTY
            if similarity > best.similarity:
                compound = surname.length == 2
                best = NameComparison(similarity, surname, given, reordered, compound, False)
    if (a.has_raw or b.has_raw or not a.hypotheses or not b.hypotheses) and a.whole and b.whole:
        distance, length = 99, 1
        for x in a.whole:
            for y in b.whole:
                d = OSA.distance(x, y)
                if d < distance:
                    distance, length = d, max(len(x), len(y))
        # A letter off in a name of four letters or fewer (LIA, LIB) is a different given name, not a typo:
        # a typo within a short given name is the part comparison's to credit (LI NB for LI NA).
        if distance == 0 or length >= 5:
            credit = _typo_credit(distance, length) - (0.0 if distance == 0 else 0.02)
            if credit > best.similarity:
                best = NameComparison(credit, None, None, False, False, True)
    return best


# ---------------------------------------------------------------------------------------------------------
# Evidence: birth dates and passport numbers

_DATE = re.compile(r"^([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?$")
PartialDate = tuple[int, int | None, int | None]


def parse_birth_date(value: date | str | None) -> PartialDate | None:
    """A date, or ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``; ``None`` or empty means unknown."""
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return (value.year, value.month, value.day)
    found = _DATE.match(value.strip())
    if not found:
        raise ValueError(f"Birth date {value!r} is not YYYY, YYYY-MM or YYYY-MM-DD.")
    year, month, day = int(found[1]), found[2], found[3]
    if month is not None and day is not None:
        date(year, int(month), int(day))  # raises ValueError on 1961-02-30
    elif month is not None and not 1 <= int(month) <= 12:
        raise ValueError(f"Birth date {value!r} has no month {month}.")
    return (year, int(month) if month else None, int(day) if day else None)


def normalise_passport(value: str | None) -> str:
    return re.sub(r"[^A-Z0-9]", "", (value or "").upper())


def _birth_evidence(a: PartialDate | None, b: PartialDate | None) -> tuple[float, list[str]]:
    if a is None or b is None:
        return 0.0, []
    (ya, ma, da), (yb, mb, db) = a, b
    if None not in (ma, da, mb, db):
        if a == b:
            return 2.0, ["birth_date_match"]
        if ya == yb and ma == db and da == mb:
            return -0.5, ["birth_date_day_month_swapped"]
        digits_a, digits_b = f"{ya:04d}{ma:02d}{da:02d}", f"{yb:04d}{mb:02d}{db:02d}"
        if sum(x != y for x, y in zip(digits_a, digits_b, strict=True)) == 1:
            return -1.5, ["birth_date_near"]
        if ya == yb:
            return -3.5, ["birth_date_mismatch", "birth_year_match"]
        return -6.0, ["birth_date_mismatch"]
    if ya == yb:
        if ma is not None and mb is not None and ma != mb:
            return -3.0, ["birth_date_mismatch", "birth_year_match"]
        return 1.0, ["birth_year_match"]
    if abs(ya - yb) == 1:
        return -1.0, ["birth_year_near"]
    return -4.5, ["birth_year_mismatch"]


def _passport_evidence(a: str | None, b: str | None) -> tuple[float, list[str]]:
    pa, pb = normalise_passport(a), normalise_passport(b)
    if not pa or not pb:
        return 0.0, []
    if pa == pb:
        return 7.0, ["passport_match"]
    if min(len(pa), len(pb)) >= 6 and Levenshtein.distance(pa, pb) == 1:
        return 1.0, ["passport_near"]
    return -2.0, ["passport_mismatch"]


# ---------------------------------------------------------------------------------------------------------
# Scoring


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _logit(similarity: float) -> float:
    return LOGIT_SLOPE * (max(0.0, min(1.0, similarity)) - LOGIT_CENTRE)


def _script_reason(a: ParsedName, b: ParsedName) -> str:
    scripts = sorted((a.script, b.script))
    return f"script:{scripts[0]}_vs_{scripts[1]}"


def _component_reasons(label: str, result: SeqResult | None, hanzi_surname: str = "") -> list[str]:
    if result is None or result.kind == "empty":
        return []
    shown = result.shown.upper()
    if result.kind == "match":
        out = [f"{label}_match:{shown}"]
    elif result.kind == "typo":
        out = [f"{label}_typo:{(result.a_text or '?').upper()}~{(result.b_text or '?').upper()}"]
    elif result.kind == "partial":
        out = [f"{label}_partial:{result.a_text.upper()}/{result.b_text.upper()}"]
    else:
        out = [f"{label}_mismatch:{result.a_text.upper()}/{result.b_text.upper()}"]
    for system in sorted(result.systems):
        if system in _ROMANISATIONS:
            out.append(f"romanisation:{system}")
        elif system == "homophone":
            out.append(f"characters_differ_same_reading:{','.join(result.homophones)}")
        elif system == "variant_form":
            out.append(f"characters_variant_forms:{','.join(result.variant_forms)}")
        elif system in ("alt_reading", "rare_reading"):
            out.append(system)
        elif system == "ordinary_reading":
            out.append(f"surname_ordinary_reading:{hanzi_surname}={shown}")
        elif system == "surname_reading" and _has_other_readings(hanzi_surname):
            out.append(f"surname_reading:{hanzi_surname}={shown}")
    return out


@lru_cache(maxsize=4096)
def _has_other_readings(surname: str) -> bool:
    if len(surname) != 1:
        return False
    readings = set(_char_readings(surname)[0]) | set(nd.SURNAME_READINGS.get(surname, ()))
    return len(readings) > 1


def _hanzi_surname(a: ParsedName, b: ParsedName) -> str:
    for parsed in (a, b):
        if parsed.script == "hanzi" and parsed.hypotheses and parsed.hypotheses[0].surname:
            return "".join(u.text for u in parsed.hypotheses[0].surname[0])
    return ""


# What two names alone say: (log-odds, reasons, characters differ). A plain tuple of strings and numbers, which
# the garbage collector stops tracking: the cache below holds tens of thousands.
_NameEvidence = tuple[float, tuple[str, ...], bool]


@lru_cache(maxsize=65536)
def _name_evidence(a_name: str, b_name: str) -> _NameEvidence:
    """What the two names alone say (cached: a registry has many people of one name, and a query is scored
    against all of them)."""
    pa, pb = parse(a_name), parse(b_name)
    comparison = compare_names(pa, pb)
    reasons: list[str] = []
    if comparison.whole_typo:
        reasons.append("whole_name_typo")
    else:
        surname = _hanzi_surname(pa, pb)
        reasons += _component_reasons("surname", comparison.surname, surname)
        reasons += _component_reasons("given_name", comparison.given)
        if comparison.compound and comparison.surname and comparison.surname.kind in ("match", "typo"):
            reasons.append(f"compound_surname:{comparison.surname.shown.upper()}")
        if comparison.reordered:
            reasons.append("name_order:given_first")
    if "script:empty" not in (reason := _script_reason(pa, pb)):
        reasons.append(reason)
    for parsed in (pa, pb):
        if parsed.form in ("mrz", "comma") and f"form:{parsed.form}" not in reasons:
            reasons.append(f"form:{parsed.form}")
    return _logit(comparison.similarity), tuple(reasons), _characters_differ(pa, pb, comparison)



class Ranked(Protocol):
    @property
    def level(self) -> str: ...

    @property
    def reasons(self) -> list[str]: ...


def link_decision(found: Sequence[Ranked]) -> str:
    """What a list row does with its candidates, best first: "link" (one confident match), "review" (a possible
    match, several confident ones, a passport number in common, or a different passport number on the best —
    a different person until an officer says otherwise) or "" (no candidate worth an officer's look)."""
    if not found:
        return ""
    top = found[0]
    if "passport_mismatch" in top.reasons:
        return "review"
    if top.level == "match" and sum(1 for c in found if c.level == "match") == 1:
        return "link"
    if top.level in ("match", "possible") or any("passport_match" in c.reasons for c in found):
        return "review"
    return ""


def score(a: NameRecord, b: NameRecord) -> MatchResult:
    """How likely ``b`` is the person ``a`` describes, in 0..1, with the reasons. Result id is ``b.id``."""
    name_logit, name_reasons, characters_differ = _name_evidence(a.name, b.name)
    birth_weight, birth_reasons = _birth_evidence(parse_birth_date(a.birth_date), parse_birth_date(b.birth_date))
    passport_weight, passport_reasons = _passport_evidence(a.passport_number, b.passport_number)
    total = name_logit + birth_weight + passport_weight
    name_scale = total_scale = 1.0
    if characters_differ:
        name_scale = DIFFERENT_CHARACTERS_CAP
        total_scale = 1.0 if "passport_match" in passport_reasons else DIFFERENT_CHARACTERS_CAP
    return MatchResult(
        id=b.id,
        score=round(_sigmoid(total) * total_scale, 4),
        reasons=[*name_reasons, *birth_reasons, *passport_reasons],
        name_score=round(_sigmoid(name_logit) * name_scale, 4),
    )


# What the names can add at best (identical names): `score_bound`.
_BEST_NAME_LOGIT = LOGIT_SLOPE * (1.0 - LOGIT_CENTRE)


def score_bound(a: NameRecord, b: NameRecord) -> float:
    """An upper bound of ``score(a, b).score`` from the birth dates and passport numbers alone, the names taken
    as identical: no name comparison, no parsing. A candidate whose bound is below the scores already found
    cannot rank above them and need not be scored (a query born 1961-03-02 against someone born in 1962: at
    most 0.083, under any list's floor)."""
    birth_weight, _ = _birth_evidence(parse_birth_date(a.birth_date), parse_birth_date(b.birth_date))
    passport_weight, _ = _passport_evidence(a.passport_number, b.passport_number)
    return round(_sigmoid(_BEST_NAME_LOGIT + birth_weight + passport_weight), 4)


def _characters_differ(a: ParsedName, b: ParsedName, comparison: NameComparison) -> bool:
    """Both names are in characters and a character differs where the readings agree (汪建国, 王建国): a
    review at most. Characters that differ only in form (陳/陈, 峯/峰) are the same; characters that differ
    in reading too already score low."""
    if a.script != "hanzi" or b.script != "hanzi" or comparison.whole_typo:
        return False
    return any(r is not None and r.homophones for r in (comparison.surname, comparison.given))


def match(query: NameRecord, candidates: Iterable[NameRecord]) -> list[MatchResult]:
    """Every candidate scored against the query, best first (ties keep the candidates' order)."""
    try:
        results = [score(query, candidate) for candidate in candidates]
    finally:
        search_done()
    return sorted(results, key=lambda r: -r.score)


# The caches that serve one search (a query against its candidates: the query is parsed once, the parts of names
# compared once). Kept for the process they grew to about a million objects the garbage collector tracks and
# walks at each full collection: a pause of up to 1-2 s every few hundred inquiries at a million registered
# people. What carries over from one search to the next is `_name_evidence`, untracked; the rest gained nothing
# measurable across searches (1M-person benchmark: the same median and p99, the longest of 10,000 inquiries
# 115 ms instead of 1.6 s).
_PER_SEARCH = (parse, compare_components, compare_units, _seq_strings)


def search_done() -> None:
    """Empty the caches of one search (`_PER_SEARCH`); callers that score many names call it when they have
    scored them. Pure caches: emptying one while another thread searches costs it time, never a wrong answer."""
    for cached in _PER_SEARCH:
        cached.cache_clear()


# ---------------------------------------------------------------------------------------------------------
# Blocking


_VOWELS = frozenset("aeiouv")


def skeleton(text: str) -> str:
    """Consonants in order, repeats collapsed: jianguo, jainguo and jiango all give ``jng``."""
    out: list[str] = []
    for c in text:
        if c not in _VOWELS and (not out or out[-1] != c):
            out.append(c)
    return "".join(out)


def _one_left_out(text: str) -> set[str]:
    return {text} | {text[:i] + text[i + 1:] for i in range(len(text))}


def typo_variants(given: str) -> set[str]:
    """What two spellings of a given name one typo apart have in common, as in symmetric-deletion spelling
    correction: its consonant skeleton, whole and with each consonant left out (``jianguo``: jng, ng, jg, jn;
    a vowel typo keeps the skeleton, a consonant typed wrong, missing or extra leaves one of these), and for a
    given name of one consonant or none, whose skeleton says too little, the letters themselves, whole and with
    each letter left out (``na``: n, na, a; so FA, one letter from NA, shares ``a``)."""
    consonants = skeleton(given)
    found = _one_left_out(consonants)
    if len(consonants) <= 1:
        found |= _one_left_out(given)
    return found - {""}


def _key_pinyins(unit: Unit) -> tuple[str, ...]:
    """The readings worth an index key: not the rare readings, which cannot carry a match on their own."""
    return tuple(py for py, weight, _ in unit.readings if weight >= 0.5) or unit.pinyins[:1]


def _realisations(seq: Seq, cap: int) -> set[str]:
    options = [_key_pinyins(u) if u.valid else (u.text,) for u in seq]
    return {"".join(c) for c in itertools.islice(itertools.product(*options), cap)}


def _edge_syllables(unit: Unit, last: bool) -> set[str]:
    """The unit's pinyin; for a raw unit, the pinyin syllables it starts (or ends) with, and its text."""
    if unit.valid:
        return set(_key_pinyins(unit))
    text = unit.text
    pieces = {text[-i:] if last else text[:i] for i in range(1, len(text) + 1)}
    return {p for p in pieces if p in nd.PINYIN_SYLLABLES} | {text}


def blocking_keys(name: str, birth_date: date | str | None = None) -> set[str]:
    """Index keys for candidate retrieval: a true match shares at least one key with the query.

    The keys without a year depend on the name alone (see the module docstring for what each survives).
    With a birth date come year-qualified keys: ``y:`` (surname + year), ``ny:``/``ly:`` (the ``n:``/``l:``
    keys + year) and ``ky:`` (surname + `typo_variants` of the given name + year: a typo in the given name,
    wherever it falls, still shares a key that few people hold). A registry indexes all;
    a query that knows the year ``Y`` can then fetch the year-qualified buckets for ``Y-1``, ``Y``, ``Y+1``
    plus, through the name-only keys, just the people whose birth date is unknown: a small fraction of the
    name-only buckets of common names (张伟). Matches whose years differ by more than one are vetoed by the
    scorer anyway; a query without a year uses the name-only keys."""
    parsed = parse(name)
    year = None
    born = parse_birth_date(birth_date)
    if born is not None:
        year = born[0]
    keys: set[str] = set()
    for hypothesis in parsed.hypotheses:
        for sur_seq in hypothesis.surname[:_MAX_SEGMENTATIONS]:
            surnames = _realisations(sur_seq, 16)
            initials = {s[0] for s in surnames if s}
            if year is not None:
                keys |= {f"y:{s}:{year}" for s in surnames}
            for giv_seq in hypothesis.given[:_MAX_SEGMENTATIONS]:
                if not giv_seq:
                    keys |= {f"s:{s}" for s in surnames}
                    continue
                firsts = _edge_syllables(giv_seq[0], last=False)
                keys |= {f"n:{s}:{g}" for s in surnames for g in firsts}
                if year is not None:
                    keys |= {f"ny:{s}:{g}:{year}" for s in surnames for g in firsts}
                if len(giv_seq) > 1 or not giv_seq[0].valid:
                    lasts = _edge_syllables(giv_seq[-1], last=True)
                    keys |= {f"l:{s}:{g}" for s in surnames for g in lasts}
                    if year is not None:
                        keys |= {f"ly:{s}:{g}:{year}" for s in surnames for g in lasts}
                givens = _realisations(giv_seq, 32)
                keys |= {f"g:{g}:{i}" for g in givens for i in initials}
                keys |= {f"k:{s}:{skeleton(g)}" for s in surnames for g in givens}
                if year is not None:
                    keys |= {f"ky:{s}:{v}:{year}" for s in surnames for g in givens for v in typo_variants(g)}
    keys |= {f"w:{skeleton(w)}" for w in parsed.whole}
    return keys

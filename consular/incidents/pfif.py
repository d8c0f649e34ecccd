"""PFIF 1.4, the People Finder Interchange Format of Google Person Finder: export and safe import.

Pure Python, no database: the incident registry turns its persons and status changes into the dataclasses
here (``PfifPerson``, ``PfifNote``) and back. The rules below come from the PFIF 1.4 specification
(http://zesty.ca/pfif/1.4, 2012-05-29, sections 3.3, 4 and 5 and its RELAX NG schema) and from how Person
Finder's own ``pfif.py`` reads older versions.

Format
    One ``pfif:pfif`` element in the namespace ``http://zesty.ca/pfif/1.4`` holds ``pfif:person`` and
    ``pfif:note`` elements in any order. A note may sit inside its person (then its ``person_record_id`` is
    optional, and when present must equal the person's) or at the top level (then ``person_record_id`` is
    required). Children of a record may come in any order; we write them in the order of the schema
    (``PERSON_FIELDS``, ``NOTE_FIELDS``) and omit empty optional fields.

Required fields
    person: ``person_record_id``, ``source_date``, ``full_name``. note: ``note_record_id``, ``author_name``,
    ``source_date`` and (for a top-level note) ``person_record_id``. The schema also lists ``pfif:text`` as
    a required element of a note while the prose does not: we always write it (empty when there is no text)
    and do not require it when reading 1.4. ``entry_date`` and ``author_name`` of a person are optional.

Values
    Record ids are ``domain/local-id``, the domain naming the record's original repository (``record_id``).
    Times are UTC ``YYYY-MM-DDTHH:MM:SSZ`` (fractional seconds are accepted when reading). ``sex`` is
    ``female``, ``male`` or ``other`` (omitted when unknown); ``date_of_birth`` is ``YYYY``, ``YYYY-MM`` or
    ``YYYY-MM-DD``; ``age`` is ``N`` or an inclusive range ``N-M``; ``home_country`` is an ISO 3166-1
    alpha-2 code; ``author_made_contact`` is ``true``/``false``; a note's ``status`` is one of
    ``NOTE_STATUS_VALUES`` or empty. Several names (``full_name``, ``alternate_names``) or profile URLs are
    separated by line feeds.

Text
    XML 1.0 cannot carry most C0 control characters, lone surrogates, U+FFFE or U+FFFF, and a parser turns
    every CR and CRLF into LF. ``clean_text`` is applied to every text value on export and on import: it
    drops the characters XML cannot carry, turns CR and CRLF into LF and strips surrounding whitespace, so
    ``parse_pfif(export_pfif(x))`` gives back ``x`` with its text cleaned. Export does not refuse such text:
    an export in a crisis must not fail over a stray control character in a pasted name.

Expiry (section 3.3)
    A person whose ``expiry_date`` has passed must no longer be served: its notes disappear and the person
    is replaced by a placeholder keeping only ``person_record_id``, ``expiry_date``, ``source_date`` and
    ``entry_date`` (``placeholder``). ``export_pfif`` writes the placeholder and drops the notes (nested,
    and top-level notes about that person in the same call); ``parse_pfif`` reduces an expired person to its
    placeholder and drops its notes, so that deletion propagates: the importer must delete its own copy of
    any person for which ``PfifPerson.is_expired`` holds. To honour a deletion request, set
    ``expiry_date``, ``source_date`` and ``entry_date`` to the current time.

Reading
    ``parse_pfif`` reads PFIF 1.4 and also 1.3, 1.2 and 1.1 (renamed fields are mapped: ``first_name`` →
    ``given_name``, ``last_name`` → ``family_name``, ``other`` → ``description``, ``found`` →
    ``author_made_contact``, ``home_zip`` → ``home_postal_code``; fields a version does not have are absent).
    Where older versions lack ``full_name`` it is made from the given and family names; where a 1.1/1.2
    person lacks ``source_date``, its ``entry_date`` stands in. Records may also be wrapped in an Atom or RSS
    feed. Untrusted input is parsed with defusedxml: no DTD at all (so no entity expansion and no external
    entities), and a size limit. An invalid record is left out and reported in ``PfifDocument.errors``;
    contact fields and URLs are carried as given, not machine-checked.

Statuses
    ``status_to_pfif`` and ``pfif_to_status`` translate between registry statuses and note statuses; see
    their docstrings for the next-of-kin rule.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from xml.etree.ElementTree import Element, ParseError
from xml.parsers.expat import ErrorString

import defusedxml
import defusedxml.ElementTree as SafeET

PFIF_NAMESPACE = "http://zesty.ca/pfif/1.4"
PFIF_MIME_TYPE = "application/pfif+xml"
DEFAULT_MAX_BYTES = 50 * 1024 * 1024

SEX_VALUES = ("female", "male", "other")
NOTE_STATUS_VALUES = ("information_sought", "is_note_author", "believed_alive", "believed_missing", "believed_dead")

# Fields in the order of the PFIF 1.4 schema.
PERSON_FIELDS = (
    "person_record_id",
    "entry_date",
    "expiry_date",
    "author_name",
    "author_email",
    "author_phone",
    "source_name",
    "source_date",
    "source_url",
    "full_name",
    "given_name",
    "family_name",
    "alternate_names",
    "description",
    "sex",
    "date_of_birth",
    "age",
    "home_street",
    "home_neighborhood",
    "home_city",
    "home_state",
    "home_postal_code",
    "home_country",
    "photo_url",
    "profile_urls",
)
NOTE_FIELDS = (
    "note_record_id",
    "person_record_id",
    "linked_person_record_id",
    "entry_date",
    "author_name",
    "author_email",
    "author_phone",
    "source_date",
    "author_made_contact",
    "status",
    "email_of_found_person",
    "phone_of_found_person",
    "last_known_location",
    "text",
    "photo_url",
)
PLACEHOLDER_FIELDS = ("person_record_id", "entry_date", "expiry_date", "source_date")
_DATE_FIELDS = frozenset({"entry_date", "expiry_date", "source_date"})
_PERSON_TEXT_FIELDS = tuple(n for n in PERSON_FIELDS if n not in _DATE_FIELDS | {"person_record_id", "full_name"})

# Registry statuses of an affected person, and the gated public code shown while a death is known to us
# but the next of kin has not yet been told.
REGISTRY_STATUSES = (
    "unaccounted",
    "unconfirmed",
    "safe",
    "injured",
    "hospitalised",
    "missing",
    "deceased",
    "awaiting_notification",
)
_STATUS_TO_PFIF = {
    "unaccounted": "believed_missing",
    "missing": "believed_missing",
    "unconfirmed": "",
    "safe": "believed_alive",
    "injured": "believed_alive",
    "hospitalised": "believed_alive",
    "deceased": "believed_dead",
    "awaiting_notification": "",
}
_PFIF_TO_STATUS = {
    "": "",
    "information_sought": "",
    "is_note_author": "safe",
    "believed_alive": "safe",
    "believed_missing": "missing",
    "believed_dead": "unconfirmed",
}


class PfifFormatError(ValueError):
    """The input is not a PFIF document we can read: malformed or forbidden XML, too large, wrong namespace."""


class PfifExportError(ValueError):
    """A record handed to the exporter would make invalid PFIF (a programming error in the caller)."""

    def __init__(self, errors: list[PfifError]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{e.record} {e.field}: {e.message}" for e in errors))


@dataclass(frozen=True, slots=True)
class PfifError:
    """One problem with one record: which record (its id, or ``person #3``), which field, and what."""

    record: str
    field: str
    message: str


@dataclass(kw_only=True, slots=True)
class PfifNote:
    note_record_id: str
    person_record_id: str
    author_name: str
    source_date: datetime
    linked_person_record_id: str = ""
    entry_date: datetime | None = None
    author_email: str = ""
    author_phone: str = ""
    author_made_contact: bool | None = None
    status: str = ""
    email_of_found_person: str = ""
    phone_of_found_person: str = ""
    last_known_location: str = ""
    text: str = ""
    photo_url: str = ""


@dataclass(kw_only=True, slots=True)
class PfifPerson:
    person_record_id: str
    source_date: datetime
    full_name: str
    entry_date: datetime | None = None
    expiry_date: datetime | None = None
    author_name: str = ""
    author_email: str = ""
    author_phone: str = ""
    source_name: str = ""
    source_url: str = ""
    given_name: str = ""
    family_name: str = ""
    alternate_names: str = ""
    description: str = ""
    sex: str = ""
    date_of_birth: str = ""
    age: str = ""
    home_street: str = ""
    home_neighborhood: str = ""
    home_city: str = ""
    home_state: str = ""
    home_postal_code: str = ""
    home_country: str = ""
    photo_url: str = ""
    profile_urls: str = ""
    # Notes written inside this person's element. After parsing, the same notes are also in
    # ``PfifDocument.notes``, which is the complete list to import.
    notes: list[PfifNote] = field(default_factory=list)

    def is_expired(self, now: datetime) -> bool:
        """True once ``expiry_date`` has come: the record must then be served only as a placeholder."""
        return self.expiry_date is not None and self.expiry_date <= now


@dataclass(slots=True)
class PfifDocument:
    """What ``parse_pfif`` read: valid persons (with the notes nested in them), every valid note (nested
    and top-level, each with ``person_record_id`` filled in), the records left out and why, and the PFIF
    version of the document ("1.4", "1.3", "1.2" or "1.1")."""

    persons: list[PfifPerson] = field(default_factory=list)
    notes: list[PfifNote] = field(default_factory=list)
    errors: list[PfifError] = field(default_factory=list)
    version: str = ""


# --- small helpers ------------------------------------------------------------------------------------------

_NOT_XML_CHAR = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_DOMAIN = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*"
_RECORD_ID = re.compile(rf"({_DOMAIN})/([^\r\n\t]+)")
_LOCAL_ID = re.compile(r"[!-~]+")  # printable ASCII without space, for ids we make
_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]+))?Z")
_APPROX_DATE = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?")
_AGE = re.compile(r"([0-9]+)(?:-([0-9]+))?")
_COUNTRY = re.compile(r"[A-Z]{2}")
_CJK = re.compile("[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")


def clean_text(value: str) -> str:
    """Text as PFIF carries it: without the characters XML 1.0 cannot hold, CR and CRLF turned into LF,
    surrounding whitespace stripped."""
    value = _NOT_XML_CHAR.sub("", value)
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()


def record_id(domain: str, local_id: str) -> str:
    """A PFIF record id, ``domain/local-id``; the domain (lower-cased) names the original repository."""
    domain = domain.strip().lower()
    if not re.fullmatch(_DOMAIN, domain):
        raise ValueError(f"not a domain name: {domain!r}")
    if not _LOCAL_ID.fullmatch(local_id):
        raise ValueError(f"a local record id must be printable ASCII without spaces: {local_id!r}")
    return f"{domain}/{local_id}"


def split_record_id(rid: str) -> tuple[str, str]:
    """``("example.org", "person.42")`` from ``"example.org/person.42"``; the domain is lower-cased, the
    local part (which may itself contain slashes) is kept as it is. ValueError when ``rid`` is not a
    record id."""
    m = _RECORD_ID.fullmatch(rid)
    if m is None:
        raise ValueError(f"not a PFIF record id (domain/local-id): {rid!r}")
    return m.group(1).lower(), m.group(2)


def format_date(value: datetime) -> str:
    """``YYYY-MM-DDTHH:MM:SSZ`` in UTC, seconds precision. A naive datetime is refused: its zone is unknown."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("PFIF times are UTC: give a timezone-aware datetime")
    v = value.astimezone(UTC)
    return f"{v.year:04d}-{v.month:02d}-{v.day:02d}T{v.hour:02d}:{v.minute:02d}:{v.second:02d}Z"


def parse_date(value: str) -> datetime:
    """A timezone-aware UTC datetime from ``YYYY-MM-DDTHH:MM:SS[.fff]Z`` (ValueError otherwise)."""
    m = _DATE.fullmatch(value.strip())
    if m is None:
        raise ValueError(f"not a PFIF time (YYYY-MM-DDTHH:MM:SSZ, UTC): {value!r}")
    year, month, day, hour, minute, second = (int(g) for g in m.groups()[:6])
    micro = int((m.group(7) or "0")[:6].ljust(6, "0"))
    try:
        return datetime(year, month, day, hour, minute, second, micro, tzinfo=UTC)
    except ValueError as exc:
        raise ValueError(f"not a valid time: {value!r} ({exc})") from None


def status_to_pfif(registry_status: str) -> str:
    """The note ``status`` to export for a registry status.

    - ``safe``, ``injured``, ``hospitalised`` → ``believed_alive``
    - ``missing``, ``unaccounted`` → ``believed_missing``
    - ``deceased`` → ``believed_dead``
    - ``unconfirmed``, ``awaiting_notification`` → ``""`` (the note makes no claim)

    Next of kin first: a death is made public only after an officer records that the next of kin was told.
    Until then the public status of the person is ``awaiting_notification``, which makes no claim at all, so
    a PFIF export can never tell another site, and through it the family, that the person is believed
    dead before the ministry has told them. Callers must therefore pass the *public* (gated) status, never
    the raw registry status, and take the note's text and location from the same public view.
    """
    try:
        return _STATUS_TO_PFIF[registry_status]
    except KeyError:
        raise ValueError(f"unknown registry status: {registry_status!r}") from None


def pfif_to_status(note_status: str) -> str:
    """The registry status a note's ``status`` reports, or ``""`` when it makes no claim.

    ``believed_alive`` and ``is_note_author`` (the person wrote the note) report ``safe``;
    ``believed_missing`` reports ``missing``; ``information_sought`` and an empty status say nothing about
    the person (``""``: leave the status alone). ``believed_dead`` from another site reports only
    ``unconfirmed``: a death enters the registry when an officer confirms it, never from outside, and then
    the next-of-kin rule applies.
    """
    try:
        return _PFIF_TO_STATUS[note_status]
    except KeyError:
        raise ValueError(f"unknown PFIF note status: {note_status!r}") from None


def placeholder(person: PfifPerson) -> PfifPerson:
    """The expired form of a person (PFIF 1.4 section 3.3): id, dates and nothing else, no notes."""
    return PfifPerson(
        person_record_id=person.person_record_id,
        entry_date=person.entry_date,
        expiry_date=person.expiry_date,
        source_date=person.source_date,
        full_name="",
    )


# --- checks shared by export and import ------------------------------------------------------------------


def _record_id_problem(value: str) -> str | None:
    return None if _RECORD_ID.fullmatch(value) else "not a record id of the form domain/local-id"


def _sex_problem(value: str) -> str | None:
    return None if value in SEX_VALUES else f"must be one of {', '.join(SEX_VALUES)}"


def _status_problem(value: str) -> str | None:
    return None if value in NOTE_STATUS_VALUES else f"must be one of {', '.join(NOTE_STATUS_VALUES)} or empty"


def _date_of_birth_problem(value: str) -> str | None:
    m = _APPROX_DATE.fullmatch(value)
    if m is None:
        return "must be YYYY, YYYY-MM or YYYY-MM-DD"
    year, month, day = int(m.group(1)), int(m.group(2) or 1), int(m.group(3) or 1)
    try:
        datetime(year, month, day)
    except ValueError:
        return "not a calendar date"
    return None


def _age_problem(value: str) -> str | None:
    m = _AGE.fullmatch(value)
    if m is None:
        return "must be a whole number of years or a range N-M"
    if m.group(2) is not None and int(m.group(2)) < int(m.group(1)):
        return "the range is reversed"
    return None


def _country_problem(value: str) -> str | None:
    return None if _COUNTRY.fullmatch(value) else "must be an ISO 3166-1 alpha-2 code such as CN"


_PERSON_CHECKS = {"sex": _sex_problem, "date_of_birth": _date_of_birth_problem, "age": _age_problem}


def _aware(value: datetime) -> bool:
    return value.tzinfo is not None and value.utcoffset() is not None


def validate_person(person: PfifPerson, *, now: datetime | None = None) -> list[PfifError]:
    """What would make this person invalid PFIF (nested notes included). An expired person (at ``now``) is
    checked as the placeholder it will be exported as."""
    now = now or datetime.now(UTC)
    label = person.person_record_id or "person"
    errors: list[PfifError] = []
    if problem := _record_id_problem(person.person_record_id):
        errors.append(PfifError(label, "person_record_id", problem))
    for name in ("entry_date", "expiry_date", "source_date"):
        value = getattr(person, name)
        if value is not None and not _aware(value):
            errors.append(PfifError(label, name, "must be a timezone-aware datetime"))
    if errors or (person.expiry_date is not None and person.is_expired(now)):
        return errors
    if not clean_text(person.full_name):
        errors.append(PfifError(label, "full_name", "required"))
    for name, check in _PERSON_CHECKS.items():
        value = clean_text(getattr(person, name))
        if value and (problem := check(value)):
            errors.append(PfifError(label, name, problem))
    if person.home_country and (problem := _country_problem(clean_text(person.home_country).upper())):
        errors.append(PfifError(label, "home_country", problem))
    for note in person.notes:
        errors.extend(validate_note(note))
        if note.person_record_id != person.person_record_id:
            errors.append(
                PfifError(note.note_record_id or "note", "person_record_id", "differs from the enclosing person")
            )
    return errors


def validate_note(note: PfifNote) -> list[PfifError]:
    """What would make this note invalid PFIF."""
    label = note.note_record_id or "note"
    errors: list[PfifError] = []
    for name in ("note_record_id", "person_record_id"):
        if problem := _record_id_problem(getattr(note, name)):
            errors.append(PfifError(label, name, problem))
    if note.linked_person_record_id and (problem := _record_id_problem(note.linked_person_record_id)):
        errors.append(PfifError(label, "linked_person_record_id", problem))
    if not clean_text(note.author_name):
        errors.append(PfifError(label, "author_name", "required"))
    for name in ("entry_date", "source_date"):
        value = getattr(note, name)
        if value is not None and not _aware(value):
            errors.append(PfifError(label, name, "must be a timezone-aware datetime"))
    if note.status and (problem := _status_problem(note.status)):
        errors.append(PfifError(label, "status", problem))
    return errors


# --- export ----------------------------------------------------------------------------------------------

_HEADER = f'<?xml version="1.0" encoding="UTF-8"?>\n<pfif:pfif xmlns:pfif="{PFIF_NAMESPACE}">\n'.encode()
_FOOTER = b"</pfif:pfif>\n"


def _escape(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _field_xml(out: list[str], indent: str, name: str, value: object, *, always: bool = False) -> None:
    if value is None:
        text = ""
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, datetime):
        text = format_date(value)
    else:
        text = clean_text(str(value))
        if name == "home_country":
            text = text.upper()
    if text or always:
        out.append(f"{indent}<pfif:{name}>{_escape(text)}</pfif:{name}>\n")


def _note_xml(out: list[str], indent: str, note: PfifNote) -> None:
    out.append(f"{indent}<pfif:note>\n")
    inner = indent + "  "
    for name in NOTE_FIELDS:
        # The schema requires a text element, so it is written even when empty.
        _field_xml(out, inner, name, getattr(note, name), always=name == "text")
    out.append(f"{indent}</pfif:note>\n")


def _person_xml(person: PfifPerson, expired: bool) -> str:
    out = ["  <pfif:person>\n"]
    if expired:
        for name in PERSON_FIELDS:
            if name in PLACEHOLDER_FIELDS:
                _field_xml(out, "    ", name, getattr(person, name))
            elif name == "full_name":
                out.append("    <pfif:full_name></pfif:full_name>\n")
    else:
        for name in PERSON_FIELDS:
            _field_xml(out, "    ", name, getattr(person, name))
        for note in person.notes:
            _note_xml(out, "    ", note)
    out.append("  </pfif:person>\n")
    return "".join(out)


def iter_pfif(
    persons: Iterable[PfifPerson], *, notes: Iterable[PfifNote] = (), now: datetime | None = None
) -> Iterator[bytes]:
    """The PFIF 1.4 document in UTF-8 chunks, one per record, for a streaming response. Persons come first
    (their notes nested), then the top-level ``notes``. A person expired at ``now`` is written as its
    placeholder, without notes, and top-level notes about it are left out. Raises ``PfifExportError`` at the
    first record that would make invalid PFIF."""
    now = now or datetime.now(UTC)
    expired_ids: set[str] = set()
    yield _HEADER
    for person in persons:
        if errors := validate_person(person, now=now):
            raise PfifExportError(errors)
        expired = person.is_expired(now)
        if expired:
            expired_ids.add(person.person_record_id)
        yield _person_xml(person, expired).encode()
    for note in notes:
        if errors := validate_note(note):
            raise PfifExportError(errors)
        if note.person_record_id in expired_ids:
            continue
        out: list[str] = []
        _note_xml(out, "  ", note)
        yield "".join(out).encode()
    yield _FOOTER


def export_pfif(persons: Iterable[PfifPerson], *, notes: Iterable[PfifNote] = (), now: datetime | None = None) -> bytes:
    """A PFIF 1.4 document (UTF-8 bytes) of ``persons`` with their nested notes, then the top-level
    ``notes``; see ``iter_pfif``. Linear in the number of records."""
    return b"".join(iter_pfif(persons, notes=notes, now=now))


# --- import ----------------------------------------------------------------------------------------------

_NS_PREFIX = "http://zesty.ca/pfif/"


def _renamed(names: Iterable[str], renames: dict[str, str]) -> dict[str, str]:
    return {name: renames.get(name, name) for name in names}


_OLD_RENAMES = {
    "first_name": "given_name",
    "last_name": "family_name",
    "other": "description",
    "found": "author_made_contact",
    "home_zip": "home_postal_code",
}
_OLD_NOTE_FIELDS = [n for n in NOTE_FIELDS if n not in ("author_made_contact", "photo_url")] + ["found"]
_PERSON_1_3 = [
    "person_record_id", "entry_date", "expiry_date", "author_name", "author_email", "author_phone",
    "source_name", "source_date", "source_url", "full_name", "first_name", "last_name", "sex",
    "date_of_birth", "age", "home_street", "home_neighborhood", "home_city", "home_state", "home_postal_code",
    "home_country", "photo_url", "other",
]  # fmt: skip
_PERSON_1_1 = [
    "person_record_id", "entry_date", "author_name", "author_email", "author_phone", "source_name",
    "source_date", "source_url", "first_name", "last_name", "home_city", "home_state", "home_neighborhood",
    "home_street", "home_zip", "photo_url", "other",
]  # fmt: skip


@dataclass(frozen=True)
class _Version:
    name: str
    person: dict[str, str]  # element name in this version -> PFIF 1.4 field
    note: dict[str, str]
    note_requires_text: bool


_PERSON_1_2 = [n for n in _PERSON_1_3 if n not in ("expiry_date", "full_name")]
_NOTE_1_1 = [n for n in _OLD_NOTE_FIELDS if n not in ("person_record_id", "linked_person_record_id", "status")]
_VERSIONS = {
    _NS_PREFIX + "1.4": _Version("1.4", _renamed(PERSON_FIELDS, {}), _renamed(NOTE_FIELDS, {}), False),
    _NS_PREFIX + "1.3": _Version(
        "1.3", _renamed(_PERSON_1_3, _OLD_RENAMES), _renamed(_OLD_NOTE_FIELDS, _OLD_RENAMES), True
    ),
    _NS_PREFIX + "1.2": _Version(
        "1.2", _renamed(_PERSON_1_2, _OLD_RENAMES), _renamed(_OLD_NOTE_FIELDS, _OLD_RENAMES), True
    ),
    _NS_PREFIX + "1.1": _Version("1.1", _renamed(_PERSON_1_1, _OLD_RENAMES), _renamed(_NOTE_1_1, _OLD_RENAMES), True),
}


def _split_tag(tag: object) -> tuple[str, str]:
    if not isinstance(tag, str):  # comments and processing instructions
        return "", ""
    if tag.startswith("{"):
        ns, _, local = tag[1:].partition("}")
        return ns.rstrip("/"), local
    return "", tag


def _values(elem: Element, ns: str, names: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """The record's field values by PFIF 1.4 name, and the fields that appear more than once."""
    values: dict[str, str] = {}
    repeated: list[str] = []
    for child in elem:
        cns, local = _split_tag(child.tag)
        if cns != ns or local not in names:
            continue  # extensions, nested notes and unknown elements
        name = names[local]
        if name in values:
            repeated.append(name)
            continue
        values[name] = clean_text("".join(child.itertext()))
    return values, repeated


def _full_name(given: str, family: str) -> str:
    if _CJK.search(given + family):
        return family + given
    return " ".join(part for part in (given, family) if part)


class _Reader:
    def __init__(self, now: datetime) -> None:
        self.now = now
        self.doc = PfifDocument()
        self.person_count = 0
        self.note_count = 0
        self.expired_ids: set[str] = set()

    def _dates(self, values: dict[str, str], label: str, errors: list[PfifError]) -> dict[str, datetime | None]:
        dates: dict[str, datetime | None] = {}
        for name in _DATE_FIELDS & values.keys():
            if not values[name]:
                dates[name] = None
                continue
            try:
                dates[name] = parse_date(values[name])
            except ValueError as exc:
                errors.append(PfifError(label, name, str(exc)))
        return dates

    def person(self, elem: Element, ns: str, version: _Version) -> None:
        self.person_count += 1
        values, repeated = _values(elem, ns, version.person)
        label = values.get("person_record_id") or f"person #{self.person_count}"
        errors = [PfifError(label, name, "appears more than once") for name in repeated]
        pid = values.get("person_record_id", "")
        if not pid:
            errors.append(PfifError(label, "person_record_id", "required"))
        elif problem := _record_id_problem(pid):
            errors.append(PfifError(label, "person_record_id", problem))
        dates = self._dates(values, label, errors)
        if version.name in ("1.1", "1.2") and dates.get("source_date") is None:
            dates["source_date"] = dates.get("entry_date")
        source_date = dates.get("source_date")
        if source_date is None and "source_date" not in {e.field for e in errors}:
            errors.append(PfifError(label, "source_date", "required"))
        expiry = dates.get("expiry_date")
        expired = expiry is not None and expiry <= self.now
        if not values.get("full_name") and not expired:
            values["full_name"] = _full_name(values.get("given_name", ""), values.get("family_name", ""))
            if not values["full_name"]:
                errors.append(PfifError(label, "full_name", "required"))
        if not expired:
            for name, check in _PERSON_CHECKS.items():
                if values.get(name) and (problem := check(values[name])):
                    errors.append(PfifError(label, name, problem))
            if values.get("home_country"):
                values["home_country"] = values["home_country"].upper()
                if problem := _country_problem(values["home_country"]):
                    errors.append(PfifError(label, "home_country", problem))
        enclosing = pid if pid and not _record_id_problem(pid) else ""
        if expired and enclosing:
            self.expired_ids.add(enclosing)
        nested: list[PfifNote] = []
        for child in elem:
            if _split_tag(child.tag) == (ns, "note") and not expired:
                note = self.note(child, ns, version, enclosing=enclosing, nested=True)
                if note is not None:
                    nested.append(note)
        if errors or source_date is None:
            self.doc.errors.extend(errors)
            return
        person = PfifPerson(
            person_record_id=pid,
            source_date=source_date,
            full_name=values.get("full_name", ""),
            entry_date=dates.get("entry_date"),
            expiry_date=expiry,
            notes=nested,
        )
        if expired:
            person = placeholder(person)
        else:
            for name in _PERSON_TEXT_FIELDS:
                setattr(person, name, values.get(name, ""))
        self.doc.persons.append(person)

    def note(self, elem: Element, ns: str, version: _Version, *, enclosing: str, nested: bool) -> PfifNote | None:
        self.note_count += 1
        values, repeated = _values(elem, ns, version.note)
        label = values.get("note_record_id") or f"note #{self.note_count}"
        errors = [PfifError(label, name, "appears more than once") for name in repeated]
        nid = values.get("note_record_id", "")
        if not nid:
            errors.append(PfifError(label, "note_record_id", "required"))
        elif problem := _record_id_problem(nid):
            errors.append(PfifError(label, "note_record_id", problem))
        pid = values.get("person_record_id", "")
        if nested and pid and enclosing and pid != enclosing:
            errors.append(PfifError(label, "person_record_id", f"{pid} differs from the enclosing person {enclosing}"))
        pid = pid or enclosing
        if not pid:
            errors.append(PfifError(label, "person_record_id", "required"))
        elif problem := _record_id_problem(pid):
            errors.append(PfifError(label, "person_record_id", problem))
        linked = values.get("linked_person_record_id", "")
        if linked and (problem := _record_id_problem(linked)):
            errors.append(PfifError(label, "linked_person_record_id", problem))
        if not values.get("author_name"):
            errors.append(PfifError(label, "author_name", "required"))
        if version.note_requires_text and not values.get("text"):
            errors.append(PfifError(label, "text", "required"))
        dates = self._dates(values, label, errors)
        source_date = dates.get("source_date")
        if source_date is None and "source_date" not in {e.field for e in errors}:
            errors.append(PfifError(label, "source_date", "required"))
        status = values.get("status", "")
        if status and (problem := _status_problem(status)):
            errors.append(PfifError(label, "status", problem))
        contact: bool | None = None
        raw_contact = values.get("author_made_contact", "")
        if raw_contact:
            if raw_contact.lower() not in ("true", "false"):
                errors.append(PfifError(label, "author_made_contact", "must be true or false"))
            contact = raw_contact.lower() == "true"
        if errors or source_date is None:
            self.doc.errors.extend(errors)
            return None
        note = PfifNote(
            note_record_id=nid,
            person_record_id=pid,
            linked_person_record_id=linked,
            entry_date=dates.get("entry_date"),
            author_name=values["author_name"],
            author_email=values.get("author_email", ""),
            author_phone=values.get("author_phone", ""),
            source_date=source_date,
            author_made_contact=contact,
            status=status,
            email_of_found_person=values.get("email_of_found_person", ""),
            phone_of_found_person=values.get("phone_of_found_person", ""),
            last_known_location=values.get("last_known_location", ""),
            text=values.get("text", ""),
            photo_url=values.get("photo_url", ""),
        )
        self.doc.notes.append(note)
        return note


def _version_of(ns: str) -> _Version | None:
    version = _VERSIONS.get(ns)
    if version is None and ns.startswith(_NS_PREFIX):
        raise PfifFormatError(f"unsupported PFIF version namespace {ns!r} (PFIF 1.1 to 1.4 are read)")
    return version


def parse_pfif(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES, now: datetime | None = None) -> PfifDocument:
    """Read a PFIF document (1.4, or 1.3, 1.2, 1.1; bare or inside an Atom or RSS feed) from untrusted bytes.

    Raises ``PfifFormatError`` when the input is larger than ``max_bytes``, is not well-formed XML (the
    message gives expat's line and column), declares a DTD or entities, or holds no PFIF at all. Invalid
    records do not raise: they are left out and described in ``errors``. Persons expired at ``now`` come
    back as placeholders and their notes are dropped (see the module docstring)."""
    if len(data) > max_bytes:
        raise PfifFormatError(f"the PFIF document is {len(data)} bytes, more than the limit of {max_bytes}")
    reader = _Reader(now or datetime.now(UTC))
    stack: list[Element] = []
    person_depth: int | None = None  # position in the stack of the person being read
    root_tag = ""
    seen_pfif = False
    try:
        events = SafeET.iterparse(io.BytesIO(data), events=("start", "end"), forbid_dtd=True)
        for event, elem in events:
            ns, local = _split_tag(elem.tag)
            if event == "start":
                if not stack:
                    root_tag = local
                version = _version_of(ns) if ns else None
                if version is not None and not seen_pfif:
                    seen_pfif = True
                    reader.doc.version = version.name
                if person_depth is None and version is not None and local == "person":
                    person_depth = len(stack)
                stack.append(elem)
                continue
            stack.pop()
            version = _VERSIONS.get(ns)
            if version is None:
                continue
            if local == "person" and person_depth == len(stack):
                person_depth = None
                reader.person(elem, ns, version)
            elif local == "note" and person_depth is None:
                reader.note(elem, ns, version, enclosing="", nested=False)
            else:
                continue
            if stack:
                stack[-1].remove(elem)  # keep memory flat on large documents
    except ParseError as exc:
        line, column = exc.position
        raise PfifFormatError(f"malformed XML at line {line}, column {column}: {ErrorString(exc.code)}") from None
    except defusedxml.DTDForbidden:
        raise PfifFormatError("PFIF documents may not declare a DTD (entities are refused)") from None
    except (defusedxml.EntitiesForbidden, defusedxml.ExternalReferenceForbidden):
        raise PfifFormatError("PFIF documents may not declare or reference entities") from None
    if not seen_pfif:
        raise PfifFormatError(f"not a PFIF document: no element in a PFIF namespace (root element {root_tag!r})")
    doc = reader.doc
    if reader.expired_ids:
        doc.notes = [n for n in doc.notes if n.person_record_id not in reader.expired_ids]
    return doc


__all__ = [
    "DEFAULT_MAX_BYTES",
    "NOTE_FIELDS",
    "NOTE_STATUS_VALUES",
    "PERSON_FIELDS",
    "PFIF_MIME_TYPE",
    "PFIF_NAMESPACE",
    "PLACEHOLDER_FIELDS",
    "REGISTRY_STATUSES",
    "SEX_VALUES",
    "PfifDocument",
    "PfifError",
    "PfifExportError",
    "PfifFormatError",
    "PfifNote",
    "PfifPerson",
    "clean_text",
    "export_pfif",
    "format_date",
    "iter_pfif",
    "parse_date",
    "parse_pfif",
    "pfif_to_status",
    "placeholder",
    "record_id",
    "split_record_id",
    "status_to_pfif",
    "validate_note",
    "validate_person",
]

"""Group registration: a tour operator or a company (a citizen account) registers its travellers from a CSV (or
XLSX) file, all on one shared itinerary. One registration per traveller, owned by the uploading account and tied to
the group. All or nothing: any bad line refuses the whole file, every problem named by line and column.

The file is read by the incidents' list reader (`consular.incidents.tabular`): any common encoding (UTF-8, GBK)
and delimiter, title lines above the header ignored. Columns are recognised by their names: `name_zh`,
`name_latin`, `birth_date`, `passport_number`, `phone`, `email` (or the common English and Chinese headers the
reader knows, 姓名, Passport No. …). A traveller with neither phone nor email is reached through the group's
contact.
"""

from __future__ import annotations

import dataclasses
import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from consular.core.audit import audit_record
from consular.core.errors import ApplicationError, ErrorCode, lazy_interpolate
from consular.incidents import tabular
from consular.travel.codes import Channel, RegistrationKind
from consular.travel.models import Registration, RegistrationGroup
from consular.travel.services import (
    ContactsIn,
    LegIn,
    RegistrationIn,
    TravellerIn,
    _add,
    _create,
    _normalised,
    _require_citizen,
    _text,
    registration_clean,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

COLUMNS = ("name_zh", "name_latin", "birth_date", "passport_number", "phone", "email")
MAX_BYTES = 2 * 1024 * 1024
MAX_TRAVELLERS = 1000
_GROUP_INVALID = _("The group registration has invalid fields.")
_FILE_INVALID = _("The list of travellers has errors; nothing was registered. Correct the lines named and send it "
                  "again.")


@dataclass
class GroupIn:
    name: str
    itinerary: list[LegIn]
    organiser: str = ""
    contact_phone: str = ""
    contact_email: str = ""
    language: str = "zh-hans"


def _line_key(line: int, column: str) -> str:
    return f"file.line[{line}].{column}" if column else f"file.line[{line}]"


def _mapping(table: tabular.Table) -> dict[str, str]:
    exact = {h.casefold(): h for h in table.headers}
    mapping = {c: exact[c] for c in COLUMNS if c in exact}
    suggested = tabular.suggest_mapping(table.headers)
    for column in COLUMNS:
        if column not in mapping and suggested.get(column) and suggested[column] not in mapping.values():
            mapping[column] = suggested[column]
    return mapping


Row = tuple[int, dict[str, str], dict[str, Any]]


def _travellers(data: bytes, filename: str, fields: dict[str, list[StrOrPromise]]) -> list[Row]:
    """The good rows of the file as (line, field → column header, values); every problem into `fields`."""
    try:
        table = tabular.read_table(data, filename, max_bytes=MAX_BYTES, max_rows=MAX_TRAVELLERS)
    except tabular.TableError as exc:
        _add(fields, "file", exc.message)
        return []
    mapping = _mapping(table)
    try:
        parsed = tabular.parse_rows(table, mapping, kind="tour")
    except tabular.MappingError as exc:
        for problem in exc.problems:
            _add(fields, "file", problem)
        return []
    if not parsed.total:
        _add(fields, "file", _("The list has no travellers."))
    for error in parsed.errors:
        column = error.column or error.field
        _add(fields, _line_key(error.line, column), lazy_interpolate(
            _("Line %(line)s, column “%(column)s”: %(problem)s"), line=error.line, column=column or "-",
            problem=error.message) if column else lazy_interpolate(
            _("Line %(line)s: %(problem)s"), line=error.line, problem=error.message))
    rows: list[Row] = []
    for row in parsed.rows:
        values = row.values
        if "birth_year" in values:
            column = mapping.get("birth_date", "birth_date")
            _add(fields, _line_key(row.line, column), lazy_interpolate(
                _("Line %(line)s, column “%(column)s”: give the full birth date (YYYY-MM-DD)."),
                line=row.line, column=column))
            continue
        rows.append((row.line, mapping, values))
    return rows


def registration_group_create(*, actor: Any, data: GroupIn, file: bytes, filename: str) -> RegistrationGroup:
    """Register every traveller of the file on the group's itinerary, or none."""
    _require_citizen(actor)
    fields: dict[str, list[StrOrPromise]] = {}
    name = _text(data.name, "name", 200, fields)
    if not name:
        _add(fields, "name", _("Give the tour or delegation name, e.g. the tour code."))
    organiser = _text(data.organiser, "organiser", 200, fields)
    phone = _normalised(data.contact_phone, "contact_phone", tabular.normalise_phone, fields)
    email = _normalised(data.contact_email, "contact_email", tabular.normalise_email, fields)
    if not (phone or email):
        _add(fields, "contact_phone", _("Give the group's contact phone number or email."))
    # The shared itinerary, checked once (with a stand-in traveller).
    probe = RegistrationIn(itinerary=data.itinerary, contacts=ContactsIn(phone=phone or "+86 10 12308"),
                           channels=[Channel.SMS], language=data.language,
                           traveller=TravellerIn(name_latin="GROUP"))
    fields.update({k: v for k, v in registration_clean(probe).items() if k.startswith(("itinerary", "language"))})
    travellers = _travellers(file, filename, fields)
    inputs: list[tuple[int, RegistrationIn]] = []
    for line, mapping, values in travellers:
        birth = values.get("birth_date")
        contacts = ContactsIn(phone=str(values.get("phone", "")), email=str(values.get("email", "")))
        if not (contacts.phone or contacts.email):
            contacts = ContactsIn(phone=phone, email=email)
        channels: list[str] = [c for c, has in ((Channel.EMAIL, contacts.email), (Channel.SMS, contacts.phone)) if has]
        one = RegistrationIn(
            itinerary=[dataclasses.replace(leg) for leg in data.itinerary], contacts=contacts, channels=channels,
            language=data.language, kind=RegistrationKind.TRIP,
            traveller=TravellerIn(name_zh=str(values.get("name_zh", "")), name_latin=str(values.get("name_latin", "")),
                                  birth_date=birth if isinstance(birth, datetime.date) else None,
                                  passport_number=str(values.get("passport_number", ""))),
        )
        for key, messages in registration_clean(one).items():
            if key.startswith("traveller.") or key.startswith("contacts."):
                column = mapping.get(key.split(".", 1)[1], key.split(".", 1)[1])
                for message in messages:
                    _add(fields, _line_key(line, column), lazy_interpolate(
                        _("Line %(line)s, column “%(column)s”: %(problem)s"), line=line, column=column,
                        problem=message))
        inputs.append((line, one))
    if fields:
        file_problems = any(k.startswith("file") for k in fields)
        raise ApplicationError(ErrorCode.INVALID, _FILE_INVALID if file_problems else _GROUP_INVALID, fields=fields)
    with transaction.atomic():
        group = RegistrationGroup.objects.create(owner=actor, name=name, organiser=organiser, contact_phone=phone,
                                                 contact_email=email)
        registrations: list[Registration] = [_create(actor=actor, data=one, group=group) for _line, one in inputs]
        audit_record(actor=actor, action="registration_group.create", obj=group,
                     data={"travellers": len(registrations), "legs": len(data.itinerary),
                           "registrations": [str(r.pk) for r in registrations],
                           "countries": sorted({leg.country for leg in data.itinerary})})
    return group

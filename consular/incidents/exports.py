"""The registry of an incident as a spreadsheet for officers: CSV (UTF-8 with a BOM, so Excel shows Chinese) and
XLSX, with the same columns and rows.

Who: the roles that read the registry (hotline operators, HQ and mission officers, auditors; a mission officer
only on the incidents of the own mission). Officers' exports show the true status, with a separate column
saying when the next of kin was told; this file never goes to the public.

Passport numbers: only HQ officers and mission officers get the ``passport_number`` column: their work needs
it (identifying persons with hospitals, morgues, airlines and the local authorities; emergency travel
documents). Hotline operators answer families, who are matched by the system without a list of passport
numbers, and auditors check the process, not the persons: their exports leave the column out.

Cells are protected against formula injection: a value starting with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return is written with a leading apostrophe, in both formats; XLSX shows a control character XML
cannot hold as U+FFFD. Every export writes one audit entry
with the format, the number of persons and the personal fields shown, and records each person exported as
read (purpose ``export_csv`` / ``export_xlsx``), as a list page does.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from consular.core.audit import audit_read_stream, audit_record
from consular.core.errors import ApplicationError, ErrorCode, lazy_interpolate
from consular.incidents import selectors
from consular.incidents.codes import PersonStatus
from consular.incidents.models import AffectedPerson, Incident, PersonStatusChange
from consular.incidents.pfif_sync import require_reader

PASSPORT_ROLES = selectors.PASSPORT_ROLES
BASE_COLUMNS = ["id", "incident", "name_zh", "name_latin", "other_names", "sex", "birth_date"]
TAIL_COLUMNS = [
    "status",
    "next_of_kin_informed_at",
    "hospital",
    "mission",
    "last_change_at",
    "last_change_source",
    "inquiries",
]
# Columns holding personal data (recorded in the audit entry), besides the passport number.
PERSONAL_COLUMNS = ["name_zh", "name_latin", "other_names", "sex", "birth_date", "status", "hospital"]
BOM = "\ufeff"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def columns_for(actor: Any) -> list[str]:
    passport = ["passport_number"] if selectors.sees_passport_numbers(actor) else []
    return [*BASE_COLUMNS, *passport, *TAIL_COLUMNS]


def safe_cell(value: str) -> str:
    """A text cell a spreadsheet will not run as a formula."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def _time(value: Any) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value is not None else ""


def _statuses(status: str | Iterable[str] | None) -> list[str]:
    if status is None:
        return []
    wanted = [status] if isinstance(status, str) else list(status)
    wanted = [s.strip() for s in wanted if s and s.strip()]
    unknown = [s for s in wanted if s not in PersonStatus.values]
    if unknown:
        message = lazy_interpolate(_("Must be one of: %(choices)s."), choices=", ".join(PersonStatus.values))
        raise ApplicationError(ErrorCode.INVALID, _("Unknown status."), fields={"status": [message]})
    return wanted


def _persons(actor: Any, incident: Incident, statuses: list[str]) -> QuerySet[AffectedPerson]:
    last = PersonStatusChange.objects.filter(person=OuterRef("pk")).order_by("-at", "-created_at", "-id")
    qs = selectors.person_list(actor=actor, incident=incident, filters={"status": statuses})
    return qs.annotate(
        inquiry_count=Count("inquiries", distinct=True),
        last_at=Subquery(last.values("at")[:1]),
        last_kind=Subquery(last.values("source_kind")[:1]),
        last_ref=Subquery(last.values("source_ref")[:1]),
    ).order_by("created_at", "id")


def _row(person: Any, incident: Incident, columns: list[str]) -> list[str | int]:
    source = person.last_kind or ""
    if person.last_ref:
        source = f"{source}: {person.last_ref}"
    values: dict[str, str | int] = {
        "id": str(person.pk),
        "incident": incident.reference,
        "name_zh": person.name_zh,
        "name_latin": person.name_latin,
        "other_names": "; ".join(n.strip() for n in person.other_names.splitlines() if n.strip()),
        "sex": person.sex,
        "birth_date": person.birth_date.isoformat() if person.birth_date else "",
        "passport_number": person.passport_number,
        "status": person.status,
        "next_of_kin_informed_at": _time(person.next_of_kin_informed_at),
        "hospital": person.hospital,
        "mission": person.mission.code,
        "last_change_at": _time(person.last_at),
        "last_change_source": source,
        "inquiries": int(person.inquiry_count),
    }
    return [safe_cell(v) if isinstance(v, str) else v for v in (values[c] for c in columns)]


def _export(
    actor: Any, incident: Incident, status: str | Iterable[str] | None, fmt: str
) -> tuple[list[str], Iterator[list[str | int]]]:
    require_reader(actor, incident)
    statuses = _statuses(status)
    columns = columns_for(actor)
    persons = _persons(actor, incident, statuses)
    count = persons.count()
    fields = sorted({*PERSONAL_COLUMNS, *(["passport_number"] if "passport_number" in columns else [])})
    audit_record(
        actor=actor,
        action="incident.persons_export",
        obj=incident,
        data={"format": fmt, "count": count, "fields": fields, "status": statuses},
    )
    shown = audit_read_stream(persons.iterator(chunk_size=500), actor=actor, fields=fields, purpose=f"export_{fmt}")
    rows = (_row(p, incident, columns) for p in shown)
    return columns, rows


def persons_csv(*, actor: Any, incident: Incident, status: str | Iterable[str] | None = None) -> bytes:
    """The registry (optionally only the given statuses) as CSV: UTF-8 with BOM, a header row, CRLF lines."""
    columns, rows = _export(actor, incident, status, "csv")
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _xlsx_text(value: str) -> str:
    """XLSX (XML 1.0) cannot hold most control characters: each is written as U+FFFD, so a stray one in a name
    typed or imported earlier does not fail the whole export."""
    return ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)


def persons_xlsx(*, actor: Any, incident: Incident, status: str | Iterable[str] | None = None) -> bytes:
    """The registry as an XLSX workbook (one sheet, written in streaming mode), same columns and rows as CSV."""
    columns, rows = _export(actor, incident, status, "xlsx")
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=incident.reference[:31] or "persons")
    sheet.append(columns)
    for row in rows:
        sheet.append([_xlsx_text(v) if isinstance(v, str) else v for v in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


__all__ = ["PASSPORT_ROLES", "columns_for", "persons_csv", "persons_xlsx", "safe_cell"]

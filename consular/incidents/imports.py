"""Importing an incident's lists (manifests, hotel and tour lists, hospital and morgue lists) into its registry,
and the review queue of possible matches.

`list_import` reads the file (`tabular.read_table`), applies the column mapping (`tabular.parse_rows`; without
one, `tabular.suggest_mapping`) and checks each row against the registry's own rules. Then:

* **Bad rows.** With `all_or_nothing` (the default) one bad row refuses the import: a `rejected` ListImport keeps
  every error (line, column, field, message) and nothing else is written. With `good_rows_only` the good rows
  are imported and the bad ones reported the same way.
* **Each good row**, in one transaction for the whole import (the incident's row is locked, so two imports of
  one incident run one after the other):
  - already imported for this incident (same fingerprint, from any file: CSV or XLSX, any row order) → skipped,
    nothing written (`skipped_same`);
  - the registry's candidates (`selectors.candidates`, by each name of the row with its birth date or year and
    its passport number, through the blocking index: no scan): one candidate at the `match` level and no other
    → **linked**; the row's status, when it brings one that differs from the person's (or another hospital),
    is recorded with `person_set_status`, source `import`, reference `<import id>:<line>`;
  - a top candidate at the `possible` level, two or more at the `match` level (ambiguous), or a candidate with
    the same passport number whatever the name → **review**: a pending MatchReview, the person unchanged;
  - otherwise → **created**: `person_add` with the row's data, source `import`, reference `<import id>:<line>`.
* A list never records a death: the parser turns a morgue row (or a status column saying deceased) into
  `unconfirmed` with `reported_deceased`, and a person already recorded as deceased keeps that status (only an
  officer corrects a death, with a note). A hospitalised status needs the hospital, and a hospital is only
  given with that status (the registry's rule), checked per row before anything is written.

After a row was linked or created (and after an officer decided a review of it), the row is also matched against
the trip registrations (`registration_matching`): a confident match links the person to the registration and
fills their missing particulars, a possible one becomes a review of kind `registration`. The import counts
`registrations_linked` and `registration_reviews`.

`review_confirm` links the row to the candidate (or to another candidate it names) and applies the row's status
as above; `review_reject` creates a new person from the row. Both are audited. The pending reviews of an
incident are its dashboard's review queue (`import_models.pending_review_count`).
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from consular.accounts.models import Role
from consular.core.audit import audit_record
from consular.core.errors import ApplicationError, ErrorCode
from consular.core.models import Country
from consular.incidents import selectors, tabular
from consular.incidents.codes import IncidentStatus, PersonStatus, Sex, SourceKind
from consular.incidents.import_models import (
    CandidateKind,
    ImportMode,
    ImportRow,
    ImportStatus,
    ListImport,
    ListKind,
    MatchReview,
    ReviewState,
    RowOutcome,
)
from consular.incidents.matching import link_decision
from consular.incidents.models import AffectedPerson, Incident
from consular.incidents.registration_matching import (
    RegistrationOutcome,
    match_registration,
    registration_link,
    registration_linkable,
    row_birth,
)
from consular.incidents.services import WRITER_ROLES, PersonIn, Source, person_add, person_set_status
from consular.travel.models import Registration

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# Row errors kept with an import (and returned): enough to fix a file; `errors_total` counts them all.
IMPORT_ERRORS_KEPT = 1000
MAX_BYTES = tabular.DEFAULT_MAX_BYTES
MAX_ROWS = tabular.DEFAULT_MAX_ROWS
# Candidates looked at per row: the best, and the others worth showing in a review.
ROW_CANDIDATES = 5
# The registry's limits (services._validate_person_fields), checked per row before anything is written.
_NAME_LIMITS = {"name_zh": 100, "name_latin": 150}
_OTHER_NAME_LIMIT = 150
_OTHER_NAMES_MAX = 10
_OTHER_NAME_SPLIT = re.compile(r"\s*[;/|\n、；]\s*")
_FETCH_CHUNK = 500


@dataclass(frozen=True)
class _Error:
    line: int
    column: str
    field: str
    message: StrOrPromise


class _Rejected(Exception):
    """Control flow: roll the import back and store it rejected."""

    def __init__(self, errors: list[_Error]) -> None:
        super().__init__("rejected")
        self.errors = errors


# --- Rules --------------------------------------------------------------------------------------------------------

def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _require_on_incident(actor: Any, incident: Incident) -> None:
    """The same rule as the registry's services: writers on every incident, a mission officer only on the
    incidents of the own mission (others are told it does not exist)."""
    if getattr(actor, "role", None) not in WRITER_ROLES:
        raise ApplicationError(ErrorCode.PERMISSION_DENIED, _("Your role may not change incidents."), status=403)
    if actor.role == Role.MISSION_OFFICER and not incident.missions.filter(pk=actor.mission_id).exists():
        raise ApplicationError(ErrorCode.NOT_FOUND, _("Incident not found."), status=404)


def _require_open(incident: Incident) -> None:
    current = Incident.objects.filter(pk=incident.pk).values_list("status", flat=True).first()
    if current != IncidentStatus.OPEN:
        raise ApplicationError(ErrorCode.CONFLICT, _("The incident is closed: no new lists are imported."),
                               status=409)


def _invalid(field_name: str, messages: Iterable[StrOrPromise]) -> ApplicationError:
    return ApplicationError(ErrorCode.INVALID, _("The list cannot be imported."),
                            fields={field_name: list(messages)})


def _rendered(message: StrOrPromise) -> dict[str, str]:
    """A (lazy) message in every language of the site, so a stored error reads in its reader's language."""
    out = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            out[code.lower()] = str(message)
    return out


# --- Rows ---------------------------------------------------------------------------------------------------------

def _column(mapping: Mapping[str, str], *fields: str) -> str:
    return next((mapping[f] for f in fields if mapping.get(f)), "")


def _other_names(values: Mapping[str, object]) -> list[str]:
    text = str(values.get("other_names") or "")
    return list(dict.fromkeys(n.strip() for n in _OTHER_NAME_SPLIT.split(text) if n.strip()))


def _row_errors(row: tabular.ParsedRow, mapping: Mapping[str, str], countries: set[str]) -> list[_Error]:
    """The registry's rules the parser does not know: name lengths, other names, nationality known, and a
    hospital exactly with the hospitalised status."""
    v = row.values
    errors = []
    for name, limit in _NAME_LIMITS.items():
        if len(str(v.get(name) or "")) > limit:
            errors.append(_Error(row.line, _column(mapping, name, "name_zh", "name_latin", "family_name"), name,
                                 format_lazy(_("This is longer than {limit} characters."), limit=limit)))
    others = _other_names(v)
    if len(others) > _OTHER_NAMES_MAX or any(len(n) > _OTHER_NAME_LIMIT for n in others):
        errors.append(_Error(row.line, _column(mapping, "other_names"), "other_names",
                             format_lazy(_("At most {count} other names (separated by ; or /), each at most "
                                           "{limit} characters."), count=_OTHER_NAMES_MAX, limit=_OTHER_NAME_LIMIT)))
    nationality = v.get("nationality")
    if nationality and nationality not in countries:
        errors.append(_Error(row.line, _column(mapping, "nationality"), "nationality",
                             _("This country is not in the registry's list of countries.")))
    status, hospital = v.get("status"), str(v.get("hospital") or "")
    if status == PersonStatus.HOSPITALISED and not hospital:
        errors.append(_Error(row.line, _column(mapping, "hospital", "status"), "hospital",
                             _("A hospitalised person needs the hospital: fill the hospital column.")))
    elif hospital and status != PersonStatus.HOSPITALISED:
        errors.append(_Error(row.line, _column(mapping, "hospital"), "hospital",
                             _("A hospital is given but the status is not hospitalised.")))
    return errors


def _names(values: Mapping[str, object]) -> list[str]:
    return [str(values[k]) for k in ("name_zh", "name_latin") if values.get(k)]


def _candidates(incident: Incident, values: Mapping[str, object]) -> list[selectors.Candidate]:
    """The registry's candidates for the row: by each of its names (characters, passport spelling), the best
    score per person kept, best first. One indexed look-up per name; never a scan."""
    best: dict[uuid.UUID, selectors.Candidate] = {}
    birth, passport = row_birth(values), str(values.get("passport_number") or "")
    for name in _names(values):
        for c in selectors.candidates(incident=incident, name=name, birth_date=birth, passport_number=passport,
                                      limit=ROW_CANDIDATES):
            if c.person.pk not in best or c.score > best[c.person.pk].score:
                best[c.person.pk] = c
    return sorted(best.values(), key=lambda c: (-c.score, str(c.person.pk)))[:ROW_CANDIDATES]


def _decide(found: list[selectors.Candidate]) -> str:
    decision = link_decision(found)
    return {"link": RowOutcome.LINKED, "review": RowOutcome.REVIEW}.get(decision, RowOutcome.CREATED)


def _ref(list_import_id: uuid.UUID, line: int) -> str:
    return f"{list_import_id}:{line}"


def _row_note(values: Mapping[str, object], kind: str) -> str:
    """What the registry has no field for, kept with the person's first status (encrypted)."""
    lines = []
    if values.get("reported_deceased"):
        lines.append(f"Reported deceased by a {kind} list (not confirmed).")
    if "birth_date" not in values and values.get("birth_year"):
        lines.append(f"Born {row_birth(values)} (as on the list).")
    for key, label in (("seat_or_room", "Seat or room"), ("external_id", "List id"), ("note", "Note")):
        if values.get(key):
            lines.append(f"{label}: {values[key]}")
    return "\n".join(lines)


def _row_status(values: Mapping[str, object]) -> str:
    """The status a row brings ('' for none). Never `deceased`: a list reports a death, an officer records it."""
    status = str(values.get("status") or "")
    return PersonStatus.UNCONFIRMED if status == PersonStatus.DECEASED else status


def _apply_status(actor: Any, person: AffectedPerson, values: Mapping[str, object], ref: str, kind: str) -> bool:
    """Record the row's status on a linked person when it brings news: another status, or another hospital.
    A person recorded as deceased keeps that status (a death is corrected by an officer, with a note)."""
    status = _row_status(values)
    if not status:
        return False
    person.refresh_from_db(fields=["status", "hospital"])
    hospital = str(values.get("hospital") or "") if status == PersonStatus.HOSPITALISED else ""
    if person.status == PersonStatus.DECEASED:
        return False
    if status == person.status and hospital.strip() == (person.hospital or "").strip():
        return False
    note = f"Reported deceased by a {kind} list (not confirmed)." if values.get("reported_deceased") else ""
    person_set_status(actor=actor, person=person, status=status, source_kind=SourceKind.IMPORT, source_ref=ref,
                      note=note, hospital=hospital)
    return True


def _person_in(values: Mapping[str, object], ref: str, kind: str) -> PersonIn:
    status = _row_status(values) or PersonStatus.UNACCOUNTED
    born = values.get("birth_date")
    return PersonIn(
        name_zh=str(values.get("name_zh") or ""), name_latin=str(values.get("name_latin") or ""),
        other_names=_other_names(values), sex=str(values.get("sex") or Sex.UNKNOWN),
        birth_date=born if isinstance(born, datetime.date) else None,
        passport_number=str(values.get("passport_number") or ""),
        nationalities=[str(values["nationality"])] if values.get("nationality") else [],
        phone=str(values.get("phone") or ""), email=str(values.get("email") or ""),
        last_known_location=str(values.get("last_known_location") or ""), status=status,
        hospital=str(values.get("hospital") or "") if status == PersonStatus.HOSPITALISED else "",
        source=Source(kind=SourceKind.IMPORT, ref=ref), note=_row_note(values, kind),
    )


def _values_json(values: Mapping[str, object]) -> str:
    return json.dumps({k: v.isoformat() if isinstance(v, datetime.date) else v for k, v in values.items()},
                      ensure_ascii=False, sort_keys=True)


# Key of the matcher's full reasons inside a review's encrypted values (they may carry name fragments, so the
# clear `reasons` column keeps only their codes). Row fields never start with "_".
_REASONS_KEY = "_reasons"


def reason_code(reason: str) -> str:
    """The code of a matcher's reason, without what it shows of the names (surname_match:WANG -> surname_match)."""
    return reason.split(":", 1)[0]


def review_values(review: MatchReview) -> dict[str, Any]:
    """The row's values as stored with the review (dates as ISO strings)."""
    values = json.loads(review.values or "{}")
    values.pop(_REASONS_KEY, None)
    return dict(values)


def review_reasons(review: MatchReview) -> list[str]:
    """The matcher's full reasons for the review, kept encrypted with the row's values."""
    stored = json.loads(review.values or "{}").get(_REASONS_KEY)
    return [str(r) for r in stored] if isinstance(stored, list) else list(review.reasons)


def _values_from_json(data: Mapping[str, Any]) -> dict[str, object]:
    values: dict[str, object] = dict(data)
    if isinstance(values.get("birth_date"), str):
        values["birth_date"] = datetime.date.fromisoformat(str(values["birth_date"]))
    return values


def _already_imported(incident: Incident, fingerprints: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(fingerprints), _FETCH_CHUNK):
        chunk = fingerprints[start:start + _FETCH_CHUNK]
        found |= set(ImportRow.objects.filter(incident=incident, fingerprint__in=chunk)
                     .values_list("fingerprint", flat=True))
    return found


def _service_errors(line: int, exc: ApplicationError, mapping: Mapping[str, str]) -> list[_Error]:
    if not exc.fields:
        return [_Error(line, "", "", exc.message)]
    return [_Error(line, _column(mapping, key.split(".")[0]), key, message)
            for key, messages in exc.fields.items() for message in messages]


# --- The import ---------------------------------------------------------------------------------------------------

def _read(data: bytes, filename: str, mapping: Mapping[str, str] | None, kind: str,
          sheet: str | None) -> tuple[tabular.Table, dict[str, str], tabular.ParsedList]:
    try:
        table = tabular.read_table(data, filename, sheet=sheet, max_bytes=MAX_BYTES, max_rows=MAX_ROWS)
    except tabular.TableError as exc:
        raise _invalid("file", [exc.message]) from exc
    chosen = dict(mapping) if mapping is not None else tabular.suggest_mapping(table.headers)
    try:
        parsed = tabular.parse_rows(table, chosen, kind=kind)
    except tabular.MappingError as exc:
        if mapping is None:
            problems = [_("No column could be recognised; give the mapping (field → column header)."),
                        *exc.problems]
        else:
            problems = exc.problems
        raise _invalid("mapping", problems) from exc
    return table, chosen, parsed


def rejected_message(rejected: ListImport) -> StrOrPromise:
    """Why a list was refused, for people."""
    return format_lazy(_("{bad} of {total} rows have errors, so nothing was imported. Fix them, or import only the "
                         "good rows (mode good_rows_only)."), bad=rejected.bad, total=rejected.total)


def _store_rejected(*, actor: Any, incident: Incident, common: dict[str, Any], total: int, bad: int,
                    errors: list[_Error]) -> ListImport:
    with transaction.atomic():
        rejected = ListImport.objects.create(**common, status=ImportStatus.REJECTED, total=total, bad=bad,
                                             errors=_stored_errors(errors), errors_total=len(errors))
        audit_record(actor=actor, action="list_import.reject", obj=rejected,
                     data={"incident": str(incident.pk), "kind": rejected.kind, "mode": rejected.mode,
                           "total": total, "bad": bad, "errors": len(errors)})
    return rejected


def _stored_errors(errors: list[_Error]) -> list[dict[str, Any]]:
    ordered = sorted(errors, key=lambda e: (e.line, e.column, e.field))[:IMPORT_ERRORS_KEPT]
    return [{"line": e.line, "column": e.column, "field": e.field, "messages": _rendered(e.message)}
            for e in ordered]


def list_import(*, actor: Any, incident: Incident, data: bytes, filename: str, mapping: Mapping[str, str] | None,
                kind: str, mode: str = ImportMode.ALL_OR_NOTHING, sheet: str | None = None) -> ListImport:
    """Import a list into the incident's registry (see the module's rules). Returns the ListImport: `imported`
    with its counts, or `rejected` (bad rows under all-or-nothing: nothing else written). A file that cannot be
    read or mapped raises ApplicationError (400, messages under `file` or `mapping`) and stores nothing."""
    _require_on_incident(actor, incident)
    fields: dict[str, list[StrOrPromise]] = {}
    if kind not in ListKind.values:
        fields["kind"] = [format_lazy(_("Use one of: {kinds}."), kinds=", ".join(ListKind.values))]
    if mode not in ImportMode.values:
        fields["mode"] = [format_lazy(_("Use one of: {modes}."), modes=", ".join(ImportMode.values))]
    if not filename.strip() or len(filename) > 255:
        fields["file"] = [_("The file needs a name of at most 255 characters.")]
    if fields:
        raise ApplicationError(ErrorCode.INVALID, _("The list cannot be imported."), fields=fields)
    _require_open(incident)
    table, chosen, parsed = _read(data, filename, mapping, kind, sheet)

    errors = [_Error(e.line, e.column, e.field, e.message) for e in parsed.errors]
    bad_lines = set(parsed.bad_lines)
    nationalities = {str(r.values["nationality"]) for r in parsed.rows if r.values.get("nationality")}
    countries = set(Country.objects.filter(code__in=nationalities).values_list("code", flat=True))
    good: list[tabular.ParsedRow] = []
    for row in parsed.rows:
        more = _row_errors(row, chosen, countries)
        if more:
            errors.extend(more)
            bad_lines.add(row.line)
        else:
            good.append(row)
    common: dict[str, Any] = {
        "incident": incident, "kind": kind, "filename": filename.strip()[:255], "file_format": table.format,
        "sha256": hashlib.sha256(data).hexdigest(), "mapping": chosen, "mode": mode, "created_by": _user(actor),
    }
    if errors and mode == ImportMode.ALL_OR_NOTHING:
        return _store_rejected(actor=actor, incident=incident, common=common, total=parsed.total,
                               bad=len(bad_lines), errors=errors)
    try:
        return _import_rows(actor=actor, incident=incident, common=common, parsed=parsed, good=good,
                            errors=errors, bad_lines=bad_lines, mapping=chosen)
    except _Rejected as rejected:
        late_lines = {e.line for e in rejected.errors}
        return _store_rejected(actor=actor, incident=incident, common=common, total=parsed.total,
                               bad=len(bad_lines | late_lines), errors=errors + rejected.errors)


def _import_rows(*, actor: Any, incident: Incident, common: dict[str, Any], parsed: tabular.ParsedList,
                 good: list[tabular.ParsedRow], errors: list[_Error], bad_lines: set[int],
                 mapping: Mapping[str, str]) -> ListImport:
    kind, mode = common["kind"], common["mode"]
    with transaction.atomic():
        # One import of an incident at a time (lock order: incident, then persons): a concurrent import of the
        # same rows waits, then finds them imported and skips them.
        list(Incident.objects.select_for_update().filter(pk=incident.pk).values_list("pk", flat=True))
        _require_open(incident)
        imported = ListImport.objects.create(**common, status=ImportStatus.IMPORTED, total=parsed.total)
        seen = _already_imported(incident, [r.fingerprint for r in good])
        counts = dict.fromkeys(RowOutcome.values, 0)
        trips = dict.fromkeys(RegistrationOutcome, 0)
        skipped = statuses = 0
        late: list[_Error] = []
        for row in good:
            if row.fingerprint in seen:
                skipped += 1
                continue
            try:
                with transaction.atomic():
                    outcome, changed, trip = _take_row(actor, incident, imported, row, kind)
            except ApplicationError as exc:
                late.extend(_service_errors(row.line, exc, mapping))
                if mode == ImportMode.ALL_OR_NOTHING:
                    raise _Rejected(late) from exc
                bad_lines.add(row.line)
                continue
            counts[outcome] += 1
            statuses += changed
            trips[trip] += 1
        all_errors = errors + late
        imported.linked, imported.created = counts[RowOutcome.LINKED], counts[RowOutcome.CREATED]
        imported.review, imported.skipped_same, imported.bad = counts[RowOutcome.REVIEW], skipped, len(bad_lines)
        imported.errors, imported.errors_total = _stored_errors(all_errors), len(all_errors)
        imported.registrations_linked = trips[RegistrationOutcome.LINKED]
        imported.registration_reviews = trips[RegistrationOutcome.REVIEW]
        imported.save(update_fields=["linked", "created", "review", "skipped_same", "bad", "errors", "errors_total",
                                     "registrations_linked", "registration_reviews", "updated_at"])
        audit_record(actor=actor, action="list_import.import", obj=imported,
                     data={"incident": str(incident.pk), "kind": kind, "mode": mode, "total": parsed.total,
                           "linked": imported.linked, "created": imported.created, "review": imported.review,
                           "skipped_same": skipped, "bad": imported.bad, "status_changes": statuses,
                           "registrations_linked": imported.registrations_linked,
                           "registration_reviews": imported.registration_reviews})
    return imported


def _take_row(actor: Any, incident: Incident, imported: ListImport, row: tabular.ParsedRow,
              kind: str) -> tuple[str, int, RegistrationOutcome]:
    """Link, queue for review or create, for one new row; then match the row's person against the trip
    registrations (`registration_matching`). Returns the outcome, whether a status changed, and what became of
    the registration match."""
    values = row.values
    ref = _ref(imported.pk, row.line)
    found = _candidates(incident, values)
    outcome = _decide(found)
    if outcome == RowOutcome.LINKED:
        person = found[0].person
        changed = _apply_status(actor, person, values, ref, kind)
        import_row = ImportRow.objects.create(list_import=imported, incident=incident, line=row.line,
                                              fingerprint=row.fingerprint, outcome=outcome, person=person)
        trip = match_registration(actor=actor, person=person, values=values, import_row=import_row, ref=ref)
        return outcome, int(changed), trip
    if outcome == RowOutcome.REVIEW:
        top = found[0]
        import_row = ImportRow.objects.create(list_import=imported, incident=incident, line=row.line,
                                              fingerprint=row.fingerprint, outcome=outcome)
        others = [{"person": str(c.person.pk), "score": round(c.score, 4)} for c in found[1:]
                  if c.level != "weak" or "passport_match" in c.reasons]
        MatchReview.objects.create(incident=incident, import_row=import_row,
                                   values=_values_json({**values, _REASONS_KEY: list(top.reasons)}),
                                   candidate=top.person, score=min(1.0, max(0.0, top.score)),
                                   reasons=list(dict.fromkeys(reason_code(r) for r in top.reasons)), others=others)
        # The registrations are matched once an officer has decided who the row is (review_confirm/_reject).
        return outcome, 0, RegistrationOutcome.NONE
    person = person_add(actor=actor, incident=incident, data=_person_in(values, ref, kind))
    import_row = ImportRow.objects.create(list_import=imported, incident=incident, line=row.line,
                                          fingerprint=row.fingerprint, outcome=outcome, person=person)
    trip = match_registration(actor=actor, person=person, values=values, import_row=import_row, ref=ref)
    return outcome, 0, trip


# --- The review queue ---------------------------------------------------------------------------------------------

def _lock_review(review: MatchReview) -> MatchReview:
    return (MatchReview.objects.select_for_update(of=("self",))
            .select_related("incident", "import_row", "import_row__list_import").get(pk=review.pk))


def _require_pending(review: MatchReview) -> None:
    if review.state != ReviewState.PENDING:
        raise ApplicationError(ErrorCode.CONFLICT, _("This possible match was already decided."), status=409)


def _note_checked(note: str) -> str:
    if len(note) > 5000:
        raise _invalid("note", [_("At most 5000 characters.")])
    return note.strip()


def review_confirm(*, actor: Any, review: MatchReview, note: str = "",
                   person: AffectedPerson | None = None) -> MatchReview:
    """The row is the candidate (or `person`, another candidate of the same row): link it and record the row's
    status on the person as an import would have; then match that person against the trip registrations.
    A review of kind `registration`: the row's person is that registration's traveller, link them."""
    note = _note_checked(note)
    with transaction.atomic():
        review = _lock_review(review)
        _require_on_incident(actor, review.incident)
        _require_pending(review)
        if review.candidate_kind == CandidateKind.REGISTRATION:
            return _registration_confirm(actor, review, note, person)
        target = review.candidate
        if person is not None and person.pk != review.candidate_id:
            allowed = {str(o.get("person")) for o in review.others}
            if str(person.pk) not in allowed or person.incident_id != review.incident_id:
                raise _invalid("person", [_("Not one of this row's candidates.")])
            target = person
        row = review.import_row
        values = _values_from_json(review_values(review))
        changed = _apply_status(actor, target, values, _ref(row.list_import_id, row.line), row.list_import.kind)
        row.person, row.outcome = target, RowOutcome.LINKED
        row.save(update_fields=["person", "outcome", "updated_at"])
        review.state, review.decided_by, review.decided_at, review.note = (
            ReviewState.CONFIRMED, _user(actor), timezone.now(), note)
        review.save(update_fields=["state", "decided_by", "decided_at", "note", "updated_at"])
        audit_record(actor=actor, action="match_review.confirm", obj=review,
                     data={"incident": str(review.incident_id), "import": str(row.list_import_id), "line": row.line,
                           "person": str(target.pk), "status_changed": changed})
        match_registration(actor=actor, person=target, values=values, import_row=row,
                           ref=_ref(row.list_import_id, row.line))
    return review


def _registration_confirm(actor: Any, review: MatchReview, note: str,
                          person: AffectedPerson | None) -> MatchReview:
    if person is not None and person.pk != review.candidate_id:
        raise _invalid("person", [_("Not one of this row's candidates.")])
    assert review.registration_id is not None  # the registration_review_has_registration constraint
    registration = Registration.objects.get(pk=review.registration_id)
    target = review.candidate
    problem = registration_linkable(person=target, registration=registration)
    if problem is not None:
        raise ApplicationError(ErrorCode.CONFLICT, problem, status=409)
    row = review.import_row
    ref = _ref(row.list_import_id, row.line)
    filled = registration_link(actor=actor, person=target, registration=registration, ref=ref)
    review.state, review.decided_by, review.decided_at, review.note = (
        ReviewState.CONFIRMED, _user(actor), timezone.now(), note)
    review.save(update_fields=["state", "decided_by", "decided_at", "note", "updated_at"])
    audit_record(actor=actor, action="match_review.confirm", obj=review,
                 data={"incident": str(review.incident_id), "import": str(row.list_import_id), "line": row.line,
                       "person": str(target.pk), "kind": CandidateKind.REGISTRATION,
                       "registration": str(registration.pk), "filled": filled})
    return review


def review_reject(*, actor: Any, review: MatchReview, note: str = "") -> MatchReview:
    """The row is nobody of the registry: create a new person from it (source import:<import id>:<line>), then
    match that person against the trip registrations. A review of kind `registration`: the row's person is not
    that registration's traveller; nothing is linked (and the pair is not proposed again)."""
    note = _note_checked(note)
    with transaction.atomic():
        review = _lock_review(review)
        _require_on_incident(actor, review.incident)
        _require_pending(review)
        row = review.import_row
        if review.candidate_kind == CandidateKind.REGISTRATION:
            review.state, review.decided_by, review.decided_at, review.note = (
                ReviewState.REJECTED, _user(actor), timezone.now(), note)
            review.save(update_fields=["state", "decided_by", "decided_at", "note", "updated_at"])
            audit_record(actor=actor, action="match_review.reject", obj=review,
                         data={"incident": str(review.incident_id), "import": str(row.list_import_id),
                               "line": row.line, "person": str(review.candidate_id),
                               "kind": CandidateKind.REGISTRATION, "registration": str(review.registration_id)})
            return review
        values = _values_from_json(review_values(review))
        person = person_add(actor=actor, incident=review.incident,
                            data=_person_in(values, _ref(row.list_import_id, row.line), row.list_import.kind))
        row.person, row.outcome = person, RowOutcome.CREATED
        row.save(update_fields=["person", "outcome", "updated_at"])
        review.state, review.decided_by, review.decided_at, review.note = (
            ReviewState.REJECTED, _user(actor), timezone.now(), note)
        review.save(update_fields=["state", "decided_by", "decided_at", "note", "updated_at"])
        audit_record(actor=actor, action="match_review.reject", obj=review,
                     data={"incident": str(review.incident_id), "import": str(row.list_import_id), "line": row.line,
                           "person": str(person.pk)})
        match_registration(actor=actor, person=person, values=values, import_row=row,
                           ref=_ref(row.list_import_id, row.line))
    return review

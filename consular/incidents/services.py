"""Writes for major incidents. Every service takes `actor=`, checks what the actor may do, writes the audit log in
the same transaction, and raises ApplicationError on a broken rule.

Who may do what: HQ officers open, change and close incidents. Hotline operators, HQ officers and the officers of
the incident's missions (the lead mission and the missions concerned) work it: add and update persons, change
statuses, record that the next of kin was told, take inquiries, make call-backs. Auditors only read. A mission
officer of any other mission is told the incident does not exist (404).

A person's status changes only through `person_set_status`, which always writes a PersonStatusChange row with
its source and, when the status (or the hospital) changed, owes every open inquiry about the person a call-back.

Row locks are always taken in the same order, person → inquiry → call-back, so a status change, an inquiry
attached and a call-back made at the same moment never deadlock and never lose a call-back owed.
"""

from __future__ import annotations

import datetime
import re
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consular.accounts.models import Role
from consular.cases.models import Case
from consular.cases.services import Location
from consular.core.audit import audit_record
from consular.core.birthdates import EARLIEST_BIRTH_YEAR, birth_date_problem
from consular.core.errors import ApplicationError, ErrorCode, lazy_interpolate
from consular.core.jurisdiction import responsible_mission
from consular.core.models import Country, Mission
from consular.incidents import blocking, selectors
from consular.incidents.codes import (
    SOURCES_NEEDING_REF,
    CallBackReason,
    IncidentKind,
    IncidentStatus,
    InquiryChannel,
    InquiryState,
    NameKeyOwner,
    PersonStatus,
    Sex,
    SourceKind,
)
from consular.incidents.matching import parse_birth_date
from consular.incidents.models import AffectedPerson, CallBack, Incident, Inquiry, NameKey, PersonStatusChange

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

WRITER_ROLES = frozenset({Role.HOTLINE_OPERATOR, Role.HQ_OFFICER, Role.MISSION_OFFICER})
INCIDENT_ADMIN_ROLES = frozenset({Role.HQ_OFFICER})
MAX_OTHER_NAMES = 10
_NATIONALITY = re.compile(r"^[A-Z]{2}$")


@dataclass
class IncidentIn:
    kind: str
    title: str
    location: Location
    started_at: datetime.datetime
    description: str = ""
    lead_mission: str = ""  # a mission code; empty: the mission responsible for the place
    missions: list[str] = field(default_factory=list)  # codes of the other missions concerned


@dataclass
class Source:
    kind: str = SourceKind.OFFICER
    ref: str = ""


@dataclass
class PersonIn:
    name_zh: str = ""
    name_latin: str = ""
    other_names: list[str] = field(default_factory=list)
    sex: str = Sex.UNKNOWN
    birth_date: datetime.date | None = None
    passport_number: str = ""
    nationalities: list[str] = field(default_factory=list)
    phone: str = ""
    email: str = ""
    last_known_location: str = ""
    mission: str = ""  # a code of one of the incident's missions; empty: the case's mission or the lead mission
    case: Case | None = None
    status: str = PersonStatus.UNACCOUNTED
    hospital: str = ""
    source: Source = field(default_factory=Source)
    note: str = ""


@dataclass
class InquiryIn:
    subject_name: str
    subject_birth_date: str = ""  # YYYY, YYYY-MM or YYYY-MM-DD, as the inquirer knows it
    subject_passport_number: str = ""
    inquirer_name: str = ""
    inquirer_relation: str = ""
    inquirer_phone: str = ""
    inquirer_email: str = ""
    language: str = "zh"
    channel: str = InquiryChannel.PHONE
    message: str = ""


# --- Rules --------------------------------------------------------------------------------------------------------

# Messages are lazy translations, rendered in the reader's language where they are shown (console, API); the error
# codes and the field keys are what clients rely on.
REQUIRED = _("This field is required.")
_NAME_REQUIRED = _("Give a name in Chinese characters, in passport spelling or in another spelling.")
_PERSON_INVALID = _("The person has invalid fields.")
_INCIDENT_INVALID = _("The incident has invalid fields.")
_READ_ONLY = _("This field cannot be changed.")


def _denied(message: StrOrPromise) -> ApplicationError:
    return ApplicationError(ErrorCode.PERMISSION_DENIED, message, status=403)


def _invalid(field_name: str, message: StrOrPromise) -> ApplicationError:
    return ApplicationError(ErrorCode.INVALID, message, fields={field_name: [message]})


def _conflict(message: StrOrPromise, field_name: str | None = None) -> ApplicationError:
    return ApplicationError(ErrorCode.CONFLICT, message, fields={field_name: [message]} if field_name else None,
                            status=409)


def _too_long(limit: int) -> StrOrPromise:
    return lazy_interpolate(_("At most %(limit)s characters."), limit=limit)


def _one_of(values: list[str]) -> StrOrPromise:
    return lazy_interpolate(_("Must be one of: %(choices)s."), choices=", ".join(values))


def _require_admin(actor: Any) -> None:
    if getattr(actor, "role", None) not in INCIDENT_ADMIN_ROLES:
        raise _denied(_("Only HQ officers open, change and close incidents."))


def _require_on_incident(actor: Any, incident: Incident) -> None:
    """Writers on every incident, except a mission officer, who works only the incidents of the own mission."""
    if getattr(actor, "role", None) not in WRITER_ROLES:
        raise _denied(_("Your role may not change incidents."))
    if actor.role == Role.MISSION_OFFICER and not incident.missions.filter(pk=actor.mission_id).exists():
        raise ApplicationError(ErrorCode.NOT_FOUND, _("Incident not found."), status=404)


def _require_open(incident: Incident, message: StrOrPromise) -> None:
    """The incident as stored now (not as the caller loaded it) must be open; `message` (with %(reference)s)
    says what a closed incident no longer takes."""
    current = Incident.objects.filter(pk=incident.pk).values_list("status", flat=True).first()
    if current != IncidentStatus.OPEN:
        raise _conflict(lazy_interpolate(message, reference=incident.reference))


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _lock_person(person: AffectedPerson) -> AffectedPerson:
    """Lock one person's row (inside a transaction; not the incident's) and return it fresh."""
    return AffectedPerson.objects.select_for_update(of=("self",)).select_related("incident").get(pk=person.pk)


# --- Incidents ----------------------------------------------------------------------------------------------------

def _reference_next(year: int) -> str:
    prefix = f"INC-{year}-"
    taken = Incident.objects.filter(reference__startswith=prefix).values_list("reference", flat=True)
    number = max((int(r[len(prefix):]) for r in taken if r[len(prefix):].isdigit()), default=0) + 1
    return f"{prefix}{number:04d}"


def _missions_by_code(codes: list[str], field_name: str, fields: dict[str, list[StrOrPromise]]) -> list[Mission]:
    wanted = list(dict.fromkeys(c.strip().upper() for c in codes if c and c.strip()))
    found = {m.code: m for m in Mission.objects.filter(code__in=wanted, active=True)}
    unknown = [c for c in wanted if c not in found]
    if unknown:
        fields[field_name] = [lazy_interpolate(_("Unknown mission %(code)s."), code=c) for c in unknown]
    return [found[c] for c in wanted if c in found]


EARLIEST_START = datetime.datetime(1900, 1, 1, tzinfo=datetime.UTC)


def _validate_incident(data: IncidentIn, fields: dict[str, list[StrOrPromise]]) -> None:
    if data.kind not in IncidentKind.values:
        fields["kind"] = [_one_of(IncidentKind.values)]
    if not data.title.strip():
        fields["title"] = [REQUIRED]
    elif len(data.title.strip()) > 200:
        fields["title"] = [_too_long(200)]
    if data.started_at is None or timezone.is_naive(data.started_at):
        fields["started_at"] = [_("Give a date and time with a time zone.")]
    elif data.started_at > timezone.now() + datetime.timedelta(hours=1):
        fields["started_at"] = [_("An incident cannot start in the future.")]
    elif data.started_at < EARLIEST_START:  # and year 1 in a time zone east of UTC has no UTC form at all
        fields["started_at"] = [_("An incident cannot start before 1900.")]


def incident_open(*, actor: Any, data: IncidentIn) -> Incident:
    """Open an incident. The lead mission is the one given, or the mission responsible for the place; the lead
    is always among the incident's missions."""
    _require_admin(actor)
    fields: dict[str, list[StrOrPromise]] = {}
    _validate_incident(data, fields)
    place_mission: Mission | None = None
    try:
        place_mission = responsible_mission(data.location.country, data.location.subdivision or None)
    except ApplicationError as exc:
        fields.update({f"location.{k}": list(v) for k, v in exc.fields.items()})
    lead = place_mission
    if data.lead_mission.strip():
        chosen = _missions_by_code([data.lead_mission], "lead_mission", fields)
        lead = chosen[0] if chosen else None
    others = _missions_by_code(data.missions, "missions", fields)
    if fields:
        raise ApplicationError(ErrorCode.INVALID, _INCIDENT_INVALID, fields=fields)
    assert lead is not None
    with transaction.atomic():
        year = timezone.localdate().year
        for _attempt in range(5):
            try:
                with transaction.atomic():
                    incident = Incident.objects.create(
                        reference=_reference_next(year), kind=data.kind, title=data.title.strip(),
                        description=data.description.strip(), country_id=data.location.country.upper(),
                        subdivision_id=(data.location.subdivision or "").upper() or None,
                        city=data.location.city.strip(), latitude=data.location.lat, longitude=data.location.lon,
                        started_at=data.started_at, lead_mission=lead, opened_by=_user(actor),
                    )
                break
            except IntegrityError:  # another incident took the number meanwhile: take the next
                continue
        else:  # pragma: no cover
            raise ApplicationError(ErrorCode.CONFLICT, _("Could not allocate an incident reference; please retry."),
                                   status=409)
        incident.missions.set({lead.pk, *(m.pk for m in others)})
        audit_record(actor=actor, action="incident.open", obj=incident,
                     data={"reference": incident.reference, "kind": incident.kind, "lead_mission": lead.code,
                           "missions": sorted({lead.code, *(m.code for m in others)})})
    return incident


INCIDENT_CHANGEABLE = frozenset({"kind", "title", "description", "lead_mission", "missions"})


def incident_update(*, actor: Any, incident: Incident, changes: dict[str, Any]) -> Incident:
    """Change the kind, title, description, lead mission or missions concerned (the full list; the lead is
    always kept). A mission still looking after persons cannot be removed."""
    _require_admin(actor)
    unknown = set(changes) - INCIDENT_CHANGEABLE
    if unknown:
        raise ApplicationError(ErrorCode.INVALID, _("These fields cannot be changed."),
                               fields={k: [_READ_ONLY] for k in sorted(unknown)})
    fields: dict[str, list[StrOrPromise]] = {}
    with transaction.atomic():
        incident = Incident.objects.select_for_update().get(pk=incident.pk)
        data = IncidentIn(kind=changes.get("kind", incident.kind), title=changes.get("title", incident.title),
                          location=Location(country=incident.country_id), started_at=incident.started_at)
        _validate_incident(data, fields)
        lead = incident.lead_mission
        if "lead_mission" in changes:
            chosen = _missions_by_code([str(changes["lead_mission"] or "")], "lead_mission", fields)
            if chosen:
                lead = chosen[0]
            elif "lead_mission" not in fields:
                fields["lead_mission"] = [REQUIRED]
        current = set(incident.missions.values_list("pk", flat=True))
        wanted = set(current)
        if "missions" in changes:
            wanted = {m.pk for m in _missions_by_code(list(changes["missions"] or []), "missions", fields)}
        wanted.add(lead.pk)
        removed = current - wanted
        busy = set(AffectedPerson.objects.filter(incident=incident, mission_id__in=removed)
                   .values_list("mission__code", flat=True))
        if busy:
            fields["missions"] = [lazy_interpolate(_("%(mission)s still looks after persons of this incident."),
                                                   mission=code) for code in sorted(busy)]
        if fields:
            raise ApplicationError(ErrorCode.INVALID, _INCIDENT_INVALID, fields=fields)
        changed = []
        for name in ("kind", "title", "description"):
            if name in changes and getattr(incident, name) != str(changes[name]).strip():
                setattr(incident, name, str(changes[name]).strip())
                changed.append(name)
        if lead.pk != incident.lead_mission_id:
            incident.lead_mission = lead
            changed.append("lead_mission")
        if changed:
            incident.save(update_fields=[*changed, "updated_at"])
        if wanted != current:
            incident.missions.set(wanted)
            changed.append("missions")
        if changed:
            audit_record(actor=actor, action="incident.update", obj=incident, data={"fields": sorted(changed)})
    return incident


def incident_close(*, actor: Any, incident: Incident) -> Incident:
    """Close an incident: no new persons nor inquiries; the work on its records (statuses, next-of-kin
    notifications, call-backs) goes on."""
    _require_admin(actor)
    with transaction.atomic():
        incident = Incident.objects.select_for_update().get(pk=incident.pk)
        if incident.status == IncidentStatus.CLOSED:
            raise _conflict(lazy_interpolate(_("The incident %(reference)s is already closed."),
                                             reference=incident.reference))
        incident.status, incident.closed_at, incident.closed_by = IncidentStatus.CLOSED, timezone.now(), _user(actor)
        incident.save(update_fields=["status", "closed_at", "closed_by", "updated_at"])
        audit_record(actor=actor, action="incident.close", obj=incident, data={"reference": incident.reference})
    return incident


# --- Affected persons ---------------------------------------------------------------------------------------------

def _clean_names(names: list[str]) -> list[str]:
    return list(dict.fromkeys(n.strip() for n in names if n and n.strip()))


def _validate_person_fields(values: dict[str, Any], fields: dict[str, list[StrOrPromise]]) -> None:
    """Field rules shared by adding and updating a person; `values` holds the fields being set."""
    limits = {"name_zh": 100, "name_latin": 150, "passport_number": 20, "phone": 40, "email": 254,
              "last_known_location": 1000}
    for name, limit in limits.items():
        if len(str(values.get(name) or "")) > limit:
            fields[name] = [_too_long(limit)]
    if "other_names" in values:
        others = values["other_names"]
        if len(others) > MAX_OTHER_NAMES:
            fields["other_names"] = [lazy_interpolate(_("At most %(count)s names."), count=MAX_OTHER_NAMES)]
        elif any(len(n) > 150 or "\n" in n for n in others):
            fields["other_names"] = [lazy_interpolate(_("Each name on its own line, at most %(limit)s characters."),
                                                      limit=150)]
    if "sex" in values and values["sex"] not in Sex.values:
        fields["sex"] = [_one_of(Sex.values)]
    if (problem := birth_date_problem(values.get("birth_date"))) is not None:
        fields["birth_date"] = [problem]
    if "nationalities" in values:
        codes = [c.strip().upper() for c in values["nationalities"]]
        if len(codes) > 5 or not all(_NATIONALITY.match(c) for c in codes):
            fields["nationalities"] = [lazy_interpolate(
                _("Give at most %(count)s country codes of two letters (ISO 3166-1, e.g. TH)."), count=5)]
        else:
            known = set(Country.objects.filter(code__in=codes).values_list("code", flat=True))
            if set(codes) - known:
                fields["nationalities"] = [lazy_interpolate(_("Unknown country code “%(code)s”."), code=c)
                                           for c in codes if c not in known]


def _validate_status(status: str, source: Source, note: str, hospital: str,
                     fields: dict[str, list[StrOrPromise]]) -> None:
    if status not in PersonStatus.values:
        fields["status"] = [_one_of(PersonStatus.values)]
    if source.kind not in SourceKind.values:
        fields["source.kind"] = [_one_of(SourceKind.values)]
    elif source.kind in SOURCES_NEEDING_REF and not source.ref.strip():
        fields["source.ref"] = [lazy_interpolate(
            _("Say which record this comes from (%(source)s): the list and line, the call, the inquiry."),
            source=SourceKind(source.kind).label)]
    if len(source.ref) > 200:
        fields["source.ref"] = [_too_long(200)]
    if status == PersonStatus.HOSPITALISED and not hospital.strip():
        fields["hospital"] = [_("Required for a hospitalised person.")]
    elif hospital.strip() and status != PersonStatus.HOSPITALISED:
        fields["hospital"] = [_("Only for a hospitalised person.")]
    if len(hospital) > 500:
        fields["hospital"] = [_too_long(500)]
    if len(note) > 5000:
        fields["note"] = [_too_long(5000)]


def _person_mission(incident: Incident, code: str, case: Case | None,
                    fields: dict[str, list[StrOrPromise]]) -> Mission:
    missions = {m.code: m for m in incident.missions.all()}
    if code.strip():
        found = missions.get(code.strip().upper())
        if found is None:
            fields["mission"] = [lazy_interpolate(_("Not one of this incident's missions (%(missions)s)."),
                                                  missions=", ".join(sorted(missions)))]
            return incident.lead_mission
        return found
    if case is not None and case.mission.code in missions:
        return missions[case.mission.code]
    return incident.lead_mission


def _write_name_keys(person: AffectedPerson) -> None:
    blocking.name_keys_write(owner_type=NameKeyOwner.AFFECTED_PERSON, owner_id=person.pk, names=person.names(),
                             birth_date=person.birth_date, scope=person.incident_id)


def person_add(*, actor: Any, incident: Incident, data: PersonIn) -> AffectedPerson:
    """Add a person to the registry with a first status and its source (by default: this officer)."""
    _require_on_incident(actor, incident)
    _require_open(incident, _("The incident %(reference)s is closed: no new persons are added."))
    others = _clean_names(data.other_names)
    fields: dict[str, list[StrOrPromise]] = {}
    if not (data.name_zh.strip() or data.name_latin.strip() or others):
        fields["name_zh"] = [_NAME_REQUIRED]
    _validate_person_fields({
        "name_zh": data.name_zh, "name_latin": data.name_latin, "other_names": others, "sex": data.sex,
        "birth_date": data.birth_date, "passport_number": data.passport_number, "nationalities": data.nationalities,
        "phone": data.phone, "email": data.email, "last_known_location": data.last_known_location,
    }, fields)
    _validate_status(data.status, data.source, data.note, data.hospital, fields)
    mission = _person_mission(incident, data.mission, data.case, fields)
    if fields:
        raise ApplicationError(ErrorCode.INVALID, _PERSON_INVALID, fields=fields)
    with transaction.atomic():
        person = AffectedPerson.objects.create(
            incident=incident, name_zh=data.name_zh.strip(), name_latin=data.name_latin.strip(),
            other_names="\n".join(others), sex=data.sex, birth_date=data.birth_date,
            passport_number=data.passport_number.strip(),
            nationalities=",".join(dict.fromkeys(c.strip().upper() for c in data.nationalities)),
            phone=data.phone.strip(), email=data.email.strip(), last_known_location=data.last_known_location.strip(),
            status=data.status, hospital=data.hospital.strip(), mission=mission, case=data.case,
            created_by=_user(actor),
        )
        _write_name_keys(person)
        PersonStatusChange.objects.create(
            person=person, from_status="", to_status=data.status, source_kind=data.source.kind,
            source_ref=data.source.ref.strip(), note=data.note.strip(), hospital=person.hospital, actor=_user(actor),
            at=timezone.now(),
        )
        audit_record(actor=actor, action="affected_person.add", obj=person,
                     data={"incident": str(incident.pk), "status": data.status, "source_kind": data.source.kind,
                           "source_ref": data.source.ref.strip(), "mission": mission.code})
    return person


PERSON_CHANGEABLE = frozenset({"name_zh", "name_latin", "other_names", "sex", "birth_date", "passport_number",
                               "nationalities", "phone", "email", "last_known_location", "mission", "case"})
_NAME_FIELDS = frozenset({"name_zh", "name_latin", "other_names", "birth_date"})


def person_update(*, actor: Any, person: AffectedPerson, changes: dict[str, Any]) -> AffectedPerson:
    """PATCH a person's particulars (not the status: see person_set_status). `other_names` and `nationalities`
    are lists; `mission` a code of one of the incident's missions; `case` a Case or None. Names and birth date
    rewrite the person's blocking keys."""
    unknown = set(changes) - PERSON_CHANGEABLE
    if unknown:
        raise ApplicationError(ErrorCode.INVALID, _("These fields cannot be changed here."),
                               fields={k: [_READ_ONLY] for k in sorted(unknown)})
    with transaction.atomic():
        person = _lock_person(person)
        _require_on_incident(actor, person.incident)
        values = dict(changes)
        for name in ("name_zh", "name_latin", "passport_number", "phone", "email", "last_known_location"):
            if name in values:
                values[name] = str(values[name] or "").strip()
        if "other_names" in values:
            values["other_names"] = _clean_names(list(values["other_names"] or []))
        if "nationalities" in values:
            values["nationalities"] = list(dict.fromkeys(c.strip().upper() for c in values["nationalities"] or []))
        fields: dict[str, list[StrOrPromise]] = {}
        _validate_person_fields(values, fields)
        names_after = [values.get("name_zh", person.name_zh), values.get("name_latin", person.name_latin),
                       *values.get("other_names", person.other_names.splitlines())]
        if not any(n.strip() for n in names_after):
            fields["name_zh"] = [_NAME_REQUIRED]
        if "mission" in values:
            values["mission"] = _person_mission(person.incident, str(values["mission"] or ""),
                                                values.get("case", person.case), fields)
        if fields:
            raise ApplicationError(ErrorCode.INVALID, _PERSON_INVALID, fields=fields)
        if "other_names" in values:
            values["other_names"] = "\n".join(values["other_names"])
        if "nationalities" in values:
            values["nationalities"] = ",".join(values["nationalities"])
        changed = []
        for name, value in values.items():
            current = getattr(person, name)
            if current != value:
                setattr(person, name, value)
                changed.append(name)
        if changed:
            person.save(update_fields=[*changed, "passport_hash", "phone_hash", "updated_at"])
            if _NAME_FIELDS & set(changed):
                _write_name_keys(person)
            audit_record(actor=actor, action="affected_person.update", obj=person, data={"fields": sorted(changed)})
    return person


def _owe_callbacks(person: AffectedPerson, change: PersonStatusChange | None, now: datetime.datetime,
                   reason: str = CallBackReason.STATUS_CHANGE) -> int:
    """Every inquiry about the person that is not closed gets a call-back due (one pending at a time)."""
    inquiries = list(Inquiry.objects.filter(person=person).exclude(state=InquiryState.CLOSED)
                     .order_by("pk").values_list("pk", flat=True))
    if not inquiries:
        return 0
    pending = {c.inquiry_id for c in CallBack.objects.select_for_update()
               .filter(person=person, inquiry_id__in=inquiries, done_at__isnull=True).order_by("pk")}
    due = now + datetime.timedelta(minutes=settings.INCIDENT_CALLBACK_MINUTES)
    new = [CallBack(inquiry_id=pk, person=person, status_change=change, reason=reason, due_at=due)
           for pk in inquiries if pk not in pending]
    CallBack.objects.bulk_create(new)
    # An inquirer who had been answered is owed a new answer.
    Inquiry.objects.filter(pk__in=inquiries, state=InquiryState.ANSWERED).update(state=InquiryState.MATCHED,
                                                                                 updated_at=now)
    return len(new)


def person_set_status(*, actor: Any, person: AffectedPerson, status: str, source_kind: str, source_ref: str = "",
                      note: str = "", hospital: str = "") -> PersonStatusChange:
    """Record a status with its source. Always writes a history row (the same status again is a confirmation
    from another source); a new status or hospital owes each open inquiry about the person a call-back. Leaving
    `deceased` needs a note; entering it resets the next-of-kin record, so the death stays hidden from the public
    and inquirers until an officer records that the next of kin was told."""
    source = Source(kind=source_kind, ref=source_ref or "")
    fields: dict[str, list[StrOrPromise]] = {}
    _validate_status(status, source, note, hospital, fields)
    if fields:
        raise ApplicationError(ErrorCode.INVALID, _("The status change has invalid fields."), fields=fields)
    with transaction.atomic():
        person = _lock_person(person)
        _require_on_incident(actor, person.incident)
        previous, previous_hospital = person.status, person.hospital
        if previous == PersonStatus.DECEASED and status != PersonStatus.DECEASED and not note.strip():
            raise _invalid("note", _("Say why a death is corrected."))
        now = timezone.now()
        changed = ["status", "hospital", "updated_at"]
        person.status, person.hospital = status, hospital.strip()
        if status != previous:
            person.next_of_kin_informed_at = person.next_of_kin_informed_by = None
            person.next_of_kin_note = ""
            changed += ["next_of_kin_informed_at", "next_of_kin_informed_by", "next_of_kin_note"]
        person.save(update_fields=changed)
        change = PersonStatusChange.objects.create(
            person=person, from_status=previous, to_status=status, source_kind=source.kind,
            source_ref=source.ref.strip(), note=note.strip(), hospital=person.hospital, actor=_user(actor), at=now,
        )
        owed = 0
        if status != previous or person.hospital != previous_hospital:
            owed = _owe_callbacks(person, change, now)
        audit_record(actor=actor, action="affected_person.status", obj=person,
                     data={"from": previous, "to": status, "source_kind": source.kind,
                           "source_ref": source.ref.strip(), "callbacks": owed})
    return change


@dataclass
class StatusIn:
    status: str
    source: Source
    note: str = ""
    hospital: str = ""


def person_patch(*, actor: Any, person: AffectedPerson, changes: dict[str, Any],
                 status: StatusIn | None = None) -> AffectedPerson:
    """One PATCH: particulars (person_update) and a status with its source (person_set_status), all or nothing."""
    with transaction.atomic():
        if changes:
            person = person_update(actor=actor, person=person, changes=changes)
        if status is not None:
            person = person_set_status(actor=actor, person=person, status=status.status,
                                       source_kind=status.source.kind, source_ref=status.source.ref,
                                       note=status.note, hospital=status.hospital).person
        elif not changes:
            _require_on_incident(actor, person.incident)
    return person


def next_of_kin_informed(*, actor: Any, person: AffectedPerson, note: str = "") -> AffectedPerson:
    """Record that the next of kin was told of the death: from now on the public and inquirers see `deceased`."""
    if len(note) > 5000:
        raise _invalid("note", _too_long(5000))
    with transaction.atomic():
        person = _lock_person(person)
        _require_on_incident(actor, person.incident)
        if person.status != PersonStatus.DECEASED:
            raise _conflict(lazy_interpolate(_("The person's status is “%(status)s”, not “%(deceased)s”."),
                                             status=PersonStatus(person.status).label,
                                             deceased=PersonStatus.DECEASED.label), "status")
        if person.next_of_kin_informed_at is not None:
            raise _conflict(_("That the next of kin was told is already recorded."), "next_of_kin_informed_at")
        person.next_of_kin_informed_at, person.next_of_kin_informed_by = timezone.now(), _user(actor)
        person.next_of_kin_note = note.strip()
        person.save(update_fields=["next_of_kin_informed_at", "next_of_kin_informed_by", "next_of_kin_note",
                                   "updated_at"])
        # Inquirers who were asked to wait for the next of kin are now owed the call.
        change = person.status_changes.order_by("-at", "-pk").first()
        owed = _owe_callbacks(person, change, person.next_of_kin_informed_at,
                              reason=CallBackReason.NEXT_OF_KIN_INFORMED)
        audit_record(actor=actor, action="affected_person.next_of_kin_informed", obj=person,
                     data={"incident": str(person.incident_id), "callbacks": owed})
    return person


def person_name_keys_rehash() -> int:
    """Recompute the affected persons' blocking keys after the hash key changed (a REHASHERS hook)."""
    written = 0
    last: uuid.UUID | None = None
    while True:
        with transaction.atomic():
            people = AffectedPerson.objects.order_by("pk").only("id", "incident_id", "name_zh", "name_latin",
                                                                 "other_names", "birth_date")
            if last is not None:
                people = people.filter(pk__gt=last)
            batch = list(people.select_for_update()[:500])
            if not batch:
                return written
            NameKey.objects.filter(owner_type=NameKeyOwner.AFFECTED_PERSON,
                                   owner_id__in=[p.pk for p in batch]).delete()
            rows = [row for p in batch for row in blocking.key_rows(
                owner_type=NameKeyOwner.AFFECTED_PERSON, owner_id=p.pk, names=p.names(), birth_date=p.birth_date,
                scope=p.incident_id)]
            NameKey.objects.bulk_create(rows)
            written += len(rows)
            last = batch[-1].pk


# --- Inquiries and call-backs -------------------------------------------------------------------------------------

# Shared with the API's and the console's own checks of an inquiry, so each says the same.
BIRTH_DATE_FORMAT = _("Use YYYY-MM-DD, YYYY-MM or YYYY (a real date).")
CONTACT_REQUIRED = _("Give a phone number or an email, so that the inquirer can be called back.")


def _validate_inquiry(data: InquiryIn) -> dict[str, list[StrOrPromise]]:
    fields: dict[str, list[StrOrPromise]] = {}
    if not any(c.isalpha() for c in data.subject_name):
        fields["subject_name"] = [_("Give the name of the person asked about.")]
    elif len(data.subject_name) > 200:
        fields["subject_name"] = [_too_long(200)]
    try:
        born = parse_birth_date(data.subject_birth_date.strip() or None)
    except ValueError:
        fields["subject_birth_date"] = [BIRTH_DATE_FORMAT]
    else:
        if born is not None and not EARLIEST_BIRTH_YEAR <= born[0] <= timezone.localdate().year:
            fields["subject_birth_date"] = [_("This is not a plausible year of birth.")]
    if len(data.subject_passport_number) > 20:
        fields["subject_passport_number"] = [_too_long(20)]
    if not (data.inquirer_phone.strip() or data.inquirer_email.strip()):
        fields["inquirer_phone"] = [CONTACT_REQUIRED]
    for name, limit in {"inquirer_name": 150, "inquirer_relation": 100, "inquirer_phone": 40,
                        "inquirer_email": 254, "message": 5000, "language": 16}.items():
        if len(getattr(data, name)) > limit:
            fields[name] = [_too_long(limit)]
    if data.channel not in InquiryChannel.values:
        fields["channel"] = [_one_of(InquiryChannel.values)]
    return fields


def inquiry_submit(*, actor: Any, incident: Incident, data: InquiryIn,
                   limit: int = 10) -> tuple[Inquiry, list[selectors.Candidate]]:
    """Record an inquiry and return it with the ranked candidates of the registry. Officers (hotline operators,
    HQ officers, the incident's mission officers) take inquiries on any channel; the public (no actor, or a
    citizen's account: a web form) only on the web channel, and the caller must then not show the candidates to
    the inquirer."""
    public = actor is None or not getattr(actor, "is_authenticated", False) or actor.role == Role.CITIZEN
    if public:
        if data.channel != InquiryChannel.WEB:
            raise _denied(_("Only officers record inquiries taken by phone, email or in person."))
    else:
        _require_on_incident(actor, incident)
    _require_open(incident, _("The incident %(reference)s is closed: no new inquiries are taken."))
    fields = _validate_inquiry(data)
    if fields:
        raise ApplicationError(ErrorCode.INVALID, _("The inquiry has invalid fields."), fields=fields)
    with transaction.atomic():
        inquiry = Inquiry.objects.create(
            incident=incident, inquirer_name=data.inquirer_name.strip(),
            inquirer_relation=data.inquirer_relation.strip(), inquirer_phone=data.inquirer_phone.strip(),
            inquirer_email=data.inquirer_email.strip(), language=data.language.strip() or "zh",
            channel=data.channel, subject_name=data.subject_name.strip(),
            subject_birth_date=data.subject_birth_date.strip(),
            subject_passport_number=data.subject_passport_number.strip(), message=data.message.strip(),
            created_by=_user(actor),
        )
        audit_record(actor=actor, action="inquiry.submit", obj=inquiry,
                     data={"incident": str(incident.pk), "channel": data.channel})
        # In the same transaction: an inquiry whose candidates could not be answered is not kept (a retry would
        # otherwise add a second one).
        found = selectors.candidates(incident=incident, name=inquiry.subject_name,
                                     birth_date=inquiry.subject_birth_date or None,
                                     passport_number=inquiry.subject_passport_number, limit=limit)
    return inquiry, found


def inquiry_attach(*, actor: Any, inquiry: Inquiry, person: AffectedPerson) -> Inquiry:
    """Attach the inquiry to the person it is about (many inquiries may attach to one person). The inquirer is
    then owed a call-back whenever that person's status changes."""
    if person.incident_id != inquiry.incident_id:
        raise _invalid("person", _("Not a person of this incident."))
    with transaction.atomic():
        person = _lock_person(person)
        inquiry = Inquiry.objects.select_for_update(of=("self",)).select_related("incident").get(pk=inquiry.pk)
        _require_on_incident(actor, inquiry.incident)
        if inquiry.state == InquiryState.CLOSED:
            raise _conflict(_("The inquiry is closed."), "person")
        if inquiry.person_id == person.pk:
            return inquiry
        previous = inquiry.person_id
        now = timezone.now()
        stale = list(CallBack.objects.select_for_update()
                     .filter(inquiry=inquiry, done_at__isnull=True).exclude(person=person))
        for callback in stale:
            callback.done_at, callback.done_by, callback.note = now, _user(actor), "inquiry re-attached"
            callback.save(update_fields=["done_at", "done_by", "note", "updated_at"])
        inquiry.person, inquiry.state = person, InquiryState.MATCHED
        inquiry.save(update_fields=["person", "state", "updated_at"])
        audit_record(actor=actor, action="inquiry.attach", obj=inquiry,
                     data={"person": str(person.pk), "previous": str(previous) if previous else None,
                           "callbacks_closed": len(stale)})
    return inquiry


def inquiry_close(*, actor: Any, inquiry: Inquiry, note: str = "") -> Inquiry:
    """Close an inquiry (the inquirer needs nothing more); its pending call-backs are closed with the note."""
    if len(note) > 5000:
        raise _invalid("note", _too_long(5000))
    with transaction.atomic():
        # The person first, then the inquiry (the order of attach and callback_done): a status change being
        # recorded now holds the person, so it either owes its call-back before this closes them all, or sees
        # the inquiry closed and owes none.
        while True:
            person_id = Inquiry.objects.filter(pk=inquiry.pk).values_list("person_id", flat=True).get()
            if person_id is not None:
                _lock_person(AffectedPerson(pk=person_id))
            inquiry = Inquiry.objects.select_for_update(of=("self",)).select_related("incident").get(pk=inquiry.pk)
            if inquiry.person_id == person_id:
                break  # (re-attached in between: lock the new person too)
        _require_on_incident(actor, inquiry.incident)
        if inquiry.state == InquiryState.CLOSED:
            raise _conflict(_("The inquiry is already closed."))
        now = timezone.now()
        inquiry.state, inquiry.closed_at = InquiryState.CLOSED, now
        inquiry.save(update_fields=["state", "closed_at", "updated_at"])
        pending = list(CallBack.objects.select_for_update().filter(inquiry=inquiry, done_at__isnull=True))
        for callback in pending:
            callback.done_at, callback.done_by = now, _user(actor)
            callback.note = note.strip() or "inquiry closed"
            callback.save(update_fields=["done_at", "done_by", "note", "updated_at"])
        audit_record(actor=actor, action="inquiry.close", obj=inquiry, data={"callbacks_closed": len(pending)})
    return inquiry


def callback_done(*, actor: Any, callback: CallBack, note: str = "") -> CallBack:
    """The inquirer was called back. When no other call-back of the inquiry is pending, it is answered."""
    if len(note) > 5000:
        raise _invalid("note", _too_long(5000))
    with transaction.atomic():
        _lock_person(callback.person)  # a status change being recorded now owes its own call-back
        inquiry = Inquiry.objects.select_for_update(of=("self",)).select_related("incident").get(pk=callback.inquiry_id)
        _require_on_incident(actor, inquiry.incident)
        callback = CallBack.objects.select_for_update().get(pk=callback.pk)
        if callback.done_at is not None:
            raise _conflict(_("This call-back is already done."))
        callback.done_at, callback.done_by, callback.note = timezone.now(), _user(actor), note.strip()
        callback.save(update_fields=["done_at", "done_by", "note", "updated_at"])
        if inquiry.state == InquiryState.MATCHED and not inquiry.callbacks.filter(done_at__isnull=True).exists():
            inquiry.state = InquiryState.ANSWERED
            inquiry.save(update_fields=["state", "updated_at"])
        audit_record(actor=actor, action="callback.done", obj=callback,
                     data={"inquiry": str(inquiry.pk), "person": str(callback.person_id)})
    return callback

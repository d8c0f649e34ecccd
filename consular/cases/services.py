"""Writes for protection cases and hotline calls. Every service takes `actor=`, checks what the actor may do,
writes the timeline and the audit log in the same transaction, and raises ApplicationError on a broken rule."""

from __future__ import annotations

import datetime
import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consular.accounts.models import Role, User
from consular.cases import workflow
from consular.cases.codes import OPEN_STATES, Category, Channel, PersonRole, State, Urgency, state_label
from consular.cases.deadlines import duties_for, first_response_due
from consular.cases.locks import lock_cases
from consular.cases.models import Call, Case, CaseEvent, CasePerson, CaseTask, EventKind, PersonNameKey
from consular.cases.selectors import officers_eligible
from consular.core import crypto
from consular.core.audit import audit_entry, audit_record
from consular.core.birthdates import birth_date_problem
from consular.core.db import insert_together, insert_unless_exists
from consular.core.errors import ApplicationError, ErrorCode, lazy_interpolate
from consular.core.jurisdiction import responsible_mission
from consular.core.models import AuditEntry, Mission
from consular.core.names import has_cjk, name_keys
from consular.notify.services import notify_email

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

_REFERENCE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: easy to read out on the phone
WRITER_ROLES = frozenset({Role.HOTLINE_OPERATOR, Role.HQ_OFFICER, Role.MISSION_OFFICER})


@dataclass
class Location:
    country: str
    subdivision: str | None = None
    city: str = ""
    lat: float | None = None
    lon: float | None = None


@dataclass
class PersonIn:
    name_zh: str = ""
    name_latin: str = ""
    birth_date: datetime.date | None = None
    passport_number: str = ""
    phone: str = ""
    role: str = PersonRole.SUBJECT


@dataclass
class CaseIn:
    category: str
    urgency: str
    summary: str
    location: Location
    persons: list[PersonIn] = field(default_factory=list)
    crime_type: str = ""
    channel: str = Channel.HOTLINE


# Messages are lazy translations, rendered in the reader's language where they are shown (console, portal, API).
REQUIRED = _("This field is required.")
_OUTSIDE_DISTRICT = _("This place is outside your mission's consular district; %(mission)s is responsible. Ask HQ "
                      "to open the case there.")


def _denied(message: StrOrPromise) -> ApplicationError:
    return ApplicationError(ErrorCode.PERMISSION_DENIED, message, status=403)


def _invalid(field_name: str, message: StrOrPromise) -> ApplicationError:
    return ApplicationError(ErrorCode.INVALID, message, fields={field_name: [message]})


def _one_of(values: list[str]) -> StrOrPromise:
    return lazy_interpolate(_("Must be one of: %(choices)s."), choices=", ".join(values))


def _state_refused(state: str, field_name: str | None = None) -> ApplicationError:
    """A case in `state` (resolved, closed, cancelled, merged) cannot be assigned, transferred or merged."""
    label = state_label(state)
    fields = {field_name: [lazy_interpolate(_("The case is “%(state)s”."), state=label)]} if field_name else None
    return ApplicationError(
        ErrorCode.CONFLICT, lazy_interpolate(_("A case in the state “%(state)s” cannot be changed this way."),
                                             state=label),
        fields=fields, status=409,
    )


def _require_writer(actor: Any) -> None:
    if getattr(actor, "role", None) not in WRITER_ROLES:
        raise _denied(_("Your role may not change cases."))


def _require_on_case(actor: Any, case: Case) -> None:
    """HQ roles may act on every case; a mission officer only on the mission's cases."""
    _require_writer(actor)
    if actor.role == Role.MISSION_OFFICER and case.mission_id != actor.mission_id:
        raise ApplicationError(ErrorCode.NOT_FOUND, _("Case not found."), status=404)


def reference_generate() -> str:
    year = timezone.now().strftime("%y")
    body = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))
    return f"C{year}-{body[:4]}-{body[4:]}"


def _event_new(case: Case, kind: str, actor: Any, *, body: str = "", from_state: str = "", to_state: str = "",
               data: dict[str, Any] | None = None, public: bool = False) -> CaseEvent:
    return CaseEvent(
        case=case, kind=kind, actor=actor if getattr(actor, "is_authenticated", False) else None, body=body,
        from_state=from_state, to_state=to_state, data=data or {}, public=public,
    )


def _event(case: Case, kind: str, actor: Any, *, body: str = "", from_state: str = "", to_state: str = "",
           data: dict[str, Any] | None = None, public: bool = False) -> CaseEvent:
    event = _event_new(case, kind, actor, body=body, from_state=from_state, to_state=to_state, data=data,
                       public=public)
    event.save(force_insert=True)
    return event


@dataclass
class _Writes:
    """The rows of one unit of work (e.g. a call that opens a case) that nothing reads back by a database-made
    key: written by `flush`, at the end of its transaction, in the order of these lists, in one round trip
    to PostgreSQL (see `insert_together`)."""

    persons: list[CasePerson] = field(default_factory=list)
    name_keys: list[PersonNameKey] = field(default_factory=list)
    tasks: list[CaseTask] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    events: list[CaseEvent] = field(default_factory=list)
    audit: list[AuditEntry] = field(default_factory=list)

    def flush(self) -> None:
        insert_together(self.persons, self.name_keys, self.tasks, self.calls, self.events, self.audit)
        self.persons, self.name_keys, self.tasks, self.calls, self.events, self.audit = [], [], [], [], [], []


def _add_person(case: Case, person: PersonIn, writes: _Writes) -> CasePerson:
    record = CasePerson(
        case=case, role=person.role, name_zh=person.name_zh.strip(), name_latin=person.name_latin.strip(),
        birth_date=person.birth_date, passport_number=person.passport_number.strip(), phone=person.phone.strip(),
    )
    keys = name_keys(person.name_zh) | name_keys(person.name_latin)
    writes.persons.append(record)
    writes.name_keys.extend(PersonNameKey(person=record, key_hash=crypto.keyed_hash(k, kind="text"))
                            for k in sorted(keys))
    return record


def _validate(data: CaseIn) -> None:
    fields: dict[str, list[StrOrPromise]] = {}
    if data.category not in Category.values:
        fields["category"] = [_one_of(Category.values)]
    if data.urgency not in Urgency.values:
        fields["urgency"] = [_one_of(Urgency.values)]
    if not data.summary.strip():
        fields["summary"] = [REQUIRED]
    if data.crime_type and data.category != Category.CRIME_VICTIM:
        fields["crime_type"] = [_("A type of crime is only for victims of crime.")]
    for i, p in enumerate(data.persons):
        if not (p.name_zh.strip() or p.name_latin.strip()):
            fields[f"persons.{i}.name_zh"] = [_("Give the citizen's name in characters or as in the passport.")]
        if (problem := birth_date_problem(p.birth_date)) is not None:
            fields[f"persons.{i}.birth_date"] = [problem]
    if fields:
        raise ApplicationError(ErrorCode.INVALID, _("Some details of the case are not valid."), fields=fields)


def _route(location: Location) -> Mission:
    try:
        return responsible_mission(location.country, location.subdivision or None)
    except ApplicationError as exc:
        raise ApplicationError(
            exc.code, exc.message, fields={f"location.{k}": v for k, v in exc.fields.items()}, status=400
        ) from exc


def _case_check(actor: Any, data: CaseIn) -> Mission:
    """Every rule of case_open, checked before it writes anything; returns the responsible mission."""
    if data.channel not in {Channel.WEB, Channel.APP}:
        _require_writer(actor)
    _validate(data)
    mission = _route(data.location)
    if getattr(actor, "role", None) == Role.MISSION_OFFICER and mission.pk != actor.mission_id:
        raise ApplicationError(
            ErrorCode.INVALID,
            lazy_interpolate(_OUTSIDE_DISTRICT, mission=mission.code),
            fields={"location": [lazy_interpolate(_OUTSIDE_DISTRICT, mission=mission.code)]},
        )
    return mission


def _case_create(*, actor: Any, data: CaseIn, mission: Mission, writes: _Writes, contact_email: str = "",
                 follow_up_code: str = "") -> Case:
    """The writes of case_open, after `_case_check`; its event and audit entry go to `writes`."""
    now = timezone.now()
    case = Case(
        reference=reference_generate(), category=data.category, crime_type=data.crime_type,
        urgency=data.urgency, channel=data.channel, summary=data.summary.strip(),
        country_id=data.location.country.upper(),
        subdivision_id=(data.location.subdivision or "").upper() or None,
        city=data.location.city.strip(), latitude=data.location.lat, longitude=data.location.lon,
        mission=mission, created_by=actor if getattr(actor, "is_authenticated", False) else None,
        first_response_due=first_response_due(urgency=data.urgency, opened_at=now),
        follow_up_hash=make_password(follow_up_code.upper()) if follow_up_code else "",
        contact_email=contact_email,
    )
    # A reference collision (8 characters of 32 per year: about 1 in 10^12 per pair of cases) inserts
    # nothing instead of raising, so the transaction stays usable without a savepoint: draw again.
    for _attempt in range(5):
        if insert_unless_exists(case, ["reference"]):
            break
        case.reference = reference_generate()
    else:  # pragma: no cover
        raise ApplicationError(ErrorCode.CONFLICT, _("Could not allocate a reference; please retry."), status=409)
    for person in data.persons:
        _add_person(case, person, writes)
    writes.tasks.extend(
        CaseTask(case=case, code=d.code, title_en=d.title_en, title_zh=d.title_zh,
                 due_at=now + datetime.timedelta(minutes=d.due_minutes))
        for d in duties_for(data.category)
    )
    writes.events.append(_event_new(case, EventKind.OPENED, actor, to_state=State.NEW, public=True,
                                    data={"mission": mission.code, "channel": data.channel}))
    writes.audit.append(audit_entry(actor=actor, action="case.open", obj=case,
                                    data={"mission": mission.code, "category": data.category,
                                          "urgency": data.urgency, "persons": len(data.persons)}))
    return case


def case_open(*, actor: Any, data: CaseIn, contact_email: str = "", follow_up_code: str = "") -> Case:
    """Open a case at the mission responsible for its place, with its duties and deadline."""
    mission = _case_check(actor, data)
    writes = _Writes()
    # No savepoint: every rule was checked above, so nothing in here raises an ApplicationError that a caller
    # could catch and answer while the transaction goes on. A database error marks the enclosing transaction
    # for rollback (an API or form request is then answered 500 and its idempotency record is not kept),
    # which is what a savepoint's rollback followed by the same error led to.
    with transaction.atomic(savepoint=False):
        case = _case_create(actor=actor, data=data, mission=mission, writes=writes, contact_email=contact_email,
                            follow_up_code=follow_up_code)
        writes.flush()
    return case


def _mark_first_response(case: Case, now: datetime.datetime) -> list[str]:
    if case.first_response_at is None:
        case.first_response_at = now
        return ["first_response_at"]
    return []


def case_transition(*, actor: Any, case: Case, to: str, reason: str = "") -> Case:
    reason = reason.strip()
    if to not in State.values:
        raise _invalid("to", _("Unknown state."))
    if to in workflow.ACTION_ONLY:
        raise _invalid("to", lazy_interpolate(_("A case becomes “%(state)s” through its own action (%(action)s), "
                                                "not through a change of state."),
                                              state=state_label(to), action=workflow.ACTION_ONLY[to]))
    with transaction.atomic():
        (case,) = lock_cases(case.pk)
        _require_on_case(actor, case)
        if not workflow.allowed(case.state, to):
            raise ApplicationError(
                ErrorCode.CONFLICT,
                lazy_interpolate(_("A case cannot go from “%(from)s” to “%(to)s”."),
                                 **{"from": state_label(case.state), "to": state_label(to)}),
                fields={"to": [lazy_interpolate(_("Not allowed from the state “%(state)s”."),
                                                state=state_label(case.state))]}, status=409,
            )
        if workflow.needs_reason(case.state, to) and not reason:
            raise _invalid("reason", _("A reason is required for this change."))
        if to == State.IN_PROGRESS and case.assignee_id is None:
            raise _invalid("to", _("Assign the case to an officer first."))
        now, previous = timezone.now(), case.state
        changed = ["state", "updated_at", *_mark_first_response(case, now)]
        case.state = to
        if to == State.RESOLVED:
            case.resolved_at = now
            changed.append("resolved_at")
        elif to == State.CLOSED:
            case.closed_at = now
            changed.append("closed_at")
        elif workflow.is_reopen(previous, to):
            case.resolved_at = case.closed_at = None
            changed += ["resolved_at", "closed_at"]
        elif to == State.TRIAGED and case.assignee_id:
            case.assignee = None  # handed back to the queue
            changed.append("assignee")
        case.save(update_fields=changed)
        _event(case, EventKind.TRANSITION, actor, from_state=previous, to_state=to, body=reason, public=True)
        audit_record(actor=actor, action="case.transition", obj=case, data={"from": previous, "to": to})
    return case


def case_assign(*, actor: Any, case: Case, officer_username: str, note: str = "") -> Case:
    with transaction.atomic():
        (case,) = lock_cases(case.pk)
        _require_on_case(actor, case)
        if case.state not in OPEN_STATES:
            raise _state_refused(case.state, "officer")
        officer = officers_eligible(case=case).filter(username=officer_username).first()
        if officer is None:
            raise _invalid("officer", lazy_interpolate(_("%(user)s is not an officer of %(mission)s."),
                                                       user=officer_username, mission=case.mission.code))
        now, previous = timezone.now(), case.state
        changed = ["assignee", "state", "updated_at", *_mark_first_response(case, now)]
        case.assignee = officer
        if case.state in {State.NEW, State.TRIAGED}:
            case.state = State.ASSIGNED
        case.save(update_fields=changed)
        _event(case, EventKind.ASSIGNED, actor, from_state=previous, to_state=case.state, body=note.strip(),
               data={"officer": officer.username})
        audit_record(actor=actor, action="case.assign", obj=case, data={"officer": officer.username})
    return case


def case_transfer(*, actor: Any, case: Case, mission_code: str, reason: str) -> Case:
    """Move a case to another mission (or hand it back to HQ) with a handover note."""
    if not reason.strip():
        raise _invalid("reason", _("A handover note is required."))
    with transaction.atomic():
        (case,) = lock_cases(case.pk)
        _require_on_case(actor, case)
        target = Mission.objects.filter(code=(mission_code or "").upper(), active=True).first()
        if target is None:
            raise _invalid("mission", lazy_interpolate(_("Unknown mission %(code)s."), code=mission_code))
        if target.pk == case.mission_id:
            raise _invalid("mission", _("The case is already at this mission."))
        if case.state not in OPEN_STATES:
            raise _state_refused(case.state, "mission")
        previous_mission, previous_state = case.mission.code, case.state
        case.mission = target
        case.assignee = None
        case.state = State.TRIAGED if case.state != State.NEW else State.NEW
        case.save(update_fields=["mission", "assignee", "state", "updated_at"])
        _event(case, EventKind.TRANSFERRED, actor, from_state=previous_state, to_state=case.state,
               body=reason.strip(), data={"from": previous_mission, "to": target.code})
        audit_record(actor=actor, action="case.transfer", obj=case,
                     data={"from": previous_mission, "to": target.code})
    return case


def case_note(*, actor: Any, case: Case, body: str, public: bool = False) -> CaseEvent:
    if not body.strip():
        raise _invalid("body", REQUIRED)
    with transaction.atomic():
        (case,) = lock_cases(case.pk)
        _require_on_case(actor, case)
        changed = _mark_first_response(case, timezone.now())
        if changed:
            case.save(update_fields=[*changed, "updated_at"])
        event = _event(case, EventKind.NOTE, actor, body=body.strip(), public=public)
        audit_record(actor=actor, action="case.note", obj=case, data={"event": str(event.pk), "public": public})
    return event


def case_update(*, actor: Any, case: Case, changes: dict[str, Any]) -> Case:
    """PATCH: summary, category, crime_type, urgency. A new urgency moves the first-response deadline."""
    allowed_fields = {"summary", "category", "crime_type", "urgency"}
    unknown = set(changes) - allowed_fields
    if unknown:
        raise ApplicationError(ErrorCode.INVALID, _("These fields cannot be changed."),
                               fields={k: [_("This field cannot be changed.")] for k in sorted(unknown)})
    with transaction.atomic():
        (case,) = lock_cases(case.pk)
        _require_on_case(actor, case)
        data = CaseIn(category=changes.get("category", case.category), urgency=changes.get("urgency", case.urgency),
                      summary=changes.get("summary", case.summary), crime_type=changes.get("crime_type",
                                                                                            case.crime_type),
                      location=Location(country=case.country_id))
        _validate(data)
        changed = [k for k in allowed_fields if k in changes and getattr(case, k) != changes[k]]
        for k in changed:
            setattr(case, k, changes[k])
        if "urgency" in changed and case.first_response_at is None:
            case.first_response_due = first_response_due(urgency=case.urgency, opened_at=case.created_at)
            changed.append("first_response_due")
        if changed:
            case.save(update_fields=[*changed, "updated_at"])
            _event(case, EventKind.UPDATED, actor, data={"fields": sorted(changed)})
            audit_record(actor=actor, action="case.update", obj=case, data={"fields": sorted(changed)})
    return case


def case_merge(*, actor: Any, case: Case, into: Case, reason: str = "") -> Case:
    """Close `case` as a duplicate of `into`; its people, calls and timeline stay where they are."""
    if case.pk == into.pk:
        raise _invalid("into", _("A case cannot be merged into its own reference."))
    with transaction.atomic():
        duplicate, target = lock_cases(case.pk, into.pk)
        _require_on_case(actor, duplicate)
        _require_on_case(actor, target)
        if duplicate.state not in OPEN_STATES:
            raise _state_refused(duplicate.state)
        if target.state in {State.MERGED, State.CANCELLED}:
            raise _invalid("into", lazy_interpolate(_("The case to keep is “%(state)s”."),
                                                    state=state_label(target.state)))
        previous = duplicate.state
        duplicate.state, duplicate.merged_into = State.MERGED, target
        duplicate.save(update_fields=["state", "merged_into", "updated_at"])
        _event(duplicate, EventKind.MERGED, actor, from_state=previous, to_state=State.MERGED, body=reason.strip(),
               data={"into": target.reference}, public=True)
        _event(target, EventKind.MERGED, actor, body=reason.strip(), data={"duplicate": duplicate.reference})
        audit_record(actor=actor, action="case.merge", obj=duplicate, data={"into": str(target.pk)})
    return duplicate


def case_task_done(*, actor: Any, task: CaseTask) -> CaseTask:
    with transaction.atomic():
        (case,) = lock_cases(task.case_id)
        _require_on_case(actor, case)
        task = CaseTask.objects.select_for_update().get(pk=task.pk)
        if task.done_at is None:
            task.done_at, task.done_by = timezone.now(), actor
            task.save(update_fields=["done_at", "done_by", "updated_at"])
            _event(case, EventKind.TASK_DONE, actor, data={"task": task.code})
            audit_record(actor=actor, action="case.task_done", obj=case, data={"task": task.code})
    return task


def call_log(
    *, actor: Any, direction: str, caller_name: str, caller_phone: str, language: str, topic: str, summary: str,
    started_at: datetime.datetime, ended_at: datetime.datetime | None, case: Case | None = None,
    open_case: CaseIn | None = None,
) -> Call:
    """Log a hotline call; in the same transaction, link an existing case or open a new one."""
    if getattr(actor, "role", None) not in WRITER_ROLES:
        raise _denied(_("Your role may not log calls."))
    if case is not None and open_case is not None:
        raise ApplicationError(ErrorCode.INVALID, _("Link a case or open one, not both."),
                               fields={"case": [_("Link a case or open one, not both.")]})
    if ended_at is not None and ended_at < started_at:
        raise _invalid("ended_at", _("The call cannot end before it started."))
    mission = _case_check(actor, open_case) if open_case is not None else None
    if case is not None:
        _require_on_case(actor, case)
    writes = _Writes()
    # No savepoint, as in case_open: every rule (the call's and the new case's) was checked above.
    with transaction.atomic(savepoint=False):
        if open_case is not None:
            assert mission is not None
            case = _case_create(actor=actor, data=open_case, mission=mission, writes=writes)
        call = Call(
            direction=direction, caller_name=caller_name.strip(), caller_phone=caller_phone.strip(),
            language=language, topic=topic, summary=summary.strip(), started_at=started_at, ended_at=ended_at,
            operator=actor, case=case,
        )
        writes.calls.append(call)
        if case is not None:
            writes.events.append(_event_new(case, EventKind.CALL, actor, data={"call": str(call.pk), "topic": topic}))
        writes.audit.append(audit_entry(actor=actor, action="call.log", obj=call,
                                        data={"case": str(case.pk) if case else None, "topic": topic}))
        writes.flush()
    return call


# --- Citizens' help requests ----------------------------------------------------------------------------------

URGENCY_BY_CATEGORY: dict[str, str] = {
    Category.KIDNAPPING: Urgency.P1, Category.TERRORISM: Urgency.P1, Category.DEATH: Urgency.P1,
    Category.NATURAL_DISASTER: Urgency.P1, Category.DETENTION: Urgency.P2, Category.ILLNESS_INJURY: Urgency.P2,
    Category.TRAFFIC_ACCIDENT: Urgency.P2, Category.MISSING_CONTACT: Urgency.P2, Category.CRIME_VICTIM: Urgency.P2,
}


def follow_up_code_generate() -> str:
    return "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))


def help_request_submit(
    *, name: str, phone: str, email: str, location: Location, category: str, description: str,
    channel: str = Channel.WEB,
) -> tuple[Case, str]:
    """A citizen asks for help: a case at the responsible mission, and a follow-up code shown once."""
    if not phone.strip() and not email.strip():
        raise _invalid("phone", _("Give a phone number or an email, so that we can reach you."))
    if not name.strip():
        raise _invalid("name", REQUIRED)
    if category not in Category.values:
        raise _invalid("category", _one_of(Category.values))
    chinese = has_cjk(name)
    data = CaseIn(
        category=category, urgency=URGENCY_BY_CATEGORY.get(category, Urgency.P3), summary=description,
        location=location, channel=channel,
        persons=[PersonIn(name_zh=name if chinese else "", name_latin="" if chinese else name, phone=phone)],
    )
    code = follow_up_code_generate()
    case = case_open(actor=None, data=data, contact_email=email.strip(), follow_up_code=code)
    return case, code


def help_request_message(*, case: Case, body: str) -> CaseEvent:
    if not body.strip():
        raise _invalid("body", REQUIRED)
    if len(body) > 5000:
        raise _invalid("body", lazy_interpolate(_("At most %(limit)s characters."), limit=5000))
    with transaction.atomic():
        (case,) = lock_cases(case.pk)
        if case.state in {State.CLOSED, State.CANCELLED, State.MERGED}:
            raise ApplicationError(
                ErrorCode.CONFLICT, _("This request is closed. If you still need help, call the 24-hour hotline."),
                status=409,
            )
        event = _event(case, EventKind.MESSAGE, None, body=body.strip(), public=True)
        audit_record(actor=None, action="case.citizen_message", obj=case, data={"event": str(event.pk)})
    return event


# --- Escalation -------------------------------------------------------------------------------------------------

def cases_escalate_overdue(*, now: datetime.datetime | None = None) -> int:
    """Escalate open P1/P2 cases past their first-response deadline to HQ's duty officer, once each."""
    now = now or timezone.now()
    due = (
        Case.objects.filter(
            state__in=OPEN_STATES, urgency__in=settings.CASE_ESCALATE_URGENCIES, first_response_at__isnull=True,
            first_response_due__lt=now, escalated_at__isnull=True,
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    escalated = 0
    for pk in list(due[:500]):
        with transaction.atomic():
            (case,) = lock_cases(pk)
            if case.escalated_at is not None or case.first_response_at is not None:
                continue
            case.escalated_at = now
            case.save(update_fields=["escalated_at", "updated_at"])
            _event(case, EventKind.ESCALATED, None, data={"to": "hq_duty_officer"})
            audit_record(actor=None, action="case.escalate", obj=case, data={"urgency": case.urgency})
            minutes = int((now - case.first_response_due).total_seconds() // 60)
            notify_email(
                to=duty_officer_emails(),
                subject=f"[{case.urgency.upper()}] {case.reference} overdue at {case.mission.code}",
                body=(f"Case {case.reference} ({case.get_category_display()}, {case.urgency.upper()}) at "
                      f"{case.mission.code} has had no first response; it was due {minutes} minutes ago.\n"
                      f"Open it in the console: /console/cases/{case.pk}/\n"),
            )
            escalated += 1
    return escalated


def duty_officer_emails() -> list[str]:
    if settings.CASE_DUTY_EMAIL:
        return [settings.CASE_DUTY_EMAIL]
    return list(
        User.objects.filter(role=Role.HQ_OFFICER, is_active=True).exclude(email="").values_list("email", flat=True)
    )

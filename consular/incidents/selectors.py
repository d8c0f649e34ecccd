"""Reads for incidents, always scoped to what the actor may see; candidate retrieval for inquiries; the
next-of-kin gate (`public_status`) every public or inquirer-facing status goes through; the dashboard."""

from __future__ import annotations

import datetime
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from django.db.models import Count, QuerySet
from django.utils import timezone

from consular.accounts.models import Role
from consular.core import crypto
from consular.core.permissions import scope_queryset
from consular.incidents import blocking
from consular.incidents.codes import (
    AWAITING_NOTIFICATION,
    PUBLIC_STATUS_TEXT,
    WAITING_INQUIRY_STATES,
    InquiryState,
    NameKeyOwner,
    PersonStatus,
)
from consular.incidents.matching import (
    MATCH_THRESHOLD,
    POSSIBLE_THRESHOLD,
    NameRecord,
    names_to_compare,
    normalise_passport,
    parse_birth_date,
    score,
    score_bound,
    search_done,
)
from consular.incidents.models import AffectedPerson, CallBack, Incident, Inquiry, PersonStatusChange

# Candidates loaded and scored per query at most (those sharing the most telling blocking keys: see
# `blocking.owners_by_keys`), and the lowest score worth showing an officer (below it the name and the evidence
# disagree). Up to twice as many when a small group ties at the cut (`blocking.owners_by_keys`, `ties`). On a
# registry of a million people this keeps recall@10 about where 200 had it (docs/benchmarks.md) at about a third
# of the decrypting and scoring.
CANDIDATE_CAP = 50
# With the birth year known, the narrow tier alone is asked when it finds at least this many people.
NARROW_ENOUGH = 10
CANDIDATE_MIN_SCORE = 0.10
_REFERENCE = re.compile(r"^INC-[0-9]{4}-[0-9]{4,6}$")


# --- The next-of-kin gate ----------------------------------------------------------------------------------------

def public_status(person: AffectedPerson) -> str:
    """The status the public and inquirers may be told. A death is shown only after an officer recorded that
    the next of kin was told; until then the code is `awaiting_notification` ("please wait for our call",
    请等候我们的电话). Every path that shows a status outside the officers' registry goes through here: inquiry
    answers, call-back lists, PFIF export, public pages. Officers' registry views show `person.status`."""
    if person.status == PersonStatus.DECEASED and person.next_of_kin_informed_at is None:
        return AWAITING_NOTIFICATION
    return person.status


def public_status_text(code: str) -> dict[str, str]:
    """Display texts of a public status code: {"zh": …, "en": …}."""
    return dict(PUBLIC_STATUS_TEXT[code])


# --- Scoped querysets ---------------------------------------------------------------------------------------------

def incidents_visible(*, actor: Any) -> QuerySet[Incident]:
    """HQ roles and auditors: every incident. Mission officers: incidents their mission leads or is concerned by
    (the lead is always among `missions`). Anyone else: none."""
    return scope_queryset(
        actor,
        Incident.objects.select_related("lead_mission", "country", "subdivision", "opened_by", "closed_by")
        .prefetch_related("missions"),
        mission_field="missions",
    )


def incident_get(*, actor: Any, incident_id: Any) -> Incident | None:
    """By id or by reference (INC-2026-0001)."""
    text = str(incident_id).strip()
    visible = incidents_visible(actor=actor)
    if _REFERENCE.match(text.upper()):
        return visible.filter(reference=text.upper()).first()
    try:
        return visible.filter(pk=uuid.UUID(text)).first()
    except ValueError:
        return None


def persons_visible(*, actor: Any, incident: Incident) -> QuerySet[AffectedPerson]:
    return scope_queryset(
        actor, AffectedPerson.objects.filter(incident=incident).select_related("mission", "next_of_kin_informed_by"),
        mission_field="incident__missions",
    )


def person_list(*, actor: Any, incident: Incident, filters: dict[str, Any]) -> QuerySet[AffectedPerson]:
    qs = persons_visible(actor=actor, incident=incident)
    if filters.get("status"):
        qs = qs.filter(status__in=filters["status"])
    if filters.get("mission"):
        qs = qs.filter(mission__code__in=[m.upper() for m in filters["mission"]])
    return qs.order_by("created_at", "id")


def person_get(*, actor: Any, incident: Incident, person_id: Any) -> AffectedPerson | None:
    try:
        pk = uuid.UUID(str(person_id))
    except ValueError:
        return None
    return persons_visible(actor=actor, incident=incident).filter(pk=pk).first()


def person_history(*, person: AffectedPerson) -> QuerySet[PersonStatusChange]:
    return person.status_changes.select_related("actor").order_by("at", "created_at", "id")


def inquiries_visible(*, actor: Any, incident: Incident) -> QuerySet[Inquiry]:
    return scope_queryset(
        actor, Inquiry.objects.filter(incident=incident).select_related("person", "created_by"),
        mission_field="incident__missions",
    )


def inquiry_list(*, actor: Any, incident: Incident, filters: dict[str, Any]) -> QuerySet[Inquiry]:
    qs = inquiries_visible(actor=actor, incident=incident)
    if filters.get("state"):
        qs = qs.filter(state__in=filters["state"])
    if filters.get("person"):
        qs = qs.filter(person_id=filters["person"])
    return qs.order_by("-created_at", "id")


def inquiry_get(*, actor: Any, incident: Incident, inquiry_id: Any) -> Inquiry | None:
    try:
        pk = uuid.UUID(str(inquiry_id))
    except ValueError:
        return None
    return inquiries_visible(actor=actor, incident=incident).filter(pk=pk).first()


def callbacks_visible(*, actor: Any, incident: Incident) -> QuerySet[CallBack]:
    return scope_queryset(
        actor,
        CallBack.objects.filter(inquiry__incident=incident).select_related("inquiry", "person", "done_by"),
        mission_field="inquiry__incident__missions",
    )


def callback_list(*, actor: Any, incident: Incident, due: bool | None = None, done: bool = False,
                  now: datetime.datetime | None = None) -> QuerySet[CallBack]:
    """Pending call-backs (`done=True`: the ones made), earliest due first; `due=True` only those due now,
    `due=False` only those not yet due."""
    now = now or timezone.now()
    qs = callbacks_visible(actor=actor, incident=incident).filter(done_at__isnull=not done)
    if due is True:
        qs = qs.filter(due_at__lte=now)
    elif due is False:
        qs = qs.filter(due_at__gt=now)
    return qs.order_by("due_at", "id")


def callback_get(*, actor: Any, incident: Incident, callback_id: Any) -> CallBack | None:
    try:
        pk = uuid.UUID(str(callback_id))
    except ValueError:
        return None
    return callbacks_visible(actor=actor, incident=incident).filter(pk=pk).first()


# --- Who sees what ------------------------------------------------------------------------------------------------

# Passport numbers of affected persons: HQ and mission officers identify persons with hospitals, morgues,
# airlines and the local authorities and issue emergency travel documents. Hotline operators answer families
# (matched by the system, without a list of passport numbers) and auditors check the process, not the persons:
# the API, the console and the exports all leave the number out for them.
PASSPORT_ROLES = frozenset({Role.HQ_OFFICER, Role.MISSION_OFFICER})


def sees_passport_numbers(actor: Any) -> bool:
    return getattr(actor, "role", None) in PASSPORT_ROLES


def person_fields_read(actor: Any, fields: list[str]) -> list[str]:
    """The personal fields of a person an actor is shown (and that their read is recorded with)."""
    return [f for f in fields if f != "passport_number" or sees_passport_numbers(actor)]


# --- Candidates for an inquiry -----------------------------------------------------------------------------------

@dataclass
class Candidate:
    person: AffectedPerson
    score: float
    reasons: list[str] = field(default_factory=list)
    name_score: float = 0.0

    @property
    def level(self) -> str:
        """`match` (the same person on the evidence given), `possible` (worth an officer's look) or `weak`."""
        if self.score >= MATCH_THRESHOLD:
            return "match"
        return "possible" if self.score >= POSSIBLE_THRESHOLD else "weak"


def candidate_ids(*, incident: Incident, name: str, birth_date: datetime.date | str | None = None,
                  passport_number: str = "", cap: int = CANDIDATE_CAP) -> list[uuid.UUID]:
    """The persons of the incident worth scoring: those sharing a blocking key with the name (the most telling
    shared keys first, at most `cap`, or twice that when a small group ties at the cut), and those with exactly
    this passport number (through its keyed hash). No person row is read. When the query knows the birth year,
    the narrow tier is asked first (year buckets of Y-1..Y+1 and the undated people of the name buckets), so a
    common name in a registry of millions stays a small bucket;
    only when that finds fewer than `NARROW_ENOUGH` people are the whole name buckets asked as well (a small
    incident, or a birth year recorded wrongly). Raises ValueError for a malformed birth date."""
    owner, scope = NameKeyOwner.AFFECTED_PERSON, incident.pk
    ids: list[uuid.UUID] = []
    if parse_birth_date(birth_date) is not None:
        ids = blocking.owners_by_keys(owner_type=owner, keys=blocking.query_keys(name, birth_date, narrow=True),
                                      scope=scope, limit=cap, ties=cap)
    if len(ids) < NARROW_ENOUGH:
        wide = blocking.owners_by_keys(owner_type=owner, keys=blocking.query_keys(name, birth_date),
                                       scope=scope, limit=cap, ties=cap)
        ids = list(dict.fromkeys([*ids, *wide]))[:2 * cap]
    passport = normalise_passport(passport_number)
    if passport:
        digest = crypto.keyed_hash(passport, kind="passport")
        exact = AffectedPerson.objects.filter(incident=incident, passport_hash=digest).values_list("id", flat=True)
        ids = list(dict.fromkeys([*exact[:cap], *ids]))
    return ids


# What scoring needs of a person (its birth date and passport number only when the query has one): loading only
# these decrypts only these.
_NAME_FIELDS = ("id", "incident_id", "name_zh", "name_latin", "other_names")


def _evidence(query: NameRecord, person: AffectedPerson) -> NameRecord:
    """The person's birth date and passport number as far as the query can be compared with them (no name)."""
    born = person.birth_date if query.birth_date else None
    passport = (person.passport_number or None) if query.passport_number else None
    return NameRecord(name="", birth_date=born, passport_number=passport, id=str(person.pk))


def _best(query: NameRecord, person: AffectedPerson, evidence: NameRecord | None = None) -> Candidate:
    """The person's best-scoring name against the query (`matching.names_to_compare`); `evidence`: the person's
    `_evidence`, when the caller has it already."""
    names = names_to_compare(query.name, person.names() or [""])
    evidence = evidence or _evidence(query, person)
    best: Candidate | None = None
    for name in names:
        result = score(query, replace(evidence, name=name))
        if best is None or result.score > best.score:
            best = Candidate(person=person, score=result.score, reasons=result.reasons,
                             name_score=result.name_score)
    assert best is not None
    return best


def _top(query: NameRecord, persons: Iterable[AffectedPerson], *, limit: int, min_score: float) -> list[Candidate]:
    """The `limit` best-scoring persons (at least `min_score`, or with the same passport number), best first, ties
    by id. Persons are scored in the order of the best their birth date and passport number allow
    (`matching.score_bound`), ties by id; once `limit` are kept, the first person who could not enter even at
    their bound (below the last kept, or equal to it with a later id) cannot, nor can anyone after: they are not
    scored. So of a crowd with the very name and birth date asked for, only the first `limit` are scored. The
    answer is the one scoring everyone gives."""
    evidence = [(_evidence(query, p), p) for p in persons]
    bounded = sorted(((score_bound(query, e), str(p.pk), e, p) for e, p in evidence),
                     key=lambda bep: (-bep[0], bep[1]))
    kept: list[Candidate] = []
    for bound, order, known, person in bounded:
        if bound < min_score:
            break  # a same passport number alone bounds a score above any floor: none is left behind
        if len(kept) >= limit and (bound, str(kept[-1].person.pk)) < (kept[-1].score, order):
            break
        found = _best(query, person, known)
        if found.score >= min_score or "passport_match" in found.reasons:
            kept.append(found)
            kept.sort(key=lambda c: (-c.score, str(c.person.pk)))
            del kept[limit:]
    return kept


def candidates(*, incident: Incident, name: str, birth_date: datetime.date | str | None = None,
               passport_number: str = "", limit: int = 10,
               min_score: float = CANDIDATE_MIN_SCORE) -> list[Candidate]:
    """Ranked candidates in the incident's registry for a person described by name (any script), birth date
    (a date, or YYYY / YYYY-MM / YYYY-MM-DD) and passport number: best first, at most `limit`, each with its
    score in 0..1 and the matcher's reasons; below `min_score` only a person with the same passport number is
    kept (whatever the name says, an officer must see it). Loads only the rows `candidate_ids` found (never the
    whole registry) and of them only the fields scoring needs, decrypts and scores them, then loads the at most
    `limit` kept persons whole. Raises ValueError for a malformed birth date."""
    ids = candidate_ids(incident=incident, name=name, birth_date=birth_date, passport_number=passport_number)
    if not ids:
        return []
    query = NameRecord(name=name or "", birth_date=birth_date or None, passport_number=passport_number or None)
    fields = [*_NAME_FIELDS, *(["birth_date"] if query.birth_date else []),
              *(["passport_number"] if query.passport_number else [])]
    light = AffectedPerson.objects.filter(pk__in=ids, incident=incident).only(*fields)
    try:
        ranked = _top(query, light, limit=limit, min_score=min_score)
    finally:
        search_done()
    if ranked:
        whole = AffectedPerson.objects.in_bulk([c.person.pk for c in ranked])
        for c in ranked:
            c.person = whole[c.person.pk]
    return ranked


# --- Dashboard ---------------------------------------------------------------------------------------------------

# Counters of an incident's review queue (possible matches from list imports awaiting an officer's decision).
# The list-import module registers its counter here (`review_queue_register`); with none registered the queue is
# empty.
_REVIEW_QUEUE_COUNTERS: list[Callable[[Incident], int]] = []


def review_queue_register(counter: Callable[[Incident], int]) -> None:
    """Add a counter of review-queue items for an incident (idempotent)."""
    if counter not in _REVIEW_QUEUE_COUNTERS:
        _REVIEW_QUEUE_COUNTERS.append(counter)


def review_queue_length(incident: Incident) -> int:
    """How many possible matches of the incident wait for an officer to confirm or reject them: the sum of the
    registered counters, 0 while no list-import module has registered one."""
    return sum(counter(incident) for counter in _REVIEW_QUEUE_COUNTERS)


def incident_dashboard(*, incident: Incident, now: datetime.datetime | None = None) -> dict[str, Any]:
    """Live counts: persons by status (true statuses: officers only) and by responsible mission (each person's
    `mission`: the one looking after them, by default the mission of their case or the lead mission), deceased
    persons whose next of kin is not yet told, inquiries waiting for an answer (open or matched), inquiries not
    yet matched, call-backs due now and pending, and the review-queue length."""
    now = now or timezone.now()
    persons = AffectedPerson.objects.filter(incident=incident)
    by_status = dict.fromkeys(PersonStatus.values, 0)
    for row in persons.values("status").annotate(n=Count("id")).order_by():
        by_status[row["status"]] = row["n"]
    by_mission = {row["mission__code"]: row["n"]
                  for row in persons.values("mission__code").annotate(n=Count("id")).order_by("mission__code")}
    inquiries = Inquiry.objects.filter(incident=incident)
    inquiry_states = {row["state"]: row["n"] for row in inquiries.values("state").annotate(n=Count("id")).order_by()}
    callbacks = CallBack.objects.filter(inquiry__incident=incident, done_at__isnull=True)
    return {
        "persons": sum(by_status.values()),
        "by_status": by_status,
        "by_mission": by_mission,
        "deceased_awaiting_notification": persons.filter(
            status=PersonStatus.DECEASED, next_of_kin_informed_at__isnull=True).count(),
        "inquiries": sum(inquiry_states.values()),
        "inquiries_waiting": sum(inquiry_states.get(s, 0) for s in WAITING_INQUIRY_STATES),
        "inquiries_unmatched": inquiry_states.get(InquiryState.OPEN, 0),
        "callbacks_due": callbacks.filter(due_at__lte=now).count(),
        "callbacks_pending": callbacks.count(),
        "review_queue_length": review_queue_length(incident),
    }



# --- The linked trip registration ---------------------------------------------------------------------------------

# What a person's page shows of their linked registration (and records as read): the trip's stops, the contacts
# and the emergency contact. The names, birth date and passport number are the person's own (or were copied).
LINKED_REGISTRATION_FIELDS = ["legs", "phone", "email", "messaging_id", "emergency_name", "emergency_relation",
                              "emergency_phone", "emergency_email"]


def linked_registration(*, actor: Any, person: AffectedPerson) -> Any:
    """The trip registration linked to the person, when the actor may read it (the registrations' own rule,
    `consular.travel.selectors.registrations_visible`: HQ officers and hotline operators, mission officers for
    trips in their jurisdiction); else None. The caller records the read (LINKED_REGISTRATION_FIELDS)."""
    if person.registration_id is None:
        return None
    from consular.travel.selectors import STAFF_READER_ROLES, registrations_visible

    if getattr(actor, "role", None) not in STAFF_READER_ROLES:
        return None
    return (registrations_visible(actor=actor).prefetch_related("legs")
            .filter(pk=person.registration_id).first())

"""Matching an imported list row (and the person it became) against the trip registrations (issue 4, point 3).

After a list row is linked to a person of the registry or creates one (`imports`), and after an officer decides
a possible match of a row, the row is matched against the registrations:

* **Candidates** come from the blocking-key index (owner type `registrant`, no scope: one registry of millions,
  so with a birth year only the narrow tier is asked) by each name of the row, plus the registrations with the
  row's passport number (keyed hash). Of these only the registrations that are active (not cancelled, not
  purged) and have a stop in the incident's country spanning the incident's start date (one day either side,
  for time zones) are scored, and none already linked to a person of the incident. They are scored with the
  registry's scorer (`matching.score`) on the traveller's names, birth date and passport number (co-travellers
  are indexed under the registration too, but they have no contacts of their own: they are not linked).
* **A confident match** (one registration at the `match` level, no passport contradicting it): the person is
  linked to it (`AffectedPerson.registration`) and their missing particulars are filled from it (see
  `registration_link`). **A possible match** (a top candidate at the `possible` level, two at the `match` level,
  the same passport number under another name, or a different passport number): a MatchReview of kind
  `registration` (the candidate person is the row's person, the registration the candidate); confirm links,
  reject leaves both as they are and the pair is not proposed again. **Otherwise** nothing.
* A person already linked to a registration is not matched again, and a pair already proposed (pending, or
  decided) is not proposed again: a re-import, or the same person on another list, changes nothing.
* Races: `registration_link` checks again, under the person's lock, that the person is not linked yet, and the
  unique constraint (one person per registration and incident) is caught in a savepoint: either is a 409
  ApplicationError (a confirm), or no link at all (an import's confident match: the row is imported anyway).

Consent. `Registration.consent_share_with_incident` says whether the traveller may be *listed* in the registry
from their registration. A list row is already in the registry (a manifest or a hospital listed them), so the
match is made whatever the consent — protection overrides: officers who may read registrations see the linked
trip, contacts and emergency contact on the person. But without that consent nothing of the registration is
copied into the registry (whose particulars reach more people: other missions' officers, exports). The
emergency contact is copied only when the traveller also agreed that their family may be told
(`consent_contact_family`).
"""

from __future__ import annotations

import datetime
import enum
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consular.core import crypto
from consular.core.audit import audit_record
from consular.core.errors import ApplicationError, ErrorCode
from consular.incidents import blocking
from consular.incidents.codes import NameKeyOwner
from consular.incidents.import_models import CandidateKind, ImportRow, MatchReview
from consular.incidents.matching import (
    MATCH_THRESHOLD,
    POSSIBLE_THRESHOLD,
    NameRecord,
    link_decision,
    names_to_compare,
    normalise_passport,
    parse_birth_date,
    score,
    search_done,
)
from consular.incidents.models import AffectedPerson, Incident
from consular.travel.codes import RegistrationState
from consular.travel.models import Registration, TripLeg

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# Registrations looked up per name of a row at most (those sharing the most blocking keys), and kept per row.
REGISTRATION_CAP = 200
REGISTRATION_CANDIDATES = 5
# A stop "meets" the incident when it spans the incident's start date, give or take this (time zones).
DATE_SLACK = datetime.timedelta(days=1)
# The particulars copied from a registration into the person's empty fields (with the traveller's consent).
FILLED_FIELDS = ("birth_date", "passport_number", "phone", "email")
_SCORING_FIELDS = ("id", "name_zh", "name_latin", "birth_date", "passport_number")


class RegistrationOutcome(enum.StrEnum):
    NONE = "none"
    LINKED = "linked"
    REVIEW = "review"


@dataclass
class RegistrationCandidate:
    registration: Registration
    score: float
    reasons: list[str] = field(default_factory=list)

    @property
    def level(self) -> str:
        if self.score >= MATCH_THRESHOLD:
            return "match"
        return "possible" if self.score >= POSSIBLE_THRESHOLD else "weak"


def _names(values: Mapping[str, object]) -> list[str]:
    return [str(values[k]) for k in ("name_zh", "name_latin") if values.get(k)]


def row_birth(values: Mapping[str, object]) -> datetime.date | str | None:
    """A list row's birth date: a full date, or YYYY / YYYY-MM when the list gives only that."""
    if isinstance(values.get("birth_date"), datetime.date):
        return values["birth_date"]  # type: ignore[return-value]
    year, month = values.get("birth_year"), values.get("birth_month")
    if isinstance(year, int):
        return f"{year:04d}-{month:02d}" if isinstance(month, int) else f"{year:04d}"
    return None


def registrations_meeting(incident: Incident) -> Any:
    """Registrations that may be the incident's: active, with a stop in its country spanning its start date."""
    day = timezone.localdate(incident.started_at)
    legs = TripLeg.objects.filter(country_id=incident.country_id, arrive__lte=day + DATE_SLACK,
                                  depart__gte=day - DATE_SLACK)
    return Registration.objects.filter(state=RegistrationState.ACTIVE, purged_at__isnull=True,
                                       cancelled_at__isnull=True, pk__in=legs.values("registration_id"))


def _candidate_ids(values: Mapping[str, object], among: Any) -> list[uuid.UUID]:
    """Registrations of `among` (those meeting the incident) sharing the row's passport number or a blocking key
    of one of its names: the most telling keys first, at most REGISTRATION_CAP per name."""
    birth = row_birth(values)
    narrow = parse_birth_date(birth) is not None
    ids: list[uuid.UUID] = []
    passport = normalise_passport(str(values.get("passport_number") or ""))
    if passport:
        digest = crypto.keyed_hash(passport, kind="passport")
        ids += list(among.filter(passport_hash=digest).values_list("id", flat=True)[:REGISTRATION_CAP])
    for name in _names(values):
        ids += blocking.owners_by_keys(owner_type=NameKeyOwner.REGISTRANT,
                                       keys=blocking.query_keys(name, birth, narrow=narrow), scope=None,
                                       limit=REGISTRATION_CAP, among=among)
    return list(dict.fromkeys(ids))


def _best(values: Mapping[str, object], registration: Registration) -> RegistrationCandidate:
    birth = row_birth(values)
    passport = str(values.get("passport_number") or "") or None
    theirs = registration.names() or [""]
    best = RegistrationCandidate(registration=registration, score=0.0)
    for name in _names(values):
        query = NameRecord(name=name, birth_date=birth, passport_number=passport)
        for their in names_to_compare(name, theirs):
            result = score(query,
                           NameRecord(name=their, birth_date=registration.birth_date if birth else None,
                                      passport_number=(registration.passport_number or None) if passport else None,
                                      id=str(registration.pk)))
            if result.score > best.score or not best.reasons:
                best = RegistrationCandidate(registration=registration, score=result.score,
                                             reasons=list(result.reasons))
    return best


def registration_candidates(*, incident: Incident, values: Mapping[str, object]) -> list[RegistrationCandidate]:
    """The registrations the row may be, best first (at most REGISTRATION_CANDIDATES): found through the index,
    among those meeting the incident and not yet linked to one of its persons, scored."""
    linked = AffectedPerson.objects.filter(incident=incident, registration__isnull=False).values("registration_id")
    among = registrations_meeting(incident).exclude(pk__in=linked)
    ids = _candidate_ids(values, among)
    if not ids:
        return []
    light = among.filter(pk__in=ids).only(*_SCORING_FIELDS)
    passport = normalise_passport(str(values.get("passport_number") or ""))
    try:
        scored = [_best(values, r) for r in light]
    finally:
        search_done()
    kept = [c for c in scored if c.level != "weak" or (passport and "passport_match" in c.reasons)]
    return sorted(kept, key=lambda c: (-c.score, str(c.registration.pk)))[:REGISTRATION_CANDIDATES]


def _decide(found: list[RegistrationCandidate]) -> RegistrationOutcome:
    decision = link_decision(found)
    return {"link": RegistrationOutcome.LINKED, "review": RegistrationOutcome.REVIEW}.get(decision,
                                                                                          RegistrationOutcome.NONE)


def registration_linkable(*, person: AffectedPerson, registration: Registration) -> StrOrPromise | None:
    """Why the person cannot be linked to the registration now (None: they can)."""
    current = AffectedPerson.objects.filter(pk=person.pk).values_list("registration_id", flat=True).first()
    if current is not None:
        return _("This person is already linked to a trip registration.")
    if not registrations_meeting(person.incident).filter(pk=registration.pk).exists():
        return _("This registration was cancelled or purged, or its trip no longer meets the incident.")
    if AffectedPerson.objects.filter(incident_id=person.incident_id, registration=registration).exists():
        return _("This registration is already linked to another person of the incident.")
    return None


def _emergency_text(registration: Registration) -> str:
    name = registration.emergency_name.strip()
    relation = registration.emergency_relation.strip()
    reach = ", ".join(p for p in (registration.emergency_phone.strip(), registration.emergency_email.strip()) if p)
    if not (name or reach):
        return ""
    who = f"{name} ({relation})" if name and relation else name or relation
    return f"{who}: {reach}" if who and reach else who or reach


def registration_link(*, actor: Any, person: AffectedPerson, registration: Registration, ref: str) -> list[str]:
    """Link the person to the registration and fill their missing particulars from it (with the traveller's
    consent, see the module's doc); returns the fields filled. Call inside a transaction, after
    `registration_linkable`. Audited (`affected_person.registration_link`, with the source)."""
    from consular.incidents.services import _write_name_keys

    person = AffectedPerson.objects.select_for_update().get(pk=person.pk)
    if person.registration_id is not None:  # linked meanwhile (a concurrent confirm or import): checked under lock
        raise ApplicationError(ErrorCode.CONFLICT, _("This person is already linked to a trip registration."),
                               status=409)
    registration = Registration.objects.get(pk=registration.pk)
    filled: list[str] = []
    if registration.consent_share_with_incident:
        for name in FILLED_FIELDS:
            theirs = getattr(registration, name)
            if theirs and not getattr(person, name):
                setattr(person, name, theirs.strip() if isinstance(theirs, str) else theirs)
                filled.append(name)
        emergency = _emergency_text(registration)
        if registration.consent_contact_family and emergency and not person.emergency_contact.strip():
            person.emergency_contact = emergency
            filled.append("emergency_contact")
    person.registration, person.registration_linked_at = registration, timezone.now()
    person.registration_filled = filled
    try:
        with transaction.atomic():  # a savepoint: the unique constraint may refuse (a concurrent link)
            person.save(update_fields=["registration", "registration_linked_at", "registration_filled", *filled,
                                       "passport_hash", "phone_hash", "updated_at"])
    except IntegrityError:
        raise ApplicationError(
            ErrorCode.CONFLICT, _("This registration is already linked to another person of the incident."),
            status=409) from None
    if "birth_date" in filled:
        _write_name_keys(person)
    audit_record(actor=actor, action="affected_person.registration_link", obj=person,
                 data={"incident": str(person.incident_id), "registration": str(registration.pk),
                       "source_kind": "import", "source_ref": ref, "filled": filled,
                       "consent_share_with_incident": registration.consent_share_with_incident})
    return filled


def _values_json(values: Mapping[str, object]) -> str:
    return json.dumps({k: v.isoformat() if isinstance(v, datetime.date) else v for k, v in values.items()},
                      ensure_ascii=False, sort_keys=True)


def match_registration(*, actor: Any, person: AffectedPerson, values: Mapping[str, object], import_row: ImportRow,
                       ref: str) -> RegistrationOutcome:
    """Match the row (whose person is `person`) against the trip registrations: link, queue a review of kind
    `registration`, or nothing (see the module's doc). Call inside the import's transaction."""
    if AffectedPerson.objects.filter(pk=person.pk, registration__isnull=False).exists():
        return RegistrationOutcome.NONE
    found = registration_candidates(incident=person.incident, values=values)
    outcome = _decide(found)
    if outcome == RegistrationOutcome.NONE:
        return outcome
    top = found[0]
    proposed = MatchReview.objects.filter(candidate_kind=CandidateKind.REGISTRATION, candidate=person,
                                          registration=top.registration).exists()
    if outcome == RegistrationOutcome.LINKED and not proposed:
        try:
            registration_link(actor=actor, person=person, registration=top.registration, ref=ref)
        except ApplicationError:  # linked meanwhile by someone else: the row's import goes on, nothing linked
            return RegistrationOutcome.NONE
        return outcome
    if proposed or MatchReview.objects.filter(import_row=import_row,
                                              candidate_kind=CandidateKind.REGISTRATION).exists():
        return RegistrationOutcome.NONE
    from consular.incidents.imports import _REASONS_KEY, reason_code

    others = [{"registration": str(c.registration.pk), "score": round(c.score, 4)} for c in found[1:]]
    MatchReview.objects.create(incident_id=person.incident_id, import_row=import_row,
                               candidate_kind=CandidateKind.REGISTRATION, candidate=person,
                               registration=top.registration,
                               values=_values_json({**values, _REASONS_KEY: list(top.reasons)}),
                               score=min(1.0, max(0.0, top.score)),
                               reasons=list(dict.fromkeys(reason_code(r) for r in top.reasons)), others=others)
    return RegistrationOutcome.REVIEW


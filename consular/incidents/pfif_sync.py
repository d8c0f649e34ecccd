"""PFIF 1.4 interchange of an incident's registry with other person-finder sites (Google Person Finder and the
like): export every person with one note per status change, and import persons and notes from another site.

Export (`incident_pfif_export`)
    Every person of the incident the actor may see (all of them for every role that reads the registry), in
    the order they were added; our records never expire, so no ``expiry_date`` is written. A person is
    ``record_id(PFIF_DOMAIN, <person id>)``; each status change is a note ``record_id(PFIF_DOMAIN, <change
    id>)`` authored by ``PFIF_SOURCE_NAME``. Only what the public may know leaves the registry:

    * statuses go through the next-of-kin gate (`selectors.public_status` semantics): a death is exported only
      after an officer recorded that the next of kin was told. Until then the history rows of the current
      death (every change into ``deceased`` since the person last had another status) are left out, so
      neither a ``believed_dead`` note nor any "deceased" text nor the time of the change can reach another
      site; the person appears with the notes from before. A death that was later corrected was never
      announced and is never exported.
    * a note's text is the public wording of its status (Chinese / English), never the officer's note, the
      hospital, the source of the change or the officer's name; passport numbers, contacts and nationalities
      are not exported.
    * status changes that came from PFIF themselves are not exported: they belong to the site that wrote
      them, and re-publishing them under our ids would echo them back and forth between two sites.

    The person's ``source_date`` and ``entry_date`` are the time of the last exported note (or when the
    person was added). The export is recorded in the audit log as one entry with the count and the fields.

Import (`incident_pfif_import`)
    Per person record: one already imported into this incident (`PfifRecord`) is that person; one of our own
    records (our domain, the id of a person of this incident) is that person; otherwise the registry is
    searched with `selectors.candidates` (the full name, then each alternate name, with the birth date): a
    single ``match`` links, anything else creates a person (source kind ``pfif``, ref the record id) and
    possible matches are listed in the summary for an officer to check. Several persons at ``match`` level is
    ambiguous: a new person is created and the candidates are listed.

    Per note (nested or top-level), oldest first: a note whose id this incident already read
    (`PfifNoteSeen`) is skipped, so re-importing a document changes nothing. A new note is remembered and,
    when it makes a claim (`pfif.pfif_to_status`), sets the status with ``person_set_status(source_kind=
    'pfif', source_ref=<note id>)``, unless

    * it is older than what the registry knows: older than the person's last status change from any other
      source, or than the newest note already applied to the person (``stale``);
    * the person is ``deceased``: only an officer changes a recorded death (``kept``);
    * it says alive (``safe``) about an injured or hospitalised person, which we know more precisely (``kept``).

    ``believed_dead`` maps to ``unconfirmed``: another site never makes anyone deceased. Our own notes about
    our own persons are already in the history and are skipped. An expired record (a deletion) is reported;
    the registry never deletes its persons. Invalid records are reported in ``errors`` and the rest is
    imported; a document that is not PFIF at all raises ``ApplicationError`` (400).
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import Max, Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consular.accounts.models import STAFF_ROLES, Role
from consular.core.audit import audit_read_stream, audit_record
from consular.core.errors import ApplicationError, ErrorCode, lazy_interpolate
from consular.incidents import pfif, selectors
from consular.incidents.codes import AWAITING_NOTIFICATION, PUBLIC_STATUS_TEXT, PersonStatus, Sex, SourceKind
from consular.incidents.matching import has_cjk, parse_birth_date
from consular.incidents.models import AffectedPerson, Incident, PersonStatusChange
from consular.incidents.name_data import COMPOUND_SURNAMES
from consular.incidents.pfif_models import RECORD_ID_MAX, PfifNoteSeen, PfifRecord
from consular.incidents.services import WRITER_ROLES, PersonIn, Source, person_add, person_set_status

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# Fields of a person a PFIF export shows (recorded in the audit log).
EXPORT_FIELDS = ["name_zh", "name_latin", "other_names", "sex", "birth_date", "status_history"]
MAX_IMPORT_BYTES = pfif.DEFAULT_MAX_BYTES

_SEX_TO_PFIF: dict[str, str] = {Sex.MALE: "male", Sex.FEMALE: "female", Sex.OTHER: "other"}
_SEX_FROM_PFIF: dict[str, str] = {"male": Sex.MALE, "female": Sex.FEMALE, "other": Sex.OTHER}
# Statuses an outside "alive" note does not overwrite: we know more precisely how the person is.
_MORE_PRECISE_THAN_SAFE = frozenset({PersonStatus.INJURED, PersonStatus.HOSPITALISED})
# Clock skew allowed on a record's dates; a later date is an error (it would make every later note stale).
FUTURE_SKEW = datetime.timedelta(minutes=10)
# A note cannot be about the incident when it is much older than the incident's recorded start (a year 1 from a
# broken export). The margin is wide: the start an officer records may be late for a slow-onset event (a flood,
# an evacuation), and a true note refused would be worse than an odd date kept.
BEFORE_INCIDENT_SKEW = datetime.timedelta(days=90)


# --- Who may ------------------------------------------------------------------------------------------------


def _denied(message: Any) -> ApplicationError:
    return ApplicationError(ErrorCode.PERMISSION_DENIED, message, status=403)


def _not_found() -> ApplicationError:
    return ApplicationError(ErrorCode.NOT_FOUND, _("Incident not found."), status=404)


def require_reader(actor: Any, incident: Incident) -> None:
    """Roles that read the registry (hotline operators, HQ and mission officers, auditors); a mission officer
    only on the incidents of the own mission (404 otherwise)."""
    if not getattr(actor, "is_authenticated", False) or getattr(actor, "role", None) not in STAFF_ROLES:
        raise _denied(_("Your role may not read the incident registry."))
    if not selectors.incidents_visible(actor=actor).filter(pk=incident.pk).exists():
        raise _not_found()


def _require_writer(actor: Any, incident: Incident) -> None:
    if not getattr(actor, "is_authenticated", False) or getattr(actor, "role", None) not in WRITER_ROLES:
        raise _denied(_("Your role may not change incidents."))
    if actor.role == Role.MISSION_OFFICER and not incident.missions.filter(pk=actor.mission_id).exists():
        raise _not_found()


def pfif_domain() -> str:
    """The configured PFIF domain, checked (a wrong one would make every record id invalid)."""
    domain = str(settings.PFIF_DOMAIN).strip().lower()
    try:
        pfif.record_id(domain, "x")
    except ValueError:
        raise ImproperlyConfigured(f"CONSULAR_PFIF_DOMAIN is not a domain name: {domain!r}") from None
    return domain


# --- Export -------------------------------------------------------------------------------------------------


def _names(person: AffectedPerson) -> tuple[str, str, str, str]:
    """full_name, given_name, family_name, alternate_names. The full name is the name in characters if any,
    else the passport spelling; given and family names only where the split is certain: a name in characters
    (the surname is its first character, or two for a compound surname such as 欧阳), or a passport spelling
    written SURNAME<<GIVEN or SURNAME, GIVEN."""
    names = person.names()
    if not names:
        return "", "", "", ""
    full = names[0]
    given = family = ""
    zh = person.name_zh.strip()
    if zh and full == zh and zh.isalpha() and not zh.isascii() and " " not in zh and len(zh) >= 2:
        cut = 2 if len(zh) >= 3 and zh[:2] in COMPOUND_SURNAMES else 1
        family, given = zh[:cut], zh[cut:]
    elif not zh:
        latin = person.name_latin.strip()
        for sep in ("<<", ","):
            if sep in latin:
                left, _sep, right = latin.partition(sep)
                family, given = left.replace("<", " ").strip(), right.replace("<", " ").strip()
                break
    alternates = "\n".join(n for n in names[1:] if n != full)
    return full, given, family, alternates


def _exported_changes(
    person: AffectedPerson, changes: list[PersonStatusChange]
) -> list[tuple[PersonStatusChange, str]]:
    """The history rows a PFIF export may show, each with its public status code (see the module docstring)."""
    # The current death: the trailing run of changes into `deceased` while the person is deceased.
    current_death: set[uuid.UUID] = set()
    if person.status == PersonStatus.DECEASED:
        for change in reversed(changes):
            if change.to_status != PersonStatus.DECEASED:
                break
            current_death.add(change.pk)
    death_public = selectors.public_status(person) == PersonStatus.DECEASED
    shown: list[tuple[PersonStatusChange, str]] = []
    for change in changes:
        if change.source_kind == SourceKind.PFIF:
            continue
        if change.to_status == PersonStatus.DECEASED and not (death_public and change.pk in current_death):
            continue
        shown.append((change, change.to_status))
    return shown


def _note_text(code: str) -> str:
    text = PUBLIC_STATUS_TEXT[code]
    return f"{text['zh']} / {text['en']}"


def person_to_pfif(
    person: AffectedPerson, changes: list[PersonStatusChange], *, domain: str, source_name: str
) -> pfif.PfifPerson:
    """One registry person as a PFIF person with its notes, through the next-of-kin gate."""
    pid = pfif.record_id(domain, str(person.pk))
    notes = []
    for change, code in _exported_changes(person, changes):
        assert code != AWAITING_NOTIFICATION
        notes.append(
            pfif.PfifNote(
                note_record_id=pfif.record_id(domain, str(change.pk)),
                person_record_id=pid,
                author_name=source_name,
                source_date=change.at,
                entry_date=change.at,
                status=pfif.status_to_pfif(code),
                text=_note_text(code),
            )
        )
    last = notes[-1].source_date if notes else person.created_at
    full, given, family, alternates = _names(person)
    return pfif.PfifPerson(
        person_record_id=pid,
        source_date=last,
        entry_date=last,
        author_name=source_name,
        source_name=source_name,
        full_name=full or str(person.pk),
        given_name=given,
        family_name=family,
        alternate_names=alternates,
        sex=_SEX_TO_PFIF.get(person.sex, ""),
        date_of_birth=person.birth_date.isoformat() if person.birth_date else "",
        notes=notes,
    )


def incident_pfif_export(*, actor: Any, incident: Incident, now: datetime.datetime | None = None) -> Iterator[bytes]:
    """The incident's registry as a PFIF 1.4 document, in chunks for a streaming response. The permission
    check and the audit entry happen when this is called, before the first chunk."""
    require_reader(actor, incident)
    domain = pfif_domain()
    source_name = str(settings.PFIF_SOURCE_NAME).strip() or domain
    persons = selectors.persons_visible(actor=actor, incident=incident).order_by("created_at", "id")
    count = persons.count()
    audit_record(
        actor=actor,
        action="incident.pfif_export",
        obj=incident,
        data={"format": "pfif-1.4", "count": count, "fields": EXPORT_FIELDS},
    )
    history = Prefetch("status_changes", queryset=PersonStatusChange.objects.order_by("at", "created_at", "id"))

    def records() -> Iterator[pfif.PfifPerson]:
        shown = audit_read_stream(persons.prefetch_related(history).iterator(chunk_size=500), actor=actor,
                                  fields=EXPORT_FIELDS, purpose="export_pfif")
        for person in shown:
            yield person_to_pfif(person, list(person.status_changes.all()), domain=domain, source_name=source_name)

    return pfif.iter_pfif(records(), now=now)


# --- Import -------------------------------------------------------------------------------------------------


@dataclass
class PfifImportSummary:
    version: str = ""
    persons_read: int = 0
    notes_read: int = 0
    persons_created: int = 0
    persons_matched: int = 0  # linked to a registry person by name (a `match`)
    persons_known: int = 0  # imported before, or one of our own records
    persons_expired: int = 0
    notes_applied: int = 0  # wrote a status change
    notes_without_status: int = 0  # made no claim (or information sought)
    notes_seen_before: int = 0
    notes_stale: int = 0
    notes_kept: int = 0  # the registry's status was kept (deceased; or injured/hospitalised vs. "alive")
    errors: list[dict[str, str]] = field(default_factory=list)
    possible_matches: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def _error(self, record: str, field_name: str, message: StrOrPromise) -> None:
        # Rendered now, in the language of the request that runs the import (the summary is its answer).
        self.errors.append({"record": record, "field": field_name, "message": str(message)})


def _too_long_id() -> StrOrPromise:
    return lazy_interpolate(_("At most %(limit)s characters."), limit=RECORD_ID_MAX)


def _floor_second(value: datetime.datetime) -> datetime.datetime:
    return value.replace(microsecond=0)


def _person_in(record: pfif.PfifPerson, notes: list[pfif.PfifNote]) -> PersonIn:
    names = [record.full_name, *record.alternate_names.splitlines()]
    names = list(dict.fromkeys(n.strip() for n in names if n.strip()))
    zh = next((n for n in names if has_cjk(n)), "")
    latin = next((n for n in names if not has_cjk(n)), "")
    others = [n for n in names if n not in (zh, latin)]
    born = None
    if len(record.date_of_birth) == 10:
        born = datetime.date.fromisoformat(record.date_of_birth)
    location = next((n.last_known_location for n in reversed(notes) if n.last_known_location), "")
    return PersonIn(
        name_zh=zh,
        name_latin=latin,
        other_names=others,
        sex=_SEX_FROM_PFIF.get(record.sex, Sex.UNKNOWN),
        birth_date=born,
        last_known_location=location[:1000],
        source=Source(kind=SourceKind.PFIF, ref=record.person_record_id[:200]),
        note=f"PFIF record from {record.source_name or pfif.split_record_id(record.person_record_id)[0]}"[:5000],
    )


def _birth_query(value: str) -> str | None:
    try:
        return value if value and parse_birth_date(value) is not None else None
    except ValueError:
        return None


class _Importer:
    def __init__(self, actor: Any, incident: Incident, summary: PfifImportSummary) -> None:
        self.actor, self.incident, self.summary = actor, incident, summary
        self.domain = pfif_domain()
        self.persons: dict[str, AffectedPerson] = {}  # record id -> registry person
        self.latest = timezone.now() + FUTURE_SKEW
        self.earliest = incident.started_at - BEFORE_INCIDENT_SKEW

    def _future(self, rid: str, dates: dict[str, datetime.datetime | None]) -> bool:
        """Report a record dated after now (beyond clock skew) as an error; True when it is one."""
        late = [name for name, value in dates.items() if value is not None and value > self.latest]
        for name in late:
            self.summary._error(rid, name, _("This time is in the future."))
        return bool(late)

    # Persons ---------------------------------------------------------------------------------------------

    def _own(self, rid: str) -> AffectedPerson | None:
        domain, local = pfif.split_record_id(rid)
        if domain != self.domain:
            return None
        try:
            pk = uuid.UUID(local)
        except ValueError:
            return None
        return AffectedPerson.objects.filter(pk=pk, incident=self.incident).first()

    def _match(self, record: pfif.PfifPerson) -> tuple[AffectedPerson | None, list[selectors.Candidate]]:
        born = _birth_query(record.date_of_birth)
        names = list(
            dict.fromkeys(n.strip() for n in [record.full_name, *record.alternate_names.splitlines()] if n.strip())
        )
        best: dict[uuid.UUID, selectors.Candidate] = {}
        for name in names[:5]:
            for candidate in selectors.candidates(incident=self.incident, name=name, birth_date=born, limit=5):
                known = best.get(candidate.person.pk)
                if known is None or candidate.score > known.score:
                    best[candidate.person.pk] = candidate
        ranked = sorted(best.values(), key=lambda c: (-c.score, str(c.person.pk)))
        matches = [c for c in ranked if c.level == "match"]
        if len(matches) == 1 and "passport_mismatch" not in ranked[0].reasons:
            return matches[0].person, []
        return None, [c for c in ranked if c.level in ("match", "possible")]

    def person(self, record: pfif.PfifPerson, notes: list[pfif.PfifNote]) -> None:
        rid = record.person_record_id
        if len(rid) > RECORD_ID_MAX:
            self.summary._error(rid[:80] + "…", "person_record_id", _too_long_id())
            return
        if self._future(rid, {"source_date": record.source_date, "entry_date": record.entry_date}):
            return
        known = PfifRecord.objects.filter(incident=self.incident, record_id=rid).select_related("person").first()
        if record.is_expired(timezone.now()):
            self.summary.persons_expired += 1
            return
        if known is not None:
            self.persons[rid] = known.person
            self.summary.persons_known += 1
            return
        own = self._own(rid)
        if own is not None:
            PfifRecord.objects.create(incident=self.incident, record_id=rid, person=own, how="own")
            self.persons[rid] = own
            self.summary.persons_known += 1
            return
        matched, others = self._match(record)
        if matched is not None:
            PfifRecord.objects.create(
                incident=self.incident,
                record_id=rid,
                person=matched,
                how="matched",
                source_name=record.source_name[:200],
            )
            self.persons[rid] = matched
            self.summary.persons_matched += 1
            return
        try:
            with transaction.atomic():
                created = person_add(actor=self.actor, incident=self.incident, data=_person_in(record, notes))
                PfifRecord.objects.create(
                    incident=self.incident,
                    record_id=rid,
                    person=created,
                    how="created",
                    source_name=record.source_name[:200],
                )
        except ApplicationError as exc:
            fields = exc.field_texts() or {"person": [exc.text()]}
            for name, messages in fields.items():
                self.summary._error(rid, name, "; ".join(messages))
            return
        self.persons[rid] = created
        self.summary.persons_created += 1
        if others:
            self.summary.possible_matches.append(
                {
                    "record": rid,
                    "person": str(created.pk),
                    "candidates": [
                        {"person": str(c.person.pk), "score": round(c.score, 3), "level": c.level} for c in others[:5]
                    ],
                }
            )

    def person_for_note(self, rid: str) -> AffectedPerson | None:
        if rid in self.persons:
            return self.persons[rid]
        known = PfifRecord.objects.filter(incident=self.incident, record_id=rid).select_related("person").first()
        person = known.person if known is not None else self._own(rid)
        if person is not None:
            self.persons[rid] = person
        return person

    # Notes -----------------------------------------------------------------------------------------------

    def _known_since(self, person: AffectedPerson) -> datetime.datetime | None:
        """The newest time the registry knows the person's status from: its last change from another source
        than PFIF, or the newest note applied to it."""
        changes = PersonStatusChange.objects.filter(person=person).exclude(source_kind=SourceKind.PFIF)
        applied = PfifNoteSeen.objects.filter(person=person, status_change__isnull=False)
        times = [changes.aggregate(t=Max("at"))["t"], applied.aggregate(t=Max("source_date"))["t"]]
        present = [_floor_second(t) for t in times if t is not None]
        return max(present) if present else None

    def _own_note(self, note: pfif.PfifNote, person: AffectedPerson) -> bool:
        domain, local = pfif.split_record_id(note.note_record_id)
        if domain != self.domain:
            return False
        try:
            pk = uuid.UUID(local)
        except ValueError:
            return False
        return PersonStatusChange.objects.filter(pk=pk, person=person).exists()

    def note(self, note: pfif.PfifNote) -> None:
        nid = note.note_record_id
        if len(nid) > RECORD_ID_MAX:
            self.summary._error(nid[:80] + "…", "note_record_id", _too_long_id())
            return
        if self._future(nid, {"source_date": note.source_date, "entry_date": note.entry_date}):
            return
        if note.source_date < self.earliest:
            self.summary._error(nid, "source_date", _("This time is long before the incident began."))
            return
        if PfifNoteSeen.objects.filter(incident=self.incident, note_record_id=nid).exists():
            self.summary.notes_seen_before += 1
            return
        person = self.person_for_note(note.person_record_id)
        if person is None:
            self.summary._error(nid, "person_record_id", lazy_interpolate(
                _("No person record %(record)s in this document nor in the registry."),
                record=note.person_record_id))
            return
        seen = PfifNoteSeen(incident=self.incident, note_record_id=nid, person=person, source_date=note.source_date)
        status = pfif.pfif_to_status(note.status)
        if self._own_note(note, person):
            self.summary.notes_seen_before += 1
        elif not status:
            self.summary.notes_without_status += 1
        else:
            person = AffectedPerson.objects.get(pk=person.pk)
            since = self._known_since(person)
            if since is not None and note.source_date < since:
                self.summary.notes_stale += 1
            elif person.status == PersonStatus.DECEASED or (
                status == PersonStatus.SAFE and person.status in _MORE_PRECISE_THAN_SAFE
            ):
                self.summary.notes_kept += 1
            else:
                try:
                    seen.status_change = person_set_status(
                        actor=self.actor,
                        person=person,
                        status=status,
                        source_kind=SourceKind.PFIF,
                        source_ref=nid[:200],
                        note=f"PFIF note {note.status} by {note.author_name}: {note.text or '-'}"[:5000],
                    )
                except ApplicationError as exc:
                    self.summary._error(nid, "status", exc.text())
                    return
                self.summary.notes_applied += 1
        seen.save()


def _by_person(notes: Iterable[pfif.PfifNote]) -> dict[str, list[pfif.PfifNote]]:
    out: dict[str, list[pfif.PfifNote]] = {}
    for note in notes:
        out.setdefault(note.person_record_id, []).append(note)
    return out


def incident_pfif_import(*, actor: Any, incident: Incident, data: bytes) -> PfifImportSummary:
    """Import a PFIF document (1.1 to 1.4) into the incident's registry; see the module docstring. Raises
    ApplicationError: 403/404 for who may not, 400 for a document that is not readable PFIF."""
    _require_writer(actor, incident)
    try:
        document = pfif.parse_pfif(data, max_bytes=MAX_IMPORT_BYTES)
    except pfif.PfifFormatError as exc:
        raise ApplicationError(
            ErrorCode.INVALID, _("The file is not a readable PFIF document."), fields={"file": [str(exc)]}
        ) from None
    summary = PfifImportSummary(
        version=document.version, persons_read=len(document.persons), notes_read=len(document.notes)
    )
    for error in document.errors:
        summary._error(error.record, error.field, error.message)
    notes = _by_person(document.notes)
    with transaction.atomic():
        # One import at a time per incident: the second waits, then finds every record already read.
        Incident.objects.select_for_update().filter(pk=incident.pk).first()
        importer = _Importer(actor, incident, summary)
        for record in document.persons:
            importer.person(record, notes.get(record.person_record_id, []))
        ordered = sorted(document.notes, key=lambda n: n.source_date)
        for note in ordered:
            with transaction.atomic():
                importer.note(note)
        audit_record(
            actor=actor,
            action="incident.pfif_import",
            obj=incident,
            data={k: v for k, v in summary.as_dict().items() if isinstance(v, (int, str))}
            | {"errors": len(summary.errors)},
        )
    return summary

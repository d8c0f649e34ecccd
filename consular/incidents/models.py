"""Major incidents: the incident, its registry of affected persons with their status history, the families'
inquiries and the call-backs owed to them, and the blocking-key index that finds candidates without a scan."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from consular.cases.models import Case
from consular.core.fields import EncryptedDateField, EncryptedTextField, KeyedHashField
from consular.core.models import BaseModel, Country, Mission, PersonalDataModel, Subdivision
from consular.incidents.codes import (
    CallBackReason,
    IncidentKind,
    IncidentStatus,
    InquiryChannel,
    InquiryState,
    PersonStatus,
    Sex,
    SourceKind,
)


class Incident(BaseModel):
    """One event that affects many citizens at once. HQ opens and closes it; the lead mission and the missions
    concerned work it. The lead mission is always one of `missions` (the services keep it so), which is how a
    mission officer's scope is decided."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    reference = models.CharField(max_length=20, unique=True, help_text="INC-YYYY-NNNN, numbered per year.")
    kind = models.CharField(max_length=20, choices=IncidentKind.choices, db_index=True)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="+")
    subdivision = models.ForeignKey(Subdivision, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    city = models.CharField(max_length=100, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    started_at = models.DateTimeField()
    lead_mission = models.ForeignKey(Mission, on_delete=models.PROTECT, related_name="led_incidents")
    missions = models.ManyToManyField(Mission, related_name="incidents", blank=True)
    status = models.CharField(max_length=8, choices=IncidentStatus.choices, default=IncidentStatus.OPEN,
                              db_index=True)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+")

    class Meta:
        ordering = ["-started_at", "-created_at"]
        constraints = [
            models.CheckConstraint(condition=~Q(status="closed") | Q(closed_at__isnull=False),
                                   name="closed_incident_has_closed_at"),
            models.CheckConstraint(condition=Q(latitude__gte=-90, latitude__lte=90) | Q(latitude__isnull=True),
                                   name="incident_latitude_range"),
            models.CheckConstraint(
                condition=Q(longitude__gte=-180, longitude__lte=180) | Q(longitude__isnull=True),
                name="incident_longitude_range",
            ),
        ]

    def __str__(self) -> str:
        return self.reference


class AffectedPerson(PersonalDataModel):
    """One person in an incident's registry. The status is changed only through `person_set_status`, which
    writes a PersonStatusChange row each time: the registry never overwrites a status silently."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="persons")
    name_zh = EncryptedTextField()
    name_latin = EncryptedTextField()
    other_names = EncryptedTextField(help_text="Other spellings, one per line.")
    sex = models.CharField(max_length=8, choices=Sex.choices, default=Sex.UNKNOWN)
    birth_date = EncryptedDateField()
    passport_number = EncryptedTextField()
    passport_hash = KeyedHashField(source="passport_number", kind="passport")
    nationalities = EncryptedTextField(help_text="ISO 3166-1 alpha-2 codes, comma-separated.")
    phone = EncryptedTextField()
    phone_hash = KeyedHashField(source="phone", kind="phone")
    email = EncryptedTextField()
    last_known_location = EncryptedTextField()
    status = models.CharField(max_length=12, choices=PersonStatus.choices, default=PersonStatus.UNACCOUNTED,
                              db_index=True)
    hospital = EncryptedTextField(help_text="Where the person is treated (status hospitalised).")
    # The mission that looks after the person (the dashboard counts by it): given by the officer, else the
    # mission of the person's case, else the incident's lead mission. Always one of the incident's missions.
    mission = models.ForeignKey(Mission, on_delete=models.PROTECT, related_name="+")
    next_of_kin_informed_at = models.DateTimeField(null=True, blank=True)
    next_of_kin_informed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                                blank=True, related_name="+")
    next_of_kin_note = EncryptedTextField()
    case = models.ForeignKey(Case, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # The trip registration this person was matched to (a list import's confident match, or an officer's
    # confirmation of a possible one). At most one person of an incident per registration.
    registration = models.ForeignKey("travel.Registration", on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="affected_persons")
    registration_linked_at = models.DateTimeField(null=True, blank=True)
    registration_filled = models.JSONField(
        default=list, blank=True, help_text="The particulars copied from the linked registration (field names).")
    emergency_contact = EncryptedTextField(help_text="The emergency contact at home (from a trip registration).")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")

    # What `registration_filled` names, as officers read it.
    FILLED_LABELS = {"birth_date": _("Date of birth"), "passport_number": _("Passport number"), "phone": _("Phone"),
                     "email": _("Email"), "emergency_contact": _("Emergency contact")}

    @property
    def registration_filled_labels(self) -> str:
        """The particulars copied from the registration, listed in the current language ("出生日期和护照号码")."""
        from babel.lists import format_list
        from django.utils.translation import get_language, to_locale

        labels = [str(self.FILLED_LABELS.get(name, name)) for name in self.registration_filled or []]
        return format_list(labels, locale=to_locale(get_language() or settings.LANGUAGE_CODE)) if labels else ""

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["incident", "status"], name="affected_person_status_idx"),
                   models.Index(fields=["incident", "passport_hash"], name="affected_person_passport_idx")]
        constraints = [
            models.UniqueConstraint(fields=["incident", "registration"], condition=Q(registration__isnull=False),
                                    name="affected_person_registration_once"),
            models.CheckConstraint(
                condition=Q(next_of_kin_informed_at__isnull=True) | Q(status="deceased"),
                name="next_of_kin_informed_only_of_a_death",
            ),
        ]

    def __str__(self) -> str:
        return f"person {self.pk} of {self.incident_id}"

    def names(self) -> list[str]:
        """Every name the person is known by: characters, passport spelling, other spellings."""
        others = [n.strip() for n in (self.other_names or "").splitlines()]
        return [n for n in [self.name_zh.strip(), self.name_latin.strip(), *others] if n]


class PersonStatusChange(BaseModel):
    """One status change of an affected person, with its source. Never updated nor deleted: the history."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey(AffectedPerson, on_delete=models.PROTECT, related_name="status_changes")
    from_status = models.CharField(max_length=12, blank=True, help_text="Empty for the first status.")
    to_status = models.CharField(max_length=12, choices=PersonStatus.choices)
    source_kind = models.CharField(max_length=8, choices=SourceKind.choices)
    source_ref = models.CharField(max_length=200, blank=True,
                                  help_text="Which record: the import and line, the call, the inquiry …")
    note = EncryptedTextField()
    hospital = EncryptedTextField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+")
    at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["at", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or '-'} → {self.to_status} for {self.person_id}"


class NameKey(models.Model):
    """The blocking-key index: keyed hashes (HMAC, so no name is stored in clear) of the keys
    `matching.blocking_keys` gives each name, for any owner (affected persons now, trip registrations later).
    `scope` is the set the owner belongs to (an affected person's incident; none for owners searched as one
    registry), so a query for one incident reads only that incident's keys. Candidates are fetched by key through
    the (key_hash, owner_type, scope, owner_id) index alone (an index-only scan), never by scanning owners."""

    id = models.BigAutoField(primary_key=True)
    key_hash = models.CharField(max_length=64)
    owner_type = models.CharField(max_length=20)
    owner_id = models.UUIDField()
    scope = models.UUIDField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["key_hash", "owner_type", "scope", "owner_id"], name="name_key_scoped_idx")]
        constraints = [
            models.UniqueConstraint(fields=["owner_type", "owner_id", "key_hash"], name="name_key_once_per_owner"),
        ]

    def __str__(self) -> str:
        return f"name key of {self.owner_type}:{self.owner_id}"


class Inquiry(PersonalDataModel):
    """A family member or friend asks about someone. Many inquiries may attach to one person; each inquirer is
    owed a call-back when that person's status changes."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="inquiries")
    inquirer_name = EncryptedTextField()
    inquirer_relation = EncryptedTextField()
    inquirer_phone = EncryptedTextField()
    inquirer_phone_hash = KeyedHashField(source="inquirer_phone", kind="phone")
    inquirer_email = EncryptedTextField()
    language = models.CharField(max_length=16, default="zh")
    channel = models.CharField(max_length=8, choices=InquiryChannel.choices, default=InquiryChannel.PHONE)
    subject_name = EncryptedTextField()
    subject_birth_date = EncryptedTextField(help_text="As given: YYYY, YYYY-MM or YYYY-MM-DD.")
    subject_passport_number = EncryptedTextField()
    message = EncryptedTextField()
    person = models.ForeignKey(AffectedPerson, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="inquiries")
    state = models.CharField(max_length=8, choices=InquiryState.choices, default=InquiryState.OPEN,
                             db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "id"]
        verbose_name_plural = "inquiries"
        constraints = [
            models.CheckConstraint(condition=~Q(state="matched") | Q(person__isnull=False),
                                   name="matched_inquiry_has_person"),
        ]

    def __str__(self) -> str:
        return f"inquiry {self.pk}"


class CallBack(BaseModel):
    """A call owed to an inquirer because the person they asked about changed status. At most one is pending
    per inquiry and person: a second change before the call is answered by the same call."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    inquiry = models.ForeignKey(Inquiry, on_delete=models.PROTECT, related_name="callbacks")
    person = models.ForeignKey(AffectedPerson, on_delete=models.PROTECT, related_name="callbacks")
    status_change = models.ForeignKey(PersonStatusChange, on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="+")
    reason = models.CharField(max_length=16, choices=CallBackReason.choices, default=CallBackReason.STATUS_CHANGE)
    due_at = models.DateTimeField(db_index=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+")
    note = EncryptedTextField()

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["inquiry", "person"], condition=Q(done_at__isnull=True),
                                    name="one_pending_callback_per_inquiry"),
        ]

    def __str__(self) -> str:
        return f"call-back for {self.inquiry_id}"


from consular.incidents.import_models import ImportRow, ListImport, MatchReview  # noqa: E402, F401  (list imports)
from consular.incidents.pfif_models import PfifNoteSeen, PfifRecord  # noqa: E402, F401  (PFIF interchange)

"""Protection cases, the people they concern, their timeline and duties, and hotline calls."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from consular.cases.codes import (
    CallDirection,
    CallTopic,
    Category,
    Channel,
    CrimeType,
    PersonRole,
    State,
    Urgency,
)
from consular.core.fields import EncryptedDateField, EncryptedTextField, KeyedHashField
from consular.core.models import BaseModel, Country, Mission, PersonalDataModel, Subdivision


class Case(PersonalDataModel):
    reference = models.CharField(max_length=20, unique=True)
    category = models.CharField(max_length=20, choices=Category.choices, db_index=True)
    crime_type = models.CharField(max_length=20, choices=CrimeType.choices, blank=True)
    urgency = models.CharField(max_length=2, choices=Urgency.choices, db_index=True)
    state = models.CharField(max_length=12, choices=State.choices, default=State.NEW, db_index=True)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.HOTLINE)
    summary = EncryptedTextField()
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="+")
    subdivision = models.ForeignKey(Subdivision, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    city = models.CharField(max_length=100, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    mission = models.ForeignKey(Mission, on_delete=models.PROTECT, related_name="cases")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="assigned_cases"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    first_response_due = models.DateTimeField(db_index=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    merged_into = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="duplicates")
    # Follow-up for citizens' help requests: the code is shown once; only a password hash of it is kept
    # (Argon2, independent of the rotating hash key, so outstanding codes survive a key rotation).
    follow_up_hash = models.CharField(max_length=200, blank=True)
    contact_email = EncryptedTextField()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="merged") | Q(merged_into__isnull=False), name="merged_case_has_target"
            ),
            models.CheckConstraint(
                condition=~Q(state__in=["assigned", "in_progress", "waiting"]) | Q(assignee__isnull=False),
                name="worked_case_has_assignee",
            ),
            models.CheckConstraint(condition=Q(latitude__gte=-90, latitude__lte=90) | Q(latitude__isnull=True),
                                   name="case_latitude_range"),
            models.CheckConstraint(
                condition=Q(longitude__gte=-180, longitude__lte=180) | Q(longitude__isnull=True),
                name="case_longitude_range",
            ),
        ]
        indexes = [models.Index(fields=["mission", "state", "first_response_due"], name="case_queue_idx")]

    def __str__(self) -> str:
        return self.reference


class CasePerson(PersonalDataModel):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="persons")
    role = models.CharField(max_length=12, choices=PersonRole.choices, default=PersonRole.SUBJECT)
    name_zh = EncryptedTextField()
    name_latin = EncryptedTextField()
    birth_date = EncryptedDateField()
    passport_number = EncryptedTextField()
    passport_hash = KeyedHashField(source="passport_number", kind="passport")
    phone = EncryptedTextField()
    phone_hash = KeyedHashField(source="phone", kind="phone")

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"person of {self.case_id}"


class PersonNameKey(models.Model):
    """Keyed hashes of a person's normalised names (characters, pinyin, passport spelling in both orders):
    exact name search in any script without storing or decrypting the names."""

    person = models.ForeignKey(CasePerson, on_delete=models.CASCADE, related_name="name_keys")
    key_hash = models.CharField(max_length=64, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "key_hash"], name="person_name_key_unique")]

    def __str__(self) -> str:
        return f"name key of {self.person_id}"


class EventKind(models.TextChoices):
    OPENED = "opened"
    TRANSITION = "transition"
    NOTE = "note"
    ASSIGNED = "assigned"
    TRANSFERRED = "transferred"
    MERGED = "merged"
    CALL = "call"
    MESSAGE = "message"
    ESCALATED = "escalated"
    UPDATED = "updated"
    TASK_DONE = "task_done"


class CaseEvent(BaseModel):
    """One line of a case's timeline. Never edited."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=12, choices=EventKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+")
    from_state = models.CharField(max_length=12, blank=True)
    to_state = models.CharField(max_length=12, blank=True)
    body = EncryptedTextField()
    data = models.JSONField(default=dict, blank=True)
    public = models.BooleanField(default=False, help_text="Shown to the citizen on the follow-up page.")

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} on {self.case_id}"


class CaseTask(BaseModel):
    """A duty with a deadline, added by the case's category (e.g. 'seek a consular visit')."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tasks")
    code = models.CharField(max_length=40)
    title_en = models.CharField(max_length=200)
    title_zh = models.CharField(max_length=200)
    due_at = models.DateTimeField(db_index=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+")

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [models.UniqueConstraint(fields=["case", "code"], name="case_task_once")]

    def __str__(self) -> str:
        return f"{self.code} on {self.case_id}"


class Call(PersonalDataModel):
    direction = models.CharField(max_length=8, choices=CallDirection.choices, default=CallDirection.INBOUND)
    caller_name = EncryptedTextField()
    caller_phone = EncryptedTextField()
    caller_phone_hash = KeyedHashField(source="caller_phone", kind="phone")
    language = models.CharField(max_length=16, default="zh")
    started_at = models.DateTimeField(db_index=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    topic = models.CharField(max_length=12, choices=CallTopic.choices, db_index=True)
    summary = EncryptedTextField()
    operator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="calls")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, null=True, blank=True, related_name="calls")

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.CheckConstraint(condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at")),
                                   name="call_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"call {self.pk}"

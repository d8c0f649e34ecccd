"""List imports of a major incident: each file imported (or refused), each row taken from it, and the possible
matches waiting in the review queue. Loaded by `consular.incidents.models` (its last line), so the models belong
to the incidents app; the import service is `consular.incidents.imports`.

Re-importing the same rows changes nothing: an ImportRow is unique per incident and row fingerprint (the
SHA-256 of the row's normalised values, the same for a CSV or an XLSX of the list, in any row order), so a
row already taken from any file of the incident is counted as skipped and written nowhere."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from consular.core.fields import EncryptedTextField
from consular.core.models import BaseModel
from consular.incidents.models import AffectedPerson, Incident


class ListKind(models.TextChoices):
    MANIFEST = "manifest", _("Passenger manifest")
    HOTEL = "hotel", _("Hotel list")
    TOUR = "tour", _("Tour group list")
    HOSPITAL = "hospital", _("Hospital list")
    MORGUE = "morgue", _("Morgue list")
    OTHER = "other", _("Other list")


class ImportMode(models.TextChoices):
    ALL_OR_NOTHING = "all_or_nothing", _("Import nothing while a row is bad")
    GOOD_ROWS_ONLY = "good_rows_only", _("Import the good rows, report the bad ones")


class ImportStatus(models.TextChoices):
    REJECTED = "rejected", _("Rejected: bad rows, nothing imported")
    IMPORTED = "imported", _("Imported")


class RowOutcome(models.TextChoices):
    """What became of a row. A row already imported for the incident gets no ImportRow (only the count
    `skipped_same` of its import), which is what makes a re-import change nothing."""

    LINKED = "linked", _("Linked to a person of the registry")
    CREATED = "created", _("Created a new person")
    REVIEW = "review", _("Possible match, waiting for an officer")


class CandidateKind(models.TextChoices):
    """What a review's candidate is: a person of the registry (confirm links the row to them) or a trip
    registration (confirm links the person the row became to it)."""

    PERSON = "person", _("A person of the registry")
    REGISTRATION = "registration", _("A trip registration")


class ReviewState(models.TextChoices):
    PENDING = "pending", _("Waiting for an officer")
    CONFIRMED = "confirmed", _("Confirmed: the same person")
    REJECTED = "rejected", _("Rejected: a new person")


class ListImport(BaseModel):
    """One file imported into an incident's registry, or refused (`rejected`: bad rows under all-or-nothing,
    nothing else written). Counts only; no personal data: the row errors name the line, the column as written
    in the file, the target field and the message, never the cell's value."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="list_imports")
    kind = models.CharField(max_length=10, choices=ListKind.choices)
    filename = models.CharField(max_length=255)
    file_format = models.CharField(max_length=4, help_text="csv or xlsx, as read from the content.")
    sha256 = models.CharField(max_length=64, db_index=True, help_text="SHA-256 of the file's bytes.")
    mapping = models.JSONField(default=dict, help_text="Target field → the file's column header.")
    mode = models.CharField(max_length=16, choices=ImportMode.choices)
    status = models.CharField(max_length=8, choices=ImportStatus.choices)
    total = models.PositiveIntegerField(default=0, help_text="Data rows in the file.")
    linked = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    review = models.PositiveIntegerField(default=0)
    skipped_same = models.PositiveIntegerField(default=0, help_text="Rows already imported for this incident.")
    registrations_linked = models.PositiveIntegerField(
        default=0, help_text="Rows whose person was linked to a trip registration (a confident match).")
    registration_reviews = models.PositiveIntegerField(
        default=0, help_text="Rows whose possible trip registration went to the review queue.")
    bad = models.PositiveIntegerField(default=0, help_text="Rows with at least one error.")
    errors = models.JSONField(
        default=list,
        help_text='[{"line", "column", "field", "messages": {language: text}}], at most IMPORT_ERRORS_KEPT.',
    )
    errors_total = models.PositiveIntegerField(default=0, help_text="Row errors found (some may not be kept).")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")

    class Meta:
        ordering = ["-created_at", "id"]
        indexes = [models.Index(fields=["incident", "created_at"], name="list_import_incident_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="imported") | Q(linked=0, created=0, review=0, skipped_same=0),
                name="rejected_import_wrote_nothing",
            ),
        ]

    def __str__(self) -> str:
        return f"import {self.pk} of {self.incident_id}"

    def error_list(self, language: str | None = None) -> list[dict[str, Any]]:
        """The row errors with each message in `language` (default: the active one; else English)."""
        wanted = (language or get_language() or "en").lower()
        out = []
        for error in self.errors:
            messages: dict[str, str] = error.get("messages") or {}
            message = messages.get(wanted) or messages.get(wanted.split("-")[0]) or messages.get("en") or ""
            out.append({"line": error["line"], "column": error["column"], "field": error["field"],
                        "message": message})
        return out


class ImportRow(BaseModel):
    """One row taken from a list: what it became. Unique per incident and fingerprint."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    list_import = models.ForeignKey(ListImport, on_delete=models.PROTECT, related_name="rows")
    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="+")
    line = models.PositiveIntegerField()
    fingerprint = models.CharField(max_length=64)
    outcome = models.CharField(max_length=8, choices=RowOutcome.choices)
    person = models.ForeignKey(AffectedPerson, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="import_rows")

    class Meta:
        ordering = ["list_import", "line"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "fingerprint"], name="import_row_once_per_incident"),
            models.CheckConstraint(condition=Q(outcome="review") | Q(person__isnull=False),
                                   name="import_row_linked_or_created_has_person"),
        ]

    def __str__(self) -> str:
        return f"line {self.line} of {self.list_import_id}"


class MatchReview(BaseModel):
    """A possible match of an imported row with a person of the registry, for an officer to confirm (the same
    person: the row is linked to it) or reject (a new person is created from the row). The row's values are
    kept encrypted (JSON in an EncryptedTextField) until the decision, and after it for the record."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="match_reviews")
    import_row = models.ForeignKey(ImportRow, on_delete=models.PROTECT, related_name="reviews")
    values = EncryptedTextField(help_text="The row's normalised values, JSON.")
    candidate_kind = models.CharField(max_length=12, choices=CandidateKind.choices, default=CandidateKind.PERSON)
    candidate = models.ForeignKey(AffectedPerson, on_delete=models.PROTECT, related_name="+",
                                  help_text="kind person: the candidate; kind registration: the row's person.")
    registration = models.ForeignKey("travel.Registration", on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", help_text="kind registration: the candidate registration.")
    score = models.FloatField()
    reasons = models.JSONField(default=list)
    others = models.JSONField(default=list, help_text='Other candidates worth a look: [{"person", "score"}].')
    state = models.CharField(max_length=10, choices=ReviewState.choices, default=ReviewState.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    note = EncryptedTextField()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["incident", "state"], name="match_review_queue_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(state="pending") | Q(decided_at__isnull=False),
                                   name="decided_review_has_decided_at"),
            models.CheckConstraint(condition=Q(score__gte=0, score__lte=1), name="match_review_score_range"),
            models.UniqueConstraint(fields=["import_row", "candidate_kind"], name="match_review_once_per_row_kind"),
            models.UniqueConstraint(fields=["candidate", "registration"], condition=Q(candidate_kind="registration"),
                                    name="registration_review_once_per_pair"),
            models.CheckConstraint(condition=Q(candidate_kind="person", registration__isnull=True)
                                   | Q(candidate_kind="registration", registration__isnull=False),
                                   name="registration_review_has_registration"),
        ]

    def __str__(self) -> str:
        return f"review {self.pk} ({self.state})"


def pending_review_count(incident: Incident) -> int:
    """The incident's review queue: possible matches waiting for an officer (one indexed count)."""
    return MatchReview.objects.filter(incident=incident, state=ReviewState.PENDING).count()


def _register_review_queue() -> None:
    # The models module is always loaded (by the app registry) before the selectors, so this import finds the
    # selectors complete; it runs once, when the models are loaded, so every process's dashboard counts reviews.
    from consular.incidents.selectors import review_queue_register

    review_queue_register(pending_review_count)


_register_review_queue()

"""What the PFIF importer remembers per incident: which outside person record is which registry person, and
which outside notes were already read. Both make a re-import of the same document change nothing."""

from __future__ import annotations

import uuid

from django.db import models

from consular.core.models import BaseModel
from consular.incidents.models import AffectedPerson, Incident, PersonStatusChange

# Longest PFIF record id kept (the specification sets no limit; longer ids are reported, not imported).
RECORD_ID_MAX = 500


class PfifRecord(BaseModel):
    """An outside PFIF person record (`person_record_id`) and the registry person it was linked to or created
    as. One row per record id and incident; many records may point to one person (two sites, one person)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="pfif_records")
    record_id = models.CharField(max_length=RECORD_ID_MAX)
    person = models.ForeignKey(AffectedPerson, on_delete=models.PROTECT, related_name="pfif_records")
    how = models.CharField(max_length=8, help_text="created, matched (by name) or own (one of our records).")
    source_name = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "record_id"], name="pfif_record_once_per_incident"),
        ]

    def __str__(self) -> str:
        return self.record_id


class PfifNoteSeen(BaseModel):
    """An outside PFIF note already read for this incident (`note_record_id`), whether or not it changed a
    status (`status_change` is the history row it wrote, if any). `source_date` is the note's own time: the
    importer applies a note's status only when it is not older than what the registry already knows."""

    id = models.BigAutoField(primary_key=True)
    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="pfif_notes_seen")
    note_record_id = models.CharField(max_length=RECORD_ID_MAX)
    person = models.ForeignKey(AffectedPerson, on_delete=models.PROTECT, related_name="+")
    source_date = models.DateTimeField()
    status_change = models.ForeignKey(
        PersonStatusChange, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["source_date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "note_record_id"], name="pfif_note_once_per_incident"),
        ]
        indexes = [models.Index(fields=["person", "source_date"], name="pfif_note_person_date_idx")]

    def __str__(self) -> str:
        return self.note_record_id

"""Stable codes for categories, urgencies, states and channels. Clients rely on them: never rename one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class Category(models.TextChoices):
    TRAFFIC_ACCIDENT = "traffic_accident", _("Traffic accident")
    CRIME_VICTIM = "crime_victim", _("Victim of crime")
    DETENTION = "detention", _("Arrest or detention")
    DEATH = "death", _("Death")
    ILLNESS_INJURY = "illness_injury", _("Serious illness or injury")
    MISSING_CONTACT = "missing_contact", _("Missing or lost contact")
    KIDNAPPING = "kidnapping", _("Kidnapping")
    NATURAL_DISASTER = "natural_disaster", _("Natural disaster")
    TERRORISM = "terrorism", _("Terrorism or violent attack")
    LABOUR_DISPUTE = "labour_dispute", _("Labour dispute")
    LOST_DOCUMENTS = "lost_documents", _("Lost or stolen documents")
    ENTRY_REFUSED = "entry_refused", _("Entry refused or immigration trouble")
    CIVIL_DISPUTE = "civil_dispute", _("Civil or commercial dispute")
    CONSULTATION = "consultation", _("Consultation only")
    OTHER = "other", _("Other")


class CrimeType(models.TextChoices):
    THEFT = "theft", _("Theft")
    ROBBERY = "robbery", _("Robbery")
    FRAUD = "fraud", _("Fraud")
    ASSAULT = "assault", _("Assault")
    SEXUAL_VIOLENCE = "sexual_violence", _("Sexual violence")
    OTHER = "other", _("Other crime")


class Urgency(models.TextChoices):
    P1 = "p1", _("P1 — life at risk")
    P2 = "p2", _("P2 — urgent")
    P3 = "p3", _("P3 — soon")
    P4 = "p4", _("P4 — routine")


class State(models.TextChoices):
    NEW = "new", _("New")
    TRIAGED = "triaged", _("Triaged")
    ASSIGNED = "assigned", _("Assigned")
    IN_PROGRESS = "in_progress", _("In progress")
    WAITING = "waiting", _("Waiting for information")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")
    MERGED = "merged", _("Merged as duplicate")


class Channel(models.TextChoices):
    HOTLINE = "hotline", _("Hotline call")
    WEB = "web", _("Web form")
    APP = "app", _("Mobile app")
    WALK_IN = "walk_in", _("Walk-in")
    EMAIL = "email", _("Email")
    MISSION = "mission", _("Opened by a mission")


class PersonRole(models.TextChoices):
    SUBJECT = "subject", _("Citizen concerned")
    REPORTER = "reporter", _("Reporter")
    NEXT_OF_KIN = "next_of_kin", _("Next of kin")


class CallDirection(models.TextChoices):
    INBOUND = "inbound", _("Inbound")
    OUTBOUND = "outbound", _("Outbound")


class CallTopic(models.TextChoices):
    EMERGENCY = "emergency", _("Emergency")
    CONSULTATION = "consultation", _("Consultation")
    COMPLAINT = "complaint", _("Complaint")
    OTHER = "other", _("Other")


def state_label(code: str) -> StrOrPromise:
    """The state's label, translated where it is shown; the code itself for a state this version does not know."""
    return State(code).label if code in State.values else code


OPEN_STATES = frozenset({State.NEW, State.TRIAGED, State.ASSIGNED, State.IN_PROGRESS, State.WAITING})
TERMINAL_STATES = frozenset({State.CANCELLED, State.MERGED})

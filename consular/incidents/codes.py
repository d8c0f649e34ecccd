"""Stable codes for incidents, affected persons, inquiries and call-backs. Clients rely on them: never rename one."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class IncidentKind(models.TextChoices):
    AIR_CRASH = "air_crash", _("Air crash")
    TRANSPORT_ACCIDENT = "transport_accident", _("Transport accident")
    NATURAL_DISASTER = "natural_disaster", _("Natural disaster")
    TERRORISM = "terrorism", _("Terrorism or violent attack")
    FIRE = "fire", _("Fire")
    MASS_CASUALTY = "mass_casualty", _("Mass-casualty event")
    UNREST = "unrest", _("Civil unrest")
    EPIDEMIC = "epidemic", _("Epidemic")
    OTHER = "other", _("Other")


class IncidentStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class PersonStatus(models.TextChoices):
    UNACCOUNTED = "unaccounted", _("Unaccounted for")
    UNCONFIRMED = "unconfirmed", _("Unconfirmed report")
    SAFE = "safe", _("Safe")
    INJURED = "injured", _("Injured")
    HOSPITALISED = "hospitalised", _("Hospitalised")
    MISSING = "missing", _("Missing")
    DECEASED = "deceased", _("Deceased")


# The status shown to the public and to inquirers for a deceased person whose next of kin has not yet been told.
AWAITING_NOTIFICATION = "awaiting_notification"
# Every code `public_status` may return: the person statuses and the gated one.
PUBLIC_STATUSES: tuple[str, ...] = (*PersonStatus.values, AWAITING_NOTIFICATION)
# Display texts of the public codes, Chinese and English. Kept here (not in the .po catalogue) because the
# inquiry answer carries both, whatever the officer's language, and the wording is part of the gating rule.
PUBLIC_STATUS_TEXT: dict[str, dict[str, str]] = {
    PersonStatus.UNACCOUNTED: {"zh": "尚未核实", "en": "not yet accounted for"},
    PersonStatus.UNCONFIRMED: {"zh": "有未经证实的消息", "en": "unconfirmed report"},
    PersonStatus.SAFE: {"zh": "平安", "en": "safe"},
    PersonStatus.INJURED: {"zh": "受伤", "en": "injured"},
    PersonStatus.HOSPITALISED: {"zh": "住院治疗", "en": "in hospital"},
    PersonStatus.MISSING: {"zh": "失踪", "en": "missing"},
    PersonStatus.DECEASED: {"zh": "遇难", "en": "deceased"},
    AWAITING_NOTIFICATION: {"zh": "请等候我们的电话", "en": "please wait for our call"},
}


class Sex(models.TextChoices):
    MALE = "m", _("Male")
    FEMALE = "f", _("Female")
    OTHER = "x", _("Other")
    UNKNOWN = "unknown", _("Unknown")


class SourceKind(models.TextChoices):
    """Where a status came from: a list import, a call, an officer's own finding, a citizen's check-in ("I am
    safe"), a family's inquiry, or a PFIF record from another person-finder site."""

    IMPORT = "import", _("List import")
    CALL = "call", _("Call")
    OFFICER = "officer", _("Officer")
    CHECKIN = "checkin", _("Check-in")
    INQUIRY = "inquiry", _("Inquiry")
    PFIF = "pfif", _("PFIF record")


# Sources that must say which record they are (the import and line, the call, the inquiry, the PFIF record).
SOURCES_NEEDING_REF = frozenset({SourceKind.IMPORT, SourceKind.CALL, SourceKind.INQUIRY, SourceKind.PFIF})


class InquiryChannel(models.TextChoices):
    PHONE = "phone", _("Phone")
    WEB = "web", _("Web")
    EMAIL = "email", _("Email")
    WALK_IN = "walk_in", _("Walk-in")


class InquiryState(models.TextChoices):
    OPEN = "open", _("Open")
    MATCHED = "matched", _("Matched to a person")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", _("Closed")


# Inquiries still owed an answer (the dashboard's "inquiries waiting").
WAITING_INQUIRY_STATES = frozenset({InquiryState.OPEN, InquiryState.MATCHED})


class CallBackReason(models.TextChoices):
    STATUS_CHANGE = "status_change", _("The person's status changed")
    NEXT_OF_KIN_INFORMED = "nok_informed", _("The next of kin was told of the death")


class NameKeyOwner:
    """Owner types of name-key rows. Plain strings (no choices), so a new owner needs no migration."""

    AFFECTED_PERSON = "affected_person"
    REGISTRANT = "registrant"  # trip and residence registrations (issue 5)

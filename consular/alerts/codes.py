"""Stable codes of safety alerts, their editions, travel advice and deliveries. Clients (the API, the CAP and Atom
feeds, the channel workers) rely on them: never rename one."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    """How serious, lowest first. Also the travel-advice level of a country."""

    NOTICE = "notice", _("Notice")
    CAUTION = "caution", _("Caution")
    WARNING = "warning", _("Warning")
    EVACUATE = "evacuate", _("Evacuate")


class Category(models.TextChoices):
    SECURITY = "security", _("Security")
    NATURAL_DISASTER = "natural_disaster", _("Natural disaster")
    HEALTH = "health", _("Health")
    CIVIL_UNREST = "civil_unrest", _("Civil unrest")
    TERRORISM = "terrorism", _("Terrorism")
    TRANSPORT = "transport", _("Transport")
    CRIME = "crime", _("Crime")
    ENVIRONMENT = "environment", _("Environment and weather")
    OTHER = "other", _("Other")


class AlertState(models.TextChoices):
    """An alert's state as a whole: a draft until its first edition is approved and published; `updated` once
    a later edition was published; `expired` when the edition in force is past its validity (a query-time rule,
    also stored by `alerts_expire`)."""

    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")
    PUBLISHED = "published", _("Published")
    UPDATED = "updated", _("Updated")
    CANCELLED = "cancelled", _("Cancelled")
    EXPIRED = "expired", _("Expired")


# An alert in these states may be read by the public (feeds, pages).
PUBLIC_ALERT_STATES = frozenset({AlertState.PUBLISHED, AlertState.UPDATED, AlertState.CANCELLED, AlertState.EXPIRED})
# An alert in these states is in force: its published edition reaches people.
IN_FORCE_STATES = frozenset({AlertState.PUBLISHED, AlertState.UPDATED})


class EditionState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")
    PUBLISHED = "published", _("Published")
    SUPERSEDED = "superseded", _("Superseded by a later edition")
    WITHDRAWN = "withdrawn", _("Withdrawn before publication")


class MsgType(models.TextChoices):
    """The CAP `msgType` of an edition."""

    ALERT = "alert", _("Alert")
    UPDATE = "update", _("Update")
    CANCEL = "cancel", _("Cancel")


class DeliveryChannel(models.TextChoices):
    """The same codes as a registration's `channels` (consular.travel.codes.Channel)."""

    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")
    PUSH = "push", _("Web push")
    WEBHOOK = "webhook", _("Ministry channels (WeChat, Weibo, app)")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")
    SUPPRESSED = "suppressed", _("Suppressed")


# Final statuses: a delivery in one of them is never claimed again.
FINAL_DELIVERY_STATUSES = frozenset({DeliveryStatus.DELIVERED, DeliveryStatus.FAILED, DeliveryStatus.SUPPRESSED})
# The statuses the deliveries report counts per channel (`sending` is reported as pending).
REPORTED_DELIVERY_STATUSES = ("delivered", "failed", "pending", "suppressed")


class Outcome(models.TextChoices):
    """What a worker reports for one delivery it tried to send."""

    DELIVERED = "delivered", _("Delivered")
    TEMPORARY = "temporary", _("Temporary failure: retry later")
    PERMANENT = "permanent", _("Permanent failure")
    SUPPRESSED = "suppressed", _("Suppressed (opted out, no contact)")

"""Safety alerts: the alert and its editions (each one CAP message), the area each edition covers, the travel-advice
level of every country with its history, and one delivery row per person, channel and edition.

An alert is a sequence of editions. Edition 1 is the first message (CAP `Alert`); every later one updates it (CAP
`Update`) or cancels it (CAP `Cancel`), and each must be approved by an officer other than its author before it is
published (a cancel is published at once: withdrawing a warning never waits). Only the services change states.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from consular.alerts.codes import (
    AlertState,
    Category,
    DeliveryChannel,
    DeliveryStatus,
    EditionState,
    Level,
    MsgType,
)
from consular.cases.models import Case
from consular.core.fields import EncryptedTextField
from consular.core.models import BaseModel, Country, Mission
from consular.incidents.models import AffectedPerson, Incident
from consular.travel.models import Registration


class Alert(BaseModel):
    """One alert. `mission` is the author's mission (HQ for HQ officers): mission officers see their mission's
    alerts. `published_edition` is the edition in force (none before the first publication)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    reference = models.CharField(max_length=20, unique=True, help_text="ALT-YYYY-NNNN, numbered per year.")
    mission = models.ForeignKey(Mission, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=10, choices=AlertState.choices, default=AlertState.DRAFT, db_index=True)
    published_edition = models.ForeignKey("AlertEdition", on_delete=models.PROTECT, null=True, blank=True,
                                          related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+")

    class Meta:
        ordering = ["-created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(state="cancelled") | Q(cancelled_at__isnull=False),
                                   name="cancelled_alert_has_cancelled_at"),
            models.CheckConstraint(
                condition=~Q(state__in=["published", "updated", "expired"]) | Q(published_edition__isnull=False),
                name="published_alert_has_edition",
            ),
        ]

    def __str__(self) -> str:
        return self.reference


class AlertEdition(BaseModel):
    """One edition of an alert: its full content (Chinese required, English optional), validity and area.
    `area` is {"countries": [ISO 3166-1], "subdivisions": [ISO 3166-2], "circles": [{"lat", "lon", "radius_km"}],
    "polygons": [[[lat, lon], …]]}; `countries` (the rows of AlertEditionCountry) are the countries the edition
    concerns: those of the area, of its subdivisions, and those named for its circles and polygons. They decide
    the per-country feeds, the country subscribers reached and the jurisdiction check."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    alert = models.ForeignKey(Alert, on_delete=models.PROTECT, related_name="editions")
    number = models.PositiveIntegerField()
    msg_type = models.CharField(max_length=8, choices=MsgType.choices, default=MsgType.ALERT)
    state = models.CharField(max_length=10, choices=EditionState.choices, default=EditionState.DRAFT)
    level = models.CharField(max_length=10, choices=Level.choices)
    category = models.CharField(max_length=20, choices=Category.choices)
    headline_zh = models.CharField(max_length=200)
    headline_en = models.CharField(max_length=200, blank=True)
    body_zh = models.TextField()
    body_en = models.TextField(blank=True)
    instructions_zh = models.TextField(blank=True)
    instructions_en = models.TextField(blank=True)
    valid_from = models.DateTimeField()
    valid_until = models.DateTimeField(db_index=True)
    area = models.JSONField(default=dict)
    countries: models.ManyToManyField[Country, AlertEditionCountry] = models.ManyToManyField(
        Country, through="AlertEditionCountry", related_name="+")
    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, null=True, blank=True, related_name="alerts")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+")
    published_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["alert", "number"]
        constraints = [
            models.UniqueConstraint(fields=["alert", "number"], name="alert_edition_number_once"),
            models.UniqueConstraint(fields=["alert"], condition=Q(state="published"),
                                    name="one_published_edition_per_alert"),
            models.CheckConstraint(condition=Q(valid_until__gt=F("valid_from")), name="alert_edition_validity_order"),
            # The four-eyes rule, in the database too: nobody approves their own edition.
            models.CheckConstraint(condition=Q(approved_by__isnull=True) | ~Q(approved_by=F("author")),
                                   name="alert_edition_second_officer_approves"),
            models.CheckConstraint(
                condition=~Q(state__in=["approved", "published", "superseded"]) | Q(msg_type="cancel")
                | Q(approved_by__isnull=False),
                name="alert_edition_published_was_approved",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.alert_id} edition {self.number}"

    def text(self, name: str, language: str) -> str:
        """`headline`, `body` or `instructions` in `language` ("zh…" or "en…"), Chinese when no English."""
        zh = getattr(self, f"{name}_zh")
        if language.lower().startswith("en"):
            return getattr(self, f"{name}_en") or zh
        return zh


class AlertEditionCountry(models.Model):
    """A country an edition concerns (see AlertEdition)."""

    id = models.BigAutoField(primary_key=True)
    edition = models.ForeignKey(AlertEdition, on_delete=models.CASCADE, related_name="+")
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["edition", "country"], name="alert_edition_country_once")]
        indexes = [models.Index(fields=["country", "edition"], name="alert_edition_country_idx")]

    def __str__(self) -> str:
        return f"{self.edition_id} concerns {self.country_id}"


class CountryAdvice(BaseModel):
    """The travel-advice level of a country from `effective_at` on. A change is a new row, never an update: the
    rows of a country are its history, the latest its current advice."""

    id = models.BigAutoField(primary_key=True)
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="+")
    level = models.CharField(max_length=10, choices=Level.choices)
    summary_zh = models.TextField()
    summary_en = models.TextField(blank=True)
    alert = models.ForeignKey(Alert, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    effective_at = models.DateTimeField()

    class Meta:
        ordering = ["country", "-effective_at", "-id"]
        indexes = [models.Index(fields=["country", "-effective_at", "-id"], name="country_advice_current_idx")]

    def __str__(self) -> str:
        return f"{self.country_id}: {self.level}"


class Delivery(models.Model):
    """One message of one edition to one person on one channel: a registration (a traveller whose trip meets the
    area and validity) or a user (a subscriber to one of the countries). Created all at once, set-based, by
    `deliveries.deliveries_fan_out`; sent by the channel workers through `deliveries_claim` and
    `delivery_result`. The personal check-in link is derived from the id (`deliveries.delivery_token`); only a
    keyed hash of it is kept."""

    id = models.BigAutoField(primary_key=True)
    alert = models.ForeignKey(Alert, on_delete=models.PROTECT, related_name="deliveries")
    edition = models.ForeignKey(AlertEdition, on_delete=models.PROTECT, related_name="deliveries")
    registration = models.ForeignKey(Registration, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                             related_name="+")
    channel = models.CharField(max_length=8, choices=DeliveryChannel.choices)
    language = models.CharField(max_length=16, default="zh-hans")
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    lease_until = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    provider_id = models.CharField(max_length=200, blank=True)
    token_hash = models.CharField(max_length=64, blank=True)
    # SMS only, set when the message is first claimed: the reply code in its text (unique among the codes of the
    # number it went to) and the keyed hash of that number, which an SMS reply is matched on (`sms_replies`).
    # Database defaults: the fan-out's INSERT … SELECT does not name them.
    reply_code = models.CharField(max_length=6, blank=True, default="", db_default="")
    phone_hash = models.CharField(max_length=64, blank=True, default="", db_default="")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "deliveries"
        indexes = [
            models.Index(fields=["next_attempt_at", "id"], name="delivery_due_idx",
                         condition=Q(status__in=["pending", "sending"])),
            models.Index(fields=["alert", "channel", "status"], name="delivery_report_idx"),
            models.Index(fields=["token_hash"], name="delivery_token_idx", condition=~Q(token_hash="")),
        ]
        constraints = [
            models.UniqueConstraint(fields=["edition", "registration", "channel"], name="delivery_once_per_registrant",
                                    condition=Q(registration__isnull=False)),
            models.UniqueConstraint(fields=["edition", "user", "channel"], name="delivery_once_per_subscriber",
                                    condition=Q(user__isnull=False)),
            models.CheckConstraint(condition=Q(registration__isnull=False, user__isnull=True)
                                   | Q(registration__isnull=True, user__isnull=False),
                                   name="delivery_one_recipient"),
            models.CheckConstraint(condition=Q(status__in=DeliveryStatus.values), name="delivery_status_valid"),
            models.CheckConstraint(condition=~Q(status="sending") | Q(lease_until__isnull=False),
                                   name="delivery_sending_has_lease"),
            # A reply code names one message of a phone number, for good (also an expired one: "expired").
            models.UniqueConstraint(fields=["phone_hash", "reply_code"], name="delivery_reply_code_once_per_phone",
                                    condition=~Q(phone_hash="") & ~Q(reply_code="")),
        ]

    def __str__(self) -> str:
        return f"delivery {self.pk} ({self.channel}, {self.status})"


class CheckInStatus(models.TextChoices):
    SAFE = "safe", _("I am safe")
    NEED_HELP = "need_help", _("I need help")


class CheckInRegistry(models.TextChoices):
    """What a check-in did to the incident registry: `updated` (the person found there is now safe), `added`
    (listed as safe), `not_shared` (the registrant did not consent to being listed)."""

    UPDATED = "updated", _("Registry updated")
    ADDED = "added", _("Added to the registry")
    NOT_SHARED = "not_shared", _("Not shared with the registry")


class CheckIn(models.Model):
    """One answer to an alert through a delivery's personal link or its SMS reply code ("I am safe" / "I need
    help"). Every answer is kept (history), each with what it did: the affected person it updated or added, the
    case it opened or added to. No client address is kept here (the audit row of the request has what the audit
    needs); the message is encrypted. Made only by `consular.alerts.checkins` (`checkin_record`,
    `checkin_record_delivery`)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    delivery = models.ForeignKey(Delivery, on_delete=models.PROTECT, related_name="checkins")
    registration = models.ForeignKey(Registration, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                             related_name="+")
    status = models.CharField(max_length=10, choices=CheckInStatus.choices)
    message = EncryptedTextField(help_text="What the citizen wrote (at most 2000 characters).")
    registry = models.CharField(max_length=10, choices=CheckInRegistry.choices, blank=True)
    affected_person = models.ForeignKey(AffectedPerson, on_delete=models.PROTECT, null=True, blank=True,
                                        related_name="+")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["registration", "created_at"], name="checkin_registration_idx"),
                   models.Index(fields=["delivery", "created_at"], name="checkin_delivery_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(registration__isnull=False, user__isnull=True)
                                   | Q(registration__isnull=True, user__isnull=False),
                                   name="checkin_one_person"),
            models.CheckConstraint(condition=Q(status__in=CheckInStatus.values), name="checkin_status_valid"),
            models.CheckConstraint(condition=Q(registry__in=["", *CheckInRegistry.values]),
                                   name="checkin_registry_valid"),
        ]

    def __str__(self) -> str:
        return f"check-in {self.pk} ({self.status})"


class SmsReplyOutcome(models.TextChoices):
    RECORDED = "recorded", _("Recorded")
    NOT_UNDERSTOOD = "not_understood", _("Not understood")
    EXPIRED = "expired", _("Expired")
    CODE_REQUIRED = "code_required", _("Code required")
    LOCKED = "locked", _("Locked")


class SmsReply(models.Model):
    """One inbound SMS from the gateway: a citizen's answer to an alert by reply code ("1 4821"), kept once per
    gateway message id (a gateway retry finds it and changes nothing). What it resolved to (`outcome`, the
    delivery, the check-in it recorded) and the automatic answer sent back. The text itself is not kept (the
    check-in keeps the citizen's message, encrypted); the sender's number is kept encrypted only until the answer
    is sent, its keyed hash stays (the limit of answers per number). Made only by `sms_replies.sms_reply_receive`."""

    id = models.BigAutoField(primary_key=True)
    gateway_id = models.CharField(max_length=200, unique=True)
    phone = EncryptedTextField(help_text="The sender's number, emptied once the answer is sent.")
    phone_hash = models.CharField(max_length=64)
    received_at = models.DateTimeField(null=True, blank=True, help_text="When the gateway received it.")
    outcome = models.CharField(max_length=16, choices=SmsReplyOutcome.choices)
    delivery = models.ForeignKey(Delivery, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    checkin = models.ForeignKey(CheckIn, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    language = models.CharField(max_length=16, default="zh-hans")
    answer = models.CharField(max_length=400, blank=True, help_text="The SMS sent back (empty: none sent).")
    answer_status = models.CharField(max_length=10, blank=True, help_text="pending, sent, failed or skipped.")
    answer_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["phone_hash", "created_at"], name="sms_reply_phone_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(outcome__in=SmsReplyOutcome.values), name="sms_reply_outcome_valid"),
        ]

    def __str__(self) -> str:
        return f"sms reply {self.pk} ({self.outcome})"

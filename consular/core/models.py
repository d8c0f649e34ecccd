"""Core models: reference data (countries, subdivisions, missions and their jurisdictions) and the audit log."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class BaseModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class PersonalDataModel(BaseModel):
    """Records that hold personal data get a UUID key, so identifiers cannot be enumerated."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)

    class Meta:
        abstract = True


def _localized(zh: str, en: str) -> str:
    language = (get_language() or "zh-hans").lower()
    if language.startswith("zh"):
        return zh or en
    return en or zh


class Country(models.Model):
    """An ISO 3166-1 country or territory; names come from CLDR (babel), never typed by hand."""

    code = models.CharField(max_length=2, primary_key=True)
    alpha3 = models.CharField(max_length=3, unique=True)
    numeric = models.CharField(max_length=3)
    name_zh = models.CharField(max_length=128)
    name_en = models.CharField(max_length=128)

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "countries"
        constraints = [models.CheckConstraint(condition=Q(code__regex=r"^[A-Z]{2}$"), name="country_code_iso2")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def name(self) -> str:
        return _localized(self.name_zh, self.name_en)


class Subdivision(models.Model):
    """An ISO 3166-2 subdivision (from pycountry's iso-codes). Jurisdictions use the first-level ones."""

    code = models.CharField(max_length=8, primary_key=True)
    country = models.ForeignKey(Country, on_delete=models.CASCADE, related_name="subdivisions")
    parent = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True, related_name="children")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=80)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class MissionKind(models.TextChoices):
    HQ = "hq", _("Headquarters")
    EMBASSY = "embassy", _("Embassy")
    CONSULATE_GENERAL = "consulate_general", _("Consulate-general")
    CONSULATE = "consulate", _("Consulate")


class Mission(BaseModel):
    """HQ or a mission abroad. Jurisdiction rows say which places it answers for."""

    code = models.CharField(max_length=16, unique=True)
    kind = models.CharField(max_length=20, choices=MissionKind.choices)
    name_zh = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200)
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="missions")
    city_zh = models.CharField(max_length=100, blank=True)
    city_en = models.CharField(max_length=100)
    timezone = models.CharField(max_length=64)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    website = models.URLField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(code__regex=r"^[A-Z0-9-]+$"), name="mission_code_format"),
            models.UniqueConstraint(fields=["kind"], condition=Q(kind="hq"), name="one_hq"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def name(self) -> str:
        return _localized(self.name_zh, self.name_en)

    @property
    def city(self) -> str:
        return _localized(self.city_zh, self.city_en)

    @property
    def is_hq(self) -> bool:
        return self.kind == MissionKind.HQ


class Jurisdiction(models.Model):
    """One place a mission answers for: a whole country (subdivision empty) or one subdivision."""

    mission = models.ForeignKey(Mission, on_delete=models.CASCADE, related_name="jurisdiction")
    country = models.ForeignKey(Country, on_delete=models.CASCADE, related_name="+")
    subdivision = models.ForeignKey(Subdivision, on_delete=models.CASCADE, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["mission__code", "country_id", "subdivision_id"]
        constraints = [
            # A subdivision belongs to exactly one mission's district.
            models.UniqueConstraint(
                fields=["subdivision"], condition=Q(subdivision__isnull=False), name="subdivision_one_mission"
            ),
            models.UniqueConstraint(
                fields=["mission", "country"], condition=Q(subdivision__isnull=True), name="country_once_per_mission"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.mission_id}: {self.subdivision_id or self.country_id}"


class AuditEntry(models.Model):
    """Append-only record of a write or of a read of personal data.

    Requests only INSERT rows; the hash chain (seq, prev_hash, entry_hash) is filled in afterwards by
    `audit_seal`, one sealer at a time, so concurrent requests never queue behind a chain lock.
    """

    id = models.BigAutoField(primary_key=True)
    created_at = models.DateTimeField(db_index=True)
    actor_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    actor_username = models.CharField(max_length=150, blank=True, db_index=True)
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=64, blank=True, db_index=True)
    object_id = models.CharField(max_length=64, blank=True, db_index=True)
    request_id = models.CharField(max_length=64, blank=True, db_index=True)
    client_address = models.GenericIPAddressField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    seq = models.BigIntegerField(null=True, blank=True, unique=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    entry_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "audit entries"
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.actor_username} {self.action} {self.object_type}:{self.object_id}"


class AuditChainHead(models.Model):
    """Single row: the last sealed sequence number and hash. Deleting the newest entries shows here."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, blank=True)
    sealed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(id=1), name="audit_head_singleton")]

    def __str__(self) -> str:
        return f"audit chain head: {self.last_seq} sealed"

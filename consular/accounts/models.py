"""Users with one role each, scoped to a mission; API tokens stored only as hashes."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from consular.core.fields import EncryptedTextField, KeyedHashField
from consular.core.models import BaseModel, Mission


class Role(models.TextChoices):
    HOTLINE_OPERATOR = "hotline_operator", _("Hotline operator")
    HQ_OFFICER = "hq_officer", _("HQ officer")
    MISSION_OFFICER = "mission_officer", _("Mission officer")
    VOLUNTEER = "volunteer", _("Volunteer")
    AUDITOR = "auditor", _("Auditor")
    CITIZEN = "citizen", _("Citizen")


HQ_ROLES = frozenset({Role.HOTLINE_OPERATOR, Role.HQ_OFFICER})
STAFF_ROLES = frozenset({Role.HOTLINE_OPERATOR, Role.HQ_OFFICER, Role.MISSION_OFFICER, Role.AUDITOR})
MISSION_ROLES = frozenset({Role.MISSION_OFFICER, Role.VOLUNTEER})


class User(AbstractUser):
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.CITIZEN)
    mission = models.ForeignKey(Mission, on_delete=models.PROTECT, null=True, blank=True, related_name="staff")
    phone = EncryptedTextField()
    phone_hash = KeyedHashField(source="phone", kind="phone")

    class Meta:
        ordering = ["username"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(role__in=["mission_officer", "volunteer"]) | Q(mission__isnull=False),
                name="mission_roles_have_mission",
            ),
            models.CheckConstraint(
                condition=Q(role__in=[r.value for r in Role]),
                name="user_role_valid",
            ),
        ]

    @property
    def is_hq(self) -> bool:
        return self.role in HQ_ROLES

    @property
    def is_staff_role(self) -> bool:
        return self.role in STAFF_ROLES


class ApiToken(BaseModel):
    """A bearer token. Only the SHA-256 of the token is stored; the token is shown once, at creation."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=12, help_text="First characters, to recognise a token in lists.")
    key_hash = models.CharField(max_length=64, unique=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

"""Stable lower-case codes of trip registration (the API and the OpenAPI schema use these)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RegistrationKind(models.TextChoices):
    TRIP = "trip", _("Trip")
    RESIDENCE = "residence", _("Residence abroad")


class RegistrationState(models.TextChoices):
    ACTIVE = "active", _("Active")
    CANCELLED = "cancelled", _("Cancelled")
    PURGED = "purged", _("Personal data purged")


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")
    PUSH = "push", _("Web push")
    WEBHOOK = "webhook", _("Ministry channels (WeChat, Weibo, app)")


class Relation(models.TextChoices):
    FAMILY = "family", _("Family")
    TOUR_GROUP = "tour_group", _("Tour group")
    COLLEAGUE = "colleague", _("Colleague")
    FRIEND = "friend", _("Friend")
    OTHER = "other", _("Other")

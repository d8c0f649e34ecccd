"""Stored answers to POSTs that carried an Idempotency-Key."""

from __future__ import annotations

from django.db import models

from consular.core.fields import EncryptedTextField


class IdempotencyRecord(models.Model):
    owner = models.CharField(max_length=64, help_text="Hash of the caller's credentials, or 'anonymous'.")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    content_type = models.CharField(max_length=100, blank=True)
    location = models.CharField(max_length=1000, blank=True, help_text="The answer's Location header.")
    body = EncryptedTextField(help_text="The answer's body, base64, encrypted: it may hold personal data.")
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["owner", "key"], name="idempotency_owner_key")]

    def __str__(self) -> str:
        return f"{self.method} {self.path} [{self.key}]"

"""Model fields for personal data: encrypted at rest, with an optional keyed-hash sibling for look-up."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import models

from consular.core import crypto


class EncryptedTextField(models.TextField):
    """Stores a Fernet token; the model sees plain text. Cannot be filtered on: give it a KeyedHashField
    sibling for exact look-up (passport number, phone)."""

    description = "Text encrypted at rest (Fernet)"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def to_plain(self, value: Any) -> str:
        return "" if value is None else str(value)

    def from_plain(self, value: str) -> Any:
        return value

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None or value == "":
            return self.from_plain("") if value == "" else None
        return self.from_plain(crypto.decrypt(value))

    def get_prep_value(self, value: Any) -> Any:
        if value is None:
            return None
        plain = self.to_plain(value)
        return crypto.encrypt(plain) if plain else ""


class EncryptedDateField(EncryptedTextField):
    """A date (e.g. a birth date) encrypted at rest as its ISO form."""

    description = "Date encrypted at rest (Fernet)"
    _pyi_private_set_type: datetime.date | str | None  # type: ignore[assignment]
    _pyi_private_get_type: datetime.date | None  # type: ignore[assignment]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("null", True)
        kwargs.setdefault("default", None)
        super().__init__(*args, **kwargs)

    def to_plain(self, value: Any) -> str:
        if value in (None, ""):
            return ""
        if isinstance(value, datetime.date):
            return value.isoformat()
        return datetime.date.fromisoformat(str(value)).isoformat()

    def from_plain(self, value: str) -> Any:
        return datetime.date.fromisoformat(value) if value else None

    def to_python(self, value: Any) -> Any:
        if value in (None, "") or isinstance(value, datetime.date):
            return value or None
        return datetime.date.fromisoformat(str(value))


class KeyedHashField(models.CharField):
    """The HMAC-SHA256 (hex) of another field's value (`source`), normalised as `kind` (passport, phone, text),
    recomputed on every save whatever the order of the fields, and indexed for exact look-up.

    Querysets' update() and bulk_update() do not call save(): services change such values with save()."""

    def __init__(self, *args: Any, source: str = "", kind: str = "text", **kwargs: Any) -> None:
        self.source, self.kind = source, kind
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        kwargs.setdefault("db_index", True)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"], kwargs["kind"] = self.source, self.kind
        return name, path, args, kwargs

    def hash_of(self, model_instance: models.Model) -> str:
        source = model_instance._meta.get_field(self.source)
        value = getattr(model_instance, self.source)
        plain = source.to_plain(value) if isinstance(source, EncryptedTextField) else str(value or "")
        return crypto.keyed_hash(plain, kind=self.kind) if plain else ""

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = self.hash_of(model_instance)
        setattr(model_instance, self.attname, value)
        return value


def encrypted_fields(model: type[models.Model]) -> list[EncryptedTextField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]


def keyed_hash_fields(model: type[models.Model]) -> list[KeyedHashField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, KeyedHashField)]

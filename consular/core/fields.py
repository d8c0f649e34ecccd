"""Model fields for personal data: encrypted at rest, with an optional keyed-hash sibling for look-up."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import models

from consular.core import crypto


class EncryptedTextField(models.TextField):
    """Stores a Fernet token; the model sees plain text. Cannot be filtered on: look up the hash sibling.

    `hash_field` names a CharField on the same model that is kept equal to keyed_hash(value, kind=hash_kind)
    whenever the model is saved, so exact look-up (passport number, phone) never needs decryption.
    """

    description = "Text encrypted at rest (Fernet)"

    def __init__(self, *args: Any, hash_field: str | None = None, hash_kind: str = "text", **kwargs: Any) -> None:
        self.hash_field = hash_field
        self.hash_kind = hash_kind
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        if self.hash_field:
            kwargs["hash_field"] = self.hash_field
        if self.hash_kind != "text":
            kwargs["hash_kind"] = self.hash_kind
        return name, path, args, kwargs

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

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = super().pre_save(model_instance, add)
        if self.hash_field:
            plain = self.to_plain(value)
            setattr(model_instance, self.hash_field, crypto.keyed_hash(plain, kind=self.hash_kind) if plain else "")
        return value

    def hash_of(self, value: Any) -> str:
        plain = self.to_plain(value)
        return crypto.keyed_hash(plain, kind=self.hash_kind) if plain else ""


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
    """The HMAC-SHA256 (hex) of a personal value, indexed for exact look-up."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        kwargs.setdefault("db_index", True)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)


def encrypted_fields(model: type[models.Model]) -> list[EncryptedTextField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]

"""Password validators: Django's, with messages the Chinese catalogue translates."""

from __future__ import annotations

from django.contrib.auth import password_validation
from django.utils.translation import ngettext


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's minimum length. Django 5.2 words its error as "at least %d characters", which its zh_Hans catalogue
    does not translate yet (it has the "%(min_length)d" form): a citizen signing up in Chinese got English."""

    def get_error_message(self) -> str:
        return ngettext(
            "This password is too short. It must contain at least %(min_length)d character.",
            "This password is too short. It must contain at least %(min_length)d characters.",
            self.min_length,
        ) % {"min_length": self.min_length}

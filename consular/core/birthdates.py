"""The plausible range of a person's birth date, the same for cases, affected persons, list imports and
registrations: not in the future, not before EARLIEST_BIRTH_YEAR (a typed 0001 or 1061 is a slip, not a date)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Final

from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

EARLIEST_BIRTH_YEAR: Final = 1880


def birth_date_problem(value: dt.date | None, today: dt.date | None = None) -> StrOrPromise | None:
    """Why the date cannot be a birth date, or None when it can (or is not given)."""
    if value is None:
        return None
    if value > (today or timezone.localdate()):
        return _("A birth date cannot be in the future.")
    if value.year < EARLIEST_BIRTH_YEAR:
        return format_lazy(_("A birth date cannot be before {year}."), year=EARLIEST_BIRTH_YEAR)
    return None

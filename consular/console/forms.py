"""Forms of the officer console."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# Dates outside this range cannot hold audit entries, and far ones overflow when turned into UTC datetimes.
EARLIEST = dt.date(1970, 1, 1)
LATEST = dt.date(2999, 12, 31)


def _date_field(label: StrOrPromise, help_text: StrOrPromise) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        help_text=help_text,
        validators=[MinValueValidator(EARLIEST), MaxValueValidator(LATEST)],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class AuditFilterForm(forms.Form):
    """Filters for the audit log. Every field is optional; an empty form shows everything."""

    actor = forms.CharField(label=_("Actor (username)"), required=False, max_length=150)
    action = forms.CharField(
        label=_("Action"),
        required=False,
        max_length=64,
        help_text=_("The beginning is enough: “user.” finds every action on users."),
    )
    object_type = forms.CharField(label=_("Object type"), required=False, max_length=64)
    object_id = forms.CharField(label=_("Object id"), required=False, max_length=64)
    since = _date_field(_("From date"), _("Year-month-day, for example 2020-01-18."))
    until = _date_field(_("To date (inclusive)"), _("Year-month-day, for example 2020-01-19."))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", _("The end date must not be before the start date."))
        return data

    def filters(self) -> dict[str, Any]:
        """The cleaned filters as `audit_entries` takes them: dates become aware datetimes at the start of
        the day in the current time zone, and the end date includes its whole day."""
        data = self.cleaned_data
        text_fields = ("actor", "action", "object_type", "object_id")
        result: dict[str, Any] = {key: data[key] for key in text_fields if data[key]}
        tz = timezone.get_current_timezone()
        if data["since"]:
            result["since"] = timezone.make_aware(dt.datetime.combine(data["since"], dt.time.min), tz)
        if data["until"]:
            next_day = data["until"] + dt.timedelta(days=1)
            result["until"] = timezone.make_aware(dt.datetime.combine(next_day, dt.time.min), tz)
        return result

    def as_strings(self) -> dict[str, str]:
        """The filters that were set, as the user typed them (dates in ISO form), for the audit record."""
        return {key: value.isoformat() if isinstance(value, dt.date) else str(value)
                for key, value in self.cleaned_data.items() if value not in (None, "")}

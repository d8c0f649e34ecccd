"""Forms of the citizens' help request and its follow-up."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from consular.cases.codes import Category
from consular.core.models import Country
from consular.core.selectors import subdivisions_of

# The order a citizen in trouble looks for their situation: the most serious first, consultation last.
CATEGORY_ORDER = [
    Category.ILLNESS_INJURY, Category.TRAFFIC_ACCIDENT, Category.CRIME_VICTIM, Category.DETENTION,
    Category.MISSING_CONTACT, Category.KIDNAPPING, Category.DEATH, Category.NATURAL_DISASTER, Category.TERRORISM,
    Category.LOST_DOCUMENTS, Category.ENTRY_REFUSED, Category.LABOUR_DISPUTE, Category.CIVIL_DISPUTE,
    Category.CONSULTATION, Category.OTHER,
]


class HelpRequestForm(forms.Form):
    category = forms.ChoiceField(label=_("Type of problem"))
    description = forms.CharField(
        label=_("Tell us what happened and what help you need"), max_length=5000,
        help_text=_("Where you are now, who is with you, whether anyone is hurt."),
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    country = forms.ChoiceField(label=_("Country where you are"))
    subdivision = forms.ChoiceField(label=_("Province, state or region (optional)"), required=False)
    city = forms.CharField(label=_("City or place"), required=False, max_length=100)
    name = forms.CharField(label=_("Your name"), max_length=100,
                           help_text=_("In Chinese characters or as in your passport."),
                           widget=forms.TextInput(attrs={"autocomplete": "name"}))
    phone = forms.CharField(
        label=_("Phone number"), required=False, max_length=40,
        help_text=_("With the country code, for example +66 81 234 5678. We call you on this number."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )
    email = forms.EmailField(label=_("Email (optional)"), required=False, max_length=200,
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}))

    def __init__(self, *args: Any, countries: Iterable[Country], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(Category.choices)
        self._choices("category", [("", _("Choose")), *((c.value, labels[c.value]) for c in CATEGORY_ORDER)])
        self._choices("country", [("", _("Choose the country")), *((c.code, c.name) for c in countries)])
        country = self.data.get("country", "") if self.is_bound else self.initial.get("country", "")
        self._choices("subdivision", subdivision_choices(country))
        self.fields["country"].widget.attrs.update({
            "autocomplete": "off", "hx-get": reverse("help_places"), "hx-trigger": "change",
            "hx-target": "#id_subdivision", "hx-swap": "innerHTML", "aria-controls": "id_subdivision",
        })

    def _choices(self, name: str, choices: list[tuple[str, Any]]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        reachable = data.get("phone", "").strip() or data.get("email", "").strip()
        if not reachable and not {"phone", "email"} & set(self.errors):
            self.add_error("phone", _("Give a phone number or an email, so that we can reach you."))
        return data


def subdivision_choices(country: str) -> list[tuple[str, Any]]:
    """The first-level subdivisions of `country` (empty when the country is unknown)."""
    subs = subdivisions_of(country=(country or "").strip()[:2])
    return [("", _("Not sure / skip")), *((s.code, s.name) for s in subs)]


class FollowUpForm(forms.Form):
    reference = forms.CharField(
        label=_("Reference"), max_length=40, help_text=_("For example C20-ABCD-EFGH."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
    )
    code = forms.CharField(
        label=_("Follow-up code"), max_length=40, help_text=_("The 8 letters and digits shown with the reference."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
    )

    def clean_reference(self) -> str:
        return str(self.cleaned_data["reference"]).strip().upper()

    def clean_code(self) -> str:
        return str(self.cleaned_data["code"]).strip().upper().replace(" ", "")


class HelpMessageForm(forms.Form):
    body = forms.CharField(label=_("Your message"), max_length=5000,
                           help_text=_("New facts, a new phone number, or a question for the officer."),
                           widget=forms.Textarea(attrs={"rows": 4}))

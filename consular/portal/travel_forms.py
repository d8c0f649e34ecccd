"""Forms of the citizens' trip registration: the trip (who, how to reach them, consent) and its stops (a formset
whose "add another stop" button re-renders the page with one more row, so it works without JavaScript)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from django import forms
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from consular.core.models import Country
from consular.portal.help_forms import subdivision_choices
from consular.travel.codes import Channel, RegistrationKind

MAX_STOPS = 20
# Channels a citizen can choose on the web form (push needs the installed web app to subscribe).
FORM_CHANNELS = [Channel.SMS, Channel.EMAIL, Channel.WEBHOOK]


class TripForm(forms.Form):
    kind = forms.ChoiceField(label=_("What do you register?"), choices=RegistrationKind.choices,
                             initial=RegistrationKind.TRIP, widget=forms.RadioSelect)
    name_zh = forms.CharField(label=_("Name in Chinese characters"), required=False, max_length=100,
                              widget=forms.TextInput(attrs={"autocomplete": "name"}))
    name_latin = forms.CharField(label=_("Name as in your passport"), required=False, max_length=150,
                                 help_text=_("For example ZHANG SAN."),
                                 widget=forms.TextInput(attrs={"autocapitalize": "characters"}))
    birth_date = forms.DateField(label=_("Date of birth (optional)"), required=False,
                                 widget=forms.DateInput(attrs={"type": "date"}))
    passport_number = forms.CharField(label=_("Passport number (optional)"), required=False, max_length=20,
                                      widget=forms.TextInput(attrs={"autocapitalize": "characters",
                                                                    "spellcheck": "false"}))
    phone = forms.CharField(
        label=_("Mobile phone"), required=False, max_length=40,
        help_text=_("With the country code, for example +86 138 0013 8000."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )
    email = forms.CharField(label=_("Email"), required=False, max_length=254,
                            widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    messaging_id = forms.CharField(label=_("WeChat or other messaging id"), required=False, max_length=100)
    channels = forms.MultipleChoiceField(
        label=_("Send me safety alerts by"), required=False, widget=forms.CheckboxSelectMultiple,
        choices=[(c.value, c.label) for c in FORM_CHANNELS],
    )
    language = forms.ChoiceField(label=_("Language of the alerts"), choices=settings.LANGUAGES,
                                 initial=settings.LANGUAGE_CODE)
    emergency_name = forms.CharField(label=_("Emergency contact at home (optional)"), required=False,
                                     max_length=150)
    emergency_relation = forms.CharField(label=_("Relation to you"), required=False, max_length=50)
    emergency_phone = forms.CharField(label=_("Their phone"), required=False, max_length=40,
                                      widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel"}))
    emergency_email = forms.CharField(label=_("Their email"), required=False, max_length=254,
                                      widget=forms.EmailInput())
    consent_contact_family = forms.BooleanField(
        label=_("In an emergency, my emergency contact may be told where I am and how I am."), required=False)
    consent_share_with_incident = forms.BooleanField(
        label=_("In a major emergency, I may be listed among the persons affected so that my family can be "
                "answered."), required=False, initial=True)


class LegForm(forms.Form):
    country = forms.ChoiceField(label=_("Country"))
    subdivision = forms.ChoiceField(label=_("Province, state or region (optional)"), required=False)
    city = forms.CharField(label=_("City or place"), required=False, max_length=200)
    arrive = forms.DateField(label=_("Arrival"), widget=forms.DateInput(attrs={"type": "date"}))
    depart = forms.DateField(label=_("Departure"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, countries: Iterable[Country] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        country_field = self.fields["country"]
        sub_field = self.fields["subdivision"]
        assert isinstance(country_field, forms.ChoiceField) and isinstance(sub_field, forms.ChoiceField)
        country_field.choices = [("", _("Choose the country")), *((c.code, c.name) for c in countries)]
        chosen = self.data.get(self.add_prefix("country")) if self.is_bound else self.initial.get("country")
        sub_field.choices = subdivision_choices(str(chosen or ""))
        country_field.widget.attrs.update({
            "autocomplete": "off", "hx-get": reverse("travel_places"), "hx-trigger": "change",
            "hx-target": f"#id_{self.add_prefix('subdivision')}", "hx-swap": "innerHTML",
            "aria-controls": f"id_{self.add_prefix('subdivision')}",
        })


class BaseLegFormSet(forms.BaseFormSet):
    def __init__(self, *args: Any, countries: Iterable[Country] = (), **kwargs: Any) -> None:
        self.countries = list(countries)
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {**super().get_form_kwargs(index), "countries": self.countries}

    def filled(self) -> list[tuple[int, dict[str, Any]]]:
        """The rows the citizen filled in (blank ones are skipped), with their index on the page."""
        return [(i, form.cleaned_data) for i, form in enumerate(self.forms)
                if form.is_valid() and form.cleaned_data]


LegFormSet = cast(type[BaseLegFormSet], forms.formset_factory(
    LegForm, formset=BaseLegFormSet, extra=1, max_num=MAX_STOPS, absolute_max=MAX_STOPS, validate_max=True))

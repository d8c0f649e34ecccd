"""The hotline call form: one form logs the call and, optionally, opens a case or links an existing one.

Defaults make a routine consultation need only the summary: topic "consultation", direction inbound, language
Chinese, start time set when the form was shown, no case."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consular.cases.codes import CallDirection, CallTopic, Category, CrimeType, Urgency
from consular.cases.services import CaseIn, Location, PersonIn
from consular.core.models import Country, Subdivision

LANGUAGES = [("zh", _("Chinese (Mandarin)")), ("yue", _("Cantonese")), ("en", _("English")), ("other", _("Other"))]
CASE_NONE, CASE_NEW, CASE_EXISTING = "none", "new", "existing"
# A start time older than this is not the call being logged now (a form left open overnight): now is used.
MAX_CALL_HOURS = 12


def resolve_country(text: str) -> Country | None:
    """A country from its ISO code or its name in Chinese or English (what an operator types)."""
    value = text.strip()
    if not value:
        return None
    return Country.objects.filter(Q(code=value.upper()) | Q(name_zh=value) | Q(name_en__iexact=value)).first()


def resolve_subdivision(country: str, text: str) -> Subdivision | None:
    value = text.strip()
    if not value:
        return None
    return (
        Subdivision.objects.filter(country_id=country)
        .filter(Q(code=value.upper()) | Q(code=f"{country}-{value.upper()}") | Q(name__iexact=value))
        .order_by("parent_id", "code")
        .first()
    )


class CallForm(forms.Form):
    caller_phone = forms.CharField(
        label=_("Caller's phone"), required=False, max_length=40,
        help_text=_("Earlier calls and cases of this number appear as you type."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off", "autofocus": True, "accesskey": "p",
                                      "inputmode": "tel"}),
    )
    caller_name = forms.CharField(label=_("Caller's name"), required=False, max_length=100,
                                  widget=forms.TextInput(attrs={"autocomplete": "off"}))
    topic = forms.ChoiceField(label=_("Topic"), choices=CallTopic.choices, initial=CallTopic.CONSULTATION,
                              required=False, widget=forms.RadioSelect)
    summary = forms.CharField(
        label=_("Summary"), max_length=10000,
        help_text=_("What the caller needs and what you answered. Ctrl+Enter logs the call."),
        widget=forms.Textarea(attrs={"rows": 3, "data-ctrl-enter": "submit"}),
    )
    case_action = forms.ChoiceField(
        label=_("Case"), initial=CASE_NONE, required=False, widget=forms.RadioSelect,
        choices=[(CASE_NONE, _("No case")), (CASE_NEW, _("Open a new case")),
                 (CASE_EXISTING, _("Link an existing case"))],
    )
    case_reference = forms.CharField(
        label=_("Reference of the existing case"), required=False, max_length=40,
        help_text=_("For example C20-ABCD-EFGH."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    # The new case: where, what, how urgent, who.
    urgency = forms.ChoiceField(label=_("Urgency"), required=False, choices=Urgency.choices,
                                widget=forms.RadioSelect)
    category = forms.ChoiceField(label=_("Category"), required=False,
                                 choices=[("", _("Choose a category")), *Category.choices])
    crime_type = forms.ChoiceField(label=_("Type of crime (victims of crime only)"), required=False,
                                   choices=[("", _("Not applicable")), *CrimeType.choices])
    country = forms.CharField(
        label=_("Country"), required=False, max_length=100,
        help_text=_("Code or name, for example TH or 泰国."),
        widget=forms.TextInput(attrs={"list": "country-options", "autocomplete": "off", "spellcheck": "false"}),
    )
    subdivision = forms.CharField(
        label=_("Province or state (optional)"), required=False, max_length=100,
        help_text=_("Code or name, for example TH-50 or Chiang Mai."),
        widget=forms.TextInput(attrs={"list": "subdivision-options", "autocomplete": "off",
                                      "spellcheck": "false"}),
    )
    city = forms.CharField(label=_("City or place"), required=False, max_length=100)
    name_zh = forms.CharField(label=_("Name in Chinese characters"), required=False, max_length=100)
    name_latin = forms.CharField(label=_("Name as in the passport"), required=False, max_length=100,
                                 widget=forms.TextInput(attrs={"autocapitalize": "characters",
                                                               "spellcheck": "false"}))
    passport_number = forms.CharField(label=_("Passport number"), required=False, max_length=20,
                                      widget=forms.TextInput(attrs={"autocapitalize": "characters",
                                                                    "spellcheck": "false"}))
    person_phone = forms.CharField(label=_("Citizen's phone"), required=False, max_length=40,
                                   widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel"}))
    birth_date = forms.DateField(label=_("Date of birth"), required=False,
                                 widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    # Details of the call itself, rarely changed.
    direction = forms.ChoiceField(label=_("Direction"), choices=CallDirection.choices,
                                  initial=CallDirection.INBOUND, required=False, widget=forms.RadioSelect)
    language = forms.ChoiceField(label=_("Language of the call"), choices=LANGUAGES, initial="zh", required=False)
    started_at = forms.DateTimeField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("started_at", timezone.now().isoformat(timespec="seconds"))
        phone = self.fields["caller_phone"].widget.attrs
        phone.update({"hx-get": reverse("console:call_history"), "hx-trigger": "input changed delay:300ms, search",
                      "hx-target": "#phone-history", "hx-swap": "innerHTML", "hx-sync": "this:replace",
                      "aria-controls": "phone-history"})
        country = self.fields["country"].widget.attrs
        country.update({"hx-get": reverse("console:call_places"), "hx-trigger": "change",
                        "hx-target": "#subdivision-options", "hx-swap": "outerHTML"})
        self.resolved_country: Country | None = None
        self.resolved_subdivision: Subdivision | None = None

    # What a field left out of the request means: the defaults the form shows.
    DEFAULTS = {"topic": CallTopic.CONSULTATION, "case_action": CASE_NONE, "direction": CallDirection.INBOUND,
                "language": "zh"}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name, default in self.DEFAULTS.items():
            if name in data and not data[name]:
                data[name] = str(default)
        action = data.get("case_action")
        if action == CASE_EXISTING and not data.get("case_reference", "").strip():
            self.add_error("case_reference", _("Give the reference of the case to link."))
        if action == CASE_NEW:
            self._clean_new_case(data)
        started = data.get("started_at")
        now = timezone.now()
        if started is None or started > now or now - started > dt.timedelta(hours=MAX_CALL_HOURS):
            data["started_at"] = now
        return data

    def _clean_new_case(self, data: dict[str, Any]) -> None:
        if not data.get("category"):
            self.add_error("category", _("Choose the category of the case."))
        if not data.get("urgency"):
            self.add_error("urgency", _("Choose the urgency of the case."))
        if data.get("crime_type") and data.get("category") != Category.CRIME_VICTIM:
            self.add_error("crime_type", _("A type of crime is only for victims of crime."))
        country_text = data.get("country", "")
        if not country_text.strip():
            self.add_error("country", _("Give the country where the citizen is."))
            return
        self.resolved_country = resolve_country(country_text)
        if self.resolved_country is None:
            self.add_error("country", _("Unknown country: give its code (TH) or its name (泰国, Thailand)."))
            return
        if data.get("subdivision", "").strip():
            self.resolved_subdivision = resolve_subdivision(self.resolved_country.code, data["subdivision"])
            if self.resolved_subdivision is None:
                self.add_error("subdivision", _("Not a province or state of %(country)s.")
                               % {"country": self.resolved_country.name})
        person = [data.get(k) for k in ("name_zh", "name_latin", "passport_number", "person_phone", "birth_date")]
        if any(person) and not (data.get("name_zh", "").strip() or data.get("name_latin", "").strip()):
            self.add_error("name_zh", _("Give the citizen's name in characters or as in the passport."))

    def case_in(self, channel: str) -> CaseIn:
        """The new case, from a valid form whose case_action is "new"."""
        data = self.cleaned_data
        assert self.resolved_country is not None
        persons = []
        if data["name_zh"].strip() or data["name_latin"].strip():
            persons.append(PersonIn(name_zh=data["name_zh"], name_latin=data["name_latin"].upper(),
                                    birth_date=data["birth_date"], passport_number=data["passport_number"].upper(),
                                    phone=data["person_phone"]))
        return CaseIn(
            category=data["category"], urgency=data["urgency"], summary=data["summary"],
            crime_type=data["crime_type"], channel=channel, persons=persons,
            location=Location(country=self.resolved_country.code,
                              subdivision=self.resolved_subdivision.code if self.resolved_subdivision else None,
                              city=data["city"]),
        )


class CallFilterForm(forms.Form):
    phone = forms.CharField(label=_("Phone number"), required=False, max_length=40,
                            widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel"}),
                            help_text=_("The whole number: calls from it are found exactly."))
    topic = forms.ChoiceField(label=_("Topic"), required=False,
                              choices=[("", _("Any topic")), *CallTopic.choices])

    def as_strings(self) -> dict[str, str]:
        return {k: str(v) for k, v in self.cleaned_data.items() if v not in (None, "")}

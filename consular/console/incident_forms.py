"""Forms of the console's incident pages: opening an incident, the registry's persons and their statuses, list
imports with their column mapping, the review queue's decisions, families' inquiries and call-backs.

The forms check the shape of what was typed; the services (consular.incidents.services, .imports) check the
rules and their refusals are shown on the same fields (`form_add_error` with the field maps below)."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consular.cases.services import Location
from consular.core.models import Country, Mission
from consular.incidents.codes import IncidentKind, InquiryChannel, PersonStatus, Sex, SourceKind
from consular.incidents.import_models import ImportMode, ListKind
from consular.incidents.services import IncidentIn, InquiryIn, PersonIn, Source
from consular.incidents.tabular import FIELDS

EARLIEST_BIRTH = dt.date(1880, 1, 1)
LATEST_BIRTH = dt.date(2999, 12, 31)
_CODES_SPLIT = re.compile(r"[\s,，;；、]+")
# The services' field keys → the console forms' field names.
INCIDENT_FIELD_MAP = {"location.country": "country", "location.subdivision": "subdivision", "location": "country"}
STATUS_FIELD_MAP = {"source.kind": "source_kind", "source.ref": "source_ref"}
PERSON_FIELD_MAP = {**STATUS_FIELD_MAP, "other_names": "other_names", "nationalities": "nationalities"}
# Field labels of the list-import mapping (the targets of tabular.FIELDS), for people.
MAPPING_LABELS: dict[str, Any] = {
    "name_zh": _("Name in Chinese characters"),
    "name_latin": _("Name as in the passport"),
    "family_name": _("Family name (passport spelling)"),
    "given_name": _("Given name (passport spelling)"),
    "other_names": _("Other spellings"),
    "sex": _("Sex"),
    "birth_date": _("Date of birth"),
    "passport_number": _("Passport number"),
    "nationality": _("Nationality"),
    "phone": _("Phone"),
    "email": _("Email"),
    "last_known_location": _("Last known location"),
    "status": _("Status"),
    "hospital": _("Hospital"),
    "seat_or_room": _("Seat or room"),
    "note": _("Note"),
    "external_id": _("Number on the list"),
}


def resolve_country(text: str) -> Country | None:
    """A country from its ISO code or its name in Chinese or English."""
    value = text.strip()
    if not value:
        return None
    return Country.objects.filter(Q(code=value.upper()) | Q(name_zh=value) | Q(name_en__iexact=value)).first()


def split_codes(text: str) -> list[str]:
    return [c.upper() for c in _CODES_SPLIT.split(text.strip()) if c]


class IncidentOpenForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of incident"), choices=[("", _("Choose the kind")), *IncidentKind.choices])
    title = forms.CharField(label=_("Title"), max_length=200,
                            widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off"}))
    description = forms.CharField(label=_("Description"), required=False, max_length=5000,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    country = forms.CharField(label=_("Country"), max_length=100, help_text=_("Code or name, for example LA or 老挝."),
                              widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))
    subdivision = forms.CharField(label=_("Province or state (optional)"), required=False, max_length=20,
                                  help_text=_("ISO code, for example LA-VT."),
                                  widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))
    city = forms.CharField(label=_("City or place"), required=False, max_length=100)
    started_at = forms.DateTimeField(
        label=_("Started at"), help_text=_("Local time of this console, for example 2020-01-18 08:30."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"],
    )
    lead_mission = forms.CharField(
        label=_("Lead mission (optional)"), required=False, max_length=16,
        help_text=_("A mission code; empty: the mission responsible for the place."),
        widget=forms.TextInput(attrs={"list": "mission-options", "autocomplete": "off", "spellcheck": "false"}),
    )
    missions = forms.CharField(
        label=_("Other missions concerned (optional)"), required=False, max_length=500,
        help_text=_("Mission codes separated by commas, for example TH-CNX, TH-BKK."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def clean_country(self) -> str:
        country = resolve_country(self.cleaned_data["country"])
        if country is None:
            raise forms.ValidationError(_("No country with this code or name."))
        return country.code

    def incident_in(self) -> IncidentIn:
        data = self.cleaned_data
        started = data["started_at"]
        if timezone.is_naive(started):
            started = timezone.make_aware(started, timezone.get_current_timezone())
        return IncidentIn(
            kind=data["kind"], title=data["title"], description=data["description"],
            location=Location(country=data["country"], subdivision=data["subdivision"].strip().upper() or None,
                              city=data["city"]),
            started_at=started, lead_mission=data["lead_mission"].strip().upper(),
            missions=split_codes(data["missions"]),
        )


class PersonFilterForm(forms.Form):
    q = forms.CharField(label=_("Name"), required=False, max_length=200,
                        help_text=_("Any script: 王建国, WANG JIANGUO, WANG CHIEN-KUO. Best matches first."),
                        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}))
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("Every status")), *PersonStatus.choices])


def _source_fields() -> tuple[forms.ChoiceField, forms.CharField]:
    kind = forms.ChoiceField(label=_("Source"), choices=SourceKind.choices, initial=SourceKind.OFFICER,
                             help_text=_("Where the news comes from."))
    ref = forms.CharField(label=_("Source reference"), required=False, max_length=200,
                          help_text=_("Which record: the list and line, the call, the inquiry. Needed except for "
                                      "an officer's own finding or a check-in."),
                          widget=forms.TextInput(attrs={"autocomplete": "off"}))
    return kind, ref


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=PersonStatus.choices)
    source_kind, source_ref = _source_fields()
    hospital = forms.CharField(label=_("Hospital"), required=False, max_length=500,
                               help_text=_("Only for a hospitalised person, and then required."))
    note = forms.CharField(label=_("Note"), required=False, max_length=5000,
                           help_text=_("Required when a death is corrected. Ctrl+Enter records the status."),
                           widget=forms.Textarea(attrs={"rows": 2, "data-ctrl-enter": "submit"}))


class NextOfKinForm(forms.Form):
    note = forms.CharField(label=_("Who was told, how and by whom (optional)"), required=False, max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 2}))


class PersonAddForm(forms.Form):
    name_zh = forms.CharField(label=_("Name in Chinese characters"), required=False, max_length=100,
                              widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off"}))
    name_latin = forms.CharField(label=_("Name as in the passport"), required=False, max_length=150,
                                 widget=forms.TextInput(attrs={"autocapitalize": "characters", "spellcheck": "false",
                                                               "autocomplete": "off"}))
    other_names = forms.CharField(label=_("Other spellings (one a line)"), required=False, max_length=2000,
                                  widget=forms.Textarea(attrs={"rows": 2, "spellcheck": "false"}))
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices, initial=Sex.UNKNOWN)
    birth_date = forms.DateField(label=_("Date of birth"), required=False,
                                 validators=[MinValueValidator(EARLIEST_BIRTH), MaxValueValidator(LATEST_BIRTH)],
                                 widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    passport_number = forms.CharField(label=_("Passport number"), required=False, max_length=20,
                                      widget=forms.TextInput(attrs={"autocapitalize": "characters",
                                                                    "spellcheck": "false", "autocomplete": "off"}))
    nationalities = forms.CharField(label=_("Nationalities"), required=False, max_length=40,
                                    help_text=_("ISO codes separated by commas, for example CN."))
    phone = forms.CharField(label=_("Phone"), required=False, max_length=40,
                            widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "off"}))
    email = forms.EmailField(label=_("Email"), required=False, max_length=254)
    last_known_location = forms.CharField(label=_("Last known location"), required=False, max_length=1000)
    mission = forms.ChoiceField(label=_("Mission looking after the person"), required=False)
    status = forms.ChoiceField(label=_("Status"), choices=PersonStatus.choices, initial=PersonStatus.UNACCOUNTED)
    hospital = forms.CharField(label=_("Hospital"), required=False, max_length=500,
                               help_text=_("Only for a hospitalised person, and then required."))
    source_kind, source_ref = _source_fields()
    note = forms.CharField(label=_("Note"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, missions: list[Mission], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["mission"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("The lead mission (or the case's)")), *((m.code, f"{m.code} · {m.name}")
                                                                          for m in missions)]

    def person_in(self) -> PersonIn:
        data = self.cleaned_data
        return PersonIn(
            name_zh=data["name_zh"], name_latin=data["name_latin"],
            other_names=[n.strip() for n in data["other_names"].splitlines() if n.strip()], sex=data["sex"],
            birth_date=data["birth_date"], passport_number=data["passport_number"],
            nationalities=split_codes(data["nationalities"]), phone=data["phone"], email=data["email"],
            last_known_location=data["last_known_location"], mission=data["mission"], status=data["status"],
            hospital=data["hospital"], source=Source(kind=data["source_kind"], ref=data["source_ref"]),
            note=data["note"],
        )


def parse_mapping(text: str) -> dict[str, str] | None:
    """A column mapping as typed: a JSON object, or one `field = column header` (or `field: header`) a line.
    Empty: None (the columns are recognised from their headers). Raises ValidationError."""
    text = text.strip()
    if not text:
        return None
    if text.startswith("{"):
        try:
            loaded = json.loads(text)
        except ValueError as exc:
            raise forms.ValidationError(_("This is not valid JSON.")) from exc
        if not isinstance(loaded, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                                   for k, v in loaded.items()):
            raise forms.ValidationError(_("Give an object of field → column header, both as text."))
        mapping = {k.strip(): v.strip() for k, v in loaded.items()}
    else:
        mapping = {}
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            parts = re.split(r"\s*[=:：]\s*", line.strip(), maxsplit=1)
            if len(parts) != 2 or not parts[0] or not parts[1]:
                raise forms.ValidationError(
                    _("Line %(n)s: write “field = column header”, for example “name_zh = 姓名”.") % {"n": number})
            mapping[parts[0].strip()] = parts[1].strip()
    unknown = sorted(set(mapping) - set(FIELDS))
    if unknown:
        raise forms.ValidationError(_("Unknown fields: %(fields)s. Use: %(known)s.") % {
            "fields": ", ".join(unknown), "known": ", ".join(FIELDS)})
    return mapping


class ImportUploadForm(forms.Form):
    file = forms.FileField(label=_("List (CSV or XLSX)"),
                           help_text=_("A passenger manifest, a hotel, tour, hospital or morgue list."))
    kind = forms.ChoiceField(label=_("Kind of list"), choices=ListKind.choices, initial=ListKind.MANIFEST)
    mode = forms.ChoiceField(label=_("When some rows are bad"), choices=ImportMode.choices,
                             initial=ImportMode.ALL_OR_NOTHING, widget=forms.RadioSelect)
    mapping = forms.CharField(
        label=_("Column mapping (optional)"), required=False, max_length=10000,
        help_text=_("One “field = column header” a line, for example “name_zh = 姓名”. Empty: the columns are "
                    "recognised from their headers; “Check the columns” shows what was recognised first."),
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
    )

    def clean_mapping(self) -> dict[str, str] | None:
        return parse_mapping(self.cleaned_data["mapping"])


class ImportConfirmForm(forms.Form):
    """The second step: the file read in the first step (carried in the page, base64), its kind and mode, and one
    choice of column per target field, preset to what was recognised."""

    staged = forms.CharField(widget=forms.HiddenInput, max_length=3_000_000)
    filename = forms.CharField(widget=forms.HiddenInput, max_length=255)
    kind = forms.ChoiceField(label=_("Kind of list"), choices=ListKind.choices)
    mode = forms.ChoiceField(label=_("When some rows are bad"), choices=ImportMode.choices, widget=forms.RadioSelect)

    def __init__(self, *args: Any, headers: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", _("— not in this list —")), *((h, h) for h in headers)]
        for name in FIELDS:
            self.fields[f"map_{name}"] = forms.ChoiceField(label=MAPPING_LABELS[name], choices=choices,
                                                           required=False)

    def mapping(self) -> dict[str, str]:
        return {name: self.cleaned_data[f"map_{name}"] for name in FIELDS if self.cleaned_data.get(f"map_{name}")}

    def mapping_fields(self) -> list[forms.BoundField]:
        return [self[f"map_{name}"] for name in FIELDS]


class ReviewDecisionForm(forms.Form):
    note = forms.CharField(label=_("Note (optional)"), required=False, max_length=5000)
    person = forms.UUIDField(required=False, widget=forms.HiddenInput)


class InquiryForm(forms.Form):
    subject_name = forms.CharField(
        label=_("Name of the person asked about"), max_length=200,
        help_text=_("In any script, as the family says it: 王建国, WANG JIANGUO, CHAN TAI MAN."),
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off"}),
    )
    subject_birth_date = forms.CharField(
        label=_("Born (date or year)"), required=False, max_length=10,
        help_text=_("YYYY-MM-DD, YYYY-MM or only the year, for example 1961."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    subject_passport_number = forms.CharField(
        label=_("Passport number (optional)"), required=False, max_length=20,
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "spellcheck": "false", "autocomplete": "off"}),
    )
    inquirer_name = forms.CharField(label=_("Caller's name"), required=False, max_length=150,
                                    widget=forms.TextInput(attrs={"autocomplete": "off"}))
    inquirer_relation = forms.CharField(label=_("Relation to the person"), required=False, max_length=100,
                                        help_text=_("For example daughter, husband, colleague."),
                                        widget=forms.TextInput(attrs={"autocomplete": "off"}))
    inquirer_phone = forms.CharField(
        label=_("Caller's phone"), required=False, max_length=40,
        help_text=_("A phone number or an email is needed, to call the family back."),
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "off"}),
    )
    inquirer_email = forms.EmailField(label=_("Caller's email"), required=False, max_length=254)
    channel = forms.ChoiceField(label=_("Channel"), choices=InquiryChannel.choices, initial=InquiryChannel.PHONE)
    language = forms.ChoiceField(label=_("Language of the family"), initial="zh", choices=[
        ("zh", _("Chinese (Mandarin)")), ("yue", _("Cantonese")), ("en", _("English")), ("other", _("Other"))])
    message = forms.CharField(label=_("What the family says"), required=False, max_length=5000,
                              help_text=_("Ctrl+Enter records the inquiry and looks for the person."),
                              widget=forms.Textarea(attrs={"rows": 3, "data-ctrl-enter": "submit"}))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("inquirer_phone", "").strip() or data.get("inquirer_email", "").strip()) \
                and "inquirer_email" not in self.errors:
            self.add_error("inquirer_phone", _("A phone number or an email is needed, to call the family back."))
        return data

    def inquiry_in(self) -> InquiryIn:
        data = self.cleaned_data
        return InquiryIn(
            subject_name=data["subject_name"], subject_birth_date=data["subject_birth_date"],
            subject_passport_number=data["subject_passport_number"], inquirer_name=data["inquirer_name"],
            inquirer_relation=data["inquirer_relation"], inquirer_phone=data["inquirer_phone"],
            inquirer_email=data["inquirer_email"], language=data["language"], channel=data["channel"],
            message=data["message"],
        )


class AttachForm(forms.Form):
    person = forms.UUIDField(widget=forms.HiddenInput)


class CallBackDoneForm(forms.Form):
    note = forms.CharField(label=_("What the family was told (optional)"), required=False, max_length=5000)


class InquiryFilterForm(forms.Form):
    state = forms.ChoiceField(label=_("State"), required=False, choices=[
        ("", _("Waiting for an answer")), ("all", _("Every state")), ("open", _("Not yet matched to a person")),
        ("matched", _("Matched to a person")), ("answered", _("Answered")), ("closed", _("Closed"))])

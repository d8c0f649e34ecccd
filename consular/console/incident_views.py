"""Console pages of major incidents: the incidents and the "open incident" form, each incident's dashboard and
exports, the registry of affected persons with their status history, list imports and the review queue,
families' inquiries with ranked candidates, and the call-backs owed to them.

Thin: reads through consular.incidents.selectors / import_selectors (already scoped to the actor: a mission
officer of a mission not concerned gets 404), writes through consular.incidents.services / imports (which check
the rules again). Read-only roles (auditors) see no action and get 403 on every POST. Every page that shows
personal data records the read in the audit log.

The next-of-kin gate: the inquiry and call-back pages show what may be told to a family, never the registry's
own status: a death whose next of kin was not yet told reads "请等候我们的电话 / please wait for our call"
(`selectors.public_status`)."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from consular.accounts.models import User
from consular.console.access import can_work, staff_user
from consular.console.incident_forms import (
    INCIDENT_FIELD_MAP,
    MAPPING_LABELS,
    PERSON_FIELD_MAP,
    STATUS_FIELD_MAP,
    AttachForm,
    CallBackDoneForm,
    ImportConfirmForm,
    ImportUploadForm,
    IncidentOpenForm,
    InquiryFilterForm,
    InquiryForm,
    NextOfKinForm,
    PersonAddForm,
    PersonFilterForm,
    ReviewDecisionForm,
    StatusForm,
)
from consular.core.audit import audit_read, audit_read_many
from consular.core.errors import ApplicationError, form_add_error
from consular.core.models import Mission
from consular.incidents import exports, import_selectors, imports, selectors, services, tabular
from consular.incidents.codes import (
    AWAITING_NOTIFICATION,
    WAITING_INQUIRY_STATES,
    IncidentStatus,
    InquiryState,
    PersonStatus,
)
from consular.incidents.import_models import CandidateKind, ImportStatus, ListImport, MatchReview, ReviewState
from consular.incidents.models import AffectedPerson, CallBack, Incident, Inquiry
from consular.travel.selectors import STAFF_READER_ROLES, registrations_visible

PAGE_SIZE = 50
REVIEW_PAGE_SIZE = 20
SEARCH_LIMIT = 50
INQUIRY_CANDIDATES = 10
# Files up to this size can be checked (columns shown) before the import: the page carries them to the next step.
STAGE_MAX_BYTES = 1_500_000
# The personal data each page shows, as recorded in the audit log.
PERSON_LIST_FIELDS = ["name_zh", "name_latin", "birth_date", "status"]
PERSON_FIELDS = ["name_zh", "name_latin", "other_names", "sex", "birth_date", "passport_number", "nationalities",
                 "phone", "email", "last_known_location", "status", "hospital", "status_history"]
INQUIRY_FIELDS = ["inquirer_name", "inquirer_relation", "inquirer_phone", "inquirer_email", "subject_name",
                  "subject_birth_date", "subject_passport_number", "message"]
INQUIRY_LIST_FIELDS = ["inquirer_name", "inquirer_relation", "inquirer_phone", "subject_name"]
CANDIDATE_FIELDS = ["name_zh", "name_latin", "birth_date"]
CALLBACK_FIELDS = ["inquirer_name", "inquirer_relation", "inquirer_phone", "inquirer_email", "subject_name"]
REVIEW_FIELDS = ["values"]
# What the review queue shows of a candidate person (REVIEW_ROWS, as the person has them), recorded as read; the
# passport number only for the roles that see them (`selectors.person_fields_read`).
REVIEW_CANDIDATE_FIELDS = ["name_zh", "name_latin", "other_names", "sex", "birth_date", "passport_number",
                           "nationalities", "status", "hospital", "last_known_location"]
REVIEW_REGISTRATION_FIELDS = ["name_zh", "name_latin", "birth_date", "passport_number", "phone"]
# The row values of a review, in the order shown next to the candidate.
REVIEW_ROWS = ["name_zh", "name_latin", "other_names", "sex", "birth_date", "passport_number", "nationality",
               "status", "hospital", "last_known_location", "seat_or_room", "note"]


# --- access ---------------------------------------------------------------------------------------------------------


def incident_or_404(user: User, incident_id: Any) -> Incident:
    incident = selectors.incident_get(actor=user, incident_id=incident_id)
    if incident is None:
        raise Http404
    return incident


def _worker_on(request: HttpRequest, incident_id: Any) -> tuple[User, Incident]:
    """The worker acting and the incident: 403 for read-only roles, 404 for an incident outside their scope."""
    user = staff_user(request)
    incident = incident_or_404(user, incident_id)
    if not can_work(user):
        raise PermissionDenied
    return user, incident


def _person_or_404(user: User, incident: Incident, person_id: Any) -> AffectedPerson:
    person = selectors.person_get(actor=user, incident=incident, person_id=person_id)
    if person is None:
        raise Http404
    return person


def incident_url(incident: Incident, name: str = "incident", *args: Any) -> str:
    return reverse(f"console:{name}", args=[incident.pk, *args])


def _status(error: ApplicationError) -> int:
    return error.status if 400 <= error.status < 500 else 400


def _base(user: User, incident: Incident, **extra: Any) -> dict[str, Any]:
    return {"incident": incident, "can_work": can_work(user), "is_open": incident.status == IncidentStatus.OPEN,
            **extra}


# --- labels ---------------------------------------------------------------------------------------------------------


def reason_text(code: str) -> str:
    """A matcher reason for people: `surname_match:WANG` → “Surname matches (WANG)”; unknown codes as they are."""
    head, _sep, detail = code.partition(":")
    labels = {
        "surname_match": _("Surname matches"), "given_name_match": _("Given name matches"),
        "surname_typo": _("Surname differs by a typo"), "given_name_typo": _("Given name differs by a typo"),
        "surname_partial": _("Surname partly matches"), "given_name_partial": _("Given name partly matches"),
        "surname_mismatch": _("Surname differs"), "given_name_mismatch": _("Given name differs"),
        "whole_name_typo": _("Whole name differs by a typo"), "name_order": _("Given name written first"),
        "compound_surname": _("Two-character surname"), "script": _("Scripts compared"),
        "romanisation": _("Other romanisation"), "form": _("Name written in a special form"),
        "characters_differ_same_reading": _("Different characters, same reading"),
        "characters_variant_forms": _("Same character in traditional, simplified or variant form"),
        "alt_reading": _("Another reading of a character"), "rare_reading": _("A rare reading of a character"),
        "surname_reading": _("Surname reading"), "surname_ordinary_reading": _("Ordinary reading of the surname"),
        "birth_date_match": _("Same date of birth"), "birth_year_match": _("Same year of birth"),
        "birth_date_near": _("Date of birth close"), "birth_year_near": _("Year of birth one apart"),
        "birth_date_mismatch": _("Date of birth differs"), "birth_year_mismatch": _("Year of birth differs"),
        "birth_date_day_month_swapped": _("Day and month of birth swapped"),
        "passport_match": _("Same passport number"), "passport_near": _("Passport number differs by one character"),
        "passport_mismatch": _("Passport number differs"),
    }
    # Details that are codes (not names or readings) are shown in words; "given_first" only repeats the label.
    details = {
        "hanzi_vs_hanzi": _("characters and characters"), "hanzi_vs_latin": _("characters and Latin letters"),
        "latin_vs_latin": _("Latin letters and Latin letters"),
        "passport_yu": _("passport spelling YU for ü"), "old_passport_u": _("old passport spelling U for ü"),
        "wade_giles": _("Wade–Giles"), "tongyong": _("Tongyong Pinyin"), "variant": _("a variant spelling"),
        "cantonese": _("Cantonese"), "hokkien": _("Hokkien"),
        "mrz": _("machine-readable passport line"), "comma": _("“Surname, Given name” form"), "given_first": "",
    }
    label = labels.get(head)
    if label is None:
        return code
    detail = details.get(detail, detail)
    return f"{label} ({detail})" if detail else label


def public_texts(person: AffectedPerson) -> tuple[str, dict[str, str]]:
    code = selectors.public_status(person)
    return code, selectors.public_status_text(code)


@dataclass
class CandidateRow:
    person: AffectedPerson
    score: float
    level: str
    reasons: list[str]
    public_status: str
    public_text: dict[str, str]

    @property
    def gated(self) -> bool:
        return self.public_status == AWAITING_NOTIFICATION

    @property
    def percent(self) -> int:
        return round(self.score * 100)


def candidate_row(candidate: selectors.Candidate) -> CandidateRow:
    code, text = public_texts(candidate.person)
    return CandidateRow(person=candidate.person, score=candidate.score, level=candidate.level,
                        reasons=[reason_text(r) for r in candidate.reasons], public_status=code, public_text=text)


# --- incidents ------------------------------------------------------------------------------------------------------


@never_cache
@login_required
def incident_list(request: HttpRequest) -> HttpResponse:
    """The incidents the user may see, open ones first, the most recent first."""
    user = staff_user(request)
    qs = selectors.incidents_visible(actor=user).order_by("-status", "-started_at", "pk")
    page_obj = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "console/incidents/list.html", {
        "page_obj": page_obj, "incidents": list(page_obj.object_list),
        "can_open": user.role in services.INCIDENT_ADMIN_ROLES,
    })


def _mission_options() -> list[Mission]:
    return list(Mission.objects.filter(active=True).order_by("code"))


@never_cache
@login_required
def incident_open(request: HttpRequest) -> HttpResponse:
    """Open an incident (HQ officers only, as the service rules say)."""
    user = staff_user(request)
    if user.role not in services.INCIDENT_ADMIN_ROLES:
        raise PermissionDenied
    status = 200
    if request.method == "POST":
        form = IncidentOpenForm(request.POST)
        if form.is_valid():
            try:
                incident = services.incident_open(actor=user, data=form.incident_in())
            except ApplicationError as error:
                form_add_error(form, error, INCIDENT_FIELD_MAP)
                status = _status(error)
            else:
                messages.success(request, _("Incident %(ref)s opened; %(mission)s leads it.") % {
                    "ref": incident.reference, "mission": incident.lead_mission.code})
                return redirect(incident_url(incident))
        else:
            status = 400
    else:
        now = timezone.localtime().replace(second=0, microsecond=0)
        form = IncidentOpenForm(initial={"started_at": now})
    return render(request, "console/incidents/open.html", {"form": form, "missions": _mission_options()},
                  status=status)


STATUS_ORDER = [PersonStatus.UNACCOUNTED, PersonStatus.UNCONFIRMED, PersonStatus.MISSING, PersonStatus.INJURED,
                PersonStatus.HOSPITALISED, PersonStatus.DECEASED, PersonStatus.SAFE]


@never_cache
@login_required
def incident_dashboard(request: HttpRequest, incident_id: Any) -> HttpResponse:
    """Live counts of one incident (no personal data: counts only), with links to the lists behind them."""
    user = staff_user(request)
    incident = incident_or_404(user, incident_id)
    figures = selectors.incident_dashboard(incident=incident)
    total = figures["persons"]
    by_status = [(code, PersonStatus(code).label, figures["by_status"].get(code, 0)) for code in STATUS_ORDER]
    missions = {m.code: m for m in incident.missions.all()}
    by_mission = [(code, missions.get(code), n) for code, n in figures["by_mission"].items()]
    return render(request, "console/incidents/dashboard.html", _base(
        user, incident, figures=figures, total=total, by_status=by_status, by_mission=by_mission,
        bar_max=max(total, 1), missions=sorted(missions.values(), key=lambda m: m.code),
    ))


@never_cache
@login_required
def incident_export(request: HttpRequest, incident_id: Any, fmt: str) -> HttpResponse:
    """The registry as CSV or XLSX (officers only; the export service records it in the audit log)."""
    user = staff_user(request)
    incident = incident_or_404(user, incident_id)
    status = [s for s in request.GET.getlist("status") if s]
    try:
        if fmt == "csv":
            body = exports.persons_csv(actor=user, incident=incident, status=status or None)
            content_type = "text/csv; charset=utf-8"
        elif fmt == "xlsx":
            body = exports.persons_xlsx(actor=user, incident=incident, status=status or None)
            content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        else:
            raise Http404
    except ApplicationError as error:
        if error.status == 404:
            raise Http404 from error
        if error.status == 403:
            raise PermissionDenied from error
        messages.error(request, error.text())
        return redirect(incident_url(incident))
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{incident.reference}-persons.{fmt}"'
    return response


# --- persons --------------------------------------------------------------------------------------------------------


@dataclass
class PersonRow:
    person: AffectedPerson
    score: float | None = None


@never_cache
@login_required
def person_list(request: HttpRequest, incident_id: Any) -> HttpResponse:
    """The registry: by status, or searched by name (any script; best matches first, through the blocking index)."""
    user = staff_user(request)
    incident = incident_or_404(user, incident_id)
    form = PersonFilterForm(request.GET or None)
    context = _base(user, incident, form=form, rows=[], page_obj=None, searched=False)
    if not form.is_bound or form.is_valid():
        data = form.cleaned_data if form.is_bound else {}
        status, query = data.get("status") or "", (data.get("q") or "").strip()
        rows: list[PersonRow]
        if query:
            visible = selectors.persons_visible(actor=user, incident=incident)
            found = selectors.candidates(incident=incident, name=query, limit=SEARCH_LIMIT)
            allowed = set(visible.filter(pk__in=[c.person.pk for c in found]).values_list("pk", flat=True))
            rows = [PersonRow(person=c.person, score=c.score) for c in found
                    if c.person.pk in allowed and (not status or c.person.status == status)]
            context.update(searched=True, rows=rows)
        else:
            qs = selectors.person_list(actor=user, incident=incident, filters={"status": [status] if status else []})
            page_obj = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
            rows = [PersonRow(person=p) for p in page_obj.object_list]
            context.update(rows=rows, page_obj=page_obj)
        audit_read_many(actor=user, objects=[r.person for r in rows], fields=PERSON_LIST_FIELDS,
                        purpose="incident_registry")
    return render(request, "console/incidents/persons.html", context, status=200 if form.is_valid() or
                  not form.is_bound else 400)


def _person_context(user: User, incident: Incident, person: AffectedPerson, bound: dict[str, Any]) -> dict[str, Any]:
    history = list(selectors.person_history(person=person))
    inquiries = list(selectors.inquiry_list(actor=user, incident=incident, filters={"person": person.pk}))
    forms: dict[str, Any] = {}
    if can_work(user):
        forms = {"status": StatusForm(initial={"status": person.status})}
        if person.status == PersonStatus.DECEASED and person.next_of_kin_informed_at is None:
            forms["next_of_kin"] = NextOfKinForm()
        forms.update(bound)
    code, text = public_texts(person)
    registration = selectors.linked_registration(actor=user, person=person)
    return _base(user, incident, person=person, history=history, inquiries=inquiries, forms=forms,
                 registration=registration, registration_legs=list(registration.legs.all()) if registration else [],
                 public_status=code, public_text=text, gated=code == AWAITING_NOTIFICATION,
                 other_names=[n for n in person.other_names.splitlines() if n.strip()],
                 show_passport=selectors.sees_passport_numbers(user), open_action=next(iter(bound), ""))


def _render_person(request: HttpRequest, user: User, incident: Incident, person_id: Any, *,
                   bound: dict[str, Any] | None = None, status: int = 200) -> HttpResponse:
    person = _person_or_404(user, incident, person_id)
    context = _person_context(user, incident, person, bound or {})
    audit_read(actor=user, obj=person,
               fields=selectors.person_fields_read(user, [*PERSON_FIELDS, "emergency_contact"]))
    if context["registration"] is not None:
        audit_read(actor=user, obj=context["registration"], fields=selectors.LINKED_REGISTRATION_FIELDS,
                   purpose="incident_person")
    audit_read_many(actor=user, objects=list(context["inquiries"]), fields=INQUIRY_LIST_FIELDS, purpose="person")
    return render(request, "console/incidents/person.html", context, status=status)


@never_cache
@login_required
def person_detail(request: HttpRequest, incident_id: Any, person_id: Any) -> HttpResponse:
    user = staff_user(request)
    return _render_person(request, user, incident_or_404(user, incident_id), person_id)


@never_cache
@login_required
@require_POST
def person_status(request: HttpRequest, incident_id: Any, person_id: Any) -> HttpResponse:
    user, incident = _worker_on(request, incident_id)
    person = _person_or_404(user, incident, person_id)
    form = StatusForm(request.POST)
    if not form.is_valid():
        return _render_person(request, user, incident, person.pk, bound={"status": form}, status=400)
    data = form.cleaned_data
    try:
        services.person_set_status(actor=user, person=person, status=data["status"], source_kind=data["source_kind"],
                                   source_ref=data["source_ref"], note=data["note"], hospital=data["hospital"])
    except ApplicationError as error:
        form_add_error(form, error, STATUS_FIELD_MAP)
        return _render_person(request, user, incident, person.pk, bound={"status": form}, status=_status(error))
    messages.success(request, _("Status recorded: %(status)s.") % {"status": PersonStatus(data["status"]).label})
    return redirect(incident_url(incident, "incident_person", person.pk))


@never_cache
@login_required
@require_POST
def person_next_of_kin(request: HttpRequest, incident_id: Any, person_id: Any) -> HttpResponse:
    user, incident = _worker_on(request, incident_id)
    person = _person_or_404(user, incident, person_id)
    form = NextOfKinForm(request.POST)
    if not form.is_valid():
        return _render_person(request, user, incident, person.pk, bound={"next_of_kin": form}, status=400)
    try:
        services.next_of_kin_informed(actor=user, person=person, note=form.cleaned_data["note"])
    except ApplicationError as error:
        form_add_error(form, error)
        return _render_person(request, user, incident, person.pk, bound={"next_of_kin": form},
                              status=_status(error))
    messages.success(request, _("Recorded that the next of kin was told. Families asking may now be told of the "
                                "death."))
    return redirect(incident_url(incident, "incident_person", person.pk))


@never_cache
@login_required
def person_add(request: HttpRequest, incident_id: Any) -> HttpResponse:
    user, incident = _worker_on(request, incident_id)
    missions = sorted(incident.missions.all(), key=lambda m: m.code)
    status = 200
    if request.method == "POST":
        form = PersonAddForm(request.POST, missions=missions)
        if form.is_valid():
            try:
                person = services.person_add(actor=user, incident=incident, data=form.person_in())
            except ApplicationError as error:
                form_add_error(form, error, PERSON_FIELD_MAP)
                status = _status(error)
            else:
                messages.success(request, _("Person added to the registry of %(ref)s.") % {
                    "ref": incident.reference})
                return redirect(incident_url(incident, "incident_person", person.pk))
        else:
            status = 400
    else:
        form = PersonAddForm(missions=missions)
    return render(request, "console/incidents/person_add.html", _base(user, incident, form=form), status=status)


# --- imports and the review queue -----------------------------------------------------------------------------------


def _imports_page(request: HttpRequest, user: User, incident: Incident, form: ImportUploadForm | None,
                  status: int = 200) -> HttpResponse:
    if form is None and can_work(user):
        form = ImportUploadForm()
    page_obj = Paginator(import_selectors.import_list(actor=user, incident=incident), PAGE_SIZE).get_page(
        request.GET.get("page"))
    return render(request, "console/incidents/imports.html", _base(
        user, incident, form=form, page_obj=page_obj, imports=list(page_obj.object_list),
        fields=[(name, MAPPING_LABELS[name]) for name in tabular.FIELDS],
    ), status=status)


def _run_import(user: User, incident: Incident, *, data: bytes, filename: str,
                mapping: dict[str, str] | None, kind: str, mode: str) -> ListImport | ApplicationError:
    try:
        return imports.list_import(actor=user, incident=incident, data=data, filename=filename, mapping=mapping,
                                   kind=kind, mode=mode)
    except ApplicationError as error:
        return error


def _import_done(request: HttpRequest, incident: Incident, result: ListImport) -> HttpResponse:
    if result.status == ImportStatus.REJECTED:
        messages.error(request, str(imports.rejected_message(result)))
    else:
        messages.success(request, _("List imported: %(linked)s linked, %(created)s new, %(review)s to review, "
                                    "%(skipped)s already imported.") % {
            "linked": result.linked, "created": result.created, "review": result.review,
            "skipped": result.skipped_same})
    return redirect(incident_url(incident, "incident_import", result.pk))


def _confirm_page(request: HttpRequest, user: User, incident: Incident, form: ImportConfirmForm,
                  table: tabular.Table, status: int = 200) -> HttpResponse:
    return render(request, "console/incidents/import_confirm.html", _base(
        user, incident, form=form, headers=table.headers, rows_count=len(table.rows), file_format=table.format,
    ), status=status)


@never_cache
@login_required
def import_list(request: HttpRequest, incident_id: Any) -> HttpResponse:
    """The lists imported into the incident, and (for workers) the upload form: import at once, or first check
    which columns were recognised."""
    user = staff_user(request)
    incident = incident_or_404(user, incident_id)
    if request.method != "POST":
        return _imports_page(request, user, incident, None)
    user, incident = _worker_on(request, incident_id)
    form = ImportUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _imports_page(request, user, incident, form, status=400)
    upload = form.cleaned_data["file"]
    if upload.size > imports.MAX_BYTES:
        form.add_error("file", _("The file is larger than %(mb)s MB.") % {"mb": imports.MAX_BYTES // (1024 * 1024)})
        return _imports_page(request, user, incident, form, status=400)
    data, filename = upload.read(), upload.name or "list"
    if "preview" in request.POST:
        if len(data) > STAGE_MAX_BYTES:
            form.add_error("file", _("This file is too large to check first: import it directly, with a mapping "
                                     "if its columns are not recognised."))
            return _imports_page(request, user, incident, form, status=400)
        try:
            table = tabular.read_table(data, filename)
        except tabular.TableError as exc:
            form.add_error("file", exc.message)
            return _imports_page(request, user, incident, form, status=400)
        mapping = form.cleaned_data["mapping"] or tabular.suggest_mapping(table.headers)
        initial: dict[str, Any] = {"staged": base64.b64encode(data).decode("ascii"), "filename": filename,
                                   "kind": form.cleaned_data["kind"], "mode": form.cleaned_data["mode"]}
        initial.update({f"map_{k}": v for k, v in mapping.items() if v in table.headers})
        return _confirm_page(request, user, incident, ImportConfirmForm(initial=initial, headers=table.headers),
                             table)
    result = _run_import(user, incident, data=data, filename=filename,
                         mapping=form.cleaned_data["mapping"], kind=form.cleaned_data["kind"],
                         mode=form.cleaned_data["mode"])
    if isinstance(result, ApplicationError):
        form_add_error(form, result)
        return _imports_page(request, user, incident, form, status=_status(result))
    return _import_done(request, incident, result)


@never_cache
@login_required
@require_POST
def import_confirm(request: HttpRequest, incident_id: Any) -> HttpResponse:
    """The second step: import the checked file with the mapping as confirmed (or changed) by the officer."""
    user, incident = _worker_on(request, incident_id)
    try:
        data = base64.b64decode(request.POST.get("staged", ""), validate=True)
        table = tabular.read_table(data, request.POST.get("filename", "") or "list")
    except (binascii.Error, ValueError, tabular.TableError):
        messages.error(request, _("The checked file could not be read again: upload it once more."))
        return redirect(incident_url(incident, "incident_imports"))
    form = ImportConfirmForm(request.POST, headers=table.headers)
    if not form.is_valid():
        return _confirm_page(request, user, incident, form, table, status=400)
    result = _run_import(user, incident, data=data, filename=form.cleaned_data["filename"],
                         mapping=form.mapping(), kind=form.cleaned_data["kind"], mode=form.cleaned_data["mode"])
    if isinstance(result, ApplicationError):
        form_add_error(form, result)
        return _confirm_page(request, user, incident, form, table, status=_status(result))
    return _import_done(request, incident, result)


@never_cache
@login_required
def import_detail(request: HttpRequest, incident_id: Any, import_id: Any) -> HttpResponse:
    """One import: its counts, the mapping used and its errors by line and column (never a cell's value)."""
    user = staff_user(request)
    incident = incident_or_404(user, incident_id)
    result = import_selectors.import_get(actor=user, incident=incident, import_id=import_id)
    if result is None:
        raise Http404
    mapping = [(MAPPING_LABELS.get(k, k), k, v) for k, v in result.mapping.items()]
    return render(request, "console/incidents/import_detail.html", _base(
        user, incident, result=result, errors=result.error_list(), mapping=mapping,
        pending=import_selectors.review_list(actor=user, incident=incident, states=[ReviewState.PENDING])
        .filter(import_row__list_import=result).count(),
    ))


@dataclass
class ReviewRow:
    review: MatchReview
    values: list[tuple[str, Any, Any]]
    reasons: list[str]
    others: list[tuple[AffectedPerson, float]]
    form: ReviewDecisionForm
    line: int
    percent: int
    extra: dict[str, Any] = field(default_factory=dict)


# A review of kind registration compares the row with these of the candidate trip registration.
REVIEW_REGISTRATION_ROWS = ["name_zh", "name_latin", "birth_date", "passport_number", "phone"]


def _review_registrations(user: User, reviews: list[MatchReview]) -> dict[str, Any]:
    """The candidate registrations of the reviews that the user may read (the registrations' own rule), each
    recorded as read."""
    ids = [r.registration_id for r in reviews if r.registration_id is not None]
    if not ids or user.role not in STAFF_READER_ROLES:
        return {}
    found: list[Any] = list(registrations_visible(actor=user).filter(pk__in=ids))
    audit_read_many(actor=user, objects=found, fields=selectors.person_fields_read(user, REVIEW_REGISTRATION_FIELDS),
                    purpose="review_candidates")
    return {str(r.pk): r for r in found}


def _registration_value(registration: Any, name: str) -> Any:
    if registration is None:
        return ""
    if name == "birth_date":
        return registration.birth_date.isoformat() if registration.birth_date else ""
    return getattr(registration, name, "")


def _candidate_value(person: AffectedPerson, name: str) -> Any:
    if name == "other_names":
        return "; ".join(n for n in person.other_names.splitlines() if n.strip())
    if name == "nationality":
        return person.nationalities
    if name == "birth_date":
        return person.birth_date.isoformat() if person.birth_date else ""
    if name == "status":
        return person.get_status_display()
    if name == "sex":
        return person.get_sex_display()
    if name in {"seat_or_room", "note"}:
        return ""
    return getattr(person, name, "")


def _row_value(values: dict[str, Any], name: str) -> Any:
    if name == "birth_date" and not values.get("birth_date") and values.get("birth_year"):
        month = values.get("birth_month")
        return f"{values['birth_year']:04d}-{month:02d}" if isinstance(month, int) else str(values["birth_year"])
    if name == "status" and values.get("status") in PersonStatus.values:
        label = str(PersonStatus(values["status"]).label)
        return label + (" · " + _("reported deceased") if values.get("reported_deceased") else "")
    return values.get(name) or ""


@never_cache
@login_required
def review_queue(request: HttpRequest, incident_id: Any, *, bound: dict[str, ReviewDecisionForm] | None = None,
                 status: int = 200) -> HttpResponse:
    """Possible matches waiting for an officer: each row's values next to the candidate, with the score and the
    matcher's reasons; Confirm (the same person) or Not the same person (a new person is created)."""
    user = staff_user(request)
    incident = incident_or_404(user, incident_id)
    bound = bound or {}
    qs = import_selectors.review_list(actor=user, incident=incident, states=[ReviewState.PENDING])
    page_obj = Paginator(qs, REVIEW_PAGE_SIZE).get_page(request.GET.get("page"))
    reviews: list[MatchReview] = list(page_obj.object_list)
    others = import_selectors.review_other_persons(reviews=reviews)
    trips = _review_registrations(user, reviews)
    registration_rows, person_rows = (selectors.person_fields_read(user, names)
                                      for names in (REVIEW_REGISTRATION_ROWS, REVIEW_ROWS))
    rows = []
    for review in reviews:
        values = imports.review_values(review)
        trip = trips.get(str(review.registration_id)) if review.registration_id else None
        if review.candidate_kind == CandidateKind.REGISTRATION:
            shown = [(str(MAPPING_LABELS.get(n, n)), _row_value(values, n), _registration_value(trip, n))
                     for n in registration_rows]
        else:
            shown = [(str(MAPPING_LABELS.get(n, n)), _row_value(values, n), _candidate_value(review.candidate, n))
                     for n in person_rows]
        shown = [row for row in shown if row[1] or row[2]]
        rows.append(ReviewRow(
            review=review, values=shown, reasons=[reason_text(r) for r in imports.review_reasons(review)],
            others=[(others[str(o["person"])], float(o.get("score", 0))) for o in review.others
                    if str(o.get("person")) in others],
            form=bound.get(str(review.pk)) or ReviewDecisionForm(), line=review.import_row.line,
            percent=round(review.score * 100), extra={"registration": trip},
        ))
    audit_read_many(actor=user, objects=list(reviews), fields=REVIEW_FIELDS, purpose="review_queue")
    persons = {r.candidate.pk: r.candidate for r in reviews} | {p.pk: p for p in others.values()}
    audit_read_many(actor=user, objects=list(persons.values()),
                    fields=selectors.person_fields_read(user, REVIEW_CANDIDATE_FIELDS), purpose="review_candidates")
    return render(request, "console/incidents/reviews.html", _base(user, incident, rows=rows, page_obj=page_obj),
                  status=status)


def _decide(request: HttpRequest, incident_id: Any, review_id: Any, confirm: bool) -> HttpResponse:
    user, incident = _worker_on(request, incident_id)
    review = import_selectors.review_get(actor=user, incident=incident, review_id=review_id)
    if review is None:
        raise Http404
    form = ReviewDecisionForm(request.POST)
    if not form.is_valid():
        return review_queue(request, incident.pk, bound={str(review.pk): form}, status=400)
    person = None
    if confirm and form.cleaned_data["person"]:
        person = selectors.person_get(actor=user, incident=incident, person_id=form.cleaned_data["person"])
        if person is None:
            form.add_error("person", _("No such person in this incident."))
            return review_queue(request, incident.pk, bound={str(review.pk): form}, status=400)
    try:
        if confirm:
            done = imports.review_confirm(actor=user, review=review, note=form.cleaned_data["note"], person=person)
        else:
            done = imports.review_reject(actor=user, review=review, note=form.cleaned_data["note"])
    except ApplicationError as error:
        if error.status == 409:
            messages.error(request, error.text())
            return redirect(incident_url(incident, "incident_reviews"))
        form_add_error(form, error)
        return review_queue(request, incident.pk, bound={str(review.pk): form}, status=_status(error))
    line = done.import_row.line
    if done.candidate_kind == CandidateKind.REGISTRATION:
        if confirm:
            messages.success(request, _("Line %(line)s: the person is linked to the trip registration.")
                             % {"line": line})
        else:
            messages.success(request, _("Line %(line)s: not that trip registration; nothing linked.")
                             % {"line": line})
    elif confirm:
        messages.success(request, _("Line %(line)s is the same person: linked.") % {"line": line})
    else:
        messages.success(request, _("Line %(line)s is a new person: added to the registry.") % {"line": line})
    return redirect(incident_url(incident, "incident_reviews"))


@never_cache
@login_required
@require_POST
def review_confirm(request: HttpRequest, incident_id: Any, review_id: Any) -> HttpResponse:
    return _decide(request, incident_id, review_id, confirm=True)


@never_cache
@login_required
@require_POST
def review_reject(request: HttpRequest, incident_id: Any, review_id: Any) -> HttpResponse:
    return _decide(request, incident_id, review_id, confirm=False)


# --- inquiries and call-backs ---------------------------------------------------------------------------------------


@never_cache
@login_required
def inquiry_list(request: HttpRequest, incident_id: Any) -> HttpResponse:
    """Families' inquiries, newest first; by default those still waiting for an answer."""
    user = staff_user(request)
    incident = incident_or_404(user, incident_id)
    form = InquiryFilterForm(request.GET or None)
    state = form.cleaned_data.get("state", "") if form.is_valid() else ""
    states: list[str] = sorted(WAITING_INQUIRY_STATES) if not state else [] if state == "all" else [state]
    qs = selectors.inquiry_list(actor=user, incident=incident, filters={"state": states})
    page_obj = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    inquiries: list[Inquiry] = list(page_obj.object_list)
    audit_read_many(actor=user, objects=list(inquiries), fields=INQUIRY_LIST_FIELDS, purpose="inquiries")
    return render(request, "console/incidents/inquiries.html", _base(
        user, incident, form=form, page_obj=page_obj, inquiries=inquiries))


@never_cache
@login_required
def inquiry_new(request: HttpRequest, incident_id: Any) -> HttpResponse:
    """An operator takes a family's call: the inquiry is recorded, then its page ranks the registry's
    candidates with what may be told to the family."""
    user, incident = _worker_on(request, incident_id)
    status = 200
    if request.method == "POST":
        form = InquiryForm(request.POST)
        if form.is_valid():
            try:
                inquiry, _found = services.inquiry_submit(actor=user, incident=incident, data=form.inquiry_in(),
                                                          limit=INQUIRY_CANDIDATES)
            except ApplicationError as error:
                form_add_error(form, error)
                status = _status(error)
            else:
                messages.success(request, _("Inquiry recorded. Look at the candidates below."))
                return redirect(incident_url(incident, "incident_inquiry", inquiry.pk))
        else:
            status = 400
    else:
        form = InquiryForm()
    return render(request, "console/incidents/inquiry_new.html", _base(user, incident, form=form), status=status)


def _inquiry_or_404(user: User, incident: Incident, inquiry_id: Any) -> Inquiry:
    inquiry = selectors.inquiry_get(actor=user, incident=incident, inquiry_id=inquiry_id)
    if inquiry is None:
        raise Http404
    return inquiry


def inquiry_candidates(incident: Incident, inquiry: Inquiry) -> list[CandidateRow]:
    try:
        found = selectors.candidates(incident=incident, name=inquiry.subject_name,
                                     birth_date=inquiry.subject_birth_date or None,
                                     passport_number=inquiry.subject_passport_number, limit=INQUIRY_CANDIDATES)
    except ValueError:  # a birth date stored before its rule tightened: search by the name alone
        found = selectors.candidates(incident=incident, name=inquiry.subject_name,
                                     passport_number=inquiry.subject_passport_number, limit=INQUIRY_CANDIDATES)
    return [candidate_row(c) for c in found]


@never_cache
@login_required
def inquiry_detail(request: HttpRequest, incident_id: Any, inquiry_id: Any) -> HttpResponse:
    """The inquiry and the ranked candidates, each with the status the family may be told (the next-of-kin
    gate), and (for workers) a button to attach the inquiry to a candidate."""
    user = staff_user(request)
    incident = incident_or_404(user, incident_id)
    inquiry = _inquiry_or_404(user, incident, inquiry_id)
    rows = inquiry_candidates(incident, inquiry)
    attached = None
    if inquiry.person is not None:
        attached = next((r for r in rows if r.person.pk == inquiry.person_id), None)
        if attached is None:
            code, text = public_texts(inquiry.person)
            attached = CandidateRow(person=inquiry.person, score=0.0, level="", reasons=[], public_status=code,
                                    public_text=text)
    audit_read(actor=user, obj=inquiry, fields=INQUIRY_FIELDS)
    shown = {r.person.pk: r.person for r in rows} | ({attached.person.pk: attached.person} if attached else {})
    audit_read_many(actor=user, objects=list(shown.values()), fields=CANDIDATE_FIELDS, purpose="inquiry_candidates")
    return render(request, "console/incidents/inquiry.html", _base(
        user, incident, inquiry=inquiry, rows=rows, attached=attached,
        can_attach=can_work(user) and inquiry.state != InquiryState.CLOSED,
    ))


@never_cache
@login_required
@require_POST
def inquiry_attach(request: HttpRequest, incident_id: Any, inquiry_id: Any) -> HttpResponse:
    user, incident = _worker_on(request, incident_id)
    inquiry = _inquiry_or_404(user, incident, inquiry_id)
    form = AttachForm(request.POST)
    person = None
    if form.is_valid():
        person = selectors.person_get(actor=user, incident=incident, person_id=form.cleaned_data["person"])
    if person is None:
        messages.error(request, _("Choose one of the candidates to attach the inquiry to."))
        return redirect(incident_url(incident, "incident_inquiry", inquiry.pk))
    try:
        services.inquiry_attach(actor=user, inquiry=inquiry, person=person)
    except ApplicationError as error:
        messages.error(request, error.text())
    else:
        messages.success(request, _("The inquiry is attached to %(name)s: the family will be called back when the "
                                    "status changes.") % {"name": person.name_zh or person.name_latin})
    return redirect(incident_url(incident, "incident_inquiry", inquiry.pk))


@dataclass
class CallBackRow:
    callback: CallBack
    overdue: bool
    public_status: str
    public_text: dict[str, str]
    form: CallBackDoneForm


@never_cache
@login_required
def callback_list(request: HttpRequest, incident_id: Any, *, bound: dict[str, CallBackDoneForm] | None = None,
                  status: int = 200) -> HttpResponse:
    """Call-backs owed to families, the earliest due first, each with what the family may be told now."""
    user = staff_user(request)
    incident = incident_or_404(user, incident_id)
    bound = bound or {}
    now = timezone.now()
    qs = selectors.callback_list(actor=user, incident=incident, now=now)
    page_obj = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    callbacks: list[CallBack] = list(page_obj.object_list)
    rows = []
    for callback in callbacks:
        code, text = public_texts(callback.person)
        rows.append(CallBackRow(callback=callback, overdue=callback.due_at <= now, public_status=code,
                                public_text=text, form=bound.get(str(callback.pk)) or CallBackDoneForm()))
    audit_read_many(actor=user, objects=list(callbacks), fields=CALLBACK_FIELDS, purpose="callbacks")
    return render(request, "console/incidents/callbacks.html", _base(user, incident, rows=rows, page_obj=page_obj,
                                                                     due=sum(r.overdue for r in rows)),
                  status=status)


@never_cache
@login_required
@require_POST
def callback_done(request: HttpRequest, incident_id: Any, callback_id: Any) -> HttpResponse:
    user, incident = _worker_on(request, incident_id)
    callback = selectors.callback_get(actor=user, incident=incident, callback_id=callback_id)
    if callback is None:
        raise Http404
    form = CallBackDoneForm(request.POST)
    if not form.is_valid():
        return callback_list(request, incident.pk, bound={str(callback.pk): form}, status=400)
    try:
        services.callback_done(actor=user, callback=callback, note=form.cleaned_data["note"])
    except ApplicationError as error:
        if error.status == 409:
            messages.error(request, error.text())
            return redirect(incident_url(incident, "incident_callbacks"))
        form_add_error(form, error)
        return callback_list(request, incident.pk, bound={str(callback.pk): form}, status=_status(error))
    messages.success(request, _("Call-back done."))
    return redirect(incident_url(incident, "incident_callbacks"))


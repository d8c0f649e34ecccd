"""Major incidents: the incident and its dashboard, the registry of affected persons with their status history,
families' inquiries with ranked candidates, and the call-backs owed to them. Thin: validate, call a service or
selector, shape the answer. Everything an inquirer may be told goes through `selectors.public_status`."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from consular.api.permissions import IsStaff
from consular.api.v1 import incident_serializers as s
from consular.api.v1.cases import AuditedList
from consular.cases.models import Case
from consular.cases.selectors import case_get
from consular.core.audit import audit_read, audit_read_many
from consular.core.errors import ApplicationError, ErrorCode
from consular.incidents import selectors, services
from consular.incidents.models import AffectedPerson, CallBack, Incident, Inquiry
from consular.travel.codes import RegistrationKind, RegistrationState
from consular.travel.models import Registration


class LinkedLegSerializer(serializers.Serializer):
    country = serializers.CharField(source="country_id")
    subdivision = serializers.CharField(source="subdivision_id", allow_null=True)
    city = serializers.CharField()
    arrive = serializers.DateField()
    depart = serializers.DateField()


class LinkedContactsSerializer(serializers.Serializer):
    phone = serializers.CharField()
    email = serializers.CharField()
    messaging_id = serializers.CharField()


class LinkedEmergencySerializer(serializers.Serializer):
    name = serializers.CharField(source="emergency_name")
    relation = serializers.CharField(source="emergency_relation")
    phone = serializers.CharField(source="emergency_phone")
    email = serializers.CharField(source="emergency_email")


class LinkedConsentSerializer(serializers.Serializer):
    contact_family = serializers.BooleanField(source="consent_contact_family")
    share_with_incident = serializers.BooleanField(source="consent_share_with_incident")


class LinkedRegistrationSerializer(serializers.Serializer):
    """The trip registration a person was matched to (list import or an officer's confirmation)."""

    id = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=RegistrationKind.choices)
    state = serializers.ChoiceField(choices=RegistrationState.choices)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    legs = LinkedLegSerializer(many=True, help_text="The trip's stops, in order.")
    contacts = LinkedContactsSerializer(source="*")
    emergency_contact = LinkedEmergencySerializer(source="*")
    consent = LinkedConsentSerializer(source="*")


class PersonDetailSerializer(s.PersonOutSerializer):
    """One affected person, with the trip registration linked to them when the caller may read registrations."""

    registration = serializers.SerializerMethodField(
        help_text="The linked trip registration (stops, contacts, emergency contact, consent): shown to the roles "
                  "that may read that registration (HQ officers, hotline operators, mission officers for trips in "
                  "their jurisdiction), each read recorded; null otherwise or when none is linked.")
    registration_linked_at = serializers.DateTimeField(allow_null=True, read_only=True)
    registration_filled = serializers.ListField(
        child=serializers.CharField(), read_only=True,
        help_text="The particulars copied from the linked registration (birth_date, passport_number, phone, email, "
                  "emergency_contact).")
    emergency_contact = serializers.CharField(read_only=True, help_text="From the linked registration, if any.")

    class Meta(s.PersonOutSerializer.Meta):
        fields = [*s.PersonOutSerializer.Meta.fields, "emergency_contact", "registration", "registration_linked_at",
                  "registration_filled"]

    @extend_schema_field(LinkedRegistrationSerializer(allow_null=True))
    def get_registration(self, obj: AffectedPerson) -> dict[str, Any] | None:
        registration: Registration | None = self.context.get("registration")
        return None if registration is None else dict(LinkedRegistrationSerializer(registration).data)


def _incident_or_404(request: Request, incident_id: str) -> Incident:
    incident = selectors.incident_get(actor=request.user, incident_id=incident_id)
    if incident is None:
        raise Http404
    return incident


def _person_or_404(request: Request, incident: Incident, person_id: str) -> AffectedPerson:
    person = selectors.person_get(actor=request.user, incident=incident, person_id=person_id)
    if person is None:
        raise Http404
    return person


def _inquiry_or_404(request: Request, incident: Incident, inquiry_id: str) -> Inquiry:
    inquiry = selectors.inquiry_get(actor=request.user, incident=incident, inquiry_id=inquiry_id)
    if inquiry is None:
        raise Http404
    return inquiry


def _case(request: Request, case_id: Any) -> Case | None:
    """The case a person is linked to, as the caller may see it (None to unlink)."""
    if case_id is None:
        return None
    case = case_get(actor=request.user, case_id=case_id)
    if case is None:
        raise ApplicationError(ErrorCode.INVALID, _("Unknown case."), fields={"case": [_("Unknown case.")]})
    return case


def _incident_detail(request: Request, incident: Incident, code: int = status.HTTP_200_OK) -> Response:
    incident = selectors.incident_get(actor=request.user, incident_id=incident.pk) or incident
    dashboard = selectors.incident_dashboard(incident=incident)
    return Response(s.IncidentDetailSerializer(incident, context={"dashboard": dashboard}).data, status=code)


def _person_detail(request: Request, incident: Incident, person: AffectedPerson,
                   code: int = status.HTTP_200_OK) -> Response:
    person = selectors.person_get(actor=request.user, incident=incident, person_id=person.pk) or person
    audit_read(actor=request.user, obj=person, fields=selectors.person_fields_read(
        request.user, [*s.PERSON_PERSONAL, "emergency_contact"]))
    registration = selectors.linked_registration(actor=request.user, person=person)
    if registration is not None:
        audit_read(actor=request.user, obj=registration, fields=selectors.LINKED_REGISTRATION_FIELDS,
                   purpose="incident_person")
    return Response(PersonDetailSerializer(person, context={"request": request, "registration": registration}).data,
                    status=code)


def _inquiry_detail(request: Request, incident: Incident, inquiry: Inquiry) -> Response:
    inquiry = selectors.inquiry_get(actor=request.user, incident=incident, inquiry_id=inquiry.pk) or inquiry
    audit_read(actor=request.user, obj=inquiry, fields=s.INQUIRY_PERSONAL)
    return Response(s.InquiryOutSerializer(inquiry).data)


# --- Incidents ----------------------------------------------------------------------------------------------------

class IncidentList(generics.ListAPIView):
    """Incidents the caller may see, open ones first, most recent first. HQ officers open them."""

    permission_classes = [IsStaff]
    serializer_class = s.IncidentOutSerializer

    @extend_schema(parameters=[s.IncidentQuerySerializer])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> Any:
        query = s.IncidentQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        qs = selectors.incidents_visible(actor=self.request.user)
        for name in ("status", "kind"):
            if query.validated_data.get(name):
                qs = qs.filter(**{name: query.validated_data[name]})
        return qs.order_by("-status", "-started_at", "pk")

    @extend_schema(request=s.IncidentInSerializer, responses={201: s.IncidentDetailSerializer})
    def post(self, request: Request) -> Response:
        data = s.IncidentInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        incident = services.incident_open(actor=request.user, data=data.to_incident_in())
        return _incident_detail(request, incident, status.HTTP_201_CREATED)


class IncidentDetail(APIView):
    permission_classes = [IsStaff]

    @extend_schema(responses=s.IncidentDetailSerializer)
    def get(self, request: Request, incident_id: str) -> Response:
        return _incident_detail(request, _incident_or_404(request, incident_id))

    @extend_schema(request=s.IncidentPatchSerializer, responses=s.IncidentDetailSerializer)
    def patch(self, request: Request, incident_id: str) -> Response:
        incident = _incident_or_404(request, incident_id)
        unknown = set(request.data) - set(s.IncidentPatchSerializer().fields) if isinstance(request.data, dict) \
            else set()
        data = s.IncidentPatchSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        changes = dict(data.validated_data)
        changes.update({k: request.data[k] for k in unknown})
        return _incident_detail(request, services.incident_update(actor=request.user, incident=incident,
                                                                  changes=changes))


class IncidentClose(APIView):
    permission_classes = [IsStaff]

    @extend_schema(request=None, responses=s.IncidentDetailSerializer)
    def post(self, request: Request, incident_id: str) -> Response:
        incident = _incident_or_404(request, incident_id)
        return _incident_detail(request, services.incident_close(actor=request.user, incident=incident))


# --- Persons ------------------------------------------------------------------------------------------------------

class PersonList(AuditedList):
    """The registry of affected persons, in the order they were added; `status` and `mission` filter (each
    repeatable). Each listed person is recorded as read."""

    permission_classes = [IsStaff]
    serializer_class = s.PersonOutSerializer
    audit_fields = s.PERSON_PERSONAL
    audit_purpose = "incident_registry"

    def get_audit_fields(self) -> list[str]:
        return selectors.person_fields_read(self.request.user, self.audit_fields)

    @extend_schema(parameters=[s.PersonQuerySerializer])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> Any:
        incident = _incident_or_404(self.request, self.kwargs["incident_id"])
        raw = {k: self.request.query_params.getlist(k) for k in ("status", "mission")}
        query = s.PersonQuerySerializer(data={k: v for k, v in raw.items() if v})
        query.is_valid(raise_exception=True)
        return selectors.person_list(actor=self.request.user, incident=incident, filters=query.validated_data)

    @extend_schema(request=s.PersonInSerializer, responses={201: PersonDetailSerializer})
    def post(self, request: Request, incident_id: str) -> Response:
        incident = _incident_or_404(request, incident_id)
        data = s.PersonInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        case = _case(request, data.validated_data.get("case"))
        person = services.person_add(actor=request.user, incident=incident, data=data.to_person_in(case))
        return _person_detail(request, incident, person, status.HTTP_201_CREATED)


class PersonDetail(APIView):
    permission_classes = [IsStaff]

    @extend_schema(responses=PersonDetailSerializer)
    def get(self, request: Request, incident_id: str, person_id: str) -> Response:
        incident = _incident_or_404(request, incident_id)
        return _person_detail(request, incident, _person_or_404(request, incident, person_id))

    @extend_schema(request=s.PersonPatchSerializer, responses=PersonDetailSerializer)
    def patch(self, request: Request, incident_id: str, person_id: str) -> Response:
        """Change particulars and/or the status. A status needs its source:
        `{"status": "injured", "source": {"kind": "call", "ref": "…"}, "note": "…", "hospital": "…"}`."""
        incident = _incident_or_404(request, incident_id)
        person = _person_or_404(request, incident, person_id)
        unknown = set(request.data) - set(s.PersonPatchSerializer().fields) if isinstance(request.data, dict) \
            else set()
        data = s.PersonPatchSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        v = dict(data.validated_data)
        new_status = None
        if "status" in v:
            source = v.pop("source")
            new_status = services.StatusIn(status=v.pop("status"), source=services.Source(**source),
                                           note=v.pop("note", ""), hospital=v.pop("hospital", ""))
        if "case" in v:
            v["case"] = _case(request, v["case"])
        v.update({k: request.data[k] for k in unknown})
        person = services.person_patch(actor=request.user, person=person, changes=v, status=new_status)
        return _person_detail(request, incident, person)


class PersonHistory(APIView):
    """Every status the person had, oldest first, each with its source, note, officer and time."""

    permission_classes = [IsStaff]

    @extend_schema(responses=s.StatusChangeSerializer(many=True))
    def get(self, request: Request, incident_id: str, person_id: str) -> Response:
        incident = _incident_or_404(request, incident_id)
        person = _person_or_404(request, incident, person_id)
        history = selectors.person_history(person=person)
        audit_read(actor=request.user, obj=person, fields=["status_history"], purpose="history")
        return Response(s.StatusChangeSerializer(history, many=True).data)


class PersonNextOfKinInformed(APIView):
    """Record that the next of kin was told of the death: from now on inquirers and the public see `deceased`."""

    permission_classes = [IsStaff]

    @extend_schema(request=s.NextOfKinSerializer, responses=PersonDetailSerializer)
    def post(self, request: Request, incident_id: str, person_id: str) -> Response:
        incident = _incident_or_404(request, incident_id)
        person = _person_or_404(request, incident, person_id)
        data = s.NextOfKinSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        person = services.next_of_kin_informed(actor=request.user, person=person, note=data.validated_data["note"])
        return _person_detail(request, incident, person)


# --- Inquiries ----------------------------------------------------------------------------------------------------

class InquiryList(AuditedList):
    """Inquiries about the incident's persons, newest first; `state` (repeatable) and `person` filter. Each
    listed inquiry is recorded as read."""

    permission_classes = [IsStaff]
    serializer_class = s.InquiryOutSerializer
    audit_fields = s.INQUIRY_PERSONAL
    audit_purpose = "inquiries"

    @extend_schema(parameters=[s.InquiryQuerySerializer])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> Any:
        incident = _incident_or_404(self.request, self.kwargs["incident_id"])
        data: dict[str, Any] = {}
        if self.request.query_params.getlist("state"):
            data["state"] = self.request.query_params.getlist("state")
        if "person" in self.request.query_params:
            data["person"] = self.request.query_params["person"]
        query = s.InquiryQuerySerializer(data=data)
        query.is_valid(raise_exception=True)
        return selectors.inquiry_list(actor=self.request.user, incident=incident, filters=query.validated_data)

    @extend_schema(request=s.InquiryInSerializer, responses={201: s.InquiryCreatedSerializer})
    def post(self, request: Request, incident_id: str) -> Response:
        """Record an inquiry; the answer ranks the registry's candidates (score, level, reasons) with the status
        the inquirer may be told (`public_status`: a death before the next of kin was told shows as
        `awaiting_notification`, "please wait for our call")."""
        incident = _incident_or_404(request, incident_id)
        data = s.InquiryInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        inquiry, found = services.inquiry_submit(actor=request.user, incident=incident, data=data.to_inquiry_in())
        audit_read(actor=request.user, obj=inquiry, fields=s.INQUIRY_PERSONAL)
        audit_read_many(actor=request.user, objects=[c.person for c in found], fields=s.CANDIDATE_PERSONAL,
                        purpose="inquiry_candidates")
        body = s.InquiryCreatedSerializer(inquiry, context={"candidates": found}).data
        return Response(body, status=status.HTTP_201_CREATED)


class InquiryAttach(APIView):
    permission_classes = [IsStaff]

    @extend_schema(request=s.AttachSerializer, responses=s.InquiryOutSerializer)
    def post(self, request: Request, incident_id: str, inquiry_id: str) -> Response:
        incident = _incident_or_404(request, incident_id)
        inquiry = _inquiry_or_404(request, incident, inquiry_id)
        data = s.AttachSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        person = selectors.person_get(actor=request.user, incident=incident, person_id=data.validated_data["person"])
        if person is None:
            raise ApplicationError(ErrorCode.INVALID, _("Unknown person."),
                                   fields={"person": [_("No such person in this incident.")]})
        inquiry = services.inquiry_attach(actor=request.user, inquiry=inquiry, person=person)
        return _inquiry_detail(request, incident, inquiry)


class InquiryClose(APIView):
    permission_classes = [IsStaff]

    @extend_schema(request=s.CloseNoteSerializer, responses=s.InquiryOutSerializer)
    def post(self, request: Request, incident_id: str, inquiry_id: str) -> Response:
        incident = _incident_or_404(request, incident_id)
        inquiry = _inquiry_or_404(request, incident, inquiry_id)
        data = s.CloseNoteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        inquiry = services.inquiry_close(actor=request.user, inquiry=inquiry, note=data.validated_data["note"])
        return _inquiry_detail(request, incident, inquiry)


# --- Call-backs ---------------------------------------------------------------------------------------------------

# What a call-back shows of its inquirer (and records as read).
CALLBACK_PERSONAL = ["inquirer_name", "inquirer_relation", "inquirer_phone", "inquirer_email"]


class CallBackList(AuditedList):
    """Call-backs owed to inquirers, earliest due first: pending by default (`done=true`: the ones made),
    `due=true` only those due now. Each listed call-back (its inquirer's contact) is recorded as read."""

    permission_classes = [IsStaff]
    serializer_class = s.CallBackOutSerializer
    audit_fields = CALLBACK_PERSONAL
    audit_purpose = "callbacks"
    _now: datetime.datetime | None = None

    @extend_schema(parameters=[s.CallBackQuerySerializer])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "now": self._now}

    def get_queryset(self) -> Any:
        incident = _incident_or_404(self.request, self.kwargs["incident_id"])
        query = s.CallBackQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        self._now = timezone.now()
        return selectors.callback_list(actor=self.request.user, incident=incident, due=query.validated_data["due"],
                                       done=query.validated_data["done"], now=self._now)


class CallBackDone(APIView):
    permission_classes = [IsStaff]

    @extend_schema(request=s.CloseNoteSerializer, responses=s.CallBackOutSerializer)
    def post(self, request: Request, incident_id: str, callback_id: str) -> Response:
        incident = _incident_or_404(request, incident_id)
        callback = selectors.callback_get(actor=request.user, incident=incident, callback_id=callback_id)
        if callback is None:
            raise Http404
        data = s.CloseNoteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        done: CallBack = services.callback_done(actor=request.user, callback=callback,
                                                note=data.validated_data["note"])
        done = selectors.callback_get(actor=request.user, incident=incident, callback_id=done.pk) or done
        audit_read(actor=request.user, obj=done, fields=CALLBACK_PERSONAL)
        return Response(s.CallBackOutSerializer(done, context={"now": timezone.now()}).data)

"""Cases, calls and citizens' help requests. Thin: validate, call a service or selector, shape the answer."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from consular.api.permissions import IsStaff
from consular.api.v1 import case_serializers as s
from consular.cases import selectors, services
from consular.cases.codes import Channel
from consular.cases.followup import CITIZEN_STATUS, followup_case
from consular.cases.models import Case
from consular.core.audit import audit_read, audit_read_many
from consular.core.context import current
from consular.core.crypto import keyed_hash
from consular.core.errors import ApplicationError, ErrorCode
from consular.stats.selectors import call_stats, case_stats

CASE_PERSONAL = ["summary", *s.PERSONAL_FIELDS]


def _case_or_404(request: Request, case_id: str) -> Case:
    case = selectors.case_get(actor=request.user, case_id=case_id)
    if case is None:
        raise Http404
    return case


def _detail(request: Request, case: Case, code: int = status.HTTP_200_OK) -> Response:
    case = selectors.case_get(actor=request.user, case_id=case.pk) or case
    audit_read(actor=request.user, obj=case, fields=CASE_PERSONAL)
    return Response(s.CaseDetailSerializer(case).data, status=code)


class AuditedList(generics.ListAPIView):
    """A list whose page shows personal data: each object on the page is recorded as read."""

    audit_fields: list[str] = []
    audit_purpose = ""

    def paginate_queryset(self, queryset: Any) -> Any:
        page = super().paginate_queryset(queryset)
        audit_read_many(actor=self.request.user, objects=list(page or []), fields=self.get_audit_fields(),
                        purpose=self.audit_purpose)
        return page

    def get_audit_fields(self) -> list[str]:
        """The personal fields the page shows this caller (recorded with each read)."""
        return self.audit_fields


class CaseList(AuditedList):
    """The queue: open cases by default, overdue first; filters combine. `q` searches by reference, name
    (characters or pinyin), phone or passport number (exact)."""

    permission_classes = [IsStaff]
    serializer_class = s.CaseOutSerializer
    audit_fields = CASE_PERSONAL
    audit_purpose = "queue"

    @extend_schema(parameters=[s.CaseQuerySerializer])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> Any:
        raw = {k: self.request.query_params.getlist(k) for k in ("state", "urgency", "category", "mission")}
        data: dict[str, Any] = {k: v for k, v in raw.items() if v}
        for k in ("assignee", "overdue", "q"):
            if k in self.request.query_params:
                data[k] = self.request.query_params[k]
        query = s.CaseQuerySerializer(data=data)
        query.is_valid(raise_exception=True)
        return selectors.case_queue(actor=self.request.user, filters=query.validated_data)

    @extend_schema(request=s.CaseInSerializer, responses={201: s.CaseDetailSerializer})
    def post(self, request: Request) -> Response:
        data = s.CaseInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        case = services.case_open(actor=request.user, data=data.to_case_in(channel=Channel.HOTLINE))
        return _detail(request, case, status.HTTP_201_CREATED)


class CaseDetail(APIView):
    permission_classes = [IsStaff]

    @extend_schema(responses=s.CaseDetailSerializer)
    def get(self, request: Request, case_id: str) -> Response:
        return _detail(request, _case_or_404(request, case_id))

    @extend_schema(request=s.CasePatchSerializer, responses=s.CaseDetailSerializer)
    def patch(self, request: Request, case_id: str) -> Response:
        case = _case_or_404(request, case_id)
        unknown = set(request.data) - set(s.CasePatchSerializer().fields) if isinstance(request.data, dict) else set()
        data = s.CasePatchSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        changes = dict(data.validated_data)
        changes.update({k: request.data[k] for k in unknown})
        return _detail(request, services.case_update(actor=request.user, case=case, changes=changes))


class CaseTransition(APIView):
    permission_classes = [IsStaff]

    @extend_schema(request=s.TransitionSerializer, responses=s.CaseDetailSerializer)
    def post(self, request: Request, case_id: str) -> Response:
        case = _case_or_404(request, case_id)
        data = s.TransitionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        return _detail(request, services.case_transition(actor=request.user, case=case, to=v["to"],
                                                         reason=v["reason"]))


class CaseNote(APIView):
    permission_classes = [IsStaff]

    @extend_schema(request=s.NoteSerializer, responses={201: s.EventSerializer})
    def post(self, request: Request, case_id: str) -> Response:
        case = _case_or_404(request, case_id)
        data = s.NoteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        event = services.case_note(actor=request.user, case=case, body=data.validated_data["body"],
                                   public=data.validated_data["public"])
        return Response(s.EventSerializer(event).data, status=status.HTTP_201_CREATED)


class CaseAssign(APIView):
    permission_classes = [IsStaff]

    @extend_schema(request=s.AssignSerializer, responses=s.CaseDetailSerializer)
    def post(self, request: Request, case_id: str) -> Response:
        case = _case_or_404(request, case_id)
        data = s.AssignSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return _detail(request, services.case_assign(actor=request.user, case=case,
                                                     officer_username=data.validated_data["officer"],
                                                     note=data.validated_data["note"]))


class CaseTransfer(APIView):
    permission_classes = [IsStaff]

    @extend_schema(request=s.TransferSerializer, responses=s.CaseOutSerializer)
    def post(self, request: Request, case_id: str) -> Response:
        case = _case_or_404(request, case_id)
        data = s.TransferSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        case = services.case_transfer(actor=request.user, case=case, mission_code=data.validated_data["mission"],
                                      reason=data.validated_data["reason"])
        # After a transfer the caller may no longer see the case: answer with what they may see.
        visible = selectors.case_get(actor=request.user, case_id=case.pk)
        if visible is None:
            return Response({"id": str(case.pk), "reference": case.reference, "mission": case.mission.code,
                             "state": case.state})
        return _detail(request, visible)


class CaseMerge(APIView):
    permission_classes = [IsStaff]

    @extend_schema(request=s.MergeSerializer, responses=s.CaseDetailSerializer)
    def post(self, request: Request, case_id: str) -> Response:
        case = _case_or_404(request, case_id)
        data = s.MergeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        into_ref = data.validated_data["into"]
        visible = selectors.cases_visible(actor=request.user)
        into = selectors.case_get(actor=request.user, case_id=into_ref) or visible.filter(
            reference=into_ref.strip().upper()).first()
        if into is None:
            raise ApplicationError(ErrorCode.INVALID, _("Unknown target case."),
                                   fields={"into": [_("No case with this reference.")]})
        return _detail(request, services.case_merge(actor=request.user, case=case, into=into,
                                                    reason=data.validated_data["reason"]))


class CallList(AuditedList):
    """Hotline calls, newest first. `phone` finds a number's earlier calls (exact, through its keyed hash)."""

    permission_classes = [IsStaff]
    serializer_class = s.CallOutSerializer
    audit_fields = ["caller_name", "caller_phone", "summary"]

    @extend_schema(parameters=[s.CallQuerySerializer])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> Any:
        query = s.CallQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        v = query.validated_data
        qs = selectors.calls_visible(actor=self.request.user)
        if v.get("phone"):
            qs = qs.filter(caller_phone_hash=keyed_hash(v["phone"], kind="phone"))
        if v.get("topic"):
            qs = qs.filter(topic=v["topic"])
        if v.get("since"):
            qs = qs.filter(started_at__gte=v["since"])
        return qs.order_by("-started_at")

    @extend_schema(request=s.CallInSerializer, responses={201: s.CallOutSerializer})
    def post(self, request: Request) -> Response:
        data = s.CallInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        case = None
        if v.get("case"):
            case = selectors.case_get(actor=request.user, case_id=v["case"])
            if case is None:
                raise ApplicationError(ErrorCode.INVALID, _("Unknown case."), fields={"case": [_("No such case.")]})
        open_case = s.case_in_from(v["open_case"], Channel.HOTLINE) if v.get("open_case") else None
        call = services.call_log(
            actor=request.user, direction=v["direction"], caller_name=v["caller_name"],
            caller_phone=v["caller_phone"], language=v["language"], topic=v["topic"], summary=v["summary"],
            started_at=v["started_at"], ended_at=v["ended_at"], case=case, open_case=open_case,
        )
        return Response(s.CallOutSerializer(call).data, status=status.HTTP_201_CREATED)


class HelpRequestCreate(APIView):
    """A citizen asks for help (no account needed). Keep the reference and the follow-up code."""

    permission_classes = [AllowAny]

    @extend_schema(request=s.HelpRequestInSerializer, responses={201: s.HelpRequestOutSerializer})
    def post(self, request: Request) -> Response:
        data = s.HelpRequestInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        case, code = services.help_request_submit(
            name=v["name"], phone=v["phone"], email=v["email"],
            location=s.location_from(v["location"]), category=v["category"],
            description=v["description"], channel=Channel.WEB,
        )
        return Response({"reference": case.reference, "follow_up_code": code,
                         "status": str(CITIZEN_STATUS[case.state])}, status=status.HTTP_201_CREATED)


def help_status(case: Case) -> dict[str, Any]:
    when = serializers.DateTimeField().to_representation
    return {
        "reference": case.reference,
        "status": str(CITIZEN_STATUS[case.state]),
        "state": case.state,
        "mission": {"code": case.mission.code, "name": case.mission.name, "phone": case.mission.phone},
        "created_at": when(case.created_at),
        "messages": [
            {"at": when(e.at), "from": e.author, "kind": e.kind, "text": e.text}
            for e in selectors.case_public_timeline(case=case)
        ],
    }


class HelpRequestDetail(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses=s.HelpStatusSerializer)
    def get(self, request: Request, reference: str) -> Response:
        case = followup_case(reference=reference, code=request.query_params.get("code", ""),
                             client=current().client_address)
        return Response(help_status(case))


class HelpRequestMessages(APIView):
    permission_classes = [AllowAny]

    @extend_schema(request=s.HelpMessageSerializer, responses={201: s.HelpStatusSerializer})
    def post(self, request: Request, reference: str) -> Response:
        data = s.HelpMessageSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        code = data.validated_data.get("code") or request.query_params.get("code", "")
        case = followup_case(reference=reference, code=code, client=current().client_address)
        services.help_request_message(case=case, body=data.validated_data["body"])
        return Response(help_status(case), status=status.HTTP_201_CREATED)


class YearQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)


class CaseStatsSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    total = serializers.IntegerField()
    by_category = serializers.DictField(child=serializers.IntegerField())
    by_country = serializers.DictField(child=serializers.IntegerField())
    by_mission = serializers.DictField(child=serializers.IntegerField())
    by_urgency = serializers.DictField(child=serializers.IntegerField())
    by_state = serializers.DictField(child=serializers.IntegerField())
    by_month = serializers.DictField(child=serializers.IntegerField())
    median_minutes_to_first_response = serializers.FloatField(allow_null=True)
    median_minutes_to_resolution = serializers.FloatField(allow_null=True)


class CallStatsSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    total = serializers.IntegerField()
    by_topic = serializers.DictField(child=serializers.IntegerField())
    by_day = serializers.DictField(child=serializers.IntegerField())
    with_case = serializers.IntegerField()


class CaseStats(APIView):
    """Cases by category, country, mission, urgency, state and month; median minutes to first response and to
    resolution. Scoped: a mission officer sees the mission's figures."""

    permission_classes = [IsStaff]

    @extend_schema(parameters=[YearQuerySerializer], responses=CaseStatsSerializer)
    def get(self, request: Request) -> Response:
        query = YearQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return Response(case_stats(actor=request.user, year=query.validated_data["year"]))


class CallStats(APIView):
    """Calls by day and by topic."""

    permission_classes = [IsStaff]

    @extend_schema(parameters=[YearQuerySerializer], responses=CallStatsSerializer)
    def get(self, request: Request) -> Response:
        query = YearQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return Response(call_stats(actor=request.user, year=query.validated_data["year"]))

"""Safety alerts: write, approve, publish, update and cancel them; the audience before publishing and the
deliveries after. Thin: validate, call a service or selector, shape the answer. Every POST is idempotent through
the Idempotency-Key middleware."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from consular.alerts import deliveries, selectors, services, targeting
from consular.alerts.models import Alert
from consular.api.permissions import IsStaff
from consular.api.v1 import alert_serializers as s


def _alert_or_404(request: Request, alert_id: str) -> Alert:
    alert = selectors.alert_get(actor=request.user, alert_id=alert_id)
    if alert is None:
        raise Http404
    return alert


def _detail(request: Request, alert: Alert, code: int = status.HTTP_200_OK) -> Response:
    alert = selectors.alert_get(actor=request.user, alert_id=alert.pk) or alert
    editions = list(selectors.editions(alert=alert))
    context = {"editions": editions, "latest": {alert.pk: editions[-1]}}
    return Response(s.AlertDetailSerializer(alert, context=context).data, status=code)


class AlertList(generics.ListAPIView):
    """Alerts the caller may see, newest first; `state` and `country` filter. HQ and mission officers write them
    (a mission officer inside the mission's consular district); the first edition is a draft."""

    permission_classes = [IsStaff]
    serializer_class = s.AlertSchemaSerializer

    @extend_schema(parameters=[s.AlertQuerySerializer], responses=s.AlertSchemaSerializer(many=True))
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> Any:
        query = s.AlertQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return selectors.alert_list(actor=self.request.user, filters=query.validated_data)

    def get_serializer(self, *args: Any, **kwargs: Any) -> Any:
        context = self.get_serializer_context()
        if args and isinstance(args[0], list):  # a page: the latest editions of its alerts in one query
            context["latest"] = selectors.latest_editions(alerts=args[0])
        kwargs["context"] = context
        return s.AlertOutSerializer(*args, **kwargs)

    @extend_schema(request=s.AlertInSerializer, responses={201: s.AlertDetailSchemaSerializer})
    def post(self, request: Request) -> Response:
        data = s.AlertInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        alert = services.alert_create(actor=request.user, data=data.to_alert_in())
        return _detail(request, alert, status.HTTP_201_CREATED)


class AlertDetail(APIView):
    permission_classes = [IsStaff]

    @extend_schema(responses=s.AlertDetailSchemaSerializer)
    def get(self, request: Request, alert_id: str) -> Response:
        return _detail(request, _alert_or_404(request, alert_id))


class AlertEditions(APIView):
    """A new edition: the update of a published alert (published after a second officer approves it), or a new
    text of an alert not yet published."""

    permission_classes = [IsStaff]

    @extend_schema(request=s.AlertInSerializer, responses={201: s.AlertDetailSchemaSerializer})
    def post(self, request: Request, alert_id: str) -> Response:
        alert = _alert_or_404(request, alert_id)
        data = s.AlertInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.alert_edition_add(actor=request.user, alert=alert, data=data.to_alert_in())
        return _detail(request, alert, status.HTTP_201_CREATED)


class AlertApprove(APIView):
    """Approve the edition waiting for approval. Never by its author (403)."""

    permission_classes = [IsStaff]

    @extend_schema(request=None, responses=s.AlertDetailSchemaSerializer)
    def post(self, request: Request, alert_id: str) -> Response:
        alert = _alert_or_404(request, alert_id)
        services.alert_approve(actor=request.user, alert=alert)
        return _detail(request, alert)


class AlertPublish(APIView):
    """Publish the approved edition; its delivery rows are created at once."""

    permission_classes = [IsStaff]

    @extend_schema(request=None, responses=s.AlertDetailSchemaSerializer)
    def post(self, request: Request, alert_id: str) -> Response:
        alert = _alert_or_404(request, alert_id)
        services.alert_publish(actor=request.user, alert=alert)
        return _detail(request, alert)


class AlertCancel(APIView):
    """Cancel the alert (a CAP Cancel message when it was published); unsent deliveries are suppressed."""

    permission_classes = [IsStaff]

    @extend_schema(request=s.CancelSerializer, responses=s.AlertDetailSchemaSerializer)
    def post(self, request: Request, alert_id: str) -> Response:
        alert = _alert_or_404(request, alert_id)
        data = s.CancelSerializer(data=request.data or {})
        data.is_valid(raise_exception=True)
        services.alert_cancel(actor=request.user, alert=alert, reason=data.validated_data["reason"])
        return _detail(request, alert)


class AlertAudience(APIView):
    """How many people the latest edition would reach (or reached): before publishing, the editor's estimate."""

    permission_classes = [IsStaff]

    @extend_schema(responses=s.AudienceSerializer)
    def get(self, request: Request, alert_id: str) -> Response:
        alert = _alert_or_404(request, alert_id)
        edition = selectors.latest_edition(alert=alert)
        assert edition is not None
        count = targeting.audience_count(edition)
        return Response(s.AudienceSerializer({"registrations": count.registrations, "subscribers": count.subscribers,
                                              "by_channel": count.by_channel, "by_country": count.by_country}).data)


class AlertDeliveries(APIView):
    """Delivery rows of every edition by channel and status."""

    permission_classes = [IsStaff]

    @extend_schema(responses=s.DeliveriesSerializer)
    def get(self, request: Request, alert_id: str) -> Response:
        alert = _alert_or_404(request, alert_id)
        report = deliveries.deliveries_report(alert=alert)
        return Response({"total": report.total, "by_channel": report.by_channel})

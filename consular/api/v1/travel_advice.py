"""Travel advice: the current level of every country, one country's history, and setting a country's level.

Reading is public (no login): the same facts as the public country pages. Setting a level is for officers, under
the rules of `consular.alerts.services.country_advice_set` (HQ officers any country, a mission officer the
whole countries of the mission's consular district); each change is a new row of the history, audited there.
The POST is idempotent through the Idempotency-Key middleware. Thin: validate, call a selector or the service,
shape the answer."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from consular.alerts import selectors, services
from consular.alerts.codes import Level
from consular.alerts.models import Alert, AlertEditionCountry, CountryAdvice
from consular.api.permissions import IsStaff
from consular.api.v1.alert_serializers import _texts
from consular.core.errors import ApplicationError, ErrorCode, lazy_interpolate
from consular.core.models import Country

HISTORY_MAX = 200

SummarySerializer = _texts("AdviceSummarySerializer", services.TEXT_MAX, True)


class AdviceAlertSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    reference = serializers.CharField()


class AdviceOutSerializer(serializers.ModelSerializer):
    """One level of a country's advice, in force from `since` (until the next row of its history)."""

    country = serializers.CharField(source="country_id", help_text="ISO 3166-1 alpha-2.")
    country_name = serializers.SerializerMethodField()
    level = serializers.ChoiceField(choices=Level.choices)
    summary = serializers.SerializerMethodField()
    alert = serializers.SerializerMethodField()
    since = serializers.DateTimeField(source="effective_at")

    class Meta:
        model = CountryAdvice
        fields = ["country", "country_name", "level", "summary", "alert", "since"]

    @extend_schema_field(serializers.CharField(help_text="In the request's language."))
    def get_country_name(self, obj: CountryAdvice) -> str:
        return obj.country.name

    @extend_schema_field(SummarySerializer)
    def get_summary(self, obj: CountryAdvice) -> dict[str, str]:
        return {"zh-hans": obj.summary_zh, "en": obj.summary_en}

    @extend_schema_field(AdviceAlertSerializer(allow_null=True, help_text="The alert that set this level, if any."))
    def get_alert(self, obj: CountryAdvice) -> dict[str, str] | None:
        if obj.alert_id is None or obj.alert is None:
            return None
        return {"id": str(obj.alert_id), "reference": obj.alert.reference}


class AdviceDetailSerializer(serializers.Serializer):
    country = serializers.CharField()
    country_name = serializers.CharField()
    current = AdviceOutSerializer(allow_null=True, help_text="Null when the country has no advice.")
    history = AdviceOutSerializer(many=True, help_text=f"Newest first (at most {HISTORY_MAX}); the first is current.")


class AdviceQuerySerializer(serializers.Serializer):
    country = serializers.RegexField(r"^[A-Za-z]{2}$", required=False, help_text="ISO 3166-1 alpha-2, e.g. TH.")


class AdviceInSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=Level.choices)
    summary = SummarySerializer(help_text="Why this level: shown to travellers with it (Chinese required).")
    alert = serializers.CharField(required=False, allow_null=True, allow_blank=True, default=None, max_length=40,
                                  help_text="Id or reference of the published alert behind this level.")


class _PublicReadOfficerWrite(BasePermission):
    """Anyone reads; consular staff write (the service decides which officers may)."""

    message = "Only consular officers set travel advice."

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return True
        return IsStaff().has_permission(request, view)


def _country_or_404(code: str) -> Country:
    country = selectors.country_for_advice(code)
    if country is None:
        raise ApplicationError(ErrorCode.NOT_FOUND, lazy_interpolate(
            _("Unknown country %(code)s: use an ISO 3166-1 alpha-2 code such as TH."), code=str(code)[:8]),
            status=404)
    return country


def _alert_for(actor: Any, value: str | None, country: Country) -> Alert | None:
    if not value:
        return None
    alert = selectors.alert_get(actor=actor, alert_id=value)
    if alert is None or alert.published_edition_id is None:
        raise ApplicationError(ErrorCode.INVALID, _("The travel advice has invalid fields."),
                               fields={"alert": [_("Unknown alert, or not published.")]})
    if not AlertEditionCountry.objects.filter(edition__alert=alert, country=country).exists():
        raise ApplicationError(ErrorCode.INVALID, _("The travel advice has invalid fields."),
                               fields={"alert": [_("This alert does not concern the country.")]})
    return alert


def _detail(country: Country, code: int = status.HTTP_200_OK) -> Response:
    history = list(selectors.country_advice_history(country=country.code).select_related("country", "alert")
                   [:HISTORY_MAX])
    body = {"country": country.code, "country_name": country.name,
            "current": AdviceOutSerializer(history[0]).data if history else None,
            "history": AdviceOutSerializer(history, many=True).data}
    return Response(body, status=code)


class TravelAdviceList(generics.ListAPIView):
    """The current travel-advice level of every country that has one, by country code; `country` filters.
    Public."""

    permission_classes = [AllowAny]
    serializer_class = AdviceOutSerializer

    @extend_schema(parameters=[AdviceQuerySerializer])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> Any:
        query = AdviceQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        code = query.validated_data.get("country")
        if code and selectors.country_for_advice(code) is None:
            raise ApplicationError(ErrorCode.INVALID, _("The request has invalid fields."),
                                   fields={"country": [_("Unknown country.")]})
        return selectors.country_advice_list(country=code)


class TravelAdviceDetail(APIView):
    """One country's advice: the current level and the history, newest first (public). POST sets a new level
    (officers: HQ any country, a mission officer the whole countries of the mission's district)."""

    permission_classes = [_PublicReadOfficerWrite]

    @extend_schema(parameters=[OpenApiParameter("country", str, OpenApiParameter.PATH,
                                                description="ISO 3166-1 alpha-2, e.g. TH.")],
                   responses=AdviceDetailSerializer)
    def get(self, request: Request, country: str) -> Response:
        return _detail(_country_or_404(country))

    @extend_schema(parameters=[OpenApiParameter("country", str, OpenApiParameter.PATH,
                                                description="ISO 3166-1 alpha-2, e.g. TH.")],
                   request=AdviceInSerializer, responses={201: AdviceDetailSerializer})
    def post(self, request: Request, country: str) -> Response:
        place = _country_or_404(country)
        if getattr(request.user, "role", None) not in services.AUTHOR_ROLES:
            raise ApplicationError(ErrorCode.PERMISSION_DENIED,
                                   _("Only HQ officers and mission officers set travel advice."), status=403)
        data = AdviceInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        alert = _alert_for(request.user, v.get("alert"), place)
        services.country_advice_set(actor=request.user, country=place.code, level=v["level"],
                                    summary_zh=v["summary"]["zh-hans"], summary_en=v["summary"].get("en", ""),
                                    alert=alert)
        return _detail(place, status.HTTP_201_CREATED)

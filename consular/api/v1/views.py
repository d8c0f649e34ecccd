"""Foundation endpoints: health, reference data, the caller, staff accounts and the audit log."""

from __future__ import annotations

from typing import Any

from django.db import DatabaseError, connection
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from consular.accounts.selectors import user_get, users_visible
from consular.accounts.services import user_create_by
from consular.api.permissions import IsAuditor, IsStaff
from consular.api.v1 import serializers as s
from consular.core.audit import audit_record
from consular.core.jurisdiction import responsible_mission
from consular.core.models import MissionKind
from consular.core.selectors import audit_entries, countries_list, mission_detail, missions_list


class HealthView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []
    throttle_classes: list[Any] = []

    @extend_schema(responses={200: s.HealthSerializer, 503: s.HealthSerializer})
    def get(self, request: Request) -> Response:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
        except DatabaseError:
            return Response({"status": "error", "database": "unavailable"}, status=status.HTTP_503_SERVICE_UNAVAILABLE)
        return Response({"status": "ok", "database": "ok"})


class CountryList(generics.ListAPIView):
    """Every ISO 3166-1 country and territory, names from CLDR."""

    permission_classes = [AllowAny]
    serializer_class = s.CountrySerializer

    @extend_schema(parameters=[OpenApiParameter("q", str, description="Code or part of a name (zh or en).")])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> Any:
        return countries_list(query=self.request.query_params.get("q", "").strip())


class MissionList(generics.ListAPIView):
    permission_classes = [AllowAny]
    serializer_class = s.MissionSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("country", str, description="ISO 3166-1 alpha-2 of the host country."),
            OpenApiParameter("kind", str, enum=MissionKind.values),
        ]
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> Any:
        params = self.request.query_params
        return missions_list(country=params.get("country", ""), kind=params.get("kind", ""))


class MissionDetail(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses=s.MissionDetailSerializer)
    def get(self, request: Request, code: str) -> Response:
        mission = mission_detail(code=code)
        if mission is None:
            raise Http404
        return Response(s.MissionDetailSerializer(mission).data)


class JurisdictionView(APIView):
    """Which mission answers for a place (country, optionally a subdivision)."""

    permission_classes = [AllowAny]

    @extend_schema(parameters=[s.JurisdictionQuerySerializer], responses=s.MissionSerializer)
    def get(self, request: Request) -> Response:
        query = s.JurisdictionQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        mission = responsible_mission(query.validated_data["country"], query.validated_data.get("subdivision"))
        return Response(s.MissionSerializer(mission).data)


class MeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=s.MeSerializer)
    def get(self, request: Request) -> Response:
        return Response(s.MeSerializer(request.user).data)


class UserList(generics.ListAPIView):
    """Accounts, scoped: HQ and auditors see all, a mission officer only the mission's.

    POST creates an account: HQ officers any, a mission officer volunteers of the own mission."""

    permission_classes = [IsStaff]
    serializer_class = s.UserSerializer

    def get_queryset(self) -> Any:
        return users_visible(actor=self.request.user)

    @extend_schema(request=s.UserCreateSerializer, responses={201: s.UserSerializer})
    def post(self, request: Request) -> Response:
        data = s.UserCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        user = user_create_by(
            actor=request.user,
            username=v["username"],
            role=v["role"],
            mission_code=v.get("mission") or None,
            email=v.get("email", ""),
            password=v["password"],
            full_name=v.get("name", ""),
        )
        return Response(s.UserSerializer(user).data, status=status.HTTP_201_CREATED)


class UserDetail(APIView):
    permission_classes = [IsStaff]

    @extend_schema(responses=s.UserSerializer)
    def get(self, request: Request, username: str) -> Response:
        user = user_get(actor=request.user, username=username)
        if user is None:
            raise Http404
        return Response(s.UserSerializer(user).data)


class AuditList(generics.ListAPIView):
    """The audit log, newest first. Auditors only; each query is itself recorded."""

    permission_classes = [IsAuditor]
    serializer_class = s.AuditEntrySerializer

    @extend_schema(parameters=[s.AuditFilterSerializer])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> Any:
        filters = s.AuditFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        audit_record(
            actor=self.request.user,
            action="audit.browse",
            object_type="audit",
            data={k: str(v) for k, v in filters.validated_data.items()},
        )
        return audit_entries(actor=self.request.user, filters=filters.validated_data)


class BenchFloor(APIView):
    """Only when CONSULAR_BENCH_FLOOR is on (benchmarks): the cheapest write the stack can do — one INSERT —
    the floor that the hotline benchmark compares opening cases against."""

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []
    throttle_classes: list[Any] = []

    @extend_schema(exclude=True)
    def post(self, request: Request) -> Response:
        audit_record(actor=None, action="bench.floor", object_type="bench")
        return Response({}, status=status.HTTP_201_CREATED)

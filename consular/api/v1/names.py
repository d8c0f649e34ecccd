"""`POST /api/v1/names/match`: the name matcher on its own, so officers and integrators can check how it ranks
a list of candidates against one person. Nothing is stored or read from the registry."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from consular.api.permissions import IsStaff
from consular.incidents.matching import NameRecord, match, parse_birth_date

MAX_CANDIDATES = 500


class NameMatchPersonSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, help_text="Any script: 王建国, WANG JIANGUO, WANG<<JIANGUO, "
                                                           "Jianguo Wang, CHAN TAI MAN, CHANG HUI-MEI.")
    birth_date = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=10,
                                       help_text="YYYY-MM-DD, or YYYY-MM or YYYY when only that is known.")
    passport_number = serializers.RegexField(r"^[A-Za-z0-9 <-]{0,20}$", required=False, allow_null=True,
                                             allow_blank=True)

    def validate_name(self, value: str) -> str:
        if not any(c.isalpha() for c in value):
            raise serializers.ValidationError("a name needs letters or characters")
        return value

    def validate_birth_date(self, value: str | None) -> str | None:
        try:
            parse_birth_date(value)
        except ValueError as exc:
            raise serializers.ValidationError("use YYYY-MM-DD, YYYY-MM or YYYY (a real date)") from exc
        return value or None


class NameMatchCandidateSerializer(NameMatchPersonSerializer):
    id = serializers.CharField(max_length=100)


class NameMatchInSerializer(serializers.Serializer):
    query = NameMatchPersonSerializer()
    candidates = NameMatchCandidateSerializer(many=True, help_text=f"At most {MAX_CANDIDATES}; ids unique.")

    def to_internal_value(self, data: Any) -> Any:
        # Refuse an oversized list before validating each of its members.
        candidates = data.get("candidates") if isinstance(data, dict) else None
        if isinstance(candidates, list) and len(candidates) > MAX_CANDIDATES:
            raise serializers.ValidationError(
                {"candidates": [f"at most {MAX_CANDIDATES} candidates per request, got {len(candidates)}"]})
        return super().to_internal_value(data)

    def validate_candidates(self, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        seen: set[str] = set()
        repeated: set[str] = set()
        for candidate in value:
            (repeated if candidate["id"] in seen else seen).add(candidate["id"])
        if repeated:
            raise serializers.ValidationError(f"candidate ids must be unique; repeated: {', '.join(sorted(repeated))}")
        return value


class NameMatchResultSerializer(serializers.Serializer):
    id = serializers.CharField()
    score = serializers.FloatField(min_value=0, max_value=1, help_text="0..1; 0.80 and above: the same person "
                                                                         "on the evidence given.")
    reasons = serializers.ListField(child=serializers.CharField(),
                                    help_text="Machine-readable, e.g. surname_match:WANG, "
                                              "romanisation:cantonese, birth_date_match, passport_mismatch.")


class NameMatchOutSerializer(serializers.Serializer):
    results = NameMatchResultSerializer(many=True)


def _record(data: dict[str, Any], record_id: str = "") -> NameRecord:
    return NameRecord(name=data["name"], birth_date=data.get("birth_date") or None,
                      passport_number=data.get("passport_number") or None, id=record_id)


class NameMatchView(APIView):
    """Rank candidates against one person by name (across characters, pinyin, Cantonese and Wade–Giles
    spellings, MRZ form, typos), birth date and passport number. Every candidate is returned, best first."""

    permission_classes = [IsStaff]

    @extend_schema(
        request=NameMatchInSerializer,
        responses={200: NameMatchOutSerializer},
        examples=[OpenApiExample(
            "A family's inquiry against a passenger list",
            request_only=True,
            value={"query": {"name": "王建国", "birth_date": "1961-03-02"},
                   "candidates": [{"id": "a", "name": "WANG JIANGUO", "birth_date": "1961-03-02"},
                                  {"id": "b", "name": "WANG JIANHUA"}]},
        )],
    )
    def post(self, request: Request) -> Response:
        data = NameMatchInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        query = _record(data.validated_data["query"])
        candidates = [_record(c, c["id"]) for c in data.validated_data["candidates"]]
        results = [{"id": r.id, "score": r.score, "reasons": r.reasons} for r in match(query, candidates)]
        return Response(NameMatchOutSerializer({"results": results}).data)

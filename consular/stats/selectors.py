"""Figures for the dashboard and the statistics API, scoped like every other read."""

from __future__ import annotations

import datetime
import statistics
from typing import Any

from django.db.models import Count, F, QuerySet
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone

from consular.cases.models import Call, Case
from consular.cases.selectors import calls_visible, cases_visible


def _year_bounds(year: int) -> tuple[datetime.datetime, datetime.datetime]:
    tz = timezone.get_current_timezone()
    return (datetime.datetime(year, 1, 1, tzinfo=tz), datetime.datetime(year + 1, 1, 1, tzinfo=tz))


def _counts(qs: QuerySet[Any], field: str) -> dict[str, int]:
    rows = qs.order_by().values(field).annotate(n=Count("pk")).order_by("-n", field)
    return {str(row[field]): row["n"] for row in rows}


def _median_minutes(pairs: list[tuple[datetime.datetime, datetime.datetime | None]]) -> float | None:
    minutes = [(end - start).total_seconds() / 60 for start, end in pairs if end and end >= start]
    return round(statistics.median(minutes), 1) if minutes else None


def case_stats(*, actor: Any, year: int) -> dict[str, Any]:
    start, end = _year_bounds(year)
    cases: QuerySet[Case] = cases_visible(actor=actor).filter(created_at__gte=start, created_at__lt=end)
    months = (
        cases.order_by().annotate(month=TruncMonth("created_at")).values("month").annotate(n=Count("pk"))
        .order_by("month")
    )
    by_month = {f"{year}-{m:02d}": 0 for m in range(1, 13)}
    for row in months:
        by_month[row["month"].strftime("%Y-%m")] = row["n"]
    responded = list(cases.filter(first_response_at__isnull=False).values_list("created_at", "first_response_at"))
    resolved = list(cases.filter(resolved_at__isnull=False).values_list("created_at", "resolved_at"))
    return {
        "year": year,
        "total": cases.count(),
        "by_category": _counts(cases, "category"),
        "by_country": _counts(cases, "country_id"),
        "by_mission": _counts(cases.annotate(mission_code=F("mission__code")), "mission_code"),
        "by_urgency": _counts(cases, "urgency"),
        "by_state": _counts(cases, "state"),
        "by_month": by_month,
        "median_minutes_to_first_response": _median_minutes(responded),
        "median_minutes_to_resolution": _median_minutes(resolved),
    }


def call_stats(*, actor: Any, year: int) -> dict[str, Any]:
    start, end = _year_bounds(year)
    calls: QuerySet[Call] = calls_visible(actor=actor).filter(started_at__gte=start, started_at__lt=end)
    days = (
        calls.order_by().annotate(day=TruncDate("started_at")).values("day").annotate(n=Count("pk")).order_by("day")
    )
    return {
        "year": year,
        "total": calls.count(),
        "by_topic": _counts(calls, "topic"),
        "by_day": {row["day"].isoformat(): row["n"] for row in days},
        "with_case": calls.filter(case__isnull=False).count(),
    }

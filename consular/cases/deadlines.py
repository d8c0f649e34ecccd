"""Deadlines: a first-response deadline per urgency, and duties (tasks with deadlines) per category.

Both are settings (CASE_FIRST_RESPONSE_MINUTES and CASE_DUTIES) so a deployment can follow its own rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings


@dataclass(frozen=True)
class Duty:
    code: str
    title_en: str
    title_zh: str
    due_minutes: int


def first_response_due(*, urgency: str, opened_at: datetime) -> datetime:
    minutes = settings.CASE_FIRST_RESPONSE_MINUTES[urgency]
    return opened_at + timedelta(minutes=minutes)


def duties_for(category: str) -> list[Duty]:
    return [
        Duty(code=str(d["code"]), title_en=str(d["title_en"]), title_zh=str(d["title_zh"]),
             due_minutes=int(str(d["due_minutes"])))
        for d in settings.CASE_DUTIES.get(category, [])
    ]

"""Reads for cases and calls, always scoped to what the actor may see."""

from __future__ import annotations

import datetime
import re
import uuid
from typing import Any

from django.db import models
from django.db.models import Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone

from consular.cases.codes import OPEN_STATES
from consular.cases.models import Call, Case, CasePerson, CaseTask, PersonNameKey
from consular.core import crypto
from consular.core.names import name_keys
from consular.core.permissions import scope_queryset

_REFERENCE = re.compile(r"^C\d{2}-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$")
_PASSPORT = re.compile(r"^[A-Z]{1,2}\d{6,9}$")
_PHONE = re.compile(r"^\+?[\d\s()-]{6,}$")


def cases_visible(*, actor: Any) -> QuerySet[Case]:
    return scope_queryset(
        actor, Case.objects.select_related("mission", "assignee", "country", "subdivision"), mission_field="mission"
    )


def case_get(*, actor: Any, case_id: Any) -> Case | None:
    try:
        pk = uuid.UUID(str(case_id))
    except ValueError:
        return None
    return (
        cases_visible(actor=actor)
        .prefetch_related("persons", Prefetch("tasks", queryset=CaseTask.objects.order_by("due_at")))
        .filter(pk=pk)
        .first()
    )


def case_by_reference(*, reference: str) -> Case | None:
    """Unscoped: only for the citizen follow-up, which checks the follow-up code itself. A reference with a
    NUL character (typed into the URL) matches no case; PostgreSQL would refuse it in the query."""
    if "\x00" in reference:
        return None
    return Case.objects.select_related("mission").filter(reference=reference.strip().upper()).first()


def with_overdue(queryset: QuerySet[Case], now: datetime.datetime, only: bool | None = None) -> QuerySet[Case]:
    """Annotate `overdue` (first response or a duty past its deadline) and order overdue work first, then by
    urgency and deadline. `only` keeps just the overdue (True) or just the rest (False)."""
    task_overdue = CaseTask.objects.filter(case=OuterRef("pk"), done_at__isnull=True, due_at__lt=now)
    overdue = (
        Q(state__in=OPEN_STATES, first_response_at__isnull=True, first_response_due__lt=now)
        | Q(state__in=OPEN_STATES, has_overdue_task=True)
    )
    annotated = queryset.annotate(has_overdue_task=Exists(task_overdue)).annotate(
        overdue=models.Case(When(overdue, then=Value(1)), default=Value(0), output_field=IntegerField())
    )
    if only is not None:
        annotated = annotated.filter(overdue=1 if only else 0)
    return annotated.order_by("-overdue", "urgency", "first_response_due", "pk")


def case_queue(*, actor: Any, filters: dict[str, Any], now: datetime.datetime | None = None) -> QuerySet[Case]:
    now = now or timezone.now()
    qs = cases_visible(actor=actor)
    if filters.get("state"):
        qs = qs.filter(state__in=filters["state"])
    elif not filters.get("q"):
        qs = qs.filter(state__in=OPEN_STATES)
    for name in ("urgency", "category"):
        if filters.get(name):
            qs = qs.filter(**{f"{name}__in": filters[name]})
    if filters.get("mission"):
        qs = qs.filter(mission__code__in=[m.upper() for m in filters["mission"]])
    if filters.get("assignee"):
        qs = qs.filter(assignee__username=filters["assignee"])
    if filters.get("q"):
        qs = qs.filter(case_search_filter(filters["q"]))
    return with_overdue(qs, now, filters.get("overdue")).prefetch_related("persons")


def case_search_filter(query: str) -> Q:
    """Reference (exact), passport number and phone (exact, through their keyed hashes), or a name in
    characters, pinyin or passport spelling (exact, through the name keys)."""
    text = query.strip()
    compact = re.sub(r"[\s-]", "", text).upper()
    condition = Q(reference=text.upper())
    if _PASSPORT.match(compact):
        passport = crypto.keyed_hash(compact, kind="passport")
        condition |= Q(pk__in=CasePerson.objects.filter(passport_hash=passport).values("case_id"))
    if _PHONE.match(text):
        phone = crypto.keyed_hash(text, kind="phone")
        condition |= Q(pk__in=CasePerson.objects.filter(phone_hash=phone).values("case_id"))
        condition |= Q(pk__in=Call.objects.filter(caller_phone_hash=phone, case__isnull=False).values("case_id"))
    keys = [crypto.keyed_hash(k, kind="text") for k in name_keys(text)]
    if keys:
        persons = PersonNameKey.objects.filter(key_hash__in=keys).values("person__case_id")
        condition |= Q(pk__in=persons)
    return condition


def calls_visible(*, actor: Any) -> QuerySet[Call]:
    return scope_queryset(actor, Call.objects.select_related("operator", "case", "case__mission"),
                          mission_field="case__mission")


def calls_for_phone(*, actor: Any, phone: str, limit: int = 20) -> tuple[list[Call], list[Case]]:
    """The number's earlier calls, and the cases it appears in (as caller or as a person's phone)."""
    if not _PHONE.match(phone.strip()):
        return [], []
    digest = crypto.keyed_hash(phone, kind="phone")
    calls = list(calls_visible(actor=actor).filter(caller_phone_hash=digest).order_by("-started_at")[:limit])
    case_ids = CasePerson.objects.filter(phone_hash=digest).values("case_id")
    call_case_ids = Call.objects.filter(caller_phone_hash=digest, case__isnull=False).values("case_id")
    cases = list(
        cases_visible(actor=actor).filter(Q(pk__in=case_ids) | Q(pk__in=call_case_ids)).order_by("-created_at")[:limit]
    )
    return calls, cases

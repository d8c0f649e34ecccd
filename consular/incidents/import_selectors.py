"""Reads of list imports and of the review queue, scoped like every incident read: a mission officer sees
those of the incidents of the own mission only (through the incident's missions)."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import QuerySet

from consular.core.permissions import scope_queryset
from consular.incidents.import_models import ListImport, MatchReview
from consular.incidents.models import AffectedPerson, Incident


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def imports_visible(*, actor: Any, incident: Incident) -> QuerySet[ListImport]:
    return scope_queryset(actor, ListImport.objects.filter(incident=incident).select_related("created_by"),
                          mission_field="incident__missions")


def import_list(*, actor: Any, incident: Incident) -> QuerySet[ListImport]:
    return imports_visible(actor=actor, incident=incident).order_by("-created_at", "id")


def import_get(*, actor: Any, incident: Incident, import_id: Any) -> ListImport | None:
    pk = _uuid(import_id)
    return None if pk is None else imports_visible(actor=actor, incident=incident).filter(pk=pk).first()


def reviews_visible(*, actor: Any, incident: Incident) -> QuerySet[MatchReview]:
    return scope_queryset(
        actor,
        MatchReview.objects.filter(incident=incident).select_related(
            "candidate", "decided_by", "import_row", "import_row__list_import"),
        mission_field="incident__missions",
    )


def review_list(*, actor: Any, incident: Incident, states: list[str] | None = None) -> QuerySet[MatchReview]:
    """The review queue (oldest first); `states` filters (pending, confirmed, rejected)."""
    qs = reviews_visible(actor=actor, incident=incident)
    if states:
        qs = qs.filter(state__in=states)
    return qs.order_by("created_at", "id")


def review_get(*, actor: Any, incident: Incident, review_id: Any) -> MatchReview | None:
    pk = _uuid(review_id)
    return None if pk is None else reviews_visible(actor=actor, incident=incident).filter(pk=pk).first()


def review_other_persons(*, reviews: list[MatchReview]) -> dict[str, AffectedPerson]:
    """The other candidates the reviews name, by id (one query for a page of reviews)."""
    ids = {uuid.UUID(str(o["person"])) for r in reviews for o in r.others if o.get("person")}
    if not ids:
        return {}
    return {str(p.pk): p for p in AffectedPerson.objects.filter(pk__in=ids)}

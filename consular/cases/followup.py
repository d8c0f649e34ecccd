"""Citizens follow their help request with its reference and follow-up code.

A wrong code and an unknown reference give the same answer, and repeated wrong codes (per reference and per
client address) are refused for a while, so codes cannot be guessed."""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

from consular.cases.codes import State
from consular.cases.models import Case
from consular.cases.selectors import case_by_reference
from consular.core.errors import ApplicationError, ErrorCode

CITIZEN_STATUS: dict[str, Any] = {
    State.NEW: _("Received"),
    State.TRIAGED: _("Received"),
    State.ASSIGNED: _("An officer is handling it"),
    State.IN_PROGRESS: _("An officer is handling it"),
    State.WAITING: _("Waiting for information from you or others"),
    State.RESOLVED: _("Resolved"),
    State.CLOSED: _("Closed"),
    State.CANCELLED: _("Closed"),
    State.MERGED: _("Joined with another request about the same matter"),
}


def _keys(reference: str, client: str | None) -> list[str]:
    digest = hashlib.sha256(reference.strip().upper().encode("utf-8")).hexdigest()[:32]
    return [f"followup-fail:ref:{digest}", f"followup-fail:ip:{client or '-'}"]


def followup_case(*, reference: str, code: str, client: str | None) -> Case:
    """The case, if the code is right; otherwise the same 404 as an unknown reference, or 429 after too many
    wrong codes."""
    limit, window = settings.FOLLOWUP_MAX_FAILURES, settings.FOLLOWUP_WINDOW_SECONDS
    keys = _keys(reference, client)
    if any((cache.get(k) or 0) >= limit for k in keys):
        raise ApplicationError(ErrorCode.RATE_LIMITED, _("Too many wrong codes; try again later."), status=429,
                               retry_after=window)
    case = case_by_reference(reference=reference)
    if case is None or not code or not case.follow_up_hash or not check_password(
        code.strip().upper(), case.follow_up_hash
    ):
        for key in keys:
            cache.add(key, 0, timeout=window)
            try:
                cache.incr(key)
            except ValueError:
                cache.set(key, 1, timeout=window)
        raise ApplicationError(ErrorCode.NOT_FOUND, _("Not found."), status=404)
    return case

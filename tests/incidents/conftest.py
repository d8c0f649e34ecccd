"""Fixtures of the incident tests: an HQ officer and an incident they opened; the same through the API."""

from __future__ import annotations

from typing import Any

import pytest

from consular.accounts.models import User
from consular.incidents.models import Incident
from tests.incidents.incident_helpers import INCIDENT_BODY, PERSON_BODY, open_incident


@pytest.fixture
def hq(roles: dict[str, User]) -> User:
    return roles["hq_officer"]


@pytest.fixture
def incident(hq: User) -> Incident:
    return open_incident(hq)


@pytest.fixture
def api_incident(api: Any, roles: dict[str, User]) -> dict[str, Any]:
    """An incident opened through the API with two persons, 王建国 (passport E12345678) and 赵敏 (born 1975):
    `base` (its URL), `wang`, `zhao` (their JSON)."""
    hq = api(roles["hq_officer"])
    incident = hq.post("/api/v1/incidents", INCIDENT_BODY, format="json").json()
    base = f"/api/v1/incidents/{incident['id']}"
    wang = hq.post(f"{base}/persons", PERSON_BODY, format="json").json()
    zhao = hq.post(f"{base}/persons", {"name_zh": "赵敏", "name_latin": "ZHAO MIN", "birth_date": "1975-04-04"},
                   format="json").json()
    return {"base": base, "wang": wang, "zhao": zhao}

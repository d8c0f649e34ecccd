"""Fixtures of the incident tests: an HQ officer and an incident they opened."""

from __future__ import annotations

import pytest

from consular.accounts.models import User
from consular.incidents.models import Incident
from tests.incidents.incident_helpers import open_incident


@pytest.fixture
def hq(roles: dict[str, User]) -> User:
    return roles["hq_officer"]


@pytest.fixture
def incident(hq: User) -> Incident:
    return open_incident(hq)

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest

from consular.cases.models import Case
from consular.cases.services import CaseIn, Location, PersonIn, case_open


def case_in(**overrides: Any) -> CaseIn:
    values: dict[str, Any] = {
        "category": "traffic_accident",
        "urgency": "p1",
        "summary": "Bus overturned near Vang Vieng, several injured",
        "location": Location(country="TH", subdivision="TH-50", city="Chiang Mai", lat=18.79, lon=98.98),
        "persons": [PersonIn(name_zh="王建国", name_latin="WANG JIANGUO", birth_date=datetime.date(1961, 3, 2),
                             passport_number="E12345678", phone="+66 81 234 5678")],
    }
    values.update(overrides)
    return CaseIn(**values)


@pytest.fixture
def open_case(roles) -> Callable[..., Case]:
    def make(actor: Any = None, **overrides: Any) -> Case:
        return case_open(actor=actor or roles["hotline_operator"], data=case_in(**overrides))

    return make

"""The citizen's "I am safe" reaches the registry: an alert about an incident is published to a traveller, the
worker claims the delivery (its link is now live), and on a phone (360 × 740, Chinese) the traveller opens the
personal link, sees the alert and nothing personal, taps "I am safe", and the incident registry lists them safe."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, expect

from consular.accounts.models import User
from consular.alerts.deliveries import deliveries_claim, delivery_token
from consular.alerts.models import CheckIn, Delivery
from consular.cases.services import Location
from consular.incidents.models import AffectedPerson
from tests.alerts.alert_helpers import published, register
from tests.browser.test_shell import assert_fits, lang
from tests.incidents.incident_helpers import open_incident

pytestmark = pytest.mark.browser


def test_citizens_i_am_safe_reaches_the_registry(
    phone: BrowserContext, make_user: Callable[..., User], screenshots: Path, settings: Any
) -> None:
    hq, approver, citizen = make_user("hq_officer"), make_user("hq_officer"), make_user("citizen")
    incident = open_incident(hq, kind="natural_disaster", title="Flood in Bangkok", missions=[],
                             location=Location(country="TH", subdivision="TH-10", city="Bangkok"))
    registration = register(citizen, [{"country": "TH", "subdivision": "TH-10"}], channels=["email"])
    registration.name_zh, registration.name_latin = "李雷", "LI LEI"
    registration.birth_date, registration.passport_number = datetime.date(1990, 5, 4), "E99887766"
    registration.save()
    published(hq, approver, incident=str(incident.pk))
    deliveries_claim(batch_size=10)
    token = delivery_token(Delivery.objects.get(registration=registration).pk)

    page = phone.new_page()
    page.goto(f"/checkin/{token}/")
    assert lang(page) == "zh-hans"
    expect(page.locator("h1")).to_have_text("曼谷市中心发生抗议活动")
    assert "李雷" not in page.content() and "E99887766" not in page.content()
    assert_fits(page)
    page.fill("#checkin-message", "在酒店，一切平安")
    page.locator("button[value=safe]").tap()
    expect(page.locator("h1")).to_be_visible()
    assert page.url.endswith(f"/checkin/{token}/")
    page.screenshot(path=str(screenshots / "checkin-safe.png"), full_page=True)

    person = AffectedPerson.objects.get(incident=incident)
    assert (person.status, person.name_zh, person.passport_number) == ("safe", "李雷", "E99887766")
    assert CheckIn.objects.get().message == "在酒店，一切平安"

"""The alert editor's map, in a real browser: an HQ officer draws a circle (a click and a typed radius) and a
polygon (three clicks and "finish") on the static world outline, finds both written into the text fields in the
form's own format, asks for the reach (a traveller registered at the circle's centre is counted; nothing is
saved), saves, and the alert's page draws the two shapes read-only. The form with its map fits a 360 px phone."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from django.utils import translation
from playwright.sync_api import Browser, BrowserContext, Page, expect

from consular.accounts.models import User
from consular.alerts.models import Alert
from tests.alerts.alert_helpers import register
from tests.browser.test_incident_flow import log_in
from tests.browser.test_shell import assert_fits

pytestmark = pytest.mark.browser

UUID = r"[0-9a-f-]{36}"
NUMBER = r"-?\d+(?:\.\d+)?"
CIRCLE = re.compile(rf"^({NUMBER}), ({NUMBER}), 25$")
POINT = rf"{NUMBER}, {NUMBER}"
POLYGON = re.compile(rf"^{POINT}(?:; {POINT}){{3}}$")


def _zh(text: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(text)


def _map_ready(page: Page) -> None:
    expect(page.locator(".alert-map-box[data-ready=true]")).to_have_count(1)


def _click_map(page: Page, dx: float, dy: float) -> None:
    """Click the map at (dx, dy) pixels from its centre."""
    box = page.locator("#alert-map").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2 + dx, box["y"] + box["height"] / 2 + dy)


def test_draw_circle_and_polygon_count_reach_and_see_them_on_the_alerts_page(
    browser: Browser, live_server: object, phone: BrowserContext, make_user: Callable[..., User], screenshots: Path,
) -> None:
    officer = make_user("hq_officer", username="wang.fang")
    desk = browser.new_context(base_url=str(live_server), viewport={"width": 1280, "height": 900}, locale="zh-CN")
    desk.set_default_timeout(10_000)
    try:
        page = desk.new_page()
        log_in(page, officer, "/console/alerts/new/")
        _map_ready(page)
        page.select_option("#id_category", "natural_disaster")
        page.fill("#id_headline_zh", "洪水预警")
        page.fill("#id_body_zh", "河水上涨，请远离河岸。")
        page.fill("#id_countries_concerned", "TH")

        # A circle: the mode, a radius typed in km, one click for the centre.
        page.click("[data-map-action=circle]")
        expect(page.locator("[data-map-action=circle]")).to_have_attribute("aria-pressed", "true")
        page.fill("#alert-map-radius", "25")
        page.press("#alert-map-radius", "Enter")  # does not submit the form
        _click_map(page, 0, 0)
        circle = page.input_value("#id_circles")
        match = CIRCLE.match(circle)
        assert match, circle
        lat, lon = float(match.group(1)), float(match.group(2))
        assert -90 <= lat <= 90 and -180 <= lon <= 180

        # A polygon: three clicks, then "finish polygon"; the first point is repeated at the end.
        page.click("[data-map-action=polygon]")
        expect(page.locator("[data-map-action=finish]")).to_be_disabled()
        for dx, dy in ((60, -40), (120, -40), (90, 20)):
            _click_map(page, dx, dy)
        page.click("[data-map-action=finish]")
        polygon = page.input_value("#id_polygons")
        assert POLYGON.match(polygon), polygon
        points = polygon.split("; ")
        assert points[0] == points[-1] and len(set(points)) == 3
        expect(page.locator(".alert-map-shapes li")).to_have_count(2)
        expect(page.locator("#alert-map path.alert-map-shape")).to_have_count(2)
        assert page.input_value("#id_circles") == circle  # drawing the polygon left the circle alone

        # "Count reach": a traveller registered at the circle's centre is counted (coarsely: "<5", so that the
        # estimate cannot locate anyone); nothing is saved.
        register(make_user("citizen"), [{"country": "TH", "lat": lat, "lon": lon}], channels=["email"])
        page.click("button[name=count_reach]")
        expect(page.locator("#reach")).to_contain_text(
            _zh("%(n)s registered travellers and %(m)s country subscribers.") % {"n": "<5", "m": "<5"})
        assert not Alert.objects.exists()
        _map_ready(page)
        assert page.input_value("#id_circles") == circle and page.input_value("#id_polygons") == polygon
        expect(page.locator("#alert-map path.alert-map-shape")).to_have_count(2)
        page.screenshot(path=str(screenshots / "alert-map-form.png"), full_page=True)

        # Save: the alert's page draws the circle and the polygon read-only.
        page.locator("form .actions button[type=submit]:not([name])").click()
        page.wait_for_url(re.compile(rf"/console/alerts/{UUID}/$"))
        area = Alert.objects.get().editions.get().area
        assert area["circles"] == [{"lat": lat, "lon": lon, "radius_km": 25.0}] and len(area["polygons"]) == 1
        _map_ready(page)
        expect(page.locator(".alert-map-box[data-alert-map=view] path.alert-map-shape.leaflet-interactive")) \
            .to_have_count(2)
        expect(page.locator("[data-map-action]")).to_have_count(0)  # read-only: no drawing tools
        page.screenshot(path=str(screenshots / "alert-map-detail.png"), full_page=True)
    finally:
        desk.close()

    # The form with its map fits a 360 px phone.
    small = phone.new_page()
    log_in(small, officer, "/console/alerts/new/")
    _map_ready(small)
    assert_fits(small)

"""Fixtures for the browser tests: Debian's chromium driven by Playwright's sync API against pytest-django's
live server. Never `playwright install`: `make browser-deps` installs chromium and a CJK font."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
RESULTS = Path(__file__).resolve().parents[2] / "test-results"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One chromium per test module. While it runs, Playwright's sync API keeps an event loop in the main
    thread, which makes Django refuse ORM calls there (fixtures creating users, database teardown), so
    DJANGO_ALLOW_ASYNC_UNSAFE is set for exactly that time and Django's check stays on for other tests."""
    if not os.access(CHROMIUM, os.X_OK):
        # `make test` installs it first; a browser test must fail, never pass unseen, without it.
        pytest.fail(f"{CHROMIUM} is missing: run `make browser-deps` (apt-get install chromium fonts-wqy-microhei)")
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield browser
            browser.close()


@pytest.fixture
def phone(browser: Browser, live_server: object) -> Iterator[BrowserContext]:
    """A 360 × 740 phone with a Chinese system language, pointed at the live server."""
    context = browser.new_context(
        base_url=str(live_server),
        viewport={"width": 360, "height": 740},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
    )
    context.set_default_timeout(10_000)
    yield context
    context.close()


@pytest.fixture
def screenshots() -> Path:
    RESULTS.mkdir(exist_ok=True)
    return RESULTS

"""End-to-end: the real app (production build) started once per session, driven by Chromium.

The app gets its own data dir, SQLite database, media dir, localstripe and SMTP server, so a
developer's running instance and data are untouched.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, Playwright, sync_playwright

from consult.commerce.localstripe_server import register_webhook
from tests.e2e.app_server import (
    CHROMIUM,
    CHROMIUM_FLAGS,
    ROOT,
    RunningApp,
    start_app,
    stop_app,
)

ARTIFACTS = ROOT / "test-artifacts"
CALL_FLAGS = [  # a fake camera and microphone, and sound without a click
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--autoplay-policy=no-user-gesture-required",
]
WEBHOOK_SECRET = "whsec_e2e_tests"


QUEUE_GONE_S = 6  # a closed waiting page leaves the queue after this long (30 s by default)


@pytest.fixture(scope="session")
def app(
    tmp_path_factory: pytest.TempPathFactory, localstripe_url: str, smtp_server: Any
) -> Iterator[RunningApp]:
    data_dir = tmp_path_factory.mktemp("app-data")
    running = start_app(
        data_dir,
        {
            "SHOWROOM_SECRET_KEY": "e2e-secret-key",
            "STRIPE_API_BASE": localstripe_url,
            "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(smtp_server.port),
            "SHOWROOM_QUEUE_GONE_S": str(QUEUE_GONE_S),
        },
    )
    register_webhook(localstripe_url, f"{running.url}/api/stripe/webhook", WEBHOOK_SECRET)
    try:
        yield running
    finally:
        stop_app(running)
        ARTIFACTS.mkdir(exist_ok=True)
        shutil.copy(running.log, ARTIFACTS / "app.log")


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


ContextFactory = Callable[..., BrowserContext]


@pytest.fixture
def browser_context(
    playwright_driver: Playwright, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[ContextFactory]:
    """Makes fresh Chromium profiles (one per simulated person) with a fake camera and mic."""
    contexts: list[BrowserContext] = []

    def make(locale: str = "en-GB", extra_args: list[str] | None = None) -> BrowserContext:
        profile = tmp_path / f"profile-{len(contexts)}"
        context = playwright_driver.chromium.launch_persistent_context(
            str(profile),
            executable_path=CHROMIUM,
            headless=True,
            locale=locale,
            args=[*CHROMIUM_FLAGS, *CALL_FLAGS, *(extra_args or [])],
            viewport={"width": 1280, "height": 800},
        )
        context.set_default_timeout(20_000)
        contexts.append(context)
        return context

    yield make
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        for number, context in enumerate(contexts):
            for page_number, page in enumerate(context.pages):
                page.screenshot(path=ARTIFACTS / f"{request.node.name}-{number}-{page_number}.png")
    for context in contexts:
        context.close()


@pytest.fixture
def page(browser_context: ContextFactory) -> Page:
    context = browser_context()
    return context.pages[0] if context.pages else context.new_page()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.when == "call":
        item.rep_call = report  # type: ignore[attr-defined]
    return report


def log_in(page: Page, app: RunningApp, email: str, password: str = "showroom-demo") -> None:
    page.goto(f"{app.url}/login")
    # By their labels, as a screen reader finds them (and proving the labels are linked).
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.locator("button[type=submit]").click()

"""The supervisor in Chromium: a live board that changes without a reload, stepping into a
call (listen, whisper, barge in), the customer's rating, KPIs with their CSV, tour heatmaps."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.conftest import ARTIFACTS, ContextFactory, RunningApp, log_in
from tests.e2e.test_queue import ended_others, go, staff_page

expect.set_options(timeout=20_000)

SET_AWAY = """
from sqlalchemy import update
from showroom.db import session_scope
from showroom.models import StaffMember
with session_scope() as s:
    s.execute(update(StaffMember).values(presence="away"))
"""


def supervisor_board(context: ContextFactory, app: RunningApp, locale: str = "en-GB") -> Page:
    page = context(locale=locale).pages[0]
    page.set_default_timeout(45_000)
    log_in(page, app, "yuki@showroom.example")
    page.wait_for_url(re.compile(r".*/(staff|supervisor)/?$"))
    page.goto(f"{app.url}/supervisor")
    expect(page.locator("#staff-board")).to_be_visible()
    # Marks this document: a reload would lose it.
    page.evaluate("window.__sameDocument = true")
    return page


def same_document(page: Page) -> bool:
    return bool(page.evaluate("window.__sameDocument === true"))


def test_the_board_follows_presence_and_the_queue_without_reload(
    app: RunningApp, browser_context: ContextFactory
) -> None:
    ended_others(app)
    app.python(SET_AWAY)
    board = supervisor_board(browser_context, app)
    ken_row = board.locator("#staff-board").get_by_role("row").filter(has_text="Ken")
    expect(ken_row).not_to_contain_text("Available")
    expect(board.locator("#queue-empty")).to_be_visible()

    ken = staff_page(browser_context, app, "ken@showroom.example")
    go(ken, "Available")
    expect(ken_row.locator(".presence")).to_contain_text("Available")
    expect(ken_row.locator(".presence")).to_contain_text(re.compile(r"since \d\d:\d\d"))

    customer = browser_context().pages[0]
    customer.goto(f"{app.url}/tour/aoyama/living")
    customer.locator("[data-testid=panorama-viewer][data-ready='true']").wait_for(timeout=30_000)
    customer.get_by_text("Hinoki three-seat sofa · ¥248,000").click()
    customer.get_by_role("dialog").get_by_role("button", name="Call now").click()
    customer.wait_for_url(re.compile(r".*/call/[^/]+/?$"))
    queued = board.locator("#queue-board .queue-row")
    expect(queued).to_have_count(1)
    expect(queued).to_contain_text("Hinoki three-seat sofa")
    expect(queued).to_contain_text("Anyone")

    # Ken takes it: the queue empties, Ken is in a call, the call is listed.
    ken.locator(".queue-call").get_by_role("button", name="Accept").first.click()
    ken.wait_for_url(re.compile(r".*/staff/call/\d+/?$"))
    expect(board.locator("#queue-empty")).to_be_visible()
    expect(ken_row.locator(".presence")).to_contain_text("In call")
    expect(board.locator("#calls-board .call-row")).to_have_count(1)
    expect(board.locator("#calls-board .call-row")).to_contain_text("Ken")
    assert same_document(board)
    assert int(board.locator("#board-live").get_attribute("data-updates") or 0) >= 3
    board.screenshot(path=ARTIFACTS / "board-live.png", full_page=True)

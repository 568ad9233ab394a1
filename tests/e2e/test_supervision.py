"""The supervisor in Chromium: a live board that changes without a reload, stepping into a
call (listen, whisper, barge in), the customer's rating, KPIs with their CSV, tour heatmaps."""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import Page, expect

from tests.e2e.conftest import ARTIFACTS, ContextFactory, RunningApp, log_in
from tests.e2e.test_queue import ended_others, go, staff_page, walk_in

expect.set_options(timeout=20_000)

SET_AWAY = """
from sqlalchemy import update
from showroom.db import session_scope
from showroom.models import StaffMember
with session_scope() as s:
    s.execute(update(StaffMember).values(presence="away"))
"""


def supervisor_board(context: ContextFactory, app: RunningApp) -> Page:
    page = context().pages[0]
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


def attr(page: Page, name: str, where: str = "#call-media") -> str:
    return page.locator(f"{where} [{name}], {where}[{name}]").first.get_attribute(name) or ""


def frames_at_least(page: Page, selector: str, name: str, n: int) -> None:
    page.wait_for_function(
        "([s, a, n]) => Number(document.querySelector(s)?.getAttribute(a) || 0) >= n",
        arg=[selector, name, n],
        timeout=40_000,
    )


def live_call(app: RunningApp, context: ContextFactory) -> tuple[int, Page, Page]:
    """A walk-in call answered by Aiko, video flowing both ways: (id, customer, staff)."""
    ended_others(app)
    call_id, token = walk_in(app, "Hanako")
    customer = context().pages[0]
    customer.goto(f"{app.url}/call/{token}")
    aiko = staff_page(context, app, "aiko@showroom.example")
    go(aiko, "Available")
    aiko.locator(f"[data-call='{call_id}']").click()
    aiko.wait_for_url(re.compile(rf".*/staff/call/{call_id}/?$"))
    for side in (customer, aiko):
        expect(side.locator("#lobby-join")).to_be_enabled(timeout=30_000)
        side.locator("#lobby-join").click()
    for side in (customer, aiko):
        frames_at_least(side, "[data-remote-frames]", "data-remote-frames", 10)
    return call_id, customer, aiko


def test_a_supervisor_listens_whispers_and_barges_in(
    app: RunningApp, browser_context: ContextFactory
) -> None:
    call_id, customer, aiko = live_call(app, browser_context)
    before = {
        side: (attr(page, "data-pc-count"), attr(page, "data-video-transceivers"))
        for side, page in (("customer", customer), ("staff", aiko))
    }
    customer_lines = customer.locator("#chat-log .chat-event").count()

    board = supervisor_board(browser_context, app)
    row = board.locator(f"#calls-board .call-row[data-call='{call_id}']")
    row.get_by_role("link", name="Listen").click()
    board.wait_for_url(re.compile(rf".*/supervisor/call/{call_id}/?$"))
    expect(board.locator("#supervise-mode")).to_contain_text("You are listening")
    media = "#supervise-media"
    expect(board.locator(media)).to_have_attribute("data-state", "connected", timeout=30_000)
    frames_at_least(board, media, "data-frames-0", 10)  # the customer's picture
    frames_at_least(board, media, "data-frames-1", 10)  # the staff member's picture
    frames_at_least(board, media, "data-audio-0", 4800)
    frames_at_least(board, media, "data-audio-1", 4800)
    expect(board.locator(media)).to_have_attribute("data-sending", "0")

    # Staff are told; the customer's page shows nothing new and nobody renegotiated.
    expect(aiko.locator("#supervisor-listening")).to_have_text(
        "A supervisor is listening to this call."
    )
    board.wait_for_timeout(1500)
    expect(customer.locator("#supervisor-listening")).to_have_count(0)
    assert customer.locator("#chat-log .chat-event").count() == customer_lines
    for side, page in (("customer", customer), ("staff", aiko)):
        assert (attr(page, "data-pc-count"), attr(page, "data-video-transceivers")) == before[side]
    board.screenshot(path=ARTIFACTS / "supervise-listening.png", full_page=True)
    aiko.screenshot(path=ARTIFACTS / "supervise-staff-listening.png", full_page=True)

    # A whisper reaches staff only.
    board.locator("#whisper-send").click()  # empty: refused, nothing sent
    expect(board.get_by_role("alert")).to_have_text("Type a message first.")
    board.get_by_label("Message to the member of staff only").fill("Offer the grey fabric")
    board.locator("#whisper-send").click()
    expect(board.locator("#whisper-ok")).to_be_visible()
    expect(aiko.locator("#whispers")).to_contain_text("Offer the grey fabric")
    board.wait_for_timeout(1000)
    expect(customer.get_by_text("Offer the grey fabric")).to_have_count(0)

    # Barging in: both sides are told and the customer sees the supervisor as a third person.
    board.locator("#barge-in").click()
    expect(board.locator("#supervise-mode")).to_contain_text("both sides see and hear you")
    expect(board.locator(media)).to_have_attribute("data-sending", "1", timeout=30_000)
    for page in (customer, aiko):
        expect(page.locator("#supervisor-joined")).to_have_text("A supervisor has joined the call.")
        expect(page.locator("#chat-log")).to_contain_text("A supervisor joined the call")
        frames_at_least(page, "#supervisor-picture", "data-frames-0", 10)
    for side, page in (("customer", customer), ("staff", aiko)):
        assert attr(page, "data-pc-count") == before[side][0]  # the call's own connection stays
    customer.screenshot(path=ARTIFACTS / "supervise-customer-barged.png", full_page=True)

    timeline = board.locator("#timeline")
    for text in ("Supervisor listening", "Whisper to staff", "Supervisor joined"):
        expect(timeline).to_contain_text(text)
    expect(timeline).to_contain_text("Offer the grey fabric")
    board.screenshot(path=ARTIFACTS / "supervise-barged.png", full_page=True)

    board.locator("#supervise-leave").click()
    board.wait_for_url(re.compile(r".*/supervisor/?$"))
    expect(customer.locator("#chat-log")).to_contain_text("The supervisor left the call")
    expect(customer.locator("#supervisor-joined")).to_have_count(0)
    expect(aiko.locator("#supervisor-listening")).to_have_count(0)


def test_who_may_step_in(app: RunningApp, browser_context: ContextFactory) -> None:
    call_id, customer, aiko = live_call(app, browser_context)
    # Staff (even the one in the call) cannot open the supervisor's page nor listen.
    aiko.goto(f"{app.url}/supervisor/call/{call_id}")
    expect(aiko.locator("#forbidden")).to_be_visible()
    cookies = {c["name"]: c["value"] for c in aiko.context.cookies()}
    offer = {"sdp": "v=0", "type": "offer"}
    refused = httpx.post(f"{app.url}/api/rtc/{call_id}/offer?as=monitor", json=offer,
                         cookies=cookies)  # fmt: skip
    assert refused.status_code == 403
    # The customer's link cannot listen either.
    token = customer.url.rstrip("/").rsplit("/", 1)[-1]
    refused = httpx.post(f"{app.url}/api/rtc/{call_id}/offer?as=monitor", json=offer,
                         headers={"authorization": f"Bearer {token}"})  # fmt: skip
    assert refused.status_code == 403
    # A supervisor: unknown ids and ended calls are explained.
    board = supervisor_board(browser_context, app)
    board.locator("#language-switch").click()  # the errors in Japanese
    expect(board.get_by_role("heading", name="ライブボード")).to_be_visible()
    board.goto(f"{app.url}/supervisor/call/999999")
    expect(board.locator("#supervise-error")).to_have_text("このストアにその通話はありません。")
    board.goto(f"{app.url}/supervisor/call/abc")
    expect(board.locator("#supervise-error")).to_have_text("このストアにその通話はありません。")
    aiko.goto(f"{app.url}/staff/call/{call_id}")
    app.python(
        "from showroom.db import session_scope\nfrom consult.calls.consultations import end\n"
        f"with session_scope() as s: end(s, {call_id})"
    )
    board.goto(f"{app.url}/supervisor/call/{call_id}")
    expect(board.locator("#supervise-error")).to_have_text(
        "この通話は終了しています。モニターできません。"
    )
    cookies = {c["name"]: c["value"] for c in board.context.cookies()}
    ended = httpx.post(f"{app.url}/api/rtc/{call_id}/offer?as=monitor", json=offer,
                       cookies=cookies)  # fmt: skip
    assert ended.status_code == 410 and ended.json()["error"] == "call_ended"

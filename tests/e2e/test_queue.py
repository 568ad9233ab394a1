"""The walk-in queue in real browsers: place and estimate, presence, accepting (one wins),
nobody answering (book or leave a message), staff going away mid-queue, transfer, and what
the chat does with links, HTML and over-long messages."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.conftest import ARTIFACTS, QUEUE_GONE_S, ContextFactory, RunningApp, log_in

# This machine's two cores are shared: give the pages time (tests assert behaviour, not speed).
expect.set_options(timeout=15_000)

WALK_IN = """
from sqlalchemy import select
from consult.calls.consultations import customer_link, start_walk_in
from showroom.db import session_scope
from showroom.models import Product, StaffMember, Store
from showroom.settings import get_settings
with session_scope() as s:
    store = s.scalar(select(Store).where(Store.slug == "aoyama"))
    sofa = s.scalar(select(Product).where(Product.sku == "SOFA-001"))
    wanted = s.scalar(select(StaffMember).where(StaffMember.email == {email!r}))
    call = start_walk_in(s, store.id, customer_name={name!r}, language="en", product_id=sofa.id,
                         requested_staff_id=wanted.id if wanted else None,
                         tour_view={{"scene": "living", "yaw": 0.4, "pitch": 0.0}})
    print(call.id, customer_link(get_settings().secret_key, call).token)
"""


def walk_in(app: RunningApp, name: str, staff_email: str = "") -> tuple[int, str]:
    """A "call now" (as the tour makes it), for anyone or for one member of staff."""
    out = app.python(WALK_IN.format(name=name, email=staff_email)).split()
    return int(out[0]), out[1]


def staff_page(context: ContextFactory, app: RunningApp, email: str) -> Page:
    page = context().pages[0]
    page.set_default_timeout(45_000)  # four engineers' builds share two cores here
    log_in(page, app, email)
    page.wait_for_url(re.compile(r".*/staff/?$"))
    return page


def first_to_reach(pages: list[Page], url: re.Pattern[str], seconds: float = 20) -> Page:
    for _ in range(int(seconds * 5)):
        for page in pages:
            if url.match(page.url):
                return page
        pages[0].wait_for_timeout(200)
    raise AssertionError(f"no page reached {url.pattern}")


def go(page: Page, presence: str) -> None:
    page.locator("#presence").get_by_role("radio", name=presence).click()


def ended_others(app: RunningApp) -> None:
    """Calls left over from other tests would change places in the queue: end them."""
    app.python(
        "from sqlalchemy import update\nfrom showroom.db import session_scope, utcnow\n"
        "from consult.models import Consultation\n"
        "with session_scope() as s: s.execute(update(Consultation)"
        ".where(Consultation.status != 'ended').values(status='ended', ended_at=utcnow()))"
    )


def everyone_away(app: RunningApp) -> None:
    """Staff left available by other tests would answer this test's callers: send them away."""
    app.python(
        "from sqlalchemy import update\nfrom showroom.db import session_scope\n"
        "from showroom.models import StaffMember\n"
        "with session_scope() as s: s.execute(update(StaffMember).values(presence='away'))"
    )


def test_queue_place_presence_and_one_accept(
    app: RunningApp, browser_context: ContextFactory
) -> None:
    ended_others(app)
    everyone_away(app)
    first_id, _token = walk_in(app, "Hanako")
    second_id, second_token = walk_in(app, "Taro")
    customer = browser_context(locale="ja-JP").pages[0]  # this customer reads Japanese
    customer.goto(f"{app.url}/call/{second_token}")
    expect(customer.locator("#queue-position")).to_contain_text(re.compile(r"お待ちの順番：\s*2"))
    expect(customer.locator("#queue-estimate")).to_contain_text(
        "ただいま対応できるスタッフがいません"
    )

    aiko = staff_page(browser_context, app, "aiko@showroom.example")
    ken = staff_page(browser_context, app, "ken@showroom.example")
    go(aiko, "Available")
    expect(aiko.get_by_text("You receive walk-in calls")).to_be_visible()
    # One available, nobody talking yet: the first customer is next, the second one call later.
    # About one call: the store's recent average (earlier tests' calls), 5 min without any.
    expect(customer.locator("#queue-estimate")).to_contain_text(
        re.compile(r"待ち時間の目安：約 \d+ 分")
    )
    row = aiko.locator(".queue-call").filter(has=aiko.locator(f"[data-call='{second_id}']"))
    expect(row).to_contain_text("Taro")
    expect(row).to_contain_text("Hinoki three-seat sofa")
    expect(row).to_contain_text("Living room")
    aiko.screenshot(path=ARTIFACTS / "queue-staff.png", full_page=True)
    customer.screenshot(path=ARTIFACTS / "queue-customer.png", full_page=True)

    # Both see the first caller and press "Accept" at once: exactly one gets the call.
    accept = f"[data-call='{first_id}']"
    expect(ken.locator(accept)).to_be_visible()
    expect(aiko.locator(accept)).to_be_visible()
    # Clicked in the page, so both presses land before either list can change.
    for staff in (aiko, ken):
        staff.evaluate("selector => document.querySelector(selector).click()", accept)
    in_call = re.compile(rf".*/staff/call/{first_id}/?$")
    refused = "A colleague has already taken that call."
    winner = first_to_reach([aiko, ken], in_call)
    loser = ken if winner is aiko else aiko
    expect(loser.get_by_role("alert")).to_have_text(refused)
    assert not in_call.match(loser.url)
    expect(customer.locator("#queue-position")).to_contain_text(re.compile(r"お待ちの順番：\s*1"))

    # The supervisor's board shows who is in a call.
    yuki = browser_context().pages[0]
    yuki.set_default_timeout(45_000)
    log_in(yuki, app, "yuki@showroom.example")
    yuki.wait_for_url(re.compile(r".*/(staff|supervisor)/?$"))
    yuki.goto(f"{app.url}/supervisor")
    board = yuki.locator("#staff-board")
    winner_name = "Aiko" if winner is aiko else "Ken"
    expect(board.get_by_role("row").filter(has_text=winner_name)).to_contain_text("In call")
    yuki.screenshot(path=ARTIFACTS / "supervisor-presence.png", full_page=True)


def test_nobody_answering_offers_a_booking_or_a_message(
    app: RunningApp, browser_context: ContextFactory
) -> None:
    ended_others(app)
    call_id, token = walk_in(app, "Jiro")
    app.python(  # as if the customer had waited past the store's answer time
        "from datetime import timedelta\nimport showroom.schema\nfrom showroom.db import session_scope, utcnow\n"
        "from consult.models import Consultation\n"
        f"with session_scope() as s: s.get(Consultation, {call_id}).created_at = "
        "utcnow() - timedelta(minutes=10)"
    )
    customer = browser_context().pages[0]
    customer.goto(f"{app.url}/call/{token}")
    offer = customer.locator("#no-answer")
    expect(offer).to_be_visible()
    expect(customer.locator("#book-instead")).to_have_attribute(
        "href", re.compile(r"^/book/aoyama\?product=\d+$")
    )
    customer.locator("#message-email").fill("jiro@localhost")  # the browser lets it through
    customer.locator("#message-body").fill("Please call me back about the sofa.")
    customer.locator("#message-send").click()
    expect(offer.get_by_role("alert")).to_have_text(
        "Please enter a valid email address so that we can reply."
    )
    customer.screenshot(path=ARTIFACTS / "queue-no-answer.png", full_page=True)
    customer.locator("#message-email").fill("jiro@example.com")
    customer.locator("#message-send").click()
    expect(customer.locator("#message-left")).to_be_visible()

    mia = staff_page(browser_context, app, "mia@showroom.example")
    left = mia.locator("#messages-left")
    expect(left).to_contain_text("jiro@example.com")
    expect(left).to_contain_text("Please call me back about the sofa.")


def test_a_caller_asks_for_staff_by_name_who_goes_away_mid_queue(
    app: RunningApp, browser_context: ContextFactory
) -> None:
    ended_others(app)
    mia = staff_page(browser_context, app, "mia@showroom.example")
    go(mia, "Available")
    expect(mia.get_by_text("You receive walk-in calls")).to_be_visible()
    # The customer asks for Mia by name from the tour.
    customer = browser_context().pages[0]
    customer.goto(f"{app.url}/tour/aoyama/entrance")
    customer.locator("#call-choose").click()
    choice = customer.get_by_role("menuitem").filter(has_text="Mia Tanaka")
    expect(choice).to_be_visible()
    customer.screenshot(path=ARTIFACTS / "tour-call-choose.png")
    choice.click()
    customer.locator("#call-start").click()
    customer.wait_for_url(re.compile(r".*/call/[^/]+/?$"))
    call_id = int(
        app.python(
            "from sqlalchemy import func, select\nfrom showroom.db import session_scope\n"
            "from consult.models import Consultation\n"
            "with session_scope() as s: print(s.scalar(select(func.max(Consultation.id))))"
        )
    )
    expect(customer.locator("#queue")).to_contain_text("Waiting for Mia Tanaka")
    expect(mia.locator(f"[data-call='{call_id}']")).to_be_visible()
    go(mia, "Away")
    expect(customer.locator("#queue-moved")).to_be_visible()
    expect(customer.locator("#queue")).not_to_contain_text("Waiting for Mia Tanaka")
    customer.screenshot(path=ARTIFACTS / "queue-moved.png", full_page=True)
    stored = app.python(
        "from showroom.db import session_scope\nfrom consult.models import Consultation\n"
        f"with session_scope() as s: print(s.get(Consultation, {call_id}).requested_staff_id)"
    )
    assert stored == "None"


def test_a_caller_who_closes_the_page_leaves_the_queue(
    app: RunningApp, browser_context: ContextFactory
) -> None:
    ended_others(app)
    mia = staff_page(browser_context, app, "mia@showroom.example")
    go(mia, "Available")
    call_id, token = walk_in(app, "Shiro")
    customer = browser_context().pages[0]
    customer.goto(f"{app.url}/call/{token}")
    expect(customer.locator("#queue-position")).to_be_visible()
    row = mia.locator(f"[data-call='{call_id}']")
    expect(row).to_be_visible()
    # A reload is not leaving: the caller keeps their place past the grace time.
    customer.reload()
    customer.wait_for_timeout(QUEUE_GONE_S * 1000 + 3000)
    expect(customer.locator("#queue-position")).to_be_visible()
    expect(row).to_be_visible()
    customer.close()
    expect(row).to_have_count(0, timeout=QUEUE_GONE_S * 1000 + 30_000)
    stored = app.python(
        "from showroom.db import session_scope\nfrom consult.models import Consultation\n"
        f"with session_scope() as s: c = s.get(Consultation, {call_id}); "
        "print(c.status, c.end_reason)"
    )
    assert stored == "ended gone"


def test_transfer_reaches_a_colleague_without_the_customer_rejoining(
    app: RunningApp, browser_context: ContextFactory
) -> None:
    ended_others(app)
    call_id, token = walk_in(app, "Shiro")
    customer = browser_context().pages[0]
    customer.goto(f"{app.url}/call/{token}")
    expect(customer.locator("#call-waiting")).to_be_visible()
    aiko = staff_page(browser_context, app, "aiko@showroom.example")
    ken = staff_page(browser_context, app, "ken@showroom.example")
    go(ken, "Available")
    expect(ken.get_by_text("You receive walk-in calls")).to_be_visible()
    aiko.locator(f"[data-call='{call_id}']").click()
    aiko.wait_for_url(re.compile(rf".*/staff/call/{call_id}/?$"))
    expect(customer.locator("#call-waiting")).to_have_count(0)

    # Chat: links work, HTML is shown as typed, an over-long message is refused.
    customer.locator("#chat-input").fill("<b>hi</b><script>window.hacked=1</script>")
    customer.locator("#chat-send").click()
    expect(aiko.locator("#chat-log")).to_contain_text("<b>hi</b><script>window.hacked=1</script>")
    assert aiko.evaluate("window.hacked") is None
    aiko.locator("#chat-input").fill("Our sizes: https://example.com/sizes ok?")
    aiko.locator("#chat-send").click()
    link = customer.locator("#chat-log a.chat-link")
    expect(link).to_have_attribute("href", "https://example.com/sizes")
    expect(aiko.locator("#chat-input")).to_have_value("")  # emptied once stored
    customer.locator("#chat-input").fill("x" * 2001)
    customer.locator("#chat-send").click()
    expect(customer.get_by_role("alert")).to_have_text(
        "That message is too long (2,000 characters at most)."
    )
    expect(customer.locator("#chat-input")).to_have_value("x" * 2001)  # kept, to be shortened

    aiko.locator("#transfer-to").select_option(label="鈴木 健 (Ken Suzuki)")
    aiko.locator("#transfer-note").fill("Wants the lounge chair in wool")
    aiko.screenshot(path=ARTIFACTS / "transfer-staff.png", full_page=True)
    aiko.locator("#transfer").click()
    aiko.wait_for_url(re.compile(r".*/staff/?$"))

    handed = ken.locator(".my-call")
    expect(handed).to_contain_text("Handed over by")
    expect(handed).to_contain_text("Wants the lounge chair in wool")
    ken.screenshot(path=ARTIFACTS / "transfer-colleague.png", full_page=True)
    handed.get_by_role("button", name="Join").click()
    ken.wait_for_url(re.compile(rf".*/staff/call/{call_id}/?$"))
    expect(ken.locator("#handover")).to_contain_text("Wants the lounge chair in wool")
    # The customer stayed on the same page, is told, and talks to Ken now.
    expect(customer.locator("#chat-log")).to_contain_text("You are now talking to 鈴木 健")
    # ... by name and photo, too, beside the call.
    expect(customer.locator("#call-staff-name")).to_have_text("鈴木 健 (Ken Suzuki)")
    expect(customer.locator("#chat-log")).not_to_contain_text("lounge chair in wool")
    ken.locator("#chat-input").fill("Hello, this is Ken.")
    ken.locator("#chat-send").click()
    expect(customer.locator("#chat-log").get_by_text("Hello, this is Ken.")).to_be_visible()
    customer.screenshot(path=ARTIFACTS / "transfer-customer.png", full_page=True)
    kinds = app.python(
        "from showroom.db import session_scope\nfrom consult.calls.events import events_of\n"
        f"with session_scope() as s: print(' '.join(e.kind for e in events_of(s, {call_id})))"
    )
    assert "accepted" in kinds and "transferred" in kinds

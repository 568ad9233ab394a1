"""What a first-time user hit (issue 14), driven as they did it: the chat with cards at a
laptop's size, the walk-in caller's name, staff presence, joining before staff, and the
booking form's missing answer."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.conftest import ARTIFACTS, ContextFactory, RunningApp, log_in
from tests.e2e.test_booking import AREA_QUESTION, pick_slot
from tests.e2e.test_commerce import call_between, show_product

SERVER_S = 30_000


def send_chat(page: Page, text: str) -> None:
    page.locator("#chat-input").fill(text)
    page.locator("#chat-send").click()
    expect(page.locator("#chat-log").get_by_text(text)).to_be_visible(timeout=SERVER_S)


def card_layout(page: Page) -> list[dict[str, float]]:
    """Each product card's box, its content's natural height, and whether its buttons and
    price lie inside it; plus where the chat's visible area ends."""
    return page.locator("#chat-log .product-card").evaluate_all(
        """(cards) => cards.map((card) => {
             const box = card.getBoundingClientRect();
             const inside = [...card.querySelectorAll('button, .card-price')].every((el) => {
               const r = el.getBoundingClientRect();
               return r.height > 0 && r.top >= box.top - 0.5 && r.bottom <= box.bottom + 0.5;
             });
             return {height: box.height, natural: card.scrollHeight, inside: inside ? 1 : 0,
                     top: box.top, bottom: box.bottom};
           })"""
    )


def newest_in_view(page: Page) -> bool:
    return bool(
        page.locator("#chat-log").evaluate(
            """(log) => { const view = log.getBoundingClientRect();
                          const items = log.querySelectorAll('.product-card, .chat-body');
                          const last = items[items.length - 1].getBoundingClientRect();
                          return last.bottom <= view.bottom + 1 && last.top >= view.top - 1; }"""
        )
    )


def test_chat_cards_keep_their_height_and_the_chat_scrolls_to_the_newest(
    app: RunningApp, browser_context: ContextFactory
) -> None:
    customer, staff, _call = call_between(app, browser_context, "aiko@showroom.example", "Mia")
    send_chat(customer, "Hello, I am looking for a lamp.")
    send_chat(staff, "Here are two we have in stock.")
    show_product(staff, "washi", "Washi floor lamp")
    show_product(staff, "brass", "Brass table lamp")
    for name, side in (("customer", customer), ("staff", staff)):
        cards = side.locator("#chat-log .product-card")
        expect(cards).to_have_count(2, timeout=SERVER_S)
        expect(cards.last).to_contain_text("Brass table lamp")
        layout = card_layout(side)
        for card in layout:
            # Its natural height: nothing cut off, every button and the price inside it.
            assert card["height"] >= card["natural"] - 1, layout
            assert card["inside"] == 1, layout
        first, second = layout
        assert second["top"] >= first["bottom"], f"the cards overlap: {layout}"
        assert newest_in_view(side), "the newest card is scrolled out of view"
        side.screenshot(path=ARTIFACTS / f"first-use-chat-{name}.png")

    # More messages: the chat scrolls and the newest stays in view on both sides.
    for number in range(6):
        send_chat(customer if number % 2 else staff, f"Message number {number}")
    for side in (customer, staff):
        log = side.locator("#chat-log")
        assert log.evaluate("(el) => el.scrollHeight > el.clientHeight"), "the chat scrolls"
        expect(log.get_by_text("Message number 5")).to_be_in_viewport()
        assert newest_in_view(side)
        for card in card_layout(side):
            assert card["height"] >= card["natural"] - 1


AIKO = "佐藤 愛子 (Aiko Sato)"


def test_a_walk_in_caller_gives_a_name_and_waits_for_staff_shown_by_name_and_photo(
    app: RunningApp, browser_context: ContextFactory
) -> None:
    customer = browser_context().pages[0]
    customer.goto(f"{app.url}/tour/aoyama/entrance")
    customer.locator("[data-testid=panorama-viewer][data-ready='true']").wait_for(timeout=SERVER_S)
    customer.get_by_role("button", name="Talk to staff now").click()
    intro = customer.get_by_role("dialog", name="Before we connect you")
    expect(intro).to_be_visible(timeout=SERVER_S)
    # The page's language is the default; the caller would rather speak Japanese.
    expect(intro.get_by_label("Language for the call")).to_have_value("en")
    intro.get_by_label("Language for the call").select_option(label="Japanese")
    # Too long a name is refused, and nothing is queued.
    intro.get_by_label("Your name (optional)").fill("Hana " * 30)
    intro.get_by_role("button", name="Join the queue").click()
    expect(intro.get_by_role("alert")).to_have_text("A name has at most 120 characters.")
    customer.screenshot(path=ARTIFACTS / "first-use-intro-error.png")
    assert "/call/" not in customer.url
    intro.get_by_label("Your name (optional)").fill("Hana Mori")
    customer.screenshot(path=ARTIFACTS / "first-use-intro.png")
    intro.get_by_role("button", name="Join the queue").click()
    customer.wait_for_url(re.compile(r".*/call/[^/]+/?$"), timeout=SERVER_S)
    call_id = int(
        app.python(
            "from sqlalchemy import select\nfrom showroom.db import session_scope\n"
            "from consult.models import Consultation\nwith session_scope() as s:\n"
            "    c = s.scalars(select(Consultation).where(Consultation.customer_name == "
            "'Hana Mori').order_by(Consultation.id.desc())).first()\n"
            "    print(c.id if c.language == 'ja' else 0)"
        )
    )
    assert call_id > 0, "stored with the name and language given"

    # The customer joins before any member of staff: no signal bars, a clear wait.
    expect(customer.locator("#lobby-join")).to_be_enabled(timeout=SERVER_S)
    customer.locator("#lobby-join").click()
    waiting = customer.locator("#call-waiting-other")
    expect(waiting).to_have_text("Waiting for the other side to join…", timeout=SERVER_S)
    expect(customer.locator("#call-media")).to_have_attribute("data-state", "connected")
    expect(customer.locator("#call-quality")).to_have_count(0)

    # Staff see the caller's name and language in the queue and in the call.
    staff = browser_context().pages[0]
    log_in(staff, app, "aiko@showroom.example")
    staff.wait_for_url(re.compile(r".*/staff/?$"))
    card = staff.locator(".queue-call").filter(has=staff.locator(f"[data-call='{call_id}']"))
    expect(card).to_contain_text("Hana Mori", timeout=SERVER_S)
    expect(card.locator(".queue-language")).to_have_text("Japanese")
    staff.screenshot(path=ARTIFACTS / "first-use-staff-queue.png")
    card.get_by_role("button", name="Accept").click()
    staff.wait_for_url(re.compile(rf".*/staff/call/{call_id}/?$"), timeout=SERVER_S)
    context = staff.locator("#customer-context")
    expect(context).to_contain_text("Name: Hana Mori", timeout=SERVER_S)
    expect(context).to_contain_text("Language: Japanese")

    # The customer now sees whom they wait for, by name and photo, still without bars.
    expect(customer.locator("#call-staff-name")).to_have_text(AIKO, timeout=SERVER_S)
    expect(customer.locator("#call-staff")).to_contain_text("You are talking with")
    expect(waiting).to_have_text(f"Waiting for {AIKO} to join…", timeout=SERVER_S)
    photo = customer.locator("[data-testid=peer-photo]")
    expect(photo).to_be_visible()
    assert photo.evaluate("(img) => img.complete && img.naturalWidth > 0"), "the photo loads"
    expect(customer.locator("#call-quality")).to_have_count(0)
    customer.screenshot(path=ARTIFACTS / "first-use-waiting-for-staff.png")

    # Staff join: the picture flows, the wait is over and the bars appear.
    expect(staff.locator("#lobby-join")).to_be_enabled(timeout=SERVER_S)
    staff.locator("#lobby-join").click()
    expect(waiting).to_have_count(0, timeout=SERVER_S)
    expect(customer.locator("#call-quality")).to_have_attribute(
        "data-quality", re.compile("good|fair|poor"), timeout=SERVER_S
    )
    expect(customer.locator("#call-media")).to_have_attribute("data-role", AIKO)
    customer.screenshot(path=ARTIFACTS / "first-use-talking.png")


def test_the_presence_switch_and_its_badge_agree(
    app: RunningApp, browser_context: ContextFactory
) -> None:
    # Ken left the staff page yesterday: he is offline, whatever ran before.
    app.python(
        "from sqlalchemy import update\nfrom showroom.db import session_scope\n"
        "from showroom.models import StaffMember\n"
        "with session_scope() as s: s.execute(update(StaffMember).where(StaffMember.email == "
        "'ken@showroom.example').values(presence='offline', presence_at=None))"
    )
    page = browser_context().pages[0]
    log_in(page, app, "ken@showroom.example")
    page.wait_for_url(re.compile(r".*/staff/?$"))
    switch, badge = page.locator("#presence"), page.locator("#presence-badge")
    expect(badge).to_have_text("Offline: choose Available to take calls", timeout=SERVER_S)
    # Neither choice is shown as made while the badge says offline.
    for choice in ("Available", "Away"):
        expect(switch.get_by_role("radio", name=choice)).to_have_attribute("aria-checked", "false")
    page.screenshot(path=ARTIFACTS / "first-use-presence-offline.png")
    for choice, says in (
        ("Available", "You receive walk-in calls"),
        ("Away", "You receive no walk-in calls"),
    ):
        switch.get_by_role("radio", name=choice).click()
        expect(badge).to_have_text(says, timeout=SERVER_S)
        expect(switch.get_by_role("radio", name=choice)).to_have_attribute("aria-checked", "true")
    page.reload()  # what is stored is what both show
    expect(badge).to_have_text("You receive no walk-in calls", timeout=SERVER_S)
    expect(switch.get_by_role("radio", name="Away")).to_have_attribute("aria-checked", "true")


def test_the_booking_form_marks_the_missing_answer(app: RunningApp, page: Page) -> None:
    page.goto(f"{app.url}/book/aoyama")
    page.get_by_role("radio", name=re.compile("Room planning")).click()
    pick_slot(page)
    page.get_by_role("radio", name="Living room").click()  # the floor plan is not answered
    page.get_by_label("Name").fill("Hanako Yamada")
    page.get_by_label("Email").fill("hanako-marked@example.com")
    page.get_by_role("button", name="Book this consultation").click()

    plan = page.get_by_role("radiogroup", name="Do you have a floor plan?")
    expect(plan).to_have_attribute("aria-invalid", "true", timeout=SERVER_S)
    expect(plan.get_by_role("radio").first).to_be_focused()
    plan_id = plan.get_attribute("id")
    beside = page.locator(f"[data-question] #{plan_id}-error")
    expect(beside).to_have_text("Please answer the required questions.")
    expect(plan).to_have_attribute("aria-describedby", f"{plan_id}-error")
    # The question answered, only that one is marked no more.
    expect(page.get_by_role("radiogroup", name="Which room are you furnishing?")).to_have_attribute(
        "aria-invalid", "false"
    )
    page.screenshot(path=ARTIFACTS / "first-use-booking-marked.png", full_page=True)

    # "No" shows the room size question, required in turn: it is the one marked now.
    page.get_by_role("radio", name="No", exact=True).click()
    page.get_by_role("button", name="Book this consultation").click()
    area = page.get_by_label(AREA_QUESTION)
    expect(area).to_have_attribute("aria-invalid", "true", timeout=SERVER_S)
    expect(area).to_be_focused()
    expect(plan).to_have_attribute("aria-invalid", "false")
    expect(page.locator(".field-error")).to_have_count(1)

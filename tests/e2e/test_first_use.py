"""What a first-time user hit (issue 14), driven as they did it: the chat with cards at a
laptop's size, the walk-in caller's name, staff presence, joining before staff, and the
booking form's missing answer."""

from __future__ import annotations

import itertools
import re
from typing import Any

from playwright.sync_api import Page, expect

from tests.e2e.conftest import ARTIFACTS, ContextFactory, RunningApp, log_in
from tests.e2e.test_booking import AREA_QUESTION, pick_slot
from tests.e2e.test_commerce import (
    add_to_cart,
    call_between,
    set_stock_and_price,
    show_product,
    store_rules,
)

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
        for card in card_layout(side):  # still not squeezed by the longer conversation
            assert card["height"] >= card["natural"] - 1 and card["inside"] == 1, card
        expect(log.get_by_text("Message number 5")).to_be_in_viewport()
        assert newest_in_view(side)


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


def view_yaw(page: Page) -> float:
    return float(page.evaluate("() => window.__psv.getPosition().yaw"))


def test_picking_a_product_from_the_menu_turns_the_view_to_it(app: RunningApp, page: Page) -> None:
    page.goto(f"{app.url}/tour/aoyama/living?yaw=180&pitch=0")  # facing away from the sofa
    page.locator(
        "[data-testid=panorama-viewer][data-ready='true'][data-panorama$='/living/']"
    ).wait_for(timeout=SERVER_S)
    page.get_by_role("button", name="Products here").click()
    page.get_by_role("menuitem", name=re.compile("Kumo lounge chair")).click()
    expect(page.get_by_role("dialog", name="Kumo lounge chair")).to_be_visible(timeout=SERVER_S)
    target = page.evaluate(
        """() => { const m = window.__psv.getPlugin('markers').getMarkers()
                     .find((m) => m.config.html.includes('Kumo lounge chair'));
                   return m.config.position.yaw; }"""
    )
    page.wait_for_function(
        """(target) => { const yaw = window.__psv.getPosition().yaw;
                         return Math.abs(Math.atan2(Math.sin(yaw - target),
                                                    Math.cos(yaw - target))) < 0.05; }""",
        arg=target,
        timeout=SERVER_S,
    )
    page.screenshot(path=ARTIFACTS / "first-use-product-faced.png")


def test_the_dining_room_opens_facing_its_products(app: RunningApp, page: Page) -> None:
    page.goto(f"{app.url}/tour/aoyama/dining")
    page.locator(
        "[data-testid=panorama-viewer][data-ready='true'][data-panorama$='/dining/']"
    ).wait_for(timeout=SERVER_S)
    stage = page.locator("[data-testid=panorama-viewer]").bounding_box()
    assert stage is not None
    pills = page.locator("[data-testid=panorama-viewer] .showroom-psv-pill")
    expect(pills.first).to_be_visible(timeout=SERVER_S)
    seen = 0
    for number in range(pills.count()):
        box = pills.nth(number).bounding_box()
        if (
            box
            and stage["x"] <= box["x"]
            and box["x"] + box["width"] <= stage["x"] + stage["width"]
        ):
            seen += 1
    assert seen >= 2, "the scene opens with its products in view"
    page.screenshot(path=ARTIFACTS / "first-use-dining-opens.png")


def label_boxes(page: Page) -> tuple[dict[str, float], list[dict[str, Any]]]:
    box = page.locator("#floor-plan").bounding_box()
    assert box is not None
    plan = {"x": box["x"], "y": box["y"], "width": box["width"], "height": box["height"]}
    labels = page.locator("#floor-plan .plan-label").evaluate_all(
        """(els) => els.map((el) => { const r = el.getBoundingClientRect();
             return {x: r.left, y: r.top, width: r.width, height: r.height,
                     text: el.textContent, clipped: el.scrollWidth > el.clientWidth + 1}; })"""
    )
    return plan, labels


def test_floor_plan_labels_neither_overlap_nor_spill_out(
    app: RunningApp, browser_context: ContextFactory
) -> None:
    # A scene not yet placed on the plan sits at its origin, next to Entrance.
    app.python(
        "from showroom.db import session_scope\nfrom showroom.models import Scene, Store\n"
        "with session_scope() as s:\n"
        "    store = s.query(Store).filter_by(slug='aoyama').one()\n"
        "    entrance = s.query(Scene).filter_by(store_id=store.id, slug='entrance').one()\n"
        "    s.add(Scene(store_id=store.id, slug='plan-annex', name_en='Storeroom', name_ja='倉庫',"
        " sort_order=90, panorama_dir=entrance.panorama_dir, panorama_meta=entrance.panorama_meta))"
    )
    try:
        for locale, size in (("en-GB", (1280, 800)), ("ja-JP", (390, 844))):
            page = browser_context(locale=locale).pages[0]
            page.set_viewport_size({"width": size[0], "height": size[1]})
            page.goto(f"{app.url}/tour/aoyama/entrance")
            # Every scene on the plan has its name (other tests may have added scenes).
            expect(
                page.locator("#floor-plan .plan-label").filter(
                    has_text=re.compile("Storeroom|倉庫")
                )
            ).to_be_visible(timeout=SERVER_S)
            expect(page.locator("#floor-plan .plan-label")).to_have_count(
                page.locator("#floor-plan .plan-spot").count()
            )
            plan, labels = label_boxes(page)
            for label in labels:
                assert not label["clipped"], label
                assert (
                    plan["x"] <= label["x"]
                    and label["x"] + label["width"] <= plan["x"] + plan["width"]
                ), (plan, label)
                assert (
                    plan["y"] <= label["y"]
                    and label["y"] + label["height"] <= plan["y"] + plan["height"]
                ), (plan, label)
            for a, b in itertools.combinations(labels, 2):
                apart = (
                    a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"]
                    or a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"]
                )  # fmt: skip
                assert apart, (a, b)
            page.screenshot(path=ARTIFACTS / f"first-use-plan-{locale}-{size[0]}.png")
    finally:
        app.python(
            "from showroom.db import session_scope\nfrom showroom.models import Scene\n"
            "with session_scope() as s: s.query(Scene).filter_by(slug='plan-annex').delete()"
        )


def test_on_a_phone_the_product_panel_shows_call_and_book_and_hides_the_tour_behind(
    app: RunningApp, browser_context: ContextFactory
) -> None:
    for locale in ("en-GB", "ja-JP"):
        page = browser_context(locale=locale).pages[0]
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(f"{app.url}/tour/aoyama/living?product=SOFA-001")
        page.locator("[data-testid=panorama-viewer][data-ready='true']").wait_for(timeout=SERVER_S)
        panel = page.locator("#product-panel")
        expect(panel).to_be_visible(timeout=SERVER_S)
        box = panel.bounding_box()
        assert box is not None
        # Without scrolling the panel or the page, both buttons are in view.
        for button in ("#ask-call", "#ask-staff"):
            expect(page.locator(button)).to_be_in_viewport(ratio=1.0)
            inner = page.locator(button).bounding_box()
            assert inner is not None
            assert (
                box["y"] <= inner["y"] and inner["y"] + inner["height"] <= box["y"] + box["height"]
            ), (box, inner)
        # Opaque: nothing of the panorama or its hotspot labels shows through.
        alpha = panel.evaluate(
            """(el) => { const after = getComputedStyle(el, '::after').backgroundColor;
                         const a = (c) => { const m = c.match(/rgba?\\(([^)]+)\\)/);
                           if (!m) return 0; const p = m[1].split(',');
                           return p.length > 3 ? Number(p[3]) : 1; };
                         return Math.max(a(getComputedStyle(el).backgroundColor), a(after)); }"""
        )
        assert alpha == 1, alpha
        page.screenshot(path=ARTIFACTS / f"first-use-phone-panel-{locale}.png")


def test_after_the_call_the_customer_sees_a_summary(
    app: RunningApp, browser_context: ContextFactory
) -> None:
    set_stock_and_price(app, "LAMP-002", 5, 18500)
    store_rules(app)
    customer, staff, _call = call_between(app, browser_context, "aiko@showroom.example", "Ren")
    show_product(staff, "brass", "Brass table lamp")
    add_to_cart(customer, "Brass table lamp")
    expect(staff.locator("#cart-total")).to_have_text("¥18,500", timeout=SERVER_S)
    staff.locator("#request-payment").click()
    expect(customer.locator(".payment-card #pay-link")).to_be_visible(timeout=SERVER_S)
    staff.locator("#end-call").click()

    summary = customer.locator("#call-summary")
    expect(summary.locator("#call-ended")).to_have_text("This consultation has ended.")
    expect(summary.locator("#summary-staff")).to_have_text(
        f"You spoke with {AIKO}", timeout=SERVER_S
    )
    lamp = summary.locator("#summary-products").get_by_role("link", name="Brass table lamp")
    expect(lamp).to_have_attribute("href", re.compile(r"^/tour/aoyama/[a-z]+\?.*LAMP-002"))
    order = summary.locator(".summary-order")
    expect(order).to_have_count(1)
    expect(order).to_contain_text("¥18,500")
    expect(order).to_contain_text("Waiting for payment")
    expect(order.locator(".summary-pay")).to_have_attribute("href", re.compile(r".*/pay/.+"))
    # The chat's own "Pay now" is gone: the summary is where to pay now.
    expect(customer.locator("#chat-log #pay-link")).to_have_count(0)
    expect(summary.locator("#book-again")).to_have_attribute("href", "/book/aoyama")
    customer.screenshot(path=ARTIFACTS / "first-use-after-call.png", full_page=True)
    lamp.click()
    customer.wait_for_url(re.compile(r".*/tour/aoyama/.*LAMP-002.*"), timeout=SERVER_S)
    expect(customer.get_by_role("dialog", name="Brass table lamp")).to_be_visible(timeout=SERVER_S)


def test_our_pages_raise_no_deprecation_warnings(app: RunningApp, page: Page) -> None:
    """Reflex's RouterData.page is deprecated: the tour, booking and call pages read their
    route's values from the URL (a start used to log the warning for each of them)."""
    page.goto(f"{app.url}/tour/aoyama/entrance")
    page.locator("[data-testid=panorama-viewer][data-ready='true']").wait_for(timeout=SERVER_S)
    page.goto(f"{app.url}/book/aoyama")
    expect(page.locator("#booking-days button[data-day]").first).to_be_visible(timeout=SERVER_S)
    page.goto(f"{app.url}/call/not-a-valid-token")
    expect(page.locator("#call-error")).to_be_visible(timeout=SERVER_S)
    assert "RouterData.page" not in app.log.read_text(errors="replace")


def fits_the_phone(page: Page) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width}px wide on a 390px phone"


def test_the_same_first_steps_in_japanese_on_a_phone(
    app: RunningApp, browser_context: ContextFactory
) -> None:
    """The walk-in's name and language, waiting for staff, cards in the chat and the summary
    after the call, in Japanese at 390x844: translated, and nothing wider than the phone."""
    set_stock_and_price(app, "LAMP-002", 5, 18500)
    store_rules(app)
    customer = browser_context(locale="ja-JP").pages[0]
    customer.set_viewport_size({"width": 390, "height": 844})
    customer.goto(f"{app.url}/tour/aoyama/entrance")
    customer.locator("[data-testid=panorama-viewer][data-ready='true']").wait_for(timeout=SERVER_S)
    customer.locator("#call-now").click()
    intro = customer.get_by_role("dialog", name="おつなぎする前に")
    expect(intro).to_be_visible(timeout=SERVER_S)
    expect(intro.get_by_label("通話の言語")).to_have_value("ja")
    intro.get_by_label("お名前（任意）").fill("森 花")
    customer.screenshot(path=ARTIFACTS / "first-use-phone-ja-intro.png")
    intro.get_by_role("button", name="順番待ちに入る").click()
    customer.wait_for_url(re.compile(r".*/call/[^/]+/?$"), timeout=SERVER_S)
    expect(customer.locator("#lobby-join")).to_be_enabled(timeout=SERVER_S)
    customer.locator("#lobby-join").click()
    expect(customer.locator("#call-waiting-other")).to_have_text(
        "相手の参加を待っています…", timeout=SERVER_S
    )
    fits_the_phone(customer)
    customer.screenshot(path=ARTIFACTS / "first-use-phone-ja-waiting.png", full_page=True)

    staff = browser_context().pages[0]
    log_in(staff, app, "aiko@showroom.example")
    staff.wait_for_url(re.compile(r".*/staff/?$"))
    card = staff.locator(".queue-call").filter(has_text="森 花")
    expect(card.locator(".queue-language")).to_have_text("Japanese", timeout=SERVER_S)
    card.get_by_role("button", name="Accept").click()
    staff.wait_for_url(re.compile(r".*/staff/call/\d+/?$"), timeout=SERVER_S)
    expect(customer.locator("#call-waiting-other")).to_have_text(
        f"{AIKO}の参加を待っています…", timeout=SERVER_S
    )
    expect(customer.locator("#call-staff")).to_contain_text("担当スタッフ")
    customer.screenshot(path=ARTIFACTS / "first-use-phone-ja-staff.png", full_page=True)

    send_chat(customer, "ランプを探しています。")
    send_chat(staff, "こちらはいかがでしょう。")
    show_product(staff, "washi", "Washi floor lamp")
    show_product(staff, "brass", "Brass table lamp")
    cards = customer.locator("#chat-log .product-card")
    expect(cards).to_have_count(2, timeout=SERVER_S)
    expect(cards.last.get_by_role("button", name="カートに追加")).to_be_visible()
    for box in card_layout(customer):
        assert box["height"] >= box["natural"] - 1 and box["inside"] == 1, box
    assert newest_in_view(customer)
    fits_the_phone(customer)
    customer.locator("#chat-log").scroll_into_view_if_needed()
    customer.screenshot(path=ARTIFACTS / "first-use-phone-ja-chat.png")

    staff.locator("#end-call").click()
    summary = customer.locator("#call-summary")
    expect(summary.locator("#summary-staff")).to_contain_text(AIKO, timeout=SERVER_S)
    expect(summary.locator("#summary-products")).to_contain_text("ご紹介した商品")
    expect(summary.locator("#book-again")).to_have_text("もう一度予約する")
    fits_the_phone(customer)
    summary.scroll_into_view_if_needed()
    customer.screenshot(path=ARTIFACTS / "first-use-phone-ja-summary.png")

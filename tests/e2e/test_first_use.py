"""What a first-time user hit (issue 14), driven as they did it: the chat with cards at a
laptop's size, the walk-in caller's name, staff presence, joining before staff, and the
booking form's missing answer."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.conftest import ARTIFACTS, ContextFactory, RunningApp
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

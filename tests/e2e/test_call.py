"""A customer calls from the tour, a member of staff accepts from the queue: video, audio and
chat both ways (surviving a reload), a product card, the shared cart and payment by card, and
the wrap-up after the call."""

from __future__ import annotations

import json
import re

import httpx
from playwright.sync_api import Page, expect

from tests.e2e.conftest import ARTIFACTS, ContextFactory, RunningApp, log_in


def remote_frames(page: Page) -> int:
    value = page.locator("[data-remote-frames]").first.get_attribute("data-remote-frames")
    return int(value or 0)


def wait_for_video(page: Page, at_least: int = 10) -> None:
    page.locator("[data-state='connected']").first.wait_for(timeout=30_000)
    page.wait_for_function(
        "n => Number(document.querySelector('[data-remote-frames]')"
        "?.getAttribute('data-remote-frames') || 0) >= n",
        arg=at_least,
        timeout=30_000,
    )


def send_chat(page: Page, text: str) -> None:
    page.locator("#chat-input").fill(text)
    page.locator("#chat-send").click()


def stored_messages(app: RunningApp, consultation_id: int) -> list[list[str]]:
    out = app.python(
        "import json\n"
        "from showroom.db import session_scope\n"
        "from consult.calls.consultations import history\n"
        f"with session_scope() as s: print(json.dumps([[m['sender'], m['body']] for m in history(s, {consultation_id}) if m['kind'] == 'text']))"
    )
    return json.loads(out)


def test_walk_in_call_with_video_chat_and_payment(
    app: RunningApp, browser_context: ContextFactory
) -> None:
    # The sofa's stock as this test expects it: other tests sell sofas (a sale takes stock).
    key = (app.data_dir / "api_key").read_text().strip()
    httpx.put(
        f"{app.url}/api/catalogue/stores/aoyama/stock/SOFA-001",
        json={"quantity": 4},
        headers={"authorization": f"Bearer {key}"},
    ).raise_for_status()
    customer = browser_context().pages[0]
    staff = browser_context().pages[0]

    customer.goto(f"{app.url}/tour/aoyama/living")
    customer.locator("[data-testid=panorama-viewer][data-ready='true']").wait_for(timeout=30_000)
    customer.get_by_text("Hinoki three-seat sofa · ¥248,000").click()
    expect(customer.get_by_role("dialog")).to_be_visible()
    customer.get_by_role("dialog").get_by_role("button", name="Call now").click()
    customer.get_by_label("Your name (optional)").fill("Mia")  # asked before the queue
    customer.get_by_role("button", name="Join the queue").click()
    customer.wait_for_url(re.compile(r".*/call/[^/]+/?$"))
    expect(customer.get_by_role("heading", name="Video consultation")).to_be_visible()

    expect(customer.locator("#call-waiting")).to_have_text("Waiting for a member of staff…")
    log_in(staff, app, "aiko@showroom.example")
    staff.wait_for_url(re.compile(r".*/staff/?$"))
    # Other tests may have left calls in the queue: join this customer's walk-in call.
    walk_in = app.python(
        "from sqlalchemy import func, select\nfrom showroom.db import session_scope\n"
        "from consult.models import Consultation\n"
        "with session_scope() as s: print(s.scalar(select(func.max(Consultation.id))"
        ".where(Consultation.booking_id.is_(None))))"
    )
    # The queue shows what the customer was looking at when they called.
    waiting = staff.locator(".queue-call").filter(has=staff.locator(f"[data-call='{walk_in}']"))
    expect(waiting).to_contain_text("Hinoki three-seat sofa")
    staff.screenshot(path=ARTIFACTS / "staff-queue.png", full_page=True)
    waiting.get_by_role("button", name="Accept").click()
    staff.wait_for_url(re.compile(r".*/staff/call/\d+/?$"))
    consultation_id = int(re.findall(r"/staff/call/(\d+)", staff.url)[0])
    # Staff see what this customer looked at in the tour before calling.
    context = staff.locator("#customer-context")
    # The sofa twice: as the product the call came from, and among the products viewed.
    expect(context.get_by_text("Hinoki three-seat sofa")).to_have_count(2)
    expect(context.get_by_text("Living room").first).to_be_visible()

    for side in (customer, staff):  # every call opens in the lobby: one click to join
        expect(side.locator("#lobby-join")).to_be_enabled(timeout=30_000)
        side.locator("#lobby-join").click()
    wait_for_video(customer)
    wait_for_video(staff)
    customer.screenshot(path=ARTIFACTS / "call-customer.png")
    staff.screenshot(path=ARTIFACTS / "call-staff.png")

    send_chat(customer, "Is the sofa available in grey?")
    expect(staff.locator("#chat-log").get_by_text("Is the sofa available in grey?")).to_be_visible()
    send_chat(staff, "はい、グレーもございます。")
    expect(customer.locator("#chat-log").get_by_text("はい、グレーもございます。")).to_be_visible()
    assert stored_messages(app, consultation_id) == [
        ["customer", "Is the sofa available in grey?"],
        ["staff", "はい、グレーもございます。"],
    ]

    # An empty message is refused with a clear reason and stores nothing.
    customer.locator("#chat-send").click()
    expect(customer.get_by_role("alert")).to_have_text("Type a message first.")
    assert len(stored_messages(app, consultation_id)) == 2

    # The chat is kept: a reload shows the whole conversation again.
    customer.reload()
    expect(customer.locator("#chat-log").get_by_text("はい、グレーもございます。")).to_be_visible()
    expect(
        customer.locator("#chat-log").get_by_text("Is the sofa available in grey?")
    ).to_be_visible()
    wait_for_video(customer)

    # Staff find the sofa and show its card; the customer adds it to the shared cart.
    staff.locator("#product-search").fill("hinoki")
    results = staff.locator("#product-results")
    expect(results.get_by_role("button", name="Show")).to_have_count(1)
    expect(results).to_contain_text("Hinoki three-seat sofa")
    results.get_by_role("button", name="Show").click()
    card = customer.locator("#chat-log .product-card").last
    expect(card).to_contain_text("Hinoki three-seat sofa")
    expect(card).to_contain_text("¥248,000")
    expect(card).to_contain_text("In stock")
    tour_link = card.locator(".card-tour")
    expect(tour_link).to_have_attribute("href", re.compile(r"^/tour/aoyama/living.*SOFA-001"))
    with customer.context.expect_page() as tour_tab:
        tour_link.click()
    tour_tab.value.wait_for_url(re.compile(r".*/tour/aoyama/living.*"), wait_until="commit")
    tour_tab.value.close()
    card.get_by_role("button", name="Add to cart").click()
    expect(staff.locator("#cart-total")).to_have_text("¥248,000")
    expect(customer.locator("#cart-total")).to_have_text("¥248,000")
    # Either side changes how many: one more from staff, one fewer from the customer.
    staff.locator("#cart").get_by_role("button", name="One more").click()
    expect(customer.locator("#cart .cart-quantity")).to_have_text("2")
    expect(customer.locator("#cart-total")).to_have_text("¥496,000")
    customer.locator("#cart").get_by_role("button", name="One fewer").click()
    expect(staff.locator("#cart .cart-quantity")).to_have_text("1")
    expect(staff.locator("#cart-total")).to_have_text("¥248,000")
    customer.screenshot(path=ARTIFACTS / "call-customer-card.png", full_page=True)
    staff.screenshot(path=ARTIFACTS / "call-staff-tools.png", full_page=True)

    # Staff ask for payment for the cart; the customer pays by card in a new tab.
    staff.locator("#request-payment").click()
    pay_button = customer.locator("#pay-link")
    expect(pay_button).to_be_visible()
    with customer.context.expect_page() as new_tab:
        pay_button.click()
    pay = new_tab.value
    expect(pay.locator("#pay-total")).to_have_text("¥248,000", timeout=15_000)
    # Collected in store (the delivery and card details are tested in test_commerce.py).
    pay.get_by_role("radio", name="Collect in store").click()
    pay.get_by_label("Your name").fill("Sato")
    pay.get_by_label("Email for the receipt").fill("sato@example.com")
    pay.locator("#fulfilment-submit").click()
    pay.locator("form.card-payment[data-ready='true']").wait_for(timeout=30_000)
    card = pay.locator("#card-element")
    for label, value in (("Card number", "4242424242424242"), ("MM", "12"), ("YY", "30"),
                         ("CVC", "123")):  # fmt: skip
        card.get_by_label(label, exact=True).fill(value)
    pay.locator("#card-submit").click()
    expect(pay.locator("#pay-paid")).to_be_visible(timeout=30_000)
    pay.screenshot(path=ARTIFACTS / "pay-paid.png")
    status = app.python(
        "from showroom.db import session_scope\nfrom consult.models import Order\n"
        f"with session_scope() as s: print(s.query(Order).filter_by(consultation_id={consultation_id}).one().status)"
    )
    assert status == "paid"

    # Staff end the call: the customer is told, and cannot chat into it any more.
    staff.locator("#call-notes").fill("Wants grey covers; delivery after the 20th")
    expect(staff.locator("#notes-saved")).to_be_visible()
    staff.locator("#end-call").click()
    expect(customer.locator("#call-ended")).to_have_text("This consultation has ended.")
    expect(customer.locator("#call-waiting")).to_have_count(0)

    # The wrap-up: summary, outcome and notes.
    wrap_up = staff.locator("#wrap-up")
    expect(wrap_up).to_contain_text("Hinoki three-seat sofa")
    expect(wrap_up.locator("#transcript")).to_contain_text("Is the sofa available in grey?")
    expect(staff.locator("#wrap-up-notes")).to_have_value(
        "Wants grey covers; delivery after the 20th"
    )
    staff.locator("#save-wrap-up").click()
    expect(wrap_up.get_by_role("alert")).to_have_text("Choose an outcome first.")
    wrap_up.get_by_role("radio", name="Sold").click()
    staff.screenshot(path=ARTIFACTS / "call-wrap-up.png", full_page=True)
    staff.locator("#save-wrap-up").click()
    staff.wait_for_url(re.compile(r".*/staff/?$"))
    saved = app.python(
        "from showroom.db import session_scope\nfrom consult.models import Consultation\n"
        f"with session_scope() as s: c = s.get(Consultation, {consultation_id}); print(c.outcome, '|', c.notes)"
    )
    assert saved == "sold | Wants grey covers; delivery after the 20th"

"""In-call commerce to the end, in Chromium against localstripe: staff build a cart and ask for
payment (the stock is held), a second customer is refused the last unit, the customer chooses
delivery to a Japanese address, a declined card then the test card typed as printed, both sides
see "paid", the receipt mail arrives, the tour shows the lower stock, a supervisor refunds one
line; and 3-D Secure completed in localstripe's dialog."""

from __future__ import annotations

import re
from email.message import EmailMessage

import httpx
from playwright.sync_api import Page, expect

from tests.e2e.conftest import ARTIFACTS, ContextFactory, RunningApp, log_in
from tests.fixtures.servers import SmtpSink

LAMP, CUSHION = "Washi floor lamp", "Linen cushion"


def catalogue_api(app: RunningApp) -> httpx.Client:
    key = (app.data_dir / "api_key").read_text().strip()
    return httpx.Client(
        base_url=f"{app.url}/api/catalogue", headers={"authorization": f"Bearer {key}"}
    )


def set_stock_and_price(app: RunningApp, sku: str, quantity: int, price: int) -> None:
    """What the store's POS says: this test's own starting point, whatever ran before."""
    with catalogue_api(app) as api:
        assert api.put(f"/stores/aoyama/stock/{sku}", json={"quantity": quantity}).is_success
        assert api.put(
            f"/products/{sku}/price", json={"price": price, "currency": "JPY"}
        ).is_success


def store_rules(app: RunningApp, **rules: object) -> None:
    """The store's selling rules this test expects, whatever ran before."""
    form = {"hold_minutes": "15", "pickup_ready_hours": "2", "delivery_fee": "1100",
            "free_delivery_from": "100000", "tax_rate_percent": "10", "pickup_enabled": "on",
            "delivery_enabled": "on"} | {k: str(v) for k, v in rules.items()}  # fmt: skip
    app.python(
        "from showroom.db import session_scope\nfrom showroom.models import Store\n"
        "from consult.commerce.rules import save_rules\n"
        "with session_scope() as s:\n"
        f"    save_rules(s, s.query(Store).filter_by(slug='aoyama').one().id, {form!r})\n"
    )


def walk_in(app: RunningApp, name: str, language: str = "en") -> tuple[int, str]:
    """A customer waiting in the queue (as the tour's "Call now" leaves them): id and link."""
    out = app.python(
        "from showroom.db import session_scope\nfrom showroom.models import Store\n"
        "from showroom.settings import get_settings\n"
        "from consult.calls.consultations import start_walk_in, customer_link\n"
        "with session_scope() as s:\n"
        "    store = s.query(Store).filter_by(slug='aoyama').one()\n"
        f"    c = start_walk_in(s, store.id, customer_name={name!r}, language={language!r})\n"
        "    s.flush()\n"
        "    print(c.id, customer_link(get_settings().secret_key, c).token)\n"
    )
    call_id, token = out.split()
    return int(call_id), token


def call_between(
    app: RunningApp, browser_context: ContextFactory, staff_email: str, name: str
) -> tuple[Page, Page, int]:
    call_id, token = walk_in(app, name)
    customer = browser_context().pages[0]
    customer.goto(f"{app.url}/call/{token}")
    expect(customer.locator("#call-waiting")).to_be_visible(timeout=30_000)
    staff = browser_context().pages[0]
    log_in(staff, app, staff_email)
    staff.wait_for_url(re.compile(r".*/staff/?$"))
    staff.goto(f"{app.url}/staff/call/{call_id}")
    expect(staff.locator("#product-search")).to_be_visible(timeout=30_000)
    expect(customer.locator("#call-waiting")).to_have_count(0, timeout=15_000)
    return customer, staff, call_id


def show_product(staff: Page, query: str, name: str) -> None:
    staff.locator("#product-search").fill(query)
    results = staff.locator("#product-results")
    expect(results).to_contain_text(name)  # the search has answered this query
    expect(results.get_by_role("button", name="Show")).to_have_count(1)
    results.get_by_role("button", name="Show").click()


def add_to_cart(customer: Page, name: str) -> None:
    card = customer.locator("#chat-log .product-card").filter(has_text=name).last
    expect(card).to_be_visible()
    card.get_by_role("button", name="Add to cart").click()


def type_card(
    pay: Page, number: str, month: str = "12", year: str = "30", cvc: str = "123"
) -> None:
    """As a person types a card: field by field, the number as printed on the card."""
    pay.locator("form.card-payment[data-ready='true']").wait_for(timeout=30_000)
    fields = pay.locator("#card-element")
    for label, value in (("Card number", number), ("MM", month), ("YY", year), ("CVC", cvc)):
        box = fields.get_by_label(label, exact=True)
        box.click()
        box.press("Control+a")
        box.press("Delete")
        box.press_sequentially(value, delay=15)


def stored(app: RunningApp, expression: str) -> str:
    return app.python(
        "from showroom.db import session_scope\nfrom consult.models import Order\n"
        "from showroom.models import Stock, Product, Store\n"
        f"with session_scope() as s: print({expression})"
    )


def on_hand(app: RunningApp, sku: str) -> int:
    return int(
        stored(
            app,
            "s.query(Stock.quantity).join(Product).join(Store, Store.id == Stock.store_id)"
            f".filter(Product.sku == {sku!r}, Store.slug == 'aoyama').scalar()",
        )
    )


def receipt_for(smtp: SmtpSink, order_id: int, timeout: float = 15.0) -> EmailMessage:
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in smtp.messages:
            if f"#{order_id}" in str(message["Subject"]):
                return message
        time.sleep(0.1)
    raise AssertionError(f"no receipt for order {order_id}")


def test_sale_in_a_call_from_cart_to_refund(
    app: RunningApp, browser_context: ContextFactory, smtp_server: SmtpSink
) -> None:
    set_stock_and_price(app, "LAMP-001", 1, 32000)
    set_stock_and_price(app, "CUS-001", 30, 4800)
    store_rules(app)
    customer, staff, call_id = call_between(app, browser_context, "aiko@showroom.example", "Sato")
    other, ken, _other_call = call_between(app, browser_context, "ken@showroom.example", "Ito")

    # Two calls, one lamp left: both customers put it in their carts.
    show_product(staff, "washi", LAMP)
    show_product(staff, "linen", CUSHION)
    show_product(ken, "washi", LAMP)
    add_to_cart(customer, LAMP)
    add_to_cart(customer, CUSHION)
    add_to_cart(other, LAMP)
    expect(staff.locator("#cart-total")).to_have_text("¥36,800")
    expect(ken.locator("#cart-total")).to_have_text("¥32,000")

    # Aiko asks for payment first: the lamp is held for her customer ...
    staff.locator("#request-payment").click()
    expect(customer.locator(".payment-card")).to_be_visible()
    # ... so Ito's card shows it gone, and Ken's request is refused, saying why.
    expect(
        other.locator(".product-card").filter(has_text=LAMP).get_by_text("Out of stock")
    ).to_be_visible()
    ken.locator("#request-payment").click()
    refusal = ken.locator("#cart").get_by_role("alert")
    expect(refusal).to_contain_text("Not enough in stock")
    expect(refusal).to_contain_text(f"{LAMP} (left: 0)")
    ken.screenshot(path=ARTIFACTS / "commerce-refused-last-unit.png")
    assert (
        stored(app, f"s.query(Order).filter_by(consultation_id={_other_call}).one().status")
        == "draft"
    )

    # The customer's payment card: a button, and a QR code of the same signed link for a phone.
    card = customer.locator(".payment-card").last
    expect(card.locator(".payment-state")).to_have_text("Waiting for payment")
    qr = card.locator("img.pay-qr")
    expect(qr).to_have_attribute("src", re.compile(r"^data:image/svg\+xml"))
    href = card.locator("a").filter(has=customer.locator("#pay-link")).get_attribute("href")
    assert href and href.startswith(f"{app.url}/pay/")
    customer.screenshot(path=ARTIFACTS / "commerce-call-payment-card.png", full_page=True)
    with customer.context.expect_page() as tab:
        customer.locator("#pay-link").click()
    pay = tab.value
    expect(pay.locator("#pay-total")).to_have_text("¥36,800", timeout=15_000)

    # Delivery to a Japanese address: a wrong postal code is refused beside its field.
    pay.get_by_role("radio", name="Delivery").click()
    pay.get_by_label("Recipient's name").fill("Hanako Sato")
    pay.get_by_label("Postal code").fill("9999999")
    pay.get_by_label("Email for the receipt").fill("hanako@example.com")
    pay.locator("#fulfilment-submit").click()
    expect(pay.locator("#pay-postal_code-error")).to_have_text("This postal code does not exist.")
    expect(pay.get_by_label("Postal code")).to_have_attribute("aria-invalid", "true")
    # The real code fills in the prefecture and town from Japan Post's data.
    pay.get_by_label("Postal code").fill("１０７－００６２")  # typed in full width
    pay.get_by_label("Street and number").click()
    expect(pay.locator("#pay-region")).to_have_value("東京都")
    expect(pay.get_by_label("City, ward and town")).to_have_value("港区南青山")
    pay.get_by_label("Street and number").fill("5-1-1")
    pay.get_by_label("Phone").fill("03-1234-5678")
    expect(pay.locator("#pay-fee-quote")).to_have_text("Delivery fee: ¥1,100")
    pay.screenshot(path=ARTIFACTS / "commerce-pay-delivery.png", full_page=True)
    pay.locator("#fulfilment-submit").click()
    expect(pay.locator("#fulfilment-summary")).to_contain_text("Delivery")
    expect(pay.locator("#pay-delivery-fee")).to_have_text("¥1,100")
    expect(pay.locator("#pay-total")).to_have_text("¥37,900")
    expect(staff.locator(".payment-card").last.locator(".payment-fulfilment")).to_contain_text(
        "Delivery"
    )

    # A card the bank declines: the reason in the customer's words; staff see it.
    type_card(pay, "4000 0000 0000 0341")
    pay.locator("#card-submit").click()
    expect(pay.locator("#pay-failure")).to_have_text(
        "Your card was declined. Please try another card or contact your card issuer."
    )
    expect(staff.locator(".payment-card").last.locator(".payment-state")).to_have_text(
        "Card declined; the customer is trying again"
    )
    # The test card typed as printed, with spaces: nothing spills into the expiry.
    type_card(pay, "4242 4242 4242 4242")
    fields = pay.locator("#card-element")
    expect(fields.get_by_label("Card number", exact=True)).to_have_value("4242 4242 4242 4242")
    expect(fields.get_by_label("MM", exact=True)).to_have_value("12")
    pay.screenshot(path=ARTIFACTS / "commerce-pay-card.png", full_page=True)
    pay.locator("#card-submit").click()
    expect(pay.locator("#pay-paid")).to_be_visible(timeout=30_000)
    order_id = int(stored(app, f"s.query(Order).filter_by(consultation_id={call_id}).one().id"))
    expect(pay.locator("#pay-paid")).to_contain_text(f"#{order_id}")
    pay.screenshot(path=ARTIFACTS / "commerce-pay-paid.png", full_page=True)

    # Both sides of the call see it paid, with the order number.
    for side in (customer, staff):
        expect(side.locator(".payment-card").last.locator(".payment-state")).to_have_text(
            f"Paid · order #{order_id}"
        )
    staff.screenshot(path=ARTIFACTS / "commerce-staff-paid.png", full_page=True)

    # The receipt: lines, fee, tax included as Japanese receipts show it, the address, the store.
    receipt = receipt_for(smtp_server, order_id)
    assert receipt["To"] == "hanako@example.com"
    text = receipt.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert f"{LAMP} × 1  ¥32,000" in text and f"{CUSHION} × 1  ¥4,800" in text
    assert "Delivery fee  ¥1,100" in text and "Total (tax included)  ¥37,900" in text
    assert "Taxed at 10%: ¥37,900 (of which consumption tax ¥3,445)" in text
    assert "5-1-1, 港区南青山" in text and "Tokyo 107-0062, Japan" in text
    link = re.search(r"http://\S+/order/\S+", text)
    assert link is not None

    # Stock: the lamp was taken; the tour offers none.
    assert on_hand(app, "LAMP-001") == 0
    tour = customer.context.new_page()
    tour.goto(f"{app.url}/tour/aoyama/living")
    tour.locator("[data-testid=panorama-viewer][data-ready='true']").wait_for(timeout=30_000)
    tour.get_by_text(f"{LAMP} · ¥32,000").click()
    expect(tour.get_by_role("dialog").locator("#stock-here")).to_contain_text("Out of stock")
    tour.close()

    # A supervisor refunds the cushion line, putting it back in stock.
    supervisor = browser_context().pages[0]
    log_in(supervisor, app, "yuki@showroom.example")
    supervisor.wait_for_url(re.compile(r".*/(staff|supervisor)/?$"))
    supervisor.goto(f"{app.url}/staff/orders")
    row = supervisor.locator(f".order-row[data-order='{order_id}']")
    expect(row).to_contain_text("¥37,900")
    expect(row).to_contain_text("Aiko")
    supervisor.screenshot(path=ARTIFACTS / "commerce-orders.png", full_page=True)
    row.get_by_role("link").click()
    supervisor.wait_for_url(re.compile(rf".*/staff/orders/{order_id}/?$"))
    supervisor.get_by_label(f"Units to refund per line {CUSHION}").fill("1")
    supervisor.get_by_label("Reason").fill("Colour not as expected")
    supervisor.get_by_label("Put the refunded items back in stock").click()
    supervisor.locator("#refund-submit").click()
    expect(supervisor.locator("#order-refunded")).to_have_text("¥4,800", timeout=20_000)
    expect(supervisor.locator(".refund-row")).to_contain_text("Refunded")
    supervisor.screenshot(path=ARTIFACTS / "commerce-refunded.png", full_page=True)
    assert on_hand(app, "CUS-001") == 30

    # The customer's order page, from the mail's link, shows it.
    order_page = customer.context.new_page()
    order_page.goto(link.group(0))
    expect(order_page.locator("#order-status")).to_have_text("Paid")
    expect(order_page.locator("#order-refunded")).to_have_text("¥4,800")


def test_three_d_secure_is_completed_before_the_order_is_paid(
    app: RunningApp, browser_context: ContextFactory
) -> None:
    set_stock_and_price(app, "CUS-001", 30, 4800)
    store_rules(app)
    customer, staff, call_id = call_between(app, browser_context, "mia@showroom.example", "Kato")
    show_product(staff, "linen", CUSHION)
    add_to_cart(customer, CUSHION)
    staff.locator("#request-payment").click()
    with customer.context.expect_page() as tab:
        customer.locator("#pay-link").click()
    pay = tab.value
    pay.get_by_role("radio", name="Collect in store").click()
    pay.get_by_label("Your name").fill("Kato")
    pay.get_by_label("Email for the receipt").fill("kato@example.com")
    pay.locator("#fulfilment-submit").click()
    # A card that asks for 3-D Secure: localstripe's stand-in for the bank's page, twice (when
    # the card is saved, and when it is charged); the order is paid only after both.
    type_card(pay, "4000 0025 0000 3155")
    pay.locator("#card-submit").click()
    pay.get_by_role("button", name="Complete authentication").click()
    expect(pay.locator("#pay-authenticating")).to_be_visible()
    assert stored(app, f"s.query(Order).filter_by(consultation_id={call_id}).one().status") == (
        "awaiting_payment"
    )
    pay.get_by_role("button", name="Complete authentication").click()
    expect(pay.locator("#pay-paid")).to_be_visible(timeout=30_000)
    expect(staff.locator(".payment-card").last.locator(".payment-state")).to_contain_text("Paid")


def test_a_supervisor_sets_the_stores_selling_rules(app: RunningApp, page: Page) -> None:
    store_rules(app)
    log_in(page, app, "yuki@showroom.example")
    page.wait_for_url(re.compile(r".*/(staff|supervisor)/?$"))
    page.goto(f"{app.url}/staff/orders")
    page.locator("#rules-link").click()
    page.wait_for_url(re.compile(r".*/admin/commerce/?$"))
    expect(page.get_by_label("Delivery fee (yen)")).to_have_value("1100")
    page.get_by_label("Minutes a payment request holds the stock").fill("0")
    page.get_by_label("Delivery fee (yen)").fill("1650")
    page.locator("#rules-save").click()
    field = page.get_by_label("Minutes a payment request holds the stock")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_role("alert")).to_have_text("Enter a whole number in the allowed range.")
    field.fill("20")
    page.locator("#rules-save").click()
    expect(page.locator("#rules-saved")).to_be_visible()
    page.screenshot(path=ARTIFACTS / "commerce-rules.png", full_page=True)
    page.reload()
    expect(page.get_by_label("Delivery fee (yen)")).to_have_value("1650")
    expect(page.get_by_label("Minutes a payment request holds the stock")).to_have_value("20")
    store_rules(app)  # as the other tests expect them

"""Who a sale counts for (the rule in consult/commerce/crediting.py), the order lists, revenue
net of refunds, and how every gateway error reads to a customer."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from consult.calls.consultations import start_walk_in
from consult.calls.presence import set_presence
from consult.calls.queue import accept
from consult.calls.transfer import transfer
from consult.commerce import crediting
from consult.commerce.cart import add_to_cart, request_cart_payment
from consult.commerce.checkout import order_for_link, qr_svg
from consult.commerce.declines import KEYS, message_key
from consult.models import Order
from showroom.db import utcnow
from showroom.i18n import MESSAGES
from tests import factories


def sold_in_call(session: Session, *, transfer_to: bool) -> tuple[Order, int, int]:
    store = factories.store(session)
    lamp = factories.product(session, "LAMP-001", price=32000)
    factories.stock(session, store, lamp, 5)
    aiko = factories.staff(session, store, "aiko@example.com")
    ken = factories.staff(session, store, "ken@example.com")
    call = start_walk_in(session, store.id)
    accept(session, call.id, aiko.id, store.id)
    seller = aiko.id
    if transfer_to:
        set_presence(session, ken.id, "available")
        transfer(session, call.id, aiko.id, ken.id, "wants delivery")
        seller = ken.id
    add_to_cart(session, call.id, lamp.id)
    message = request_cart_payment(session, "k", call.id, seller)
    order = order_for_link(session, "k", str((message.payload or {})["token"]))
    return order, aiko.id, ken.id


def test_the_one_who_asks_for_payment_is_credited(session: Session) -> None:
    order, aiko, ken = sold_in_call(session, transfer_to=False)
    assert (order.credited_staff_id, order.assisted_staff_id) == (aiko, None)
    assert crediting.credit_role(order, aiko) == "credited"
    assert crediting.credit_role(order, ken) == ""


def test_after_a_transfer_the_colleague_is_credited_and_the_first_assisted(
    session: Session,
) -> None:
    order, aiko, ken = sold_in_call(session, transfer_to=True)
    assert (order.credited_staff_id, order.assisted_staff_id) == (ken, aiko)
    order.status, order.paid_at = "paid", utcnow()
    session.flush()
    store_id = order.store_id
    assert [o.id for o in crediting.orders_for(session, store_id, staff_id=aiko)] == [order.id]
    assert [o.id for o in crediting.orders_for(session, store_id, staff_id=ken)] == [order.id]
    # Revenue counts once, for the credited member of staff only.
    assert crediting.revenue_net_of_refunds(session, store_id, staff_id=ken) == 32000
    assert crediting.revenue_net_of_refunds(session, store_id, staff_id=aiko) == 0
    [row] = crediting.order_rows(session, [order], viewer_id=aiko)
    assert (row["mine"], row["credited"], row["assisted"]) == ("assisted", "ken", "aiko")


def test_revenue_is_net_of_refunds_and_by_payment_time(session: Session) -> None:
    order, _aiko, _ken = sold_in_call(session, transfer_to=False)
    order.status, order.paid_at, order.refunded_total = "paid", utcnow(), 5000
    session.flush()
    store_id = order.store_id
    assert crediting.revenue_net_of_refunds(session, store_id) == 27000
    assert crediting.revenue_net_of_refunds(session, store_id, since=utcnow() + timedelta(1)) == 0
    assert crediting.paid_orders_count(session, store_id) == 1
    assert crediting.refund_state(order) == "partly_refunded"
    order.refunded_total = order.total
    assert crediting.refund_state(order) == "refunded"


def test_every_gateway_error_reads_as_a_customer_message_in_both_languages() -> None:
    for code, key in KEYS.items():
        english, japanese = MESSAGES[key]
        assert english and japanese, code
    assert message_key("card_declined", "insufficient_funds") == "decline.insufficient_funds"
    assert message_key("card_declined", "stolen_card") == "decline.generic"  # never say why
    assert message_key("bad_request") == "decline.check_details"  # localstripe's "Bad request"
    assert message_key("network_error") == "pay.try_again"
    assert message_key("something_new", "") == "decline.general"
    assert message_key(None) == "decline.general"


def test_the_pay_link_qr_code_is_an_svg() -> None:
    uri = qr_svg("http://127.0.0.1:3000/pay/abc.def")
    assert uri.startswith("data:image/svg+xml")

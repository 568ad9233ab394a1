"""Orders and payment bookkeeping, with an in-memory gateway that behaves like Stripe's."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from consult.commerce.orders import (
    OrderError,
    PaymentMismatchError,
    UnknownPaymentError,
    create_order,
    mark_paid,
    mark_payment_failed,
    request_payment,
    send_for_payment,
)
from consult.models import Consultation, Order, Payment
from showroom.models import Product, Store
from tests import factories
from tests.fake_gateway import FakeGateway

InMemoryGateway = FakeGateway


@pytest.fixture
def shop(session: Session) -> tuple[Store, Product, Product]:
    store = factories.store(session)
    sofa = factories.product(session, "SOFA-001", price=1200)
    lamp = Product(sku="LAMP-002", name_en="Lamp", name_ja="ランプ", price=450, currency="JPY")
    session.add(lamp)
    session.flush()
    factories.stock(session, store, sofa, 5)
    factories.stock(session, store, lamp, 5)
    return store, sofa, lamp


def test_order_snapshots_prices_and_totals_in_yen(
    session: Session, shop: tuple[Store, Product, Product]
) -> None:
    store, sofa, lamp = shop
    order = create_order(session, store.id, [(sofa.id, 1), (lamp.id, 2), (sofa.id, 1)])
    assert order.status == "draft" and order.currency == "JPY"
    assert order.total == 2 * 1200 + 2 * 450
    assert [(line.name, line.quantity, line.unit_price) for line in order.lines] == [
        ("ソファ", 2, 1200),
        ("ランプ", 2, 450),
    ]
    sofa.price = 99_000  # a later price change does not touch the order
    session.flush()
    session.expire_all()
    again = session.get(Order, order.id)
    assert again is not None and again.total == 3300 and again.lines[0].unit_price == 1200
    english = create_order(session, store.id, [(lamp.id, 1)], language="en")
    assert english.lines[0].name == "Lamp"


INVALID_LINES: list[tuple[list[tuple[str | int, object]], str]] = [
    ([], "at least one product"),
    ([("sofa", 0)], "positive whole number"),
    ([("sofa", -2)], "positive whole number"),
    ([("sofa", True)], "positive whole number"),
    ([("sofa", 1.5)], "positive whole number"),
    ([(987654, 1)], "does not exist"),
    ([("dollar", 1)], "priced in USD"),
    ([("sofa", 1000)], "At most 999"),
    ([("gold", 2)], "larger than a single card payment"),
]


def test_invalid_orders_are_refused(session: Session, shop: tuple[Store, Product, Product]) -> None:
    store, sofa, _ = shop
    dollar = Product(sku="USD-1", name_en="Import", name_ja="輸入品", price=100, currency="USD")
    gold = Product(sku="GOLD-1", name_en="Gold", name_ja="金", price=60_000_000, currency="JPY")
    session.add_all([dollar, gold])
    session.flush()
    ids: dict[str | int, int] = {"sofa": sofa.id, "dollar": dollar.id, "gold": gold.id}
    for lines, message in INVALID_LINES:
        resolved = [(ids.get(p, p), q) for p, q in lines]
        with pytest.raises(OrderError, match=message):
            create_order(session, store.id, resolved)  # type: ignore[arg-type]
    assert session.scalars(select(Order)).all() == []


def test_order_needs_a_real_store_and_its_own_consultation(
    session: Session, shop: tuple[Store, Product, Product]
) -> None:
    store, sofa, _ = shop
    with pytest.raises(OrderError, match="Store 4242 does not exist"):
        create_order(session, 4242, [(sofa.id, 1)])
    other = factories.store(session, slug="umeda")
    call = Consultation(store_id=other.id, customer_name="Sato")
    session.add(call)
    session.flush()
    with pytest.raises(OrderError, match="does not belong"):
        create_order(session, store.id, [(sofa.id, 1)], consultation_id=call.id)
    ok = create_order(session, other.id, [(sofa.id, 1)], consultation_id=call.id)
    assert ok.consultation_id == call.id


def _pending_order(session: Session, shop: tuple[Store, Product, Product]) -> Order:
    store, sofa, lamp = shop
    order = create_order(session, store.id, [(sofa.id, 1), (lamp.id, 2)])
    return send_for_payment(session, order.id, None)


def test_request_payment_opens_one_intent_per_attempt(
    session: Session, shop: tuple[Store, Product, Product]
) -> None:
    order = _pending_order(session, shop)
    gateway = InMemoryGateway()
    first = request_payment(session, order.id, gateway)
    assert order.status == "awaiting_payment"
    assert (first.amount, first.currency) == (2100, "JPY")
    [key] = gateway.create_calls
    assert key.startswith(f"order-{order.id}-") and key.endswith("-attempt-1")
    payment = session.scalars(select(Payment)).one()
    assert (payment.provider_ref, payment.amount, payment.status) == (
        first.provider_ref,
        2100,
        "pending",
    )

    # Asking again (double click, reload) returns the same intent: no second charge possible.
    again = request_payment(session, order.id, gateway)
    assert again.provider_ref == first.provider_ref
    assert len(gateway.create_calls) == 1 and len(session.scalars(select(Payment)).all()) == 1

    # After a failed attempt, a new attempt gets a new key (and a new intent).
    mark_payment_failed(session, first.provider_ref)
    retry = request_payment(session, order.id, gateway)
    assert retry.provider_ref != first.provider_ref
    assert gateway.create_calls[-1] == key.replace("-attempt-1", "-attempt-2")
    assert order.status == "awaiting_payment"


def test_request_payment_refuses_while_a_payment_is_processing(
    session: Session, shop: tuple[Store, Product, Product]
) -> None:
    order = _pending_order(session, shop)
    gateway = InMemoryGateway()
    first = request_payment(session, order.id, gateway)
    gateway.set_status(first.provider_ref, "succeeded")  # paid, webhook not here yet
    with pytest.raises(OrderError, match="already being processed"):
        request_payment(session, order.id, gateway)
    assert len(gateway.create_calls) == 1


def test_order_is_paid_once_and_only_for_the_right_amount(
    session: Session, shop: tuple[Store, Product, Product]
) -> None:
    order = _pending_order(session, shop)
    ref = request_payment(session, order.id, InMemoryGateway()).provider_ref

    with pytest.raises(PaymentMismatchError):
        mark_paid(session, ref, 2099, "JPY")
    with pytest.raises(PaymentMismatchError):
        mark_paid(session, ref, 2100, "USD")
    assert order.status == "awaiting_payment" and order.paid_at is None
    assert session.scalars(select(Payment)).one().status == "pending"

    paid = mark_paid(session, ref, 2100, "jpy")  # Stripe sends lower-case codes
    assert paid.status == "paid" and paid.paid_at is not None
    paid_at = paid.paid_at
    assert mark_paid(session, ref, 2100, "JPY").paid_at == paid_at  # applied once

    # A late "failed" event for the same intent does not undo the success.
    mark_payment_failed(session, ref)
    assert session.scalars(select(Payment)).one().status == "succeeded"
    assert order.status == "paid"
    with pytest.raises(OrderError, match="cannot be paid now"):
        request_payment(session, order.id, InMemoryGateway())


def test_unknown_payment_reference_changes_nothing(
    session: Session, shop: tuple[Store, Product, Product]
) -> None:
    order = _pending_order(session, shop)
    request_payment(session, order.id, InMemoryGateway())
    with pytest.raises(UnknownPaymentError):
        mark_paid(session, "pi_someone_else", 2100, "JPY")
    assert order.status == "awaiting_payment"

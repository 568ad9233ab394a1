"""Stock held for a payment request, taken when paid, released when it expires; the race for
the last unit decided by the database, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from consult.commerce import stock
from consult.commerce.effects import take_effects
from consult.commerce.models import StockHold
from consult.commerce.orders import create_order, mark_paid, send_for_payment
from consult.models import Order, Payment
from showroom.db import utcnow
from showroom.models import Product, Stock, Store
from showroom.tours.scenes import product_detail
from tests import factories


@pytest.fixture
def shop(session: Session) -> tuple[Store, Product]:
    store = factories.store(session)
    sofa = factories.product(session, "SOFA-001", price=1200)
    factories.stock(session, store, sofa, 3)
    session.commit()
    return store, sofa


def stock_row(session: Session, store: Store, product: Product) -> Stock:
    session.expire_all()
    row = session.get(Stock, (store.id, product.id))
    assert row is not None
    return row


def test_a_request_holds_what_the_tour_then_no_longer_offers(
    session: Session, shop: tuple[Store, Product]
) -> None:
    store, sofa = shop
    order = create_order(session, store.id, [(sofa.id, 2)])
    send_for_payment(session, order.id, None)
    assert order.status == "awaiting_payment" and order.hold_expires_at is not None
    assert (order.hold_expires_at - order.requested_at).total_seconds() == 15 * 60  # type: ignore[operator]
    row = stock_row(session, store, sofa)
    assert (row.quantity, row.held) == (3, 2)
    assert stock.available(session, store.id, [sofa.id]) == {sofa.id: 1}
    # The tour's product panel shows what is left for others.
    assert product_detail(session, sofa.id, store.id, "en")["stock"] == 1
    # Published for open tours after the commit: on hand 3, offered 1.
    [change] = take_effects(session).stock
    assert (change.quantity, change.available, change.store_id) == (3, 1, store.id)


def test_more_than_is_left_is_refused_naming_the_product(
    session: Session, shop: tuple[Store, Product]
) -> None:
    store, sofa = shop
    lamp = factories.product(session, "LAMP-001", price=450, name_en="Lamp")
    factories.stock(session, store, lamp, 5)
    order = create_order(session, store.id, [(sofa.id, 4), (lamp.id, 1)], language="en")
    session.commit()
    with pytest.raises(stock.OutOfStock) as short:
        send_for_payment(session, order.id, None)
    assert [(s.name, s.wanted, s.left) for s in short.value.shortages] == [("Sofa", 4, 3)]
    session.rollback()  # as session_scope does: the lamp's hold goes too
    assert stock_row(session, store, lamp).held == 0
    assert session.scalars(select(StockHold)).all() == []


def test_paid_takes_the_held_units_once(session: Session, shop: tuple[Store, Product]) -> None:
    store, sofa = shop
    order = create_order(session, store.id, [(sofa.id, 2)])
    send_for_payment(session, order.id, None)
    order.fulfilment = "pickup"
    session.add(Payment(order_id=order.id, provider_ref="pi_1", amount=2400, currency="JPY"))
    session.flush()
    mark_paid(session, "pi_1", 2400, "JPY")
    row = stock_row(session, store, sofa)
    assert (row.quantity, row.held) == (1, 0)
    assert stock.take(session, session.get(Order, order.id)) == set()  # type: ignore[arg-type]
    row = stock_row(session, store, sofa)
    assert (row.quantity, row.held) == (1, 0)


def test_expired_requests_give_their_stock_back_once(
    session: Session, shop: tuple[Store, Product]
) -> None:
    store, sofa = shop
    order = create_order(session, store.id, [(sofa.id, 3)])
    send_for_payment(session, order.id, None)
    session.commit()
    assert stock.expire_requests(session) == set()  # not yet
    later = utcnow() + timedelta(minutes=16)
    assert stock.expire_requests(session, now=later) == {(store.id, sofa.id)}
    assert stock.expire_requests(session, now=later) == set()
    session.commit()
    assert session.get(Order, order.id).status == "expired"  # type: ignore[union-attr]
    assert (
        stock_row(session, store, sofa).held,
        stock.available(session, store.id, [sofa.id]),
    ) == (
        0,
        {sofa.id: 3},
    )
    # Sent again: held anew.
    send_for_payment(session, order.id, None)
    assert stock_row(session, store, sofa).held == 3


def test_paid_after_expiry_takes_what_is_left_or_counts_it_short(
    session: Session, shop: tuple[Store, Product]
) -> None:
    store, sofa = shop
    late = create_order(session, store.id, [(sofa.id, 2)])
    send_for_payment(session, late.id, None)
    session.add(Payment(order_id=late.id, provider_ref="pi_late", amount=2400, currency="JPY"))
    stock.expire_requests(session, now=utcnow() + timedelta(hours=1))
    other = create_order(session, store.id, [(sofa.id, 2)])
    send_for_payment(session, other.id, None)  # another customer holds 2 of the 3
    session.commit()
    paid = mark_paid(session, "pi_late", 2400, "JPY")
    assert paid.status == "paid" and paid.stock_short == 2  # only 1 was free: staff must act
    row = stock_row(session, store, sofa)
    assert (row.quantity, row.held) == (3, 2)  # nothing taken from the other customer's hold


def test_stock_set_below_what_is_held_offers_nothing(
    session: Session, shop: tuple[Store, Product]
) -> None:
    store, sofa = shop
    order = create_order(session, store.id, [(sofa.id, 2)])
    send_for_payment(session, order.id, None)
    stock_row(session, store, sofa).quantity = 1  # the POS counted one
    session.flush()
    assert stock.available(session, store.id, [sofa.id]) == {sofa.id: 0}
    assert product_detail(session, sofa.id, store.id, "en")["badge"] == "out"


@pytest.mark.parametrize("buyers, units", [(2, 1), (12, 4)])
def test_racing_requests_hold_exactly_what_there_is(
    engine: Engine, buyers: int, units: int
) -> None:
    """Requests for the last units at the same moment, each in its own connection."""
    with Session(engine, expire_on_commit=False) as session:
        store = factories.store(session)
        sofa = factories.product(session, "SOFA-001", price=1200)
        factories.stock(session, store, sofa, units)
        order_ids = [create_order(session, store.id, [(sofa.id, 1)]).id for _ in range(buyers)]
        session.commit()
    start = threading.Barrier(buyers)
    results: dict[int, str] = {}

    def buy(order_id: int) -> None:
        with Session(engine, expire_on_commit=False) as session:
            start.wait()
            try:
                send_for_payment(session, order_id, None)
                session.commit()
                results[order_id] = "held"
            except stock.OutOfStock:
                session.rollback()
                results[order_id] = "refused"

    threads = [threading.Thread(target=buy, args=(i,)) for i in order_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(results.values()).count("held") == units
    assert len(results) == buyers
    with Session(engine) as session:
        row = session.get(Stock, (store.id, sofa.id))
        assert row is not None and (row.quantity, row.held) == (units, units)
        holds = session.scalars(select(StockHold)).all()
        assert sum(h.quantity for h in holds) == units

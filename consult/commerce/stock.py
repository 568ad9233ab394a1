"""Stock held for a payment request, taken when it is paid, released when it expires or is
cancelled. Plain functions taking a `Session`; the caller commits (or rolls back) and then
publishes `stock_changes(...)` so open tours and calls show what is left.

`Stock.quantity` is what the store has; `Stock.held` the part kept for requests not yet paid;
everyone else is offered `quantity - held`. The race for the last unit is decided by the
database: a hold is one conditional UPDATE (`held = held + n WHERE quantity - held >= n`), which
changes the row or does not. PostgreSQL re-checks the condition after waiting for the other
writer's row lock; SQLite runs one writer at a time. Each hold moves from `held` to `taken` or
`released` once, by an UPDATE conditional on its status, so a repeated event changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from consult.commerce.effects import after_commit
from consult.commerce.models import StockHold
from consult.models import Order
from showroom.catalogue.products import CatalogueChange
from showroom.db import utcnow
from showroom.models import Product, Stock

log = logging.getLogger(__name__)

Touched = set[tuple[int, int]]  # (store_id, product_id) whose available stock changed


@dataclass(frozen=True)
class Shortage:
    product_id: int
    name: str
    wanted: int
    left: int


class OutOfStock(ValueError):
    """Some lines cannot be held: another customer holds or bought what is left."""

    def __init__(self, shortages: list[Shortage]) -> None:
        super().__init__(", ".join(f"{s.name}: {s.left} left of {s.wanted}" for s in shortages))
        self.shortages = shortages


def available(session: Session, store_id: int, product_ids: Iterable[int]) -> dict[int, int]:
    """What can still be sold of each product here: on hand less held (never below 0)."""
    ids = list(product_ids)
    rows = session.execute(
        select(Stock.product_id, Stock.quantity, Stock.held).where(
            Stock.store_id == store_id, Stock.product_id.in_(ids)
        )
    )
    left = {product_id: max(0, quantity - held) for product_id, quantity, held in rows}
    return {product_id: left.get(product_id, 0) for product_id in ids}


def hold(session: Session, order: Order) -> Touched:
    """Hold every line of `order` in its store, or raise OutOfStock naming what is short.

    On OutOfStock some lines may be held already: the caller must roll back (`session_scope`
    does when the exception leaves it). Lines are held in product order, so two requests
    sharing products lock rows in the same order and cannot deadlock on PostgreSQL.
    """
    now = utcnow()
    shortages: list[Shortage] = []
    touched: Touched = set()
    for line in sorted(order.lines, key=lambda x: x.product_id or 0):
        if line.product_id is None:  # the product was deleted from the catalogue
            shortages.append(Shortage(0, line.name, line.quantity, 0))
            continue
        held = session.execute(
            update(Stock)
            .where(
                Stock.store_id == order.store_id,
                Stock.product_id == line.product_id,
                Stock.quantity - Stock.held >= line.quantity,
            )
            .values(held=Stock.held + line.quantity, updated_at=now)
            .returning(Stock.held)
        ).first()
        if held is None:
            left = available(session, order.store_id, [line.product_id])[line.product_id]
            shortages.append(Shortage(line.product_id, line.name, line.quantity, left))
            continue
        earlier = session.scalar(  # a request sent again after it expired
            select(StockHold).where(
                StockHold.order_id == order.id, StockHold.product_id == line.product_id
            )
        )
        if earlier is None:
            session.add(StockHold(order_id=order.id, store_id=order.store_id,
                                  product_id=line.product_id, quantity=line.quantity,
                                  status="held", created_at=now))  # fmt: skip
        else:
            earlier.quantity, earlier.status, earlier.created_at = line.quantity, "held", now
            earlier.settled_at = None
        touched.add((order.store_id, line.product_id))
    if shortages:
        raise OutOfStock(shortages)
    session.flush()
    return touched


def _settle(session: Session, hold_id: int, status: str) -> bool:
    """Move one hold out of `held`; False if something else already moved it."""
    return (
        session.execute(
            update(StockHold)
            .where(StockHold.id == hold_id, StockHold.status == "held")
            .values(status=status, settled_at=utcnow())
            .returning(StockHold.id)
        ).first()
        is not None
    )


def _holds(session: Session, order_id: int) -> list[StockHold]:
    return list(
        session.scalars(
            select(StockHold).where(StockHold.order_id == order_id).order_by(StockHold.product_id)
        )
    )


def release(session: Session, order: Order) -> Touched:
    """Give back what this order holds (it expired or was cancelled); a second call is a no-op."""
    touched: Touched = set()
    for item in _holds(session, order.id):
        if item.status == "held" and _settle(session, item.id, "released"):
            session.execute(
                update(Stock)
                .where(Stock.store_id == item.store_id, Stock.product_id == item.product_id)
                .values(held=Stock.held - item.quantity, updated_at=utcnow())
            )
            touched.add((item.store_id, item.product_id))
    session.flush()
    return touched


def take(session: Session, order: Order) -> Touched:
    """The order is paid: its held units leave the stock. A line whose hold was released (the
    request expired before the payment came through) is taken from what is left if it can be;
    units that cannot are counted in `order.stock_short` for staff to resolve."""
    touched: Touched = set()
    holds = {item.product_id: item for item in _holds(session, order.id)}
    for line in sorted(order.lines, key=lambda x: x.product_id or 0):
        if line.product_id is None:
            order.stock_short += line.quantity
            continue
        item = holds.get(line.product_id)
        if item is not None and item.status == "taken":
            continue  # taken already (this is a repeat)
        if item is not None and item.status == "held" and _settle(session, item.id, "taken"):
            session.execute(
                update(Stock)
                .where(Stock.store_id == item.store_id, Stock.product_id == item.product_id)
                .values(
                    quantity=Stock.quantity - item.quantity,
                    held=Stock.held - item.quantity,
                    updated_at=utcnow(),
                )
            )
        elif not _take_unheld(session, order, line.product_id, line.quantity):
            order.stock_short += line.quantity
            log.error(
                "order %s paid but %s × product %s could not be taken from stock",
                order.id, line.quantity, line.product_id,
            )  # fmt: skip
        touched.add((order.store_id, line.product_id))
    session.flush()
    return touched


def _take_unheld(session: Session, order: Order, product_id: int, quantity: int) -> bool:
    taken = session.execute(
        update(Stock)
        .where(
            Stock.store_id == order.store_id,
            Stock.product_id == product_id,
            Stock.quantity - Stock.held >= quantity,
        )
        .values(quantity=Stock.quantity - quantity, updated_at=utcnow())
        .returning(Stock.quantity)
    ).first()
    if taken is None:
        return False
    hold_row = session.scalar(
        select(StockHold).where(StockHold.order_id == order.id, StockHold.product_id == product_id)
    )
    if hold_row is None:
        session.add(StockHold(order_id=order.id, store_id=order.store_id, product_id=product_id,
                              quantity=quantity, status="taken", settled_at=utcnow()))  # fmt: skip
    else:
        hold_row.status, hold_row.settled_at = "taken", utcnow()
    return True


def put_back(session: Session, store_id: int, product_id: int, quantity: int) -> Touched:
    """Refunded units return to the shelf (a refund with restocking)."""
    row = session.get(Stock, (store_id, product_id), with_for_update=True)
    if row is None:
        session.add(Stock(store_id=store_id, product_id=product_id, quantity=quantity, held=0))
    else:
        row.quantity, row.updated_at = row.quantity + quantity, utcnow()
    session.flush()
    return {(store_id, product_id)}


def expire_requests(session: Session, *, now: datetime | None = None) -> Touched:
    """Requests whose hold time has passed become `expired` and give their stock back.

    Each order moves by an UPDATE conditional on its status and time, so two workers running
    this at once release each hold once."""
    now = now or utcnow()
    due = session.scalars(
        select(Order.id).where(Order.status == "awaiting_payment", Order.hold_expires_at <= now)
    ).all()
    touched: Touched = set()
    for order_id in due:
        moved = session.execute(
            update(Order)
            .where(
                Order.id == order_id,
                Order.status == "awaiting_payment",
                Order.hold_expires_at <= now,
            )
            .values(status="expired")
            .returning(Order.id)
        ).first()
        if moved is None:
            continue
        order = session.get(Order, order_id)
        if order is not None:
            touched |= release(session, order)
            if order.consultation_id is not None:
                after_commit(session).calls.add(order.consultation_id)
            log.info("payment request for order %s expired; its stock is released", order_id)
    return touched


def stock_changes(session: Session, touched: Touched) -> list[CatalogueChange]:
    """What to publish (after the commit) so tours and call cards show what is left."""
    changes = []
    for store_id, product_id in sorted(touched):
        row = session.get(Stock, (store_id, product_id))
        product = session.get(Product, product_id)
        if product is None:
            continue
        on_hand, left = (row.quantity, max(0, row.quantity - row.held)) if row else (0, 0)
        changes.append(
            CatalogueChange(product.sku, product_id, store_id, on_hand, None, True, available=left)
        )
    return changes

"""A visitor's wish list: products kept for later without signing up (keyed by the anonymous
visitor id), shown in the tour and to staff in a call."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from showroom.i18n import format_price
from showroom.models import Product, Stock, Store, WishListItem
from showroom.tours.analytics import VISITOR_ID
from showroom.tours.scenes import localised, stock_badge

MAX_ITEMS = 100  # a wish list, not a warehouse: stops a script from filling the table


class WishListError(ValueError):
    """Refused: `code` is a message key suffix (wish.error_<code>)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _check_visitor(visitor_id: str) -> None:
    if not VISITOR_ID.match(visitor_id):
        raise WishListError("visitor")


def add(session: Session, visitor_id: str, product_id: int, store_id: int) -> bool:
    """Keep a product; returns False if it was already kept (adding twice changes nothing)."""
    _check_visitor(visitor_id)
    if session.get(Product, product_id) is None or session.get(Store, store_id) is None:
        raise WishListError("unknown")
    if session.get(WishListItem, (visitor_id, product_id)) is not None:
        return False
    if len(product_ids(session, visitor_id)) >= MAX_ITEMS:
        raise WishListError("full")
    session.add(WishListItem(visitor_id=visitor_id, product_id=product_id, store_id=store_id))
    session.flush()
    return True


def remove(session: Session, visitor_id: str, product_id: int) -> bool:
    _check_visitor(visitor_id)
    result = session.execute(
        delete(WishListItem).where(
            WishListItem.visitor_id == visitor_id, WishListItem.product_id == product_id
        )
    )
    return bool(getattr(result, "rowcount", 0))


def product_ids(session: Session, visitor_id: str) -> list[int]:
    if not VISITOR_ID.match(visitor_id):
        return []
    return list(
        session.scalars(
            select(WishListItem.product_id).where(WishListItem.visitor_id == visitor_id)
        )
    )


def items(session: Session, visitor_id: str, store_id: int, lang: str) -> list[dict[str, Any]]:
    """The kept products, latest first, with today's price and stock in `store_id`."""
    if not VISITOR_ID.match(visitor_id):
        return []
    rows = session.execute(
        select(Product, Stock.available)
        .join(WishListItem, WishListItem.product_id == Product.id)
        .outerjoin(Stock, (Stock.product_id == Product.id) & (Stock.store_id == store_id))
        .where(WishListItem.visitor_id == visitor_id)
        .order_by(WishListItem.created_at.desc(), Product.id.desc())
    ).all()
    return [
        {
            "id": product.id,
            "sku": product.sku,
            "name": localised(product, "name", lang),
            "price": format_price(product.price, product.currency),
            "badge": stock_badge(quantity or 0),
        }
        for product, quantity in rows
    ]

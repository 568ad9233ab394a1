"""Stock and price changes, as made by the admin page or by a POS/ERP over the REST API.

A change is stored first; then a `CatalogueChange` is published so that every open tour
shows it without a reload.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from showroom.db import utcnow
from showroom.models import Product, Stock, Store

TOPIC = "catalogue"
MAX_QUANTITY = 1_000_000
MAX_PRICE = 99_999_999


class CatalogueError(ValueError):
    """Refused input: `code` for programs, `message` for people."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


@dataclass(frozen=True)
class CatalogueChange:
    sku: str
    product_id: int
    store_id: int | None  # None: a price change, which every store shows
    quantity: int | None
    price: int | None
    changed: bool

    def message(self) -> dict[str, Any]:
        return asdict(self)


def _product(session: Session, sku: str) -> Product:
    product = session.scalar(select(Product).where(Product.sku == sku))
    if product is None:
        raise CatalogueError("unknown_sku", f"No product has the SKU {sku!r}.", 404)
    return product


def _whole_number(value: object, field: str, maximum: int) -> int:
    # bool is an int in Python; a POS sending true/false has a bug we should report.
    if not isinstance(value, int) or isinstance(value, bool):
        raise CatalogueError("invalid_" + field, f"'{field}' must be a whole number.")
    if not 0 <= value <= maximum:
        raise CatalogueError("invalid_" + field, f"'{field}' must be between 0 and {maximum:,}.")
    return value


def set_stock(session: Session, store_slug: str, sku: str, quantity: object) -> CatalogueChange:
    """Set (not add to) a product's stock in one store: repeating the call changes nothing."""
    amount = _whole_number(quantity, "quantity", MAX_QUANTITY)
    store = session.scalar(select(Store).where(Store.slug == store_slug))
    if store is None:
        raise CatalogueError("unknown_store", f"No store is called {store_slug!r}.", 404)
    product = _product(session, sku)
    row = session.get(Stock, (store.id, product.id), with_for_update=True)
    if row is None:
        row = Stock(store_id=store.id, product_id=product.id, quantity=amount)
        session.add(row)
        changed = True
    else:
        changed = row.quantity != amount
        row.quantity, row.updated_at = amount, utcnow()
    session.flush()
    return CatalogueChange(sku, product.id, store.id, amount, None, changed)


def set_price(session: Session, sku: str, price: object, currency: object) -> CatalogueChange:
    """Set a product's price, in the currency's minor unit; the currency must match."""
    amount = _whole_number(price, "price", MAX_PRICE)
    product = _product(session, sku)
    if not isinstance(currency, str) or currency.upper() != product.currency:
        raise CatalogueError(
            "currency_mismatch", f"Prices of {sku} are in {product.currency}; got {currency!r}."
        )
    changed = product.price != amount
    product.price = amount
    session.flush()
    return CatalogueChange(sku, product.id, None, None, amount, changed)

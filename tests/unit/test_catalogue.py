import pytest
from sqlalchemy.orm import Session

from showroom.catalogue import CatalogueError, set_price, set_stock
from showroom.models import Product, Stock
from tests import factories


def test_setting_stock_is_idempotent(session: Session) -> None:
    store = factories.store(session)
    sofa = factories.product(session)
    first = set_stock(session, "aoyama", "SOFA-001", 3)
    again = set_stock(session, "aoyama", "SOFA-001", 3)
    assert first.changed and not again.changed
    assert session.get(Stock, (store.id, sofa.id)).quantity == 3  # type: ignore[union-attr]
    assert set_stock(session, "aoyama", "SOFA-001", 0).changed


@pytest.mark.parametrize(
    "store, sku, quantity, code",
    [
        ("aoyama", "SOFA-001", -1, "invalid_quantity"),
        ("aoyama", "SOFA-001", 2.5, "invalid_quantity"),
        ("aoyama", "SOFA-001", "3", "invalid_quantity"),
        ("aoyama", "SOFA-001", True, "invalid_quantity"),
        ("aoyama", "SOFA-001", None, "invalid_quantity"),
        ("nowhere", "SOFA-001", 3, "unknown_store"),
        ("aoyama", "NOPE-1", 3, "unknown_sku"),
    ],
)
def test_bad_stock_changes_are_refused_and_change_nothing(
    session: Session, store: str, sku: str, quantity: object, code: str
) -> None:
    row = factories.stock(session, factories.store(session), factories.product(session), 5)
    with pytest.raises(CatalogueError) as raised:
        set_stock(session, store, sku, quantity)
    assert raised.value.code == code and raised.value.message
    assert row.quantity == 5


def test_price_changes_keep_the_currency(session: Session) -> None:
    sofa = factories.product(session, price=248000)
    assert set_price(session, "SOFA-001", 199000, "jpy").price == 199000
    assert session.get(Product, sofa.id).price == 199000  # type: ignore[union-attr]
    with pytest.raises(CatalogueError, match="JPY"):
        set_price(session, "SOFA-001", 19900, "USD")
    with pytest.raises(CatalogueError):
        set_price(session, "SOFA-001", -5, "JPY")
    assert sofa.price == 199000

import pytest
from sqlalchemy.orm import Session

from showroom.tours import wish_list
from showroom.tours.wish_list import WishListError
from tests import factories

VISITOR = "visitor-0001"


def test_a_visitor_keeps_products_without_signing_up(session: Session) -> None:
    store = factories.store(session)
    sofa = factories.product(session, "SOFA-001", price=248000)
    lamp = factories.product(session, "LAMP-001", price=32000, name_en="Lamp")
    factories.stock(session, store, lamp, 2)

    assert wish_list.add(session, VISITOR, sofa.id, store.id) is True
    assert wish_list.add(session, VISITOR, lamp.id, store.id) is True
    assert wish_list.add(session, VISITOR, lamp.id, store.id) is False  # twice: kept once
    assert sorted(wish_list.product_ids(session, VISITOR)) == [sofa.id, lamp.id]
    kept = wish_list.items(session, VISITOR, store.id, "en")
    assert [(i["name"], i["price"], i["badge"]) for i in kept] == [
        ("Lamp", "¥32,000", "few"),
        ("Sofa", "¥248,000", "out"),
    ]
    assert wish_list.items(session, "someone-else", store.id, "en") == []

    assert wish_list.remove(session, VISITOR, sofa.id) is True
    assert wish_list.remove(session, VISITOR, sofa.id) is False
    assert wish_list.product_ids(session, VISITOR) == [lamp.id]


@pytest.mark.parametrize("visitor", ["", "short", "has spaces in it", "x" * 65, "semi;colon1"])
def test_a_malformed_visitor_id_is_refused(session: Session, visitor: str) -> None:
    store = factories.store(session)
    sofa = factories.product(session)
    with pytest.raises(WishListError) as refused:
        wish_list.add(session, visitor, sofa.id, store.id)
    assert refused.value.code == "visitor"
    with pytest.raises(WishListError):
        wish_list.remove(session, visitor, sofa.id)
    assert wish_list.items(session, visitor, store.id, "en") == []


def test_unknown_products_and_a_full_list_are_refused(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = factories.store(session)
    sofa = factories.product(session)
    lamp = factories.product(session, "LAMP-001")
    with pytest.raises(WishListError, match="unknown"):
        wish_list.add(session, VISITOR, 9999, store.id)
    with pytest.raises(WishListError, match="unknown"):
        wish_list.add(session, VISITOR, sofa.id, 9999)
    monkeypatch.setattr(wish_list, "MAX_ITEMS", 1)
    wish_list.add(session, VISITOR, sofa.id, store.id)
    with pytest.raises(WishListError, match="full"):
        wish_list.add(session, VISITOR, lamp.id, store.id)

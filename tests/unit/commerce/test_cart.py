"""Product cards and the call's shared cart."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from consult.calls.consultations import end, history, start_walk_in
from consult.calls.events import events_of
from consult.commerce.cart import (
    CartError,
    add_to_cart,
    cards_of,
    cart_view,
    draft_of,
    push_card,
    remove_one,
    request_cart_payment,
    search_products,
    set_quantity,
)
from consult.commerce.checkout import order_for_link
from tests import factories


def test_staff_find_products_by_name_or_sku(session: Session) -> None:
    factories.product(session)
    factories.product(session, "LAMP-002", 18000, name_en="Paper floor lamp", name_ja="和紙ランプ")
    assert [p["sku"] for p in search_products(session, "lamp", "en")] == ["LAMP-002"]
    assert [p["name"] for p in search_products(session, "ランプ", "ja")] == ["和紙ランプ"]
    assert [p["sku"] for p in search_products(session, "sofa-0", "en")] == ["SOFA-001"]
    assert len(search_products(session, "", "en")) == 2


def test_a_card_shows_price_live_stock_and_where_it_is_in_the_tour(session: Session) -> None:
    store = factories.store(session)
    living = factories.scene(session, store, "living")
    sofa = factories.product(session, images=["products/sofa.jpg"])
    factories.hotspot(session, living, product_row=sofa)
    stock = factories.stock(session, store, sofa, 2)
    aiko = factories.staff(session, store)
    call = start_walk_in(session, store.id)
    call.staff_id = aiko.id  # accepted: only the staff member in the call pushes cards
    push_card(session, call.id, aiko.id, sofa.id)
    [line] = history(session, call.id)
    assert (line["kind"], line["product_id"], line["sender"]) == ("product", sofa.id, "staff")
    card = cards_of(session, call.id, "en")[str(sofa.id)]
    assert (card["name"], card["price"], card["badge"], card["stock"]) == (
        "Sofa", "¥248,000", "few", "2",
    )  # fmt: skip
    assert card["image"] == "/media/panoramas/products/sofa.jpg"
    assert card["tour"].startswith("/tour/aoyama/living") and "SOFA-001" in card["tour"]
    stock.quantity = 0
    assert cards_of(session, call.id, "en")[str(sofa.id)]["badge"] == "out"
    with pytest.raises(LookupError):
        push_card(session, call.id, aiko.id, 9999)


def test_both_sides_build_one_cart_and_staff_ask_for_payment(session: Session) -> None:
    store = factories.store(session)
    sofa = factories.product(session)
    lamp = factories.product(session, "LAMP-002", 18000, name_en="Lamp", name_ja="ランプ")
    aiko = factories.staff(session, store)
    factories.stock(session, store, sofa, 1)
    factories.stock(session, store, lamp, 3)
    call = start_walk_in(session, store.id)
    call.staff_id = aiko.id  # accepted
    with pytest.raises(CartError) as empty:
        request_cart_payment(session, "k", call.id, aiko.id)
    assert empty.value.key == "cart.empty"
    add_to_cart(session, call.id, sofa.id, lang="en")
    add_to_cart(session, call.id, lamp.id)
    add_to_cart(session, call.id, lamp.id)
    view = cart_view(session, call.id, "en")
    assert [(x["name"], x["quantity"]) for x in view["lines"]] == [("Sofa", "1"), ("Lamp", "2")]
    assert (view["total"], view["count"]) == ("¥284,000", 3)
    remove_one(session, call.id, lamp.id)
    assert cart_view(session, call.id, "en")["lines"][1]["quantity"] == "1"
    remove_one(session, call.id, lamp.id)  # the last one: the line goes
    assert cart_view(session, call.id, "en")["total"] == "¥248,000"
    with pytest.raises(CartError) as gone:
        remove_one(session, call.id, lamp.id)
    assert gone.value.key == "cart.not_in_cart"
    add_to_cart(session, call.id, lamp.id)
    set_quantity(session, call.id, lamp.id, 0)
    assert cart_view(session, call.id, "en")["total"] == "¥248,000"
    with pytest.raises(CartError):
        set_quantity(session, call.id, sofa.id, 1000)
    with pytest.raises(CartError):
        add_to_cart(session, call.id, 9999)
    assert cart_view(session, call.id, "en")["total"] == "¥248,000"
    # Every change is a call event (the recording's timeline shows them); refusals are not.
    changes = [(e.role, e.detail) for e in events_of(session, call.id) if e.kind == "cart_changed"]
    assert [detail["quantity"] for _role, detail in changes] == [1, 1, 2, 1, 0, 1, 0]
    assert changes[0] == (None, {"product_id": sofa.id, "quantity": 1, "text": "Sofa × 1"})
    assert changes[4][1]["text"] == "ランプ × 0"  # removed: named from the product
    add_to_cart(session, call.id, lamp.id, by="customer")
    set_quantity(session, call.id, lamp.id, 0, by="staff")
    assert [e.role for e in events_of(session, call.id) if e.kind == "cart_changed"][-2:] == [
        "customer", "staff",
    ]  # fmt: skip

    message = request_cart_payment(session, "k", call.id, aiko.id)
    assert message.kind == "payment"
    order = order_for_link(session, "k", str((message.payload or {})["token"]))
    assert (order.status, order.total, order.consultation_id) == (
        "awaiting_payment", 248000, call.id,
    )  # fmt: skip
    assert history(session, call.id)[-1]["pay_token"] == (message.payload or {})["token"]
    # The cart is empty again; the next product starts a new one.
    assert draft_of(session, call.id) is None
    add_to_cart(session, call.id, lamp.id)
    assert draft_of(session, call.id) is not order
    end(session, call.id)
    with pytest.raises(CartError) as ended:
        add_to_cart(session, call.id, lamp.id)
    assert ended.value.key == "call.ended"

"""The pay page's first step (pickup or delivery, name, receipt email) and what the call pages
show of each payment request; expired requests found by the housekeeping round."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from consult.commerce import checkout, stock
from consult.commerce.effects import take_effects
from consult.commerce.fulfilment import FulfilmentError
from consult.commerce.orders import create_order, send_for_payment
from consult.models import Consultation, Order
from showroom.db import utcnow
from showroom.models import Store
from tests import factories


def requested(session: Session) -> Order:
    store = factories.store(session)
    lamp = factories.product(session, "LAMP-001", price=32000, name_en="Lamp")
    factories.stock(session, store, lamp, 3)
    call = Consultation(store_id=store.id, customer_name="Sato", status="active")
    session.add(call)
    session.flush()
    order = create_order(session, store.id, [(lamp.id, 1)], consultation_id=call.id)
    return send_for_payment(session, order.id, None)


@pytest.mark.parametrize(
    "form, errors",
    [
        ({}, {"kind": "fulfil.choose", "email": "fulfil.email_invalid"}),
        ({"kind": "pickup", "email": "a@b.co"}, {"store_id": "fulfil.required", "name": "fulfil.required"}),
        ({"kind": "pickup", "email": "no-at-sign", "store_id": "1", "name": "Sato"},
         {"email": "fulfil.email_invalid"}),
        ({"kind": "delivery", "email": "a@b.co", "country": "JP"},
         {"name": "fulfil.required", "city": "fulfil.required", "line1": "fulfil.required",
          "postal_code": "fulfil.postal_invalid", "region": "fulfil.prefecture_required",
          "phone": "fulfil.phone_invalid"}),
        ({"kind": "teleport", "email": "a@b.co"}, {"kind": "fulfil.choose"}),
    ],
)  # fmt: skip
def test_the_first_step_names_every_wrong_field(
    session: Session, form: dict[str, str], errors: dict[str, str]
) -> None:
    order = requested(session)
    if form.get("store_id") == "1":
        form = form | {"store_id": str(order.store_id)}
    with pytest.raises(FulfilmentError) as wrong:
        checkout.save_fulfilment(session, order.id, form)
    assert wrong.value.errors == errors
    assert (order.fulfilment, order.total) == (None, 32000)


def test_pickup_is_free_and_shown_on_both_call_pages(session: Session) -> None:
    order = requested(session)
    form = {"kind": "pickup", "store_id": str(order.store_id), "name": "Sato",
            "email": "ＳＡＴＯ@Example.com"}  # fmt: skip
    checkout.save_fulfilment(session, order.id, form)
    assert (order.fulfilment, order.total, order.customer_email) == (
        "pickup",
        32000,
        "sato@example.com",
    )
    assert take_effects(session).calls == {order.consultation_id}
    cards = checkout.payment_cards(
        session, order.consultation_id or 0, "en", key="k", base_url="http://x"
    )
    card = cards[str(order.id)]
    assert (card["state"], card["fulfilment"], card["where"]) == (
        "awaiting",
        "pickup",
        "Showroom Aoyama",
    )
    assert card["link"].startswith("http://x/pay/") and card["qr"].startswith("data:image/svg")
    assert checkout.order_for_link(session, "k", card["link"].rsplit("/", 1)[1]).id == order.id


def test_an_expired_request_shows_as_expired_without_a_pay_link(session: Session) -> None:
    order = requested(session)
    stock.expire_requests(session, now=utcnow() + timedelta(minutes=20))
    card = checkout.payment_cards(session, order.consultation_id or 0, "en", key="k", base_url="")
    assert (card[str(order.id)]["state"], card[str(order.id)]["link"]) == ("expired", "")
    assert take_effects(session).calls == {order.consultation_id}


def test_staff_send_an_expired_request_again_holding_the_stock_anew(session: Session) -> None:
    from consult.commerce.cart import CartError, send_again

    order = requested(session)
    call = session.get(Consultation, order.consultation_id)
    assert call is not None
    aiko = factories.staff(session, session.get(Store, order.store_id))  # type: ignore[arg-type]
    call.staff_id = aiko.id
    with pytest.raises(CartError) as still_open:
        send_again(session, "k", call.id, aiko.id, order.id)
    assert still_open.value.key == "pay.not_expired"
    stock.expire_requests(session, now=utcnow() + timedelta(minutes=20))
    with pytest.raises(CartError) as not_theirs:
        send_again(session, "k", call.id, aiko.id + 1, order.id)
    assert not_theirs.value.key == "auth.forbidden"
    message = send_again(session, "k", call.id, aiko.id, order.id)
    assert (order.status, message.kind) == ("awaiting_payment", "payment")
    assert order.hold_expires_at is not None and order.hold_expires_at > utcnow()
    assert stock.available(session, order.store_id, [order.lines[0].product_id or 0]) == {
        order.lines[0].product_id: 2
    }


def test_leaving_the_call_never_loses_the_payment(session: Session) -> None:
    from consult.calls.consultations import end
    from consult.commerce.orders import mark_paid
    from tests.fake_gateway import FakeGateway
    from tests.unit.commerce.test_money_rules import ADDRESS

    order = requested(session)
    end(session, order.consultation_id or 0)
    checkout.save_fulfilment(session, order.id, ADDRESS)
    session.commit()

    class Scope:
        def __call__(self) -> Any:
            return self

        def __enter__(self) -> Session:
            return session

        def __exit__(self, *exc: object) -> None:
            session.commit() if exc[0] is None else session.rollback()

    outcome = checkout.charge_card(Scope(), FakeGateway(), order.id, "seti_1")
    assert outcome.status == "pending"
    mark_paid(session, outcome.provider_ref, order.total, "JPY")
    assert order.status == "paid"

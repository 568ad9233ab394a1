"""Asking for payment in a call: an order, a signed pay link, and a chat message carrying it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from consult.calls.consultations import post_message
from consult.commerce.orders import create_order, request_payment
from consult.commerce.payments import CardGateway, PaymentIntentResult
from consult.models import ChatMessage, Consultation, Order
from showroom.db import utcnow
from showroom.i18n import format_price
from showroom.identity import sign_link, verify_link
from showroom.models import Product
from showroom.tours.scenes import localised

PAY_LINK_KIND = "order"
PAY_LINK_HOURS = 24
PAY_PREFIX = "pay:"


def request_payment_in_call(
    session: Session,
    key: str,
    consultation_id: int,
    staff_id: int,
    lines: list[tuple[int, int]],
    language: str = "ja",
) -> tuple[Order, ChatMessage]:
    """Create the order and post its pay link into the call's chat (stored before it is shown)."""
    consultation = session.get(Consultation, consultation_id)
    if consultation is None:
        raise LookupError(f"consultation {consultation_id}")
    order = create_order(
        session, consultation.store_id, lines, consultation_id=consultation_id, language=language
    )
    return order, request_payment_for_order(session, key, order, staff_id)


def request_payment_for_order(
    session: Session, key: str, order: Order, staff_id: int
) -> ChatMessage:
    """Ask the customer in the call's chat to pay an order (e.g. the call's shared cart)."""
    if order.consultation_id is None:
        raise LookupError(f"order {order.id} belongs to no call")
    order.status = "awaiting_payment"
    token = sign_link(key, PAY_LINK_KIND, order.id, utcnow() + timedelta(hours=PAY_LINK_HOURS))
    return post_message(
        session, order.consultation_id, "system", PAY_PREFIX + token, staff_id=staff_id,
        kind="payment", payload={"order_id": order.id, "token": token},
    )  # fmt: skip


def order_for_link(session: Session, key: str, token: str) -> Order:
    order = session.get(Order, verify_link(key, token, PAY_LINK_KIND))
    if order is None:
        raise LookupError("order")
    return order


def order_summary(session: Session, order: Order, lang: str) -> dict[str, Any]:
    """What the pay page shows: lines, total, status (names as they were when ordered)."""
    return {
        "id": order.id,
        "status": order.status,
        "total": format_price(order.total, order.currency),
        "lines": [
            {
                "name": _line_name(session, line.product_id, line.name, lang),
                "quantity": line.quantity,
                "amount": format_price(line.unit_price * line.quantity, order.currency),
            }
            for line in order.lines
        ],
    }


def _line_name(session: Session, product_id: int | None, snapshot: str, lang: str) -> str:
    """The product's name in the reader's language; the name as ordered if it is gone."""
    product = session.get(Product, product_id) if product_id else None
    return localised(product, "name", lang) if product else snapshot


def order_status(session: Session, order_id: int) -> str:
    order = session.get(Order, order_id)
    return order.status if order else ""


def start_card_payment(gateway: CardGateway, order: Order) -> str:
    """The client secret the pay page's card form confirms the card against."""
    setup = gateway.start_card_setup(
        order_id=order.id, idempotency_key=f"order-{order.id}-card-setup-{len(order.payments)}"
    )
    return setup.client_secret


def charge_card(
    session: Session, gateway: CardGateway, order_id: int, setup_ref: str
) -> PaymentIntentResult:
    """Charge the confirmed card. The order is paid later, when the signed webhook says so."""
    intent = request_payment(session, order_id, gateway)
    return gateway.charge_saved_card(
        intent.provider_ref,
        setup_ref,
        order_id=order_id,
        idempotency_key=f"{intent.provider_ref}-{setup_ref}",
    )

"""Asking for payment in a call: an order, a signed pay link, and a chat message carrying it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from consult.consultations import post_message
from consult.models import ChatMessage, Consultation, Order
from consult.orders import create_order
from showroom.db import utcnow
from showroom.identity import sign_link, verify_link

PAY_LINK_KIND = "order"
PAY_LINK_HOURS = 24
PAY_PREFIX = "pay:"


def request_payment_in_call(
    session: Session,
    key: str,
    consultation_id: int,
    staff_id: int,
    lines: list[tuple[int, int]],
) -> tuple[Order, ChatMessage]:
    """Create the order and post its pay link into the call's chat (stored before it is shown)."""
    consultation = session.get(Consultation, consultation_id)
    if consultation is None:
        raise LookupError(f"consultation {consultation_id}")
    order = create_order(session, consultation.store_id, lines, consultation_id=consultation_id)
    order.status = "awaiting_payment"
    token = sign_link(key, PAY_LINK_KIND, order.id, utcnow() + timedelta(hours=PAY_LINK_HOURS))
    message = post_message(
        session, consultation_id, "system", PAY_PREFIX + token, staff_id=staff_id
    )
    return order, message


def order_for_link(session: Session, key: str, token: str) -> Order:
    order = session.get(Order, verify_link(key, token, PAY_LINK_KIND))
    if order is None:
        raise LookupError("order")
    return order

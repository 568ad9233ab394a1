"""Asking for payment in a call and paying it: the request (stock held, fee and total fixed),
the signed pay link and its QR code, the customer's choice of pickup or delivery, and the card
payment up to the point where the provider's signed webhook takes over.

The pay step runs in three short transactions so that nothing is half-written and no database
lock is held while the provider is asked to charge: `prepare_charge` (the intent for exactly the
stored total, the hold kept for the payment), the gateway's charge, `record_attempt` (a decline
or a 3-D Secure step noted for staff). Only the webhook marks the order paid.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import segno
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from consult.calls.consultations import post_message
from consult.commerce import orders
from consult.commerce.declines import message_key
from consult.commerce.fulfilment import FulfilmentError, address_lines, delivery_address, half_width
from consult.commerce.payments import CardGateway, PaymentError, PaymentIntentResult
from consult.commerce.rules import rules_for
from consult.models import ChatMessage, Consultation, Order, Payment
from showroom.db import utcnow
from showroom.i18n import format_price
from showroom.identity import sign_link, verify_link
from showroom.models import Product, Store
from showroom.tours.scenes import localised

PAY_LINK_KIND = "order"
PAY_LINK_HOURS = 24
PAY_PREFIX = "pay:"
SessionFactory = Callable[[], AbstractContextManager[Session]]


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
    order = orders.create_order(
        session, consultation.store_id, lines, consultation_id=consultation_id, language=language
    )
    return order, request_payment_for_order(session, key, order, staff_id)


def request_payment_for_order(
    session: Session, key: str, order: Order, staff_id: int, *, now: datetime | None = None
) -> ChatMessage:
    """Ask the customer in the call's chat to pay an order (the call's cart, or an expired
    request sent again): its stock is held and its total fixed (`orders.send_for_payment`,
    which raises `stock.OutOfStock`), credited to `staff_id`, and its pay link posted."""
    if order.consultation_id is None:
        raise LookupError(f"order {order.id} belongs to no call")
    call = session.get(Consultation, order.consultation_id)
    orders.send_for_payment(session, order.id, staff_id, now=now)
    if call is not None:
        order.language = call.language or order.language
        order.customer_name = order.customer_name or call.customer_name
        order.customer_email = order.customer_email or call.customer_email
    token = pay_link(key, order.id, now=now)
    return post_message(
        session, order.consultation_id, "system", PAY_PREFIX + token, staff_id=staff_id,
        kind="payment", payload={"order_id": order.id, "token": token},
    )  # fmt: skip


def pay_link(key: str, order_id: int, *, now: datetime | None = None) -> str:
    return sign_link(
        key, PAY_LINK_KIND, order_id, (now or utcnow()) + timedelta(hours=PAY_LINK_HOURS)
    )


def order_for_link(session: Session, key: str, token: str) -> Order:
    order = session.get(Order, verify_link(key, token, PAY_LINK_KIND))
    if order is None:
        raise LookupError("order")
    return order


def qr_svg(url: str) -> str:
    """A QR code of `url` as an SVG data URI (for a phone's camera to open the pay page)."""
    return str(segno.make(url, error="m").svg_data_uri(scale=4, border=2))


# -- what the pages show -------------------------------------------------------------------------


def _line_name(session: Session, product_id: int | None, snapshot: str, lang: str) -> str:
    """The product's name in the reader's language; the name as ordered if it is gone."""
    product = session.get(Product, product_id) if product_id else None
    return localised(product, "name", lang) if product else snapshot


def order_summary(session: Session, order: Order, lang: str) -> dict[str, Any]:
    """What the pay and order pages show: lines, amounts, status, fulfilment, refunds."""
    money = lambda amount: format_price(amount, order.currency)  # noqa: E731
    rules = rules_for(session, order.store_id)
    last = _last_payment(session, order.id)
    return {
        "id": order.id,
        "status": order.status,
        "subtotal": money(order.subtotal),
        "delivery_fee": money(order.delivery_fee),
        "delivery_quote": ""
        if order.delivery_fee_quote is None
        else money(order.delivery_fee_quote),
        "delivery_free": order.delivery_fee_quote == 0,
        "total": money(order.total),
        "total_minor": order.total,
        "refunded": money(order.refunded_total) if order.refunded_total else "",
        "fulfilment": order.fulfilment or "",
        "address": address_lines(order.delivery_address or {}, lang)
        if order.delivery_address
        else [],
        "pickup_store": _store_name(session, order.pickup_store_id, lang),
        "pickup_enabled": rules.pickup_enabled,
        "delivery_enabled": order.delivery_fee_quote is not None,
        "ready_hours": rules.pickup_ready_hours,
        "expires_at": order.hold_expires_at.isoformat() if order.hold_expires_at else "",
        "customer": " ".join(x for x in (order.customer_name, order.customer_email) if x),
        "stock_short": str(order.stock_short) if order.stock_short else "",
        "failure_key": message_key(last.failure_code) if last and last.status == "failed" else "",
        "lines": [
            {
                "id": line.id,
                "name": _line_name(session, line.product_id, line.name, lang),
                "quantity": line.quantity,
                "amount": money(line.unit_price * line.quantity),
            }
            for line in order.lines
        ],
    }


def _store_name(session: Session, store_id: int | None, lang: str) -> str:
    store = session.get(Store, store_id) if store_id else None
    return localised(store, "name", lang) if store else ""


EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}")


def save_fulfilment(session: Session, order_id: int, form: Mapping[str, str]) -> Order:
    """The pay page's first step: pickup (which store) or delivery (a checked address), the
    customer's name and the receipt's email. FulfilmentError lists every wrong field at once;
    the total then includes the fee fixed when the request was sent."""
    order = session.get(Order, order_id)
    if order is None:
        raise LookupError(order_id)
    errors: dict[str, str] = {}
    kind = str(form.get("kind", ""))
    email = half_width(str(form.get("email", ""))).lower()
    if not EMAIL.fullmatch(email) or len(email) > 254:
        errors["email"] = "fulfil.email_invalid"
    choice: dict[str, object] = {"kind": kind, "email": email}
    if kind == "pickup":
        stores = {s["id"] for s in pickup_stores(session, order, "en")}
        name = " ".join(str(form.get("name", "")).split())
        if not stores:
            errors["kind"] = "fulfil.no_pickup"
        elif str(form.get("store_id", "")) not in stores:
            errors["store_id"] = "fulfil.required"
        if not name:
            errors["name"] = "fulfil.required"
        elif len(name) > 120:
            errors["name"] = "fulfil.too_long"
        choice |= {"store_id": form.get("store_id", ""), "name": name}
    elif kind == "delivery":
        if order.delivery_fee_quote is None:
            errors["kind"] = "fulfil.no_delivery"
        try:
            address = delivery_address(form)
            choice |= {"address": address, "name": address["name"]}
        except FulfilmentError as error:
            errors |= error.errors
    else:
        errors["kind"] = "fulfil.choose"
    if errors:
        raise FulfilmentError(errors)
    return orders.choose_fulfilment(session, order_id, choice)


def pickup_stores(session: Session, order: Order, lang: str) -> list[dict[str, str]]:
    """Where this order can be collected: its own store (where its stock is held)."""
    store = session.get(Store, order.store_id)
    if store is None or not rules_for(session, store.id).pickup_enabled:
        return []
    address = store.address_ja if lang == "ja" else store.address_en
    return [{"id": str(store.id), "name": localised(store, "name", lang), "address": address}]


def _last_payment(session: Session, order_id: int) -> Payment | None:
    return session.scalars(
        select(Payment).where(Payment.order_id == order_id).order_by(Payment.id.desc()).limit(1)
    ).first()


def payment_cards(
    session: Session, consultation_id: int, lang: str, *, key: str, base_url: str
) -> dict[str, dict[str, str]]:
    """Each payment request of a call as both call pages show it, by order id (as text).

    `state`: awaiting, declined (the last attempt failed: the customer may try another card),
    paid, expired, cancelled. `link` is the signed pay page (fresh, so it outlives a long
    call) and `qr` its QR code, for paying on a phone.
    """
    cards: dict[str, dict[str, str]] = {}
    for order in session.scalars(
        select(Order).where(Order.consultation_id == consultation_id, Order.status != "draft")
    ):
        last = _last_payment(session, order.id)
        state = {"awaiting_payment": "awaiting", "paid": "paid"}.get(order.status, order.status)
        if state == "awaiting" and last is not None and last.status == "failed":
            state = "declined"
        refunded = (
            format_price(order.refunded_total, order.currency) if order.refunded_total else ""
        )
        cards[str(order.id)] = {
            "state": state,
            "number": str(order.id),
            "total": format_price(order.total, order.currency),
            "fulfilment": order.fulfilment or "",
            "where": " / ".join(address_lines(order.delivery_address, lang)[1:2])
            if order.delivery_address
            else _store_name(session, order.pickup_store_id, lang),
            "failure_key": message_key(last.failure_code) if state == "declined" and last else "",
            "refunded": refunded,
            "link": "",
            "qr": "",
        }
        if state in ("awaiting", "declined"):
            link = f"{base_url}/pay/{pay_link(key, order.id)}"
            cards[str(order.id)] |= {"link": link, "qr": qr_svg(link)}
    return cards


# -- paying --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChargeOutcome:
    """What the pay page does next: wait for the webhook, run 3-D Secure, or say what failed."""

    status: str  # "pending" (the webhook decides), "requires_action", "failed"
    provider_ref: str = ""
    action_secret: str = ""  # the intent's client secret, for Stripe.js to authenticate
    message_key: str = ""


def start_card_payment(gateway: CardGateway, order: Order) -> str:
    """The client secret the pay page's card form confirms the card against."""
    setup = gateway.start_card_setup(
        order_id=order.id, idempotency_key=f"order-{order.id}-card-setup-{len(order.payments)}"
    )
    return setup.client_secret


def prepare_charge(
    open_session: SessionFactory, gateway: CardGateway, order_id: int
) -> PaymentIntentResult:
    """The intent for the stored total, the request kept from expiring while it is paid.

    Two clicks racing reach the same attempt: the same idempotency key gives the same intent,
    and the payment's unique reference makes the slower transaction fail and retry, finding it.
    """
    for attempt in range(2):
        try:
            with open_session() as session:
                order = orders.lock_order(session, order_id)
                if order.fulfilment is None:
                    raise orders.OrderError("Choose pickup or delivery first.")
                orders.keep_hold_for_payment(session, order)
                return orders.request_payment(session, order_id, gateway)
        except IntegrityError:
            if attempt:
                raise
    raise AssertionError("unreachable")


def charge_card(
    open_session: SessionFactory, gateway: CardGateway, order_id: int, setup_ref: str
) -> ChargeOutcome:
    """Charge the card the customer confirmed (SetupIntent `setup_ref`) for this order.

    The order is paid later, when the signed webhook says so. A decline is recorded (staff see
    "declined, retrying") and the order stays payable; the provider being unreachable leaves
    everything as it was, to try again.
    """
    try:
        intent = prepare_charge(open_session, gateway, order_id)
    except PaymentError as error:  # nothing was charged, and nothing stored
        return ChargeOutcome("failed", message_key=message_key(error.code, error.decline_code))
    except orders.PaymentInProgress:  # a second press: the first is going through
        return ChargeOutcome("pending")
    try:
        result = gateway.charge_saved_card(
            intent.provider_ref, setup_ref, order_id=order_id,
            idempotency_key=f"{intent.provider_ref}-{setup_ref}",
        )  # fmt: skip
    except PaymentError as error:
        if error.code in ("network_error", "rate_limited", "configuration_error", "live_mode"):
            return ChargeOutcome("failed", intent.provider_ref, message_key=message_key(error.code))
        code = error.decline_code or error.code
        with open_session() as session:
            orders.mark_payment_failed(session, intent.provider_ref, code)
        return ChargeOutcome("failed", intent.provider_ref,
                             message_key=message_key(error.code, error.decline_code))  # fmt: skip
    if result.status == "requires_action":
        return ChargeOutcome("requires_action", result.provider_ref, result.client_secret)
    if result.status == "requires_payment_method":
        with open_session() as session:
            orders.mark_payment_failed(session, result.provider_ref, result.failure_code)
        return ChargeOutcome(
            "failed", result.provider_ref, message_key=message_key(result.failure_code)
        )
    return ChargeOutcome("pending", result.provider_ref)


def after_authentication(
    open_session: SessionFactory, gateway: CardGateway, provider_ref: str
) -> ChargeOutcome:
    """3-D Secure is over in the browser: ask the provider how it went (never the browser)."""
    result = gateway.retrieve_payment(provider_ref)
    if result.status in ("succeeded", "processing", "requires_capture"):
        return ChargeOutcome("pending", provider_ref)
    code = result.failure_code or "payment_intent_authentication_failure"
    with open_session() as session:
        orders.mark_payment_failed(session, provider_ref, code)
    return ChargeOutcome("failed", provider_ref, message_key=message_key(code))


def order_status(session: Session, order_id: int) -> str:
    order = session.get(Order, order_id)
    return order.status if order else ""

"""Orders and their payments: plain functions taking a SQLAlchemy `Session`.

The caller owns the transaction (e.g. `showroom.db.session_scope()`): these functions flush but
never commit. Amounts are integers in the currency's minor unit (JPY: yen).

An order becomes `paid` in one place only, `mark_paid`, called from a verified payment webhook,
and only when the amount and currency match what was asked for.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from consult.commerce import stock
from consult.commerce.crediting import credit
from consult.commerce.effects import after_commit
from consult.commerce.payments import PaymentGateway, PaymentIntentResult
from consult.commerce.rules import delivery_fee, rules_for
from consult.models import Consultation, Order, OrderLine, Payment
from showroom.db import utcnow
from showroom.models import Product, Store

log = logging.getLogger(__name__)

MAX_LINES = 50
MAX_QUANTITY = 999
#: Stripe's largest single charge (in minor units) for most currencies, JPY included.
MAX_TOTAL = 99_999_999
#: Once the customer presses "pay", the hold lasts at least this long (3-D Secure included).
PAYMENT_GRACE = timedelta(minutes=10)
#: Intent states in which an attempt can be replaced by a new one (nothing is charged yet).
REPLACEABLE = ("requires_payment_method", "requires_confirmation", "requires_action")


class OrderError(ValueError):
    """A request about an order that cannot be honoured; `str()` is readable."""


class PaymentMismatchError(OrderError):
    """A payment notification whose amount or currency differs from what was requested."""


class PaymentInProgress(OrderError):
    """The order's payment is already going through (a second press of "pay", say)."""


class UnknownPaymentError(OrderError):
    """A payment notification for a PaymentIntent we did not create."""


def create_order(
    session: Session,
    store_id: int,
    lines: Sequence[tuple[int, int]],
    consultation_id: int | None = None,
    *,
    language: str = "ja",
) -> Order:
    """A draft order with prices and names snapshotted from the catalogue.

    `lines` are `(product_id, quantity)`; the same product twice is merged into one line.
    """
    store = session.get(Store, store_id)
    if store is None:
        raise OrderError(f"Store {store_id} does not exist.")
    if consultation_id is not None:
        consultation = session.get(Consultation, consultation_id)
        if consultation is None or consultation.store_id != store_id:
            raise OrderError(f"Consultation {consultation_id} does not belong to this store.")
    if not lines:
        raise OrderError("An order needs at least one product.")

    quantities: dict[int, int] = {}
    for product_id, quantity in lines:
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
            raise OrderError(f"Quantity must be a positive whole number (got {quantity!r}).")
        quantities[product_id] = quantities.get(product_id, 0) + quantity
    if len(quantities) > MAX_LINES:
        raise OrderError(f"An order can have at most {MAX_LINES} products.")

    products = {
        p.id: p for p in session.scalars(select(Product).where(Product.id.in_(list(quantities))))
    }
    order = Order(
        store_id=store_id,
        consultation_id=consultation_id,
        status="draft",
        currency=store.currency.upper(),
    )
    total = 0
    for product_id, quantity in quantities.items():
        product = products.get(product_id)
        if product is None:
            raise OrderError(f"Product {product_id} does not exist.")
        if quantity > MAX_QUANTITY:
            raise OrderError(f"At most {MAX_QUANTITY} of one product per order.")
        if product.currency.upper() != order.currency:
            raise OrderError(
                f"{product.sku} is priced in {product.currency}, the store sells in "
                f"{order.currency}."
            )
        if product.price < 0:
            raise OrderError(f"{product.sku} has no valid price.")
        name = product.name_ja if language == "ja" else product.name_en
        order.lines.append(
            OrderLine(
                product_id=product.id,
                name=name or product.name_en,
                quantity=quantity,
                unit_price=product.price,
            )
        )
        total += product.price * quantity
    if total > MAX_TOTAL:
        raise OrderError("The order total is larger than a single card payment allows.")
    order.total = order.subtotal = total
    session.add(order)
    session.flush()
    return order


def set_line(
    session: Session, order: Order, product_id: int, quantity: int, *, language: str = "ja"
) -> Order:
    """Set how many of a product a draft order holds (0 removes the line); the total follows.
    The same limits as `create_order`; a refused change leaves the order as it was."""
    if order.status != "draft":
        raise OrderError(f"Order {order.id} is {order.status}; it cannot be changed.")
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 0:
        raise OrderError(f"Quantity must be a whole number (got {quantity!r}).")
    if quantity > MAX_QUANTITY:
        raise OrderError(f"At most {MAX_QUANTITY} of one product per order.")
    line = next((x for x in order.lines if x.product_id == product_id), None)
    if quantity and line is None:
        product = session.get(Product, product_id)
        if product is None:
            raise OrderError(f"Product {product_id} does not exist.")
        if product.currency.upper() != order.currency:
            raise OrderError(f"{product.sku} is priced in {product.currency}.")
        if len(order.lines) >= MAX_LINES:
            raise OrderError(f"An order can have at most {MAX_LINES} products.")
        name = product.name_ja if language == "ja" else product.name_en
        line = OrderLine(product_id=product.id, name=name or product.name_en, quantity=quantity,
                         unit_price=product.price)  # fmt: skip
        total = order.total + product.price * quantity
    elif line is not None:
        total = order.total + line.unit_price * (quantity - line.quantity)
    else:
        return order
    if total > MAX_TOTAL:
        raise OrderError("The order total is larger than a single card payment allows.")
    if line not in order.lines:
        order.lines.append(line)
    elif quantity == 0:
        order.lines.remove(line)
    else:
        line.quantity = quantity
    order.total = order.subtotal = total
    session.flush()
    return order


def lock_order(session: Session, order_id: int) -> Order:
    """The order, row-locked for this transaction (PostgreSQL; SQLite runs one writer)."""
    order = session.scalars(
        select(Order).where(Order.id == order_id).with_for_update()
    ).one_or_none()
    if order is None:
        raise OrderError(f"Order {order_id} does not exist.")
    return order


def send_for_payment(
    session: Session, order_id: int, staff_id: int | None, *, now: datetime | None = None
) -> Order:
    """Fix what the customer will pay and hold its stock: a draft (or an expired request sent
    again) becomes `awaiting_payment` until `hold_expires_at` (the store's hold time).

    The lines' prices are those the cart showed; the delivery fee is fixed from the store's rule
    now (a later change of the rule does not touch this order). Raises `stock.OutOfStock` when
    a line cannot be held; the caller then rolls back.
    """
    now = now or utcnow()
    order = lock_order(session, order_id)
    if order.status not in ("draft", "expired"):
        raise OrderError(f"Order {order.id} is {order.status}; it cannot be sent for payment.")
    if not order.lines:
        raise OrderError("An order needs at least one product.")
    rules = rules_for(session, order.store_id)
    order.subtotal = sum(line.unit_price * line.quantity for line in order.lines)
    order.delivery_fee_quote = delivery_fee(rules, order.subtotal)
    _price_fulfilment(order)
    touched = stock.hold(session, order)
    order.status, order.requested_at = "awaiting_payment", now
    order.hold_expires_at = now + timedelta(minutes=rules.hold_minutes)
    if staff_id is not None:
        credit(session, order, staff_id)
    effects = after_commit(session)
    effects.stock += stock.stock_changes(session, touched)
    if order.consultation_id is not None:
        effects.calls.add(order.consultation_id)
    session.flush()
    return order


def _price_fulfilment(order: Order) -> None:
    fee = order.delivery_fee_quote if order.fulfilment == "delivery" else 0
    order.delivery_fee = fee or 0
    order.total = order.subtotal + order.delivery_fee
    if order.total > MAX_TOTAL:
        raise OrderError("The order total is larger than a single card payment allows.")


def choose_fulfilment(session: Session, order_id: int, choice: dict[str, object]) -> Order:
    """Record pickup or delivery (already checked by `fulfilment.py`) and fix the total."""
    order = lock_order(session, order_id)
    if order.status != "awaiting_payment":
        raise OrderError(f"Order {order.id} is {order.status}; it cannot be changed.")
    kind = choice.get("kind")
    if kind == "delivery" and order.delivery_fee_quote is None:
        raise OrderError("This store does not deliver.")
    if kind not in ("pickup", "delivery"):
        raise OrderError("Choose pickup or delivery.")
    order.fulfilment = str(kind)
    order.pickup_store_id = int(str(choice["store_id"])) if kind == "pickup" else None
    address = choice.get("address")
    order.delivery_address = (
        dict(address) if kind == "delivery" and isinstance(address, dict) else None
    )  # type: ignore[arg-type]
    order.customer_name = str(choice.get("name", ""))[:120]
    order.customer_email = str(choice.get("email", ""))[:254]
    _price_fulfilment(order)
    if order.consultation_id is not None:
        after_commit(session).calls.add(order.consultation_id)
    session.flush()
    return order


def keep_hold_for_payment(session: Session, order: Order, *, now: datetime | None = None) -> None:
    """The customer pressed "pay": the request must not expire under a payment in progress."""
    now = now or utcnow()
    if order.status != "awaiting_payment" or order.hold_expires_at is None:
        raise OrderError(f"Order {order.id} is {order.status}; it cannot be paid now.")
    if order.hold_expires_at <= now:
        raise OrderError(f"The payment request for order {order.id} has expired.")
    order.hold_expires_at = max(order.hold_expires_at, now + PAYMENT_GRACE)


def request_payment(
    session: Session, order_id: int, gateway: PaymentGateway
) -> PaymentIntentResult:
    """The PaymentIntent for exactly the order's total, fixed when it was sent for payment.

    Calling it again while a payment for the same amount is open returns that same intent (no
    second charge). An open intent for another amount (the customer changed pickup to delivery)
    is cancelled first. A new attempt gets a new idempotency key
    `order-<id>-<created µs>-attempt-<n>`; a retry of the same attempt (after a timeout, or two
    clicks racing) reuses the key, so the gateway returns the intent it already made, and the
    database keeps one row for it (its reference is unique: the racing transaction fails with
    IntegrityError and its retry finds the row).
    """
    order = lock_order(session, order_id)
    if order.status != "awaiting_payment":
        raise OrderError(f"Order {order_id} is {order.status}; it cannot be paid now.")
    if order.total <= 0:
        raise OrderError("There is nothing to pay on this order.")

    payments = list(
        session.scalars(select(Payment).where(Payment.order_id == order.id).order_by(Payment.id))
    )
    for payment in payments:
        if payment.status != "pending":
            continue
        existing = gateway.retrieve_payment(payment.provider_ref)
        if existing.status == "canceled":
            payment.status = "canceled"
            continue
        if existing.status in ("succeeded", "processing", "requires_capture"):
            raise PaymentInProgress("A payment for this order is already being processed.")
        if payment.amount != order.total or payment.currency != order.currency:
            if existing.status not in REPLACEABLE:
                raise OrderError("A payment for a different amount is still open on this order.")
            gateway.cancel_payment(payment.provider_ref)
            payment.status = "canceled"
            continue
        return existing

    attempt = len(payments) + 1
    # The creation time keeps keys distinct if order ids restart (a reset database, or several
    # databases on one Stripe account); Stripe remembers keys for 24 hours.
    created = int(order.created_at.timestamp() * 1_000_000)
    result = gateway.create_payment(
        order_id=order.id,
        amount=order.total,
        currency=order.currency,
        idempotency_key=f"order-{order.id}-{created}-attempt-{attempt}",
        description=f"Order {order.id}",
    )
    if result.amount != order.total or result.currency.upper() != order.currency:
        raise OrderError("The payment provider answered with a different amount or currency.")
    order.payments.append(
        Payment(
            provider="stripe",
            provider_ref=result.provider_ref,
            amount=order.total,
            currency=order.currency,
            status="pending",
        )
    )
    session.flush()
    return result


def _lock_payment_and_order(session: Session, provider_ref: str) -> tuple[Payment, Order]:
    """Row-lock the order, then its payment (the order first, as request_payment does)."""
    order_id = session.scalar(select(Payment.order_id).where(Payment.provider_ref == provider_ref))
    if order_id is None:
        raise UnknownPaymentError(f"No payment with reference {provider_ref}.")
    order = session.scalars(select(Order).where(Order.id == order_id).with_for_update()).one()
    payment = session.scalars(
        select(Payment).where(Payment.provider_ref == provider_ref).with_for_update()
    ).one()
    return payment, order


def mark_paid(session: Session, provider_ref: str, amount: int, currency: str) -> Order:
    """Record a successful payment; the order becomes `paid` once, and its stock is taken.

    Only when `amount` and `currency` equal what this payment asked for (and the order's total).
    Applying the same success twice changes nothing. A request that expired while the customer
    was paying is still a sale (the money is real): its stock is taken if it is there, and what
    is not is counted in `stock_short`. A success for a cancelled order, or for an order another
    attempt already paid, marks the payment succeeded, leaves the order alone and is logged for
    a refund.
    """
    payment, order = _lock_payment_and_order(session, provider_ref)
    currency = currency.upper()
    if payment.status == "succeeded":
        return order
    if (
        amount != payment.amount
        or currency != payment.currency.upper()
        or amount != order.total
        or currency != order.currency.upper()
    ):
        log.error(
            "payment %s for order %s: received %s %s, expected %s %s; order not marked paid",
            provider_ref, order.id, amount, currency, payment.amount, payment.currency,
        )  # fmt: skip
        raise PaymentMismatchError(
            f"Payment {provider_ref} was for {amount} {currency}, "
            f"but order {order.id} asked for {payment.amount} {payment.currency}."
        )
    payment.status, payment.failure_code = "succeeded", None
    effects = after_commit(session)
    if order.status in ("awaiting_payment", "expired"):
        order.status = "paid"
        order.paid_at = utcnow()
        if order.fulfilment == "pickup":
            hours = rules_for(session, order.pickup_store_id or order.store_id).pickup_ready_hours
            order.ready_at = order.paid_at + timedelta(hours=hours)
        effects.stock += stock.stock_changes(session, stock.take(session, order))
        effects.receipts.add(order.id)
    else:
        log.error(
            "payment %s succeeded for order %s which is %s: needs a refund",
            provider_ref, order.id, order.status,
        )  # fmt: skip
    if order.consultation_id is not None:
        effects.calls.add(order.consultation_id)
    session.flush()
    return order


def mark_payment_failed(session: Session, provider_ref: str, code: str | None = None) -> Order:
    """Record a failed attempt (and why); the order stays payable so the customer can retry.

    A failure reported after the payment already succeeded (events can arrive out of order)
    changes nothing.
    """
    payment, order = _lock_payment_and_order(session, provider_ref)
    if payment.status == "pending":
        payment.status = "failed"
        payment.failure_code = (code or "card_declined")[:64]
        if order.consultation_id is not None:
            after_commit(session).calls.add(order.consultation_id)
        session.flush()
    return order


def cancel_request(session: Session, order_id: int) -> Order:
    """Staff withdraw a payment request: its stock is released; a paid order is not touched."""
    order = lock_order(session, order_id)
    if order.status not in ("awaiting_payment", "expired"):
        raise OrderError(f"Order {order.id} is {order.status}; it cannot be cancelled.")
    order.status = "cancelled"
    effects = after_commit(session)
    effects.stock += stock.stock_changes(session, stock.release(session, order))
    if order.consultation_id is not None:
        effects.calls.add(order.consultation_id)
    session.flush()
    return order

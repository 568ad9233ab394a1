"""Refunds: asked for by a supervisor (or staff, where the store allows), settled by the payment
provider's signed webhook.

Three steps, each its own transaction:
1. `request_refund` checks who asks and what (whole lines, some units of a line, or an amount,
   with a reason) and stores a `pending` refund. Pending refunds count against what is left to
   refund, so a double click cannot give back twice.
2. `send_refund` asks the gateway, with the idempotency key `refund-<order>-<refund>-<created>`:
   a retry after a timeout gets the same refund, never a second one. Our refund id travels in
   the provider's metadata.
3. `apply_refund` (from `refund.created|updated|failed` and `charge.refunded` events) moves the
   refund to its final state once; only a succeeded refund adds to the order's `refunded_total`
   and puts units back in stock when asked to. A refund made at the provider's dashboard arrives
   the same way and is recorded with the reason "made at the payment provider".
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from consult.commerce import stock
from consult.commerce.effects import after_commit
from consult.commerce.models import Refund, RefundLine
from consult.commerce.payments import PaymentGateway, RefundResult
from consult.commerce.rules import rules_for
from consult.models import Order, OrderLine, Payment
from showroom.db import utcnow
from showroom.identity import StaffIdentity

log = logging.getLogger(__name__)

MAX_REASON = 500
COUNTING = ("pending", "succeeded")  # refunds that use up what can be refunded
PROVIDER_REASON = "made at the payment provider"
SAME_REQUEST = timedelta(minutes=2)


class RefundError(ValueError):
    """A refund that cannot be made; `key` is the translated reason."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def may_refund(session: Session, who: StaffIdentity, order: Order) -> bool:
    """Supervisors of the order's store may; staff only where the store allows it."""
    if who.store_id != order.store_id:
        return False
    return who.may("supervisor") or rules_for(session, order.store_id).staff_may_refund


def refunded_units(session: Session, order_id: int) -> dict[int, int]:
    """Units of each order line given back or being given back (pending and succeeded)."""
    rows = session.execute(
        select(RefundLine.order_line_id, RefundLine.quantity)
        .join(Refund, Refund.id == RefundLine.refund_id)
        .where(Refund.order_id == order_id, Refund.status.in_(COUNTING))
    )
    units: dict[int, int] = {}
    for line_id, quantity in rows:
        units[line_id] = units.get(line_id, 0) + quantity
    return units


def refundable(session: Session, order: Order) -> int:
    """What can still be refunded: the total less refunds made or under way."""
    used = sum(
        session.scalars(
            select(Refund.amount).where(Refund.order_id == order.id, Refund.status.in_(COUNTING))
        )
    )
    return max(0, order.total - max(used, order.refunded_total))


def _whole(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = str(value).strip().replace(",", "")
    return int(text) if text.isdigit() else None


def request_refund(
    session: Session,
    who: StaffIdentity,
    order_id: int,
    *,
    reason: str,
    lines: Mapping[int, object] | None = None,
    amount: object = None,
    restock: bool = False,
) -> Refund:
    """Store a pending refund of some lines' units (`lines`: {order line id: units}) or of an
    amount; checked against what is left to refund. The caller commits, then `send_refund`."""
    order = session.scalars(
        select(Order).where(Order.id == order_id).with_for_update()
    ).one_or_none()
    if order is None or not may_refund(session, who, order):
        raise RefundError("refund.forbidden")
    if order.status != "paid":
        raise RefundError("refund.not_paid")
    reason = " ".join(reason.split())
    if not reason:
        raise RefundError("refund.reason_required")
    if len(reason) > MAX_REASON:
        raise RefundError("refund.reason_too_long")
    refund = Refund(order_id=order.id, currency=order.currency, reason=reason, status="pending",
                    requested_by=who.staff_id, restock=False)  # fmt: skip
    wanted = {k: _whole(v) for k, v in (lines or {}).items() if str(v).strip() not in ("", "0")}
    by_id: dict[int, OrderLine] = {line.id: line for line in order.lines}
    if wanted:
        total = 0
        for line_id, units in wanted.items():
            line = by_id.get(line_id)
            if line is None:
                raise RefundError("refund.unknown_line")
            if units is None or units <= 0 or units > line.quantity:
                raise RefundError("refund.too_many_units")
            refund.lines.append(RefundLine(order_line_id=line.id, quantity=units,
                                           amount=units * line.unit_price))  # fmt: skip
            total += units * line.unit_price
        refund.amount, refund.restock = total, bool(restock)
    else:
        value = _whole(amount) if amount not in (None, "") else None
        if value is None or value <= 0:
            raise RefundError("refund.amount_invalid")
        refund.amount = value
    same = _just_asked(session, refund)
    if same is not None:
        return same  # the same refund asked twice (a double click): one refund
    already = refunded_units(session, order.id)
    for item in refund.lines:
        if item.quantity > by_id[item.order_line_id].quantity - already.get(item.order_line_id, 0):
            raise RefundError("refund.too_many_units")
    if refund.amount > refundable(session, order):
        raise RefundError("refund.too_much")
    session.add(refund)
    session.flush()
    return refund


def _just_asked(session: Session, refund: Refund) -> Refund | None:
    """A refund with the same amount, lines and reason by the same person in the last minutes."""
    recent = session.scalars(
        select(Refund).where(
            Refund.order_id == refund.order_id,
            Refund.requested_by == refund.requested_by,
            Refund.amount == refund.amount,
            Refund.reason == refund.reason,
            Refund.status.in_(COUNTING),
            Refund.created_at >= utcnow() - SAME_REQUEST,
        )
    )
    wanted = sorted((x.order_line_id, x.quantity) for x in refund.lines)
    for earlier in recent:
        if sorted((x.order_line_id, x.quantity) for x in earlier.lines) == wanted:
            return earlier
    return None


def send_refund(session: Session, refund_id: int, gateway: PaymentGateway) -> RefundResult:
    """Ask the provider for a stored pending refund (again, after a timeout: same key, same
    refund). Raises PaymentError when the provider cannot be reached; the refund stays pending."""
    refund = session.get(Refund, refund_id)
    if refund is None:
        raise RefundError("refund.unknown")
    payment = session.scalar(
        select(Payment).where(Payment.order_id == refund.order_id, Payment.status == "succeeded")
    )
    if payment is None:
        raise RefundError("refund.not_paid")
    created = int(refund.created_at.timestamp() * 1_000_000)
    result = gateway.refund(
        payment.provider_ref,
        refund.amount,
        idempotency_key=f"refund-{refund.order_id}-{refund.id}-{created}",
        metadata={"order_id": str(refund.order_id), "refund_id": str(refund.id)},
        reason=refund.reason,
    )
    if refund.provider_ref is None:
        refund.provider_ref = result.provider_ref
    session.flush()
    return result


def _order_of_payment(session: Session, intent_id: str) -> Order | None:
    order_id = session.scalar(select(Payment.order_id).where(Payment.provider_ref == intent_id))
    if order_id is None:
        return None
    return session.scalars(select(Order).where(Order.id == order_id).with_for_update()).one()


def _find(session: Session, obj: Mapping[str, Any]) -> Refund | None:
    found = session.scalar(select(Refund).where(Refund.provider_ref == str(obj.get("id"))))
    metadata = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    ours = str((metadata or {}).get("refund_id", ""))
    if found is None and ours.isdigit():
        found = session.get(Refund, int(ours))
    return found


def apply_refund(session: Session, obj: Mapping[str, Any]) -> bool:
    """Apply one refund object from a verified event; True if it changed anything."""
    intent_id, amount, status = obj.get("payment_intent"), obj.get("amount"), obj.get("status")
    if not isinstance(amount, int) or not isinstance(status, str):
        log.error("refund event %s without amount or status", obj.get("id"))
        return False
    refund = _find(session, obj)
    order = session.get(Order, refund.order_id) if refund else None
    if order is None and isinstance(intent_id, str):
        order = _order_of_payment(session, intent_id)
    if order is None:
        log.warning("refund %s for a payment we do not know", obj.get("id"))
        return False
    if refund is None:  # made at the provider, not through us
        refund = Refund(order_id=order.id, amount=amount, currency=order.currency,
                        reason=PROVIDER_REASON, status="pending", restock=False)  # fmt: skip
        session.add(refund)
        session.flush()
    if refund.order_id != order.id or refund.amount != amount:
        log.error(
            "refund %s does not match refund %s of order %s", obj.get("id"), refund.id, order.id
        )
        return False
    if refund.provider_ref is None:
        refund.provider_ref = str(obj.get("id"))
    return _settle(session, refund, order, status)


def _settle(session: Session, refund: Refund, order: Order, status: str) -> bool:
    final = {"succeeded": "succeeded", "failed": "failed", "canceled": "canceled"}.get(status)
    if final is None or final == refund.status:
        return False  # still pending at the provider, or already applied
    allowed = ("pending",) if final == "succeeded" else ("pending", "succeeded")
    moved = session.execute(
        update(Refund)
        .where(Refund.id == refund.id, Refund.status.in_(allowed))
        .values(status=final, settled_at=utcnow())
        .returning(Refund.status)
    ).first()
    if moved is None:
        return False
    was_succeeded = refund.status == "succeeded"
    session.refresh(refund)
    effects = after_commit(session)
    if final == "succeeded":
        order.refunded_total = min(order.total, order.refunded_total + refund.amount)
        if refund.restock:
            touched: stock.Touched = set()
            for item in refund.lines:
                line = session.get(OrderLine, item.order_line_id)
                if line is not None and line.product_id is not None:
                    touched |= stock.put_back(
                        session, order.store_id, line.product_id, item.quantity
                    )
            effects.stock += stock.stock_changes(session, touched)
    elif was_succeeded:  # a refund can fail after it succeeded (the bank returned it)
        order.refunded_total = max(0, order.refunded_total - refund.amount)
        log.error("refund %s of order %s failed after succeeding", refund.id, order.id)
    if order.consultation_id is not None:
        effects.calls.add(order.consultation_id)
    session.flush()
    return True


def apply_charge_refunded(session: Session, charge: Mapping[str, Any]) -> bool:
    """`charge.refunded`: apply each refund it lists (API versions that still embed them)."""
    refunds = charge.get("refunds")
    listed = refunds.get("data") if isinstance(refunds, dict) else None
    changed = False
    for obj in listed or []:
        if isinstance(obj, dict):
            item = {"payment_intent": charge.get("payment_intent"), **obj}
            changed = apply_refund(session, item) or changed
    return changed


def refunds_of(session: Session, order_id: int) -> list[Refund]:
    return list(
        session.scalars(select(Refund).where(Refund.order_id == order_id).order_by(Refund.id))
    )

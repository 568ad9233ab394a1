"""Who a sale counts for, the staff's and supervisor's order lists, and revenue.

The rule: an order is **credited** to the member of staff who sent its payment request (the one
in charge of the call at that moment; a transfer hands the call, and with it the sale, to the
colleague who then asks for payment). If the call was taken by someone else first and then
transferred, that first member of staff is recorded as **assisted**. Revenue counts once, for
the credited member of staff only; the assisting one sees the order in their list, marked as
assisted. Both are fixed when the request is sent and never change after payment.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from consult.models import Consultation, ConsultationEvent, Order
from showroom.i18n import format_price
from showroom.models import StaffMember

SOLD_STATUSES = ("paid",)
LIST_LIMIT = 200


def credit(session: Session, order: Order, requested_by: int) -> None:
    """Fix who the order counts for when its payment request is sent (see the module's rule)."""
    order.credited_staff_id = requested_by
    order.assisted_staff_id = None
    if order.consultation_id is None:
        return
    first = session.scalar(
        select(ConsultationEvent.staff_id)
        .where(
            ConsultationEvent.consultation_id == order.consultation_id,
            ConsultationEvent.kind == "transferred",
        )
        .order_by(ConsultationEvent.id)
        .limit(1)
    )
    if first is None:  # never transferred: whoever answered is the one asking
        call = session.get(Consultation, order.consultation_id)
        first = call.staff_id if call else None
    if first is not None and first != requested_by:
        order.assisted_staff_id = first


def revenue_net_of_refunds(
    session: Session,
    store_id: int,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    staff_id: int | None = None,
) -> int:
    """Paid orders' totals less what was refunded on them, in the store's minor unit.

    By payment time (`since` <= paid_at < `until`); with `staff_id`, only the orders credited to
    that member of staff. For the supervisor's KPIs and the order lists.
    """
    query = select(func.coalesce(func.sum(Order.total - Order.refunded_total), 0)).where(
        Order.store_id == store_id, Order.status.in_(SOLD_STATUSES)
    )
    if since is not None:
        query = query.where(Order.paid_at >= since)
    if until is not None:
        query = query.where(Order.paid_at < until)
    if staff_id is not None:
        query = query.where(Order.credited_staff_id == staff_id)
    return int(session.scalar(query) or 0)


def paid_orders_count(session: Session, store_id: int, *, staff_id: int | None = None) -> int:
    query = select(func.count(Order.id)).where(
        Order.store_id == store_id, Order.status.in_(SOLD_STATUSES)
    )
    if staff_id is not None:
        query = query.where(Order.credited_staff_id == staff_id)
    return int(session.scalar(query) or 0)


def orders_for(
    session: Session, store_id: int, *, staff_id: int | None = None, limit: int = LIST_LIMIT
) -> list[Order]:
    """Orders sent for payment in a store, newest first; with `staff_id`, those credited to or
    assisted by that member of staff (drafts, i.e. carts, are not orders yet)."""
    query = select(Order).where(Order.store_id == store_id, Order.status != "draft")
    if staff_id is not None:
        query = query.where(
            or_(Order.credited_staff_id == staff_id, Order.assisted_staff_id == staff_id)
        )
    return list(session.scalars(query.order_by(Order.id.desc()).limit(limit)))


def credit_role(order: Order, staff_id: int) -> str:
    """How an order counts for one member of staff: 'credited', 'assisted' or ''."""
    if order.credited_staff_id == staff_id:
        return "credited"
    return "assisted" if order.assisted_staff_id == staff_id else ""


def refund_state(order: Order) -> str:
    """'refunded' (all of it), 'partly_refunded', or '' (nothing refunded)."""
    if order.refunded_total <= 0:
        return ""
    return "refunded" if order.refunded_total >= order.total else "partly_refunded"


def order_rows(
    session: Session, orders: list[Order], *, viewer_id: int, timezone: str = "Asia/Tokyo"
) -> list[dict[str, str]]:
    """The order lists' rows: number, when, customer, total, status, who it is credited to."""
    ids = {o.credited_staff_id for o in orders} | {o.assisted_staff_id for o in orders}
    names = dict(
        session.execute(
            select(StaffMember.id, StaffMember.display_name).where(
                StaffMember.id.in_([i for i in ids if i is not None])
            )
        ).all()
    )
    zone = ZoneInfo(timezone)
    return [
        {
            "id": str(order.id),
            "when": (order.requested_at or order.created_at)
            .astimezone(zone)
            .strftime("%Y-%m-%d %H:%M"),
            "customer": order.customer_name,
            "total": format_price(order.total, order.currency),
            "status": order.status,
            "refund": refund_state(order),
            "credited": names.get(order.credited_staff_id or 0, ""),
            "assisted": names.get(order.assisted_staff_id or 0, ""),
            "mine": credit_role(order, viewer_id),
            "short": str(order.stock_short) if order.stock_short else "",
        }
        for order in orders
    ]

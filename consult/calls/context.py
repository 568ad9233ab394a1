"""What staff see of a customer during a call: who (if booked), their answers, what led them
to call, what they looked at in the tour, and their past calls and orders with this store."""

from __future__ import annotations

import math
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from consult.booking.staff_schedule import answers_shown
from consult.models import Booking, Consultation, Order
from showroom.i18n import format_price
from showroom.models import Product, Scene, StaffMember, Store
from showroom.tours.analytics import visitor_context
from showroom.tours.scenes import localised

PAST_LIMIT = 10


def _view_text(session: Session, store_id: int, view: dict[str, object] | None, lang: str) -> str:
    """The tour view the call came from: the scene's name and where the customer was facing."""
    view = view or {}
    slug = view.get("scene")
    if not isinstance(slug, str):
        return ""
    scene = session.scalar(select(Scene).where(Scene.store_id == store_id, Scene.slug == slug))
    name = localised(scene, "name", lang) if scene else slug
    yaw = view.get("yaw")
    if isinstance(yaw, int | float) and math.isfinite(yaw):
        return f"{name} ({round(math.degrees(yaw)) % 360}°)"
    return name


def _past(session: Session, call: Consultation, zone: ZoneInfo) -> list[dict[str, str]]:
    """Earlier calls of the same visitor or email address with this store."""
    who = []
    if call.visitor_id:
        who.append(Consultation.visitor_id == call.visitor_id)
    if call.customer_email:
        who.append(Consultation.customer_email == call.customer_email)
    if not who:
        return []
    rows = session.scalars(
        select(Consultation)
        .where(Consultation.store_id == call.store_id, Consultation.id != call.id, or_(*who))
        .order_by(Consultation.created_at.desc())
        .limit(PAST_LIMIT)
    ).all()
    past = []
    for row in rows:
        staff = session.get(StaffMember, row.staff_id) if row.staff_id else None
        past.append(
            {
                "id": str(row.id),
                "when": f"{row.created_at.astimezone(zone):%Y-%m-%d %H:%M}",
                "staff": staff.display_name if staff else "",
                "outcome": row.outcome or row.end_reason or row.status,
            }
        )
    return past


def _orders(session: Session, call_ids: list[int], zone: ZoneInfo) -> list[dict[str, str]]:
    if not call_ids:
        return []
    orders = session.scalars(
        select(Order)
        .where(Order.consultation_id.in_(call_ids), Order.status != "draft")
        .order_by(Order.created_at.desc())
        .limit(PAST_LIMIT)
    ).all()
    return [
        {
            "id": str(o.id),
            "when": f"{o.created_at.astimezone(zone):%Y-%m-%d}",
            "total": format_price(o.total, o.currency),
            "status": o.status,
        }
        for o in orders
    ]


def call_context(session: Session, consultation_id: int, lang: str) -> dict[str, Any]:
    call = session.get(Consultation, consultation_id)
    if call is None:
        raise LookupError(f"consultation {consultation_id}")
    store = session.get(Store, call.store_id)
    zone = ZoneInfo(store.timezone if store else "UTC")
    booking = session.get(Booking, call.booking_id) if call.booking_id else None
    product_id = call.product_id or (booking.product_id if booking else None)
    product = session.get(Product, product_id) if product_id else None
    visit = (
        visitor_context(session, call.visitor_id, call.store_id, lang)
        if call.visitor_id
        else {"products": [], "scenes": []}
    )
    past = _past(session, call, zone)
    return {
        "name": call.customer_name or (booking.customer_name if booking else ""),
        "email": call.customer_email or (booking.customer_email if booking else ""),
        "language": call.language,
        "answers": answers_shown(session, booking, lang) if booking else [],
        "product": localised(product, "name", lang) if product else "",
        "view": _view_text(
            session, call.store_id, call.tour_view or (booking.tour_view if booking else None), lang
        ),
        "viewed": visit["products"],
        "scenes": " · ".join(visit["scenes"]),
        "past": past,
        "orders": _orders(session, [int(p["id"]) for p in past], zone),
    }

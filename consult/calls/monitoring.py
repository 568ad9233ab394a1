"""The supervisor's live board: staff, calls in progress and the day's paid orders."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from consult.commerce.crediting import paid_orders_count, revenue_net_of_refunds
from consult.models import Consultation
from showroom.db import utcnow
from showroom.i18n import format_price
from showroom.models import StaffMember, Store


def board(session: Session, store_id: int) -> dict[str, Any]:
    store = session.get(Store, store_id)
    currency = store.currency if store else "JPY"
    staff = session.scalars(
        select(StaffMember).where(StaffMember.store_id == store_id).order_by(StaffMember.id)
    ).all()
    in_call = set(
        session.scalars(
            select(Consultation.staff_id).where(
                Consultation.store_id == store_id, Consultation.status == "active"
            )
        )
    )
    calls = session.scalars(
        select(Consultation)
        .where(Consultation.store_id == store_id, Consultation.status != "ended")
        .order_by(Consultation.created_at)
    ).all()
    now = utcnow()
    paid_count = paid_orders_count(session, store_id)
    revenue = revenue_net_of_refunds(session, store_id)
    return {
        "staff": [{"name": m.display_name, "role": m.role, "busy": m.id in in_call} for m in staff],
        "calls": [
            {
                "id": c.id,
                "status": c.status,
                "minutes": int((now - (c.started_at or c.created_at)).total_seconds() // 60),
            }
            for c in calls
        ],
        "paid_orders": int(paid_count),
        "revenue": format_price(int(revenue), currency),
    }

"""After a call: the staff member's outcome and notes, and the call's summary."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from consult.calls.in_charge import staff_in_charge
from consult.models import ChatMessage, Consultation, Order
from showroom.db import utcnow
from showroom.i18n import format_price
from showroom.models import Product, StaffMember, Store
from showroom.tours.scenes import localised

OUTCOMES = ("sold", "follow_up", "no_interest")
MAX_NOTES = 5000


class WrapUpError(ValueError):
    """A wrap-up that cannot be saved; `key` is the translated reason."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _staff_call(session: Session, consultation_id: int, staff_id: int) -> Consultation:
    return staff_in_charge(session, consultation_id, staff_id)


def save_notes(session: Session, consultation_id: int, staff_id: int, notes: str) -> None:
    """Private notes, saved while they are typed (during or after the call)."""
    if len(notes) > MAX_NOTES:
        raise WrapUpError("wrap_up.notes_too_long")
    _staff_call(session, consultation_id, staff_id).notes = notes


def save_wrap_up(
    session: Session, consultation_id: int, staff_id: int, outcome: str, notes: str
) -> None:
    if outcome not in OUTCOMES:
        raise WrapUpError("wrap_up.choose_outcome")
    if len(notes) > MAX_NOTES:
        raise WrapUpError("wrap_up.notes_too_long")
    call = _staff_call(session, consultation_id, staff_id)
    if call.status != "ended":
        raise WrapUpError("wrap_up.not_ended")
    call.outcome, call.notes = outcome, notes


def duration_s(call: Consultation, now: datetime | None = None) -> int:
    if call.started_at is None:
        return 0
    end = call.ended_at or now or utcnow()
    return max(0, int((end - call.started_at).total_seconds()))


def summary(session: Session, consultation_id: int, lang: str) -> dict[str, Any]:
    """Duration, products shown, the chat transcript and the call's orders."""
    call = session.get(Consultation, consultation_id)
    if call is None:
        raise LookupError(f"consultation {consultation_id}")
    store = session.get(Store, call.store_id)
    zone = ZoneInfo(store.timezone if store else "UTC")
    messages = session.scalars(
        select(ChatMessage)
        .where(ChatMessage.consultation_id == consultation_id)
        .order_by(ChatMessage.id)
    ).all()
    shown: list[str] = []
    transcript = []
    for m in messages:
        if m.kind == "product":
            product = session.get(Product, int(str((m.payload or {}).get("product_id", 0))))
            name = localised(product, "name", lang) if product else m.body
            if name not in shown:
                shown.append(name)
            continue
        if m.kind in ("text",):
            staff = session.get(StaffMember, m.staff_id) if m.staff_id else None
            transcript.append(
                {
                    "at": f"{m.created_at.astimezone(zone):%H:%M}",
                    "sender": m.sender,
                    "who": staff.display_name if staff else "",
                    "body": m.body,
                }
            )
    orders = session.scalars(
        select(Order).where(Order.consultation_id == consultation_id).order_by(Order.id)
    ).all()
    seconds = duration_s(call)
    return {
        "duration": f"{seconds // 60}:{seconds % 60:02d}",
        "duration_s": seconds,
        "products": shown,
        "transcript": transcript,
        "orders": [
            {"id": str(o.id), "status": o.status, "total": format_price(o.total, o.currency)}
            for o in orders
        ],
        "outcome": call.outcome or "",
        "notes": call.notes,
    }

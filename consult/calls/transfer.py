"""Handing a live call to an available colleague, with a short note, without the customer
rejoining: the consultation (and the customer's link) stays; only its member of staff changes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import desc, select
from sqlalchemy.orm import Session

from consult.calls.events import record_event
from consult.calls.presence import available_staff
from consult.models import Consultation, ConsultationEvent
from showroom.models import StaffMember

MAX_NOTE = 500


class TransferError(ValueError):
    """A transfer that cannot happen; `key` is the translated reason."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def colleagues(
    session: Session, store_id: int, staff_id: int, *, now: datetime | None = None
) -> list[dict[str, str]]:
    """Who a call can go to now: available, not in a call, not oneself."""
    return [
        {"id": str(m.id), "name": m.display_name}
        for m in available_staff(session, store_id, now=now, free_only=True)
        if m.id != staff_id
    ]


def transfer(
    session: Session,
    consultation_id: int,
    from_staff_id: int,
    to_staff_id: int,
    note: str = "",
    *,
    now: datetime | None = None,
) -> ConsultationEvent:
    """Move the call to `to_staff_id`; the stored event is the chat's system line."""
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise TransferError("transfer.note_too_long")
    if to_staff_id == from_staff_id:
        raise TransferError("transfer.to_self")
    call = session.scalars(
        select(Consultation).where(Consultation.id == consultation_id).with_for_update()
    ).one_or_none()
    if call is None or call.status != "active" or call.staff_id != from_staff_id:
        raise TransferError("transfer.not_yours")
    target = session.get(StaffMember, to_staff_id)
    free = {m.id for m in available_staff(session, call.store_id, now=now, free_only=True)}
    if target is None or target.store_id != call.store_id or target.id not in free:
        raise TransferError("transfer.unavailable")
    call.staff_id = target.id
    return record_event(
        session, call.id, "transferred", role="staff", staff_id=from_staff_id,
        to_staff_id=target.id, to_name=target.display_name, note=note,
    )  # fmt: skip


def handed_over(session: Session, consultation_id: int) -> dict[str, Any] | None:
    """The last transfer of a call: who from, and their note (for the colleague taking it)."""
    event = session.scalars(
        select(ConsultationEvent)
        .where(
            ConsultationEvent.consultation_id == consultation_id,
            ConsultationEvent.kind == "transferred",
        )
        .order_by(desc(ConsultationEvent.id))
        .limit(1)
    ).first()
    if event is None:
        return None
    sender = session.get(StaffMember, event.staff_id or 0)
    return {
        "from": sender.display_name if sender else "",
        "note": str(event.detail.get("note", "")),
        "to_staff_id": int(str(event.detail.get("to_staff_id", 0))),
    }


def my_calls(session: Session, staff_id: int, store_id: int) -> list[dict[str, Any]]:
    """Live calls that are this staff member's (e.g. handed over by a colleague), with notes."""
    calls = session.scalars(
        select(Consultation)
        .where(
            Consultation.store_id == store_id,
            Consultation.staff_id == staff_id,
            Consultation.status == "active",
        )
        .order_by(Consultation.started_at)
    ).all()
    rows = []
    for call in calls:
        handover = handed_over(session, call.id)
        mine = handover is not None and handover["to_staff_id"] == staff_id
        rows.append(
            {
                "id": call.id,
                "name": call.customer_name,
                "from": handover["from"] if handover and mine else "",
                "note": handover["note"] if handover and mine else "",
            }
        )
    return rows

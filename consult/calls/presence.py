"""Staff presence: available (takes walk-in calls), away, or offline (no open staff page).

A staff page touches `presence_at` while it is open; a presence older than STALE_AFTER reads
as offline, so a closed laptop never leaves anybody "available".
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from consult.calls.events import record_event
from consult.models import Consultation
from showroom.db import utcnow
from showroom.models import StaffMember

CHOICES = ("available", "away")
STALE_AFTER = timedelta(seconds=90)


class PresenceError(ValueError):
    """A presence nobody can choose; `key` is the translated reason."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def effective(member: StaffMember, now: datetime | None = None) -> str:
    """What the member's presence is now: 'offline' once their page stopped saying otherwise."""
    now = now or utcnow()
    if member.presence == "offline" or member.presence_at is None:
        return "offline"
    if now - member.presence_at > STALE_AFTER:
        return "offline"
    return member.presence


def set_presence(
    session: Session, staff_id: int, presence: str, *, now: datetime | None = None
) -> list[int]:
    """Choose available or away; going away hands the calls waiting for this member of staff
    to the store's queue. Returns the ids of the calls moved."""
    if presence not in CHOICES:
        raise PresenceError("presence.unknown")
    member = session.get(StaffMember, staff_id)
    if member is None or not member.active:
        raise LookupError(f"staff member {staff_id}")
    member.presence, member.presence_at = presence, now or utcnow()
    session.flush()
    return release_waiting(session, staff_id) if presence == "away" else []


def heartbeat(session: Session, staff_id: int, *, now: datetime | None = None) -> str:
    """The staff page is still open: keep the chosen presence fresh. Returns it."""
    member = session.get(StaffMember, staff_id)
    if member is None:
        raise LookupError(f"staff member {staff_id}")
    if member.presence != "offline":
        member.presence_at = now or utcnow()
    return member.presence


def release_waiting(session: Session, staff_id: int) -> list[int]:
    """Walk-in calls waiting for this member of staff join the store's queue (keeping their
    place: the queue is ordered by when they called). Each move is stored as an event."""
    calls = session.scalars(
        select(Consultation)
        .where(
            Consultation.requested_staff_id == staff_id,
            Consultation.status == "waiting",
            Consultation.booking_id.is_(None),
        )
        .with_for_update()
    ).all()
    for call in calls:
        call.requested_staff_id = None
        record_event(session, call.id, "requeued", role="customer", from_staff_id=staff_id)
    session.flush()
    return [c.id for c in calls]


def in_call_ids(session: Session, store_id: int) -> set[int]:
    return {
        i
        for i in session.scalars(
            select(Consultation.staff_id).where(
                Consultation.store_id == store_id, Consultation.status == "active"
            )
        )
        if i is not None
    }


def board(session: Session, store_id: int, *, now: datetime | None = None) -> list[dict[str, str]]:
    """Each member of staff with what they are doing now: offline, available, in_call, away."""
    now = now or utcnow()
    busy = in_call_ids(session, store_id)
    members = session.scalars(
        select(StaffMember)
        .where(StaffMember.store_id == store_id, StaffMember.active.is_(True))
        .order_by(StaffMember.id)
    )
    return [
        {
            "id": str(m.id),
            "name": m.display_name,
            "role": m.role,
            "presence": "in_call" if m.id in busy else effective(m, now),
        }
        for m in members
    ]


def available_staff(
    session: Session, store_id: int, *, now: datetime | None = None, free_only: bool = False
) -> list[StaffMember]:
    """Staff who take walk-in calls now (optionally: and are not in a call)."""
    now = now or utcnow()
    busy = in_call_ids(session, store_id) if free_only else set()
    members = session.scalars(
        select(StaffMember)
        .where(
            StaffMember.store_id == store_id,
            StaffMember.active.is_(True),
            StaffMember.presence == "available",
        )
        .order_by(StaffMember.id)
    )
    return [m for m in members if effective(m, now) == "available" and m.id not in busy]

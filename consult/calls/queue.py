"""The walk-in queue: a customer's place and estimated wait, what staff see, and accepting.

Estimated wait: the average handling time of the store's last RECENT_CALLS finished calls
(DEFAULT_HANDLING when there are none yet), times the rounds of calls ahead of the customer
that the available staff must take first. Nobody available: no estimate.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from consult.calls.consultations import JOIN_EARLY, clean_text
from consult.calls.events import events_of, record_event
from consult.calls.presence import available_staff, effective, in_call_ids, release_waiting
from consult.models import Booking, ChatMessage, Consultation
from showroom.db import utcnow
from showroom.models import Product, Scene, StaffMember
from showroom.tours.analytics import visitor_context
from showroom.tours.scenes import localised

DEFAULT_HANDLING = timedelta(minutes=5)
RECENT_CALLS = 20
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_EMAIL = 254


class QueueError(ValueError):
    """A queue action that cannot be done; `key` is the translated reason."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


@dataclass(frozen=True)
class Place:
    """Where a waiting customer stands. position 0: not waiting any more."""

    status: str
    position: int
    waited_s: int
    estimate_s: int | None  # None: nobody is available to estimate from
    requested_staff: str  # the name of the member of staff they wait for; "" for anyone
    moved: bool  # the staff member they waited for went away; now in the store's queue
    unanswered: bool  # waited longer than the store's answer time


def handling_time(session: Session, store_id: int) -> timedelta:
    rows = session.execute(
        select(Consultation.started_at, Consultation.ended_at)
        .where(
            Consultation.store_id == store_id,
            Consultation.started_at.is_not(None),
            Consultation.ended_at.is_not(None),
        )
        .order_by(Consultation.ended_at.desc())
        .limit(RECENT_CALLS)
    ).all()
    spans = [(end - start) for start, end in rows if start and end and end > start]
    if not spans:
        return DEFAULT_HANDLING
    return sum(spans, timedelta()) / len(spans)


def waiting_calls(session: Session, store_id: int) -> list[Consultation]:
    """Walk-in calls nobody has taken yet, first come first served."""
    return list(
        session.scalars(
            select(Consultation)
            .where(
                Consultation.store_id == store_id,
                Consultation.status == "waiting",
                Consultation.booking_id.is_(None),
            )
            .order_by(Consultation.created_at, Consultation.id)
        )
    )


def _release_if_gone(session: Session, call: Consultation, now: datetime) -> None:
    """A call waiting for someone who is away or offline moves to the store's queue."""
    if call.requested_staff_id is None:
        return
    member = session.get(StaffMember, call.requested_staff_id)
    if member is not None and member.id in _busy(session, call.store_id):
        return  # in a call (their page is the call's): still there, just busy
    if member is None or effective(member, now) != "available":
        release_waiting(session, call.requested_staff_id)


def staff_to_call(
    session: Session, store_id: int, now: datetime | None = None
) -> list[dict[str, Any]]:
    """Who a caller may ask for by name: this store's staff taking calls now, free first."""
    busy = _busy(session, store_id)
    members = available_staff(session, store_id, now=now)
    return sorted(
        ({"id": str(m.id), "name": m.display_name, "busy": m.id in busy} for m in members),
        key=lambda m: (m["busy"], m["name"]),
    )


def requested_staff(session: Session, store_id: int, raw_id: str) -> int | None:
    """The member of staff a caller asked for, if they work in this store; else anyone.

    One who went away since the caller chose them is fine: the queue moves the call to the
    store's line and tells the caller (see `place_in_queue`).
    """
    if not raw_id.isdigit():
        return None
    member = session.get(StaffMember, int(raw_id))
    if member is None or member.store_id != store_id or not member.active:
        return None
    return member.id


def place_in_queue(
    session: Session, consultation_id: int, *, answer_within_s: int, now: datetime | None = None
) -> Place:
    now = now or utcnow()
    call = session.get(Consultation, consultation_id)
    if call is None:
        raise LookupError(f"consultation {consultation_id}")
    waited = int((now - call.created_at).total_seconds())
    moved = any(e.kind == "requeued" for e in events_of(session, call.id))
    if call.status != "waiting" or call.booking_id is not None:
        return Place(call.status, 0, waited, None, "", moved, False)
    _release_if_gone(session, call, now)
    moved = moved or any(e.kind == "requeued" for e in events_of(session, call.id))
    line = [
        c for c in waiting_calls(session, call.store_id)
        if c.requested_staff_id == call.requested_staff_id
    ]  # fmt: skip
    position = next(i for i, c in enumerate(line, 1) if c.id == call.id)
    requested = session.get(StaffMember, call.requested_staff_id or 0)
    if requested is not None:
        servers, free = 1, int(requested.id not in _busy(session, call.store_id))
    else:
        servers = len(available_staff(session, call.store_id, now=now))
        free = len(available_staff(session, call.store_id, now=now, free_only=True))
    estimate: int | None = None
    if servers:
        rounds = math.ceil(max(0, position - free) / servers)
        estimate = int(rounds * handling_time(session, call.store_id).total_seconds())
    return Place(
        call.status,
        position,
        waited,
        estimate,
        requested.display_name if requested else "",
        moved,
        waited >= answer_within_s,
    )


def _busy(session: Session, store_id: int) -> set[int]:
    return in_call_ids(session, store_id)


def accept(
    session: Session,
    consultation_id: int,
    staff_id: int,
    store_id: int,
    *,
    now: datetime | None = None,
) -> Consultation:
    """Take a waiting call. One conditional UPDATE decides: of two staff pressing "accept"
    at once, exactly one wins; the other gets QueueError("queue.taken")."""
    now = now or utcnow()
    taken = session.execute(
        update(Consultation)
        .where(
            Consultation.id == consultation_id,
            Consultation.store_id == store_id,
            Consultation.status == "waiting",
            or_(Consultation.staff_id.is_(None), Consultation.staff_id == staff_id),
            or_(
                Consultation.requested_staff_id.is_(None),
                Consultation.requested_staff_id == staff_id,
            ),
        )
        .values(status="active", staff_id=staff_id, started_at=now)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        raise QueueError("queue.taken")
    call = session.get(Consultation, consultation_id)
    assert call is not None
    session.refresh(call)
    record_event(session, consultation_id, "accepted", role="staff", staff_id=staff_id)
    return call


def join_as_staff(
    session: Session, consultation_id: int, staff_id: int, store_id: int
) -> Consultation:
    """Open a call as staff: a waiting call is accepted (only one member of staff wins)."""
    consultation = session.get(Consultation, consultation_id)
    if consultation is None or consultation.store_id != store_id:
        raise LookupError(f"consultation {consultation_id}")
    if consultation.status == "waiting":
        try:
            return accept(session, consultation_id, staff_id, store_id)
        except QueueError as error:
            raise PermissionError("another member of staff has this call") from error
    if consultation.staff_id not in (None, staff_id):
        raise PermissionError("another member of staff has this call")
    return consultation


def _minutes(seconds: int) -> int:
    return max(0, seconds) // 60


def _scene_name(session: Session, store_id: int, view: dict[str, object] | None, lang: str) -> str:
    slug = (view or {}).get("scene")
    if not isinstance(slug, str):
        return ""
    scene = session.scalar(select(Scene).where(Scene.store_id == store_id, Scene.slug == slug))
    return localised(scene, "name", lang) if scene else ""


def queue_for_staff(
    session: Session, staff_id: int, store_id: int, lang: str, *, now: datetime | None = None
) -> list[dict[str, Any]]:
    """What a member of staff sees of the queue: walk-ins for anyone or for them, and their
    booked customers waiting in the call, each with what they were looking at."""
    now = now or utcnow()
    calls = session.scalars(
        select(Consultation)
        .where(
            Consultation.store_id == store_id,
            Consultation.status == "waiting",
            or_(
                Consultation.booking_id.is_(None)
                & or_(
                    Consultation.requested_staff_id.is_(None),
                    Consultation.requested_staff_id == staff_id,
                ),
                Consultation.staff_id == staff_id,
            ),
        )
        .order_by(Consultation.created_at, Consultation.id)
    ).all()
    rows = []
    for call in calls:
        product = session.get(Product, call.product_id) if call.product_id else None
        context = (
            visitor_context(session, call.visitor_id, store_id, lang)
            if call.visitor_id
            else {"products": [], "scenes": []}
        )
        rows.append(
            {
                "id": call.id,
                "name": call.customer_name,
                "language": call.language,
                "waited_min": _minutes(int((now - call.created_at).total_seconds())),
                "for_me": call.requested_staff_id == staff_id,
                "booked": call.booking_id is not None,
                "product": localised(product, "name", lang) if product else "",
                "scene": _scene_name(session, store_id, call.tour_view, lang),
                "looked_at": " · ".join(p["name"] for p in context["products"][:3]),
                "visited": " · ".join(context["scenes"]),
            }
        )
    return rows


def mark_unanswered(session: Session, consultation_id: int) -> bool:
    """Nobody answered in time: stored once (the customer is offered a booking or a message)."""
    if any(e.kind == "unanswered" for e in events_of(session, consultation_id)):
        return False
    record_event(session, consultation_id, "unanswered", role="customer")
    return True


def leave_message(
    session: Session,
    consultation_id: int,
    email: str,
    body: str,
    *,
    now: datetime | None = None,
) -> ChatMessage:
    """The customer stops waiting and leaves a message for staff to answer by email.
    Stored with the call (as its last chat message), which then ends as 'unanswered'."""
    address = email.strip()
    if len(address) > MAX_EMAIL or not EMAIL.match(address):
        raise QueueError("queue.bad_email")
    text = clean_text(body)
    call = session.scalars(
        select(Consultation).where(Consultation.id == consultation_id).with_for_update()
    ).one_or_none()
    if call is None:
        raise LookupError(f"consultation {consultation_id}")
    if call.status != "waiting":
        raise QueueError("queue.already_answered" if call.status == "active" else "call.ended")
    message = ChatMessage(consultation_id=call.id, sender="customer", body=text, kind="text")
    session.add(message)
    call.customer_email = address
    call.status, call.ended_at, call.end_reason = "ended", now or utcnow(), "unanswered"
    mark_unanswered(session, call.id)
    record_event(session, call.id, "message_left", role="customer")
    session.flush()
    return message


GIVE_UP_REASONS = frozenset({"left", "gone"})  # pressed "leave" / closed the page


def give_up(
    session: Session, consultation_id: int, *, reason: str = "left", now: datetime | None = None
) -> bool:
    """The customer leaves the queue without talking to anyone; False if it was not waiting."""
    if reason not in GIVE_UP_REASONS:
        raise ValueError(f"unknown reason {reason!r}")
    call = session.get(Consultation, consultation_id)
    if call is None or call.status != "waiting":
        return False
    call.status, call.ended_at, call.end_reason = "ended", now or utcnow(), reason
    record_event(session, call.id, "left", role="customer", reason=reason)
    return True


def messages_left(
    session: Session,
    staff_id: int,
    store_id: int,
    lang: str,
    *,
    since: timedelta = timedelta(days=7),
    now: datetime | None = None,
) -> list[dict[str, Any]]:
    """Messages customers left when nobody answered (for anyone, or for this member of staff)."""
    now = now or utcnow()
    calls = session.scalars(
        select(Consultation)
        .where(
            Consultation.store_id == store_id,
            Consultation.end_reason == "unanswered",
            Consultation.customer_email != "",
            Consultation.created_at >= now - since,
            or_(
                Consultation.requested_staff_id.is_(None),
                Consultation.requested_staff_id == staff_id,
            ),
        )
        .order_by(Consultation.created_at.desc())
    ).all()
    rows = []
    for call in calls:
        last = session.scalars(
            select(ChatMessage)
            .where(ChatMessage.consultation_id == call.id, ChatMessage.sender == "customer")
            .order_by(ChatMessage.id.desc())
            .limit(1)
        ).first()
        product = session.get(Product, call.product_id) if call.product_id else None
        rows.append(
            {
                "id": call.id,
                "email": call.customer_email,
                "body": last.body if last else "",
                "product": localised(product, "name", lang) if product else "",
                "at": call.created_at.isoformat(),
            }
        )
    return rows


def joinable_bookings(session: Session, staff_id: int, *, now: datetime | None = None) -> set[int]:
    """This member of staff's bookings whose call can be started now (see JOIN_EARLY)."""

    now = now or utcnow()
    return set(
        session.scalars(
            select(Booking.id).where(
                Booking.staff_id == staff_id,
                Booking.status == "confirmed",
                Booking.starts_at <= now + JOIN_EARLY,
                Booking.ends_at > now,
            )
        )
    )

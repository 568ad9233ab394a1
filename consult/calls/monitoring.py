"""The supervisor's live board: staff and what they do now, the walk-in queue, live calls, and
today's figures. Built from a handful of aggregate queries (the board reloads on every change).

`media` is what the media plane knows right now (`LiveMedia`: each participant's connection
state and its browser's own rating from WebRTC stats); the page passes it in, so this module
needs neither Reflex nor the registry.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from consult.calls.presence import effective
from consult.calls.supervision import STARTED, STEPS, STOPPED
from consult.commerce.crediting import SOLD_STATUSES
from consult.media.signalling import Link
from consult.models import Booking, Consultation, ConsultationEvent, Order, Recording
from showroom.db import utcnow
from showroom.i18n import format_price
from showroom.models import Product, StaffMember, Store

SIDES = ("customer", "staff")
QUEUE_ALERT_MINUTES = (1, 60)  # a walk-in waiting longer than this is flagged on the board


class QueueAlertError(ValueError):
    """The threshold given is not a whole number of minutes within QUEUE_ALERT_MINUTES."""

    key = "board.alert_invalid"


def set_queue_alert(session: Session, store_id: int, minutes: str | int) -> int:
    """The store's threshold for flagging a waiting walk-in, in minutes (stored as seconds)."""
    text = str(minutes).strip()
    low, high = QUEUE_ALERT_MINUTES
    if not text.isascii() or not text.isdigit() or not low <= int(text) <= high:
        raise QueueAlertError(text)
    store = session.get(Store, store_id)
    if store is None:
        raise LookupError(f"store {store_id}")
    store.queue_alert_s = int(text) * 60
    session.flush()
    return int(text)


RATINGS = ("good", "fair", "poor")  # the browsers' own ratings, best first


@dataclass(frozen=True)
class LiveMedia:
    """Per call, each participant's link by role, e.g. {12: {"customer": Link(...), ...}}."""

    links: Mapping[int, Mapping[str, Link]] = field(default_factory=dict)

    def quality(self, consultation_id: int) -> str:
        """none: nobody connected; connecting: a side not (or no longer) connected; else the
        worse of the two browsers' own ratings (good, fair, poor), measuring until both rated."""
        roles = self.links.get(consultation_id, {})
        sides = [roles.get(role) for role in SIDES]
        if not any(link and link.state == "connected" for link in sides):
            return "none"
        if not all(link and link.state == "connected" for link in sides):
            return "connecting"
        rated = [link.quality for link in sides if link and link.quality in RATINGS]
        if len(rated) < len(SIDES):
            return "measuring"
        return max(rated, key=RATINGS.index)

    def measured(self, consultation_id: int) -> list[dict[str, Any]]:
        """What each side's browser measured: round trip (ms) and packet loss (%)."""
        roles = self.links.get(consultation_id, {})
        return [
            {
                "role": role,
                "quality": link.quality,
                "rtt_ms": "" if link.rtt_ms is None else str(link.rtt_ms),
                "loss_pct": "" if link.loss_pct is None else f"{link.loss_pct:.1f}",
            }
            for role in SIDES
            if (link := roles.get(role)) is not None and link.quality in RATINGS
        ]


def store_day(store: Store, now: datetime) -> tuple[datetime, datetime]:
    """Today in the store's time zone, as UTC instants [start, end)."""
    zone = ZoneInfo(store.timezone or "UTC")
    local = now.astimezone(zone)
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return start, start + timedelta(days=1)


def _clock(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%H:%M")


def _duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


def board(
    session: Session,
    store_id: int,
    *,
    media: LiveMedia | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    store = session.get(Store, store_id)
    if store is None:
        raise LookupError(f"store {store_id}")
    now, media = now or utcnow(), media or LiveMedia()
    zone = ZoneInfo(store.timezone or "UTC")
    day_start, day_end = store_day(store, now)
    live = list(
        session.scalars(
            select(Consultation)
            .where(
                Consultation.status.in_(("waiting", "active")), Consultation.store_id == store_id
            )
            .order_by(Consultation.created_at, Consultation.id)
        )
    )
    names = dict(
        session.execute(
            select(StaffMember.id, StaffMember.display_name).where(StaffMember.store_id == store_id)
        ).all()
    )
    return {
        "staff": _staff(session, store, live, now, day_start, day_end, zone),
        "queue": _queue(session, store, live, names, now),
        "calls": _calls(session, live, names, media, now),
        "figures": _figures(session, store, day_start, day_end),
        "queue_alert_min": max(1, store.queue_alert_s // 60),
    }


def _staff(
    session: Session,
    store: Store,
    live: list[Consultation],
    now: datetime,
    day_start: datetime,
    day_end: datetime,
    zone: ZoneInfo,
) -> list[dict[str, Any]]:
    members = session.scalars(
        select(StaffMember)
        .where(StaffMember.store_id == store.id, StaffMember.active.is_(True))
        .order_by(StaffMember.id)
    ).all()
    in_call = {c.staff_id: c for c in live if c.status == "active" and c.staff_id is not None}
    bookings: dict[int, list[Booking]] = {}
    for booking in session.scalars(
        select(Booking)
        .where(
            Booking.store_id == store.id,
            Booking.status == "confirmed",
            Booking.starts_at >= day_start,
            Booking.starts_at < day_end,
        )
        .order_by(Booking.starts_at)
    ):
        if booking.staff_id is not None:
            bookings.setdefault(booking.staff_id, []).append(booking)
    rows = []
    for member in members:
        call = in_call.get(member.id)
        presence = "in_call" if call is not None else effective(member, now)
        since = (call.started_at or call.created_at) if call is not None else member.presence_at
        mine = bookings.get(member.id, [])
        upcoming = [b for b in mine if b.ends_at > now]
        due_now = any(b.starts_at <= now < b.ends_at for b in mine)
        rows.append(
            {
                "id": str(member.id),
                "name": member.display_name,
                "role": member.role,
                "presence": presence,
                "since": _clock(since, zone) if since and presence != "offline" else "",
                "with": (call.customer_name if call is not None else "") or "",
                "call_for": _duration((now - since).total_seconds()) if call and since else "",
                "bookings": len(mine),
                "next": _clock(upcoming[0].starts_at, zone) if upcoming else "",
                # Booked now but not here: the customer may be waiting for nobody.
                "flagged": due_now and presence in ("away", "offline"),
            }
        )
    return rows


def _queue(
    session: Session,
    store: Store,
    live: list[Consultation],
    names: Mapping[int, str],
    now: datetime,
) -> list[dict[str, Any]]:
    waiting = [c for c in live if c.status == "waiting" and c.booking_id is None]
    product_ids = {c.product_id for c in waiting if c.product_id is not None}
    products = (
        dict(
            session.execute(
                select(Product.id, Product.name_en).where(Product.id.in_(product_ids))
            ).all()
        )
        if product_ids
        else {}
    )
    rows = []
    for call in waiting:
        waited = (now - call.created_at).total_seconds()
        rows.append(
            {
                "id": str(call.id),
                "customer": call.customer_name,
                "wait": _duration(waited),
                "about": products.get(call.product_id or 0, ""),
                "asked_for": names.get(call.requested_staff_id or 0, ""),
                "flagged": waited >= store.queue_alert_s,
            }
        )
    return rows


def _calls(
    session: Session,
    live: list[Consultation],
    names: Mapping[int, str],
    media: LiveMedia,
    now: datetime,
) -> list[dict[str, Any]]:
    active = [c for c in live if c.status == "active"]
    ids = [c.id for c in active]
    stepped_in = _stepped_in(session, ids)
    recording = (
        set(
            session.scalars(
                select(Recording.consultation_id).where(
                    Recording.consultation_id.in_(ids), Recording.ended_at.is_(None)
                )
            )
        )
        if ids
        else set()
    )
    return [
        {
            "id": str(call.id),
            "status": call.status,
            "customer": call.customer_name,
            "booked": call.booking_id is not None,
            "staff": names.get(call.staff_id or 0, ""),
            "duration": _duration((now - (call.started_at or call.created_at)).total_seconds()),
            "minutes": int((now - (call.started_at or call.created_at)).total_seconds() // 60),
            "audio_only": call.audio_only,
            "quality": media.quality(call.id),
            "measured": media.measured(call.id),
            "recording": call.id in recording,
            "supervised": call.id in stepped_in,
        }
        for call in active
    ]


def _stepped_in(session: Session, ids: list[int]) -> set[int]:
    """Live calls a supervisor is in now (listening or barged in), from the step-in events."""
    if not ids:
        return set()
    open_steps: dict[tuple[int, int, str], int] = {}
    for call_id, kind, staff_id in session.execute(
        select(
            ConsultationEvent.consultation_id, ConsultationEvent.kind, ConsultationEvent.staff_id
        )
        .where(
            ConsultationEvent.consultation_id.in_(ids),
            ConsultationEvent.kind.in_([*STARTED.values(), *STOPPED.values()]),
        )
        .order_by(ConsultationEvent.id)
    ):
        for step in STEPS:
            key = (call_id, staff_id or 0, step)
            if kind == STARTED[step]:
                open_steps[key] = 1
            elif kind == STOPPED[step]:
                open_steps.pop(key, None)
    return {call_id for call_id, _who, _step in open_steps}


def _figures(
    session: Session, store: Store, day_start: datetime, day_end: datetime
) -> dict[str, Any]:
    # Today's calls are a few hundred rows at most: one range read on (store_id, created_at),
    # the split into walk-in and booked here (no other filter for a planner to misuse).
    today = session.execute(
        select(Consultation.created_at, Consultation.started_at, Consultation.booking_id).where(
            Consultation.store_id == store.id,
            Consultation.created_at >= day_start,
            Consultation.created_at < day_end,
        )
    ).all()
    answered = [(created, started, booking) for created, started, booking in today if started]
    waits = [(s - c).total_seconds() for c, s, booking in answered if booking is None]
    orders, revenue = session.execute(
        select(
            func.count(Order.id), func.coalesce(func.sum(Order.total - Order.refunded_total), 0)
        ).where(
            Order.store_id == store.id,
            Order.status.in_(SOLD_STATUSES),
            Order.consultation_id.is_not(None),
            Order.paid_at >= day_start,
            Order.paid_at < day_end,
        )
    ).one()
    return {
        "answered": len(answered),
        "average_wait": _duration(sum(waits) / len(waits)) if waits else "0:00",
        "orders": int(orders),
        "revenue": format_price(int(revenue), store.currency),
    }

"""Consultations (calls) and their chat. Messages are stored before anyone is told of them."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from consult.calls.events import events_of, record_event
from consult.models import Booking, ChatMessage, Consultation, ConsultationEvent
from showroom.db import utcnow
from showroom.i18n import LANGUAGES
from showroom.identity import sign_link, verify_link
from showroom.models import Product, Store

MAX_MESSAGE = 2000
LINK_KIND = "call"
WALK_IN_LINK_HOURS = 4
JOIN_EARLY = timedelta(minutes=10)


class ChatError(ValueError):
    """A message that cannot be posted; `key` is the translated reason."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


@dataclass(frozen=True)
class CallLink:
    consultation_id: int
    token: str
    expires_at: datetime


def start_walk_in(
    session: Session,
    store_id: int,
    *,
    visitor_id: str | None = None,
    customer_name: str = "",
    language: str = "ja",
    product_id: int | None = None,
    tour_view: Mapping[str, object] | None = None,
    requested_staff_id: int | None = None,
) -> Consultation:
    """A "call now" from the tour: waits in the store's queue (or a named staff member's),
    carrying the product and the view the customer had when they asked."""
    if session.get(Store, store_id) is None:
        raise LookupError(f"store {store_id}")
    if product_id is not None and session.get(Product, product_id) is None:
        raise LookupError(f"product {product_id}")
    consultation = Consultation(
        store_id=store_id,
        visitor_id=visitor_id,
        customer_name=customer_name[:120],
        language=language if language in LANGUAGES else "ja",
        product_id=product_id,
        tour_view=dict(tour_view) if tour_view else None,
        requested_staff_id=requested_staff_id,
    )
    session.add(consultation)
    session.flush()
    record_event(session, consultation.id, "queued", role="customer")
    return consultation


class CallNotOpen(ValueError):
    """A booking whose call cannot be joined (yet): `key` says why, translated on the page."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def call_for_booking(
    session: Session, booking: Booking, *, now: datetime | None = None
) -> Consultation:
    """The one call of a booking, opened from JOIN_EARLY before its start until its end."""
    now = now or utcnow()
    if booking.status != "confirmed" or now >= booking.ends_at:
        raise CallNotOpen("booking.join_closed")
    if now < booking.starts_at - JOIN_EARLY:
        raise CallNotOpen("booking.join_later")
    existing = session.scalar(select(Consultation).where(Consultation.booking_id == booking.id))
    if existing is not None:
        return existing
    consultation = Consultation(
        store_id=booking.store_id, booking_id=booking.id, staff_id=booking.staff_id,
        customer_name=booking.customer_name, visitor_id=booking.visitor_id,
    )  # fmt: skip
    try:
        with session.begin_nested():  # two tabs joining at once: the unique key picks one call
            session.add(consultation)
    except IntegrityError:
        return session.scalars(
            select(Consultation).where(Consultation.booking_id == booking.id)
        ).one()
    return consultation


def customer_link(
    key: str, consultation: Consultation, *, hours: int = WALK_IN_LINK_HOURS
) -> CallLink:
    expires_at = utcnow() + timedelta(hours=hours)
    return CallLink(
        consultation.id, sign_link(key, LINK_KIND, consultation.id, expires_at), expires_at
    )


def consultation_for_link(session: Session, key: str, token: str) -> Consultation:
    """The one consultation a customer link grants; LinkError if the link is bad or expired."""
    consultation_id = verify_link(key, token, LINK_KIND)
    consultation = session.get(Consultation, consultation_id)
    if consultation is None:
        raise LookupError(f"consultation {consultation_id}")
    return consultation


def end(
    session: Session, consultation_id: int, *, reason: str = "completed", role: str | None = None
) -> None:
    """End a call once; the reason says how ('completed', 'left', 'unanswered')."""
    consultation = session.get(Consultation, consultation_id)
    if consultation is not None and consultation.status != "ended":
        consultation.status = "ended"
        consultation.ended_at = utcnow()
        consultation.end_reason = reason
        record_event(session, consultation_id, "ended", role=role, reason=reason)


def status_of(session: Session, consultation_id: int) -> str:
    consultation = session.get(Consultation, consultation_id)
    return consultation.status if consultation else "ended"


def status_event(status: str) -> dict[str, Any]:
    """Published on the call's topic beside chat messages (which always carry an id)."""
    return {"kind": "status", "status": status}


def queue(session: Session, store_id: int) -> list[Consultation]:
    """Calls in a store that are waiting or live, oldest first."""
    return list(
        session.scalars(
            select(Consultation)
            .where(Consultation.store_id == store_id, Consultation.status != "ended")
            .order_by(Consultation.created_at)
        )
    )


# Only web links become clickable; anything else (javascript:, data:, HTML) stays plain text.
LINK = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
LINK_TRAILING = ".,;:!?)]}'\"、。"
MESSAGE_KINDS = ("text", "product", "payment", "system")
# Call events shown in the chat as system lines (the rest are for staff and supervisors only).
SHOWN_EVENTS = frozenset(
    {"joined", "left", "reconnected", "connection_lost", "transferred", "audio_only", "ended"}
    | {"recording_started", "recording_stopped", "recording_declined", "recording_failed"}
    | {"supervisor_barged_in", "supervisor_left"}
)


def text_parts(body: str) -> list[dict[str, str]]:
    """A message split into plain text and web links, for rendering links as links (and
    everything else, HTML included, as text)."""
    parts: list[dict[str, str]] = []
    position = 0
    for match in LINK.finditer(body):
        url = match.group(0).rstrip(LINK_TRAILING)
        start, end_at = match.start(), match.start() + len(url)
        if start > position:
            parts.append({"text": body[position:start], "href": ""})
        parts.append({"text": url, "href": url})
        position = end_at
    if position < len(body):
        parts.append({"text": body[position:], "href": ""})
    return parts


def message_dict(message: ChatMessage) -> dict[str, Any]:
    payload = dict(message.payload or {})
    pay_token = str(payload.get("token", ""))
    if not pay_token and message.body.startswith("pay:"):  # rows from before message kinds
        pay_token = message.body[4:]
    kind = "payment" if pay_token else message.kind
    return {
        "key": f"m{message.id}",
        "id": message.id,
        "sender": message.sender,
        "kind": kind,
        "body": message.body,
        "parts": text_parts(message.body) if kind == "text" else [],
        "product_id": int(str(payload.get("product_id") or 0)),
        "pay_token": pay_token,
        "order_id": int(str(payload.get("order_id") or 0)),
        "event": str(payload.get("event", "")),
        "role": str(payload.get("role", "")),
        "at": message.created_at.isoformat(),
    }


def event_dict(event: ConsultationEvent) -> dict[str, Any]:
    """A stored call event as a system line of the chat."""
    detail = event.detail or {}
    return {
        "key": f"e{event.id}",
        "id": 0,
        "sender": "system",
        "kind": "event",
        "body": str(detail.get("to_name", "")),
        "parts": [],
        "product_id": 0,
        "pay_token": "",
        "order_id": 0,
        "event": event.kind,
        "role": event.role or "",
        "at": event.created_at.isoformat(),
    }


def live_event_dict(item: Mapping[str, Any], at: str) -> dict[str, Any]:
    """A call event published live as {"kind": "event", "event", "role"}: the same shape."""
    event, role = str(item.get("event", "")), str(item.get("role", ""))
    key = f"e{item['id']}" if item.get("id") else f"live-{event}-{role}-{at}"
    return {
        "key": key, "id": 0, "sender": "system", "kind": "event", "body": "", "parts": [],
        "product_id": 0, "pay_token": "", "order_id": 0, "event": event, "role": role,
        "at": at,
    }  # fmt: skip


def _open_call(session: Session, consultation_id: int) -> Consultation:
    consultation = session.get(Consultation, consultation_id)
    if consultation is None:
        raise LookupError(f"consultation {consultation_id}")
    if consultation.status == "ended":
        raise ChatError("call.ended")
    return consultation


def clean_text(body: str) -> str:
    text = body.strip()
    if not text:
        raise ChatError("call.message_empty")
    if len(text) > MAX_MESSAGE:
        raise ChatError("call.message_too_long")
    return text


def post_message(
    session: Session,
    consultation_id: int,
    sender: str,
    body: str,
    *,
    staff_id: int | None = None,
    kind: str = "text",
    payload: Mapping[str, object] | None = None,
) -> ChatMessage:
    if kind not in MESSAGE_KINDS:
        raise ValueError(f"unknown message kind {kind!r}")
    text = clean_text(body)
    _open_call(session, consultation_id)
    message = ChatMessage(
        consultation_id=consultation_id,
        sender=sender,
        body=text,
        staff_id=staff_id,
        kind=kind,
        payload=dict(payload) if payload else None,
    )
    session.add(message)
    session.flush()
    return message


def history(session: Session, consultation_id: int) -> list[dict[str, Any]]:
    """Messages and the call events shown in the chat, in the order they happened."""
    messages = session.scalars(
        select(ChatMessage)
        .where(ChatMessage.consultation_id == consultation_id)
        .order_by(ChatMessage.id)
    )
    lines = [message_dict(m) for m in messages]
    lines += [event_dict(e) for e in events_of(session, consultation_id) if e.kind in SHOWN_EVENTS]
    return sorted(lines, key=line_order)


def line_order(line: Mapping[str, Any]) -> tuple[datetime, str]:
    return (datetime.fromisoformat(str(line["at"])), str(line["key"]))


def chat_topic(consultation_id: int) -> str:
    return f"chat:{consultation_id}"

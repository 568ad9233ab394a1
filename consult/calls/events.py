"""A consultation's history: every state change of a call, stored as it happens."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from consult.models import ConsultationEvent

# What may happen in a call. `detail` carries the specifics (e.g. {"to_staff_id": 3}); a
# "text" in it is what the timelines show after the event's name.
KINDS = frozenset(
    {
        "queued",  # a walk-in call entered the queue
        "requeued",  # the staff member it waited for went away: now in the store's queue
        "accepted",  # a member of staff took it
        "joined",  # a participant's media connected (role says who)
        "left",  # a participant hung up or closed the page
        "reconnected",  # a participant's media came back after a drop or reload
        "connection_lost",  # a participant's media failed
        "transferred",  # handed to another member of staff
        "audio_only",  # a participant switched to audio only
        "guide_started",  # staff started a guided tour
        "guide_moved",  # staff took the customer to another scene; detail {"scene_id", "text"}
        "guide_stopped",
        "cart_changed",  # detail {"product_id", "quantity" (0: removed), "text"}
        "unanswered",  # nobody answered in time
        "message_left",  # the customer left a message instead of waiting
        "ended",
        "recording_started",  # the customer agreed and recording began
        "recording_stopped",
        "recording_declined",  # the customer said no: the call goes on unrecorded
        "recording_failed",  # a write error stopped it
        # a supervisor stepping in (consult.calls.supervision); staff_id says who
        "supervisor_listening",
        "supervisor_stopped_listening",
        "supervisor_whisper",  # detail: {"text"}; shown to the member of staff only
        "supervisor_barged_in",
        "supervisor_left",
    }
)
ROLES = frozenset({"customer", "staff", "monitor"})


def record_event(
    session: Session,
    consultation_id: int,
    kind: str,
    *,
    role: str | None = None,
    staff_id: int | None = None,
    **detail: Any,
) -> ConsultationEvent:
    if kind not in KINDS:
        raise ValueError(f"unknown consultation event {kind!r}")
    if role is not None and role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    event = ConsultationEvent(
        consultation_id=consultation_id, kind=kind, role=role, staff_id=staff_id, detail=detail
    )
    session.add(event)
    session.flush()
    return event


def events_of(session: Session, consultation_id: int) -> list[ConsultationEvent]:
    return list(
        session.scalars(
            select(ConsultationEvent)
            .where(ConsultationEvent.consultation_id == consultation_id)
            .order_by(ConsultationEvent.id)
        )
    )

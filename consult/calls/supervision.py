"""A supervisor steps into a live call: listens silently, whispers to the member of staff, or
barges in. Each step is a consultation event (start, end, kind, who), so the call's timeline
shows it; what the pages hear of it travels on two topics:

- `staff_topic`: listening started/stopped, whispers, barge-in: only the staff side subscribes.
- `everyone_topic`: barge-in started/stopped only: the customer's page subscribes too.

Media: listening is the media plane's receive-only `monitor` role (nobody receives it, so the
participants' connections are not renegotiated); barging in is the `supervisor` role, whose
picture and sound reach each side on a second, receive-only connection (`customer_aux`,
`staff_aux`) that the pages open when told, again without touching the call's own connections.
Whisper is text (an audio whisper would need a per-side mix in the media plane).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from consult.calls.events import events_of, record_event
from consult.models import Consultation, ConsultationEvent

STEPS = ("listen", "barge")
STARTED = {"listen": "supervisor_listening", "barge": "supervisor_barged_in"}
STOPPED = {"listen": "supervisor_stopped_listening", "barge": "supervisor_left"}
WHISPER = "supervisor_whisper"
EVENT_KINDS = frozenset({*STARTED.values(), *STOPPED.values(), WHISPER})
MAX_WHISPER = 500
# What each page's role asks the media plane for (`?as=` on the signalling routes).
MEDIA_ROLES = {"monitor": "monitor", "supervisor": "supervisor"}
AUX_ROLES = {"customer": "customer_aux", "staff": "staff_aux"}


class SupervisionError(ValueError):
    """A step-in refused; `key` is the translated reason."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def staff_topic(consultation_id: int) -> str:
    return f"supervision:{consultation_id}:staff"


def everyone_topic(consultation_id: int) -> str:
    return f"supervision:{consultation_id}:all"


def live_call(session: Session, consultation_id: int, store_id: int, staff_id: int) -> Consultation:
    """The call a supervisor (`staff_id` of `store_id`) may step into now, or why not."""
    call = session.get(Consultation, consultation_id)
    if call is None or call.store_id != store_id:
        raise SupervisionError("supervise.unknown_call")
    if call.status == "ended":
        raise SupervisionError("supervise.ended")
    if call.status != "active":
        raise SupervisionError("supervise.not_live")
    if call.staff_id == staff_id:
        raise SupervisionError("supervise.own_call")
    return call


def start(
    session: Session, consultation_id: int, store_id: int, staff_id: int, step: str
) -> ConsultationEvent:
    if step not in STEPS:
        raise SupervisionError("supervise.unknown_step")
    live_call(session, consultation_id, store_id, staff_id)
    return record_event(session, consultation_id, STARTED[step], staff_id=staff_id)


def stop(
    session: Session, consultation_id: int, store_id: int, staff_id: int, step: str
) -> ConsultationEvent | None:
    """End a step-in that is open (also after the call ended: the record stays complete)."""
    if step not in STEPS:
        raise SupervisionError("supervise.unknown_step")
    call = session.get(Consultation, consultation_id)
    if call is None or call.store_id != store_id:
        raise SupervisionError("supervise.unknown_call")
    if step not in state(session, consultation_id).open_steps(staff_id):
        return None
    return record_event(session, consultation_id, STOPPED[step], staff_id=staff_id)


def clean_whisper(text: str) -> str:
    text = " ".join(text.split())
    if not text:
        raise SupervisionError("supervise.whisper_empty")
    if len(text) > MAX_WHISPER:
        raise SupervisionError("supervise.whisper_too_long")
    return text


def whisper(
    session: Session, consultation_id: int, store_id: int, staff_id: int, text: str
) -> ConsultationEvent:
    body = clean_whisper(text)
    live_call(session, consultation_id, store_id, staff_id)
    return record_event(session, consultation_id, WHISPER, staff_id=staff_id, text=body)


@dataclass(frozen=True)
class StepInState:
    """Who is stepped in now, replayed from the call's events."""

    listening: frozenset[int]
    barged: frozenset[int]
    whispers: tuple[dict[str, Any], ...]

    def open_steps(self, staff_id: int) -> set[str]:
        return {s for s, ids in (("listen", self.listening), ("barge", self.barged))
                if staff_id in ids}  # fmt: skip


def state(session: Session, consultation_id: int) -> StepInState:
    listening: set[int] = set()
    barged: set[int] = set()
    whispers = []
    for event in events_of(session, consultation_id):
        who = event.staff_id or 0
        if event.kind == STARTED["listen"]:
            listening.add(who)
        elif event.kind == STOPPED["listen"]:
            listening.discard(who)
        elif event.kind == STARTED["barge"]:
            barged.add(who)
        elif event.kind == STOPPED["barge"]:
            barged.discard(who)
        elif event.kind == WHISPER:
            whispers.append(whisper_dict(event))
    return StepInState(frozenset(listening), frozenset(barged), tuple(whispers))


def whisper_dict(event: ConsultationEvent) -> dict[str, Any]:
    return {
        "key": f"w{event.id}",
        "text": str((event.detail or {}).get("text", "")),
        "at": event.created_at.isoformat(),
    }

"""Stepping into a call: who may, when, and what the call's events record."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from consult.calls import supervision
from consult.calls.consultations import end, history, start_walk_in
from consult.calls.events import KINDS, events_of
from consult.calls.queue import accept
from showroom.i18n import MESSAGES
from tests import factories


def live_call(session: Session) -> tuple[int, int, int, int]:
    """(call id, store id, staff id in the call, supervisor id)."""
    store = factories.store(session)
    aiko = factories.staff(session, store)
    yuki = factories.staff(session, store, email="yuki@example.com", role="supervisor")
    call = start_walk_in(session, store.id, customer_name="Hanako")
    accept(session, call.id, aiko.id, store.id)
    return call.id, store.id, aiko.id, yuki.id


def test_listen_whisper_barge_and_leave_are_stored_in_order(session: Session) -> None:
    call_id, store_id, _aiko, yuki = live_call(session)
    supervision.start(session, call_id, store_id, yuki, "listen")
    assert supervision.state(session, call_id).listening == {yuki}
    supervision.whisper(session, call_id, store_id, yuki, "  Offer   the grey fabric ")
    supervision.start(session, call_id, store_id, yuki, "barge")
    supervision.stop(session, call_id, store_id, yuki, "listen")
    assert supervision.stop(session, call_id, store_id, yuki, "listen") is None  # not open twice
    supervision.stop(session, call_id, store_id, yuki, "barge")
    steps = [(e.kind, e.staff_id, e.role) for e in events_of(session, call_id)
             if e.kind.startswith("supervisor_")]  # fmt: skip
    assert steps == [
        ("supervisor_listening", yuki, None),
        ("supervisor_whisper", yuki, None),
        ("supervisor_barged_in", yuki, None),
        ("supervisor_stopped_listening", yuki, None),
        ("supervisor_left", yuki, None),
    ]
    seen = supervision.state(session, call_id)
    assert not seen.listening and not seen.barged
    assert [w["text"] for w in seen.whispers] == ["Offer the grey fabric"]
    # The customer's chat shows the barge-in and the leaving, never listening or whispers.
    shown = [line["event"] for line in history(session, call_id) if line["kind"] == "event"]
    assert "supervisor_barged_in" in shown and "supervisor_left" in shown
    assert "supervisor_listening" not in shown and "supervisor_whisper" not in shown


def test_refusals(session: Session) -> None:
    call_id, store_id, aiko, yuki = live_call(session)
    other = factories.store(session, "umeda")
    waiting = start_walk_in(session, store_id).id

    def refused(key: str, **kw: object) -> None:
        args = {
            "consultation_id": call_id,
            "store_id": store_id,
            "staff_id": yuki,
            "step": "listen",
        }
        args.update(kw)
        with pytest.raises(supervision.SupervisionError) as error:
            supervision.start(session, **args)  # type: ignore[arg-type]
        assert error.value.key == key

    refused("supervise.unknown_call", store_id=other.id)  # a supervisor of another store
    refused("supervise.unknown_call", consultation_id=99_999)
    refused("supervise.not_live", consultation_id=waiting)
    refused("supervise.own_call", staff_id=aiko)
    refused("supervise.unknown_step", step="shout")
    for text, key in (
        ("   ", "supervise.whisper_empty"),
        ("x" * 501, "supervise.whisper_too_long"),
    ):
        with pytest.raises(supervision.SupervisionError) as error:
            supervision.whisper(session, call_id, store_id, yuki, text)
        assert error.value.key == key
    end(session, call_id)
    refused("supervise.ended")
    assert not [e for e in events_of(session, call_id) if e.kind.startswith("supervisor_")]


def test_every_event_kind_has_a_timeline_text() -> None:
    assert {f"timeline.{kind}" for kind in KINDS} <= MESSAGES.keys()
    assert {key for key in supervision.EVENT_KINDS} <= KINDS

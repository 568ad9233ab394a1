"""Chat lines: links, HTML shown as text, product cards, call events in the history."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from consult.calls.consultations import (
    MAX_MESSAGE,
    ChatError,
    history,
    live_event_dict,
    post_message,
    start_walk_in,
    text_parts,
)
from consult.calls.events import record_event
from tests import factories


def test_web_links_become_links_and_nothing_else_does() -> None:
    assert text_parts("See https://example.com/sofa?c=grey, or call.") == [
        {"text": "See ", "href": ""},
        {"text": "https://example.com/sofa?c=grey", "href": "https://example.com/sofa?c=grey"},
        {"text": ", or call.", "href": ""},
    ]
    for body in (
        "<script>alert(1)</script>",
        "javascript:alert(1)",
        '<a href="https://x.example">x</a>',
    ):
        assert "".join(p["text"] for p in text_parts(body)) == body
    assert all(p["href"] == "" for p in text_parts("javascript:alert(1) data:text/html,hi"))
    assert text_parts('<a href="https://x.example">')[1]["href"] == "https://x.example"


def test_html_is_stored_and_returned_as_typed(session: Session) -> None:
    call = start_walk_in(session, factories.store(session).id)
    post_message(session, call.id, "customer", "<b>bold</b><script>alert(1)</script>")
    [line] = history(session, call.id)
    assert line["body"] == "<b>bold</b><script>alert(1)</script>"
    assert line["parts"] == [{"text": "<b>bold</b><script>alert(1)</script>", "href": ""}]


def test_the_size_limit_is_exact(session: Session) -> None:
    call = start_walk_in(session, factories.store(session).id)
    post_message(session, call.id, "customer", "あ" * MAX_MESSAGE)
    with pytest.raises(ChatError) as too_long:
        post_message(session, call.id, "customer", "あ" * (MAX_MESSAGE + 1))
    assert too_long.value.key == "call.message_too_long"
    assert len(history(session, call.id)) == 1


def test_unknown_message_kinds_are_refused(session: Session) -> None:
    call = start_walk_in(session, factories.store(session).id)
    with pytest.raises(ValueError):
        post_message(session, call.id, "staff", "x", kind="html")


def test_call_events_show_in_the_history_in_order(session: Session) -> None:
    call = start_walk_in(session, factories.store(session).id)
    record_event(session, call.id, "joined", role="customer")
    post_message(session, call.id, "customer", "hello")
    record_event(session, call.id, "reconnected", role="staff")
    record_event(session, call.id, "guide_started", role="staff")  # not a chat line
    lines = history(session, call.id)
    assert [(x["kind"], x["event"] or x["body"], x["role"]) for x in lines] == [
        ("event", "joined", "customer"),
        ("text", "hello", ""),
        ("event", "reconnected", "staff"),
    ]
    assert len({x["key"] for x in lines}) == 3


def test_live_events_have_the_same_shape_as_stored_ones() -> None:
    line = live_event_dict({"kind": "event", "event": "left", "role": "staff"}, "2026-12-02T12:00")
    assert (line["kind"], line["event"], line["role"], line["sender"]) == (
        "event", "left", "staff", "system",
    )  # fmt: skip
    assert live_event_dict({"event": "left", "id": 7}, "x")["key"] == "e7"

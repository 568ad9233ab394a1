from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from consult.calls.consultations import start_walk_in
from consult.calls.presence import PresenceError, board, effective, heartbeat, set_presence
from consult.calls.queue import accept
from showroom.db import utcnow
from tests import factories


def test_presence_is_chosen_kept_fresh_and_goes_stale(session: Session) -> None:
    store = factories.store(session)
    aiko = factories.staff(session, store)
    assert effective(aiko) == "offline"
    set_presence(session, aiko.id, "available")
    assert effective(aiko) == "available"
    later = utcnow() + timedelta(minutes=5)
    assert effective(aiko, later) == "offline"
    heartbeat(session, aiko.id, now=later)
    assert effective(aiko, later) == "available"
    set_presence(session, aiko.id, "away")
    assert effective(aiko) == "away"
    with pytest.raises(PresenceError) as bad:
        set_presence(session, aiko.id, "asleep")
    assert bad.value.key == "presence.unknown" and aiko.presence == "away"
    with pytest.raises(LookupError):
        set_presence(session, 999, "away")


def test_the_board_shows_each_member_of_staff(session: Session) -> None:
    store = factories.store(session)
    aiko = factories.staff(session, store)
    ken = factories.staff(session, store, email="ken@example.com")
    mia = factories.staff(session, store, email="mia@example.com")
    factories.staff(session, store, email="sam@example.com")
    set_presence(session, aiko.id, "available")
    set_presence(session, ken.id, "available")
    set_presence(session, mia.id, "away")
    accept(session, start_walk_in(session, store.id).id, ken.id, store.id)
    assert [(row["name"], row["presence"]) for row in board(session, store.id)] == [
        ("aiko", "available"),
        ("ken", "in_call"),
        ("mia", "away"),
        ("sam", "offline"),
    ]

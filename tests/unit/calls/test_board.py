"""The supervisor's board: presence with since and whom, bookings, queue flags, live calls."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from consult.calls import supervision
from consult.calls.consultations import start_walk_in
from consult.calls.monitoring import LiveMedia, QueueAlertError, board, set_queue_alert
from consult.calls.presence import set_presence
from consult.calls.queue import accept
from consult.media.signalling import Link
from consult.models import Booking, Order, Recording
from showroom.db import utcnow
from tests import factories


def test_staff_queue_calls_and_figures(session: Session) -> None:
    store = factories.store(session)
    store.timezone = "UTC"
    store.queue_alert_s = 60
    aiko = factories.staff(session, store)
    ken = factories.staff(session, store, email="ken@example.com")
    mia = factories.staff(session, store, email="mia@example.com")
    sofa = factories.product(session)
    now = utcnow().replace(hour=12, minute=0, second=0, microsecond=0)
    set_presence(session, aiko.id, "available", now=now - timedelta(seconds=60))
    set_presence(session, ken.id, "available", now=now - timedelta(seconds=60))
    set_presence(session, mia.id, "away", now=now - timedelta(minutes=1))
    # Mia is booked right now but away: flagged. Aiko has a booking later today.
    for member, start in ((mia, now - timedelta(minutes=10)), (aiko, now + timedelta(hours=3))):
        session.add(Booking(store_id=store.id, staff_id=member.id, starts_at=start,
                            ends_at=start + timedelta(minutes=30), customer_name="B",
                            customer_email="b@example.com"))  # fmt: skip
    talking = start_walk_in(session, store.id, customer_name="Hanako")
    talking.created_at = now - timedelta(minutes=4)
    accept(session, talking.id, ken.id, store.id, now=now - timedelta(minutes=3))
    session.add(Recording(consultation_id=talking.id, path="x.webm"))
    long_wait = start_walk_in(session, store.id, customer_name="Taro", product_id=sofa.id,
                              requested_staff_id=aiko.id)  # fmt: skip
    long_wait.created_at = now - timedelta(seconds=90)
    short_wait = start_walk_in(session, store.id)
    short_wait.created_at = now - timedelta(seconds=20)
    session.add(Order(store_id=store.id, consultation_id=talking.id, status="paid",
                      total=5000, paid_at=now - timedelta(minutes=1)))  # fmt: skip
    session.add(Order(store_id=store.id, status="paid", total=7000, paid_at=now))  # not a call's
    session.flush()

    supervision.start(session, talking.id, store.id, mia.id, "listen")  # Mia supervises
    media = LiveMedia({
        talking.id: {"customer": Link("connected", "good", 40, 0.0),
                     "staff": Link("connected", "fair", 310, 2.5)},
    })  # fmt: skip
    data = board(session, store.id, media=media, now=now)

    staff = {row["name"]: row for row in data["staff"]}
    assert staff["aiko"]["presence"] == "available" and staff["aiko"]["since"] == "11:59"
    assert staff["aiko"]["bookings"] == 1 and staff["aiko"]["next"] == "15:00"
    assert not staff["aiko"]["flagged"]
    assert staff["ken"]["presence"] == "in_call" and staff["ken"]["with"] == "Hanako"
    assert staff["ken"]["call_for"] == "3:00" and staff["ken"]["since"] == "11:57"
    assert staff["mia"]["presence"] == "away" and staff["mia"]["flagged"]
    assert [(q["customer"], q["wait"], q["about"], q["asked_for"], q["flagged"])
            for q in data["queue"]] == [("Taro", "1:30", "Sofa", "aiko", True),
                                        ("", "0:20", "", "", False)]  # fmt: skip
    [call] = data["calls"]
    assert call["customer"] == "Hanako" and call["staff"] == "ken" and call["duration"] == "3:00"
    assert call["quality"] == "fair" and call["recording"] and call["supervised"]
    assert call["measured"] == [
        {"role": "customer", "quality": "good", "rtt_ms": "40", "loss_pct": "0.0"},
        {"role": "staff", "quality": "fair", "rtt_ms": "310", "loss_pct": "2.5"},
    ]
    assert not call["booked"] and not call["audio_only"]
    assert data["figures"] == {
        "answered": 1,
        "average_wait": "1:00",
        "orders": 1,
        "revenue": "¥5,000",
    }


def test_quality_says_when_a_side_is_missing_or_not_yet_measured() -> None:
    media = LiveMedia({
        1: {"customer": Link("connected", "good")},
        2: {"staff": Link("failed", "poor")},
        3: {"customer": Link("connected", "good"), "staff": Link("connected")},
        4: {"customer": Link("connected", "poor", None, 12.0), "staff": Link("connected", "good")},
    })  # fmt: skip
    assert media.quality(1) == "connecting"
    assert media.quality(2) == "none" and media.quality(404) == "none"
    assert media.quality(3) == "measuring" and media.measured(3)[0]["rtt_ms"] == ""
    assert media.quality(4) == "poor"  # the worse side decides


def test_the_store_sets_when_a_waiting_caller_is_flagged(session: Session) -> None:
    store = factories.store(session)
    waiting = start_walk_in(session, store.id)
    waiting.created_at = utcnow() - timedelta(minutes=3)
    assert board(session, store.id)["queue_alert_min"] == 2  # the default: 120 s
    assert board(session, store.id)["queue"][0]["flagged"]
    assert set_queue_alert(session, store.id, " 5 ") == 5
    data = board(session, store.id)
    assert data["queue_alert_min"] == 5 and not data["queue"][0]["flagged"]
    for wrong in ("0", "61", "-1", "2.5", "abc", "", "１", True):
        with pytest.raises(QueueAlertError):
            set_queue_alert(session, store.id, wrong)  # type: ignore[arg-type]
    assert store.queue_alert_s == 300  # refused values change nothing
    with pytest.raises(LookupError):
        set_queue_alert(session, 404, 5)


def test_an_unknown_store_is_refused(session: Session) -> None:
    try:
        board(session, 404)
    except LookupError:
        return
    raise AssertionError("no LookupError")

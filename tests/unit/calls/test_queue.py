"""The walk-in queue: places, estimates, accepting (race-safe), timeouts and messages."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from consult.calls.consultations import call_for_booking, end, history, start_walk_in
from consult.calls.events import events_of
from consult.calls.presence import set_presence
from consult.calls.queue import (
    DEFAULT_HANDLING,
    QueueError,
    accept,
    give_up,
    join_as_staff,
    leave_message,
    mark_unanswered,
    messages_left,
    place_in_queue,
    queue_for_staff,
    requested_staff,
    staff_to_call,
)
from consult.models import Booking, Consultation
from showroom.db import utcnow
from showroom.tours.analytics import record
from tests import factories

ANSWER_S = 120


def test_places_and_estimates_follow_the_queue(session: Session) -> None:
    store = factories.store(session)
    aiko = factories.staff(session, store)
    first, second, third = (start_walk_in(session, store.id) for _ in range(3))
    # Nobody available: no estimate, but the place is known.
    place = place_in_queue(session, third.id, answer_within_s=ANSWER_S)
    assert (place.position, place.estimate_s, place.status) == (3, None, "waiting")
    set_presence(session, aiko.id, "available")
    assert place_in_queue(session, first.id, answer_within_s=ANSWER_S).estimate_s == 0
    default = int(DEFAULT_HANDLING.total_seconds())
    assert place_in_queue(session, third.id, answer_within_s=ANSWER_S).estimate_s == 2 * default
    accept(session, first.id, aiko.id, store.id)
    # Aiko is busy now: the next customer waits one (default) call.
    assert place_in_queue(session, second.id, answer_within_s=ANSWER_S).position == 1
    assert place_in_queue(session, second.id, answer_within_s=ANSWER_S).estimate_s == default
    assert place_in_queue(session, first.id, answer_within_s=ANSWER_S).position == 0


def test_estimates_use_recent_handling_times(session: Session) -> None:
    store = factories.store(session)
    aiko = factories.staff(session, store)
    set_presence(session, aiko.id, "available")
    done = start_walk_in(session, store.id)
    accept(session, done.id, aiko.id, store.id)
    done.started_at = utcnow() - timedelta(minutes=12)
    end(session, done.id)
    busy = start_walk_in(session, store.id)
    accept(session, busy.id, aiko.id, store.id)
    waiting = start_walk_in(session, store.id)
    estimate = place_in_queue(session, waiting.id, answer_within_s=ANSWER_S).estimate_s
    assert estimate is not None and 11 * 60 < estimate <= 12 * 60 + 5


def test_only_one_member_of_staff_can_accept(session: Session) -> None:
    store = factories.store(session)
    aiko = factories.staff(session, store)
    ken = factories.staff(session, store, email="ken@example.com")
    call = start_walk_in(session, store.id)
    accept(session, call.id, aiko.id, store.id)
    with pytest.raises(QueueError) as taken:
        accept(session, call.id, ken.id, store.id)
    assert taken.value.key == "queue.taken"
    assert call.staff_id == aiko.id
    assert [e.kind for e in events_of(session, call.id)] == ["queued", "accepted"]


def test_accepting_at_the_same_moment_gives_the_call_to_one(
    session: Session, engine: Engine
) -> None:
    store = factories.store(session)
    staff = [factories.staff(session, store, email=f"s{n}@example.com").id for n in range(6)]
    call = start_walk_in(session, store.id)
    session.commit()
    barrier, winners, errors = threading.Barrier(len(staff)), [], []

    def attempt(staff_id: int) -> None:
        with Session(engine) as own:
            barrier.wait()
            try:
                accept(own, call.id, staff_id, store.id)
                own.commit()
                winners.append(staff_id)
            except QueueError:
                own.rollback()
                errors.append(staff_id)

    threads = [threading.Thread(target=attempt, args=(s,)) for s in staff]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(winners) == 1 and len(errors) == len(staff) - 1
    session.expire_all()
    assert session.get(Consultation, call.id).staff_id == winners[0]  # type: ignore[union-attr]


def test_a_call_for_one_member_of_staff_is_theirs_until_they_go_away(session: Session) -> None:
    store = factories.store(session)
    aiko = factories.staff(session, store)
    ken = factories.staff(session, store, email="ken@example.com")
    set_presence(session, aiko.id, "available")
    set_presence(session, ken.id, "available")
    call = start_walk_in(session, store.id, requested_staff_id=aiko.id)
    assert [r["id"] for r in queue_for_staff(session, ken.id, store.id, "en")] == []
    assert queue_for_staff(session, aiko.id, store.id, "en")[0]["for_me"] is True
    with pytest.raises(QueueError):
        accept(session, call.id, ken.id, store.id)
    place = place_in_queue(session, call.id, answer_within_s=ANSWER_S)
    assert (place.requested_staff, place.moved) == ("aiko", False)

    assert set_presence(session, aiko.id, "away") == [call.id]
    place = place_in_queue(session, call.id, answer_within_s=ANSWER_S)
    assert (place.requested_staff, place.moved, place.position) == ("", True, 1)
    assert [r["id"] for r in queue_for_staff(session, ken.id, store.id, "en")] == [call.id]
    accept(session, call.id, ken.id, store.id)


def test_a_call_for_someone_who_went_offline_moves_to_the_store_queue(session: Session) -> None:
    store = factories.store(session)
    aiko = factories.staff(session, store)
    set_presence(session, aiko.id, "available", now=utcnow() - timedelta(minutes=10))
    call = start_walk_in(session, store.id, requested_staff_id=aiko.id)
    place = place_in_queue(session, call.id, answer_within_s=ANSWER_S)
    assert place.moved and call.requested_staff_id is None


def test_staff_see_what_waiting_customers_looked_at(session: Session) -> None:
    store = factories.store(session)
    living = factories.scene(session, store, "living")
    sofa = factories.product(session)
    aiko = factories.staff(session, store)
    visitor = "visitor-0001"
    record(session, visitor_id=visitor, store_id=store.id, kind="scene_enter", scene_id=living.id)
    record(session, visitor_id=visitor, store_id=store.id, kind="product_open",
           product_id=sofa.id)  # fmt: skip
    call = start_walk_in(session, store.id, visitor_id=visitor, product_id=sofa.id,
                         tour_view={"scene": "living", "yaw": 0.5})  # fmt: skip
    call.created_at = utcnow() - timedelta(minutes=4)
    [row] = queue_for_staff(session, aiko.id, store.id, "en")
    assert row["id"] == call.id and row["waited_min"] == 4
    assert (row["product"], row["scene"], row["looked_at"], row["visited"]) == (
        "Sofa", "Living", "Sofa", "Living",
    )  # fmt: skip


def test_nobody_answering_offers_a_booking_or_a_message(session: Session) -> None:
    store = factories.store(session)
    call = start_walk_in(session, store.id)
    assert not place_in_queue(session, call.id, answer_within_s=ANSWER_S).unanswered
    call.created_at = utcnow() - timedelta(seconds=ANSWER_S + 1)
    assert place_in_queue(session, call.id, answer_within_s=ANSWER_S).unanswered
    assert mark_unanswered(session, call.id) and not mark_unanswered(session, call.id)

    with pytest.raises(QueueError) as bad:
        leave_message(session, call.id, "not an address", "Please call me back")
    assert bad.value.key == "queue.bad_email"
    assert call.status == "waiting" and history(session, call.id) == []
    leave_message(session, call.id, "hanako@example.com", "Please call me back about the sofa")
    assert (call.status, call.end_reason, call.customer_email) == (
        "ended", "unanswered", "hanako@example.com",
    )  # fmt: skip
    aiko = factories.staff(session, store)
    [left] = messages_left(session, aiko.id, store.id, "en")
    assert (left["email"], left["body"]) == (
        "hanako@example.com", "Please call me back about the sofa",
    )  # fmt: skip
    with pytest.raises(QueueError):
        leave_message(session, call.id, "hanako@example.com", "again")
    kinds = [e.kind for e in events_of(session, call.id)]
    assert kinds == ["queued", "unanswered", "message_left"]


def test_a_message_after_staff_answered_is_refused(session: Session) -> None:
    store = factories.store(session)
    aiko = factories.staff(session, store)
    call = start_walk_in(session, store.id)
    join_as_staff(session, call.id, aiko.id, store.id)
    with pytest.raises(QueueError) as answered:
        leave_message(session, call.id, "hanako@example.com", "hello")
    assert answered.value.key == "queue.already_answered"


def test_giving_up_ends_a_waiting_call_only(session: Session) -> None:
    store = factories.store(session)
    call = start_walk_in(session, store.id)
    give_up(session, call.id)
    assert (call.status, call.end_reason) == ("ended", "left")
    give_up(session, call.id)
    assert [e.kind for e in events_of(session, call.id)] == ["queued", "left"]


def test_a_caller_whose_page_closed_leaves_with_that_reason(session: Session) -> None:
    store = factories.store(session)
    call = start_walk_in(session, store.id)
    with pytest.raises(ValueError):
        give_up(session, call.id, reason="bored")
    assert call.status == "waiting"  # nothing changed by the refused reason
    assert give_up(session, call.id, reason="gone")
    assert (call.status, call.end_reason) == ("ended", "gone")
    assert not give_up(session, call.id, reason="gone")  # once only
    left = events_of(session, call.id)[-1]
    assert (left.kind, left.role, left.detail) == ("left", "customer", {"reason": "gone"})


def test_booked_calls_can_be_started_from_shortly_before_their_time(session: Session) -> None:
    from consult.calls.consultations import JOIN_EARLY
    from consult.calls.queue import joinable_bookings

    aiko_id, store_id, _start = factories.booking(session)
    booking = session.query(Booking).one()
    early = booking.starts_at - JOIN_EARLY - timedelta(minutes=1)
    assert joinable_bookings(session, aiko_id, now=early) == set()
    assert joinable_bookings(session, aiko_id, now=booking.starts_at - JOIN_EARLY) == {booking.id}
    assert joinable_bookings(session, aiko_id + 1, now=booking.starts_at) == set()
    assert joinable_bookings(session, aiko_id, now=booking.ends_at) == set()
    # The call it opens waits for this member of staff only, and they can take it.
    call = call_for_booking(session, booking, now=booking.starts_at)
    assert [r["booked"] for r in queue_for_staff(session, aiko_id, store_id, "en")] == [True]
    accept(session, call.id, aiko_id, store_id)
    assert call.status == "active"


def test_callers_may_ask_for_staff_of_this_store_who_take_calls(session: Session) -> None:
    store, other = factories.store(session), factories.store(session, slug="umeda")
    aiko = factories.staff(session, store)
    ken = factories.staff(session, store, email="ken@example.com")
    mia = factories.staff(session, store, email="mia@example.com")
    elsewhere = factories.staff(session, other, email="yuki@example.com")
    for member in (aiko, ken, elsewhere):
        set_presence(session, member.id, "available")
    join_as_staff(session, start_walk_in(session, store.id).id, aiko.id, store.id)
    # Mia is away; Aiko is in a call, so she comes after Ken.
    choices = staff_to_call(session, store.id)
    assert [(c["name"], c["busy"]) for c in choices] == [("ken", False), ("aiko", True)]
    assert requested_staff(session, store.id, str(ken.id)) == ken.id
    assert requested_staff(session, store.id, str(mia.id)) == mia.id  # the queue moves it on
    for bad in (str(elsewhere.id), "999", "", "1; drop table", "-1"):
        assert requested_staff(session, store.id, bad) is None  # whoever is free instead

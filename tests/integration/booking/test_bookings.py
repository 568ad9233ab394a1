"""Booking against real databases (SQLite and PostgreSQL): slots, booking, changes, races."""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from consult.booking import bookings
from consult.booking.rules import BookingError, SlotTaken
from consult.models import Booking, BookingClaim, ConsultationType, Question, WaitlistEntry
from showroom.models import AvailabilityException, StaffMember, Store, WeeklyAvailability

NOW = datetime(2026, 3, 20, 0, 0, tzinfo=UTC)  # a Friday; the tests' "now"
MONDAY = date(2026, 3, 23)
KEY = "test-signing-key"


@dataclass
class World:
    store: Store
    staff: list[StaffMember]
    kind: ConsultationType
    questions: list[Question]

    def at(self, day: date, hh_mm: str) -> datetime:
        """A wall-clock time in the store's zone, as aware UTC."""
        local = datetime.fromisoformat(f"{day.isoformat()}T{hh_mm}")
        return local.replace(tzinfo=ZoneInfo(self.store.timezone)).astimezone(UTC)


def make_world(session: Session, zone: str = "Asia/Tokyo", staff_count: int = 2) -> World:
    store = Store(
        slug="aoyama", name_en="Showroom Aoyama", name_ja="ショールーム青山", timezone=zone
    )
    session.add(store)
    session.flush()
    staff = [
        StaffMember(
            store_id=store.id,
            email=f"staff{n}@example.com",
            display_name=f"Staff {n}",
            password_hash="!",
        )
        for n in range(staff_count)
    ]
    session.add_all(staff)
    session.flush()
    for member in staff:  # Monday to Saturday, 10:00-18:00 store time
        session.add_all(
            WeeklyAvailability(staff_id=member.id, weekday=d, start_minute=600, end_minute=1080)
            for d in range(6)
        )
    kind = ConsultationType(
        store_id=store.id,
        slug="sofa",
        name_en="Sofa advice",
        name_ja="ソファのご相談",
        duration_minutes=30,
        slot_step_minutes=30,
        buffer_after_minutes=10,
        min_notice_minutes=120,
    )
    session.add(kind)
    session.flush()
    room = Question(consultation_type_id=kind.id, position=0, kind="choice", label_en="Room",
                    label_ja="部屋", required=True, options=["living", "bedroom"])  # fmt: skip
    pets = Question(consultation_type_id=kind.id, position=1, kind="yes_no", label_en="Pets?",
                    label_ja="ペット", required=True)  # fmt: skip
    session.add_all([room, pets])
    session.flush()
    which = Question(consultation_type_id=kind.id, position=2, kind="text", label_en="Which pets?",
                     label_ja="どんなペット", required=True, show_if_question_id=pets.id,
                     show_if_answer="yes")  # fmt: skip
    session.add(which)
    session.commit()
    return World(store, staff, kind, [room, pets, which])


def answers(world: World, pets: bool = False) -> dict[str, object]:
    room, has_pets, which = world.questions
    out: dict[str, object] = {str(room.id): "living", str(has_pets.id): pets}
    if pets:
        out[str(which.id)] = "two cats"
    return out


def book(session: Session, world: World, when: datetime, **extra: Any) -> Booking:
    fields: dict[str, Any] = {
        "customer_name": "山田 花子",
        "customer_email": "hanako@example.com",
        "answers": answers(world),
        "staff_id": world.staff[0].id,
        "now": NOW,
        **extra,
    }
    return bookings.book(session, world.kind.id, when, **fields)


def counts(session: Session) -> tuple[int, int]:
    session.rollback()
    return (
        session.scalar(select(func.count()).select_from(Booking)) or 0,
        session.scalar(select(func.count()).select_from(BookingClaim)) or 0,
    )


@pytest.fixture
def world(session: Session) -> World:
    return make_world(session)


def test_free_slots_respect_bookings_and_buffers(session: Session, world: World) -> None:
    first = bookings.free_slots(
        session, world.kind.id, staff_id=world.staff[0].id, first_day=MONDAY, days=1, now=NOW
    )
    assert [s.starts_at for s in first][:3] == [
        world.at(MONDAY, t) for t in ("10:00", "10:30", "11:00")
    ]
    assert len(first) == 16  # 10:00 to 17:30 every 30 minutes

    made = book(session, world, world.at(MONDAY, "10:30"), answers=answers(world, pets=True))
    session.commit()
    assert made.answers[str(world.questions[2].id)] == "two cats"
    # 30 minutes plus the 10-minute buffer after: 10:30-11:10 held, so 11:00 goes too
    claims = session.scalars(
        select(BookingClaim.minute).where(BookingClaim.booking_id == made.id)
    ).all()
    assert len(claims) == 8
    after = bookings.free_slots(
        session, world.kind.id, staff_id=world.staff[0].id, first_day=MONDAY, days=1, now=NOW
    )
    starts = {s.starts_at for s in after}
    # 10:00 would run into 10:30 with its own buffer after
    gone = {world.at(MONDAY, t) for t in ("10:00", "10:30", "11:00")}
    assert not gone & starts and world.at(MONDAY, "11:30") in starts and len(after) == 13
    anyone = bookings.free_slots(session, world.kind.id, first_day=MONDAY, days=1, now=NOW)
    assert len(anyone) == 16  # the other staff member is still free then


def test_the_database_refuses_overlapping_claims(session: Session, world: World) -> None:
    made = book(session, world, world.at(MONDAY, "10:00"))
    session.commit()
    claimed = session.scalars(
        select(BookingClaim.minute).where(BookingClaim.booking_id == made.id)
    ).first()
    with pytest.raises(IntegrityError):
        session.execute(
            insert(BookingClaim),
            [{"staff_id": world.staff[0].id, "minute": claimed, "booking_id": made.id}],
        )
        session.flush()
    session.rollback()


def test_the_database_wins_even_when_the_python_check_is_bypassed(
    session: Session, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    book(session, world, world.at(MONDAY, "10:00"))
    session.commit()
    monkeypatch.setattr(bookings, "why_not_bookable", lambda *args: None)
    with pytest.raises(SlotTaken) as taken:
        book(session, world, world.at(MONDAY, "10:30"), customer_email="other@example.com")
    assert counts(session) == (1, 8)
    assert taken.value.key == "booking.slot_taken"
    assert taken.value.next_slots and taken.value.next_slots[0].starts_at == world.at(
        MONDAY, "11:00"
    )


@pytest.mark.parametrize(
    "case, key",
    [
        ("past", "booking.slot_in_past"),
        ("notice", "booking.inside_notice"),
        ("sunday", "booking.outside_availability"),
        ("evening", "booking.outside_availability"),
        ("unknown_staff", "booking.unknown_staff"),
        ("staff_id_text", "booking.unknown_staff"),
        ("bad_email", "booking.bad_email"),
        ("missing_answer", "booking.answer_required"),
        ("hidden_required", "booking.answer_required"),
        ("taken", "booking.slot_taken"),
        ("unknown_product", "booking.unknown_product"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(
    session: Session, world: World, case: str, key: str
) -> None:
    book(session, world, world.at(MONDAY, "12:00"))
    session.commit()
    before = counts(session)
    room, pets, _ = world.questions
    when, extra = world.at(MONDAY, "14:00"), dict[str, Any]()
    if case == "past":
        when = NOW - timedelta(days=1)
    elif case == "notice":
        when, extra["now"] = world.at(MONDAY, "14:00"), world.at(MONDAY, "13:00")
    elif case == "sunday":
        when = world.at(MONDAY - timedelta(days=1), "14:00")
    elif case == "evening":
        when = world.at(MONDAY, "18:00")
    elif case == "unknown_staff":
        extra["staff_id"] = 99999
    elif case == "staff_id_text":
        extra["staff_id"] = "1 OR 1=1"
    elif case == "bad_email":
        extra["customer_email"] = "hanako@@example"
    elif case == "missing_answer":
        extra["answers"] = {str(room.id): "living"}
    elif case == "hidden_required":  # "pets: yes" shows the follow-up, which is required
        extra["answers"] = {str(room.id): "living", str(pets.id): "yes"}
    elif case == "unknown_product":
        extra["product_id"] = 99999
    elif case == "taken":
        when = world.at(MONDAY, "12:00")
    with pytest.raises(BookingError) as refused:
        book(session, world, when, **extra)
    assert refused.value.key == key
    assert counts(session) == before


def test_anyone_available_is_assigned_fairly(session: Session, world: World) -> None:
    first = book(session, world, world.at(MONDAY, "10:00"), staff_id=None)
    session.commit()
    assert first.staff_id == world.staff[0].id  # tie: lowest id
    second = book(session, world, world.at(MONDAY, "15:00"), staff_id=None)
    session.commit()
    assert second.staff_id == world.staff[1].id  # staff 0 already has one that day
    third = book(session, world, world.at(MONDAY, "10:00"), staff_id=None)
    session.commit()
    assert third.staff_id == world.staff[1].id  # only staff 1 is free at 10:00
    with pytest.raises(SlotTaken) as taken:
        book(session, world, world.at(MONDAY, "10:00"), staff_id=None)
    # 10:30 would run into both 10:00 bookings' 10-minute buffer after
    assert taken.value.next_slots[0].starts_at == world.at(MONDAY, "11:00")


def test_days_off_and_daily_maximum(session: Session, world: World) -> None:
    session.add(AvailabilityException(staff_id=world.staff[0].id, day=MONDAY))
    world.kind.max_per_day = 1
    session.commit()
    with pytest.raises(BookingError, match="No consultations are offered"):
        book(session, world, world.at(MONDAY, "10:00"))
    tuesday = MONDAY + timedelta(days=1)
    book(session, world, world.at(tuesday, "10:00"))
    session.commit()
    with pytest.raises(BookingError) as full:
        book(session, world, world.at(tuesday, "14:00"))
    assert full.value.key == "booking.day_full"


def test_reschedule_moves_the_claims_atomically(session: Session, world: World) -> None:
    mine = book(session, world, world.at(MONDAY, "10:00"))
    other = book(session, world, world.at(MONDAY, "14:00"), customer_email="b@example.com")
    session.commit()
    moved = bookings.reschedule(
        session, mine.id, world.at(MONDAY, "10:30"), now=NOW
    )  # overlaps itself
    session.commit()
    assert moved.starts_at == world.at(MONDAY, "10:30") and moved.sequence == 1
    held = session.scalars(
        select(BookingClaim.minute).where(BookingClaim.booking_id == mine.id)
    ).all()
    assert min(held) * 60 == int(world.at(MONDAY, "10:30").timestamp()) and len(held) == 8

    before = counts(session)
    with pytest.raises(SlotTaken) as taken:
        bookings.reschedule(session, mine.id, world.at(MONDAY, "14:00"), now=NOW)
    assert taken.value.next_slots[0].starts_at == world.at(MONDAY, "15:00")
    assert counts(session) == before
    session.refresh(mine)
    assert mine.starts_at == world.at(MONDAY, "10:30") and other.status == "confirmed"
    with pytest.raises(BookingError) as late:
        bookings.reschedule(
            session, mine.id, world.at(MONDAY, "16:00"), now=world.at(MONDAY, "09:00")
        )
    assert late.value.key == "booking.too_late_to_change"


def test_cancel_frees_the_time_and_tells_the_waitlist_once(session: Session, world: World) -> None:
    mine = book(session, world, world.at(MONDAY, "10:00"))
    entry = bookings.join_waitlist(session, world.kind.id, MONDAY, customer_name="Ken",
                                   customer_email="ken@example.com", language="en")  # fmt: skip
    elsewhere = bookings.join_waitlist(session, world.kind.id, MONDAY + timedelta(days=1),
                                       customer_name="Yu", customer_email="yu@example.com")  # fmt: skip
    session.commit()
    with pytest.raises(BookingError) as late:
        bookings.cancel(session, mine.id, now=world.at(MONDAY, "09:00"))
    assert late.value.key == "booking.too_late_to_change"
    cancelled = bookings.cancel(session, mine.id, now=NOW)
    told = bookings.claim_waitlist(
        session, world.store.id, world.staff[0].id, cancelled.starts_at, now=NOW
    )
    session.commit()
    assert cancelled.status == "cancelled" and counts(session) == (1, 0)
    assert [e.id for e in told] == [entry.id]
    assert (
        bookings.claim_waitlist(
            session, world.store.id, world.staff[0].id, cancelled.starts_at, now=NOW
        )
        == []
    )
    assert session.get(WaitlistEntry, elsewhere.id).notified_at is None  # type: ignore[union-attr]
    again = book(session, world, world.at(MONDAY, "10:00"), customer_email="c@example.com")
    session.commit()
    assert again.staff_id == world.staff[0].id
    with pytest.raises(BookingError, match="cancelled or has already"):
        bookings.cancel(session, mine.id, now=NOW)


def test_staff_mark_outcomes_after_the_start(session: Session, world: World) -> None:
    mine = book(session, world, world.at(MONDAY, "10:00"))
    session.commit()
    with pytest.raises(BookingError) as early:
        bookings.mark_outcome(session, mine.id, "no_show", now=NOW)
    assert early.value.key == "booking.not_started"
    bookings.mark_outcome(session, mine.id, "no_show", now=world.at(MONDAY, "10:20"))
    session.commit()
    assert session.get(Booking, mine.id).status == "no_show"  # type: ignore[union-attr]
    assert bookings.staff_bookings(session, world.staff[0].id, NOW, NOW + timedelta(days=7)) == [
        mine
    ]


def test_reminders_are_claimed_once_even_across_sessions(
    session: Session, world: World, engine: Engine
) -> None:
    mine = book(session, world, world.at(MONDAY, "10:00"))
    session.commit()
    day_before = mine.starts_at - timedelta(hours=23)
    assert bookings.due_reminders(session, now=mine.starts_at - timedelta(hours=25)) == []
    assert bookings.due_reminders(session, now=day_before) == [(mine.id, "24h")]
    assert bookings.claim_reminder(session, mine.id, "24h", now=day_before)
    session.commit()
    with Session(engine) as restarted:  # as after a restart: the state is in the database
        assert not bookings.claim_reminder(restarted, mine.id, "24h", now=day_before)
        assert bookings.due_reminders(restarted, now=day_before) == []
        hour_before = mine.starts_at - timedelta(minutes=50)
        assert bookings.due_reminders(restarted, now=hour_before) == [(mine.id, "1h")]


def test_links_grant_one_booking_and_refuse_tampering(session: Session, world: World) -> None:
    mine = book(session, world, world.at(MONDAY, "10:00"))
    session.commit()
    token = bookings.link_token(KEY, mine, "manage")
    assert bookings.booking_for_link(session, KEY, token, "manage", now=NOW).id == mine.id
    body, _, mac = token.partition(".")
    cases = {
        "booking.link_invalid": [
            (f"{body}x.{mac}", "manage"),
            (token, "join"),
            (token + "A", "manage"),
        ],
        "booking.link_expired": [(token, "manage")],
    }
    for key, attempts in cases.items():
        for attempt, purpose in attempts:
            now = mine.ends_at + timedelta(days=1) if key.endswith("expired") else NOW
            with pytest.raises(BookingError) as refused:
                bookings.booking_for_link(session, KEY, attempt, purpose, now=now)
            assert refused.value.key == key


def test_one_hundred_customers_racing_for_one_slot(
    engine: Engine, session: Session, world: World
) -> None:
    when, outcomes, barrier = world.at(MONDAY, "15:00"), Counter[str](), threading.Barrier(100)
    lock = threading.Lock()

    def attempt(n: int) -> None:
        barrier.wait()
        with Session(engine) as own:
            try:
                book(
                    own, world, when, customer_email=f"c{n}@example.com", staff_id=world.staff[0].id
                )
                own.commit()
                result = "won"
            except SlotTaken as taken:
                result = "taken" if taken.next_slots else "taken without next slots"
            except Exception as error:  # anything else is a failure to report
                result = repr(error)
        with lock:
            outcomes[result] += 1

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(100)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert outcomes == Counter({"won": 1, "taken": 99}), outcomes
    assert counts(session)[0] == 1
    assert time.monotonic() - started < 30

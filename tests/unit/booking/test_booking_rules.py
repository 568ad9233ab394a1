"""Booking rules without a database: slots, buffers, DST, notice, limits, fairness, answers."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from consult.booking.rules import (
    BookingError,
    LocalClock,
    QuestionRule,
    Rules,
    SlotTaken,
    StaffCalendar,
    any_free_starts,
    busy_from_granules,
    clean_answers,
    clean_email,
    clean_name,
    free_starts,
    from_minute,
    granules,
    pick_fair,
    to_minute,
    why_not_bookable,
)

MONDAY = date(2026, 11, 23)
EARLY = to_minute(datetime(2026, 1, 1, tzinfo=UTC))


def local(clock: LocalClock, minute: int) -> str:
    return from_minute(minute).astimezone(clock.tz).strftime("%Y-%m-%d %H:%M")


def hm(minutes: list[int], clock: LocalClock) -> list[str]:
    return [local(clock, m)[-5:] for m in minutes]


def at(zone: str, text: str) -> int:
    return to_minute(datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone)))


def test_slots_follow_weekly_ranges_in_the_store_zone() -> None:
    clock = LocalClock("Asia/Tokyo")
    calendar = StaffCalendar(1, {0: [(600, 720), (840, 900)]})
    starts = free_starts(calendar, Rules(duration=30), [MONDAY], clock, EARLY)
    assert hm(starts, clock) == [
        "10:00", "10:15", "10:30", "10:45", "11:00", "11:15", "11:30", "14:00", "14:15", "14:30",
    ]  # fmt: skip
    assert from_minute(starts[0]) == datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # JST is UTC+9
    assert free_starts(calendar, Rules(duration=30), [date(2026, 11, 24)], clock, EARLY) == []


def test_buffers_keep_time_around_existing_bookings() -> None:
    clock = LocalClock("Asia/Tokyo")
    rules = Rules(duration=30, buffer_before=10, buffer_after=10)
    held = at("Asia/Tokyo", "2026-11-23T10:30")
    busy = busy_from_granules(granules(held, held + 30, rules))  # 10:20-11:10 with buffers
    calendar = StaffCalendar(1, {0: [(540, 780)]}, busy=busy)
    starts = free_starts(calendar, rules, [MONDAY], clock, EARLY)
    # a new booking's own buffers may not touch the held span either: ends by 09:40+40, or
    # starts at 11:20 or later (aligned to the quarter hours from 09:00)
    assert hm(starts, clock) == [
        "09:00",
        "09:15",
        "09:30",
        "11:30",
        "11:45",
        "12:00",
        "12:15",
        "12:30",
    ]


@pytest.mark.parametrize(
    "zone, day, expected_utc",
    [
        # New York springs forward at 02:00 on 8 March 2026: 01:00 EST, then 03:00 EDT
        ("America/New_York", date(2026, 3, 7), ["14:00", "15:00"]),
        ("America/New_York", date(2026, 3, 9), ["13:00", "14:00"]),
        # London springs forward on 29 March 2026
        ("Europe/London", date(2026, 3, 27), ["09:00", "10:00"]),
        ("Europe/London", date(2026, 3, 30), ["08:00", "09:00"]),
        ("Asia/Tokyo", date(2026, 3, 30), ["00:00", "01:00"]),
    ],
)
def test_daylight_saving_moves_slots_in_utc(zone: str, day: date, expected_utc: list[str]) -> None:
    clock = LocalClock(zone)
    calendar = StaffCalendar(1, {weekday: [(540, 660)] for weekday in range(7)})
    starts = free_starts(calendar, Rules(duration=60, step=60), [day], clock, EARLY)
    assert [from_minute(m).strftime("%H:%M") for m in starts] == expected_utc
    assert hm(starts, clock) == ["09:00", "10:00"]  # the same wall-clock times every day


def test_a_range_across_the_spring_forward_gap_is_an_hour_shorter() -> None:
    clock = LocalClock("America/New_York")
    calendar = StaffCalendar(1, {6: [(60, 300)]})  # Sunday 01:00-05:00 wall clock
    starts = free_starts(calendar, Rules(duration=60, step=60), [date(2026, 3, 8)], clock, EARLY)
    assert hm(starts, clock) == ["01:00", "03:00", "04:00"]


def test_exceptions_take_days_off_and_add_hours() -> None:
    clock = LocalClock("Asia/Tokyo")
    weekly = {0: [(600, 660)]}
    rules = Rules(duration=60, step=60)
    off = StaffCalendar(1, weekly, {MONDAY: [None]})
    assert free_starts(off, rules, [MONDAY], clock, EARLY) == []
    extra = StaffCalendar(1, weekly, {MONDAY: [(900, 960)]})
    assert hm(free_starts(extra, rules, [MONDAY], clock, EARLY), clock) == ["10:00", "15:00"]
    only = StaffCalendar(1, weekly, {MONDAY: [None, (780, 840)]})
    assert hm(free_starts(only, rules, [MONDAY], clock, EARLY), clock) == ["13:00"]


def test_minimum_notice_and_daily_maximum() -> None:
    clock = LocalClock("Asia/Tokyo")
    calendar = StaffCalendar(1, {0: [(600, 720)]}, day_counts={MONDAY: 2})
    now = at("Asia/Tokyo", "2026-11-23T09:50")
    rules = Rules(duration=30, min_notice=60)
    assert hm(free_starts(calendar, rules, [MONDAY], clock, now + 60), clock)[0] == "11:00"
    full = Rules(duration=30, max_per_day=2)
    assert free_starts(calendar, full, [MONDAY], clock, EARLY) == []


def test_refusals_name_the_reason() -> None:
    clock = LocalClock("Asia/Tokyo")
    rules = Rules(duration=30, min_notice=120, max_per_day=3)
    held = at("Asia/Tokyo", "2026-11-23T11:00")
    calendar = StaffCalendar(
        1, {0: [(600, 720)]}, busy=busy_from_granules(granules(held, held + 30, rules))
    )
    now = at("Asia/Tokyo", "2026-11-23T08:00")

    def reason(text: str) -> str | None:
        refusal = why_not_bookable(calendar, rules, at("Asia/Tokyo", text), clock, now)
        return None if refusal is None else refusal.key

    assert reason("2026-11-23T07:00") == "booking.slot_in_past"
    assert reason("2026-11-23T09:30") == "booking.inside_notice"
    assert reason("2026-11-23T12:00") == "booking.outside_availability"
    assert reason("2026-11-23T10:10") == "booking.outside_availability"  # off the 15-min grid
    assert reason("2026-11-23T10:45") == "booking.slot_taken"
    assert reason("2026-11-23T10:30") is None
    assert isinstance(why_not_bookable(calendar, rules, held, clock, now), SlotTaken)
    full = StaffCalendar(1, calendar.weekly, busy=calendar.busy, day_counts={MONDAY: 3})
    assert why_not_bookable(full, rules, held, clock, now).key == "booking.day_full"  # type: ignore[union-attr]


def test_anyone_available_goes_to_the_least_booked_then_lowest_id() -> None:
    assert pick_fair([7, 3, 5], {7: 1, 3: 2, 5: 1}) == [5, 7, 3]
    assert pick_fair([9, 4], {}) == [4, 9]


def test_overlapping_bookings_always_share_a_claim_granule() -> None:
    rng = random.Random(4)
    for _ in range(2000):
        a = Rules(
            duration=rng.choice([15, 30, 45]),
            buffer_before=rng.randrange(0, 20),
            buffer_after=rng.randrange(0, 20),
        )
        b = Rules(
            duration=rng.choice([15, 30, 45]),
            buffer_before=rng.randrange(0, 20),
            buffer_after=rng.randrange(0, 20),
        )
        sa, sb = rng.randrange(0, 300), rng.randrange(0, 300)
        span_a = (sa - a.buffer_before, sa + a.duration + a.buffer_after)
        span_b = (sb - b.buffer_before, sb + b.duration + b.buffer_after)
        overlap = span_a[0] < span_b[1] and span_b[0] < span_a[1]
        shared = set(granules(sa, sa + a.duration, a)) & set(granules(sb, sb + b.duration, b))
        if overlap:
            assert shared, (sa, a, sb, b)


QUESTIONS = [
    QuestionRule(1, "choice", required=True, options=("sofa", "table")),
    QuestionRule(2, "yes_no", required=True),
    QuestionRule(3, "text", required=True, show_if_question_id=2, show_if_answer="yes"),
    QuestionRule(4, "text"),
]


def test_conditional_questions_are_required_only_when_shown() -> None:
    assert clean_answers(QUESTIONS, {"1": "sofa", "2": "no"}) == {"1": "sofa", "2": False}
    # an answer to a hidden question is dropped
    assert clean_answers(QUESTIONS, {"1": "sofa", "2": False, "3": "x"}) == {
        "1": "sofa",
        "2": False,
    }
    with pytest.raises(BookingError) as missing:
        clean_answers(QUESTIONS, {"1": "sofa", "2": True})
    assert missing.value.key == "booking.answer_required"
    assert missing.value.field == "q-3"  # the page marks the question shown but unanswered
    shown = clean_answers(QUESTIONS, {"1": "table", "2": "yes", "3": " a grey one ", "4": ""})
    assert shown == {"1": "table", "2": True, "3": "a grey one"}


@pytest.mark.parametrize(
    "answers, key, field",
    [
        ({"2": "yes", "3": "x"}, "booking.answer_required", "q-1"),
        ({"1": "bed", "2": "no"}, "booking.answer_invalid", "q-1"),
        ({"1": "sofa", "2": "maybe"}, "booking.answer_invalid", "q-2"),
        ({"1": "sofa", "2": "no", "99": "x"}, "booking.answer_invalid", ""),
    ],
)
def test_bad_answers_are_refused(answers: dict[str, object], key: str, field: str) -> None:
    with pytest.raises(BookingError) as refused:
        clean_answers(QUESTIONS, answers)
    assert refused.value.key == key
    assert refused.value.field == field
    assert refused.value.text("ja") and refused.value.text("en") != refused.value.text("ja")


@pytest.mark.parametrize(
    "email",
    [
        "",
        "hanako",
        "hanako@",
        "@example.com",
        "a b@example.com",
        "a@b",
        "a@example.com\nBcc: x@y.z",
    ],
)
def test_malformed_email_is_refused(email: str) -> None:
    with pytest.raises(BookingError, match="valid email"):
        clean_email(email)


def test_names_and_emails_are_tidied() -> None:
    assert clean_email(" hanako@example.co.jp ") == "hanako@example.co.jp"
    assert clean_name("  山田   花子 ") == "山田 花子"
    with pytest.raises(BookingError):
        clean_name("   ")


def test_anyone_available_is_exactly_the_union_of_each_staff_members_slots() -> None:
    rng = random.Random(7)
    clock = LocalClock("Europe/London")
    days = [date(2026, 3, 26) + timedelta(days=n) for n in range(6)]  # across the DST change
    rules = Rules(duration=30, step=15, buffer_before=5, buffer_after=10, max_per_day=3)
    patterns = [
        {d: [(540, 720), (780, 1020)] for d in range(5)},
        {d: [(600, 960)] for d in range(6)},
    ]
    calendars = []
    for staff_id in range(4):
        held = [
            at(
                "Europe/London",
                f"{rng.choice(days)}T{rng.randrange(9, 17):02d}:{rng.choice(['00', '30'])}",
            )
            for _ in range(14)
        ]
        busy = busy_from_granules(g for h in held for g in granules(h, h + 30, rules))
        exceptions: dict[date, list[tuple[int, int] | None]] = {
            rng.choice(days): [None, (600, 660)]
        }
        counts = {rng.choice(days): 3}
        calendars.append(StaffCalendar(staff_id, patterns[staff_id % 2], exceptions, busy, counts))
    earliest = at("Europe/London", "2026-03-23T12:00")
    expected = sorted({s for c in calendars for s in free_starts(c, rules, days, clock, earliest)})
    assert any_free_starts(calendars, rules, days, clock, earliest) == expected
    assert len(expected) > 50


@pytest.mark.parametrize(
    "scene, yaw, pitch, kept",
    [
        ("living", "0.5", "-0.1", True),
        ("living", 3.1, 1.2, True),
        (None, "0.5", "0", False),
        ("Living Room!", "0.5", "0", False),
        ("living", "nan", "0", False),
        ("living", "100", "0", False),
        ("living", "0", "2", False),
        ("living", "east", "0", False),
    ],
)
def test_the_tour_view_is_kept_only_when_plausible(
    scene: object, yaw: object, pitch: object, kept: bool
) -> None:
    from consult.booking.rules import clean_tour_view

    view = clean_tour_view(scene, yaw, pitch)
    assert (view is not None) == kept
    if view is not None:
        assert view["scene"] == scene and isinstance(view["yaw"], float)

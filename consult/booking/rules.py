"""Booking rules as plain functions: free slots, fair assignment, questionnaire and input checks.

No database here. Times are handled as Unix minutes (int) in the hot paths, because slot search
over many staff and weeks must stay fast; `Slot` carries aware UTC datetimes for callers.
Availability is wall-clock time in the store's zone, so daylight saving moves it in UTC.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from showroom.i18n import t

GRANULE_MINUTES = 5  # claim size: every booking holds whole 5-minute granules of staff time
REMINDER_OFFSETS = {"24h": timedelta(hours=24), "1h": timedelta(hours=1)}
_EMAIL = re.compile(
    r"^[^@\s<>(),;:\"\[\]]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+$"
)

Range = tuple[int, int]  # [start, end) in minutes


# Refusal texts (English, Japanese) by translation key; to be merged into showroom.i18n.


class BookingError(Exception):
    """Refused input; nothing was changed. `key` is the translation key a page shows;
    `field` names the form field at fault ("q-<question id>", "email", ...) when there is one."""

    def __init__(self, key: str, detail: str = "", *, field: str = "") -> None:
        self.key = key
        self.detail = detail
        self.field = field
        english = t("en", key)
        super().__init__(f"{english} ({detail})" if detail else english)

    def text(self, language: str) -> str:
        return t(language, self.key)


class SlotTaken(BookingError):
    """Someone else holds (part of) this time; `next_slots` are the nearest free ones."""

    def __init__(self, next_slots: Sequence[Slot] = ()) -> None:
        super().__init__("booking.slot_taken", "held by another booking")
        self.next_slots = list(next_slots)


class Slot(NamedTuple):  # a tuple: thousands are built per search
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class Rules:
    """A consultation type's booking rules, in minutes."""

    duration: int
    step: int = 15
    buffer_before: int = 0
    buffer_after: int = 0
    min_notice: int = 0
    max_per_day: int | None = None


@dataclass
class StaffCalendar:
    """One staff member's working pattern and what is already taken.

    `weekly` maps weekday (0 = Monday) to local minute ranges. `exceptions` maps a date to ranges
    that add to the weekly pattern that day; a `None` entry marks the day off (weekly ranges
    dropped, added ranges kept). `busy` is sorted, merged Unix-minute ranges held by bookings.
    """

    staff_id: int
    weekly: Mapping[int, Sequence[Range]]
    exceptions: Mapping[date, Sequence[Range | None]] = field(default_factory=dict)
    busy: Sequence[Range] = ()
    day_counts: Mapping[date, int] = field(default_factory=dict)


def to_minute(moment: datetime) -> int:
    if moment.tzinfo is None:
        raise BookingError("booking.bad_time", "naive datetime; use aware UTC times")
    return int(moment.timestamp()) // 60


def from_minute(minute: int) -> datetime:
    return datetime.fromtimestamp(minute * 60, UTC)


class LocalClock:
    """Converts the store's wall-clock (date, minute of day) to Unix minutes, DST-aware.

    Cached: fifty staff usually share a handful of distinct opening times.
    """

    def __init__(self, zone: str) -> None:
        self.tz = ZoneInfo(zone)
        self._cache: dict[tuple[date, int], int] = {}

    def minute(self, day: date, minute_of_day: int) -> int:
        key = (day, minute_of_day)
        found = self._cache.get(key)
        if found is None:
            # fold=0: a wall time skipped by a spring-forward gap maps to the later instant
            local = datetime.combine(day, time()) + timedelta(minutes=minute_of_day)
            found = self._cache[key] = to_minute(local.replace(tzinfo=self.tz))
        return found

    def day_of(self, moment: datetime) -> date:
        return moment.astimezone(self.tz).date()


def merge(ranges: Iterable[Range]) -> list[Range]:
    out: list[Range] = []
    for start, end in sorted(ranges):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def busy_from_granules(granules: Iterable[int]) -> list[Range]:
    return merge((g, g + GRANULE_MINUTES) for g in granules)


def day_ranges(calendar: StaffCalendar, day: date) -> list[Range]:
    """Local working minute ranges on `day` after exceptions."""
    rows = calendar.exceptions.get(day, ())
    day_off = any(row is None for row in rows)
    base = () if day_off else calendar.weekly.get(day.weekday(), ())
    return merge([*base, *(row for row in rows if row is not None)])


def granules(start: int, end: int, rules: Rules) -> range:
    """The claim granules a booking [start, end) holds, buffers included (rounded outwards)."""
    first = (start - rules.buffer_before) // GRANULE_MINUTES * GRANULE_MINUTES
    last = -(-(end + rules.buffer_after) // GRANULE_MINUTES) * GRANULE_MINUTES
    return range(first, last, GRANULE_MINUTES)


def _windows(
    calendar: StaffCalendar, days: Iterable[date], clock: LocalClock, day_limit: int
) -> list[Range]:
    """Working ranges as ascending Unix minutes over `days`, leaving out days that already
    hold `day_limit` bookings (0: no limit)."""
    out: list[Range] = []
    for day in sorted(days):
        if day_limit and calendar.day_counts.get(day, 0) >= day_limit:
            continue
        for start, end in day_ranges(calendar, day):
            out.append((clock.minute(day, start), clock.minute(day, end)))
    return out


def _starts(
    windows: list[Range],
    busy: Sequence[Range],
    rules: Rules,
    earliest: int,
    busy_ends: Sequence[int] = (),
) -> list[int]:
    """Starts aligned to each window's opening whose claimed span (buffers rounded out to
    granules, as `granules` claims them) misses every busy range. One merge walk over the
    ascending windows and busy ranges: this is the hot loop of slot search."""
    duration, step, g = rules.duration, rules.step, GRANULE_MINUTES
    out: list[int] = []
    first_busy, busy_count = 0, len(busy)
    if busy_ends and windows:  # skip the busy ranges that end before the first window
        first_busy = bisect_right(busy_ends, windows[0][0] - rules.buffer_before - g)
    for open_at, close_at in windows:
        before = open_at - (open_at - rules.buffer_before) // g * g
        after = -(-(open_at + duration + rules.buffer_after) // g) * g - open_at - duration
        first_ok, last_ok = max(open_at, earliest), close_at - duration
        if first_ok > last_ok:
            continue
        region_start, region_end = open_at - before, close_at + after
        while first_busy < busy_count and busy[first_busy][1] <= region_start:
            first_busy += 1
        cursor, index = region_start, first_busy
        while True:  # each gap between busy ranges inside the region
            blocked = index < busy_count and busy[index][0] < region_end
            gap_end = busy[index][0] if blocked else region_end
            lo = max(first_ok, cursor + before)
            hi = min(last_ok, gap_end - after - duration)
            lo += (open_at - lo) % step
            if lo <= hi:
                out.extend(range(lo, hi + 1, step))
            if not blocked:
                break
            cursor, index = max(cursor, busy[index][1]), index + 1
    return out


def free_starts(
    calendar: StaffCalendar,
    rules: Rules,
    days: Iterable[date],
    clock: LocalClock,
    earliest: int,
    *,
    ignore_busy: bool = False,
) -> list[int]:
    """Unix minutes at which this staff member can start a consultation, ascending.

    With `ignore_busy`, what the working pattern allows whatever is booked (for error reasons).
    """
    limit = 0 if ignore_busy else rules.max_per_day or 0
    windows = _windows(calendar, days, clock, limit)
    if ignore_busy:
        return _starts(windows, (), rules, earliest)
    busy_ends = [end for _, end in calendar.busy]
    return _starts(windows, calendar.busy, rules, earliest, busy_ends)


def _day_windows(calendar: StaffCalendar, day: date, clock: LocalClock) -> list[Range]:
    return [(clock.minute(day, a), clock.minute(day, b)) for a, b in day_ranges(calendar, day)]


def _touches(busy: Sequence[Range], busy_ends: Sequence[int], lo: int, hi: int) -> bool:
    index = bisect_right(busy_ends, lo)
    return index < len(busy) and busy[index][0] < hi


def _pattern_windows(weekly: Sequence[Range], day: date, clock: LocalClock) -> list[Range]:
    return [(clock.minute(day, a), clock.minute(day, b)) for a, b in merge(weekly)]


def any_free_starts(
    calendars: Sequence[StaffCalendar],
    rules: Rules,
    days: Iterable[date],
    clock: LocalClock,
    earliest: int,
) -> list[int]:
    """Starts at which at least one of the staff is free ("anyone available"), ascending.

    Staff sharing a weekly pattern share its per-day starts, and a pattern's remaining staff
    are skipped once its starts are all offered: with many staff most are never looked at.
    """
    limit, margin = rules.max_per_day or 0, rules.buffer_before + rules.buffer_after + 60
    groups: dict[tuple[tuple[int, tuple[Range, ...]], ...], list[StaffCalendar]] = defaultdict(list)
    exception_days: dict[date, list[StaffCalendar]] = defaultdict(list)
    ends = {id(c): [end for _, end in c.busy] for c in calendars}
    for calendar in calendars:
        groups[tuple((k, tuple(v)) for k, v in sorted(calendar.weekly.items()))].append(calendar)
        for day in calendar.exceptions:
            exception_days[day].append(calendar)

    def is_full(calendar: StaffCalendar, day: date) -> bool:
        return bool(limit) and calendar.day_counts.get(day, 0) >= limit

    union: list[int] = []
    for day in sorted(days):
        offered: set[int] = set()
        for calendar in exception_days.get(day, ()):
            if not is_full(calendar, day):
                windows = _day_windows(calendar, day, clock)
                offered.update(_starts(windows, calendar.busy, rules, earliest, ends[id(calendar)]))
        for key, members in groups.items():
            windows = _pattern_windows(dict(key).get(day.weekday(), ()), day, clock)
            starts = _starts(windows, (), rules, earliest)
            for calendar in members:
                if not starts or offered.issuperset(starts):
                    break
                if day in calendar.exceptions or is_full(calendar, day):
                    continue
                busy, busy_ends = calendar.busy, ends[id(calendar)]
                if _touches(
                    busy, busy_ends, starts[0] - margin, starts[-1] + rules.duration + margin
                ):
                    offered.update(_starts(windows, busy, rules, earliest, busy_ends))
                else:
                    offered.update(starts)
        union.extend(sorted(offered))
    return union


def pick_fair(eligible: Iterable[int], bookings_that_day: Mapping[int, int]) -> list[int]:
    """Staff ids in assignment order: least booked that day first, then lowest id (stable)."""
    return sorted(eligible, key=lambda staff_id: (bookings_that_day.get(staff_id, 0), staff_id))


def why_not_bookable(
    calendar: StaffCalendar, rules: Rules, start: int, clock: LocalClock, now: int
) -> BookingError | None:
    """The reason a start is refused, most specific first; None when it is free."""
    day = clock.day_of(from_minute(start))
    days = (day - timedelta(days=1), day, day + timedelta(days=1))  # a window may cross UTC days
    if start < now:
        return BookingError("booking.slot_in_past", from_minute(start).isoformat())
    if start < now + rules.min_notice:
        return BookingError("booking.inside_notice", f"{rules.min_notice} min notice")
    if start not in free_starts(calendar, rules, days, clock, now, ignore_busy=True):
        return BookingError("booking.outside_availability", from_minute(start).isoformat())
    if start not in free_starts(calendar, rules, days, clock, now):
        if rules.max_per_day and calendar.day_counts.get(day, 0) >= rules.max_per_day:
            return BookingError("booking.day_full", f"{rules.max_per_day} per day")
        return SlotTaken()
    return None


# Customer input ------------------------------------------------------------------------------


def clean_email(email: str) -> str:
    email = email.strip()
    if len(email) > 254 or not _EMAIL.match(email):
        raise BookingError("booking.bad_email", repr(email), field="email")
    return email


def clean_name(name: str) -> str:
    name = " ".join(name.split())
    if not name or len(name) > 120:
        raise BookingError(
            "booking.bad_name", "empty or over 120 characters", field="customer_name"
        )
    return name


@dataclass(frozen=True)
class QuestionRule:
    id: int
    kind: str  # text | choice | yes_no
    required: bool = False
    options: Sequence[str] = ()
    show_if_question_id: int | None = None
    show_if_answer: str | None = None


def _normalise(question: QuestionRule, value: object) -> object:
    """The stored form of an answer, or a BookingError for one that does not fit."""
    if question.kind == "yes_no":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("yes", "no"):
            return value.lower() == "yes"
    elif question.kind == "choice":
        if value in question.options:
            return value
    elif isinstance(value, str) and len(value) <= 2000:
        return value.strip()
    raise BookingError(
        "booking.answer_invalid", f"question {question.id}", field=f"q-{question.id}"
    )


def _as_condition_text(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def clean_answers(
    questions: Sequence[QuestionRule], answers: Mapping[str, object]
) -> dict[str, object]:
    """Answers keyed by question id (str), for the questions shown; hidden ones are dropped.

    A conditional question is shown only when its parent is shown and was answered with
    `show_if_answer`; only shown questions can be required. Questions are taken in order.
    """
    known = {str(q.id) for q in questions}
    if unknown := set(answers) - known:
        raise BookingError("booking.answer_invalid", f"unknown questions {sorted(unknown)}")
    cleaned: dict[str, object] = {}
    for question in questions:
        parent = question.show_if_question_id
        if parent is not None and (
            str(parent) not in cleaned
            or _as_condition_text(cleaned[str(parent)]) != question.show_if_answer
        ):
            continue
        value = answers.get(str(question.id))
        if value is None or value == "":
            if question.required:
                raise BookingError(
                    "booking.answer_required", f"question {question.id}", field=f"q-{question.id}"
                )
            continue
        cleaned[str(question.id)] = _normalise(question, value)
    return cleaned


SCENE_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


def clean_tour_view(scene: object, yaw: object, pitch: object) -> dict[str, object] | None:
    """The tour view a booking came from, or None if any part is missing or implausible.

    It arrives in a link the browser built, so it is context to keep, never a reason to
    refuse a booking.
    """
    try:
        yaw_f, pitch_f = float(str(yaw)), float(str(pitch))
    except ValueError:
        return None
    plausible = (
        isinstance(scene, str)
        and SCENE_SLUG.match(scene) is not None
        and math.isfinite(yaw_f)
        and math.isfinite(pitch_f)
        and abs(yaw_f) <= 2 * math.pi
        and abs(pitch_f) <= math.pi / 2
    )
    return (
        {"scene": scene, "yaw": round(yaw_f, 4), "pitch": round(pitch_f, 4)} if plausible else None
    )

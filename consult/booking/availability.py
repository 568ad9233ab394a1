"""Staff availability as people write it: "10:00-13:00, 14:00-19:00" per weekday, in store time.

Parsing and formatting are pure; `replace_week` stores a whole week at once, so a bad day
changes nothing (the page shows which day is wrong).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from itertools import pairwise

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from showroom.models import AvailabilityException, WeeklyAvailability

RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–〜~]\s*(\d{1,2}):(\d{2})\s*$")
Range = tuple[int, int]  # minutes from midnight, [start, end)


class AvailabilityError(ValueError):
    """`key` is translated for the page; `weekday` says which day is wrong."""

    def __init__(self, key: str, weekday: int = -1) -> None:
        super().__init__(f"{key} (weekday {weekday})")
        self.key, self.weekday = key, weekday


def _minutes(hours: str, minutes: str, *, end: bool) -> int:
    h, m = int(hours), int(minutes)
    if m >= 60 or h > 24 or (h == 24 and (m or not end)):
        raise ValueError
    return h * 60 + m


def parse_day(text: str, weekday: int) -> list[Range]:
    """'10:00-13:00, 14:00-19:00' → [(600, 780), (840, 1140)]; '' is a day off."""
    ranges: list[Range] = []
    for part in filter(str.strip, re.split(r"[,、，;]", text)):
        match = RANGE.match(part)
        if match is None:
            raise AvailabilityError("availability.bad_format", weekday)
        try:
            start = _minutes(match[1], match[2], end=False)
            end = _minutes(match[3], match[4], end=True)
        except ValueError:
            raise AvailabilityError("availability.bad_time", weekday) from None
        if start >= end:
            raise AvailabilityError("availability.start_after_end", weekday)
        ranges.append((start, end))
    ranges.sort()
    if any(a[1] > b[0] for a, b in pairwise(ranges)):
        raise AvailabilityError("availability.overlap", weekday)
    return ranges


def format_day(ranges: list[Range]) -> str:
    return ", ".join(f"{s // 60:02d}:{s % 60:02d}-{e // 60:02d}:{e % 60:02d}" for s, e in ranges)


def week_of(session: Session, staff_id: int) -> dict[int, str]:
    rows = session.scalars(
        select(WeeklyAvailability)
        .where(WeeklyAvailability.staff_id == staff_id)
        .order_by(WeeklyAvailability.weekday, WeeklyAvailability.start_minute)
    )
    days: dict[int, list[Range]] = {d: [] for d in range(7)}
    for row in rows:
        days[row.weekday].append((row.start_minute, row.end_minute))
    return {d: format_day(r) for d, r in days.items()}


def replace_week(session: Session, staff_id: int, week: Mapping[int, str]) -> dict[int, str]:
    """Parse all seven days first, then replace the stored week in one go."""
    parsed = {d: parse_day(week.get(d, ""), d) for d in range(7)}
    session.execute(delete(WeeklyAvailability).where(WeeklyAvailability.staff_id == staff_id))
    session.add_all(
        WeeklyAvailability(staff_id=staff_id, weekday=d, start_minute=s, end_minute=e)
        for d, ranges in parsed.items()
        for s, e in ranges
    )
    session.flush()
    return {d: format_day(r) for d, r in parsed.items()}


# Dates that differ from the week ---------------------------------------------------------------


def set_date(session: Session, staff_id: int, day: date, hours: str, *, today: date) -> str:
    """Replace the week's hours on one date: '' is a day off, else exactly these hours.

    Stored as a day-off marker plus the new ranges, which is how slot search reads exceptions.
    """
    if day < today:
        raise AvailabilityError("availability.past_date")
    ranges = parse_day(hours, day.weekday())
    clear_date(session, staff_id, day)
    session.add(AvailabilityException(staff_id=staff_id, day=day))
    session.add_all(
        AvailabilityException(staff_id=staff_id, day=day, start_minute=s, end_minute=e)
        for s, e in ranges
    )
    session.flush()
    return format_day(ranges)


def clear_date(session: Session, staff_id: int, day: date) -> None:
    session.execute(
        delete(AvailabilityException).where(
            AvailabilityException.staff_id == staff_id, AvailabilityException.day == day
        )
    )


def dates_of(session: Session, staff_id: int, today: date) -> list[tuple[date, str]]:
    """Upcoming dates with their own hours ('' for a day off), soonest first."""
    rows = session.scalars(
        select(AvailabilityException)
        .where(AvailabilityException.staff_id == staff_id, AvailabilityException.day >= today)
        .order_by(AvailabilityException.day, AvailabilityException.start_minute)
    )
    days: dict[date, list[Range]] = {}
    for row in rows:
        ranges = days.setdefault(row.day, [])
        if row.start_minute is not None and row.end_minute is not None:
            ranges.append((row.start_minute, row.end_minute))
    return [(day, format_day(ranges)) for day, ranges in days.items()]

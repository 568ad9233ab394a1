"""Free-slot search and the booking race, on a temporary migrated SQLite file.

    .venv/bin/python bench/slots.py

`slots_ms`: median time to list the free slots of one consultation type for "anyone available"
among 50 staff over 60 days, with realistic rules and 2,000 existing bookings (target <= 50).
`race_winners` / `race_s`: 100 concurrent attempts to book one slot (must be exactly 1 winner).
The last line printed is one JSON object.
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import Engine, insert
from sqlalchemy.orm import Session

from consult.booking import bookings
from consult.booking.rules import GRANULE_MINUTES, SlotTaken, granules, to_minute
from consult.models import Booking, BookingClaim, ConsultationType
from showroom.db import make_engine
from showroom.migrate import upgrade
from showroom.models import AvailabilityException, StaffMember, Store, WeeklyAvailability

STAFF, DAYS, EXISTING, RUNS, RACERS = 50, 60, 2000, 9, 100
ZONE = "Asia/Tokyo"
FIRST_DAY = date(2027, 3, 1)  # a Monday
NOW = datetime(2027, 2, 28, 15, 0, tzinfo=UTC)  # midnight before, store time
HOURS = (10, 11, 12, 14, 15, 16, 17, 18)  # where existing bookings start (on the hour)


def seed(session: Session, rng: random.Random) -> tuple[int, list[int]]:
    store = Store(slug="bench", name_en="Bench", name_ja="ベンチ", timezone=ZONE)
    session.add(store)
    session.flush()
    staff = [
        StaffMember(store_id=store.id, email=f"s{n}@example.com", display_name=f"S{n}",
                    password_hash="!")
        for n in range(STAFF)
    ]  # fmt: skip
    session.add_all(staff)
    kind = ConsultationType(
        store_id=store.id, slug="advice", name_en="Advice", name_ja="ご相談",
        duration_minutes=30, slot_step_minutes=15, buffer_before_minutes=5,
        buffer_after_minutes=10, min_notice_minutes=120, max_per_day=8,
    )  # fmt: skip
    session.add(kind)
    session.flush()
    for member in staff:  # Mon-Sat with a lunch break; each has a few days off
        for weekday in range(6):
            session.add(WeeklyAvailability(staff_id=member.id, weekday=weekday,
                                           start_minute=600, end_minute=780))  # fmt: skip
            session.add(WeeklyAvailability(staff_id=member.id, weekday=weekday,
                                           start_minute=840, end_minute=1140))  # fmt: skip
        for offset in rng.sample(range(DAYS), 4):
            day = FIRST_DAY + timedelta(days=offset)
            session.add(AvailabilityException(staff_id=member.id, day=day))
    session.flush()
    _existing(session, rng, store.id, kind, [m.id for m in staff])
    session.commit()
    return kind.id, [m.id for m in staff]


def _existing(
    session: Session, rng: random.Random, store_id: int, kind: ConsultationType, staff: list[int]
) -> None:
    """2,000 bookings on distinct (staff, day, hour) cells, so none overlap."""
    tz, rules = ZoneInfo(ZONE), bookings.rules_of(kind)
    cells = rng.sample([(s, d, h) for s in staff for d in range(DAYS) for h in HOURS], EXISTING)
    rows: list[dict[str, Any]] = []
    for staff_id, offset, hour in cells:
        day = FIRST_DAY + timedelta(days=offset)
        start = datetime(day.year, day.month, day.day, hour, tzinfo=tz).astimezone(UTC)
        held = granules(to_minute(start), to_minute(start) + rules.duration, rules)
        rows.append({"store_id": store_id, "staff_id": staff_id, "consultation_type_id": kind.id,
                     "starts_at": start, "ends_at": start + timedelta(minutes=30),
                     "status": "confirmed", "customer_name": "Bench", "language": "en",
                     "customer_email": "bench@example.com", "customer_phone": "",
                     "customer_timezone": "", "answers": {}, "created_at": NOW, "sequence": 0,
                     "held_from": held.start, "held_until": held.stop})  # fmt: skip
    ids = session.scalars(insert(Booking).returning(Booking.id), rows).all()
    claims = [
        {"staff_id": row["staff_id"], "minute": minute, "booking_id": booking_id}
        for booking_id, row in zip(ids, rows, strict=True)
        for minute in range(int(row["held_from"]), int(row["held_until"]), GRANULE_MINUTES)
    ]
    session.execute(insert(BookingClaim), claims)


def time_slots(engine: Engine, type_id: int) -> tuple[float, int]:
    timings, count = [], 0
    for _ in range(RUNS):
        with Session(engine) as session:
            started = time.perf_counter()
            slots = bookings.free_slots(session, type_id, first_day=FIRST_DAY, days=DAYS, now=NOW)
            timings.append((time.perf_counter() - started) * 1000)
            count = len(slots)
    return statistics.median(timings), count


def race(engine: Engine, type_id: int, staff_id: int) -> tuple[Counter[str], float]:
    with Session(engine) as session:
        free = bookings.free_slots(session, type_id, staff_id=staff_id, first_day=FIRST_DAY,
                                   days=DAYS, now=NOW)  # fmt: skip
    when, outcomes, lock = free[len(free) // 2].starts_at, Counter[str](), threading.Lock()
    barrier = threading.Barrier(RACERS + 1)

    def attempt(n: int) -> None:
        barrier.wait()
        with Session(engine) as session:
            try:
                bookings.book(session, type_id, when, staff_id=staff_id, now=NOW,
                              customer_name="Racer", customer_email=f"r{n}@example.com")  # fmt: skip
                session.commit()
                result = "won"
            except SlotTaken:
                result = "taken"
            except Exception as error:
                result = type(error).__name__
        with lock:
            outcomes[result] += 1

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(RACERS)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return outcomes, time.perf_counter() - started


def main() -> None:
    rng = random.Random(2026)
    with tempfile.TemporaryDirectory(prefix="bench-slots-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        upgrade(url)
        engine = make_engine(url)
        with Session(engine) as session:
            type_id, staff = seed(session, rng)
        slots_ms, slot_count = time_slots(engine, type_id)
        outcomes, race_s = race(engine, type_id, staff[0])
        engine.dispose()
    result = {
        "slots_ms": round(slots_ms, 2),
        "slots_found": slot_count,
        "staff": STAFF,
        "days": DAYS,
        "existing_bookings": EXISTING,
        "race_winners": outcomes["won"],
        "race_taken": outcomes["taken"],
        "race_other": sum(v for k, v in outcomes.items() if k not in ("won", "taken")),
        "race_s": round(race_s, 3),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()

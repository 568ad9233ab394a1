"""Booking data access: plain functions taking a `Session`; the caller commits.

Double booking is refused by the database: each booking inserts one `BookingClaim` row per
5-minute granule of staff time it holds (buffers included) in the same transaction, and the
primary key (staff_id, minute) lets only one booking hold a granule. The Python checks before
it only give clearer errors. On `SlotTaken` raised after a refused insert the session has been
rolled back, so call these first in a unit of work.
"""

from __future__ import annotations

import hmac
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from consult.booking.rules import (
    REMINDER_OFFSETS,
    BookingError,
    LocalClock,
    QuestionRule,
    Range,
    Rules,
    Slot,
    SlotTaken,
    StaffCalendar,
    any_free_starts,
    clean_answers,
    clean_email,
    clean_name,
    from_minute,
    granules,
    merge,
    pick_fair,
    to_minute,
    why_not_bookable,
)
from consult.models import Booking, BookingClaim, ConsultationType, WaitlistEntry
from showroom.db import utcnow
from showroom.identity import LinkError, sign_link, verify_link
from showroom.models import (
    AvailabilityException,
    Product,
    StaffMember,
    Store,
    WeeklyAvailability,
)

HOLDING = ("confirmed", "completed", "no_show")  # bookings that count towards a day's maximum
LANGUAGES = ("ja", "en")
NEXT_SLOTS = 3  # offered with a SlotTaken error
JOIN_GRACE = timedelta(hours=2)  # join links stay valid this long after the consultation ends


# Loading ---------------------------------------------------------------------------------------


def duration(rules: Rules) -> timedelta:
    return timedelta(minutes=rules.duration)


def rules_of(kind: ConsultationType) -> Rules:
    return Rules(
        duration=kind.duration_minutes,
        step=kind.slot_step_minutes,
        buffer_before=kind.buffer_before_minutes,
        buffer_after=kind.buffer_after_minutes,
        min_notice=kind.min_notice_minutes,
        max_per_day=kind.max_per_day,
    )


def consultation_type(session: Session, type_id: int) -> ConsultationType:
    kind = session.get(ConsultationType, type_id)
    if kind is None or not kind.active:
        raise BookingError("booking.unknown_type", f"type {type_id}")
    return kind


def _clock(session: Session, store_id: int) -> LocalClock:
    store = session.get(Store, store_id)
    assert store is not None  # guaranteed by the foreign key
    return LocalClock(store.timezone)


def _bookable_staff(session: Session, store_id: int, staff_id: int | None) -> list[int]:
    query = select(StaffMember.id).where(
        StaffMember.store_id == store_id, StaffMember.active.is_(True)
    )
    if staff_id is not None:
        if not isinstance(staff_id, int):  # e.g. straight from a URL
            raise BookingError("booking.unknown_staff", repr(staff_id))
        query = query.where(StaffMember.id == staff_id)
    ids = list(session.scalars(query.order_by(StaffMember.id)))
    if staff_id is not None and not ids:
        raise BookingError("booking.unknown_staff", f"staff {staff_id}")
    return ids


def _weekly(session: Session, staff_ids: list[int]) -> dict[int, dict[int, list[Range]]]:
    out: dict[int, dict[int, list[Range]]] = defaultdict(lambda: defaultdict(list))
    rows = session.connection().execute(
        select(
            WeeklyAvailability.staff_id,
            WeeklyAvailability.weekday,
            WeeklyAvailability.start_minute,
            WeeklyAvailability.end_minute,
        ).where(WeeklyAvailability.staff_id.in_(staff_ids))
    )
    for staff_id, weekday, start, end in rows.all():
        out[staff_id][weekday].append((start, end))
    return out


def _exceptions(
    session: Session, staff_ids: list[int], first: date, last: date
) -> dict[int, dict[date, list[Range | None]]]:
    out: dict[int, dict[date, list[Range | None]]] = defaultdict(lambda: defaultdict(list))
    rows = session.connection().execute(
        select(
            AvailabilityException.staff_id,
            AvailabilityException.day,
            AvailabilityException.start_minute,
            AvailabilityException.end_minute,
        ).where(
            AvailabilityException.staff_id.in_(staff_ids),
            AvailabilityException.day.between(first, last),
        )
    )
    for staff_id, day, start, end in rows.all():
        out[staff_id][day].append(None if start is None or end is None else (start, end))
    return out


def _held(
    session: Session,
    staff_ids: list[int],
    clock: LocalClock,
    days: list[date],
    exclude: int | None,
) -> tuple[dict[int, list[Range]], dict[int, dict[date, int]]]:
    """Held spans per staff member and bookings per local day (counted on the day a booking's
    held time starts), from two integers per booking: no timestamps to parse."""
    midnights = [clock.minute(day, 0) for day in days]
    query = select(Booking.staff_id, Booking.held_from, Booking.held_until).where(
        Booking.staff_id.in_(staff_ids),
        Booking.status != "cancelled",
        Booking.held_from < midnights[-1],
        Booking.held_until > midnights[0],
    )
    if exclude is not None:
        query = query.where(Booking.id != exclude)
    spans: dict[int, list[Range]] = defaultdict(list)
    counts: dict[int, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    for staff_id, held_from, held_until in session.connection().execute(query).all():
        if staff_id is None or held_from is None or held_until is None:  # narrows the types
            continue
        spans[staff_id].append((held_from, held_until))
        index = bisect_right(midnights, held_from) - 1
        if index >= 0:
            counts[staff_id][days[index]] += 1
    return spans, counts


def load_calendars(
    session: Session,
    staff_ids: list[int],
    clock: LocalClock,
    first: date,
    last: date,
    *,
    exclude_booking: int | None = None,
) -> list[StaffCalendar]:
    """Working patterns and held time for `first`..`last` (local days), a day's margin around."""
    if not staff_ids:
        return []
    margin = timedelta(days=1)
    weekly = _weekly(session, staff_ids)
    exceptions = _exceptions(session, staff_ids, first - margin, last + margin)
    around = _days(first - margin, (last - first).days + 4)
    spans, counts = _held(session, staff_ids, clock, around, exclude_booking)
    return [
        StaffCalendar(
            staff_id, weekly[staff_id], exceptions[staff_id], merge(spans[staff_id]),
            counts[staff_id],
        )
        for staff_id in staff_ids
    ]  # fmt: skip


def _days(first: date, count: int) -> list[date]:
    return [first + timedelta(days=offset) for offset in range(count)]


# Free slots ------------------------------------------------------------------------------------


def free_slots(
    session: Session,
    type_id: int,
    *,
    staff_id: int | None = None,
    first_day: date | None = None,
    days: int = 14,
    now: datetime | None = None,
) -> list[Slot]:
    """Bookable slots for a consultation type, with one staff member or anyone (union)."""
    kind = consultation_type(session, type_id)
    rules, clock, now = rules_of(kind), _clock(session, kind.store_id), now or utcnow()
    first_day = first_day or clock.day_of(now)
    staff_ids = _bookable_staff(session, kind.store_id, staff_id)
    day_list = _days(first_day, days)
    calendars = load_calendars(session, staff_ids, clock, day_list[0], day_list[-1])
    earliest = to_minute(now) + rules.min_notice
    starts, length = any_free_starts(calendars, rules, day_list, clock, earliest), duration(rules)
    return [Slot(at, at + length) for at in map(from_minute, starts)]


def next_free_slots(
    session: Session,
    type_id: int,
    after: datetime,
    *,
    staff_id: int | None = None,
    count: int = NEXT_SLOTS,
    now: datetime | None = None,
) -> list[Slot]:
    """The first `count` free slots starting after `after`, looking up to two weeks ahead."""
    clock = _clock(session, consultation_type(session, type_id).store_id)
    slots = free_slots(
        session, type_id, staff_id=staff_id, first_day=clock.day_of(after), days=15, now=now
    )
    return [slot for slot in slots if slot.starts_at > after][:count]


def _taken(
    session: Session, type_id: int, after: datetime, staff_id: int | None, now: datetime
) -> SlotTaken:
    return SlotTaken(next_free_slots(session, type_id, after, staff_id=staff_id, now=now))


# Booking ---------------------------------------------------------------------------------------


def _questions(kind: ConsultationType) -> list[QuestionRule]:
    return [
        QuestionRule(q.id, q.kind, q.required, q.options, q.show_if_question_id, q.show_if_answer)
        for q in kind.questions
    ]


def _clean_zone(zone: str) -> str:
    if not zone:
        return ""
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise BookingError("booking.bad_time", f"unknown time zone {zone!r}") from None
    return zone


def _hold(session: Session, booking: Booking, rules: Rules) -> None:
    """Insert the booking's claims; the database refuses any granule another booking holds."""
    assert booking.staff_id is not None
    start = to_minute(booking.starts_at)
    held = granules(start, start + rules.duration, rules)
    booking.held_from, booking.held_until = held.start, held.stop
    session.flush()
    session.execute(
        insert(BookingClaim),
        [
            {"staff_id": booking.staff_id, "minute": minute, "booking_id": booking.id}
            for minute in held
        ],
    )


def _release(session: Session, booking_id: int) -> None:
    session.execute(delete(BookingClaim).where(BookingClaim.booking_id == booking_id))


def _candidates(
    calendars: list[StaffCalendar], rules: Rules, start: int, clock: LocalClock, now: int
) -> list[int]:
    """Staff who can take `start`, fairest first; raises the clearest refusal if nobody can."""
    refusals = {c.staff_id: why_not_bookable(c, rules, start, clock, now) for c in calendars}
    free = [staff_id for staff_id, refusal in refusals.items() if refusal is None]
    if free:
        day = clock.day_of(from_minute(start))
        return pick_fair(free, {c.staff_id: c.day_counts.get(day, 0) for c in calendars})
    reasons = [r for r in refusals.values() if r is not None]
    # Someone works then but is taken or full: "just taken" is the truthful answer.
    busy = [r for r in reasons if r.key in ("booking.slot_taken", "booking.day_full")]
    raise (busy or reasons or [BookingError("booking.unknown_staff", "no staff")])[0]


def book(
    session: Session,
    type_id: int,
    starts_at: datetime,
    *,
    customer_name: str,
    customer_email: str,
    staff_id: int | None = None,
    answers: Mapping[str, object] | None = None,
    customer_phone: str = "",
    language: str = "ja",
    customer_timezone: str = "",
    product_id: int | None = None,
    visitor_id: str | None = None,
    tour_view: Mapping[str, object] | None = None,
    now: datetime | None = None,
) -> Booking:
    """Book a slot with a named staff member, or with the fairest free one when `staff_id` is
    None. Raises BookingError (nothing written) or SlotTaken with the next free slots."""
    now = now or utcnow()
    kind = consultation_type(session, type_id)
    rules, clock = rules_of(kind), _clock(session, kind.store_id)
    fields = {
        "store_id": kind.store_id,
        "consultation_type_id": kind.id,
        "customer_name": clean_name(customer_name),
        "customer_email": clean_email(customer_email),
        "customer_phone": customer_phone.strip()[:40],
        "answers": clean_answers(_questions(kind), answers or {}),
        "language": language if language in LANGUAGES else "ja",
        "customer_timezone": _clean_zone(customer_timezone),
        "product_id": product_id,
        "visitor_id": visitor_id,
        "tour_view": dict(tour_view) if tour_view else None,
        "created_at": now,
    }
    if product_id is not None and session.get(Product, product_id) is None:
        raise BookingError("booking.unknown_product", f"product {product_id}")
    start = to_minute(starts_at)
    if starts_at.second or starts_at.microsecond:
        raise BookingError("booking.outside_availability", "not on a slot boundary")
    day = clock.day_of(starts_at)
    staff_ids = _bookable_staff(session, kind.store_id, staff_id)
    calendars = load_calendars(session, staff_ids, clock, day, day)
    try:
        candidates = _candidates(calendars, rules, start, clock, to_minute(now))
    except SlotTaken:
        raise _taken(session, type_id, starts_at, staff_id, now) from None
    for candidate in candidates:
        booking = Booking(
            **fields,
            staff_id=candidate,
            starts_at=from_minute(start),
            ends_at=from_minute(start + rules.duration),
        )
        session.add(booking)
        session.flush()
        try:
            _hold(session, booking, rules)
            return booking
        except IntegrityError:
            session.rollback()  # someone else got there first; try the next fairest
    raise _taken(session, type_id, starts_at, staff_id, now)


def get_booking(session: Session, booking_id: int) -> Booking:
    booking = session.get(Booking, booking_id)
    if booking is None:
        raise BookingError("booking.unknown_booking", f"booking {booking_id}")
    return booking


def _changeable(session: Session, booking_id: int, now: datetime) -> tuple[Booking, Rules]:
    booking = get_booking(session, booking_id)
    if booking.status != "confirmed" or booking.consultation_type_id is None:
        raise BookingError("booking.not_active", f"status {booking.status}")
    rules = rules_of(consultation_type(session, booking.consultation_type_id))
    if now + timedelta(minutes=rules.min_notice) > booking.starts_at:
        raise BookingError("booking.too_late_to_change", f"{rules.min_notice} min notice")
    return booking, rules


def reschedule(
    session: Session, booking_id: int, new_start: datetime, *, now: datetime | None = None
) -> Booking:
    """Move a booking (same staff member); its claims move in the same transaction."""
    now = now or utcnow()
    booking, rules = _changeable(session, booking_id, now)
    staff_id, type_id = booking.staff_id, booking.consultation_type_id
    assert staff_id is not None and type_id is not None
    clock = _clock(session, booking.store_id)
    day, start = clock.day_of(new_start), to_minute(new_start)
    [calendar] = load_calendars(
        session, _bookable_staff(session, booking.store_id, staff_id), clock, day, day,
        exclude_booking=booking.id,
    )  # fmt: skip
    refusal = why_not_bookable(calendar, rules, start, clock, to_minute(now))
    if isinstance(refusal, SlotTaken):
        raise _taken(session, type_id, new_start, staff_id, now)
    if refusal is not None:
        raise refusal
    try:
        _release(session, booking.id)
        booking.starts_at = from_minute(start)
        booking.ends_at = from_minute(start + rules.duration)
        booking.sequence += 1
        booking.reminded_24h_at = booking.reminded_1h_at = None
        session.flush()
        _hold(session, booking, rules)
    except IntegrityError:
        session.rollback()  # the old claims come back with the rollback
        raise _taken(session, type_id, new_start, staff_id, now) from None
    return booking


def cancel(
    session: Session, booking_id: int, *, now: datetime | None = None, by_staff: bool = False
) -> Booking:
    """Cancel and free the staff member's time. Customers only until the minimum notice."""
    now = now or utcnow()
    if by_staff:
        booking = get_booking(session, booking_id)
        if booking.status != "confirmed":
            raise BookingError("booking.not_active", f"status {booking.status}")
    else:
        booking, _ = _changeable(session, booking_id, now)
    _release(session, booking.id)
    booking.status, booking.cancelled_at = "cancelled", now
    booking.sequence += 1
    session.flush()
    return booking


def mark_outcome(
    session: Session, booking_id: int, outcome: str, *, now: datetime | None = None
) -> Booking:
    """Staff mark a booking 'completed' or 'no_show' once it has started."""
    if outcome not in ("completed", "no_show"):
        raise ValueError(f"unknown outcome {outcome!r}")
    booking = get_booking(session, booking_id)
    if booking.status != "confirmed":
        raise BookingError("booking.not_active", f"status {booking.status}")
    if (now or utcnow()) < booking.starts_at:
        raise BookingError("booking.not_started", booking.starts_at.isoformat())
    booking.status = outcome
    session.flush()
    return booking


def staff_bookings(
    session: Session, staff_id: int, start: datetime, end: datetime
) -> list[Booking]:
    """A staff member's bookings overlapping [start, end), cancelled ones left out."""
    return list(
        session.scalars(
            select(Booking)
            .where(
                Booking.staff_id == staff_id,
                Booking.status != "cancelled",
                Booking.ends_at > start,
                Booking.starts_at < end,
            )
            .order_by(Booking.starts_at)
        )
    )


# Links -----------------------------------------------------------------------------------------


def link_token(key: str, booking: Booking, purpose: str) -> str:
    """A signed token for 'join' (until after the call) or 'manage' (reschedule/cancel)."""
    if purpose not in ("join", "manage"):
        raise ValueError(f"unknown link purpose {purpose!r}")
    return sign_link(key, f"booking.{purpose}", booking.id, booking.ends_at + JOIN_GRACE)


def booking_for_link(
    session: Session, key: str, token: str, purpose: str, *, now: datetime | None = None
) -> Booking:
    try:
        booking_id = verify_link(key, token, f"booking.{purpose}", now=now)
    except LinkError as error:
        expired = error.key == "link.expired"
        raise BookingError(
            "booking.link_expired" if expired else "booking.link_invalid", purpose
        ) from None
    return get_booking(session, booking_id)


FEED_DAYS = 365  # a calendar feed link works for a year from its last rotation
FEED_RENEW_DAYS = 30  # in its last month, the staff page shows the next link


def staff_feed_token(key: str, staff_id: int, rotated_at: datetime) -> str:
    """The secret in a staff member's calendar feed URL: valid for a year from `rotated_at`."""
    return sign_link(key, "staff.feed", staff_id, rotated_at + timedelta(days=FEED_DAYS))


def feed_token(
    session: Session, key: str, staff_id: int, *, rotate: bool = False, now: datetime | None = None
) -> str:
    """The staff member's current feed token; a new one (the old one stops working) when
    asked, the first time, or in the last month of the old one's year."""
    staff = session.get(StaffMember, staff_id)
    if staff is None:
        raise LookupError(staff_id)
    now = now or utcnow()
    renew_from = timedelta(days=FEED_DAYS - FEED_RENEW_DAYS)
    last = staff.feed_rotated_at
    if rotate or last is None or last + renew_from <= now:
        fresh = now.replace(microsecond=0)  # whole seconds: the link's expiry is one too
        last = max(fresh, last + timedelta(seconds=1)) if last else fresh
        staff.feed_rotated_at = last
    return staff_feed_token(key, staff_id, last)


def staff_for_feed(session: Session, key: str, token: str) -> int:
    """The staff member whose current (not rotated away, not expired) feed token this is."""
    try:
        staff_id = verify_link(key, token, "staff.feed")
    except LinkError:
        raise BookingError("booking.link_invalid", "feed") from None
    staff = session.get(StaffMember, staff_id)
    current = (
        staff_feed_token(key, staff_id, staff.feed_rotated_at)
        if staff is not None and staff.active and staff.feed_rotated_at is not None
        else ""
    )
    if not hmac.compare_digest(token, current):
        raise BookingError("booking.link_invalid", "feed")
    return staff_id


# Waitlist --------------------------------------------------------------------------------------


def join_waitlist(
    session: Session,
    type_id: int,
    day: date,
    *,
    customer_name: str,
    customer_email: str,
    staff_id: int | None = None,
    language: str = "ja",
) -> WaitlistEntry:
    kind = consultation_type(session, type_id)
    _bookable_staff(session, kind.store_id, staff_id)
    entry = WaitlistEntry(
        store_id=kind.store_id,
        consultation_type_id=kind.id,
        staff_id=staff_id,
        day=day,
        customer_name=clean_name(customer_name),
        customer_email=clean_email(customer_email),
        language=language if language in LANGUAGES else "ja",
    )
    session.add(entry)
    session.flush()
    return entry


def claim_waitlist(
    session: Session,
    store_id: int,
    staff_id: int | None,
    freed_at: datetime,
    *,
    now: datetime | None = None,
) -> list[WaitlistEntry]:
    """Entries waiting for the day of `freed_at` (with this staff member or anyone), after a
    cancel or a reschedule freed time then; each is claimed once (notified_at set)."""
    now = now or utcnow()
    day = _clock(session, store_id).day_of(freed_at)
    waiting = session.scalars(
        select(WaitlistEntry).where(
            WaitlistEntry.store_id == store_id,
            WaitlistEntry.day == day,
            WaitlistEntry.notified_at.is_(None),
            (WaitlistEntry.staff_id.is_(None)) | (WaitlistEntry.staff_id == staff_id),
        )
    ).all()
    return [entry for entry in waiting if _claim_once(session, entry, now)]


def _claim_once(session: Session, entry: WaitlistEntry, now: datetime) -> bool:
    result = session.execute(
        update(WaitlistEntry)
        .where(WaitlistEntry.id == entry.id, WaitlistEntry.notified_at.is_(None))
        .values(notified_at=now)
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 0) != 1:
        return False
    entry.notified_at = now
    return True


# Reminders -------------------------------------------------------------------------------------

_REMINDER_COLUMNS = {"24h": Booking.reminded_24h_at, "1h": Booking.reminded_1h_at}


def _reminder_due(booking: Booking, now: datetime) -> str | None:
    """The reminder due now: the 1-hour one wins; a 24-hour one only for bookings made earlier."""
    if booking.starts_at - REMINDER_OFFSETS["1h"] <= now:
        return "1h" if booking.reminded_1h_at is None else None
    day_before = booking.starts_at - REMINDER_OFFSETS["24h"]
    if day_before <= now and booking.reminded_24h_at is None and booking.created_at < day_before:
        return "24h"
    return None


def due_reminders(session: Session, *, now: datetime | None = None) -> list[tuple[int, str]]:
    """(booking id, '24h' | '1h') for reminders to send now."""
    now = now or utcnow()
    upcoming = session.scalars(
        select(Booking).where(
            Booking.status == "confirmed",
            Booking.starts_at > now,
            Booking.starts_at <= now + REMINDER_OFFSETS["24h"],
        )
    )
    return [(b.id, kind) for b in upcoming if (kind := _reminder_due(b, now)) is not None]


def claim_reminder(
    session: Session, booking_id: int, kind: str, *, now: datetime | None = None
) -> bool:
    """Atomically mark a reminder as sent; False if another worker (or an earlier run) did."""
    column = _REMINDER_COLUMNS[kind]
    result = session.execute(
        update(Booking)
        .where(Booking.id == booking_id, column.is_(None), Booking.status == "confirmed")
        .values({column.key: now or utcnow()})
        .execution_options(synchronize_session=False)
    )
    return getattr(result, "rowcount", 0) == 1


def release_reminder(session: Session, booking_id: int, kind: str) -> None:
    """Undo a claim whose mail could not be sent, so a later run retries it."""
    column = _REMINDER_COLUMNS[kind]
    session.execute(
        update(Booking)
        .where(Booking.id == booking_id)
        .values({column.key: None})
        .execution_options(synchronize_session=False)
    )


def bookings_by_id(session: Session, ids: Iterable[int]) -> dict[int, Booking]:
    return {b.id: b for b in session.scalars(select(Booking).where(Booking.id.in_(list(ids))))}

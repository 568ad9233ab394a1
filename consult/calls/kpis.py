"""The store's numbers for a period: consultations, answering, waits, durations, no-shows,
conversion to paid orders, revenue and the customers' ratings; per store or per member of staff.

Everything is computed by the database (aggregates, and date buckets in the store's time zone),
on SQLite and PostgreSQL alike; Python only formats the few result rows. SQLite has no time
zones: its buckets use the zone's UTC offset at the start of the period (exact for zones
without daylight saving, such as Asia/Tokyo; elsewhere a bucket edge may be an hour off on the
night the clocks change).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Float, and_, case, cast, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from consult.commerce.crediting import SOLD_STATUSES
from consult.models import Booking, Consultation, Order
from showroom.db import utcnow
from showroom.i18n import format_price
from showroom.models import StaffMember, Store

PERIODS = ("day", "week", "month", "custom")
MAX_DAYS = 397  # 13 months
DAILY_UP_TO = 62  # longer periods are bucketed by month


class KpiError(ValueError):
    """A request for numbers that cannot be answered; `key` is the translated reason."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


@dataclass(frozen=True)
class Period:
    first: date  # inclusive, store's calendar
    last: date  # inclusive

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def bucket(self) -> str:
        return "day" if self.days <= DAILY_UP_TO else "month"


def period(kind: str, start: str, end: str = "") -> Period:
    """The period a supervisor asked for: a day, the week (Mon-Sun) or month containing
    `start`, or `start`..`end` (inclusive, at most 13 months)."""
    if kind not in PERIODS:
        raise KpiError("kpi.unknown_period")
    try:
        first = date.fromisoformat(start)
        last = date.fromisoformat(end) if kind == "custom" else first
    except ValueError:
        raise KpiError("kpi.bad_date") from None
    if kind == "week":
        first = first - timedelta(days=first.weekday())
        last = first + timedelta(days=6)
    elif kind == "month":
        first = first.replace(day=1)
        last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    if last < first:
        raise KpiError("kpi.reversed")
    if (last - first).days + 1 > MAX_DAYS:
        raise KpiError("kpi.too_long")
    return Period(first, last)


@dataclass
class Report:
    currency: str
    summary: dict[str, Any] = field(default_factory=dict)
    series: list[dict[str, Any]] = field(default_factory=list)  # per bucket
    by_staff: list[dict[str, Any]] = field(default_factory=list)


def _seconds(session: Session, later: Any, earlier: Any) -> ColumnElement[float]:
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.extract("epoch", later - earlier), Float)
    return (func.julianday(later) - func.julianday(earlier)) * 86400.0


def _bucket(session: Session, column: Any, zone: ZoneInfo, offset: timedelta, kind: str) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        # date_trunc groups cheaper than to_char; the key is formatted from the few buckets.
        return func.date_trunc(kind, func.timezone(zone.key, column))
    pattern = "%Y-%m-%d" if kind == "day" else "%Y-%m"
    return func.strftime(pattern, column, f"{int(offset.total_seconds() // 60):+d} minutes")


def _bounds(store: Store, chosen: Period) -> tuple[ZoneInfo, datetime, datetime, timedelta]:
    zone = ZoneInfo(store.timezone or "UTC")
    start = datetime.combine(chosen.first, time(), zone)
    end = datetime.combine(chosen.last + timedelta(days=1), time(), zone)
    return zone, start.astimezone(UTC), end.astimezone(UTC), start.utcoffset() or timedelta()


def report(
    session: Session, store_id: int, chosen: Period, *, staff_id: int | None = None
) -> Report:
    store = session.get(Store, store_id)
    if store is None:
        raise KpiError("kpi.unknown_store")
    if staff_id is not None:
        member = session.get(StaffMember, staff_id)
        if member is None or member.store_id != store_id:
            raise KpiError("kpi.unknown_staff")
    zone, start, end, offset = _bounds(store, chosen)
    calls = [Consultation.store_id == store_id, Consultation.created_at >= start,
             Consultation.created_at < end]  # fmt: skip
    orders = [Order.store_id == store_id, Order.status.in_(SOLD_STATUSES),
              Order.consultation_id.is_not(None), Order.paid_at >= start, Order.paid_at < end]  # fmt: skip
    bookings = [Booking.store_id == store_id, Booking.starts_at >= start,
                Booking.starts_at < end]  # fmt: skip
    if staff_id is not None:
        calls.append(Consultation.staff_id == staff_id)
        orders.append(Order.credited_staff_id == staff_id)
        bookings.append(Booking.staff_id == staff_id)
    out = Report(store.currency)
    out.summary = _summary(session, store, calls, orders, bookings)
    out.series = _series(session, store, chosen, calls, orders, zone, offset)
    out.by_staff = _by_staff(session, store, calls, orders)
    return out


def _summary(
    session: Session,
    store: Store,
    calls: Sequence[ColumnElement[bool]],
    orders: Sequence[ColumnElement[bool]],
    bookings: Sequence[ColumnElement[bool]],
) -> dict[str, Any]:
    walk_in = Consultation.booking_id.is_(None)
    answered_walk_in = and_(walk_in, Consultation.started_at.is_not(None))
    paid = (
        select(Order.consultation_id)
        .where(Order.status.in_(SOLD_STATUSES), Order.consultation_id.is_not(None))
        .scalar_subquery()
    )
    row = session.execute(
        select(
            func.count(Consultation.id),
            func.count(case((walk_in, 1))),
            func.count(case((answered_walk_in, 1))),
            func.avg(case((answered_walk_in,
                           _seconds(session, Consultation.started_at, Consultation.created_at)))),
            func.avg(case((and_(Consultation.started_at.is_not(None),
                                Consultation.ended_at.is_not(None)),
                           _seconds(session, Consultation.ended_at, Consultation.started_at)))),
            func.count(case((Consultation.started_at.is_not(None), 1))),
            func.count(case((and_(Consultation.started_at.is_not(None),
                                  Consultation.id.in_(paid)), 1))),
            func.avg(Consultation.rating),
            func.count(Consultation.rating),
        ).where(*calls)
    ).one()  # fmt: skip
    total, walk_ins, answered, wait, duration, talked, converted, rating, rated = row
    booked_row = session.execute(
        select(
            func.count(case((Booking.status == "no_show", 1))),
            func.count(case((Booking.status.in_(("completed", "no_show")), 1))),
        ).where(*bookings)
    ).one()
    no_shows, settled = booked_row
    order_count, revenue = session.execute(
        select(
            func.count(Order.id), func.coalesce(func.sum(Order.total - Order.refunded_total), 0)
        ).where(*orders)
    ).one()
    revenue = int(revenue or 0)
    return {
        "consultations": int(total),
        "booked": int(total) - int(walk_ins),
        "walk_in": int(walk_ins),
        "answered_rate": _percent(answered, walk_ins),
        "average_wait_s": round(float(wait)) if wait is not None else 0,
        "average_duration_s": round(float(duration)) if duration is not None else 0,
        "no_show_rate": _percent(no_shows, settled),
        "conversion": _percent(converted, talked),
        "orders": int(order_count),
        "revenue": revenue,
        "revenue_text": format_price(revenue, store.currency),
        "average_order": revenue // int(order_count) if order_count else 0,
        "average_order_text": format_price(revenue // int(order_count) if order_count else 0,
                                           store.currency),
        "rating": round(float(rating), 2) if rating is not None else 0,
        "ratings": int(rated),
    }  # fmt: skip


def _percent(part: Any, whole: Any) -> float:
    return round(100.0 * int(part or 0) / int(whole), 1) if whole else 0.0


def _series(
    session: Session,
    store: Store,
    chosen: Period,
    calls: Sequence[ColumnElement[bool]],
    orders: Sequence[ColumnElement[bool]],
    zone: ZoneInfo,
    offset: timedelta,
) -> list[dict[str, Any]]:
    kind = chosen.bucket
    call_bucket = _bucket(session, Consultation.created_at, zone, offset, kind)
    order_bucket = _bucket(session, Order.paid_at, zone, offset, kind)
    by_calls = {
        _key(key, kind): (int(booked), int(walk_in))
        for key, booked, walk_in in session.execute(
            select(
                call_bucket,
                func.count(case((Consultation.booking_id.is_not(None), 1))),
                func.count(case((Consultation.booking_id.is_(None), 1))),
            )
            .where(*calls)
            .group_by(call_bucket)
        )
    }
    by_revenue = {
        _key(key, kind): int(total or 0)
        for key, total in session.execute(
            select(order_bucket, func.sum(Order.total - Order.refunded_total))
            .where(*orders)
            .group_by(order_bucket)
        )
    }
    rows = []
    for key in _bucket_keys(chosen):
        booked, walk_in = by_calls.get(key, (0, 0))
        revenue = by_revenue.get(key, 0)
        rows.append({"bucket": key, "booked": booked, "walk_in": walk_in, "revenue": revenue,
                     "revenue_text": format_price(revenue, store.currency)})  # fmt: skip
    return rows


def _key(value: Any, kind: str) -> str:
    """A bucket as text: SQLite gives it so already, PostgreSQL gives the truncated time."""
    if isinstance(value, datetime):
        return value.date().isoformat() if kind == "day" else value.date().isoformat()[:7]
    return str(value)


def _bucket_keys(chosen: Period) -> list[str]:
    keys: list[str] = []
    day = chosen.first
    while day <= chosen.last:
        key = day.isoformat() if chosen.bucket == "day" else day.isoformat()[:7]
        if not keys or keys[-1] != key:
            keys.append(key)
        day += timedelta(days=1)
    return keys


def _by_staff(
    session: Session,
    store: Store,
    calls: Sequence[ColumnElement[bool]],
    orders: Sequence[ColumnElement[bool]],
) -> list[dict[str, Any]]:
    talked = session.execute(
        select(
            Consultation.staff_id,
            func.count(Consultation.id),
            func.count(case((Consultation.started_at.is_not(None), 1))),
            func.avg(Consultation.rating),
        )
        .where(*calls, Consultation.staff_id.is_not(None))
        .group_by(Consultation.staff_id)
    ).all()
    sold = {
        staff: (int(count), int(total or 0))
        for staff, count, total in session.execute(
            select(Order.credited_staff_id, func.count(Order.id),
                   func.sum(Order.total - Order.refunded_total))
            .where(*orders, Order.credited_staff_id.is_not(None))
            .group_by(Order.credited_staff_id)
        )
    }  # fmt: skip
    names = dict(
        session.execute(
            select(StaffMember.id, StaffMember.display_name).where(StaffMember.store_id == store.id)
        ).all()
    )
    ids: set[int] = {int(row[0]) for row in talked} | {int(i or 0) for i in sold}
    stats = {int(row[0]): row for row in talked}
    rows = []
    for staff_id in sorted(ids, key=lambda i: names.get(i, "")):
        _id, count, answered, rating = stats.get(staff_id, (staff_id, 0, 0, None))
        orders_count, revenue = sold.get(staff_id, (0, 0))
        rows.append(
            {
                "staff_id": staff_id,
                "name": names.get(staff_id, ""),
                "consultations": int(count),
                "answered": int(answered),
                "orders": orders_count,
                "revenue": revenue,
                "revenue_text": format_price(revenue, store.currency),
                # Text, so that the page and the CSV show the same "5.0" ("" if unrated).
                "rating": f"{float(rating):.1f}" if rating is not None else "",
            }
        )
    return rows


SUMMARY_COLUMNS = (
    "consultations", "booked", "walk_in", "answered_rate", "average_wait_s",
    "average_duration_s", "no_show_rate", "conversion", "orders", "revenue", "average_order",
    "rating", "ratings",
)  # fmt: skip
SERIES_COLUMNS = ("bucket", "booked", "walk_in", "revenue")
STAFF_COLUMNS = ("name", "consultations", "answered", "orders", "revenue", "rating")


def to_csv(headers: Sequence[str], rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> str:
    """A table as CSV for Excel: UTF-8 with a byte-order mark (so Japanese opens correctly),
    the same numbers as the page (amounts in the currency's minor unit)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow([row[c] for c in columns])
    return "\ufeff" + out.getvalue()


def today_in(store: Store, now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(ZoneInfo(store.timezone or "UTC")).date()

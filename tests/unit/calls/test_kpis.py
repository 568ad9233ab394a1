"""The store's numbers, computed by the database on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from consult.calls import kpis
from consult.models import Booking, Consultation, Order
from tests import factories


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment of December 2026 given in Tokyo time (UTC+9)."""
    return datetime(2026, 12, day, hour, minute, tzinfo=UTC) - timedelta(hours=9)


def seed(session: Session) -> tuple[int, int, int]:
    store = factories.store(session)
    store.timezone = "Asia/Tokyo"
    aiko = factories.staff(session, store)
    ken = factories.staff(session, store, email="ken@example.com")

    def call(
        created: datetime,
        staff: int | None,
        wait_s: int | None,
        talk_s: int = 0,
        booked: bool = False,
        rating: int | None = None,
    ) -> Consultation:
        booking_id = None
        if booked:
            booking = Booking(
                store_id=store.id,
                staff_id=staff,
                starts_at=created,
                ends_at=created + timedelta(minutes=30),
                customer_name="B",
                customer_email="b@example.com",
                status="completed",
            )
            session.add(booking)
            session.flush()
            booking_id = booking.id
        started = created + timedelta(seconds=wait_s) if wait_s is not None else None
        row = Consultation(
            store_id=store.id,
            staff_id=staff,
            created_at=created,
            booking_id=booking_id,
            started_at=started,
            ended_at=started + timedelta(seconds=talk_s) if started else None,
            status="ended",
            rating=rating,
        )
        session.add(row)
        session.flush()
        return row  # fmt: skip

    # 1 December, 00:30 Tokyo (still 30 November in UTC): a walk-in answered after 60 s.
    first = call(at(1, 0, 30), aiko.id, 60, 600, rating=5)
    call(at(1, 10), None, None)  # a walk-in nobody answered
    second = call(at(2, 15), ken.id, 120, 1200, rating=3)
    call(at(3, 15), aiko.id, 0, 300, booked=True)
    session.add(Booking(store_id=store.id, staff_id=aiko.id, starts_at=at(3, 16),
                        ends_at=at(3, 17), customer_name="C", customer_email="c@example.com",
                        status="no_show"))  # fmt: skip
    call(at(31, 23, 59) + timedelta(minutes=2), aiko.id, 5, 5)  # 1 January in Tokyo: outside
    for consultation, staff, total, refunded, paid_at in (
        (first, aiko.id, 10_000, 0, at(1, 1)),
        (second, ken.id, 30_000, 5_000, at(2, 16)),
    ):
        session.add(Order(store_id=store.id, consultation_id=consultation.id, status="paid",
                          total=total, refunded_total=refunded, paid_at=paid_at,
                          credited_staff_id=staff))  # fmt: skip
    session.add(Order(store_id=store.id, status="paid", total=99_000, paid_at=at(2, 12)))
    session.flush()
    return store.id, aiko.id, ken.id


def test_a_month_for_the_store_and_for_one_member_of_staff(session: Session) -> None:
    store_id, aiko, _ken = seed(session)
    december = kpis.period("month", "2026-12-15")
    assert (december.first, december.last, december.bucket) == (date(2026, 12, 1),
                                                                 date(2026, 12, 31), "day")  # fmt: skip
    result = kpis.report(session, store_id, december)
    assert result.summary == {
        "consultations": 4, "booked": 1, "walk_in": 3, "answered_rate": 66.7,
        "average_wait_s": 90, "average_duration_s": 700, "no_show_rate": 50.0,
        "conversion": 66.7, "orders": 2, "revenue": 35_000, "revenue_text": "¥35,000",
        "average_order": 17_500, "average_order_text": "¥17,500", "rating": 4.0, "ratings": 2,
    }  # fmt: skip
    days = {row["bucket"]: row for row in result.series}
    assert len(days) == 31
    assert (days["2026-12-01"]["walk_in"], days["2026-12-01"]["revenue"]) == (2, 10_000)
    assert (days["2026-12-02"]["walk_in"], days["2026-12-02"]["revenue"]) == (1, 25_000)
    assert days["2026-12-03"]["booked"] == 1
    assert [(r["name"], r["consultations"], r["orders"], r["revenue"]) for r in result.by_staff] == [
        ("aiko", 2, 1, 10_000), ("ken", 1, 1, 25_000)]  # fmt: skip

    mine = kpis.report(session, store_id, december, staff_id=aiko)
    assert mine.summary["consultations"] == 2 and mine.summary["revenue"] == 10_000
    assert mine.summary["no_show_rate"] == 50.0


def test_a_year_is_bucketed_by_month_and_csv_opens_in_excel(session: Session) -> None:
    store_id, _aiko, _ken = seed(session)
    year = kpis.period("custom", "2026-01-01", "2026-12-31")
    result = kpis.report(session, store_id, year)
    assert [row["bucket"] for row in result.series][-2:] == ["2026-11", "2026-12"]
    assert result.series[-1]["walk_in"] == 3
    text = kpis.to_csv(["月", "予約", "ウォークイン", "売上"], result.series, kpis.SERIES_COLUMNS)
    assert text.startswith("\ufeff月,予約")
    assert text.endswith("2026-12,1,3,35000\r\n")


@pytest.mark.parametrize(
    "kind, start, end, key",
    [
        ("custom", "2026-12-10", "2026-12-01", "kpi.reversed"),
        ("custom", "2025-01-01", "2026-03-01", "kpi.too_long"),
        ("custom", "2026-13-01", "2026-12-01", "kpi.bad_date"),
        ("decade", "2026-12-01", "", "kpi.unknown_period"),
    ],
)
def test_bad_periods_are_refused(kind: str, start: str, end: str, key: str) -> None:
    with pytest.raises(kpis.KpiError) as error:
        kpis.period(kind, start, end)
    assert error.value.key == key


def test_unknown_store_and_foreign_staff_are_refused(session: Session) -> None:
    store_id, _aiko, _ken = seed(session)
    other = factories.store(session, "umeda")
    stranger = factories.staff(session, other, email="x@example.com")
    week = kpis.period("week", "2026-12-02")
    assert (week.first, week.last) == (date(2026, 11, 30), date(2026, 12, 6))
    for kwargs, key in (({"store_id": 404}, "kpi.unknown_store"),
                        ({"store_id": store_id, "staff_id": stranger.id}, "kpi.unknown_staff")):  # fmt: skip
        with pytest.raises(kpis.KpiError) as error:
            kpis.report(session, chosen=week, **kwargs)  # type: ignore[arg-type]
        assert error.value.key == key

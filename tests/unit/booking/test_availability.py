import pytest
from sqlalchemy.orm import Session

from consult.booking.availability import (
    AvailabilityError,
    format_day,
    parse_day,
    replace_week,
    week_of,
)
from showroom.models import WeeklyAvailability
from tests import factories


@pytest.mark.parametrize(
    "text, ranges",
    [
        ("10:00-13:00, 14:00-19:00", [(600, 780), (840, 1140)]),
        ("14:00〜19:00、9:30-12:00", [(570, 720), (840, 1140)]),  # Japanese separators, any order
        ("00:00-24:00", [(0, 1440)]),
        ("", []),
        ("  ", []),
    ],
)
def test_days_are_read_as_people_write_them(text: str, ranges: list[tuple[int, int]]) -> None:
    assert parse_day(text, 0) == ranges
    assert parse_day(format_day(ranges), 0) == ranges


@pytest.mark.parametrize(
    "text, key",
    [
        ("10-13", "availability.bad_format"),
        ("ten to one", "availability.bad_format"),
        ("10:00-25:00", "availability.bad_time"),
        ("10:75-11:00", "availability.bad_time"),
        ("24:00-24:00", "availability.bad_time"),
        ("13:00-10:00", "availability.start_after_end"),
        ("10:00-13:00, 12:00-15:00", "availability.overlap"),
    ],
)
def test_bad_days_say_what_is_wrong(text: str, key: str) -> None:
    with pytest.raises(AvailabilityError) as raised:
        parse_day(text, 3)
    assert raised.value.key == key and raised.value.weekday == 3


def test_a_week_is_replaced_whole_or_not_at_all(session: Session) -> None:
    member = factories.staff(session, factories.store(session))
    week = {0: "10:00-13:00, 14:00-19:00", 5: "10:00-16:00"}
    replace_week(session, member.id, week)
    assert week_of(session, member.id)[0] == "10:00-13:00, 14:00-19:00"
    assert week_of(session, member.id)[6] == ""
    with pytest.raises(AvailabilityError):
        replace_week(session, member.id, {0: "09:00-17:00", 2: "nonsense"})
    assert week_of(session, member.id)[0] == "10:00-13:00, 14:00-19:00"  # untouched
    assert session.query(WeeklyAvailability).count() == 3


def test_a_date_can_be_a_day_off_or_have_its_own_hours(session: Session) -> None:
    from datetime import date, timedelta

    from consult.booking.availability import clear_date, dates_of, set_date
    from consult.booking.bookings import free_slots
    from consult.models import ConsultationType
    from tests.factories import TOKYO

    staff_id, _store_id, start = factories.booking(session, days_ahead=5)
    kind = session.query(ConsultationType).one()
    day, today = start.date(), date.today()

    def local_hours_free(on: date) -> set[int]:
        slots = free_slots(session, kind.id, staff_id=staff_id, first_day=on, days=1)
        return {slot.starts_at.astimezone(TOKYO).hour for slot in slots}

    assert local_hours_free(day) >= {9, 16}  # the week: all day
    assert set_date(session, staff_id, day, "", today=today) == ""
    assert local_hours_free(day) == set()
    assert set_date(session, staff_id, day, "10:00-12:00", today=today) == "10:00-12:00"
    assert local_hours_free(day) == {10, 11}
    assert dates_of(session, staff_id, today) == [(day, "10:00-12:00")]
    with pytest.raises(AvailabilityError) as past:
        set_date(session, staff_id, today - timedelta(days=1), "", today=today)
    assert past.value.key == "availability.past_date"
    with pytest.raises(AvailabilityError):
        set_date(session, staff_id, day, "12:00-10:00", today=today)
    assert dates_of(session, staff_id, today) == [(day, "10:00-12:00")]  # unchanged
    clear_date(session, staff_id, day)
    assert dates_of(session, staff_id, today) == [] and 16 in local_hours_free(day)

import pytest
from sqlalchemy.orm import Session

from consult.availability import AvailabilityError, format_day, parse_day, replace_week, week_of
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

"""A staff member's calendar feed link: a year long, replaced on request, old ones refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from consult.booking.bookings import FEED_DAYS, BookingError, feed_token, staff_for_feed
from showroom.db import utcnow
from tests import factories

KEY = "feed-test-key"


def test_a_new_link_stops_the_old_one(session: Session) -> None:
    aiko = factories.staff(session, factories.store(session))
    first = feed_token(session, KEY, aiko.id)
    assert feed_token(session, KEY, aiko.id) == first  # the same link on every page load
    assert staff_for_feed(session, KEY, first) == aiko.id
    second = feed_token(session, KEY, aiko.id, rotate=True)  # even within the same second

    assert second != first and staff_for_feed(session, KEY, second) == aiko.id
    with pytest.raises(BookingError):
        staff_for_feed(session, KEY, first)


def test_a_link_lasts_a_year_and_the_page_offers_the_next_in_its_last_month(
    session: Session,
) -> None:
    aiko = factories.staff(session, factories.store(session))
    start = utcnow() - timedelta(days=FEED_DAYS + 1)
    old = feed_token(session, KEY, aiko.id, now=start)
    with pytest.raises(BookingError):  # expired
        staff_for_feed(session, KEY, old)
    renewed = feed_token(session, KEY, aiko.id)  # more than 11 months on: a fresh one
    assert renewed != old and staff_for_feed(session, KEY, renewed) == aiko.id


def test_a_deactivated_member_or_a_forged_link_gets_nothing(session: Session) -> None:
    aiko = factories.staff(session, factories.store(session))
    token = feed_token(session, KEY, aiko.id)
    for forged in (token[:-2] + "xx", "", "a.b", token.replace(".", "")):
        with pytest.raises(BookingError):
            staff_for_feed(session, KEY, forged)
    aiko.active = False
    with pytest.raises(BookingError):
        staff_for_feed(session, KEY, token)

"""Password guessing slows down per account and per address; a success clears the account."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from showroom import login_throttle as throttle
from showroom.db import utcnow
from showroom.models import LoginFailure


def test_five_failures_are_free_then_each_locks_twice_as_long(session: Session) -> None:
    now = utcnow()
    limits = [throttle.account("Aiko@Example.com "), throttle.address("10.0.0.1")]
    for _ in range(5):
        assert throttle.record_failure(session, limits, now) == 0
        assert throttle.wait_s(session, limits, now) == 0
    locks = [throttle.record_failure(session, limits, now) for _ in range(4)]
    assert locks == [2, 4, 8, 16]
    assert throttle.wait_s(session, limits, now) == 16
    assert throttle.wait_s(session, limits, now + timedelta(seconds=16)) == 0
    # The same account typed differently is the same account; keys are stored hashed only.
    assert throttle.wait_s(session, [throttle.account("aiko@example.com")], now) == 16
    assert all("aiko" not in row.key_hash for row in session.query(LoginFailure))


def test_the_lock_stops_growing_at_fifteen_minutes(session: Session) -> None:
    now = utcnow()
    limits = [throttle.account("ken@example.com")]
    locks = [throttle.record_failure(session, limits, now) for _ in range(20)]
    assert max(locks) == throttle.MAX_LOCK_S == 900


def test_an_address_gets_more_tries_than_an_account(session: Session) -> None:
    now = utcnow()
    store_wifi = [throttle.address("192.0.2.7")]
    assert [throttle.record_failure(session, store_wifi, now) for _ in range(21)][-2:] == [0, 2]


def test_old_failures_are_forgotten_and_success_clears_the_account(session: Session) -> None:
    now = utcnow()
    aiko, wifi = throttle.account("aiko@example.com"), throttle.address("192.0.2.7")
    for _ in range(6):
        throttle.record_failure(session, [aiko, wifi], now)
    later = now + throttle.WINDOW + timedelta(seconds=1)
    assert throttle.record_failure(session, [aiko], later) == 0  # counting starts again
    throttle.clear(session, aiko)
    assert throttle.wait_s(session, [aiko], now) == 0
    assert session.get(LoginFailure, throttle._hash(wifi.key)) is not None  # address stays
    throttle.purge(session, now + throttle.WINDOW * 5)
    assert session.query(LoginFailure).count() == 0

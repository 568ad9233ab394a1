"""Slowing down password guessing: per account and per address, kept in the database so every
worker sees the same counts.

An account may fail 5 times, an address 20 (a store's staff share one address), within a
quarter of an hour; after that each further failure locks that account or address for twice
as long as the one before (2 s, 4 s, 8 s ... at most 15 minutes). While locked, a login is
refused without checking the password, so guessing costs time, not just argon2's CPU.
A success clears the account's count (not the address's: a guesser who also has an account
must not reset it). Plain Python; no Reflex.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from showroom.db import utcnow
from showroom.models import LoginFailure

WINDOW = timedelta(minutes=15)  # failures older than this are forgotten
MAX_LOCK_S = 15 * 60


@dataclass(frozen=True)
class Limit:
    key: str
    free_failures: int


def account(email: str) -> Limit:
    return Limit("account:" + email.strip().lower(), 5)


def address(ip: str) -> Limit:
    return Limit("address:" + ip, 20)


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def wait_s(session: Session, limits: list[Limit], now: datetime | None = None) -> int:
    """Seconds until a login may be tried again (0: now)."""
    now = now or utcnow()
    rows = session.scalars(
        select(LoginFailure).where(LoginFailure.key_hash.in_([_hash(x.key) for x in limits]))
    )
    waits = [(r.locked_until - now).total_seconds() for r in rows if r.locked_until]
    return max([0, *(math.ceil(w) for w in waits)])


def record_failure(session: Session, limits: list[Limit], now: datetime | None = None) -> int:
    """Count a failed login against each limit; returns the longest lock it set, in seconds."""
    now = now or utcnow()
    longest = 0
    for limit in limits:
        row = session.scalars(
            select(LoginFailure).where(LoginFailure.key_hash == _hash(limit.key)).with_for_update()
        ).one_or_none()
        if row is None:
            row = LoginFailure(key_hash=_hash(limit.key), failures=0, last_failed_at=now)
            session.add(row)
        elif row.last_failed_at < now - WINDOW:
            row.failures, row.locked_until = 0, None
        row.failures += 1
        row.last_failed_at = now
        over = row.failures - limit.free_failures
        if over > 0:
            lock = min(2**over, MAX_LOCK_S)
            row.locked_until = now + timedelta(seconds=lock)
            longest = max(longest, lock)
    session.flush()
    return longest


def clear(session: Session, limit: Limit) -> None:
    session.execute(delete(LoginFailure).where(LoginFailure.key_hash == _hash(limit.key)))


def purge(session: Session, now: datetime | None = None) -> None:
    """Forget what no longer counts (housekeeping, called on each failure)."""
    session.execute(
        delete(LoginFailure).where(LoginFailure.last_failed_at < (now or utcnow()) - WINDOW * 4)
    )

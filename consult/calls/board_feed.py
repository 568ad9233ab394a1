"""The supervisor's board is pushed, not polled: every commit that changes what the board shows
(a presence chosen, a call queued, accepted, joined, ended, an order paid) announces
`{"kind": "board"}` on the store's board topic after it commits.

One SQLAlchemy listener on every `Session` collects the stores a flush touched, so no call site
has to remember to publish. The announcement runs on the app's event loop (`attach`, done by the
`board_feed` lifespan task), also when the commit happened in a worker thread. A process with no
loop attached (a script, a test without the feed) announces nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Iterable
from typing import Any

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session, UOWTransaction

from consult.calls.monitoring import LiveMedia, board
from consult.media.plane import live_links
from consult.models import Booking, Consultation, ConsultationEvent, Order, Recording
from showroom.db import session_scope
from showroom.models import StaffMember
from showroom.pubsub import get_broker

logger = logging.getLogger(__name__)

CHANGED = {"kind": "board"}
_PENDING = "board_feed_stores"

_loop: asyncio.AbstractEventLoop | None = None
_tasks: set[asyncio.Task[None]] = set()


def board_topic(store_id: int) -> str:
    return f"board:{store_id}"


def attach(loop: asyncio.AbstractEventLoop | None) -> None:
    """Announce board changes on `loop` (None: stop announcing)."""
    global _loop
    _loop = loop


@contextlib.asynccontextmanager
async def board_feed() -> AsyncIterator[None]:
    """Lifespan task: board changes committed in this process are announced while it runs."""
    attach(asyncio.get_running_loop())
    try:
        yield
    finally:
        attach(None)


def _presence_changed(member: StaffMember) -> bool:
    # A heartbeat only refreshes `presence_at`: the board would show nothing new.
    return bool(inspect(member).attrs.presence.history.has_changes())


def _collect(session: Session, _flush: UOWTransaction) -> None:
    if _loop is None:
        return
    stores: set[int] = session.info.setdefault(_PENDING, set())
    calls: set[int] = set()
    for row in (*session.new, *session.dirty, *session.deleted):
        if isinstance(row, StaffMember):
            if row in session.new or _presence_changed(row):
                stores.add(row.store_id)
        elif isinstance(row, Consultation | Booking | Order):
            stores.add(row.store_id)
        elif isinstance(row, ConsultationEvent | Recording):
            calls.add(row.consultation_id)
    if calls:  # a joined / left event alone: find its store in the same transaction
        stores.update(
            session.connection().scalars(
                select(Consultation.store_id).where(Consultation.id.in_(sorted(calls)))
            )
        )


def _forget(session: Session) -> None:
    session.info.pop(_PENDING, None)


def _announce_after_commit(session: Session) -> None:
    stores: set[int] = session.info.pop(_PENDING, set())
    loop = _loop
    if loop is None or loop.is_closed() or not stores:
        return
    loop.call_soon_threadsafe(_spawn, set(stores))


def _spawn(stores: set[int]) -> None:
    task = asyncio.get_running_loop().create_task(announce(stores))
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)


async def announce(stores: Iterable[int]) -> None:
    """Tell the open boards of these stores to reload."""
    targets = set(stores)
    try:
        broker = get_broker()
        for store_id in sorted(targets):
            await broker.publish(board_topic(store_id), CHANGED)
    except Exception:  # a board that misses one change must not break the commit's caller
        logger.exception("could not announce a board change for stores %s", sorted(targets))


async def announce_rating(consultation_id: int) -> None:
    """A browser rated its connection differently: a change the database does not see, so the
    media routes announce it to the call's store here."""

    def store_of() -> int | None:
        with session_scope() as session:
            query = select(Consultation.store_id).where(Consultation.id == consultation_id)
            return session.scalar(query)

    try:
        store_id = await asyncio.to_thread(store_of)
    except Exception:  # the caller's status poll must not fail for the board's sake
        logger.exception("could not find the store of consultation %s", consultation_id)
        return
    if store_id is not None:
        await announce([store_id])


def live_board(store_id: int) -> dict[str, Any]:
    """The board as it is now, with what this process's media plane knows of the live calls."""
    with session_scope() as session:
        live = list(
            session.scalars(
                select(Consultation.id).where(
                    Consultation.store_id == store_id, Consultation.status == "active"
                )
            )
        )
        return board(session, store_id, media=LiveMedia(live_links(live)))


def _install() -> None:
    if not event.contains(Session, "after_flush", _collect):
        event.listen(Session, "after_flush", _collect)
        event.listen(Session, "after_commit", _announce_after_commit)
        event.listen(Session, "after_rollback", _forget)


_install()


def drain_queue(queue: asyncio.Queue[Any]) -> int:
    """Take every message already waiting (a burst of changes reloads the board once)."""
    taken = 0
    while not queue.empty():
        queue.get_nowait()
        taken += 1
    return taken

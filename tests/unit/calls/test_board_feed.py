"""Board changes are announced after commit, once per store, also from worker threads;
a heartbeat (presence_at only) and a rolled-back change announce nothing."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from consult.calls import board_feed
from consult.calls.consultations import start_walk_in
from consult.calls.events import record_event
from consult.calls.presence import heartbeat, set_presence
from showroom import pubsub
from tests import factories

REDIS_URL = os.environ.get("TEST_REDIS_URL", "")


@pytest.fixture(params=["local"] + (["redis"] if REDIS_URL else []))
async def feed(
    monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> AsyncIterator[pubsub.Broker]:
    """The board's broker: in-process, and Redis (several workers) where one answers."""
    broker: pubsub.Broker = (
        pubsub.LocalBroker() if request.param == "local" else pubsub.RedisBroker(REDIS_URL)
    )
    monkeypatch.setattr(pubsub, "_broker", broker)
    async with board_feed.board_feed():
        yield broker


@contextlib.asynccontextmanager
async def listening(broker: pubsub.Broker, store_id: int) -> AsyncIterator[asyncio.Queue[Any]]:
    async with broker.subscribe(board_feed.board_topic(store_id)) as queue:
        await asyncio.sleep(0.05)  # Redis confirms a subscription asynchronously
        yield queue


async def next_change(queue: asyncio.Queue[dict[str, object]]) -> dict[str, object]:
    return await asyncio.wait_for(queue.get(), 1)


async def nothing(queue: asyncio.Queue[dict[str, object]]) -> bool:
    await asyncio.sleep(0.2)
    return queue.empty()


async def test_a_presence_change_reaches_the_stores_board(
    engine: Engine, feed: pubsub.Broker
) -> None:
    with Session(engine) as session:
        store, other = factories.store(session), factories.store(session, "umeda")
        aiko = factories.staff(session, store)
        session.commit()
        store_id, other_id, aiko_id = store.id, other.id, aiko.id
    await asyncio.sleep(0.1)  # the setup's own announcement goes out before we listen
    async with listening(feed, store_id) as mine, listening(feed, other_id) as theirs:
        with Session(engine) as session:
            set_presence(session, aiko_id, "available")
            session.commit()
        assert await next_change(mine) == {"kind": "board"}
        assert await nothing(theirs)
        # Only presence_at moves: the board would not change.
        with Session(engine) as session:
            heartbeat(session, aiko_id)
            session.commit()
        assert await nothing(mine)
        # Rolled back: nothing happened.
        with Session(engine) as session:
            set_presence(session, aiko_id, "away")
            session.rollback()
        assert await nothing(mine)


async def test_calls_and_media_events_committed_in_a_thread_are_announced(
    engine: Engine, feed: pubsub.Broker
) -> None:
    with Session(engine) as session:
        store = factories.store(session)
        session.commit()
        store_id = store.id
    await asyncio.sleep(0.1)

    def walk_in() -> int:
        with Session(engine) as session:
            call_id = start_walk_in(session, store_id).id
            session.commit()
            return call_id

    async with listening(feed, store_id) as changes:
        call_id = await asyncio.to_thread(walk_in)
        assert await next_change(changes) == {"kind": "board"}

        def joined() -> None:
            with Session(engine) as session:  # what the media plane stores alone
                record_event(session, call_id, "joined", role="customer")
                session.commit()

        await asyncio.to_thread(joined)
        assert await next_change(changes) == {"kind": "board"}


async def test_a_browsers_new_rating_is_announced_to_its_store(
    app_db: Engine, feed: pubsub.Broker
) -> None:
    """Connection quality lives in the media plane, not the database: announced directly."""
    with Session(app_db) as session:
        store = factories.store(session)
        call_id = start_walk_in(session, store.id).id
        session.commit()
        store_id = store.id
    await asyncio.sleep(0.1)
    async with listening(feed, store_id) as changes:
        await board_feed.announce_rating(call_id)
        assert await next_change(changes) == {"kind": "board"}
        await board_feed.announce_rating(999_999)  # a call that is gone: nobody to tell
        assert await nothing(changes)


async def test_without_a_running_feed_nothing_is_announced(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    broker = pubsub.LocalBroker()
    monkeypatch.setattr(pubsub, "_broker", broker)
    with Session(engine) as session:
        store_id = factories.store(session).id
        session.commit()
    async with broker.subscribe(board_feed.board_topic(store_id)) as changes:
        with Session(engine) as session:
            start_walk_in(session, store_id)
            session.commit()
        assert await nothing(changes)


def test_drain_takes_a_burst_at_once() -> None:
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(3):
        queue.put_nowait(n)
    assert board_feed.drain_queue(queue) == 3 and queue.empty()

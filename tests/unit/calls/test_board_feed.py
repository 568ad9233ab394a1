"""Board changes are announced after commit, once per store, also from worker threads;
a heartbeat (presence_at only) and a rolled-back change announce nothing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from consult.calls import board_feed
from consult.calls.consultations import start_walk_in
from consult.calls.events import record_event
from consult.calls.presence import heartbeat, set_presence
from showroom import pubsub
from tests import factories


@pytest.fixture
async def feed(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[pubsub.LocalBroker]:
    broker = pubsub.LocalBroker()
    monkeypatch.setattr(pubsub, "_broker", broker)
    async with board_feed.board_feed():
        yield broker


async def next_change(queue: asyncio.Queue[dict[str, object]]) -> dict[str, object]:
    return await asyncio.wait_for(queue.get(), 1)


async def nothing(queue: asyncio.Queue[dict[str, object]]) -> bool:
    await asyncio.sleep(0.2)
    return queue.empty()


async def test_a_presence_change_reaches_the_stores_board(
    engine: Engine, feed: pubsub.LocalBroker
) -> None:
    with Session(engine) as session:
        store, other = factories.store(session), factories.store(session, "umeda")
        aiko = factories.staff(session, store)
        session.commit()
        store_id, other_id, aiko_id = store.id, other.id, aiko.id
    await asyncio.sleep(0.1)  # the setup's own announcement goes out before we listen
    async with (
        feed.subscribe(board_feed.board_topic(store_id)) as mine,
        feed.subscribe(board_feed.board_topic(other_id)) as theirs,
    ):
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
    engine: Engine, feed: pubsub.LocalBroker
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

    async with feed.subscribe(board_feed.board_topic(store_id)) as changes:
        call_id = await asyncio.to_thread(walk_in)
        assert await next_change(changes) == {"kind": "board"}

        def joined() -> None:
            with Session(engine) as session:  # what the media plane stores alone
                record_event(session, call_id, "joined", role="customer")
                session.commit()

        await asyncio.to_thread(joined)
        assert await next_change(changes) == {"kind": "board"}


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

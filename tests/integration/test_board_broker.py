"""The board feed through each broker (Redis when TEST_REDIS_URL is set): a presence change
committed by one worker reaches a board subscribed in another within a second."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from consult.calls import board_feed
from consult.calls.presence import set_presence
from showroom import pubsub
from tests import factories

REDIS_URL = os.environ.get("TEST_REDIS_URL", "")
BROKERS = ["local"] + (["redis"] if REDIS_URL else [])


@pytest.fixture(params=BROKERS)
async def broker(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[pubsub.Broker]:
    chosen: pubsub.Broker = (
        pubsub.LocalBroker() if request.param == "local" else pubsub.RedisBroker(REDIS_URL)
    )
    monkeypatch.setattr(pubsub, "_broker", chosen)
    async with board_feed.board_feed():
        yield chosen


async def test_a_presence_change_reaches_a_board_within_a_second(
    engine: Engine, broker: pubsub.Broker
) -> None:
    with Session(engine) as session:
        store = factories.store(session)
        store_id, aiko_id = store.id, factories.staff(session, store).id
        session.commit()
    await asyncio.sleep(0.2)
    # With Redis the board listens on a connection of its own, as another worker would.
    listener = broker if isinstance(broker, pubsub.LocalBroker) else pubsub.RedisBroker(REDIS_URL)
    async with listener.subscribe(board_feed.board_topic(store_id)) as changes:
        await asyncio.sleep(0.1)  # Redis confirms a subscription asynchronously

        def go_available() -> None:
            with Session(engine) as session:
                set_presence(session, aiko_id, "available")
                session.commit()

        started = time.perf_counter()
        await asyncio.to_thread(go_available)
        assert await asyncio.wait_for(changes.get(), 1.0) == {"kind": "board"}
        assert time.perf_counter() - started < 1.0

import asyncio
import os

import pytest

from showroom.pubsub import Broker, LocalBroker, RedisBroker

REDIS_URL = os.environ.get("TEST_REDIS_URL", "")
BROKERS = ["local"] + (["redis"] if REDIS_URL else [])


@pytest.fixture(params=BROKERS)
def broker(request: pytest.FixtureRequest) -> Broker:
    return LocalBroker() if request.param == "local" else RedisBroker(REDIS_URL)


async def test_every_subscriber_gets_each_message_once(broker: Broker) -> None:
    async with (
        broker.subscribe("chat:1") as first,
        broker.subscribe("chat:1") as second,
        broker.subscribe("chat:2") as other,
    ):
        await asyncio.sleep(0.05)  # Redis subscriptions are confirmed asynchronously
        await broker.publish("chat:1", {"id": 1, "body": "こんにちは"})
        for queue in (first, second):
            assert await asyncio.wait_for(queue.get(), 2) == {"id": 1, "body": "こんにちは"}
        await asyncio.sleep(0.05)
        assert other.empty() and first.empty()


async def test_unsubscribed_queues_get_nothing() -> None:
    broker = LocalBroker()
    async with broker.subscribe("stock:1") as queue:
        pass
    await broker.publish("stock:1", {"n": 1})
    assert queue.empty()

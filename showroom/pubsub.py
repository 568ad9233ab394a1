"""One publish/subscribe seam for live updates (stock, presence, chat): in-process or Redis."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import defaultdict
from collections.abc import AsyncIterator
from typing import Any, Protocol

from showroom.settings import get_settings


class Broker(Protocol):
    async def publish(self, topic: str, message: dict[str, Any]) -> None: ...

    def subscribe(
        self, topic: str
    ) -> contextlib.AbstractAsyncContextManager[asyncio.Queue[dict[str, Any]]]: ...


class LocalBroker:
    """In-process fan-out to asyncio queues: the embedded single-process default."""

    def __init__(self) -> None:
        self._queues: dict[str, set[asyncio.Queue[dict[str, Any]]]] = defaultdict(set)

    async def publish(self, topic: str, message: dict[str, Any]) -> None:
        for queue in list(self._queues.get(topic, ())):
            queue.put_nowait(message)

    @contextlib.asynccontextmanager
    async def subscribe(self, topic: str) -> AsyncIterator[asyncio.Queue[dict[str, Any]]]:
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._queues[topic].add(queue)
        try:
            yield queue
        finally:
            self._queues[topic].discard(queue)
            if not self._queues[topic]:
                del self._queues[topic]


class RedisBroker:
    """Redis pub/sub, so several backend workers see each other's updates."""

    def __init__(self, url: str) -> None:
        from redis import asyncio as aioredis

        self._redis = aioredis.from_url(url)

    async def publish(self, topic: str, message: dict[str, Any]) -> None:
        await self._redis.publish(f"showroom:{topic}", json.dumps(message))

    @contextlib.asynccontextmanager
    async def subscribe(self, topic: str) -> AsyncIterator[asyncio.Queue[dict[str, Any]]]:
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        pubsub = self._redis.pubsub()
        await pubsub.subscribe(f"showroom:{topic}")

        async def pump() -> None:
            async for item in pubsub.listen():
                if item.get("type") == "message":
                    queue.put_nowait(json.loads(item["data"]))

        task = asyncio.create_task(pump())
        try:
            yield queue
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
            await pubsub.unsubscribe()
            await pubsub.aclose()


_broker: Broker | None = None


def get_broker() -> Broker:
    global _broker
    if _broker is None:
        url = get_settings().redis_url
        _broker = RedisBroker(url) if url else LocalBroker()
    return _broker

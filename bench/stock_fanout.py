"""How fast a stock change over the REST API reaches every open tour.

Starts the real app (production build, seeded demo store) on a free port with its own data dir,
then opens SESSIONS tour sessions as lightweight clients that speak what the browser speaks over
Reflex's socket.io websocket (`/_event`, Engine.IO 4): the hydrate-and-load event of
/tour/aoyama/living, then "open the product" (the product panel shows the exact stock). For each
round it sets the product's stock over the REST API and records, per session, the time from just
before the PUT until that session received the new quantity. Prints one JSON object as its last
line: {"sessions", "p50_ms", "p95_ms", "max_ms", ...} over all sessions and rounds, where
`max_ms` is the worst time until every session had the new value.
Run: .venv/bin/python bench/stock_fanout.py [--sessions 200] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.e2e.app_server import start_app, stop_app

STORE, SCENE = "aoyama", "living"
ROOT_STATE = "reflex___state____state"
TOUR_STATE = ROOT_STATE + ".showroom___pages___tour____tour_state"
REFLEX_VERSION = "0.10.1"  # the browser sends it as the websocket subprotocol
CONNECT_BATCH = 20  # sessions opened at once, as visitors arriving close together
TIMEOUT_S = 30.0


@dataclass
class TourSession:
    """One open tour page: its socket, the product it shows and when each quantity arrived."""

    socket: ClientConnection
    markers: list[dict[str, Any]] = field(default_factory=list)
    product: dict[str, Any] = field(default_factory=dict)
    arrivals: dict[int, float] = field(default_factory=dict)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    async def send_event(self, handler: str, payload: dict[str, Any]) -> None:
        event = {"name": f"{TOUR_STATE}.{handler}", "payload": payload, "router_data": ROUTER}
        await self.socket.send("42/_event," + json.dumps(["event", event]))

    async def listen(self) -> None:
        """Answer pings and keep what the tour state says about markers and the product."""
        async for frame in self.socket:
            assert isinstance(frame, str)
            if frame == "2":
                await self.socket.send("3")
                continue
            if not frame.startswith("42/_event,"):
                continue
            now = time.perf_counter()
            _name, update = json.loads(frame[len("42/_event,") :])
            tour = (update.get("delta") or {}).get(TOUR_STATE, {})
            if "markers_rx_state_" in tour:
                self.markers = tour["markers_rx_state_"]
            if product := tour.get("product_rx_state_"):
                self.product = product
                self.arrivals.setdefault(int(product["stock"]), now)
            self.changed.set()

    async def wait_for_quantity(self, quantity: int) -> None:
        await self.wait_for(lambda: quantity in self.arrivals)

    async def wait_for(self, check: Any) -> None:
        while not check():
            self.changed.clear()
            await asyncio.wait_for(self.changed.wait(), TIMEOUT_S)


ROUTER = {
    "pathname": f"/tour/{STORE}/{SCENE}",
    "asPath": f"/tour/{STORE}/{SCENE}",
    "query": {"store_slug": STORE, "scene_slug": SCENE},
}


async def open_tour(base_ws: str, tasks: list[asyncio.Task[None]]) -> TourSession:
    token = str(uuid.uuid4())
    socket = await connect(
        f"{base_ws}/_event/?token={token}&EIO=4&transport=websocket",
        subprotocols=[REFLEX_VERSION],  # type: ignore[list-item]
        max_size=None,
        open_timeout=TIMEOUT_S,
    )
    opened = await socket.recv()
    assert isinstance(opened, str) and opened.startswith("0{"), opened
    hydrate = {"name": f"{ROOT_STATE}.hydrate_and_load", "payload": {}, "router_data": ROUTER}
    await socket.send("40/_event," + json.dumps({"event": hydrate}))
    session = TourSession(socket)
    tasks.append(asyncio.create_task(session.listen()))
    await session.wait_for(lambda: session.markers)
    first = next(m for m in session.markers if m["kind"] == "product")
    await session.send_event("open_marker", {"marker_id": first["id"]})
    await session.wait_for(lambda: session.product)
    return session


async def run(base_url: str, api_key: str, sessions: int, rounds: int) -> dict[str, Any]:
    base_ws = base_url.replace("http://", "ws://")
    tasks: list[asyncio.Task[None]] = []
    tours: list[TourSession] = []
    opened_at = time.perf_counter()
    for start in range(0, sessions, CONNECT_BATCH):
        batch = range(start, min(start + CONNECT_BATCH, sessions))
        tours += await asyncio.gather(*(open_tour(base_ws, tasks) for _ in batch))
    open_s = time.perf_counter() - opened_at
    await asyncio.sleep(2)  # let every tour's background watcher subscribe
    sku, before = tours[0].product["sku"], int(tours[0].product["stock"])
    latencies: list[float] = []
    all_ms: list[float] = []
    async with httpx.AsyncClient(
        base_url=f"{base_url}/api/catalogue",
        headers={"authorization": f"Bearer {api_key}"},
        timeout=TIMEOUT_S,
    ) as api:
        for round_number in range(rounds):
            quantity = before + 1 + round_number  # a value no session has seen yet
            started = time.perf_counter()
            response = await api.put(f"/stores/{STORE}/stock/{sku}", json={"quantity": quantity})
            response.raise_for_status()
            await asyncio.gather(*(t.wait_for_quantity(quantity) for t in tours))
            times = [(t.arrivals[quantity] - started) * 1000 for t in tours]
            latencies += times
            all_ms.append(round(max(times), 1))
            await asyncio.sleep(1)
    for tour in tours:
        await tour.socket.close()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    latencies.sort()
    return {
        "rounds": rounds,
        "open_s": round(open_s, 2),
        "every_session_ms": all_ms,
        "sessions": sessions,
        "p50_ms": round(statistics.median(latencies), 1),
        "p95_ms": round(latencies[int(0.95 * (len(latencies) - 1))], 1),
        "max_ms": round(latencies[-1], 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--url", help="measure an app already running here (needs --key)")
    parser.add_argument("--key", help="its API key")
    args = parser.parse_args()
    if args.url:
        result = asyncio.run(run(args.url, args.key, args.sessions, args.rounds))
    else:
        data_dir = Path(tempfile.mkdtemp(prefix="bench-fanout-"))
        app = start_app(data_dir)
        try:
            key = (data_dir / "api_key").read_text().strip()
            result = asyncio.run(run(app.url, key, args.sessions, args.rounds))
        finally:
            stop_app(app)
            shutil.rmtree(data_dir, ignore_errors=True)
    print(json.dumps(result))


if __name__ == "__main__":
    main()

"""The supervisor's pages on a year of a big store, and how fast a presence change reaches an
open board in Chromium.

1. Generates a store with 50 staff, 20 live consultations and a year of history (50,000
   consultations, 20,000 paid orders, 2 million tour `look` events) in a fresh database:
   SQLite by default, PostgreSQL with --postgres URL (a throwaway database is created there
   and dropped afterwards). Then times, in process, the server's work for: the live board, the
   KPI report for a month and for a year, and one scene's heatmap for a month (median of runs).
2. Starts the real app (production build, demo store) and two Chromium profiles: a supervisor
   with the board open, and a member of staff who switches between Available and Away. Each
   switch is timed from the click until the board shows it (no reload, no polling).

Prints one JSON object as its last line with the issue's keys: board_ms, kpi_month_ms,
kpi_year_ms, heatmap_ms, presence_to_board_s (plus what was measured on).
Run: .venv/bin/python bench/board.py [--postgres URL] [--looks 2000000] [--skip-browser]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, insert, select, text
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from consult.calls import kpis
from consult.calls.monitoring import board
from consult.models import Consultation, Order
from showroom.db import make_engine
from showroom.migrate import upgrade
from showroom.models import Scene, StaffMember, Store, TourEvent
from showroom.tours import insights

RUNS = 5
CHUNK = 50_000


@contextmanager
def database(postgres: str) -> Iterator[str]:
    if not postgres:
        folder = Path(tempfile.mkdtemp(prefix="bench-board-"))
        try:
            yield f"sqlite:///{folder / 'board.db'}"
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    name = f"showroom_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(postgres, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{postgres.rsplit('/', 1)[0]}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def generate(engine: Engine, *, consultations: int, orders: int, looks: int) -> dict[str, int]:
    rng = random.Random(16)
    now = datetime.now(UTC).replace(microsecond=0)
    year_ago = now - timedelta(days=365)
    with Session(engine) as session:
        store = Store(slug="big", name_en="Big store", name_ja="大型店", timezone="Asia/Tokyo")
        session.add(store)
        session.flush()
        staff = [
            StaffMember(store_id=store.id, email=f"s{i}@bench.example", display_name=f"Staff {i}",
                        role="supervisor" if i == 0 else "staff", password_hash="x",
                        presence=rng.choice(("available", "away", "offline")), presence_at=now)
            for i in range(50)
        ]  # fmt: skip
        scenes = [
            Scene(store_id=store.id, slug=f"scene{i}", name_en=f"Scene {i}", name_ja=f"シーン{i}",
                  panorama_dir=f"big/scene{i}", panorama_meta={"levels": []})
            for i in range(3)
        ]  # fmt: skip
        session.add_all([*staff, *scenes])
        session.commit()
        store_id, staff_ids, scene_ids = store.id, [s.id for s in staff], [s.id for s in scenes]

    def calls() -> Iterator[dict[str, Any]]:
        for n in range(consultations):
            created = year_ago + timedelta(seconds=rng.randrange(365 * 86400))
            answered = rng.random() < 0.85
            started = created + timedelta(seconds=rng.randrange(5, 300)) if answered else None
            yield {
                "store_id": store_id, "staff_id": rng.choice(staff_ids) if answered else None,
                "created_at": created, "started_at": started, "status": "ended",
                "ended_at": started + timedelta(seconds=rng.randrange(60, 1800)) if started else None,
                "rating": rng.choice((None, 3, 4, 5)) if answered else None,
                "customer_name": f"Customer {n}", "language": "ja", "audio_only": False,
                "notes": "", "rating_comment": "", "customer_email": "",
            }  # fmt: skip
        for n in range(20):  # live now
            yield {
                "store_id": store_id, "staff_id": staff_ids[n + 1], "created_at": now,
                "started_at": now, "status": "active", "ended_at": None, "rating": None,
                "customer_name": f"Live {n}", "language": "ja", "audio_only": n % 4 == 0,
                "notes": "", "rating_comment": "", "customer_email": "",
            }  # fmt: skip

    _insert(engine, Consultation.__table__, calls())
    with engine.connect() as conn:
        answered_calls = conn.execute(
            select(Consultation.id, Consultation.staff_id, Consultation.started_at)
            .where(Consultation.started_at.is_not(None), Consultation.status == "ended")
            .order_by(Consultation.id)
        ).all()
    picked = rng.sample(answered_calls, min(orders, len(answered_calls)))

    def paid() -> Iterator[dict[str, Any]]:
        for call_id, staff_id, started in picked:
            assert started is not None
            total = rng.randrange(1_000, 300_000)
            yield {
                "store_id": store_id, "consultation_id": call_id, "status": "paid",
                "currency": "JPY", "total": total, "subtotal": total, "refunded_total": 0,
                "delivery_fee": 0, "stock_short": 0, "credited_staff_id": staff_id,
                "created_at": started, "paid_at": started + timedelta(minutes=10),
                "customer_name": "", "customer_email": "", "language": "ja",
            }  # fmt: skip

    _insert(engine, Order.__table__, paid())

    def looked() -> Iterator[dict[str, Any]]:
        for n in range(looks):
            yield {
                "visitor_id": f"visitor-{n % 40_000:06d}", "store_id": store_id,
                "scene_id": scene_ids[n % 3], "kind": "look",
                "yaw": rng.gauss(0.5, 0.8) % 6.283, "pitch": max(-1.5, min(1.5, rng.gauss(0, 0.3))),
                "created_at": year_ago + timedelta(seconds=rng.randrange(365 * 86400)),
            }  # fmt: skip

    _insert(engine, TourEvent.__table__, looked())
    with engine.begin() as conn:  # planner statistics, as a maintained database has them
        conn.execute(text("ANALYZE"))
    return {"store_id": store_id, "scene_id": scene_ids[0]}


def _insert(engine: Engine, table: Any, rows: Iterator[dict[str, Any]]) -> None:
    batch: list[dict[str, Any]] = []
    with engine.begin() as conn:
        for row in rows:
            batch.append(row)
            if len(batch) >= CHUNK:
                conn.execute(insert(table), batch)
                batch = []
        if batch:
            conn.execute(insert(table), batch)


def timed(engine: Engine, work: Callable[[Session], Any]) -> float:
    """Median milliseconds of RUNS runs (after one warm-up), each in a fresh session."""
    samples = []
    for n in range(RUNS + 1):
        with Session(engine) as session:
            started = time.perf_counter()
            work(session)
            if n:
                samples.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(samples), 1)


def server_times(url: str, looks: int) -> dict[str, Any]:
    upgrade(url)
    engine = make_engine(url)
    started = time.perf_counter()
    ids = generate(engine, consultations=50_000, orders=20_000, looks=looks)
    generated_s = round(time.perf_counter() - started, 1)
    store_id, scene_id = ids["store_id"], ids["scene_id"]
    today = datetime.now(UTC).date()
    month = kpis.period("month", today.isoformat())
    year = kpis.period("custom", (today - timedelta(days=364)).isoformat(), today.isoformat())
    window = insights.Window(datetime.now(UTC) - timedelta(days=30), datetime.now(UTC))
    with Session(engine) as session:
        live = len(board(session, store_id)["calls"])
        cells = len(insights.heat(session, scene_id, window))
    result = {
        "board_ms": timed(engine, lambda s: board(s, store_id)),
        "kpi_month_ms": timed(engine, lambda s: kpis.report(s, store_id, month)),
        "kpi_year_ms": timed(engine, lambda s: kpis.report(s, store_id, year)),
        "heatmap_ms": timed(engine, lambda s: insights.heat(s, scene_id, window)),
        "live_calls": live,
        "heat_cells": cells,
        "generated_s": generated_s,
    }
    engine.dispose()
    return result


def presence_to_board(rounds: int) -> float:
    from playwright.sync_api import expect, sync_playwright

    from tests.e2e.app_server import CHROMIUM, CHROMIUM_FLAGS, start_app, stop_app

    folder = Path(tempfile.mkdtemp(prefix="bench-board-app-"))
    app = start_app(folder / "data")
    samples: list[float] = []
    try:
        with sync_playwright() as driver:
            pages = []
            for who, email in (("supervisor", "yuki"), ("staff", "ken")):
                context = driver.chromium.launch_persistent_context(
                    str(folder / who), executable_path=CHROMIUM, headless=True,
                    args=CHROMIUM_FLAGS, viewport={"width": 1280, "height": 800},
                )  # fmt: skip
                context.set_default_timeout(60_000)
                page = context.pages[0]
                page.goto(f"{app.url}/login")
                page.get_by_label("Email").fill(f"{email}@showroom.example")
                page.get_by_label("Password").fill("showroom-demo")
                page.locator("button[type=submit]").click()
                page.wait_for_url(re.compile(r".*/(staff|supervisor)/?$"))
                pages.append(page)
            board_page, staff_page = pages
            board_page.goto(f"{app.url}/supervisor")
            row = board_page.locator("#staff-board").get_by_role("row").filter(has_text="Ken")
            expect(row).to_be_visible()
            staff_page.goto(f"{app.url}/staff")
            for n in range(rounds + 1):
                choice, shown = ("Away", "Away") if n % 2 else ("Available", "Available")
                radio = staff_page.locator("#presence").get_by_role("radio", name=choice)
                radio.wait_for()
                started = time.perf_counter()
                radio.click()
                board_page.wait_for_function(
                    "([text]) => [...document.querySelectorAll('#staff-board tr')].some("
                    "r => r.textContent.includes('Ken') && r.querySelector('.presence')"
                    "?.textContent.includes(text))",
                    arg=[shown],
                    polling="raf",
                )
                if n:  # the first round warms the pages up
                    samples.append(time.perf_counter() - started)
                staff_page.wait_for_timeout(300)
    finally:
        stop_app(app)
        shutil.rmtree(folder, ignore_errors=True)
    return round(statistics.median(samples), 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", default="", help="PostgreSQL URL (default: SQLite)")
    parser.add_argument("--looks", type=int, default=2_000_000)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--skip-browser", action="store_true")
    args = parser.parse_args()
    with database(args.postgres) as url:
        result = server_times(url, args.looks)
    result["database"] = "postgresql" if args.postgres else "sqlite"
    result["look_events"] = args.looks
    result["day"] = date.today().isoformat()
    result["presence_to_board_s"] = None if args.skip_browser else presence_to_board(args.rounds)
    print(json.dumps(result))


if __name__ == "__main__":
    main()

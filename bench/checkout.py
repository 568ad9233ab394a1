"""100 buyers at once for the last 10 units of one product, through the server's checkout
functions against localstripe, with its signed webhooks applied by the app's webhook route.

Each buyer, in its own thread and database connection: a call's cart with one unit, the staff's
payment request (which holds the stock: the race is decided here), pickup chosen, a card set up
with localstripe as Stripe.js does (`POST /v1/setup_intents/{id}/confirm` with the test card), and
"pay" (`checkout.charge_card`). "pay to paid" is the time from that press until the webhook's
transaction marking the order paid has committed. localstripe waits 1 s before it sends any
webhook, so that is the floor of these figures (Stripe's own delivery takes about as long).

Runs on SQLite, and on PostgreSQL too when TEST_POSTGRES_URL is set (an admin URL: a throwaway
database is created and dropped). Prints one JSON object as its last line: `paid` (must be 10),
`oversold` (units paid beyond the stock, must be 0), `pay_to_paid_p50_ms`, `pay_to_paid_p95_ms`,
`refused` and `db`; with both databases each key holds one value per database.
Run: .venv/bin/python bench/checkout.py [--buyers 100] [--units 10]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, create_engine, func, select, text
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("SHOWROOM_DATA_DIR", tempfile.mkdtemp(prefix="bench-checkout-"))

from starlette.applications import Starlette

from consult.calls.consultations import start_walk_in
from consult.commerce import checkout
from consult.commerce.cart import add_to_cart, request_cart_payment
from consult.commerce.effects import AfterCommit
from consult.commerce.localstripe_server import start_localstripe
from consult.commerce.payments import StripeGateway
from consult.commerce.webhooks import HANDLED_EVENTS, webhook_routes
from consult.models import Order
from showroom.db import make_engine
from showroom.migrate import upgrade
from showroom.models import Product, StaffMember, Stock, Store
from tests.fixtures.servers import serve_asgi

SECRET, API_KEY, LINK_KEY = "whsec_bench", "sk_test_bench", "bench-link-key"
CARD = {"number": "4242424242424242", "exp_month": "12", "exp_year": "2030", "cvc": "123"}


class Run:
    """One database's run: the engine, and when each order was paid (webhook committed)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.paid_at: dict[int, float] = {}
        self.lock = threading.Lock()

    @contextmanager
    def session(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    async def after_commit(self, effects: AfterCommit) -> None:
        now = time.perf_counter()
        with self.lock:
            for order_id in effects.receipts:  # owed a receipt: it was just paid
                self.paid_at.setdefault(order_id, now)


def seed(run: Run, buyers: int, units: int) -> tuple[int, int, list[int]]:
    with run.session() as session:
        store = Store(slug="bench", name_en="Bench", name_ja="ベンチ", currency="JPY")
        session.add(store)
        session.flush()
        lamp = Product(sku="LAMP-B", name_en="Lamp", name_ja="ランプ", price=32000, currency="JPY")
        staff = StaffMember(store_id=store.id, email="s@bench", display_name="S", role="staff",
                            password_hash="x")  # fmt: skip
        session.add_all([lamp, staff])
        session.flush()
        session.add(Stock(store_id=store.id, product_id=lamp.id, quantity=units))
        calls = []
        for _ in range(buyers):
            call = start_walk_in(session, store.id)
            call.status, call.staff_id = "active", staff.id
            calls.append(call)
        session.flush()
        return store.id, staff.id, [c.id for c in calls]


Result = tuple[str, float, int]  # outcome, when "pay" was pressed, the order


def buy(run: Run, api_base: str, staff_id: int, call_id: int) -> Result:
    """One buyer from cart to "pay": ("pending" (paying) | "refused" | an error, press, order)."""
    gateway = StripeGateway(API_KEY, api_base=api_base, max_network_retries=0)
    try:
        with run.session() as session:
            add_to_cart(session, call_id, session.scalar(select(Product.id)) or 0)
            message = request_cart_payment(session, LINK_KEY, call_id, staff_id)
            order_id = int(str((message.payload or {})["order_id"]))
    except Exception as error:  # the hold was refused: someone else has the last units
        return ("refused" if "out_of_stock" in str(error) else repr(error)), 0.0, 0
    with run.session() as session:
        order = session.get(Order, order_id)
        assert order is not None
        checkout.save_fulfilment(session, order_id, {
            "kind": "pickup", "store_id": str(order.store_id), "name": "Buyer",
            "email": "buyer@example.com"})  # fmt: skip
    setup = gateway.start_card_setup(order_id=order_id, idempotency_key=f"bench-{uuid.uuid4()}")
    seti = setup.client_secret.split("_secret_")[0]
    confirmed = httpx.post(f"{api_base}/v1/setup_intents/{seti}/confirm", json={
        "key": "pk_test", "client_secret": setup.client_secret,
        "payment_method_data": {"type": "card", "card": CARD}}, timeout=30)  # fmt: skip
    confirmed.raise_for_status()
    pressed = time.perf_counter()
    outcome = checkout.charge_card(run.session, gateway, order_id, seti)
    return outcome.status, pressed, order_id


def one_database(url: str, name: str, buyers: int, units: int) -> dict[str, Any]:
    upgrade(url)
    run = Run(make_engine(url))
    store_id, staff_id, calls = seed(run, buyers, units)
    log = Path(os.environ["SHOWROOM_DATA_DIR"]) / f"localstripe-{name}.log"
    with start_localstripe(0, log_file=log) as server:
        app = Starlette(routes=webhook_routes(
            secret=SECRET, session_factory=run.session, after_commit=run.after_commit))  # fmt: skip
        with serve_asgi(app) as hook_url:
            server.register_webhook(
                f"{hook_url}/api/stripe/webhook", SECRET, sorted(HANDLED_EVENTS)
            )
            start = threading.Barrier(buyers)

            def one(call_id: int) -> Result:
                start.wait()
                return buy(run, server.url, staff_id, call_id)

            with ThreadPoolExecutor(buyers) as pool:
                results = list(pool.map(one, calls))
            paying = {order_id: t for status, t, order_id in results if status == "pending"}
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and len(run.paid_at) < len(paying):
                time.sleep(0.05)
    with run.session() as session:
        paid_orders = session.scalars(select(Order).where(Order.status == "paid")).all()
        units_paid = sum(line.quantity for o in paid_orders for line in o.lines)
        left = session.scalar(select(Stock.quantity).where(Stock.store_id == store_id)) or 0
        negative = session.scalar(select(func.count()).where(Stock.quantity < 0)) or 0
        short = sum(o.stock_short for o in paid_orders)
    waits = [(run.paid_at[o.id] - paying[o.id]) * 1000 for o in paid_orders
             if o.id in run.paid_at and o.id in paying]  # fmt: skip
    errors = sorted({s for s, _t, _o in results if s not in ("pending", "refused", "failed")})
    run.engine.dispose()
    return {
        "db": name,
        "paid": len(paid_orders),
        "oversold": max(0, units_paid - units) + int(negative) + short,
        "refused": sum(1 for s, _t, _o in results if s == "refused"),
        "stock_left": int(left),
        "pay_to_paid_p50_ms": round(statistics.median(waits), 1) if waits else None,
        "pay_to_paid_p95_ms": round(_p95(waits), 1) if waits else None,
        "errors": errors,
    }


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


@contextmanager
def postgres_database(admin_url: str) -> Iterator[str]:
    name = f"bench_checkout_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{admin_url.rsplit('/', 1)[0]}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--buyers", type=int, default=100)
    parser.add_argument("--units", type=int, default=10)
    args = parser.parse_args()
    runs = []
    with tempfile.TemporaryDirectory(prefix="bench-checkout-") as tmp:
        runs.append(
            one_database(f"sqlite:///{Path(tmp) / 'bench.db'}", "sqlite", args.buyers, args.units)
        )
        print(json.dumps(runs[-1]), flush=True)
    if os.environ.get("TEST_POSTGRES_URL"):
        with postgres_database(os.environ["TEST_POSTGRES_URL"]) as url:
            runs.append(one_database(url, "postgresql", args.buyers, args.units))
            print(json.dumps(runs[-1]), flush=True)
    if len(runs) == 1:
        print(json.dumps(runs[0]))
    else:
        keys = ("paid", "oversold", "pay_to_paid_p50_ms", "pay_to_paid_p95_ms", "refused")
        summary: dict[str, Any] = {k: {r["db"]: r[k] for r in runs} for k in keys}
        summary["db"] = [r["db"] for r in runs]
        print(json.dumps(summary))


if __name__ == "__main__":
    main()

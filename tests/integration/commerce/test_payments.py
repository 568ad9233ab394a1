"""Payments end to end on real servers: the stripe SDK against localstripe, and localstripe's
signed webhooks arriving over HTTP at the app's webhook route (served by Granian).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import stripe
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from starlette.applications import Starlette

from consult.commerce.localstripe_server import register_webhook
from consult.commerce.orders import create_order, request_payment, send_for_payment
from consult.commerce.payments import PaymentError, StripeGateway
from consult.commerce.webhooks import HANDLED_EVENTS, WEBHOOK_PATH, webhook_routes
from consult.models import Order, Payment, WebhookEvent
from showroom.models import Product, Store
from tests import factories
from tests.fixtures.servers import free_port, serve_asgi

SECRET = "whsec_test_payments_secret"
API_KEY = "sk_test_showroom_tests"


# -- a real HTTP server running the webhook route, recording what arrives ------------------------


@dataclass
class Delivery:
    headers: dict[str, str]
    body: bytes
    status: int
    response: dict[str, Any]

    @property
    def event(self) -> dict[str, Any]:
        try:
            value = json.loads(self.body)
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}


@dataclass
class WebhookServer:
    url: str
    deliveries: list[Delivery] = field(default_factory=list)
    engine: Engine | None = None
    client: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=5, trust_env=False))

    @property
    def endpoint(self) -> str:
        return self.url + WEBHOOK_PATH

    def wait_for(self, event_type: str, intent_id: str, timeout: float = 10.0) -> Delivery:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for d in list(self.deliveries):
                obj = d.event.get("data", {}).get("object", {})
                if d.event.get("type") == event_type and obj.get("id") == intent_id:
                    return d
            time.sleep(0.05)
        raise AssertionError(f"no {event_type} webhook for {intent_id} within {timeout}s")


class _Recorder:
    """ASGI wrapper keeping each request's raw body and headers and the response."""

    def __init__(self, app: Any, server: WebhookServer) -> None:
        self.app = app
        self.server = server

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        body: list[bytes] = []
        status: list[int] = []
        response: list[bytes] = []

        async def recv() -> Any:
            message = await receive()
            if message["type"] == "http.request":
                body.append(message.get("body", b""))
            return message

        async def snd(message: Any) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
            elif message["type"] == "http.response.body":
                response.append(message.get("body", b""))
            await send(message)

        await self.app(scope, recv, snd)
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        self.server.deliveries.append(
            Delivery(headers, b"".join(body), status[0], json.loads(b"".join(response) or b"{}"))
        )


@pytest.fixture(scope="module")
def webhook_server(localstripe_url: str) -> Iterator[WebhookServer]:
    holder = WebhookServer(url="")

    @contextmanager
    def session_scope() -> Iterator[Session]:
        if holder.engine is None:
            raise RuntimeError("no test database attached")
        with Session(holder.engine, expire_on_commit=False) as session, session.begin():
            yield session

    app = Starlette(routes=webhook_routes(secret=SECRET, session_factory=session_scope))
    with serve_asgi(_Recorder(app, holder)) as url:
        holder.url = url
        register_webhook(
            localstripe_url, holder.endpoint, SECRET, sorted(HANDLED_EVENTS), webhook_id="payments"
        )
        with holder.client:
            yield holder


@pytest.fixture
def hook(webhook_server: WebhookServer, engine: Engine) -> Iterator[WebhookServer]:
    webhook_server.engine = engine
    webhook_server.deliveries.clear()
    yield webhook_server
    webhook_server.engine = None


@pytest.fixture(scope="module")
def gateway(localstripe_url: str) -> StripeGateway:
    return StripeGateway(API_KEY, api_base=localstripe_url)


@pytest.fixture(scope="module")
def customer(localstripe_url: str) -> stripe.StripeClient:
    """Stripe as seen from outside our gateway (to inspect or tamper with an intent)."""
    return stripe.StripeClient(API_KEY, base_addresses={"api": localstripe_url})


# -- helpers -------------------------------------------------------------------------------------


def demo_order(session: Session) -> Order:
    """Sofa ¥1,200 + 2 lamps at ¥450: ¥2,100, committed so the webhook route can see it."""
    store = factories.store(session)
    sofa = factories.product(session, "SOFA-001", price=1200)
    lamp = Product(sku="LAMP-002", name_en="Lamp", name_ja="ランプ", price=450, currency="JPY")
    session.add(lamp)
    session.flush()
    factories.stock(session, store, sofa, 3)
    factories.stock(session, store, lamp, 3)
    order = create_order(session, store.id, [(sofa.id, 1), (lamp.id, 2)])
    send_for_payment(session, order.id, None)  # stock held, total fixed
    session.commit()
    assert order.total == 2100
    return order


def _refresh(session: Session) -> None:
    session.rollback()  # end the read snapshot (SQLite WAL) ...
    session.expire_all()  # ... and forget what was loaded (a no-op rollback expires nothing)


def fresh(session: Session, order_id: int) -> Order:
    _refresh(session)
    order = session.get(Order, order_id)
    assert order is not None
    return order


def payments_of(session: Session, order_id: int) -> list[Payment]:
    _refresh(session)
    return list(session.scalars(select(Payment).where(Payment.order_id == order_id)))


def stored_event(session: Session, event_id: str) -> int:
    _refresh(session)
    return session.scalar(select(func.count()).where(WebhookEvent.event_id == event_id)) or 0


def wait_until(check: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)


def intent_event(event_id: str, intent_id: str, amount: int, currency: str = "jpy") -> bytes:
    event = {
        "id": event_id,
        "object": "event",
        "type": "payment_intent.succeeded",
        "created": int(time.time()),
        "livemode": False,
        "data": {
            "object": {
                "id": intent_id,
                "object": "payment_intent",
                "amount": amount,
                "currency": currency,
                "status": "succeeded",
            }
        },
    }
    return json.dumps(event).encode()


def sign(body: bytes, secret: str = SECRET, timestamp: int | None = None) -> str:
    return stripe.WebhookSignature.generate_signature_header(body.decode(), secret, timestamp)


def post(hook: WebhookServer, body: bytes, signature: str | None) -> httpx.Response:
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["Stripe-Signature"] = signature
    return hook.client.post(hook.endpoint, content=body, headers=headers)


def pay_by_card(
    session: Session, hook: WebhookServer, gateway: StripeGateway
) -> tuple[Order, Delivery]:
    order = demo_order(session)
    intent = request_payment(session, order.id, gateway)
    session.commit()
    assert intent.status == "requires_payment_method"
    assert intent.client_secret.startswith(intent.provider_ref + "_secret_")

    # What the customer's browser does with Stripe.js: pay with a test card.
    confirmed = gateway.confirm_test_payment(intent.provider_ref, "pm_card_visa")
    assert confirmed.status == "succeeded"
    # Stripe has the money, but the order is paid only once the signed webhook is applied.
    assert fresh(session, order.id).status == "awaiting_payment"

    delivery = hook.wait_for("payment_intent.succeeded", intent.provider_ref)
    assert (delivery.status, delivery.response) == (200, {"status": "applied"})
    return fresh(session, order.id), delivery


# -- tests ---------------------------------------------------------------------------------------


def test_card_payment_marks_order_paid_only_via_signed_webhook(
    session: Session, hook: WebhookServer, gateway: StripeGateway
) -> None:
    order, delivery = pay_by_card(session, hook, gateway)
    assert "v1=" in delivery.headers["stripe-signature"]
    assert order.status == "paid" and order.paid_at is not None
    [payment] = payments_of(session, order.id)
    assert (payment.status, payment.amount, payment.currency) == ("succeeded", 2100, "JPY")
    assert stored_event(session, delivery.event["id"]) == 1


def test_replayed_webhook_is_a_duplicate_and_applies_nothing(
    session: Session, hook: WebhookServer, gateway: StripeGateway
) -> None:
    order, delivery = pay_by_card(session, hook, gateway)
    paid_at = order.paid_at
    for _ in range(2):
        r = post(hook, delivery.body, delivery.headers["stripe-signature"])
        assert (r.status_code, r.json()) == (200, {"status": "duplicate"})
    again = fresh(session, order.id)
    assert again.status == "paid" and again.paid_at == paid_at
    assert [p.status for p in payments_of(session, order.id)] == ["succeeded"]
    assert stored_event(session, delivery.event["id"]) == 1


def test_wrong_or_missing_signature_is_rejected_and_stores_nothing(
    session: Session, hook: WebhookServer, gateway: StripeGateway
) -> None:
    order = demo_order(session)
    ref = request_payment(session, order.id, gateway).provider_ref
    session.commit()
    body = intent_event("evt_forged_1", ref, 2100)
    tampered = intent_event("evt_forged_1", ref, 2100).replace(b"2100", b"2100 ")

    bad = {
        "wrong secret": sign(body, "whsec_attacker"),
        "missing": None,
        "empty": "",
        "garbage": "nonsense",
        "too old": sign(body, timestamp=int(time.time()) - 3600),
        "ten minutes ahead": sign(body, timestamp=int(time.time()) + 600),
        "other body": sign(tampered),
    }
    for case, signature in bad.items():
        r = post(hook, body, signature)
        assert (r.status_code, r.json()["error"]) == (400, "bad_signature"), case
    assert fresh(session, order.id).status == "awaiting_payment"
    assert stored_event(session, "evt_forged_1") == 0

    # The very same event, correctly signed, is applied: only the signature made the difference.
    r = post(hook, body, sign(body))
    assert (r.status_code, r.json()) == (200, {"status": "applied"})
    assert fresh(session, order.id).status == "paid"


def test_signed_but_malformed_payload_is_400(session: Session, hook: WebhookServer) -> None:
    for body in (b"not json", b"[1, 2]", b'{"id": "evt_x", "object": "event"}'):
        r = post(hook, body, sign(body))
        assert (r.status_code, r.json()["error"]) == (400, "malformed_payload"), body
    other = json.dumps({"id": "evt_other_1", "object": "event", "type": "customer.created",
                        "data": {"object": {"id": "cus_1"}}}).encode()  # fmt: skip
    r = post(hook, other, sign(other))
    assert (r.status_code, r.json()) == (200, {"status": "ignored"})


def test_amount_or_currency_mismatch_does_not_mark_paid(
    session: Session,
    hook: WebhookServer,
    gateway: StripeGateway,
    customer: stripe.StripeClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    order = demo_order(session)
    ref = request_payment(session, order.id, gateway).provider_ref
    session.commit()

    # Someone changes the intent at Stripe to 2100 *dollars*, then the card pays that.
    customer.v1.payment_intents.update(ref, {"currency": "usd"})
    assert gateway.confirm_test_payment(ref, "pm_card_visa").status == "succeeded"
    delivery = hook.wait_for("payment_intent.succeeded", ref)
    assert delivery.event["data"]["object"]["currency"] == "usd"
    assert (delivery.status, delivery.response) == (200, {"status": "ignored"})
    assert fresh(session, order.id).status == "awaiting_payment"
    assert [p.status for p in payments_of(session, order.id)] == ["pending"]
    assert "was for 2100 USD, but order" in caplog.text

    # A signed event for ¥2,099 instead of ¥2,100: not paid either.
    body = intent_event("evt_short_1", ref, 2099)
    assert post(hook, body, sign(body)).json() == {"status": "ignored"}
    assert fresh(session, order.id).status == "awaiting_payment"
    assert "was for 2099 JPY, but order" in caplog.text
    # Control: the exact amount is applied.
    body = intent_event("evt_exact_1", ref, 2100)
    assert post(hook, body, sign(body)).json() == {"status": "applied"}
    assert fresh(session, order.id).status == "paid"


def test_declined_card_gives_readable_error_and_order_stays_unpaid(
    session: Session, hook: WebhookServer, gateway: StripeGateway
) -> None:
    order = demo_order(session)
    first = request_payment(session, order.id, gateway)
    session.commit()
    with pytest.raises(PaymentError) as declined:
        gateway.confirm_test_payment(first.provider_ref, "pm_card_chargeCustomerFail")
    assert declined.value.code == "card_declined"
    assert declined.value.message == "Your card was declined."
    assert "Your card was declined." in str(declined.value)

    delivery = hook.wait_for("payment_intent.payment_failed", first.provider_ref)
    assert delivery.response == {"status": "applied"}
    assert fresh(session, order.id).status == "awaiting_payment"
    assert [p.status for p in payments_of(session, order.id)] == ["failed"]

    # The customer tries again with another card: a new attempt, then paid.
    second = request_payment(session, order.id, gateway)
    session.commit()
    assert second.provider_ref != first.provider_ref
    gateway.confirm_test_payment(second.provider_ref, "pm_card_visa")
    hook.wait_for("payment_intent.succeeded", second.provider_ref)
    assert fresh(session, order.id).status == "paid"
    assert [p.status for p in payments_of(session, order.id)] == ["failed", "succeeded"]


def test_requesting_payment_twice_reuses_the_open_intent(
    session: Session, hook: WebhookServer, gateway: StripeGateway
) -> None:
    order = demo_order(session)
    first = request_payment(session, order.id, gateway)
    session.commit()
    again = request_payment(session, order.id, gateway)
    session.commit()
    assert again.provider_ref == first.provider_ref
    assert again.client_secret == first.client_secret
    assert len(payments_of(session, order.id)) == 1


def test_unreachable_stripe_is_a_readable_payment_error() -> None:
    gateway = StripeGateway(
        API_KEY, api_base=f"http://127.0.0.1:{free_port()}", max_network_retries=0
    )
    with pytest.raises(PaymentError) as failure:
        gateway.create_payment(
            order_id=1, amount=100, currency="JPY", idempotency_key="k", description="x"
        )
    assert failure.value.code == "network_error"
    assert "Could not reach the payment provider" in failure.value.message


def test_live_keys_need_a_real_webhook_secret_and_no_server_confirmation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from showroom.settings import get_settings

    monkeypatch.setenv("STRIPE_SECRET_KEY", "sk_live_not_a_real_key")
    monkeypatch.delenv("STRIPE_WEBHOOK_SECRET", raising=False)
    get_settings.cache_clear()
    try:
        with pytest.raises(RuntimeError, match="STRIPE_WEBHOOK_SECRET must be set"):
            webhook_routes()
        monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", "whsec_from_the_dashboard")
        get_settings.cache_clear()
        assert [r.path for r in webhook_routes()] == [WEBHOOK_PATH]
    finally:
        get_settings.cache_clear()
    live = StripeGateway("sk_live_not_a_real_key")
    with pytest.raises(PaymentError) as refused:
        live.confirm_test_payment("pi_123", "pm_card_visa")
    assert refused.value.code == "live_mode"


# -- what our localstripe adds, and refunds and 3-D Secure through the real adapter -------------


def test_a_repeated_idempotency_key_gets_the_first_answer(gateway: StripeGateway) -> None:
    first = gateway.create_payment(
        order_id=7, amount=500, currency="JPY", idempotency_key="k-repeat", description="x"
    )
    again = gateway.create_payment(
        order_id=7, amount=500, currency="JPY", idempotency_key="k-repeat", description="x"
    )
    assert again.provider_ref == first.provider_ref
    with pytest.raises(PaymentError) as conflict:
        gateway.create_payment(
            order_id=7, amount=900, currency="JPY", idempotency_key="k-repeat", description="x"
        )
    assert conflict.value.code in ("idempotency_conflict", "invalid_request")


def test_a_refund_is_settled_by_its_signed_webhook_and_sent_once(
    session: Session, hook: WebhookServer, gateway: StripeGateway
) -> None:
    from consult.commerce.refunds import request_refund, send_refund
    from showroom.identity import StaffIdentity

    order, _ = pay_by_card(session, hook, gateway)
    store = session.get(Store, order.store_id)
    assert store is not None
    boss = factories.staff(session, store, "yuki@example.com", role="supervisor")
    who = StaffIdentity(boss.id, order.store_id, "supervisor", "Yuki")
    lamp_line = next(line for line in order.lines if line.unit_price == 450)
    refund = request_refund(
        session, who, order.id, reason="Chipped", lines={lamp_line.id: 1}, restock=True
    )
    session.commit()
    sent = send_refund(session, refund.id, gateway)
    again = send_refund(session, refund.id, gateway)  # a retry after a timeout: the same refund
    session.commit()
    assert again.provider_ref == sent.provider_ref and sent.amount == 450
    created = hook.wait_for("refund.created", sent.provider_ref)
    refunded = hook.wait_for("charge.refunded", _charge_of(created))
    # Both events carry the same refund, in either order: one applies it, the other changes nothing.
    assert sorted([created.response["status"], refunded.response["status"]]) == [
        "applied", "ignored",
    ]  # fmt: skip
    assert fresh(session, order.id).refunded_total == 450


def _charge_of(delivery: Delivery) -> str:
    return str(delivery.event["data"]["object"]["charge"])


def test_three_d_secure_pays_only_after_authentication(
    session: Session, hook: WebhookServer, gateway: StripeGateway, customer: stripe.StripeClient
) -> None:
    order = demo_order(session)
    intent = request_payment(session, order.id, gateway)
    session.commit()
    card = {"number": "4000002500003155", "exp_month": "12", "exp_year": "2030", "cvc": "123"}
    method = customer.v1.payment_methods.create({"type": "card", "card": card})  # type: ignore[arg-type,typeddict-item]
    result = gateway.confirm_test_payment(intent.provider_ref, str(method.id))
    assert result.status == "requires_action"
    time.sleep(1.5)  # nothing arrives: no charge yet
    assert fresh(session, order.id).status == "awaiting_payment"
    # What Stripe.js does in the customer's browser (localstripe's stand-in for the bank's page).
    r = httpx.post(
        f"{customer._requestor.base_addresses['api']}/v1/payment_intents/{intent.provider_ref}"  # type: ignore[attr-defined]
        "/_authenticate?success=true",
        json={"key": "pk_test", "client_secret": result.client_secret},
    )
    assert r.status_code == 200
    hook.wait_for("payment_intent.succeeded", intent.provider_ref)
    assert fresh(session, order.id).status == "paid"

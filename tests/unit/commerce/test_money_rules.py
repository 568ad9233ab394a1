"""The issue's money rules, each with a test, behind the gateway interface (FakeGateway behaves
like Stripe where localstripe cannot; tests/integration/commerce runs the real adapter)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import stripe
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from consult.commerce import checkout, refunds
from consult.commerce.models import Refund, StoreCommerce
from consult.commerce.orders import create_order, send_for_payment
from consult.commerce.webhooks import apply_event
from consult.models import Order, Payment, WebhookEvent
from showroom.identity import StaffIdentity
from showroom.models import Product, Stock, Store
from tests import factories
from tests.fake_gateway import FakeGateway

ADDRESS = {
    "kind": "delivery", "email": "hanako@example.com", "country": "JP", "name": "Hanako",
    "postal_code": "1070062", "region": "東京都", "city": "港区南青山", "line1": "5-1-1",
    "phone": "0312345678",
}  # fmt: skip


@pytest.fixture
def sessions(engine: Engine) -> Any:
    @contextmanager
    def open_session() -> Iterator[Session]:
        with Session(engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    return open_session


def requested_order(session: Session, *, price: int = 30000, units: int = 1) -> Order:
    store = factories.store(session)
    lamp = factories.product(session, "LAMP-001", price=price, name_en="Lamp")
    factories.stock(session, store, lamp, 5)
    session.add(StoreCommerce(store_id=store.id, delivery_fee=1100, free_delivery_from=100_000))
    order = create_order(session, store.id, [(lamp.id, units)], language="en")
    send_for_payment(session, order.id, None)
    session.commit()
    return order


def ready_to_pay(session: Session) -> Order:
    """Requested, delivery chosen: the customer is on the card step."""
    order = requested_order(session)
    checkout.save_fulfilment(session, order.id, ADDRESS)
    session.commit()
    return order


def event(kind: str, obj: dict[str, Any], event_id: str) -> stripe.Event:
    return stripe.Event.construct_from(
        {"id": event_id, "object": "event", "type": kind, "data": {"object": obj}}, "sk_test"
    )


def intent(ref: str, amount: int, status: str = "succeeded") -> dict[str, Any]:
    return {"id": ref, "object": "payment_intent", "amount": amount, "amount_received": amount,
            "currency": "jpy", "status": status}  # fmt: skip


def fresh(session: Session, order_id: int) -> Order:
    session.expire_all()
    order = session.get(Order, order_id)
    assert order is not None
    return order


# -- amounts come from the database; fee and total fixed when the request is sent --------------


def test_the_intent_is_for_the_stored_total_with_the_fee_fixed_at_request(
    session: Session, sessions: Any
) -> None:
    order = requested_order(session)
    assert (order.subtotal, order.delivery_fee_quote, order.total) == (30000, 1100, 30000)
    # The store changes its fee and the lamp's price after the request: this order keeps both.
    session.get(StoreCommerce, order.store_id).delivery_fee = 9999  # type: ignore[union-attr]
    lamp = session.get(Product, order.lines[0].product_id)
    assert lamp is not None
    lamp.price = 1
    session.commit()
    checkout.save_fulfilment(session, order.id, ADDRESS)
    session.commit()
    assert (order.delivery_fee, order.total) == (1100, 31100)
    gateway = FakeGateway()
    outcome = checkout.charge_card(sessions, gateway, order.id, "seti_1")
    assert outcome.status == "pending"
    [payment] = session.scalars(select(Payment)).all()
    assert gateway.intents[payment.provider_ref].amount == 31100 == payment.amount


def test_changing_delivery_to_pickup_replaces_the_open_intent(
    session: Session, sessions: Any
) -> None:
    order = ready_to_pay(session)
    gateway = FakeGateway(next_charge="card_declined")
    first = checkout.charge_card(sessions, gateway, order.id, "seti_1")
    assert first.status == "failed"
    gateway.set_status(first.provider_ref, "requires_payment_method")
    pickup = {"kind": "pickup", "store_id": str(order.store_id), "name": "Hanako",
              "email": "hanako@example.com"}  # fmt: skip
    checkout.save_fulfilment(session, order.id, pickup)
    session.commit()
    gateway.next_charge = "succeeded"
    second = checkout.charge_card(sessions, gateway, order.id, "seti_2")
    assert second.provider_ref != first.provider_ref
    assert gateway.intents[second.provider_ref].amount == 30000


def test_paying_needs_a_choice_of_pickup_or_delivery(session: Session, sessions: Any) -> None:
    order = requested_order(session)
    with pytest.raises(checkout.orders.OrderError, match="pickup or delivery"):
        checkout.charge_card(sessions, FakeGateway(), order.id, "seti_1")


# -- paid only from a verified webhook, applied exactly once, in any order ---------------------


def paid_order(session: Session, sessions: Any) -> tuple[Order, str]:
    order = ready_to_pay(session)
    outcome = checkout.charge_card(sessions, FakeGateway(), order.id, "seti_1")
    return order, outcome.provider_ref


def test_a_repeated_or_late_event_changes_nothing(session: Session, sessions: Any) -> None:
    order, ref = paid_order(session, sessions)
    assert (
        fresh(session, order.id).status == "awaiting_payment"
    )  # the card went through; not yet paid
    assert (
        apply_event(session, event("payment_intent.succeeded", intent(ref, 31100), "evt_1"))
        == "applied"
    )
    session.commit()
    paid_at = fresh(session, order.id).paid_at
    assert (
        apply_event(session, event("payment_intent.succeeded", intent(ref, 31100), "evt_1"))
        == "duplicate"
    )
    # The same fact under another event id (Stripe may send one twice): applied once.
    apply_event(session, event("payment_intent.succeeded", intent(ref, 31100), "evt_2"))
    # A failure arriving after the success does not undo it.
    apply_event(
        session,
        event(
            "payment_intent.payment_failed", intent(ref, 31100, "requires_payment_method"), "evt_3"
        ),
    )
    session.commit()
    again = fresh(session, order.id)
    assert (again.status, again.paid_at) == ("paid", paid_at)
    stock = session.scalars(select(Stock)).one()
    assert (stock.quantity, stock.held) == (4, 0)  # taken once


def test_a_refund_event_before_the_success_still_ends_paid_and_refunded(
    session: Session, sessions: Any
) -> None:
    order, ref = paid_order(session, sessions)
    refund = {"id": "re_1", "object": "refund", "amount": 5000, "currency": "jpy",
              "status": "succeeded", "payment_intent": ref, "metadata": {}}  # fmt: skip
    charge = {"id": "ch_1", "object": "charge", "payment_intent": ref, "amount_refunded": 5000,
              "refunds": {"object": "list", "data": [refund]}}  # fmt: skip
    apply_event(session, event("charge.refunded", charge, "evt_r1"))
    apply_event(session, event("refund.created", refund, "evt_r2"))  # the same refund again
    apply_event(session, event("payment_intent.succeeded", intent(ref, 31100), "evt_p"))
    session.commit()
    order = fresh(session, order.id)
    assert (order.status, order.refunded_total) == ("paid", 5000)
    assert session.scalars(select(Refund)).one().reason == refunds.PROVIDER_REASON


def test_a_forged_or_foreign_payment_is_ignored(session: Session, sessions: Any) -> None:
    order, ref = paid_order(session, sessions)
    assert (
        apply_event(session, event("payment_intent.succeeded", intent(ref, 100), "evt_x"))
        == "ignored"
    )
    assert (
        apply_event(session, event("payment_intent.succeeded", intent("pi_other", 31100), "evt_y"))
        == "ignored"
    )
    session.commit()
    assert fresh(session, order.id).status == "awaiting_payment"
    assert len(session.scalars(select(WebhookEvent)).all()) == 2  # recorded, never applied again


# -- idempotency keys from our ids; a double click makes one request ---------------------------


def test_two_clicks_on_pay_at_once_make_one_intent(engine: Engine, sessions: Any) -> None:
    with Session(engine, expire_on_commit=False) as session:
        order = ready_to_pay(session)
    gateway = FakeGateway()
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def press() -> None:
        start.wait()
        outcomes.append(checkout.charge_card(sessions, gateway, order.id, "seti_1").status)

    threads = [threading.Thread(target=press) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert outcomes == ["pending", "pending"] and len(gateway.intents) == 1
    with Session(engine) as session:
        assert len(session.scalars(select(Payment)).all()) == 1
    assert set(gateway.create_calls) == {gateway.create_calls[0]}
    assert gateway.create_calls[0].startswith(f"order-{order.id}-")


def test_the_payment_service_down_writes_nothing_and_the_retry_works(
    session: Session, sessions: Any
) -> None:
    order = ready_to_pay(session)
    gateway = FakeGateway(down=True)
    down = checkout.charge_card(sessions, gateway, order.id, "seti_1")
    assert (down.status, down.message_key) == ("failed", "pay.try_again")
    assert session.scalars(select(Payment)).all() == []
    assert fresh(session, order.id).status == "awaiting_payment"
    gateway.down = False
    assert checkout.charge_card(sessions, gateway, order.id, "seti_1").status == "pending"
    assert len(session.scalars(select(Payment)).all()) == 1


# -- refunds: idempotent, settled from the webhook ------------------------------------------------


def member(session: Session, order: Order, role: str = "supervisor") -> StaffIdentity:
    store = session.get(Store, order.store_id)
    assert store is not None
    row = factories.staff(session, store, f"{role}@example.com", role=role)
    return StaffIdentity(row.id, store.id, role, row.display_name)


def test_a_refund_retried_after_a_timeout_is_one_refund(session: Session, sessions: Any) -> None:
    order, ref = paid_order(session, sessions)
    apply_event(session, event("payment_intent.succeeded", intent(ref, 31100), "evt_p"))
    session.commit()
    who = member(session, order)
    line = order.lines[0]
    refund = refunds.request_refund(session, who, order.id, reason="Scratched", lines={line.id: 1},
                                    restock=True)  # fmt: skip
    session.commit()
    # A double click asks for the same refund again: the same row.
    same = refunds.request_refund(session, who, order.id, reason="Scratched", lines={line.id: 1},
                                  restock=True)  # fmt: skip
    assert same.id == refund.id
    gateway = FakeGateway(
        intents={ref: checkout.PaymentIntentResult(ref, "s", "succeeded", 31100, "JPY")}
    )
    gateway.down = True
    with pytest.raises(checkout.PaymentError):
        refunds.send_refund(session, refund.id, gateway)
    gateway.down = False
    first = refunds.send_refund(session, refund.id, gateway)
    again = refunds.send_refund(session, refund.id, gateway)
    session.commit()
    assert first.provider_ref == again.provider_ref and len(gateway.refunds) == 1
    assert gateway.refund_calls[0] == gateway.refund_calls[-1]
    assert gateway.refund_calls[0].startswith(f"refund-{order.id}-{refund.id}-")
    # Only the webhook settles it: the amount shows, the lamp goes back on the shelf.
    assert fresh(session, order.id).refunded_total == 0
    obj = {"id": first.provider_ref, "amount": 30000, "status": "succeeded", "payment_intent": ref,
           "metadata": {"refund_id": str(refund.id)}}  # fmt: skip
    apply_event(session, event("refund.created", obj, "evt_re"))
    apply_event(session, event("refund.updated", obj, "evt_re2"))
    session.commit()
    assert fresh(session, order.id).refunded_total == 30000
    assert session.scalars(select(Stock)).one().quantity == 5


@pytest.mark.parametrize(
    "ask, key",
    [
        ({"reason": ""}, "refund.reason_required"),
        ({"reason": "x" * 501}, "refund.reason_too_long"),
        ({"amount": "0"}, "refund.amount_invalid"),
        ({"amount": "-5"}, "refund.amount_invalid"),
        ({"amount": "abc"}, "refund.amount_invalid"),
        ({"amount": "31101"}, "refund.too_much"),
        ({"lines": {999: 1}}, "refund.unknown_line"),
        ({"lines": "too_many"}, "refund.too_many_units"),
    ],
)
def test_refund_requests_are_checked(
    session: Session, sessions: Any, ask: dict[str, Any], key: str
) -> None:
    order, ref = paid_order(session, sessions)
    apply_event(session, event("payment_intent.succeeded", intent(ref, 31100), "evt_p"))
    session.commit()
    kwargs: dict[str, Any] = {"reason": "Scratched", "amount": None, "lines": None} | ask
    if kwargs["lines"] == "too_many":
        kwargs["lines"] = {order.lines[0].id: 2}
    with pytest.raises(refunds.RefundError) as refused:
        refunds.request_refund(session, member(session, order), order.id, **kwargs)
    assert refused.value.key == key


def test_only_a_supervisor_or_allowed_staff_refund_paid_orders(
    session: Session, sessions: Any
) -> None:
    order, ref = paid_order(session, sessions)
    staff = member(session, order, "staff")
    boss = member(session, order)
    with pytest.raises(refunds.RefundError) as unpaid:
        refunds.request_refund(session, boss, order.id, reason="x", amount=100)
    assert unpaid.value.key == "refund.not_paid"
    apply_event(session, event("payment_intent.succeeded", intent(ref, 31100), "evt_p"))
    session.commit()
    for who in (staff, StaffIdentity(boss.staff_id, order.store_id + 1, "supervisor", "Other")):
        with pytest.raises(refunds.RefundError) as refused:
            refunds.request_refund(session, who, order.id, reason="x", amount=100)
        assert refused.value.key == "refund.forbidden"
    session.get(StoreCommerce, order.store_id).staff_may_refund = True  # type: ignore[union-attr]
    assert refunds.request_refund(session, staff, order.id, reason="x", amount=100).amount == 100


def test_three_d_secure_is_asked_of_the_browser_and_the_provider_says_how_it_went(
    session: Session, sessions: Any
) -> None:
    order = ready_to_pay(session)
    gateway = FakeGateway(next_charge="requires_action")
    outcome = checkout.charge_card(sessions, gateway, order.id, "seti_1")
    assert outcome.status == "requires_action"
    assert outcome.action_secret == gateway.intents[outcome.provider_ref].client_secret
    # The customer cancels the bank's page: the provider says so, not the browser.
    gateway.set_status(outcome.provider_ref, "requires_payment_method",
                       "payment_intent_authentication_failure")  # fmt: skip
    failed = checkout.after_authentication(sessions, gateway, outcome.provider_ref)
    assert (failed.status, failed.message_key) == ("failed", "decline.authentication")
    assert session.scalars(select(Payment)).one().failure_code == (
        "payment_intent_authentication_failure"
    )
    # Another try, completed: the order waits for the webhook.
    gateway.next_charge = "requires_action"
    again = checkout.charge_card(sessions, gateway, order.id, "seti_2")
    gateway.set_status(again.provider_ref, "succeeded")
    assert checkout.after_authentication(sessions, gateway, again.provider_ref).status == "pending"
    assert fresh(session, order.id).status == "awaiting_payment"


def test_a_decline_code_reaches_the_customer_and_staff(session: Session, sessions: Any) -> None:
    order = ready_to_pay(session)
    outcome = checkout.charge_card(
        sessions, FakeGateway(next_charge="insufficient_funds"), order.id, "seti_1"
    )
    assert (outcome.status, outcome.message_key) == ("failed", "decline.insufficient_funds")
    cards = checkout.payment_cards(session, 0, "en", key="k", base_url="")
    assert cards == {}  # no call: nothing to show
    summary = checkout.order_summary(session, fresh(session, order.id), "en")
    assert (summary["status"], summary["failure_key"]) == (
        "awaiting_payment", "decline.insufficient_funds",
    )  # fmt: skip

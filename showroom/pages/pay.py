"""The customer's payment page, opened from the call: order summary and card entry.

The order shows as paid only after the payment provider's signed webhook said so.
"""

from __future__ import annotations

import asyncio
from typing import Any

import reflex as rx
from reflex_base.event import EventSpec

from consult.commerce.checkout import (
    charge_card,
    order_for_link,
    order_status,
    order_summary,
    start_card_payment,
)
from consult.commerce.payments import PaymentError, StripeGateway
from consult.components.card_payment import card_payment
from consult.models import Order
from showroom import routes
from showroom.db import session_scope
from showroom.identity import LinkError
from showroom.layout import T, page
from showroom.session_state import SessionState
from showroom.settings import get_settings

PAID_WAIT_S = 60.0


def stripe_js_url() -> str:
    base = get_settings().stripe_api_base
    return f"{base}/js.stripe.com/v3/" if base else "https://js.stripe.com/v3/"


def _card_form_secret(order_id: int) -> str:
    """Runs in a worker thread: the provider round trip must not hold up the event loop."""
    with session_scope() as session:
        order = session.get(Order, order_id)
        if order is None:
            raise LookupError(order_id)
        return start_card_payment(StripeGateway.from_settings(), order)


def _charge(order_id: int, setup_ref: str) -> None:
    with session_scope() as session:
        charge_card(session, StripeGateway.from_settings(), order_id, setup_ref)


class PayState(rx.State):
    order_id: int = 0
    error_key: str = ""
    failure: str = ""
    lines: list[dict[str, Any]] = []
    total: str = ""
    status: str = ""
    client_secret: str = ""
    publishable_key: str = ""
    stripe_js: str = ""
    waiting: bool = False
    _setup_ref: str = ""

    @rx.event
    async def load(self) -> EventSpec | None:
        token = str(self.router.page.params.get("pay_token", ""))
        lang = (await self.get_state(SessionState)).lang
        self.failure, self.waiting, self.client_secret = "", False, ""
        self.publishable_key, self.stripe_js = (
            get_settings().stripe_publishable_key,
            stripe_js_url(),
        )
        try:
            with session_scope() as session:
                order = order_for_link(session, get_settings().secret_key, token)
                summary = order_summary(session, order, lang)
        except LinkError as error:
            self.order_id, self.error_key = 0, error.key
            return None
        except LookupError:
            self.order_id, self.error_key = 0, "link.invalid"
            return None
        self.error_key = ""
        self.order_id, self.status = summary["id"], summary["status"]
        self.lines, self.total = summary["lines"], summary["total"]
        return PayState.prepare_card if self.status == "awaiting_payment" else None

    @rx.event(background=True)
    async def prepare_card(self) -> None:
        async with self:
            order_id = self.order_id
        try:
            secret = await rx.run_in_thread(lambda: _card_form_secret(order_id))
        except PaymentError as error:
            async with self:
                self.failure = error.message
            return
        async with self:
            if self.order_id == order_id:
                self.client_secret = secret

    @rx.event
    def card_result(self, result: dict[str, str]) -> EventSpec | None:
        if result.get("status") != "succeeded" or not result.get("setup_intent"):
            self.failure = result.get("message") or "—"
            return None
        self.failure, self.waiting, self._setup_ref = "", True, result["setup_intent"]
        return PayState.charge

    @rx.event(background=True)
    async def charge(self) -> None:
        """Charge the confirmed card, then wait until the webhook has marked the order paid."""
        async with self:
            order_id, setup_ref = self.order_id, self._setup_ref
        try:
            await rx.run_in_thread(lambda: _charge(order_id, setup_ref))
        except PaymentError as error:
            async with self:
                self.failure, self.waiting = error.message, False
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + PAID_WAIT_S
        while loop.time() < deadline:
            with session_scope() as session:
                status = order_status(session, order_id)
            if status == "paid":
                async with self:
                    self.status, self.waiting = "paid", False
                return
            await asyncio.sleep(0.5)
        async with self:
            self.waiting = False


def line_row(line: Any) -> rx.Component:
    return rx.table.row(
        rx.table.cell(line["name"].to(str)),
        rx.table.cell("× " + line["quantity"].to(str)),
        rx.table.cell(line["amount"].to(str), text_align="right"),
    )


def pay_page() -> rx.Component:
    return page(
        rx.cond(
            PayState.error_key != "",
            rx.callout(T[PayState.error_key], color_scheme="red", role="alert", id="pay-error"),
            rx.card(
                rx.vstack(
                    rx.heading(T["pay.title"], size="6"),
                    rx.table.root(
                        rx.table.body(rx.foreach(PayState.lines, line_row)), width="100%"
                    ),
                    rx.hstack(
                        rx.text(T["pay.total"], weight="bold"),
                        rx.spacer(),
                        rx.text(PayState.total, weight="bold", size="5", id="pay-total"),
                        width="100%",
                    ),
                    rx.cond(
                        PayState.status == "paid",
                        rx.callout(T["pay.paid"], color_scheme="green", id="pay-paid"),
                        rx.vstack(
                            rx.cond(
                                PayState.failure != "",
                                rx.callout(
                                    rx.text(T["pay.failed"], " ", PayState.failure),
                                    color_scheme="red",
                                    role="alert",
                                    id="pay-failure",
                                ),
                            ),
                            rx.cond(
                                PayState.waiting,
                                rx.hstack(
                                    rx.spinner(),
                                    rx.text(T["pay.waiting_confirmation"]),
                                    id="pay-waiting",
                                ),
                                rx.cond(
                                    PayState.client_secret != "",
                                    card_payment(
                                        on_result=PayState.card_result,
                                        publishable_key=PayState.publishable_key,
                                        client_secret=PayState.client_secret,
                                        stripe_js_url=PayState.stripe_js,
                                        submit_label=T["pay.submit"] + " " + PayState.total,
                                        processing_label=T["pay.processing"],
                                    ),
                                ),
                            ),
                            width="100%",
                        ),
                    ),
                    spacing="4",
                    width="100%",
                ),
                max_width="520px",
                margin_x="auto",
            ),
        ),
        on_switch=PayState.load,
    )


ROUTE = routes.PAY

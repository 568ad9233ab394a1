"""The customer's payment page, opened from the call (or its QR code): the order, how to receive
it (collect in store, or delivery to a checked address, with its fee), then the card.

Amounts come from the database only; the order shows as paid only after the payment provider's
signed webhook said so. Declines and 3-D Secure keep the customer here, able to try again.
"""

from __future__ import annotations

import asyncio
from typing import Any

import reflex as rx
from reflex_base.event import EventSpec

from consult.commerce import checkout
from consult.commerce.declines import message_key
from consult.commerce.effects import AfterCommit, take_effects
from consult.commerce.fulfilment import COUNTRIES, PREFECTURES, FulfilmentError, postal_lookup
from consult.commerce.housekeeping import after_commit, expire_due
from consult.commerce.orders import OrderError
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
CARD_HINTS = ("number", "exp_month", "exp_year", "cvc")


def stripe_js_url() -> str:
    base = get_settings().stripe_api_base
    return f"{base}/js.stripe.com/v3/" if base else "https://js.stripe.com/v3/"


def _card_form_secret(order_id: int, attempt: int) -> str:
    """Runs in a worker thread: the provider round trip must not hold up the event loop."""
    gateway = StripeGateway.from_settings()
    setup = gateway.start_card_setup(
        order_id=order_id, idempotency_key=f"order-{order_id}-card-setup-{attempt}"
    )
    return setup.client_secret


def _charge(order_id: int, setup_ref: str) -> checkout.ChargeOutcome:
    return checkout.charge_card(session_scope, StripeGateway.from_settings(), order_id, setup_ref)


def _authenticated(provider_ref: str) -> checkout.ChargeOutcome:
    return checkout.after_authentication(session_scope, StripeGateway.from_settings(), provider_ref)


class PayState(rx.State):
    order_id: int = 0
    error_key: str = ""
    order: dict[str, Any] = {}
    lines: list[dict[str, Any]] = []
    status: str = ""
    # Step 1: how to receive the order.
    choice: str = ""
    editing: bool = True
    stores: list[dict[str, str]] = []
    country: str = "JP"
    form: dict[str, str] = {}
    field_errors: dict[str, str] = {}
    # Step 2: the card.
    client_secret: str = ""
    action_secret: str = ""
    publishable_key: str = ""
    stripe_js: str = ""
    failure_key: str = ""
    waiting: bool = False
    authenticating: bool = False
    slow: bool = False
    _setup_ref: str = ""
    _provider_ref: str = ""
    _tries: int = 0
    _busy: bool = False

    def _read(self, session: Any, order: Order, lang: str) -> None:
        summary = checkout.order_summary(session, order, lang)
        self.lines = summary.pop("lines")
        self.order, self.status = summary, summary["status"]
        self.stores = checkout.pickup_stores(session, order, lang)
        if order.fulfilment and not self.field_errors:
            self.choice = order.fulfilment
        address = order.delivery_address or {}
        self.form = {
            "name": order.customer_name,
            "email": order.customer_email,
            **{k: str(v) for k, v in address.items()},
        }
        self.country = address.get("country", "JP") or "JP"

    @rx.event
    async def load(self) -> EventSpec | None:
        token = routes.last_segment(self.router.url.path)
        lang = (await self.get_state(SessionState)).lang
        self.failure_key, self.waiting, self.client_secret, self.action_secret = "", False, "", ""
        self.authenticating, self.slow, self.field_errors, self._busy = False, False, {}, False
        self.publishable_key, self.stripe_js = (
            get_settings().stripe_publishable_key,
            stripe_js_url(),
        )
        try:
            with session_scope() as session:
                order = checkout.order_for_link(session, get_settings().secret_key, token)
                self._read(session, order, lang)
                self.order_id = order.id
                self.editing = not order.fulfilment
        except LinkError as error:
            self.order_id, self.error_key = 0, error.key
            return None
        except LookupError:
            self.order_id, self.error_key = 0, "link.invalid"
            return None
        self.error_key = ""
        if self.status == "awaiting_payment" and not self.editing:
            return PayState.prepare_card
        return None

    async def _reload(self) -> None:
        lang = (await self.get_state(SessionState)).lang
        with session_scope() as session:
            order = session.get(Order, self.order_id)
            if order is not None:
                self._read(session, order, lang)

    @rx.event
    def clear_error(self, name: str) -> None:
        """The customer has been back in a field they were told about: stop saying it."""
        if name in self.field_errors:
            self.field_errors = {k: v for k, v in self.field_errors.items() if k != name}

    @rx.event
    def choose(self, kind: str) -> None:
        self.choice = str(kind)
        self.field_errors = {}

    @rx.event
    def choose_country(self, country: str) -> None:
        self.country = str(country) if str(country) in COUNTRIES else "JP"

    @rx.event
    def fill_from_postal_code(self, code: str) -> list[EventSpec] | None:
        """Japan Post's prefecture and town for the postal code typed (Japan only)."""
        if self.country != "JP":
            return None
        found = postal_lookup(str(code))
        if found is None:
            return None
        self.field_errors = {k: v for k, v in self.field_errors.items() if k != "postal_code"}
        return [rx.set_value("pay-region", found[0]), rx.set_value("pay-city", found[1])]

    @rx.event
    async def save_fulfilment(self, form: dict[str, Any]) -> EventSpec | None:
        values = {str(k): str(v) for k, v in form.items()} | {"kind": self.choice}
        values.setdefault("country", self.country)
        try:
            with session_scope() as session:
                checkout.save_fulfilment(session, self.order_id, values)
                effects = take_effects(session)
        except FulfilmentError as error:
            self.field_errors = error.errors
            self.form = values
            return None
        except (OrderError, LookupError):
            await self._reload()
            return None
        await after_commit(effects)
        self.field_errors, self.editing, self.failure_key = {}, False, ""
        await self._reload()
        return PayState.prepare_card

    @rx.event
    def edit_fulfilment(self) -> None:
        if not self.waiting and not self.authenticating:
            self.editing, self.client_secret = True, ""

    @rx.event(background=True)
    async def prepare_card(self) -> None:
        await self._card_form()

    async def _card_form(self) -> None:
        """A card form for the next try (a declined card's setup cannot be used again)."""
        async with self:
            order_id, attempt = self.order_id, self._tries
        try:
            secret = await rx.run_in_thread(lambda: _card_form_secret(order_id, attempt))
        except PaymentError as error:
            async with self:
                self.failure_key = message_key(error.code, error.decline_code)
            return
        async with self:
            if self.order_id == order_id:
                self.client_secret = secret

    @rx.event
    def card_result(self, result: dict[str, str]) -> EventSpec | None:
        if self._busy:  # one charge per press, however the browser repeats itself
            return None
        if result.get("status") != "succeeded" or not result.get("setup_intent"):
            self.failure_key = message_key(result.get("code"), result.get("decline_code"))
            return self._new_card_form()
        self.failure_key, self.waiting, self._busy = "", True, True
        self._setup_ref = str(result["setup_intent"])
        return PayState.charge

    def _new_card_form(self) -> EventSpec:
        """A declined or failed card: a fresh form for the next card."""
        self._tries += 1
        self.client_secret = ""
        return PayState.prepare_card

    @rx.event(background=True)
    async def charge(self) -> None:
        """Charge the confirmed card, then wait until the webhook has marked the order paid."""
        async with self:
            order_id, setup_ref = self.order_id, self._setup_ref
        try:
            outcome = await rx.run_in_thread(lambda: _charge(order_id, setup_ref))
        except OrderError:  # the request expired or was withdrawn meanwhile: say so
            await expire_due()
            async with self:
                self.waiting, self._busy = False, False
                await self._reload()
            return
        await self._after_charge(order_id, outcome)

    async def _after_charge(self, order_id: int, outcome: checkout.ChargeOutcome) -> None:
        await publish_order_change(order_id)
        if outcome.status == "requires_action":
            async with self:
                self._provider_ref = outcome.provider_ref
                self.action_secret, self.authenticating = outcome.action_secret, True
            return
        if outcome.status == "failed":
            async with self:
                self.failure_key, self.waiting, self._busy = outcome.message_key, False, False
                self.authenticating, self.action_secret = False, ""
                self._tries += 1
                self.client_secret = ""
            await self._card_form()
            return
        await self._wait_until_paid(order_id)

    async def _wait_until_paid(self, order_id: int) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + PAID_WAIT_S
        while loop.time() < deadline:
            with session_scope() as session:
                status = checkout.order_status(session, order_id)
            if status == "paid":
                async with self:
                    self.waiting, self.authenticating, self._busy = False, False, False
                    await self._reload()
                return
            await asyncio.sleep(0.5)
        async with self:
            self.slow = True

    @rx.event(background=True)
    async def action_result(self, result: dict[str, str]) -> None:
        """3-D Secure is over in the browser; the provider says how it went."""
        async with self:
            provider_ref, order_id = self._provider_ref, self.order_id
            self.action_secret = ""
        if not provider_ref:
            return
        try:
            outcome = await rx.run_in_thread(lambda: _authenticated(provider_ref))
        except PaymentError as error:
            outcome = checkout.ChargeOutcome(
                "failed", provider_ref, message_key=message_key(error.code)
            )
        async with self:
            self.authenticating = False
        await self._after_charge(order_id, outcome)


async def publish_order_change(order_id: int) -> None:
    """Staff's side of the call shows a decline or a 3-D Secure step as it happens."""
    with session_scope() as session:
        order = session.get(Order, order_id)
        consultation_id = order.consultation_id if order else None
    if consultation_id is not None:
        await after_commit(AfterCommit(calls={consultation_id}))


ERRORS: Any = PayState.field_errors
CLEAR_ERROR: Any = PayState.clear_error
FORM: Any = PayState.form
ORDER: Any = PayState.order


def field_error(name: str) -> rx.Component:
    return rx.cond(
        ERRORS.contains(name),
        rx.text(
            T[ERRORS[name].to(str)],
            color_scheme="red",
            size="1",
            role="alert",
            id=f"pay-{name}-error",
        ),
    )


def labelled(label_key: str, name: str, control: rx.Component) -> rx.Component:
    return rx.vstack(
        rx.text(
            T[label_key],
            as_="label",
            size="2",
            weight="medium",
            custom_attrs={"htmlFor": f"pay-{name}"},
        ),
        control,
        field_error(name),
        spacing="1",
        width="100%",
    )


def text_field(label_key: str, name: str, **props: Any) -> rx.Component:
    return labelled(
        label_key,
        name,
        rx.input(
            name=name,
            id=f"pay-{name}",
            default_value=FORM[name].to(str),
            width="100%",
            custom_attrs={"aria-invalid": rx.cond(ERRORS.contains(name), "true", "false")},
            **({"on_blur": CLEAR_ERROR(name)} if "on_blur" not in props else {}),
            **props,
        ),
    )


def prefecture_select() -> rx.Component:
    return labelled(
        "pay.prefecture",
        "region",
        rx.el.select(
            rx.el.option(T["pay.choose_prefecture"], value=""),
            *[
                rx.el.option(rx.cond(SessionState.lang == "ja", ja, en), value=ja)
                for ja, en in PREFECTURES
            ],
            name="region",
            id="pay-region",
            default_value=FORM["region"].to(str),
            custom_attrs={"aria-invalid": rx.cond(ERRORS.contains("region"), "true", "false")},
            style={"padding": "6px", "width": "100%", "borderRadius": "6px"},
        ),
    )


def country_select() -> rx.Component:
    return labelled(
        "pay.country",
        "country",
        rx.el.select(
            *[rx.el.option(T[f"country.{c.lower()}"], value=c) for c in COUNTRIES],
            name="country",
            id="pay-country",
            value=PayState.country,
            on_change=PayState.choose_country,
            style={"padding": "6px", "width": "100%", "borderRadius": "6px"},
        ),
    )


def delivery_fields() -> rx.Component:
    japan = PayState.country == "JP"
    return rx.vstack(
        country_select(),
        text_field("pay.recipient", "name", auto_complete="name"),
        rx.grid(
            text_field(
                "pay.postal_code",
                "postal_code",
                placeholder=rx.cond(japan, T["pay.postal_help"], ""),
                auto_complete="postal-code",
                input_mode=rx.cond(japan, "numeric", "text"),
                on_blur=PayState.fill_from_postal_code,
            ),
            rx.cond(japan, prefecture_select(), text_field("pay.region", "region")),
            columns=rx.breakpoints(initial="1", sm="2"),
            spacing="3",
            width="100%",
        ),
        text_field("pay.city", "city", auto_complete="address-level2"),
        text_field("pay.line1", "line1", auto_complete="address-line1"),
        text_field("pay.line2", "line2", auto_complete="address-line2"),
        text_field("pay.phone", "phone", type="tel", auto_complete="tel"),
        rx.cond(
            ORDER["delivery_free"].to(bool),
            rx.text(T["pay.delivery_fee"], ": ", T["pay.delivery_free"], size="2"),
            rx.text(
                T["pay.delivery_fee"],
                ": ",
                ORDER["delivery_quote"].to(str),
                size="2",
                id="pay-fee-quote",
            ),
        ),
        width="100%",
        spacing="3",
    )


def pickup_fields() -> rx.Component:
    return rx.vstack(
        labelled(
            "pay.pickup_where",
            "store_id",
            rx.el.select(
                rx.foreach(
                    PayState.stores,
                    lambda s: rx.el.option(s["name"] + " — " + s["address"], value=s["id"]),
                ),
                name="store_id",
                id="pay-store_id",
                style={"padding": "6px", "width": "100%", "borderRadius": "6px"},
            ),
        ),
        rx.text(
            T["pay.ready_in"].to(str).replace("{hours}", ORDER["ready_hours"].to(str)), size="2"
        ),
        text_field("pay.your_name", "name", auto_complete="name"),
        width="100%",
        spacing="3",
    )


def fulfilment_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.heading(T["pay.step_receive"], size="4"),
            rx.radio_group.root(
                rx.hstack(
                    rx.cond(
                        ORDER["pickup_enabled"].to(bool),
                        rx.radio_group.item(T["pay.pickup"], value="pickup"),
                    ),
                    rx.cond(
                        ORDER["delivery_enabled"].to(bool),
                        rx.radio_group.item(T["pay.delivery"], value="delivery"),
                    ),
                    spacing="5",
                ),
                value=PayState.choice,
                on_change=PayState.choose,
                name="kind",
                id="fulfilment-choice",
            ),
            field_error("kind"),
            rx.match(
                PayState.choice,
                ("pickup", pickup_fields()),
                ("delivery", delivery_fields()),
                rx.fragment(),
            ),
            rx.cond(
                PayState.choice != "",
                rx.vstack(
                    text_field("pay.email", "email", type="email", auto_complete="email"),
                    rx.button(
                        T["pay.continue"],
                        type="submit",
                        id="fulfilment-submit",
                        size="3",
                        width="100%",
                    ),
                    width="100%",
                    spacing="3",
                ),
            ),
            width="100%",
            spacing="3",
        ),
        on_submit=PayState.save_fulfilment,
        width="100%",
        id="fulfilment-form",
    )


def fulfilment_summary() -> rx.Component:
    return rx.hstack(
        rx.vstack(
            rx.text(
                rx.cond(ORDER["fulfilment"] == "pickup", T["pay.pickup"], T["pay.delivery"]),
                weight="bold",
            ),
            rx.cond(
                ORDER["fulfilment"] == "pickup",
                rx.text(ORDER["pickup_store"].to(str), size="2"),
                rx.text(ORDER["address"].to(list[str]).join(", "), size="2"),
            ),
            spacing="1",
            flex="1",
            min_width="0",
        ),
        rx.button(
            T["pay.change"],
            variant="soft",
            size="1",
            on_click=PayState.edit_fulfilment,
            id="fulfilment-change",
            disabled=PayState.waiting | PayState.authenticating,
        ),
        width="100%",
        align="center",
        id="fulfilment-summary",
    )


def line_row(line: Any) -> rx.Component:
    return rx.table.row(
        rx.table.cell(line["name"].to(str)),
        rx.table.cell("× " + line["quantity"].to(str), white_space="nowrap"),
        rx.table.cell(line["amount"].to(str), text_align="right", white_space="nowrap"),
    )


def amounts_of(lines: Any, order: Any) -> rx.Component:
    """The lines, subtotal, delivery fee and total (tax included), as stored for the order."""
    return rx.vstack(
        rx.table.root(rx.table.body(rx.foreach(lines, line_row)), width="100%"),
        rx.hstack(
            rx.text(T["pay.subtotal"]),
            rx.spacer(),
            rx.text(order["subtotal"].to(str)),
            width="100%",
        ),
        rx.cond(
            order["fulfilment"] == "delivery",
            rx.hstack(
                rx.text(T["pay.delivery_fee"]),
                rx.spacer(),
                rx.text(order["delivery_fee"].to(str), id="pay-delivery-fee"),
                width="100%",
            ),
        ),
        rx.hstack(
            rx.text(T["pay.total"], weight="bold"),
            rx.spacer(),
            rx.text(order["total"].to(str), weight="bold", size="5", id="pay-total"),
            width="100%",
        ),
        rx.text(T["pay.tax_included"], size="1", color_scheme="gray"),
        width="100%",
        spacing="2",
    )


def card_step() -> rx.Component:
    return rx.vstack(
        rx.heading(T["pay.step_card"], size="4"),
        rx.cond(
            PayState.failure_key != "",
            rx.callout(
                T[PayState.failure_key],
                color_scheme="red",
                role="alert",
                id="pay-failure",
                width="100%",
            ),
        ),
        rx.cond(
            PayState.authenticating,
            rx.hstack(rx.spinner(), rx.text(T["pay.authenticating"]), id="pay-authenticating"),
        ),
        rx.cond(
            PayState.waiting & ~PayState.authenticating,
            rx.vstack(
                rx.hstack(rx.spinner(), rx.text(T["pay.waiting_confirmation"]), id="pay-waiting"),
                rx.cond(PayState.slow, rx.text(T["pay.still_waiting"], size="2")),
            ),
        ),
        rx.cond(
            PayState.client_secret != "",
            rx.box(
                card_payment(
                    on_result=PayState.card_result,
                    on_action=PayState.action_result,
                    publishable_key=PayState.publishable_key,
                    client_secret=PayState.client_secret,
                    stripe_js_url=PayState.stripe_js,
                    action_secret=PayState.action_secret,
                    hints={name: T[f"card.{name}"] for name in CARD_HINTS},
                    submit_label=T["pay.submit"] + " " + ORDER["total"].to(str),
                    processing_label=T["pay.processing"],
                ),
                # Hidden, not removed, while paying: 3-D Secure runs inside the form.
                display=rx.cond(PayState.waiting & ~PayState.authenticating, "none", "block"),
                width="100%",
            ),
            rx.cond(
                ~PayState.waiting,
                rx.button(
                    T["pay.try_again_button"],
                    on_click=PayState.prepare_card,
                    variant="soft",
                    id="pay-retry",
                ),
            ),
        ),
        width="100%",
        spacing="3",
    )


def awaiting() -> rx.Component:
    return rx.vstack(
        rx.cond(
            PayState.editing,
            fulfilment_form(),
            rx.vstack(
                fulfilment_summary(), rx.separator(size="4"), card_step(), width="100%", spacing="4"
            ),
        ),
        width="100%",
    )


def pay_page() -> rx.Component:
    return page(
        rx.cond(
            PayState.error_key != "",
            rx.callout(T[PayState.error_key], color_scheme="red", role="alert", id="pay-error"),
            rx.card(
                rx.vstack(
                    rx.hstack(
                        rx.heading(T["pay.title"], size="6"),
                        rx.spacer(),
                        rx.text(
                            T["pay.order_number"],
                            " #",
                            ORDER["id"].to(str),
                            size="2",
                            color_scheme="gray",
                            id="pay-order-number",
                        ),
                        width="100%",
                        align="center",
                    ),
                    amounts_of(PayState.lines, ORDER),
                    rx.match(
                        PayState.status,
                        (
                            "paid",
                            rx.callout(
                                rx.text(
                                    T["pay.paid"],
                                    " ",
                                    T["pay.order_number"],
                                    " #",
                                    ORDER["id"].to(str),
                                    ". ",
                                    T["pay.receipt_sent"],
                                ),
                                color_scheme="green",
                                id="pay-paid",
                            ),
                        ),
                        (
                            "expired",
                            rx.callout(T["pay.expired"], color_scheme="amber", id="pay-expired"),
                        ),
                        (
                            "cancelled",
                            rx.callout(T["pay.cancelled"], color_scheme="gray", id="pay-cancelled"),
                        ),
                        ("awaiting_payment", awaiting()),
                        rx.spinner(),
                    ),
                    spacing="4",
                    width="100%",
                ),
                max_width="560px",
                margin_x="auto",
                width="100%",
            ),
        ),
        on_switch=PayState.load,
    )


ROUTE = routes.PAY

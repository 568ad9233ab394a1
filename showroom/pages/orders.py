"""Orders for staff and supervisors: the list (a member of staff sees the orders credited to
them or that they assisted; a supervisor sees the store's, with revenue net of refunds), and
one order with its payments and refunds, where a supervisor (or staff, if the store allows)
refunds whole lines, some units, or an amount, with a reason.

Every event re-checks who is asking and that they may see or refund this order now.
"""

from __future__ import annotations

import asyncio
from typing import Any

import reflex as rx
from reflex_base.event import EventSpec

from consult.commerce import checkout, crediting
from consult.commerce.payments import PaymentError, StripeGateway
from consult.commerce.refunds import (
    RefundError,
    may_refund,
    refundable,
    refunds_of,
    request_refund,
    send_refund,
)
from consult.models import Order
from showroom import routes
from showroom.db import session_scope
from showroom.i18n import format_price
from showroom.identity import StaffIdentity
from showroom.layout import T, forbidden_or, has_items, notice, page
from showroom.models import Store
from showroom.session_state import SessionState

REFUND_WAIT_S = 20.0


def may_see(who: StaffIdentity, order: Order) -> bool:
    if order.store_id != who.store_id:
        return False
    return who.may("supervisor") or crediting.credit_role(order, who.staff_id) != ""


class OrdersState(rx.State):
    rows: list[dict[str, str]] = []
    revenue: str = ""
    supervisor: bool = False
    # One order
    order_id: int = 0
    order: dict[str, Any] = {}
    lines: list[dict[str, Any]] = []
    refunds: list[dict[str, str]] = []
    can_refund: bool = False
    left: str = ""
    error_key: str = ""
    refund_error_key: str = ""
    refund_notice_key: str = ""
    _unsent: int = 0

    async def _who(self) -> StaffIdentity | None:
        return (await self.get_state(SessionState)).current_staff()

    @rx.event
    async def load_list(self) -> EventSpec | None:
        session_state = await self.get_state(SessionState)
        redirect = session_state.authorise("staff")
        if redirect is not None or session_state.forbidden:
            return redirect
        who = session_state.current_staff()
        if who is None:
            return None
        self.supervisor = who.may("supervisor")
        with session_scope() as session:
            store = session.get(Store, who.store_id)
            orders = crediting.orders_for(
                session, who.store_id, staff_id=None if self.supervisor else who.staff_id
            )
            zone = store.timezone if store else "Asia/Tokyo"
            self.rows = crediting.order_rows(session, orders, viewer_id=who.staff_id, timezone=zone)
            net = crediting.revenue_net_of_refunds(
                session, who.store_id, staff_id=None if self.supervisor else who.staff_id
            )
            self.revenue = format_price(net, store.currency if store else "JPY")
        return None

    @rx.event
    async def load_order(self) -> EventSpec | None:
        session_state = await self.get_state(SessionState)
        redirect = session_state.authorise("staff")
        if redirect is not None or session_state.forbidden:
            return redirect
        raw = routes.last_segment(self.router.url.path)
        self.refund_error_key, self.refund_notice_key = "", ""
        if not raw.isdigit():
            self.error_key, self.order_id = "link.invalid", 0
            return None
        self.order_id = int(raw)
        self._read(await self._who(), session_state.lang)
        return OrdersState.watch_refunds if self._pending() else None

    def _pending(self) -> bool:
        return any(r["status"] == "pending" for r in self.refunds)

    def _read(self, who: StaffIdentity | None, lang: str) -> None:
        with session_scope() as session:
            order = session.get(Order, self.order_id)
            if who is None or order is None or not may_see(who, order):
                self.error_key, self.order = "auth.forbidden", {}
                return
            self.error_key = ""
            # Refunds before the order: SQLite reads each SELECT afresh, so a settled refund
            # read here means its order total below is read after the same commit.
            settled = refunds_of(session, order.id)
            session.refresh(order)
            summary = checkout.order_summary(session, order, lang)
            self.lines, self.order = summary.pop("lines"), summary
            self.can_refund = order.status == "paid" and may_refund(session, who, order)
            self.left = format_price(refundable(session, order), order.currency)
            self.refunds = [
                {
                    "id": str(r.id),
                    "amount": format_price(r.amount, r.currency),
                    "reason": r.reason,
                    "status": r.status,
                    "sent": "yes" if r.provider_ref else "",
                }
                for r in settled
            ]

    @rx.event
    async def refund(self, form: dict[str, Any]) -> EventSpec | None:
        who = await self._who()
        lang = (await self.get_state(SessionState)).lang
        if who is None:
            return None
        lines = {
            int(k.removeprefix("line-")): v
            for k, v in form.items()
            if str(k).startswith("line-") and str(k).removeprefix("line-").isdigit()
        }
        try:
            with session_scope() as session:
                refund = request_refund(
                    session,
                    who,
                    self.order_id,
                    reason=str(form.get("reason", "")),
                    lines=lines,
                    amount=form.get("amount"),
                    restock=str(form.get("restock", "")) in ("on", "true", "1"),
                )
                refund_id = refund.id
        except RefundError as error:
            self.refund_error_key = error.key
            return None
        self.refund_error_key = ""
        return await self._send(refund_id, who, lang)

    @rx.event
    async def send_again(self, refund_id: str | int) -> EventSpec | None:
        """A refund saved while the payment service could not be reached: the same request."""
        who = await self._who()
        lang = (await self.get_state(SessionState)).lang
        refund_id = str(refund_id)
        if who is None or not refund_id.isdigit():
            return None
        with session_scope() as session:
            order = session.get(Order, self.order_id)
            if order is None or not may_refund(session, who, order):
                self.refund_error_key = "refund.forbidden"
                return None
            if int(refund_id) not in {r.id for r in refunds_of(session, order.id)}:
                return None
        return await self._send(int(refund_id), who, lang)

    async def _send(self, refund_id: int, who: StaffIdentity, lang: str) -> EventSpec | None:
        def call() -> None:
            with session_scope() as session:
                send_refund(session, refund_id, StripeGateway.from_settings())

        try:
            await rx.run_in_thread(call)
        except PaymentError:
            self.refund_error_key = "refund.try_again"
            self._read(who, lang)
            return None
        except RefundError as error:
            self.refund_error_key = error.key
            return None
        self.refund_notice_key = "refund.sent"
        self._read(who, lang)
        return OrdersState.watch_refunds

    @rx.event(background=True)
    async def watch_refunds(self) -> None:
        """Until the payment service confirms the refund (its signed webhook), then show it."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + REFUND_WAIT_S
        while loop.time() < deadline:
            await asyncio.sleep(0.5)
            async with self:
                if self.router.url.path.rstrip("/") != routes.order_detail(self.order_id):
                    return
                session_state = await self.get_state(SessionState)
                self._read(session_state.current_staff(), session_state.lang)
                if not self._pending():
                    return


ORDER: Any = OrdersState.order
SEND_REFUND_AGAIN: Any = OrdersState.send_again


def status_badge(status: Any, refund: Any) -> rx.Component:
    return rx.hstack(
        rx.badge(
            T["order.status_" + status.to(str)],
            color_scheme=rx.cond(status == "paid", "green", "gray"),
        ),
        rx.cond(refund == "refunded", rx.badge(T["order.fully_refunded"], color_scheme="amber")),
        rx.cond(
            refund == "partly_refunded", rx.badge(T["order.partly_refunded"], color_scheme="amber")
        ),
        spacing="1",
        wrap="wrap",
    )


def order_row(row: Any) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.link("#" + row["id"].to(str), href="/staff/orders/" + row["id"].to(str))),
        rx.table.cell(row["when"].to(str), white_space="nowrap"),
        rx.table.cell(row["customer"].to(str)),
        rx.table.cell(row["total"].to(str), text_align="right", white_space="nowrap"),
        rx.table.cell(status_badge(row["status"], row["refund"])),
        rx.table.cell(
            rx.cond(
                OrdersState.supervisor,
                rx.text(
                    row["credited"].to(str),
                    rx.cond(
                        row["assisted"].to(str) != "",
                        " (" + T["orders.assisted"] + " " + row["assisted"].to(str) + ")",
                        "",
                    ),
                    size="2",
                ),
                rx.badge(
                    rx.cond(
                        row["mine"] == "credited",
                        T["orders.credit_mine"],
                        T["orders.credit_assisted"],
                    ),
                    variant="soft",
                ),
            )
        ),
        custom_attrs={"data-order": row["id"].to(str)},
        class_name="order-row",
    )


def orders_page() -> rx.Component:
    return page(
        forbidden_or(
            rx.vstack(
                rx.hstack(
                    rx.heading(T["orders.title"], size="7"),
                    rx.spacer(),
                    rx.cond(
                        OrdersState.supervisor,
                        rx.link(T["rules.link"], href=routes.ADMIN_COMMERCE, id="rules-link"),
                    ),
                    width="100%",
                    align="center",
                ),
                rx.text(
                    rx.cond(OrdersState.supervisor, T["orders.store"], T["orders.mine"]),
                    color_scheme="gray",
                ),
                rx.card(
                    rx.vstack(
                        rx.text(T["orders.revenue"], color_scheme="gray"),
                        rx.heading(OrdersState.revenue, size="6", id="orders-revenue"),
                    ),
                ),
                rx.cond(
                    has_items(OrdersState.rows),
                    rx.box(
                        rx.table.root(
                            rx.table.header(
                                rx.table.row(
                                    *[
                                        rx.table.column_header_cell(T[k], white_space="nowrap")
                                        for k in (
                                            "orders.number",
                                            "orders.when",
                                            "orders.customer",
                                            "orders.total",
                                            "orders.status",
                                            "orders.credited",
                                        )
                                    ],
                                )
                            ),
                            rx.table.body(rx.foreach(OrdersState.rows, order_row)),
                            width="100%",
                            id="orders-table",
                        ),
                        width="100%",
                        overflow_x="auto",
                    ),
                    rx.text(T["orders.none"]),
                ),
                spacing="4",
                width="100%",
            )
        ),
        on_switch=OrdersState.load_list,
    )


def refund_line(line: Any) -> rx.Component:
    line_id = line["id"].to(str)
    return rx.hstack(
        rx.text(
            line["name"].to(str), " × ", line["quantity"].to(str), size="2", flex="1", min_width="0"
        ),
        rx.input(
            name="line-" + line_id,
            type="number",
            min="0",
            max=line["quantity"].to(str),
            placeholder="0",
            width="5em",
            aria_label=T["refund.by_line"] + " " + line["name"].to(str),
            class_name="refund-units",
            custom_attrs={"data-line": line_id},
        ),
        width="100%",
        align="center",
    )


def refund_row(refund: Any) -> rx.Component:
    return rx.hstack(
        rx.text(refund["amount"].to(str), weight="medium"),
        rx.badge(T["refund.status_" + refund["status"].to(str)]),
        rx.text(refund["reason"].to(str), size="2", color_scheme="gray", flex="1", min_width="0"),
        rx.cond(
            (refund["status"] == "pending") & (refund["sent"] == ""),
            rx.button(
                T["pay.send_again"],
                size="1",
                variant="soft",
                on_click=SEND_REFUND_AGAIN(refund["id"].to(str)),
            ),
        ),
        width="100%",
        align="center",
        class_name="refund-row",
        wrap="wrap",
    )


def refund_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.heading(T["refund.title"], size="4"),
            rx.text(T["refund.left"], ": ", OrdersState.left, size="2", id="refund-left"),
            rx.text(T["refund.by_line"], size="2", weight="medium"),
            rx.foreach(OrdersState.lines, refund_line),
            rx.text(T["refund.or_amount"], size="2", weight="medium"),
            rx.input(
                name="amount",
                type="number",
                min="1",
                placeholder=T["refund.amount"],
                aria_label=T["refund.amount"],
                id="refund-amount",
            ),
            rx.text(
                T["refund.reason"],
                as_="label",
                size="2",
                weight="medium",
                custom_attrs={"htmlFor": "refund-reason"},
            ),
            rx.text_area(name="reason", id="refund-reason", width="100%", rows="2"),
            rx.checkbox(T["refund.restock"], name="restock", id="refund-restock"),
            notice(OrdersState.refund_error_key),
            notice(OrdersState.refund_notice_key, "green"),
            rx.button(T["refund.submit"], type="submit", color_scheme="red", id="refund-submit"),
            width="100%",
            spacing="3",
        ),
        on_submit=OrdersState.refund,
        reset_on_submit=True,
        width="100%",
    )


def order_detail_page() -> rx.Component:
    from showroom.pages.pay import amounts_of

    return page(
        forbidden_or(
            rx.cond(
                OrdersState.error_key != "",
                rx.callout(T[OrdersState.error_key], color_scheme="red", role="alert"),
                rx.vstack(
                    rx.link(T["orders.back"], href=routes.ORDERS),
                    rx.hstack(
                        rx.heading(T["orders.number"], " #", ORDER["id"].to(str), size="6"),
                        status_badge(ORDER["status"], ""),
                        align="center",
                        wrap="wrap",
                        id="order-heading",
                    ),
                    rx.grid(
                        rx.card(
                            rx.vstack(
                                rx.cond(
                                    ORDER["stock_short"].to(str) != "",
                                    rx.callout(
                                        rx.text(
                                            T["orders.stock_short"],
                                            " ",
                                            ORDER["stock_short"].to(str),
                                            " ",
                                            T["orders.units"],
                                        ),
                                        color_scheme="amber",
                                        width="100%",
                                    ),
                                ),
                                rx.text(
                                    rx.text.strong(T["orders.customer"]),
                                    " ",
                                    ORDER["customer"].to(str),
                                    size="2",
                                    id="order-customer",
                                ),
                                amounts_of(OrdersState.lines, ORDER),
                                rx.cond(
                                    ORDER["refunded"].to(str) != "",
                                    rx.hstack(
                                        rx.text(T["order.refunded"], weight="bold"),
                                        rx.spacer(),
                                        rx.text(ORDER["refunded"].to(str), id="order-refunded"),
                                        width="100%",
                                    ),
                                ),
                                rx.cond(
                                    ORDER["fulfilment"].to(str) == "pickup",
                                    rx.text(
                                        rx.text.strong(T["order.pickup_at"]),
                                        " ",
                                        ORDER["pickup_store"].to(str),
                                        size="2",
                                    ),
                                ),
                                rx.cond(
                                    ORDER["fulfilment"].to(str) == "delivery",
                                    rx.text(
                                        rx.text.strong(T["order.delivery_to"]),
                                        " ",
                                        ORDER["address"].to(list[str]).join(" "),
                                        size="2",
                                    ),
                                ),
                                rx.cond(
                                    has_items(OrdersState.refunds),
                                    rx.vstack(
                                        rx.heading(T["refund.history"], size="3"),
                                        rx.foreach(OrdersState.refunds, refund_row),
                                        width="100%",
                                        id="refund-history",
                                    ),
                                ),
                                width="100%",
                                spacing="3",
                            ),
                        ),
                        rx.cond(OrdersState.can_refund, rx.card(refund_form())),
                        columns=rx.breakpoints(initial="1", md="2"),
                        spacing="4",
                        width="100%",
                    ),
                    spacing="4",
                    width="100%",
                ),
            )
        ),
        on_switch=OrdersState.load_order,
    )


LIST_ROUTE = routes.ORDERS
DETAIL_ROUTE = routes.ORDER_DETAIL

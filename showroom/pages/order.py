"""The customer's order page, from the link in the receipt mail: status, what was bought, how it
is received, refunds. A signed, long-lived link grants this one order only."""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex_base.event import EventSpec

from consult.commerce import checkout
from consult.commerce.receipts import order_for_view
from showroom import routes
from showroom.db import session_scope
from showroom.identity import LinkError
from showroom.layout import T, page
from showroom.pages.pay import amounts_of
from showroom.session_state import SessionState
from showroom.settings import get_settings


class OrderState(rx.State):
    error_key: str = ""
    order: dict[str, Any] = {}
    lines: list[dict[str, Any]] = []
    pay_url: str = ""

    @rx.event
    async def load(self) -> EventSpec | None:
        token = routes.last_segment(self.router.url.path)
        lang = (await self.get_state(SessionState)).lang
        settings = get_settings()
        try:
            with session_scope() as session:
                order = order_for_view(session, settings.secret_key, token)
                summary = checkout.order_summary(session, order, lang)
                self.pay_url = (
                    "/pay/" + checkout.pay_link(settings.secret_key, order.id)
                    if order.status == "awaiting_payment"
                    else ""
                )
        except LinkError as error:
            self.error_key, self.order = error.key, {}
            return None
        except LookupError:
            self.error_key, self.order = "link.invalid", {}
            return None
        self.error_key = ""
        self.lines = summary.pop("lines")
        self.order = summary
        return None


ORDER: Any = OrderState.order


def order_page() -> rx.Component:
    status = ORDER["status"].to(str)
    return page(
        rx.cond(
            OrderState.error_key != "",
            rx.callout(T[OrderState.error_key], color_scheme="red", role="alert", id="order-error"),
            rx.card(
                rx.vstack(
                    rx.hstack(
                        rx.heading(T["order.title"], " #", ORDER["id"].to(str), size="6"),
                        rx.spacer(),
                        rx.badge(T["order.status_" + status], size="2", id="order-status"),
                        width="100%",
                        align="center",
                    ),
                    amounts_of(OrderState.lines, ORDER),
                    rx.cond(
                        ORDER["refunded"].to(str) != "",
                        rx.hstack(
                            rx.text(T["order.refunded"]),
                            rx.spacer(),
                            rx.text(ORDER["refunded"].to(str), id="order-refunded"),
                            width="100%",
                        ),
                    ),
                    rx.cond(
                        ORDER["fulfilment"].to(str) == "pickup",
                        rx.text(
                            rx.text.strong(T["order.pickup_at"]), " ", ORDER["pickup_store"].to(str)
                        ),
                    ),
                    rx.cond(
                        ORDER["fulfilment"].to(str) == "delivery",
                        rx.text(
                            rx.text.strong(T["order.delivery_to"]),
                            " ",
                            ORDER["address"].to(list[str]).join(" "),
                        ),
                    ),
                    rx.cond(
                        OrderState.pay_url != "",
                        rx.link(rx.button(T["order.pay_now"]), href=OrderState.pay_url),
                    ),
                    spacing="4",
                    width="100%",
                ),
                max_width="560px",
                margin_x="auto",
                width="100%",
            ),
        ),
        on_switch=OrderState.load,
    )


ROUTE = routes.ORDER

"""Supervisor: the live board (deepened by the monitoring issue)."""

from __future__ import annotations

import asyncio
from typing import Any

import reflex as rx
from reflex_base.event import EventSpec

from consult.calls.monitoring import board
from consult.calls.presence import board as presence_board
from showroom import routes
from showroom.db import session_scope
from showroom.layout import T, forbidden_or, has_items, page
from showroom.session_state import SessionState

BOARD_REFRESH_S = 5.0


class SupervisorState(rx.State):
    staff: list[dict[str, Any]] = []
    calls: list[dict[str, Any]] = []
    paid_orders: int = 0
    revenue: str = ""
    _polling: bool = False

    @rx.event
    async def load(self) -> EventSpec | None:
        session_state = await self.get_state(SessionState)
        redirect = session_state.authorise("supervisor")
        if redirect is not None or session_state.forbidden:
            return redirect
        who = session_state.current_staff()
        if who is None:
            return None
        self._load(who.store_id)
        return SupervisorState.poll

    def _load(self, store_id: int) -> None:
        with session_scope() as session:
            data = board(session, store_id)
            # Presence (offline / available / in call / away) replaces the board's busy flag.
            data["staff"] = presence_board(session, store_id)
        self.staff, self.calls = data["staff"], data["calls"]
        self.paid_orders, self.revenue = data["paid_orders"], data["revenue"]

    @rx.event(background=True)
    async def poll(self) -> None:
        """Keeps the board live (presence, calls and queue waits) while the page is open."""
        async with self:
            if self._polling:
                return
            self._polling = True
        try:
            while True:
                await asyncio.sleep(BOARD_REFRESH_S)
                async with self:
                    session_state = await self.get_state(SessionState)
                    if self.router.url.path.rstrip("/") != routes.SUPERVISOR:
                        return
                    who = session_state.current_staff()
                    if who is None or not who.may("supervisor"):
                        return
                    self._load(who.store_id)
        finally:
            async with self:
                self._polling = False


def staff_row(member: Any) -> rx.Component:
    return rx.table.row(
        rx.table.cell(member["name"].to(str), class_name="staff-name"),
        rx.table.cell(
            rx.cond(member["role"] == "supervisor", T["role.supervisor"], T["role.staff"])
        ),
        rx.table.cell(
            rx.match(
                member["presence"].to(str),
                ("available", rx.badge(T["presence.available"], color_scheme="grass")),
                ("in_call", rx.badge(T["status.active"], color_scheme="blue")),
                ("away", rx.badge(T["presence.away"], color_scheme="gray")),
                rx.badge(T["presence.offline"], color_scheme="gray", variant="outline"),
            ),
            class_name="presence",
        ),
    )


def call_row(call: Any) -> rx.Component:
    return rx.table.row(
        rx.table.cell("#" + call["id"].to(str)),
        rx.table.cell(
            rx.cond(call["status"] == "waiting", T["status.waiting"], T["status.active"])
        ),
        rx.table.cell(call["minutes"].to(str) + " min"),
    )


def stat(label_key: str, value: Any) -> rx.Component:
    return rx.card(
        rx.vstack(rx.text(T[label_key], color_scheme="gray"), rx.heading(value, size="7")),
        min_width="160px",
        flex="1 1 160px",
    )


def supervisor_page() -> rx.Component:
    return page(
        forbidden_or(
            rx.vstack(
                rx.hstack(
                    rx.heading(T["supervisor.title"], size="7"),
                    rx.spacer(),
                    rx.link(
                        rx.button(T["recordings.link"], variant="soft"),
                        href=routes.RECORDINGS,
                        id="recordings-link",
                    ),
                    align="center",
                    width="100%",
                ),
                rx.hstack(
                    stat("supervisor.orders_paid", SupervisorState.paid_orders),
                    stat("supervisor.revenue", SupervisorState.revenue),
                    spacing="4",
                    wrap="wrap",
                    width="100%",
                ),
                rx.heading(T["supervisor.staff"], size="4"),
                rx.table.root(
                    rx.table.body(rx.foreach(SupervisorState.staff, staff_row)),
                    width="100%",
                    id="staff-board",
                ),
                rx.heading(T["supervisor.calls"], size="4"),
                rx.cond(
                    has_items(SupervisorState.calls),
                    rx.table.root(
                        rx.table.body(rx.foreach(SupervisorState.calls, call_row)), width="100%"
                    ),
                    rx.text(T["supervisor.no_calls"]),
                ),
                spacing="4",
                width="100%",
            )
        ),
        on_switch=SupervisorState.load,
    )


ROUTE = routes.SUPERVISOR

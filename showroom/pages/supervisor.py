"""Supervisor: the live board, pushed (consult.calls.board_feed), never polled per change.

The page subscribes to its store's board topic while it is open and reloads the board when a
change is announced (a burst reloads once). A slow clock (CLOCK_S) only ages the durations and
lets a closed staff page fall to offline; it is not how changes arrive.
"""

from __future__ import annotations

import asyncio
from typing import Any

import reflex as rx
from reflex_base.event import EventSpec

from consult.calls.board_feed import announce, board_topic, drain_queue, live_board
from consult.calls.monitoring import QueueAlertError, set_queue_alert
from showroom import routes
from showroom.db import session_scope
from showroom.layout import T, forbidden_or, has_items, page
from showroom.pubsub import get_broker
from showroom.session_state import SessionState

CLOCK_S = 30.0


class SupervisorState(rx.State):
    staff: list[dict[str, Any]] = []
    queue: list[dict[str, Any]] = []
    calls: list[dict[str, Any]] = []
    figures: dict[str, Any] = {}
    updates: int = 0  # how many pushed changes this page applied (tests and the bench read it)
    queue_alert: str = ""  # minutes a walk-in may wait before the board flags them
    alert_error: str = ""
    alert_saved: bool = False
    _watching: bool = False

    @rx.event
    async def load(self) -> EventSpec | None:
        session_state = await self.get_state(SessionState)
        redirect = session_state.authorise("supervisor")
        if redirect is not None or session_state.forbidden:
            return redirect
        who = session_state.current_staff()
        if who is None:
            return None
        self._apply(live_board(who.store_id))
        return SupervisorState.watch

    def _apply(self, data: dict[str, Any]) -> None:
        self.staff, self.queue, self.calls = data["staff"], data["queue"], data["calls"]
        self.figures, self.queue_alert = data["figures"], str(data["queue_alert_min"])

    @rx.event
    async def save_queue_alert(self, form: dict[str, Any]) -> None:
        """The store's threshold for flagging a waiting caller; every open board follows."""
        who = (await self.get_state(SessionState)).current_staff()
        if who is None or not who.may("supervisor"):  # checked again when it runs
            return
        try:
            with session_scope() as session:
                minutes = set_queue_alert(session, who.store_id, form.get("minutes", ""))
        except QueueAlertError:
            self.alert_error, self.alert_saved = QueueAlertError.key, False
            return
        self.alert_error, self.alert_saved, self.queue_alert = "", True, str(minutes)
        await announce([who.store_id])

    async def _store_if_still_here(self) -> int | None:
        """The supervisor's store while this board is open and they may see it; else None."""
        async with self:
            if self.router.url.path.rstrip("/") != routes.SUPERVISOR:
                return None
            who = (await self.get_state(SessionState)).current_staff()
            return who.store_id if who is not None and who.may("supervisor") else None

    @rx.event(background=True)
    async def watch(self) -> None:
        """Reloads the board when its store announces a change, while the page is open."""
        async with self:
            if self._watching:
                return
            self._watching = True
        try:
            store_id = await self._store_if_still_here()
            if store_id is None:
                return
            async with get_broker().subscribe(board_topic(store_id)) as changes:
                # A change committed while we subscribed would be missed: read once more.
                data = await asyncio.to_thread(live_board, store_id)
                async with self:
                    self._apply(data)
                while True:
                    try:
                        await asyncio.wait_for(changes.get(), CLOCK_S)
                        pushed = True
                    except TimeoutError:
                        pushed = False
                    drain_queue(changes)
                    if await self._store_if_still_here() != store_id:
                        return
                    data = await asyncio.to_thread(live_board, store_id)
                    async with self:
                        self._apply(data)
                        self.updates += int(pushed)
        finally:
            async with self:
                self._watching = False


def flag(condition: Any, key: str) -> rx.Component:
    return rx.cond(condition, rx.badge(T[key], color_scheme="red", class_name="flag"))


def presence_badge(presence: Any) -> rx.Component:
    return rx.match(
        presence,
        ("available", rx.badge(T["presence.available"], color_scheme="grass")),
        ("in_call", rx.badge(T["status.active"], color_scheme="blue")),
        ("away", rx.badge(T["presence.away"], color_scheme="amber")),
        rx.badge(T["presence.offline"], color_scheme="gray", variant="outline"),
    )


def staff_row(member: Any) -> rx.Component:
    return rx.table.row(
        rx.table.cell(
            rx.text(member["name"].to(str), weight="medium"),
            rx.text(
                rx.cond(member["role"] == "supervisor", T["role.supervisor"], T["role.staff"]),
                size="1",
                color_scheme="gray",
            ),
            class_name="staff-name",
        ),
        rx.table.cell(
            rx.flex(
                presence_badge(member["presence"].to(str)),
                rx.cond(
                    member["since"].to(str) != "",
                    rx.text(T["board.since"], " ", member["since"].to(str), size="1"),
                ),
                rx.cond(
                    member["presence"].to(str) == "in_call",
                    rx.text(
                        T["board.with"],
                        " ",
                        rx.cond(
                            member["with"].to(str) != "", member["with"].to(str), T["board.guest"]
                        ),
                        " · ",
                        member["call_for"].to(str),
                        size="1",
                    ),
                ),
                flag(member["flagged"].to(bool), "board.absent_when_booked"),
                spacing="2",
                wrap="wrap",
                align="center",
            ),
            class_name="presence",
        ),
        rx.table.cell(
            rx.text(member["bookings"].to(str)),
            rx.cond(
                member["next"].to(str) != "",
                rx.text(T["board.next"], " ", member["next"].to(str), size="1"),
            ),
            class_name="bookings",
        ),
        data_staff=member["id"].to(str),
    )


def queue_row(call: Any) -> rx.Component:
    return rx.table.row(
        rx.table.cell(
            rx.cond(call["customer"].to(str) != "", call["customer"].to(str), T["board.guest"])
        ),
        rx.table.cell(
            rx.text(call["wait"].to(str)), flag(call["flagged"].to(bool), "board.wait_alert")
        ),
        rx.table.cell(call["about"].to(str)),
        rx.table.cell(
            rx.cond(call["asked_for"].to(str) != "", call["asked_for"].to(str), T["board.anyone"])
        ),
        class_name="queue-row",
        data_call=call["id"].to(str),
    )


def quality_badge(quality: Any) -> rx.Component:
    """The worse of the two browsers' own ratings (consult.calls.monitoring.LiveMedia)."""
    return rx.match(
        quality,
        ("good", rx.badge(T["board.quality_good"], color_scheme="grass", class_name="quality")),
        ("fair", rx.badge(T["board.quality_fair"], color_scheme="amber", class_name="quality")),
        ("poor", rx.badge(T["board.quality_poor"], color_scheme="red", class_name="quality")),
        (
            "connecting",
            rx.badge(T["board.quality_connecting"], color_scheme="amber", variant="outline",
                     class_name="quality"),
        ),
        (
            "measuring",
            rx.badge(T["board.quality_measuring"], color_scheme="gray", class_name="quality"),
        ),
        rx.badge(T["board.quality_none"], color_scheme="gray", variant="outline",
                 class_name="quality"),
    )  # fmt: skip


def measured_line(side: Any) -> rx.Component:
    """One side's measurement, e.g. "Customer: round trip 40 ms · loss 0.0%"."""
    role = rx.cond(side["role"] == "customer", T["board.customer"], T["board.staff_member"])
    round_trip = rx.cond(
        side["rtt_ms"] != "", rx.fragment(T["board.round_trip"], " ", side["rtt_ms"], " ms · ")
    )
    return rx.text(
        role, ": ", round_trip, T["board.loss"], " ", side["loss_pct"], "%",
        size="1", color_scheme="gray", class_name="measured", data_role=side["role"],
    )  # fmt: skip


def call_row(call: Any) -> rx.Component:
    return rx.table.row(
        rx.table.cell(
            rx.text(
                rx.cond(call["customer"].to(str) != "", call["customer"].to(str), T["board.guest"])
            ),
            rx.text(
                rx.cond(call["booked"].to(bool), T["board.booked"], T["board.walk_in"]),
                size="1",
                color_scheme="gray",
            ),
        ),
        rx.table.cell(call["staff"].to(str)),
        rx.table.cell(call["duration"].to(str), class_name="duration"),
        rx.table.cell(
            rx.flex(
                rx.cond(
                    call["audio_only"].to(bool),
                    rx.badge(T["board.audio_only"], color_scheme="gray"),
                    rx.badge(T["board.video"], color_scheme="gray", variant="outline"),
                ),
                quality_badge(call["quality"].to(str)),
                rx.cond(
                    call["recording"].to(bool), rx.badge(T["board.recording"], color_scheme="red")
                ),
                rx.cond(
                    call["supervised"].to(bool),
                    rx.badge(T["board.supervised"], color_scheme="violet"),
                ),
                spacing="1",
                wrap="wrap",
            ),
            rx.foreach(call["measured"].to(list[dict[str, str]]), measured_line),
        ),
        rx.table.cell(
            rx.link(
                T["board.listen"],
                href="/supervisor/call/" + call["id"].to(str),
                class_name="listen",
            )
        ),
        class_name="call-row",
        data_call=call["id"].to(str),
        data_quality=call["quality"].to(str),
    )


def stat(label_key: str, value: Any, id_: str) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.text(T[label_key], color_scheme="gray", size="2"),
            rx.heading(value, size="6", id=id_),
            spacing="1",
        ),
        min_width="150px",
        flex="1 1 150px",
    )


def header_row(*keys: str) -> rx.Component:
    return rx.table.header(
        rx.table.row(*(rx.table.column_header_cell(T[k], white_space="nowrap") for k in keys))
    )


def scrolling(table: rx.Component) -> rx.Component:
    return rx.box(table, width="100%", overflow_x="auto")


def queue_alert_form() -> rx.Component:
    state = SupervisorState
    return rx.form(
        rx.flex(
            rx.el.label(T["board.alert_label"], html_for="queue-alert", font_size="14px"),
            rx.input(
                id="queue-alert", name="minutes", input_mode="numeric", max_length=2,
                default_value=state.queue_alert, key=state.queue_alert, width="4.5em",
            ),
            rx.text(T["board.alert_minutes"], size="2"),
            rx.button(T["board.alert_save"], type="submit", id="queue-alert-save", variant="soft"),
            rx.cond(
                state.alert_saved,
                rx.text(T["board.alert_saved"], id="queue-alert-saved", role="status", size="2"),
            ),
            spacing="2",
            align="center",
            wrap="wrap",
        ),
        rx.cond(
            state.alert_error != "",
            rx.text(T[state.alert_error], id="queue-alert-error", role="alert", color_scheme="red",
                    size="2"),
        ),
        on_submit=SupervisorState.save_queue_alert,
        reset_on_submit=False,
        width="100%",
    )  # fmt: skip


def supervisor_page() -> rx.Component:
    figures = SupervisorState.figures
    return page(
        forbidden_or(
            rx.vstack(
                rx.hstack(
                    rx.heading(T["supervisor.title"], size="7", white_space="nowrap"),
                    rx.badge(T["board.live"], color_scheme="grass", variant="solid"),
                    rx.spacer(),
                    rx.link(
                        T["kpi.nav"],
                        href=routes.SUPERVISOR_KPIS,
                        id="nav-kpis",
                        white_space="nowrap",
                    ),
                    rx.link(
                        T["insights.nav"],
                        href=routes.SUPERVISOR_TOURS,
                        id="nav-insights",
                        white_space="nowrap",
                    ),
                    rx.link(
                        T["recordings.link"],
                        href=routes.RECORDINGS,
                        id="recordings-link",
                        white_space="nowrap",
                    ),
                    align="center",
                    wrap="wrap",
                    width="100%",
                    data_updates=SupervisorState.updates,
                    id="board-live",
                ),
                rx.flex(
                    stat("board.answered", figures["answered"].to(str), "figure-answered"),
                    stat("board.average_wait", figures["average_wait"].to(str), "figure-wait"),
                    stat("board.orders", figures["orders"].to(str), "figure-orders"),
                    stat("board.revenue", figures["revenue"].to(str), "figure-revenue"),
                    spacing="3",
                    wrap="wrap",
                    width="100%",
                ),
                rx.heading(T["supervisor.staff"], size="4"),
                scrolling(
                    rx.table.root(
                        header_row("board.name", "board.presence", "board.bookings_today"),
                        rx.table.body(rx.foreach(SupervisorState.staff, staff_row)),
                        width="100%",
                        id="staff-board",
                    )
                ),
                rx.heading(T["board.queue"], size="4"),
                queue_alert_form(),
                rx.cond(
                    has_items(SupervisorState.queue),
                    scrolling(
                        rx.table.root(
                            header_row(
                                "board.customer", "board.waited", "board.about", "board.asked_for"
                            ),
                            rx.table.body(rx.foreach(SupervisorState.queue, queue_row)),
                            width="100%",
                            id="queue-board",
                        )
                    ),
                    rx.text(T["board.no_queue"], id="queue-empty"),
                ),
                rx.heading(T["supervisor.calls"], size="4"),
                rx.cond(
                    has_items(SupervisorState.calls),
                    scrolling(
                        rx.table.root(
                            header_row(
                                "board.customer",
                                "board.staff_member",
                                "board.duration",
                                "board.connection",
                                "board.step_in",
                            ),
                            rx.table.body(rx.foreach(SupervisorState.calls, call_row)),
                            width="100%",
                            id="calls-board",
                        )
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

"""Staff: the queue of waiting and live calls in their store, and the call itself."""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import reflex as rx
from reflex_base.event import EventSpec
from sqlalchemy import select

from consult.availability import (
    AvailabilityError,
    clear_date,
    dates_of,
    replace_week,
    set_date,
    week_of,
)
from consult.booking import BookingError
from consult.bookings import get_booking, mark_outcome, staff_feed_token
from consult.checkout import request_payment_in_call
from consult.components.call_video import call_video
from consult.consultations import (
    chat_topic,
    end,
    join_as_staff,
    message_dict,
    queue,
)
from consult.staff_schedule import upcoming
from showroom import routes
from showroom.analytics import visitor_context
from showroom.components.guided_tour import guided_tour
from showroom.db import session_scope
from showroom.layout import T, forbidden_or, has_items, notice, page
from showroom.models import Product, Store
from showroom.pages.chat import ChatState, chat_panel, publish_status
from showroom.pubsub import get_broker
from showroom.session_state import SessionState
from showroom.settings import get_settings
from showroom.tours import localised

QUEUE_REFRESH_S = 3.0


class StaffState(rx.State):
    calls: list[dict[str, Any]] = []
    bookings: list[dict[str, Any]] = []
    feed_url: str = ""
    error_key: str = ""
    week: list[str] = [""] * 7
    week_error_key: str = ""
    week_error_day: int = -1
    week_saved: bool = False
    dates: list[dict[str, str]] = []
    date_error_key: str = ""
    _polling: bool = False

    def _store_today(self, session: Any, store_id: int) -> date:
        store = session.get(Store, store_id)
        return datetime.now(ZoneInfo(store.timezone if store else "UTC")).date()

    def _load_dates(self, session: Any, staff_id: int, store_id: int) -> None:
        today = self._store_today(session, store_id)
        self.dates = [
            {"day": day.isoformat(), "hours": hours}
            for day, hours in dates_of(session, staff_id, today)
        ]

    @rx.event
    async def save_date(self, form: dict[str, str]) -> None:
        who = (await self.get_state(SessionState)).current_staff()
        if who is None:
            return
        try:
            day = date.fromisoformat(form.get("day", ""))
        except ValueError:
            self.date_error_key = "availability.bad_date"
            return
        try:
            with session_scope() as session:
                today = self._store_today(session, who.store_id)
                set_date(session, who.staff_id, day, form.get("hours", ""), today=today)
                self._load_dates(session, who.staff_id, who.store_id)
        except AvailabilityError as error:
            self.date_error_key = error.key
            return
        self.date_error_key = ""

    @rx.event
    async def remove_date(self, day: str) -> None:
        who = (await self.get_state(SessionState)).current_staff()
        if who is None:
            return
        try:
            parsed = date.fromisoformat(day)
        except ValueError:
            return
        with session_scope() as session:
            clear_date(session, who.staff_id, parsed)
            self._load_dates(session, who.staff_id, who.store_id)

    @rx.event
    def set_day(self, weekday: int, text: str) -> None:
        self.week[weekday] = text
        self.week_saved = False

    @rx.event
    async def save_week(self) -> None:
        who = (await self.get_state(SessionState)).current_staff()
        if who is None:
            return
        try:
            with session_scope() as session:
                saved = replace_week(session, who.staff_id, dict(enumerate(self.week)))
        except AvailabilityError as error:
            self.week_error_key, self.week_error_day, self.week_saved = (
                error.key,
                error.weekday,
                False,
            )
            return
        self.week = [saved[d] for d in range(7)]
        self.week_error_key, self.week_error_day, self.week_saved = "", -1, True

    async def _load_bookings(self) -> None:
        session_state = await self.get_state(SessionState)
        who = session_state.current_staff()
        if who is None:
            return
        settings = get_settings()
        with session_scope() as session:
            self.bookings = upcoming(session, who.staff_id, who.store_id, session_state.lang)
            week = week_of(session, who.staff_id)
            self._load_dates(session, who.staff_id, who.store_id)
        self.week = [week[d] for d in range(7)]
        token = staff_feed_token(settings.secret_key, who.staff_id)
        self.feed_url = f"{settings.public_url}{routes.calendar_feed(token)}"

    @rx.event
    async def mark(self, booking_id: int, outcome: str) -> None:
        """Completed or no-show; only for the staff member's own bookings that have started."""
        who = (await self.get_state(SessionState)).current_staff()
        if who is None or outcome not in ("completed", "no_show"):
            return
        try:
            with session_scope() as session:
                booking = get_booking(session, booking_id)
                if booking.staff_id != who.staff_id:
                    raise PermissionError(booking_id)
                mark_outcome(session, booking_id, outcome)
        except BookingError as error:
            self.error_key = error.key
            return
        except (PermissionError, LookupError):
            self.error_key = "auth.forbidden"
            return
        self.error_key = ""
        await self._load_bookings()

    def _load_queue(self, store_id: int) -> None:
        with session_scope() as session:
            store = session.get(Store, store_id)
            zone = ZoneInfo(store.timezone if store else "UTC")
            self.calls = [
                {
                    "id": c.id,
                    "status": c.status,
                    "since": c.created_at.astimezone(zone).strftime("%H:%M"),
                    "name": c.customer_name,
                }
                for c in queue(session, store_id)
            ]

    @rx.event
    async def load(self) -> EventSpec | None:
        session_state = await self.get_state(SessionState)
        redirect = session_state.authorise("staff")
        if redirect is not None or session_state.forbidden:
            return redirect
        who = session_state.current_staff()
        if who is not None:
            self._load_queue(who.store_id)
            await self._load_bookings()
        return StaffState.poll

    @rx.event(background=True)
    async def poll(self) -> None:
        """Keeps the queue fresh while the page is open (presence and routing: a later issue)."""
        async with self:
            if self._polling:
                return
            self._polling = True
        try:
            while True:
                await asyncio.sleep(QUEUE_REFRESH_S)
                async with self:
                    session_state = await self.get_state(SessionState)
                    if (
                        self.router.url.path.rstrip("/") != routes.STAFF
                        or not session_state.staff_id
                    ):
                        return
                    who = session_state.current_staff()
                    if who is None:
                        return
                    self._load_queue(who.store_id)
        finally:
            async with self:
                self._polling = False


# An event with arguments; typed Any because mypy sees Reflex's decorated handler as a namespace.
MARK: Any = StaffState.mark


def answer_line(item: Any) -> rx.Component:
    return rx.text(item["question"].to(str), ": ", rx.text.strong(item["answer"].to(str)), size="2")


def booking_card(booking: Any) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.text(booking["when"].to(str), weight="bold"),
                rx.text(booking["kind"].to(str)),
                rx.spacer(),
                rx.match(
                    booking["status"].to(str),
                    ("completed", rx.badge(T["status.completed"], color_scheme="green")),
                    ("no_show", rx.badge(T["status.no_show"], color_scheme="red")),
                    rx.badge(T["status.confirmed"], color_scheme="blue"),
                ),
                width="100%",
                align="center",
            ),
            rx.text(booking["customer"].to(str), " · ", booking["email"].to(str), size="2"),
            rx.cond(
                booking["product"].to(str) != "",
                rx.text(T["staff.product"], ": ", booking["product"].to(str), size="2"),
            ),
            rx.cond(
                booking["from_tour"].to(str) != "",
                rx.text(T["staff.from_tour"], ": ", booking["from_tour"].to(str), size="2"),
            ),
            rx.foreach(booking["answers"].to(list[dict[str, str]]), answer_line),
            rx.cond(
                booking["started"].to(bool) & (booking["status"].to(str) == "confirmed"),
                rx.hstack(
                    rx.button(
                        T["staff.mark_completed"],
                        size="1",
                        variant="soft",
                        on_click=MARK(booking["id"].to(int), "completed"),
                    ),
                    rx.button(
                        T["staff.mark_no_show"],
                        size="1",
                        variant="soft",
                        color_scheme="red",
                        on_click=MARK(booking["id"].to(int), "no_show"),
                    ),
                ),
            ),
            spacing="1",
            width="100%",
        ),
        width="100%",
    )


SET_DAY: Any = StaffState.set_day


def day_row(weekday: int) -> rx.Component:
    wrong = StaffState.week_error_day == weekday
    return rx.hstack(
        rx.text(
            T[f"day.{weekday}"],
            width="7em",
            as_="label",
            custom_attrs={"htmlFor": f"day-{weekday}"},
        ),
        rx.input(
            value=StaffState.week[weekday],
            on_change=lambda text: SET_DAY(weekday, text),
            id=f"day-{weekday}",
            placeholder=T["availability.day_off"],
            width="22em",
            color_scheme=rx.cond(wrong, "red", "gray"),
        ),
        rx.cond(
            wrong, rx.text(T[StaffState.week_error_key], color_scheme="red", size="2", role="alert")
        ),
        align="center",
    )


def availability_section() -> rx.Component:
    return rx.vstack(
        rx.heading(T["availability.title"], size="4"),
        rx.text(T["availability.help"], size="2", color_scheme="gray"),
        *[day_row(d) for d in range(7)],
        rx.hstack(
            rx.button(T["availability.save"], on_click=StaffState.save_week, id="save-hours"),
            rx.cond(
                StaffState.week_saved,
                rx.text(T["availability.saved"], color_scheme="green", id="hours-saved"),
            ),
            align="center",
        ),
        spacing="2",
        width="100%",
        id="availability",
    )


REMOVE_DATE: Any = StaffState.remove_date


def date_row(item: Any) -> rx.Component:
    hours = item["hours"].to(str)
    return rx.hstack(
        rx.text(item["day"].to(str), weight="medium", width="7em"),
        rx.text(rx.cond(hours == "", T["availability.day_off"], hours)),
        rx.button(
            T["availability.remove"],
            size="1",
            variant="ghost",
            color_scheme="red",
            on_click=REMOVE_DATE(item["day"].to(str)),
        ),
        align="center",
    )


def dates_section() -> rx.Component:
    return rx.vstack(
        rx.heading(T["availability.dates_title"], size="4"),
        rx.text(T["availability.dates_help"], size="2", color_scheme="gray"),
        rx.cond(
            has_items(StaffState.dates),
            rx.vstack(rx.foreach(StaffState.dates, date_row), id="special-dates", spacing="1"),
            rx.text(T["availability.no_dates"], size="2"),
        ),
        rx.form(
            rx.hstack(
                rx.input(
                    type="date", name="day", id="special-day", aria_label=T["availability.date"]
                ),
                rx.input(
                    name="hours",
                    id="special-hours",
                    placeholder="10:00-13:00",
                    aria_label=T["availability.hours"],
                ),
                rx.button(T["availability.save_date"], type="submit", id="save-date"),
                align="center",
            ),
            on_submit=StaffState.save_date,
            reset_on_submit=True,
        ),
        notice(StaffState.date_error_key),
        spacing="2",
        width="100%",
    )


def bookings_section() -> rx.Component:
    return rx.vstack(
        rx.heading(T["staff.bookings"], size="4"),
        notice(StaffState.error_key),
        rx.cond(
            has_items(StaffState.bookings),
            rx.vstack(
                rx.foreach(StaffState.bookings, booking_card), width="100%", id="staff-bookings"
            ),
            rx.text(T["staff.no_bookings"]),
        ),
        rx.text(T["staff.calendar_feed"], size="2", color_scheme="gray"),
        rx.code(StaffState.feed_url, id="calendar-feed", size="1"),
        width="100%",
        spacing="3",
    )


def call_row(call: Any) -> rx.Component:
    return rx.table.row(
        rx.table.cell("#" + call["id"].to(str)),
        rx.table.cell(call["since"].to(str)),
        rx.table.cell(
            rx.match(
                call["status"],
                ("waiting", rx.badge(T["status.waiting"], color_scheme="amber")),
                rx.badge(T["status.active"], color_scheme="green"),
            )
        ),
        rx.table.cell(
            rx.link(rx.button(T["staff.join"], size="2"), href="/staff/call/" + call["id"].to(str))
        ),
    )


def staff_page() -> rx.Component:
    return page(
        forbidden_or(
            rx.vstack(
                rx.heading(T["staff.title"], size="7"),
                rx.text(T["staff.hello"], " ", SessionState.staff_name, color_scheme="gray"),
                rx.heading(T["staff.queue"], size="4"),
                rx.cond(
                    has_items(StaffState.calls),
                    rx.table.root(
                        rx.table.body(rx.foreach(StaffState.calls, call_row)), width="100%"
                    ),
                    rx.text(T["staff.queue_empty"], id="queue-empty"),
                ),
                bookings_section(),
                availability_section(),
                dates_section(),
                spacing="4",
                width="100%",
            )
        ),
        on_switch=StaffState.load,
    )


class StaffCallState(rx.State):
    consultation_id: int = 0
    error_key: str = ""
    products: list[dict[str, str]] = []
    payment_sent: bool = False
    viewed: list[dict[str, Any]] = []
    visited: str = ""

    @rx.event
    async def load(self) -> EventSpec | None:
        session_state = await self.get_state(SessionState)
        redirect = session_state.authorise("staff")
        if redirect is not None or session_state.forbidden:
            return redirect
        who = session_state.current_staff()
        raw_id = str(self.router.page.params.get("consultation_id", ""))
        if who is None or not raw_id.isdigit():
            self.error_key = "link.invalid"
            return None
        try:
            with session_scope() as session:
                consultation = join_as_staff(session, int(raw_id), who.staff_id, who.store_id)
                context = (
                    visitor_context(
                        session, consultation.visitor_id, who.store_id, session_state.lang
                    )
                    if consultation.visitor_id
                    else {"products": [], "scenes": []}
                )
                self.viewed, self.visited = context["products"], " · ".join(context["scenes"])
                products = session.scalars(select(Product).order_by(Product.sku)).all()
                self.products = [
                    {"id": str(p.id), "name": localised(p, "name", session_state.lang)}
                    for p in products
                ]
        except (LookupError, PermissionError):
            self.consultation_id, self.error_key = 0, "auth.forbidden"
            return None
        self.error_key, self.consultation_id, self.payment_sent = "", int(raw_id), False
        chat = await self.get_state(ChatState)
        chat.open(self.consultation_id, "staff", who.staff_id)
        await publish_status(self.consultation_id, "active")
        return ChatState.watch

    @rx.event
    async def end_call(self) -> EventSpec:
        with session_scope() as session:
            end(session, self.consultation_id)
        await publish_status(self.consultation_id, "ended")
        return rx.redirect(routes.STAFF)

    @rx.event
    async def request_payment(self, form: dict[str, str]) -> None:
        session_state = await self.get_state(SessionState)
        product_id = form.get("product", "")
        if not product_id.isdigit():
            self.error_key = "error.generic"
            return
        with session_scope() as session:
            _order, message = request_payment_in_call(
                session,
                get_settings().secret_key,
                self.consultation_id,
                session_state.staff_id,
                [(int(product_id), 1)],
            )
            payload = message_dict(message)
        self.payment_sent = True
        await get_broker().publish(chat_topic(self.consultation_id), payload)


def viewed_row(product: Any) -> rx.Component:
    return rx.hstack(
        rx.text(product["name"].to(str), weight="medium"),
        rx.spacer(),
        rx.text(product["price"].to(str)),
        rx.badge("× " + product["times"].to(str), variant="soft"),
        width="100%",
    )


def customer_context() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(T["staff.context_title"], size="4"),
            rx.text(T["staff.context_products"], weight="bold", size="2", color_scheme="gray"),
            rx.cond(
                has_items(StaffCallState.viewed),
                rx.vstack(rx.foreach(StaffCallState.viewed, viewed_row), width="100%", spacing="1"),
                rx.text(T["staff.context_empty"], size="2"),
            ),
            rx.cond(
                StaffCallState.visited != "",
                rx.text(T["staff.context_scenes"], ": ", StaffCallState.visited, size="2"),
            ),
            width="100%",
            spacing="2",
        ),
        width="100%",
        id="customer-context",
    )


def staff_call_page() -> rx.Component:
    return page(
        forbidden_or(
            rx.cond(
                StaffCallState.error_key != "",
                rx.callout(T[StaffCallState.error_key], color_scheme="red", role="alert"),
                rx.grid(
                    rx.vstack(
                        rx.heading(T["call.title"], " #", StaffCallState.consultation_id, size="6"),
                        rx.cond(
                            StaffCallState.consultation_id != 0,
                            call_video(
                                consultation_id=StaffCallState.consultation_id,
                                token="",
                                role=T["call.customer"],
                                unmute_label=T["call.unmute"],
                                connecting_label=T["call.connecting"],
                                failed_label=T["call.could_not_join"],
                            ),
                        ),
                        rx.form(
                            rx.hstack(
                                rx.el.select(
                                    rx.foreach(
                                        StaffCallState.products,
                                        lambda p: rx.el.option(p["name"], value=p["id"]),
                                    ),
                                    name="product",
                                    id="payment-product",
                                ),
                                rx.button(
                                    T["staff.request_payment"], type="submit", id="request-payment"
                                ),
                                rx.spacer(),
                                rx.button(
                                    T["staff.end_call"],
                                    on_click=StaffCallState.end_call,
                                    color_scheme="red",
                                    variant="soft",
                                    id="end-call",
                                ),
                                rx.cond(
                                    StaffCallState.payment_sent,
                                    rx.badge(T["staff.payment_sent"], color_scheme="green"),
                                ),
                                align="center",
                            ),
                            on_submit=StaffCallState.request_payment,
                        ),
                        guided_tour("staff"),
                        width="100%",
                    ),
                    rx.vstack(customer_context(), chat_panel(), width="100%", spacing="4"),
                    columns=rx.breakpoints(initial="1", md="2"),
                    spacing="5",
                    width="100%",
                ),
            )
        ),
    )


ROUTE = routes.STAFF
CALL_ROUTE = routes.STAFF_CALL

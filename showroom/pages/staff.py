"""Staff: presence, the queue of waiting and live calls in their store, bookings and availability.

The call itself is showroom/pages/staff_call.py."""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from typing import Any, cast
from zoneinfo import ZoneInfo

import reflex as rx
from reflex_base.event import EventSpec

from consult.booking.availability import (
    AvailabilityError,
    clear_date,
    dates_of,
    replace_week,
    set_date,
    week_of,
)
from consult.booking.bookings import feed_token, get_booking, mark_outcome
from consult.booking.rules import BookingError
from consult.booking.staff_schedule import upcoming
from consult.calls.consultations import (
    CallNotOpen,
    call_for_booking,
)
from consult.calls.presence import PresenceError, heartbeat, set_presence
from consult.calls.queue import (
    QueueError,
    accept,
    joinable_bookings,
    messages_left,
    queue_for_staff,
)
from consult.calls.transfer import my_calls
from showroom import routes
from showroom.db import session_scope
from showroom.layout import T, forbidden_or, has_items, notice, page
from showroom.models import Store
from showroom.pages.chat import publish_status
from showroom.session_state import SessionState
from showroom.settings import get_settings

QUEUE_REFRESH_S = 3.0


class StaffState(rx.State):
    calls: list[dict[str, Any]] = []
    my_calls: list[dict[str, Any]] = []
    messages: list[dict[str, Any]] = []
    presence: str = "offline"
    queue_error_key: str = ""
    joinable: list[int] = []
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
            token = feed_token(session, settings.secret_key, who.staff_id)
        self.week = [week[d] for d in range(7)]
        self.feed_url = f"{settings.public_url}{routes.calendar_feed(token)}"

    @rx.event
    async def new_feed_link(self) -> None:
        """A new calendar link; the old one (perhaps shared by mistake) stops working."""
        who = (await self.get_state(SessionState)).current_staff()
        if who is None:
            return
        settings = get_settings()
        with session_scope() as session:
            token = feed_token(session, settings.secret_key, who.staff_id, rotate=True)
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

    def _load_queue(self, staff_id: int, store_id: int, lang: str) -> None:
        with session_scope() as session:
            self.presence = heartbeat(session, staff_id)
            self.calls = queue_for_staff(session, staff_id, store_id, lang)
            self.my_calls = my_calls(session, staff_id, store_id)
            self.messages = messages_left(session, staff_id, store_id, lang)
            self.joinable = sorted(joinable_bookings(session, staff_id))

    @rx.event
    async def choose_presence(self, presence: str | list[str]) -> None:
        presence = presence if isinstance(presence, str) else ""
        session_state = await self.get_state(SessionState)
        who = session_state.current_staff()
        if who is None:
            return
        try:
            with session_scope() as session:
                set_presence(session, who.staff_id, presence)
        except PresenceError as error:
            self.queue_error_key = error.key
            return
        self.queue_error_key = ""
        self._load_queue(who.staff_id, who.store_id, session_state.lang)

    @rx.event
    async def accept(self, consultation_id: int) -> EventSpec | None:
        session_state = await self.get_state(SessionState)
        who = session_state.current_staff()
        if who is None:
            return None
        try:
            with session_scope() as session:
                accept(session, consultation_id, who.staff_id, who.store_id)
        except QueueError as error:
            self.queue_error_key = error.key
            self._load_queue(who.staff_id, who.store_id, session_state.lang)
            return None
        self.queue_error_key = ""
        await publish_status(consultation_id, "active")
        return rx.redirect(routes.staff_call(consultation_id))

    @rx.event
    async def start_booked_call(self, booking_id: int) -> EventSpec | None:
        """A booked consultation starts from the staff page at its time."""
        who = (await self.get_state(SessionState)).current_staff()
        if who is None:
            return None
        try:
            with session_scope() as session:
                booking = get_booking(session, booking_id)
                if booking.staff_id != who.staff_id:
                    raise PermissionError(booking_id)
                consultation_id = call_for_booking(session, booking).id
        except CallNotOpen as error:
            self.error_key = error.key
            return None
        except (BookingError, PermissionError, LookupError):
            self.error_key = "auth.forbidden"
            return None
        return rx.redirect(routes.staff_call(consultation_id))

    @rx.event
    async def load(self) -> EventSpec | None:
        session_state = await self.get_state(SessionState)
        redirect = session_state.authorise("staff")
        if redirect is not None or session_state.forbidden:
            return redirect
        who = session_state.current_staff()
        if who is not None:
            self._load_queue(who.staff_id, who.store_id, session_state.lang)
            await self._load_bookings()
        return StaffState.poll

    @rx.event(background=True)
    async def poll(self) -> None:
        """Keeps the queue fresh, and says this member of staff is still here, while the page
        is open."""
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
                    self._load_queue(who.staff_id, who.store_id, session_state.lang)
        finally:
            async with self:
                self._polling = False


# An event with arguments; typed Any because mypy sees Reflex's decorated handler as a namespace.
MARK: Any = StaffState.mark
START_BOOKED: Any = StaffState.start_booked_call
ACCEPT: Any = StaffState.accept
CHOOSE_PRESENCE: Any = StaffState.choose_presence


def answer_line(item: Any) -> rx.Component:
    return rx.text(item["lead"].to(str), rx.text.strong(item["answer"].to(str)), size="2")


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
                cast(Any, StaffState.joinable).contains(booking["id"].to(int)),
                rx.button(
                    T["staff.start_call"],
                    size="2",
                    color_scheme="grass",
                    on_click=START_BOOKED(booking["id"].to(int)),
                    class_name="start-call",
                ),
            ),
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
            width="100%",
            max_width="22em",
            color_scheme=rx.cond(wrong, "red", "gray"),
        ),
        rx.cond(
            wrong, rx.text(T[StaffState.week_error_key], color_scheme="red", size="2", role="alert")
        ),
        align="center",
        width="100%",
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
        rx.code(StaffState.feed_url, id="calendar-feed", size="1", word_break="break-all"),
        rx.button(
            T["staff.feed_rotate"],
            on_click=StaffState.new_feed_link,
            size="1",
            variant="soft",
            id="new-feed-link",
        ),
        rx.text(T["staff.feed_help"], size="1", color_scheme="gray"),
        width="100%",
        spacing="3",
    )


def queue_card(call: Any) -> rx.Component:
    """A waiting customer: how long, and what they were looking at when they called."""
    return rx.card(
        rx.hstack(
            rx.vstack(
                rx.hstack(
                    rx.text(
                        rx.cond(call["name"].to(str) != "", call["name"].to(str), T["queue.guest"]),
                        weight="bold",
                    ),
                    rx.badge(T["language." + call["language"].to(str)], class_name="queue-language"),
                    rx.badge(
                        T["queue.waited"], " ", call["waited_min"].to(str), " ", T["queue.minutes"],
                        color_scheme="amber",
                    ),
                    rx.cond(call["for_me"].to(bool), rx.badge(T["queue.for_you"], color_scheme="blue")),
                    rx.cond(call["booked"].to(bool), rx.badge(T["queue.booked"], color_scheme="grass")),
                    align="center",
                    wrap="wrap",
                ),
                rx.cond(
                    call["product"].to(str) != "",
                    rx.text(T["staff.product"], ": ", rx.text.strong(call["product"].to(str)),
                            rx.cond(call["scene"].to(str) != "", " · " + call["scene"].to(str), ""),
                            size="2"),
                ),
                rx.cond(
                    call["looked_at"].to(str) != "",
                    rx.text(T["staff.context_products"], ": ", call["looked_at"].to(str), size="2",
                            color_scheme="gray"),
                ),
                rx.cond(
                    call["visited"].to(str) != "",
                    rx.text(T["staff.context_scenes"], ": ", call["visited"].to(str), size="2",
                            color_scheme="gray"),
                ),
                spacing="1",
                align="start",
            ),
            rx.spacer(),
            rx.button(
                T["queue.accept"],
                on_click=ACCEPT(call["id"].to(int)),
                color_scheme="grass",
                class_name="accept-call",
                custom_attrs={"data-call": call["id"].to(str)},
            ),
            align="center",
            width="100%",
        ),
        width="100%",
        class_name="queue-call",
        # Keyed by call: a row never turns into another caller under a pressed "Accept".
        key=call["id"].to(str),
    )  # fmt: skip


def my_call_card(call: Any) -> rx.Component:
    return rx.callout.root(
        rx.callout.text(
            rx.vstack(
                rx.cond(
                    call["from"].to(str) != "",
                    rx.text(T["transfer.from"], " ", rx.text.strong(call["from"].to(str))),
                    rx.text(T["staff.your_call"]),
                ),
                rx.cond(
                    call["note"].to(str) != "",
                    rx.text("“", call["note"].to(str), "”", class_name="transfer-note"),
                ),
                rx.link(
                    rx.button(T["staff.join"], color_scheme="grass"),
                    href="/staff/call/" + call["id"].to(str),
                ),
                spacing="2",
            )
        ),
        color_scheme="blue",
        width="100%",
        class_name="my-call",
    )


def left_message(item: Any) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.link(item["email"].to(str), href="mailto:" + item["email"].to(str)),
                rx.cond(item["product"].to(str) != "", rx.badge(item["product"].to(str))),
                rx.spacer(),
                rx.moment(item["at"].to(str), format="MM-DD HH:mm", size="1"),
                width="100%",
                align="center",
            ),
            rx.text(item["body"].to(str), size="2", white_space="pre-wrap"),
            spacing="1",
            width="100%",
        ),
        width="100%",
    )


def presence_switch() -> rx.Component:
    return rx.hstack(
        rx.text(T["presence.label"], weight="medium"),
        rx.segmented_control.root(
            rx.segmented_control.item(T["presence.available"], value="available"),
            rx.segmented_control.item(T["presence.away"], value="away"),
            # Offline (nothing chosen yet, or the page was closed): neither is shown as chosen,
            # so the switch never says "Away" beside an "Offline" badge.
            value=rx.match(StaffState.presence, ("available", "available"), ("away", "away"), ""),
            on_change=CHOOSE_PRESENCE,
            id="presence",
        ),
        rx.box(
            rx.match(
                StaffState.presence,
                ("available", rx.badge(T["presence.available_help"], color_scheme="grass")),
                ("away", rx.badge(T["presence.away_help"], color_scheme="gray")),
                rx.badge(T["presence.offline_help"], color_scheme="amber"),
            ),
            id="presence-badge",
        ),
        align="center",
        spacing="3",
        wrap="wrap",
    )


def queue_section() -> rx.Component:
    return rx.vstack(
        presence_switch(),
        rx.foreach(StaffState.my_calls, my_call_card),
        rx.heading(T["staff.queue"], size="4"),
        notice(StaffState.queue_error_key),
        rx.cond(
            has_items(StaffState.calls),
            rx.vstack(rx.foreach(StaffState.calls, queue_card), width="100%", id="queue"),
            rx.text(T["staff.queue_empty"], id="queue-empty"),
        ),
        rx.cond(
            has_items(StaffState.messages),
            rx.vstack(
                rx.heading(T["queue.messages_left"], size="4"),
                rx.foreach(StaffState.messages, left_message),
                width="100%",
                id="messages-left",
            ),
        ),
        width="100%",
        spacing="3",
    )


def staff_page() -> rx.Component:
    return page(
        forbidden_or(
            rx.vstack(
                rx.heading(T["staff.title"], size="7"),
                rx.text(T["staff.hello"], " ", SessionState.staff_name, color_scheme="gray"),
                queue_section(),
                bookings_section(),
                availability_section(),
                dates_section(),
                spacing="4",
                width="100%",
            )
        ),
        on_switch=StaffState.load,
    )


ROUTE = routes.STAFF

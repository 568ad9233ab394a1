"""Staff: the queue of waiting and live calls in their store, and the call itself."""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from typing import Any, cast
from zoneinfo import ZoneInfo

import reflex as rx
from reflex_base.event import EventSpec

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
from consult.call_context import call_context
from consult.cart import CartError, push_card, request_cart_payment, search_products
from consult.components.call_video import call_video
from consult.consultations import (
    CallNotOpen,
    ChatError,
    call_for_booking,
    chat_topic,
    end,
    event_dict,
    join_as_staff,
    message_dict,
)
from consult.presence import PresenceError, heartbeat, set_presence
from consult.queue import QueueError, accept, joinable_bookings, messages_left, queue_for_staff
from consult.staff_schedule import upcoming
from consult.transfer import TransferError, colleagues, handed_over, my_calls, transfer
from consult.wrap_up import OUTCOMES, WrapUpError, save_notes, save_wrap_up, summary
from showroom import routes
from showroom.components.guided_tour import guided_tour
from showroom.db import session_scope
from showroom.layout import T, forbidden_or, has_items, notice, page
from showroom.models import Store
from showroom.pages.chat import ChatState, cart_panel, chat_panel, publish_status
from showroom.pubsub import get_broker
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
            value=rx.cond(StaffState.presence == "available", "available", "away"),
            on_change=CHOOSE_PRESENCE,
            id="presence",
        ),
        rx.match(
            StaffState.presence,
            ("available", rx.badge(T["presence.available_help"], color_scheme="grass")),
            ("away", rx.badge(T["presence.away_help"], color_scheme="gray")),
            rx.badge(T["presence.offline_help"], color_scheme="amber"),
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


class StaffCallState(rx.State):
    consultation_id: int = 0
    error_key: str = ""
    payment_sent: bool = False
    # The customer, as staff see them during the call.
    context: dict[str, Any] = {}
    viewed: list[dict[str, Any]] = []
    answers: list[dict[str, str]] = []
    past: list[dict[str, str]] = []
    orders: list[dict[str, str]] = []
    handover_note: str = ""
    handover_from: str = ""
    notes: str = ""
    notes_saved: bool = False
    notes_error_key: str = ""
    query: str = ""
    results: list[dict[str, str]] = []
    action_error_key: str = ""
    colleagues: list[dict[str, str]] = []
    transfer_error_key: str = ""
    summary: dict[str, Any] = {}
    transcript: list[dict[str, str]] = []
    outcome: str = ""
    wrap_up_error_key: str = ""

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
        lang = session_state.lang
        try:
            with session_scope() as session:
                consultation = join_as_staff(session, int(raw_id), who.staff_id, who.store_id)
                ended = consultation.status == "ended"
                self._load_context(session, consultation.id, lang)
                self.notes, self.outcome = consultation.notes, consultation.outcome or ""
                handover = handed_over(session, consultation.id)
                mine = handover is not None and handover["to_staff_id"] == who.staff_id
                self.handover_from = handover["from"] if handover and mine else ""
                self.handover_note = handover["note"] if handover and mine else ""
                self.results = search_products(session, "", lang)
                self.colleagues = colleagues(session, who.store_id, who.staff_id)
                if ended:
                    self._load_summary(session, consultation.id, lang)
        except (LookupError, PermissionError):
            self.consultation_id, self.error_key = 0, "auth.forbidden"
            return None
        self.error_key, self.consultation_id, self.payment_sent = "", int(raw_id), False
        self.notes_saved, self.notes_error_key, self.action_error_key = False, "", ""
        self.transfer_error_key, self.wrap_up_error_key, self.query = "", "", ""
        chat = await self.get_state(ChatState)
        chat.open(self.consultation_id, "staff", who.staff_id)
        if not ended:
            await publish_status(self.consultation_id, "active")
        return ChatState.watch

    def _load_context(self, session: Any, consultation_id: int, lang: str) -> None:
        context = call_context(session, consultation_id, lang)
        self.viewed, self.answers = context.pop("viewed"), context.pop("answers")
        self.past, self.orders = context.pop("past"), context.pop("orders")
        self.context = context

    def _load_summary(self, session: Any, consultation_id: int, lang: str) -> None:
        result = summary(session, consultation_id, lang)
        self.transcript = result.pop("transcript")
        result["products"] = " · ".join(result["products"])
        result["orders"] = " · ".join(f"#{o['id']} {o['total']}" for o in result["orders"])
        self.summary = result

    async def _who(self) -> tuple[int, int, str]:
        session_state = await self.get_state(SessionState)
        who = session_state.current_staff()
        if who is None:
            raise PermissionError("not logged in")
        return who.staff_id, who.store_id, session_state.lang

    @rx.event
    async def save_notes(self, notes: str) -> None:
        """Called as the staff member types (debounced): notes are never lost."""
        self.notes = notes
        staff_id, _store_id, _lang = await self._who()
        try:
            with session_scope() as session:
                save_notes(session, self.consultation_id, staff_id, notes)
        except WrapUpError as error:
            self.notes_error_key, self.notes_saved = error.key, False
            return
        except (LookupError, PermissionError):
            self.notes_error_key, self.notes_saved = "auth.forbidden", False
            return
        self.notes_error_key, self.notes_saved = "", True

    @rx.event
    async def search(self, query: str) -> None:
        self.query = query
        _staff_id, _store_id, lang = await self._who()
        with session_scope() as session:
            self.results = search_products(session, query, lang)

    @rx.event
    async def push_card(self, product_id: str | int) -> None:
        staff_id, _store_id, _lang = await self._who()
        product_id = str(product_id)
        if not product_id.isdigit():
            return
        try:
            with session_scope() as session:
                payload = message_dict(
                    push_card(session, self.consultation_id, staff_id, int(product_id))
                )
        except ChatError as error:
            self.action_error_key = error.key
            return
        except LookupError:
            self.action_error_key = "error.generic"
            return
        self.action_error_key = ""
        await get_broker().publish(chat_topic(self.consultation_id), payload)

    @rx.event
    async def request_payment(self) -> None:
        staff_id, _store_id, _lang = await self._who()
        try:
            with session_scope() as session:
                payload = message_dict(
                    request_cart_payment(
                        session, get_settings().secret_key, self.consultation_id, staff_id
                    )
                )
        except CartError as error:
            self.action_error_key = error.key
            return
        self.action_error_key, self.payment_sent = "", True
        await get_broker().publish(chat_topic(self.consultation_id), payload)
        await get_broker().publish(chat_topic(self.consultation_id), {"kind": "cart"})

    @rx.event
    async def refresh_colleagues(self) -> None:
        staff_id, store_id, _lang = await self._who()
        with session_scope() as session:
            self.colleagues = colleagues(session, store_id, staff_id)

    @rx.event
    async def transfer(self, form: dict[str, str]) -> EventSpec | None:
        staff_id, store_id, _lang = await self._who()
        target = form.get("to", "")
        if not target.isdigit():
            self.transfer_error_key = "transfer.choose"
            return None
        try:
            with session_scope() as session:
                event = event_dict(
                    transfer(
                        session, self.consultation_id, staff_id, int(target), form.get("note", "")
                    )
                )
        except TransferError as error:
            self.transfer_error_key = error.key
            with session_scope() as session:
                self.colleagues = colleagues(session, store_id, staff_id)
            return None
        await get_broker().publish(chat_topic(self.consultation_id), event)
        (await self.get_state(ChatState)).consultation_id = 0  # stop listening to this call
        return rx.redirect(routes.STAFF)

    @rx.event
    async def end_call(self) -> None:
        _staff_id, _store_id, lang = await self._who()
        with session_scope() as session:
            end(session, self.consultation_id, role="staff")
            self._load_summary(session, self.consultation_id, lang)
        await publish_status(self.consultation_id, "ended")
        (await self.get_state(ChatState)).call_status = "ended"

    @rx.event
    def choose_outcome(self, outcome: str) -> None:
        self.outcome = outcome

    @rx.event
    async def save_wrap_up(self) -> EventSpec | None:
        staff_id, _store_id, _lang = await self._who()
        try:
            with session_scope() as session:
                save_wrap_up(session, self.consultation_id, staff_id, self.outcome, self.notes)
        except WrapUpError as error:
            self.wrap_up_error_key = error.key
            return None
        except (LookupError, PermissionError):
            self.wrap_up_error_key = "auth.forbidden"
            return None
        return rx.redirect(routes.STAFF)


PUSH_CARD: Any = StaffCallState.push_card


def viewed_row(product: Any) -> rx.Component:
    return rx.hstack(
        rx.text(product["name"].to(str), weight="medium"),
        rx.spacer(),
        rx.text(product["price"].to(str)),
        rx.badge("× " + product["times"].to(str), variant="soft"),
        width="100%",
    )


def past_row(item: Any) -> rx.Component:
    return rx.text(
        item["when"].to(str), " · ", item["staff"].to(str), " · ", item["outcome"].to(str), size="2"
    )


def order_row(item: Any) -> rx.Component:
    return rx.text(
        "#", item["id"].to(str), " ", item["when"].to(str), " · ", item["total"].to(str),
        " · ", item["status"].to(str), size="2",
    )  # fmt: skip


def labelled(key: str, value: Any) -> rx.Component:
    return rx.cond(
        value != "",
        rx.text(
            rx.text.span(T[key], ": ", color="var(--gray-11)"), rx.text.strong(value), size="2"
        ),
    )


def customer_context() -> rx.Component:
    context = StaffCallState.context
    return rx.card(
        rx.vstack(
            rx.heading(T["staff.context_title"], size="4"),
            rx.cond(
                StaffCallState.handover_from != "",
                rx.callout(
                    rx.text(
                        T["transfer.from"],
                        " ",
                        rx.text.strong(StaffCallState.handover_from),
                        rx.cond(
                            StaffCallState.handover_note != "",
                            ": “" + StaffCallState.handover_note + "”",
                            "",
                        ),
                    ),
                    color_scheme="blue",
                    size="1",
                    width="100%",
                    id="handover",
                ),
            ),
            labelled("context.name", context["name"].to(str)),
            labelled("context.email", context["email"].to(str)),
            rx.foreach(StaffCallState.answers, answer_line),
            labelled("context.came_for", context["product"].to(str)),
            labelled("context.view", context["view"].to(str)),
            rx.text(T["staff.context_products"], weight="bold", size="2", color_scheme="gray"),
            rx.cond(
                has_items(StaffCallState.viewed),
                rx.vstack(rx.foreach(StaffCallState.viewed, viewed_row), width="100%", spacing="1"),
                rx.text(T["staff.context_empty"], size="2"),
            ),
            labelled("staff.context_scenes", context["scenes"].to(str)),
            rx.cond(
                has_items(StaffCallState.past),
                rx.vstack(
                    rx.text(T["context.past"], weight="bold", size="2", color_scheme="gray"),
                    rx.foreach(StaffCallState.past, past_row),
                    rx.foreach(StaffCallState.orders, order_row),
                    spacing="1",
                ),
            ),
            rx.text(T["context.notes"], weight="bold", size="2", color_scheme="gray"),
            rx.debounce_input(
                rx.text_area(
                    value=StaffCallState.notes,
                    on_change=StaffCallState.save_notes,
                    placeholder=T["context.notes_help"],
                    id="call-notes",
                    width="100%",
                    rows="3",
                ),
                debounce_timeout=600,
            ),
            rx.cond(
                StaffCallState.notes_error_key != "",
                rx.text(
                    T[StaffCallState.notes_error_key], color_scheme="red", size="1", role="alert"
                ),
                rx.cond(
                    StaffCallState.notes_saved,
                    rx.text(
                        T["context.notes_saved"], size="1", color_scheme="green", id="notes-saved"
                    ),
                ),
            ),
            width="100%",
            spacing="2",
        ),
        width="100%",
        id="customer-context",
    )


def result_row(product: Any) -> rx.Component:
    return rx.hstack(
        rx.text(product["name"].to(str), size="2"),
        rx.text(product["sku"].to(str), size="1", color_scheme="gray"),
        rx.spacer(),
        rx.text(product["price"].to(str), size="2"),
        rx.button(
            T["staff.show_product"],
            size="1",
            variant="soft",
            on_click=PUSH_CARD(product["id"].to(str)),
            class_name="push-card",
        ),
        width="100%",
        align="center",
    )


def products_panel() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(T["staff.products"], size="3"),
            rx.input(
                value=StaffCallState.query,
                on_change=StaffCallState.search,
                placeholder=T["staff.search_products"],
                aria_label=T["staff.search_products"],
                id="product-search",
                width="100%",
                debounce_timeout=300,
            ),
            rx.vstack(
                rx.foreach(StaffCallState.results, result_row),
                width="100%",
                spacing="1",
                max_height="220px",
                overflow_y="auto",
                id="product-results",
            ),
            notice(StaffCallState.action_error_key),
            width="100%",
            spacing="2",
        ),
        width="100%",
    )


def transfer_panel() -> rx.Component:
    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading(T["transfer.title"], size="3"),
                rx.cond(
                    has_items(StaffCallState.colleagues),
                    rx.el.select(
                        rx.el.option(T["transfer.choose"], value=""),
                        rx.foreach(
                            StaffCallState.colleagues,
                            lambda c: rx.el.option(c["name"], value=c["id"]),
                        ),
                        name="to",
                        id="transfer-to",
                        aria_label=T["transfer.title"],
                    ),
                    rx.text(T["transfer.nobody"], size="2", color_scheme="gray"),
                ),
                rx.input(
                    name="note",
                    placeholder=T["transfer.note"],
                    aria_label=T["transfer.note"],
                    max_length=500,
                    id="transfer-note",
                    width="100%",
                ),
                rx.hstack(
                    rx.button(
                        T["transfer.send"],
                        type="submit",
                        id="transfer",
                        disabled=~has_items(StaffCallState.colleagues),
                    ),
                    rx.button(
                        T["transfer.refresh"],
                        type="button",
                        variant="ghost",
                        on_click=StaffCallState.refresh_colleagues,
                    ),
                ),
                notice(StaffCallState.transfer_error_key),
                width="100%",
                spacing="2",
            ),
            on_submit=StaffCallState.transfer,
            width="100%",
        ),
        width="100%",
    )


def transcript_row(line: Any) -> rx.Component:
    return rx.text(
        rx.text.span(line["at"].to(str), " ", color="var(--gray-10)"),
        rx.text.strong(
            rx.cond(line["sender"] == "staff", line["who"].to(str), T["call.customer"]), ": "
        ),
        line["body"].to(str),
        size="2",
        white_space="pre-wrap",
    )


def wrap_up_panel() -> rx.Component:
    summary_var = StaffCallState.summary
    return rx.card(
        rx.vstack(
            rx.heading(T["wrap_up.title"], size="5"),
            rx.callout(T["call.ended"], id="call-ended", width="100%"),
            rx.hstack(
                labelled("wrap_up.duration", summary_var["duration"].to(str)),
                labelled("wrap_up.products", summary_var["products"].to(str)),
                labelled("wrap_up.orders", summary_var["orders"].to(str)),
                spacing="5",
                wrap="wrap",
            ),
            rx.text(T["wrap_up.outcome"], weight="bold"),
            rx.radio_group.root(
                rx.hstack(
                    *[rx.radio_group.item(T[f"outcome.{o}"], value=o) for o in OUTCOMES],
                    spacing="4",
                ),
                value=StaffCallState.outcome,
                on_change=StaffCallState.choose_outcome,
                id="outcome",
            ),
            rx.text(T["context.notes"], weight="bold"),
            rx.debounce_input(
                rx.text_area(
                    value=StaffCallState.notes,
                    on_change=StaffCallState.save_notes,
                    id="wrap-up-notes",
                    width="100%",
                    rows="4",
                ),
                debounce_timeout=600,
            ),
            notice(StaffCallState.wrap_up_error_key),
            rx.button(T["wrap_up.save"], on_click=StaffCallState.save_wrap_up, id="save-wrap-up"),
            rx.text(T["wrap_up.transcript"], weight="bold"),
            rx.vstack(
                rx.foreach(StaffCallState.transcript, transcript_row),
                spacing="1",
                id="transcript",
                width="100%",
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
        id="wrap-up",
    )


def call_tools() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.spacer(),
            rx.button(
                T["staff.end_call"],
                on_click=StaffCallState.end_call,
                color_scheme="red",
                variant="soft",
                id="end-call",
            ),
            width="100%",
        ),
        products_panel(),
        cart_panel(
            rx.hstack(
                rx.button(
                    T["staff.request_payment"],
                    on_click=StaffCallState.request_payment,
                    id="request-payment",
                    color_scheme="grass",
                ),
                rx.cond(
                    StaffCallState.payment_sent,
                    rx.badge(T["staff.payment_sent"], color_scheme="green"),
                ),
                align="center",
            )
        ),
        transfer_panel(),
        width="100%",
        spacing="3",
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
                        rx.cond(ChatState.call_status == "ended", wrap_up_panel()),
                        rx.cond(
                            (StaffCallState.consultation_id != 0)
                            & (ChatState.call_status != "ended"),
                            call_video(
                                consultation_id=StaffCallState.consultation_id,
                                token="",
                                role=T["call.customer"],
                                id="call-media",
                            ),
                        ),
                        rx.cond(ChatState.call_status != "ended", call_tools()),
                        width="100%",
                    ),
                    rx.vstack(
                        guided_tour("staff"),
                        customer_context(),
                        chat_panel(),
                        width="100%",
                        spacing="4",
                    ),
                    columns=rx.breakpoints(initial="1", md="2"),
                    spacing="5",
                    width="100%",
                ),
            )
        ),
    )


ROUTE = routes.STAFF
CALL_ROUTE = routes.STAFF_CALL

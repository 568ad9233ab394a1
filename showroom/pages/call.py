"""The customer's side of a call, reached by a signed link: queue, video, audio and chat."""

from __future__ import annotations

import asyncio
import math
from typing import Any, cast

import reflex as rx
from reflex_base.event import EventSpec

from consult.calls.after_call import customer_summary
from consult.calls.consultations import ChatError, chat_topic, consultation_for_link, message_dict
from consult.calls.intro import StaffFace, staff_face
from consult.calls.queue import QueueError, give_up, leave_message, mark_unanswered, place_in_queue
from consult.components.call_video import call_video
from consult.models import Consultation
from showroom import routes
from showroom.components.guided_tour import guided_tour
from showroom.db import session_scope
from showroom.identity import LinkError
from showroom.layout import T, page
from showroom.models import Store
from showroom.pages.call_recording import RecordingState, customer_recording, recording_badge
from showroom.pages.chat import ChatState, cart_panel, chat_panel, publish_status
from showroom.pages.rating import rating_panel
from showroom.pages.step_in import customer_notice
from showroom.pubsub import get_broker
from showroom.session_state import SessionState
from showroom.settings import get_settings

QUEUE_REFRESH_S = 2.0


class WaitingPages:
    """How many open pages each waiting caller has (in this process).

    Reflex cancels a page's watcher when its browser disconnects, and a reload or reconnect
    starts a new one; a caller with no page open for a while has closed it and leaves the
    queue, so staff never accept an empty call.
    """

    def __init__(self) -> None:
        self._open: dict[int, int] = {}

    def opened(self, consultation_id: int) -> None:
        self._open[consultation_id] = self._open.get(consultation_id, 0) + 1

    def closed(self, consultation_id: int) -> None:
        left = self._open.pop(consultation_id, 0) - 1
        if left > 0:
            self._open[consultation_id] = left

    def is_open(self, consultation_id: int) -> bool:
        return consultation_id in self._open

    async def leave_if_not_back(self, consultation_id: int, after_s: float) -> None:
        await asyncio.sleep(after_s)
        if self.is_open(consultation_id):
            return
        with session_scope() as session:
            ended = give_up(session, consultation_id, reason="gone")
        if ended:
            await publish_status(consultation_id, "ended")


WAITING = WaitingPages()
_leaving: set[asyncio.Task[None]] = set()  # strong references until they are done


class CallState(rx.State):
    token: str = ""
    consultation_id: int = 0
    error_key: str = ""
    # The walk-in queue, while waiting: place, estimate (minutes; -1 unknown), time waited.
    position: int = 0
    estimate_min: int = -1
    requested_staff: str = ""
    moved: bool = False
    unanswered: bool = False
    booking_url: str = ""
    message_left: bool = False
    queue_error_key: str = ""
    # Who serves the customer (or whom they wait for): name and photo URL, "" if nobody yet.
    staff_name: str = ""
    staff_photo: str = ""
    staff_joined: bool = False
    # Once the call has ended: whom they spoke to, products shown, orders, book again.
    summary: dict[str, Any] = {
        "staff": "",
        "photo": "",
        "products": [],
        "orders": [],
        "book_again": "",
    }
    _queue_watching: bool = False
    _staff_watching: int = 0

    @rx.event
    async def load(self) -> list[EventSpec] | None:
        self.token = routes.path_params(routes.CALL, self.router.url.path).get("call_token", "")
        try:
            with session_scope() as session:
                consultation = consultation_for_link(session, get_settings().secret_key, self.token)
                self.consultation_id, status = consultation.id, consultation.status
                store = session.get(Store, consultation.store_id)
                self.booking_url = routes.book(store.slug, consultation.product_id) if store else ""
                self._show_staff(staff_face(session, consultation))
        except LinkError as error:
            self.consultation_id, self.error_key = 0, error.key
            return None
        except LookupError:
            self.consultation_id, self.error_key = 0, "link.invalid"
            return None
        self.error_key, self.queue_error_key, self.message_left = "", "", False
        chat = await self.get_state(ChatState)
        chat.open(self.consultation_id, "customer")
        chat.call_status = status  # known now; the watcher keeps it current
        recording = await self.get_state(RecordingState)
        await recording._open_customer(self.consultation_id, self.token)
        return [
            ChatState.watch,
            CallState.watch_queue,
            CallState.watch_staff,
            RecordingState.watch,
        ]

    def _read_place(self) -> bool:
        """Refresh the queue place; False once the call is no longer waiting."""
        with session_scope() as session:
            place = place_in_queue(
                session, self.consultation_id, answer_within_s=get_settings().queue_answer_s
            )
            if place.unanswered and not self.unanswered:
                mark_unanswered(session, self.consultation_id)
            consultation = session.get(Consultation, self.consultation_id)
            if consultation is not None:
                self._show_staff(staff_face(session, consultation))
        self.position, self.requested_staff, self.moved = (
            place.position,
            place.requested_staff,
            place.moved,
        )
        self.unanswered = place.unanswered
        self.estimate_min = -1 if place.estimate_s is None else math.ceil(place.estimate_s / 60)
        return place.status == "waiting"

    @rx.event(background=True)
    async def watch_staff(self) -> None:
        """A transfer or a join changes who serves the customer: show the new name and photo."""
        async with self:
            consultation_id = self.consultation_id
            if not consultation_id or self._staff_watching == consultation_id:
                return
            self._staff_watching = consultation_id
        try:
            async with get_broker().subscribe(chat_topic(consultation_id)) as changes:
                while True:
                    item = await changes.get()
                    if item.get("kind") not in ("event", "status"):
                        continue
                    async with self:
                        if self.consultation_id != consultation_id:
                            return
                        with session_scope() as session:
                            call = session.get(Consultation, consultation_id)
                            if call is not None:
                                self._show_staff(staff_face(session, call))
                    if item.get("status") == "ended":
                        return
        finally:
            async with self:
                if self._staff_watching == consultation_id:
                    self._staff_watching = 0

    def _show_staff(self, face: StaffFace) -> None:
        self.staff_name, self.staff_joined = face.name, face.joined
        self.staff_photo = f"{routes.MEDIA}/{face.photo}" if face.photo else ""

    @rx.event(background=True)
    async def watch_queue(self) -> None:
        """Keeps the place in the queue and the estimate current while the customer waits."""
        async with self:
            if self._queue_watching or not self.consultation_id:
                return
            self._queue_watching = True
            consultation_id = self.consultation_id
        WAITING.opened(consultation_id)
        try:
            while True:
                async with self:
                    if self.consultation_id != consultation_id or not self._read_place():
                        return
                await asyncio.sleep(QUEUE_REFRESH_S)
        except asyncio.CancelledError:
            # The page went (closed, or navigated away): leave the queue unless it comes back.
            task = asyncio.create_task(
                WAITING.leave_if_not_back(consultation_id, get_settings().queue_gone_s)
            )
            _leaving.add(task)
            task.add_done_callback(_leaving.discard)
            raise
        finally:
            WAITING.closed(consultation_id)
            async with self:
                self._queue_watching = False

    @rx.event
    async def load_summary(self) -> None:
        if not self.consultation_id:
            return
        lang = (await self.get_state(SessionState)).lang
        settings = get_settings()
        with session_scope() as session:
            self.summary = customer_summary(
                session,
                self.consultation_id,
                lang,
                key=settings.secret_key,
                base_url=settings.public_url,
            )

    @rx.event
    async def leave_message(self, form: dict[str, str]) -> None:
        try:
            with session_scope() as session:
                message = leave_message(
                    session,
                    self.consultation_id,
                    form.get("email", ""),
                    form.get("message", ""),
                )
                payload = message_dict(message)
        except (QueueError, ChatError) as error:
            self.queue_error_key = error.key
            return
        self.queue_error_key, self.message_left = "", True
        await get_broker().publish(chat_topic(self.consultation_id), payload)
        await publish_status(self.consultation_id, "ended")

    @rx.event
    async def leave_queue(self) -> EventSpec:
        with session_scope() as session:
            give_up(session, self.consultation_id)
        await publish_status(self.consultation_id, "ended")
        return rx.redirect(routes.INDEX)


def queue_panel() -> rx.Component:
    """Where the customer stands while waiting, and what else they can do."""
    return rx.vstack(
        rx.callout(T["call.waiting"], id="call-waiting", width="100%"),
        rx.cond(
            CallState.moved,
            rx.callout(T["queue.moved"], color_scheme="amber", id="queue-moved", width="100%"),
        ),
        rx.cond(
            CallState.position > 0,
            rx.hstack(
                rx.cond(
                    CallState.requested_staff != "",
                    rx.badge(T["queue.waiting_for"], " ", CallState.requested_staff),
                ),
                rx.text(
                    T["queue.position"],
                    " ",
                    rx.text.strong(CallState.position),
                    id="queue-position",
                ),
                rx.text(
                    rx.cond(
                        CallState.estimate_min < 0,
                        T["queue.nobody_available"],
                        rx.cond(
                            CallState.estimate_min == 0,
                            T["queue.any_moment"],
                            T["queue.estimate"]
                            + " "
                            + cast(Any, CallState.estimate_min).to(str)
                            + " "
                            + T["queue.minutes"],
                        ),
                    ),
                    id="queue-estimate",
                    color_scheme="gray",
                ),
                spacing="4",
                align="center",
                wrap="wrap",
            ),
        ),
        rx.cond(CallState.unanswered, unanswered_offer()),
        rx.button(
            T["queue.leave"],
            variant="ghost",
            color_scheme="gray",
            size="1",
            on_click=CallState.leave_queue,
            id="leave-queue",
        ),
        width="100%",
        spacing="3",
        id="queue",
    )


def unanswered_offer() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(T["queue.no_answer_title"], size="3"),
            rx.text(T["queue.no_answer_help"], size="2"),
            rx.link(
                rx.button(T["queue.book_instead"], variant="soft"),
                href=CallState.booking_url,
                id="book-instead",
            ),
            rx.form(
                rx.vstack(
                    rx.input(
                        name="email",
                        type="email",
                        placeholder=T["queue.email"],
                        aria_label=T["queue.email"],
                        id="message-email",
                        width="100%",
                    ),
                    rx.text_area(
                        name="message",
                        placeholder=T["queue.message"],
                        aria_label=T["queue.message"],
                        id="message-body",
                        width="100%",
                    ),
                    rx.button(T["queue.send_message"], type="submit", id="message-send"),
                    width="100%",
                ),
                on_submit=CallState.leave_message,
                width="100%",
            ),
            rx.cond(
                CallState.queue_error_key != "",
                rx.text(T[CallState.queue_error_key], color_scheme="red", role="alert", size="2"),
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
        id="no-answer",
    )


def summary_product(product: Any) -> rx.Component:
    return rx.cond(
        product["tour"].to(str) != "",
        rx.link(product["name"].to(str), href=product["tour"].to(str), class_name="shown-product"),
        rx.text(product["name"].to(str), class_name="shown-product"),
    )


def summary_order(order: Any) -> rx.Component:
    return rx.hstack(
        rx.text("#", order["number"].to(str), weight="bold"),
        rx.text(order["total"].to(str)),
        rx.badge(
            T[order["state_key"].to(str)],
            color_scheme=rx.match(
                order["state"].to(str), ("paid", "grass"), ("awaiting", "blue"), "gray"
            ),
        ),
        rx.cond(
            order["link"].to(str) != "",
            rx.link(
                rx.button(T["call.pay"], size="1", color_scheme="grass"),
                href=order["link"].to(str),
                is_external=True,
                class_name="summary-pay",
            ),
        ),
        align="center",
        spacing="2",
        wrap="wrap",
        class_name="summary-order",
    )


def after_call() -> rx.Component:
    """The call has ended: a short summary instead of a bare "ended"."""
    summary = CallState.summary
    products = summary["products"].to(list[dict[str, str]])
    orders = summary["orders"].to(list[dict[str, str]])
    return rx.card(
        rx.vstack(
            rx.text(T["call.ended"], weight="bold", id="call-ended"),
            rx.cond(
                summary["staff"].to(str) != "",
                rx.hstack(
                    rx.avatar(
                        src=summary["photo"].to(str),
                        fallback=summary["staff"].to(str)[:1],
                        size="3",
                        radius="full",
                        custom_attrs={"alt": ""},  # decorative: the name is beside it
                    ),
                    rx.text(T["after.spoke_with"], " ", rx.text.strong(summary["staff"].to(str))),
                    align="center",
                    id="summary-staff",
                ),
            ),
            rx.cond(
                products.length() > 0,
                rx.vstack(
                    rx.text(T["after.products"], size="2", color_scheme="gray"),
                    rx.foreach(products, summary_product),
                    spacing="1",
                    id="summary-products",
                ),
            ),
            rx.cond(
                orders.length() > 0,
                rx.vstack(
                    rx.text(T["after.orders"], size="2", color_scheme="gray"),
                    rx.foreach(orders, summary_order),
                    spacing="2",
                    id="summary-orders",
                ),
            ),
            rx.cond(
                summary["book_again"].to(str) != "",
                rx.link(
                    rx.button(T["after.book_again"], variant="soft"),
                    href=summary["book_again"].to(str),
                    id="book-again",
                ),
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
        id="call-summary",
        on_mount=CallState.load_summary,
    )


def staff_card() -> rx.Component:
    """The member of staff, by name and photo: the one talking, or the one awaited."""
    return rx.cond(
        (CallState.staff_name != "") & (ChatState.call_status != "ended"),
        rx.hstack(
            rx.avatar(
                src=CallState.staff_photo,
                fallback=cast(Any, CallState.staff_name)[:1],
                size="4",
                radius="full",
                custom_attrs={"alt": ""},  # decorative: the name is beside it
            ),
            rx.vstack(
                rx.text(
                    rx.cond(
                        CallState.staff_joined, T["call.talking_with"], T["call.waiting_for_named"]
                    ),
                    size="1",
                    color_scheme="gray",
                ),
                rx.text(CallState.staff_name, weight="bold", id="call-staff-name"),
                spacing="0",
            ),
            align="center",
            spacing="3",
            id="call-staff",
        ),
    )


def call_page() -> rx.Component:
    return page(
        rx.cond(
            CallState.error_key != "",
            rx.callout(T[CallState.error_key], color_scheme="red", role="alert", id="call-error"),
            rx.cond(
                CallState.consultation_id != 0,
                rx.grid(
                    rx.vstack(
                        rx.hstack(
                            rx.heading(T["call.title"], size="6"),
                            recording_badge(),
                            align="center",
                            wrap="wrap",
                        ),
                        staff_card(),
                        customer_recording(),
                        rx.cond(ChatState.call_status == "waiting", queue_panel()),
                        rx.cond(
                            ChatState.call_status == "ended",
                            rx.cond(
                                CallState.message_left,
                                rx.callout(
                                    T["queue.message_sent"], color_scheme="green", id="message-left"
                                ),
                                after_call(),
                            ),
                            call_video(
                                consultation_id=CallState.consultation_id,
                                token=CallState.token,
                                role=rx.cond(
                                    CallState.staff_name != "",
                                    CallState.staff_name,
                                    T["call.staff"],
                                ),
                                peer_name=CallState.staff_name,
                                peer_photo=CallState.staff_photo,
                                id="call-media",
                            ),
                        ),
                        rx.cond(
                            ChatState.call_status == "active",
                            customer_notice(CallState.consultation_id, CallState.token),
                        ),
                        rx.cond(ChatState.call_status == "ended", rating_panel(CallState.token)),
                        cart_panel(),
                        width="100%",
                    ),
                    guided_tour("customer"),
                    chat_panel(),
                    columns=rx.breakpoints(initial="1", md="2"),
                    spacing="5",
                    width="100%",
                ),
                rx.spinner(),
            ),
        ),
    )


ROUTE = routes.CALL

"""Staff in a call: video, chat, the customer's context, products and cart, guided tour,
transfer, and the wrap-up."""

from __future__ import annotations

import contextlib
from typing import Any

import reflex as rx
from reflex_base.event import EventSpec

from consult.calls.consultations import ChatError, chat_topic, end, event_dict, message_dict
from consult.calls.context import call_context
from consult.calls.in_charge import HandedOn, staff_in_charge
from consult.calls.queue import join_as_staff
from consult.calls.transfer import TransferError, colleagues, handed_over, transfer
from consult.calls.wrap_up import OUTCOMES, WrapUpError, save_notes, save_wrap_up, summary
from consult.commerce.cart import CartError, push_card, request_cart_payment, search_products
from consult.commerce.effects import publish as publish_commerce
from consult.commerce.effects import take_effects
from consult.components.call_video import call_video
from consult.media.desk import get_desk
from showroom import routes
from showroom.choices import chosen_text
from showroom.components.guided_tour import guided_tour
from showroom.db import session_scope
from showroom.layout import T, forbidden_or, has_items, notice, page
from showroom.pages.call_recording import RecordingState, recording_badge, staff_recording
from showroom.pages.chat import ChatState, cart_panel, chat_panel, publish_status
from showroom.pages.staff import answer_line
from showroom.pages.step_in import staff_notice
from showroom.pubsub import get_broker
from showroom.session_state import SessionState
from showroom.settings import get_settings


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
    async def load(self) -> EventSpec | list[Any] | None:
        session_state = await self.get_state(SessionState)
        redirect = session_state.authorise("staff")
        if redirect is not None or session_state.forbidden:
            return redirect
        who = session_state.current_staff()
        raw_id = routes.last_segment(self.router.url.path)
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
            recording = await self.get_state(RecordingState)
            await recording._open_staff(self.consultation_id, who.staff_id, who.store_id)
        return [ChatState.watch, RecordingState.watch]

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

    async def _in_charge(self) -> tuple[int, int, str] | None:
        """Who acts, if the call is theirs at this moment (not when the page was loaded);
        otherwise the page says it was handed on and stops listening to the call."""
        staff_id, store_id, lang = await self._who()
        try:
            with session_scope() as session:
                staff_in_charge(session, self.consultation_id, staff_id)
        except (LookupError, PermissionError):
            await self._handed_on()
            return None
        return staff_id, store_id, lang

    async def _handed_on(self) -> None:
        self.error_key, self.consultation_id = "call.handed_on", 0
        (await self.get_state(ChatState)).consultation_id = 0

    @rx.event
    async def save_notes(self, notes: str) -> None:
        """Called as the staff member types (debounced): notes are never lost."""
        self.notes = notes
        if (acting := await self._in_charge()) is None:
            return
        staff_id = acting[0]
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
        product_id = str(product_id)
        if not product_id.isdigit() or (acting := await self._in_charge()) is None:
            return
        staff_id = acting[0]
        try:
            with session_scope() as session:
                payload = message_dict(
                    push_card(session, self.consultation_id, staff_id, int(product_id))
                )
        except ChatError as error:
            self.action_error_key = error.key
            return
        except HandedOn:
            await self._handed_on()
            return
        except LookupError:
            self.action_error_key = "error.generic"
            return
        self.action_error_key = ""
        await get_broker().publish(chat_topic(self.consultation_id), payload)

    @rx.event
    async def request_payment(self) -> None:
        """Hold the cart's stock and send its pay link; refused, naming what is short, when
        another customer holds or bought the last units."""
        if (acting := await self._in_charge()) is None:
            return
        staff_id, _store_id, lang = acting
        chat = await self.get_state(ChatState)
        try:
            with session_scope() as session:
                payload = message_dict(
                    request_cart_payment(
                        session, get_settings().secret_key, self.consultation_id, staff_id, lang
                    )
                )
                effects = take_effects(session)
        except CartError as error:
            if error.key == "cart.empty" and self.payment_sent:
                return  # a second click on the request just sent: the cart went with it
            chat.cart_error_key, chat.cart_error_detail = error.key, error.detail
            return
        chat.cart_error_key, chat.cart_error_detail = "", ""
        self.action_error_key, self.payment_sent = "", True
        await get_broker().publish(chat_topic(self.consultation_id), payload)
        await get_broker().publish(chat_topic(self.consultation_id), {"kind": "cart"})
        await publish_commerce(effects)

    @rx.event
    async def refresh_colleagues(self) -> None:
        staff_id, store_id, _lang = await self._who()
        with session_scope() as session:
            self.colleagues = colleagues(session, store_id, staff_id)

    @rx.event
    async def transfer(self, form: dict[str, str]) -> EventSpec | None:
        if (acting := await self._in_charge()) is None:
            return None
        staff_id, store_id, _lang = acting
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
        staff_id, _store_id, lang = await self._who()
        try:
            with session_scope() as session:
                staff_in_charge(session, self.consultation_id, staff_id)
                end(session, self.consultation_id, role="staff")
        except (LookupError, PermissionError):
            await self._handed_on()
            return
        with session_scope() as session:
            self._load_summary(session, self.consultation_id, lang)
        await publish_status(self.consultation_id, "ended")
        (await self.get_state(ChatState)).call_status = "ended"
        with contextlib.suppress(RuntimeError):  # a process without a recording desk
            await get_desk().call_ended(self.consultation_id)

    @rx.event
    def choose_outcome(self, outcome: str) -> None:
        self.outcome = chosen_text(outcome, OUTCOMES, "")

    @rx.event
    async def save_wrap_up(self) -> EventSpec | None:
        if (acting := await self._in_charge()) is None:
            return None
        staff_id = acting[0]
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
            labelled(
                "context.language",
                rx.cond(
                    context["language"].to(str) != "",
                    T["language." + context["language"].to(str)],
                    "",
                ),
            ),
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
            staff_recording(),
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
                        rx.hstack(
                            rx.heading(
                                T["call.title"], " #", StaffCallState.consultation_id, size="6"
                            ),
                            recording_badge(),
                            align="center",
                            wrap="wrap",
                        ),
                        rx.cond(ChatState.call_status == "ended", wrap_up_panel()),
                        rx.cond(
                            (StaffCallState.consultation_id != 0)
                            & (ChatState.call_status != "ended"),
                            call_video(
                                consultation_id=StaffCallState.consultation_id,
                                token="",
                                role=rx.cond(
                                    StaffCallState.context["name"].to(str) != "",
                                    StaffCallState.context["name"].to(str),
                                    T["call.customer"],
                                ),
                                peer_name=StaffCallState.context["name"].to(str),
                                id="call-media",
                            ),
                        ),
                        rx.cond(
                            (StaffCallState.consultation_id != 0)
                            & (ChatState.call_status != "ended"),
                            staff_notice(StaffCallState.consultation_id),
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


ROUTE = routes.STAFF_CALL

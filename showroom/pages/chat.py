"""Chat in a call: one substate used by the customer's and the staff member's call pages.

A message is stored first, then published; each open page subscribes before it reads the
history, so nothing posted in between is missed. Besides messages, the call's topic carries
call events ({"kind": "event"}, shown as system lines), status changes and "the cart changed";
the catalogue topic keeps the product cards' stock live.
"""

from __future__ import annotations

import asyncio
import contextlib
from functools import partialmethod
from typing import Any, cast

import reflex as rx
from reflex_base.event import EventSpec

from consult.calls.consultations import (
    MAX_MESSAGE,
    ChatError,
    chat_topic,
    history,
    line_order,
    live_event_dict,
    message_dict,
    post_message,
    status_event,
    status_of,
)
from consult.calls.in_charge import staff_in_charge
from consult.commerce.cart import (
    CartError,
    add_to_cart,
    cards_of,
    cart_view,
    remove_one,
    send_again,
    set_quantity,
)
from consult.commerce.checkout import payment_cards
from consult.commerce.effects import ORDER_CHANGED, take_effects
from consult.commerce.effects import publish as publish_commerce
from showroom.catalogue import products
from showroom.db import session_scope, utcnow
from showroom.layout import T, has_items
from showroom.pubsub import get_broker
from showroom.session_state import SessionState
from showroom.settings import get_settings

WATCH_CHECK_S = 15.0
WATCH_MAX_S = 8 * 3600  # a page left open (or abandoned) stops listening after a working day
MESSAGE_KINDS = ("text", "product", "payment", "system")
CART_CHANGED = {"kind": "cart"}
CHAT_INPUT = "chat-input"


class ChatState(rx.State):
    consultation_id: int = 0
    sender: str = ""
    messages: list[dict[str, Any]] = []
    error_key: str = ""
    call_status: str = ""
    # Product cards shown in this call, by product id; read again when stock changes.
    cards: dict[str, dict[str, str]] = {}
    cart_lines: list[dict[str, str]] = []
    cart_total: str = ""
    cart_count: int = 0
    cart_error_key: str = ""
    cart_error_detail: str = ""
    # Payment requests of this call, by order id: state, total, pay link and its QR code.
    payments: dict[str, dict[str, str]] = {}
    _staff_id: int = 0
    _watching: int = 0
    _lang: str = "ja"

    def _open(self, consultation_id: int, sender: str, staff_id: int = 0) -> None:
        self.consultation_id, self.sender, self._staff_id = consultation_id, sender, staff_id
        self.messages, self.error_key, self.call_status = [], "", ""
        self.cards, self.cart_lines, self.cart_total, self.cart_count = {}, [], "", 0
        self.cart_error_key, self.cart_error_detail, self.payments = "", "", {}

    # For the pages that open the chat after checking the caller; not an event (every public
    # method of a state is one, callable from the browser, which must not pick the call).
    open = partialmethod(_open)

    async def _may_act(self) -> bool:
        """The customer's page acts for its link; a staff page only while the call is with
        whoever is logged in now (not whoever opened the page: it may have been handed on)."""
        if self.sender != "staff":
            return True
        who = (await self.get_state(SessionState)).current_staff()
        try:
            with session_scope() as session:
                staff_in_charge(session, self.consultation_id, who.staff_id if who else 0)
        except (LookupError, PermissionError):
            self.error_key = self.cart_error_key = "call.handed_on"
            return False
        self._staff_id = who.staff_id if who else 0
        return True

    @rx.event
    async def send(self, form: dict[str, str]) -> EventSpec | None:
        body = form.get("message", "")
        if not await self._may_act():
            return None
        try:
            with session_scope() as session:
                message = post_message(
                    session,
                    self.consultation_id,
                    self.sender,
                    body,
                    staff_id=self._staff_id or None,
                )
                payload = message_dict(message)
        except ChatError as error:
            self.error_key = error.key  # the text stays in the box, to be shortened
            return None
        self.error_key = ""
        self._append([payload])
        await get_broker().publish(chat_topic(self.consultation_id), payload)
        return rx.set_value(CHAT_INPUT, "")

    def _append(self, items: list[dict[str, Any]]) -> None:
        known = {m["key"] for m in self.messages}
        fresh = [m for m in items if m["key"] not in known]
        if fresh:
            self.messages = sorted([*self.messages, *fresh], key=line_order)

    async def _refresh_lang(self) -> None:
        self._lang = (await self.get_state(SessionState)).lang

    def _load_extras(self, session: Any) -> None:
        """Product cards and the cart, as they are now."""
        self.cards = cards_of(session, self.consultation_id, self._lang)
        view = cart_view(session, self.consultation_id, self._lang)
        self.cart_lines, self.cart_total, self.cart_count = (
            view["lines"],
            view["total"],
            view["count"],
        )
        settings = get_settings()
        self.payments = payment_cards(
            session,
            self.consultation_id,
            self._lang,
            key=settings.secret_key,
            base_url=settings.public_url,
        )

    @rx.event
    async def add_to_cart(self, product_id: str | int) -> None:
        await self._change_cart(str(product_id), None)

    @rx.event
    async def remove_from_cart(self, product_id: str | int) -> None:
        await self._change_cart(str(product_id), 0)

    @rx.event
    async def one_fewer_in_cart(self, product_id: str | int) -> None:
        await self._change_cart(str(product_id), -1)

    async def _change_cart(self, product_id: str, quantity: int | None) -> None:
        """Add one (quantity None), take one off (-1) or set how many (0 removes)."""
        # Ids come from the browser (a card's product id arrives as a number): never trust.
        if not product_id.isdigit() or not self.consultation_id or not await self._may_act():
            return
        await self._refresh_lang()
        try:
            with session_scope() as session:
                call, product, by = self.consultation_id, int(product_id), self.sender
                if quantity is None:
                    add_to_cart(session, call, product, lang=self._lang, by=by)
                elif quantity == -1:
                    remove_one(session, call, product, by=by)
                else:
                    set_quantity(session, call, product, quantity, by=by)
        except CartError as error:
            self.cart_error_key, self.cart_error_detail = error.key, error.detail
            return
        self.cart_error_key, self.cart_error_detail = "", ""
        with session_scope() as session:
            self._load_extras(session)
        await get_broker().publish(chat_topic(self.consultation_id), CART_CHANGED)

    @rx.event
    async def send_again(self, order_id: str | int) -> None:
        """Staff send an expired payment request again (its stock is held anew)."""
        order_id = str(order_id)
        if self.sender != "staff" or not order_id.isdigit() or not self.consultation_id:
            return
        if not await self._may_act():
            return
        await self._refresh_lang()
        try:
            with session_scope() as session:
                payload = message_dict(
                    send_again(
                        session,
                        get_settings().secret_key,
                        self.consultation_id,
                        self._staff_id,
                        int(order_id),
                        self._lang,
                    )
                )
                effects = take_effects(session)
        except CartError as error:
            self.cart_error_key, self.cart_error_detail = error.key, error.detail
            return
        self.cart_error_key, self.cart_error_detail = "", ""
        await get_broker().publish(chat_topic(self.consultation_id), payload)
        await publish_commerce(effects)

    @rx.event(background=True)
    async def watch(self) -> None:
        async with self:
            consultation_id = self.consultation_id
            if not consultation_id or self._watching == consultation_id:
                return
            self._watching = consultation_id
            await self._refresh_lang()
        broker = get_broker()
        try:
            async with (
                broker.subscribe(chat_topic(consultation_id)) as queue,
                broker.subscribe(products.TOPIC) as stock_changes,
            ):
                forward = asyncio.create_task(_forward_stock(stock_changes, queue))
                try:
                    await self._listen(consultation_id, queue)
                finally:
                    forward.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await forward
        finally:
            async with self:
                if self._watching == consultation_id:
                    self._watching = 0

    async def _listen(self, consultation_id: int, queue: asyncio.Queue[dict[str, Any]]) -> None:
        with session_scope() as session:
            past, status = history(session, consultation_id), status_of(session, consultation_id)
        async with self:
            self._append(past)
            self.call_status = status
            with session_scope() as session:
                self._load_extras(session)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + WATCH_MAX_S
        while loop.time() < deadline:
            try:
                item = await asyncio.wait_for(queue.get(), WATCH_CHECK_S)
            except TimeoutError:
                with session_scope() as session:
                    item = status_event(status_of(session, consultation_id))
            async with self:
                if self.consultation_id != consultation_id:
                    return
                if not self._apply(item) and self.call_status == "ended":
                    return

    def _apply(self, item: dict[str, Any]) -> bool:
        """One thing that happened in the call; False once the call has ended."""
        kind = item.get("kind")
        if kind == "status":
            self.call_status = str(item["status"])
            return self.call_status != "ended"
        if kind == "event":
            line = item if "key" in item else live_event_dict(item, utcnow().isoformat())
            self._append([line])
        elif kind in ("cart", "stock", ORDER_CHANGED):
            with session_scope() as session:
                self._load_extras(session)
        elif kind in MESSAGE_KINDS and "key" in item:
            self._append([item])
            if kind == "product":
                with session_scope() as session:
                    self._load_extras(session)
        return True


async def _forward_stock(
    changes: asyncio.Queue[dict[str, Any]], queue: asyncio.Queue[dict[str, Any]]
) -> None:
    """Stock and price changes become "reload the cards" items on the call's own queue."""
    while True:
        change = await changes.get()
        queue.put_nowait({"kind": "stock", "product_id": change.get("product_id")})


async def publish_status(consultation_id: int, status: str) -> None:
    await get_broker().publish(chat_topic(consultation_id), status_event(status))


async def publish_cart(consultation_id: int) -> None:
    await get_broker().publish(chat_topic(consultation_id), CART_CHANGED)


ADD_TO_CART: Any = ChatState.add_to_cart
CARDS: Any = ChatState.cards
REMOVE_FROM_CART: Any = ChatState.remove_from_cart
PAYMENTS: Any = ChatState.payments
SEND_AGAIN: Any = ChatState.send_again
ONE_FEWER_IN_CART: Any = ChatState.one_fewer_in_cart


def text_part(part: Any) -> rx.Component:
    href = part["href"].to(str)
    return rx.cond(
        href != "",
        rx.link(part["text"].to(str), href=href, is_external=True, class_name="chat-link"),
        rx.text.span(part["text"].to(str)),
    )


def text_bubble(message: Any) -> rx.Component:
    mine = message["sender"] == ChatState.sender
    return rx.box(
        rx.text(
            rx.cond(
                mine,
                T["call.you"],
                rx.cond(message["sender"] == "staff", T["call.staff"], T["call.customer"]),
            ),
            size="1",
            color_scheme="gray",
        ),
        rx.text(
            rx.foreach(message["parts"].to(list[dict[str, str]]), text_part),
            class_name="chat-body",
            white_space="pre-wrap",
            word_break="break-word",
        ),
        align_self=rx.cond(mine, "flex-end", "flex-start"),
        background=rx.cond(mine, "var(--accent-4)", "var(--gray-4)"),
        padding="0.4em 0.8em",
        border_radius="10px",
        max_width="85%",
        flex_shrink="0",
    )


def stock_badge(badge: Any) -> rx.Component:
    return rx.match(
        badge,
        ("in", rx.badge(T["stock.in"], color_scheme="green")),
        ("few", rx.badge(T["stock.few"], color_scheme="amber")),
        rx.badge(T["stock.out"], color_scheme="red"),
    )


def product_card(message: Any) -> rx.Component:
    product_id = message["product_id"].to(str)
    card = CARDS[product_id]
    return rx.card(
        rx.hstack(
            rx.cond(
                card["image"].to(str) != "",
                rx.image(
                    src=card["image"].to(str),
                    width="72px",
                    height="72px",
                    object_fit="cover",
                    border_radius="6px",
                    alt=card["name"].to(str),
                ),
                rx.center(
                    rx.text(card["initial"].to(str), size="6", weight="bold"),
                    width="72px",
                    height="72px",
                    border_radius="6px",
                    background="var(--accent-3)",
                    color="var(--accent-11)",
                ),
            ),
            rx.vstack(
                rx.text(card["name"].to(str), weight="bold", class_name="card-name"),
                rx.hstack(
                    rx.text(card["price"].to(str), class_name="card-price"),
                    stock_badge(card["badge"].to(str)),
                    align="center",
                ),
                rx.hstack(
                    rx.cond(
                        card["tour"].to(str) != "",
                        rx.link(
                            rx.button(T["chat.view_in_tour"], size="1", variant="soft"),
                            href=card["tour"].to(str),
                            is_external=True,
                            class_name="card-tour",
                        ),
                    ),
                    rx.button(
                        T["chat.add_to_cart"],
                        size="1",
                        on_click=ADD_TO_CART(product_id),
                        disabled=(card["badge"].to(str) == "out")
                        | (ChatState.call_status == "ended"),
                        class_name="card-add",
                    ),
                    spacing="2",
                ),
                spacing="1",
                align="start",
            ),
            spacing="3",
            align="center",
        ),
        width="90%",
        align_self="flex-start",
        flex_shrink="0",  # natural height: the chat scrolls instead of squeezing the card
        class_name="product-card",
        custom_attrs={"data-product": product_id},
    )


def payment_state(card: Any) -> rx.Component:
    state = card["state"].to(str)
    staff = ChatState.sender == "staff"
    # A status region: "paid" or "declined" is read out when it changes, wherever focus is.
    return rx.box(
        rx.match(
            state,
            (
                "paid",
                rx.badge(
                    T["pay.state_paid"],
                    " #",
                    card["number"].to(str),
                    color_scheme="green",
                    class_name="payment-state",
                    size="2",
                ),
            ),
            (
                "expired",
                rx.badge(T["pay.state_expired"], color_scheme="amber", class_name="payment-state"),
            ),
            (
                "cancelled",
                rx.badge(T["pay.state_cancelled"], color_scheme="gray", class_name="payment-state"),
            ),
            (
                "declined",
                rx.vstack(
                    rx.badge(
                        rx.cond(staff, T["pay.state_declined"], T["pay.state_declined_customer"]),
                        color_scheme="red",
                        class_name="payment-state",
                        white_space="normal",
                    ),
                    rx.cond(
                        staff & (card["failure_key"].to(str) != ""),
                        rx.text(T[card["failure_key"].to(str)], size="1", color_scheme="gray"),
                    ),
                    spacing="1",
                ),
            ),
            rx.badge(T["pay.state_awaiting"], color_scheme="blue", class_name="payment-state"),
        ),
        role="status",
    )


def payment_card(message: Any) -> rx.Component:
    card = PAYMENTS[message["order_id"].to(str)]
    state = card["state"].to(str)
    payable = (state == "awaiting") | (state == "declined")
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.text(T["call.payment_requested"], weight="bold"),
                rx.spacer(),
                rx.text(card["total"].to(str), weight="bold", class_name="payment-total"),
                width="100%",
                align="center",
            ),
            payment_state(card),
            rx.cond(
                card["fulfilment"].to(str) != "",
                rx.text(
                    rx.cond(
                        card["fulfilment"].to(str) == "pickup", T["pay.pickup"], T["pay.delivery"]
                    ),
                    " · ",
                    card["where"].to(str),
                    size="1",
                    class_name="payment-fulfilment",
                ),
            ),
            rx.cond(
                card["refunded"].to(str) != "",
                rx.text(T["pay.refunded"], " ", card["refunded"].to(str), size="1"),
            ),
            rx.cond(
                # Once the call has ended, the summary above offers what can still be paid.
                (ChatState.sender == "customer")
                & payable
                & (card["link"].to(str) != "")
                & (ChatState.call_status != "ended"),
                rx.hstack(
                    rx.link(
                        rx.button(T["call.pay"], color_scheme="grass", id="pay-link"),
                        href=card["link"].to(str),
                        is_external=True,
                    ),
                    rx.vstack(
                        rx.image(
                            src=card["qr"].to(str),
                            width="96px",
                            height="96px",
                            alt=T["pay.scan"],
                            class_name="pay-qr",
                        ),
                        rx.text(T["pay.scan"], size="1", color_scheme="gray", max_width="140px"),
                        spacing="1",
                        align="center",
                    ),
                    spacing="4",
                    align="center",
                    wrap="wrap",
                ),
            ),
            rx.cond(
                (ChatState.sender == "staff") & (state == "expired"),
                rx.button(
                    T["pay.send_again"],
                    size="1",
                    variant="soft",
                    class_name="send-again",
                    on_click=SEND_AGAIN(message["order_id"].to(str)),
                ),
            ),
            spacing="2",
            width="100%",
        ),
        width="100%",
        flex_shrink="0",  # a payment request is never squeezed by the chat's height
        class_name="payment-card",
        custom_attrs={"data-order": message["order_id"].to(str), "data-state": state},
    )


def event_line(message: Any) -> rx.Component:
    event = message["event"].to(str)
    role = message["role"].to(str)
    who = cast(
        Any,
        rx.match(role, ("customer", T["call.customer"]), ("staff", T["call.staff"]), ""),
    ).to(str)
    return rx.text(
        rx.cond(
            event == "transferred",
            T["chat.event_transferred"] + " " + message["body"].to(str),
            rx.cond(role != "", who + " · ", "") + T["chat.event_" + event],
        ),
        size="1",
        color_scheme="gray",
        align="center",
        width="100%",
        class_name="chat-event",
    )


def chat_line(message: Any) -> rx.Component:
    return rx.match(
        message["kind"].to(str),
        ("product", product_card(message)),
        ("payment", payment_card(message)),
        ("event", event_line(message)),
        ("system", event_line(message)),
        text_bubble(message),
    )


def cart_button(
    icon: str, label: str, event: Any, variant: str = "soft", **props: Any
) -> rx.Component:
    return rx.icon_button(
        rx.icon(icon, size=12),
        size="1",
        variant=variant,
        color_scheme="gray",
        aria_label=T[label],
        on_click=event,
        **props,
    )


def cart_line(line: Any) -> rx.Component:
    product_id = line["product_id"].to(str)
    return rx.hstack(
        rx.text(line["name"].to(str), size="2", flex="1", min_width="0"),
        rx.hstack(
            cart_button(
                "minus", "chat.one_fewer", ONE_FEWER_IN_CART(product_id), class_name="cart-less"
            ),
            rx.text(
                line["quantity"].to(str),
                size="2",
                class_name="cart-quantity",
                min_width="1.5em",
                text_align="center",
            ),
            cart_button("plus", "chat.one_more", ADD_TO_CART(product_id), class_name="cart-more"),
            spacing="1",
            align="center",
        ),
        rx.text(line["amount"].to(str), size="2", min_width="6em", text_align="right"),
        cart_button("x", "chat.remove_from_cart", REMOVE_FROM_CART(product_id), variant="ghost"),
        width="100%",
        align="center",
    )


def cart_panel(*actions: rx.Component) -> rx.Component:
    """The call's shared cart, shown once something is in it; `actions` (staff: request payment)."""
    return rx.cond(
        has_items(ChatState.cart_lines),
        rx.card(
            rx.vstack(
                rx.hstack(
                    rx.heading(T["chat.cart"], size="3"),
                    rx.badge(ChatState.cart_count),
                    rx.spacer(),
                    rx.text(ChatState.cart_total, weight="bold", id="cart-total"),
                    width="100%",
                    align="center",
                ),
                rx.foreach(ChatState.cart_lines, cart_line),
                rx.cond(
                    ChatState.cart_error_key != "",
                    rx.text(
                        T[ChatState.cart_error_key],
                        " ",
                        ChatState.cart_error_detail,
                        color_scheme="red",
                        size="2",
                        role="alert",
                    ),
                ),
                *actions,
                width="100%",
                spacing="2",
            ),
            width="100%",
            id="cart",
        ),
    )


def chat_panel() -> rx.Component:
    return rx.vstack(
        rx.heading(T["call.chat"], size="4"),
        # Reversed column: the scroll position is kept from the bottom, so the newest
        # message stays in view as messages arrive, without a script.
        rx.box(
            rx.vstack(
                rx.foreach(ChatState.messages, chat_line),
                width="100%",
                spacing="2",
                flex_shrink="0",
            ),
            id="chat-log",
            display="flex",
            flex_direction="column-reverse",
            # A log region: new messages and cards are read out politely; a tab stop, as it scrolls.
            role="log",
            aria_label=T["call.chat"],
            tab_index=0,
            width="100%",
            height="360px",
            overflow_y="auto",
            padding="0.5em",
            background="var(--gray-1)",
            border_radius="8px",
        ),
        rx.cond(
            ChatState.error_key != "",
            rx.text(T[ChatState.error_key], color_scheme="red", role="alert", size="2"),
        ),
        rx.form(
            rx.hstack(
                rx.input(
                    # Not bound to the state: typing costs no round trip, and sending is one
                    # event; the box is emptied once the message is stored.
                    name="message",
                    placeholder=T["call.chat_placeholder"],
                    width="100%",
                    id=CHAT_INPUT,
                    aria_label=T["call.chat_placeholder"],
                    # One more than allowed, so an over-long paste gets the clear error.
                    max_length=MAX_MESSAGE + 1,
                ),
                rx.button(T["call.send"], type="submit", id="chat-send"),
                width="100%",
            ),
            on_submit=ChatState.send,
            width="100%",
        ),
        width="100%",
        spacing="3",
    )

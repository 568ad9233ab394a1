"""Chat in a call: one substate used by the customer's and the staff member's call pages.

A message is stored first, then published; each open page subscribes before it reads the
history, so nothing posted in between is missed.
"""

from __future__ import annotations

import asyncio
from typing import Any

import reflex as rx

from consult.consultations import (
    ChatError,
    chat_topic,
    history,
    post_message,
    status_event,
    status_of,
)
from showroom.db import session_scope
from showroom.layout import T
from showroom.pubsub import get_broker

WATCH_CHECK_S = 15.0
WATCH_MAX_S = 8 * 3600  # a page left open (or abandoned) stops listening after a working day


class ChatState(rx.State):
    consultation_id: int = 0
    sender: str = ""
    messages: list[dict[str, Any]] = []
    error_key: str = ""
    draft: str = ""
    call_status: str = ""
    _staff_id: int = 0
    _watching: int = 0

    def open(self, consultation_id: int, sender: str, staff_id: int = 0) -> None:
        self.consultation_id, self.sender, self._staff_id = consultation_id, sender, staff_id
        self.messages, self.error_key, self.draft, self.call_status = [], "", "", ""

    @rx.event
    def set_draft(self, value: str) -> None:
        self.draft = value

    @rx.event
    async def send(self, form: dict[str, str]) -> None:
        body = form.get("message", "")
        try:
            with session_scope() as session:
                message = post_message(
                    session,
                    self.consultation_id,
                    self.sender,
                    body,
                    staff_id=self._staff_id or None,
                )
                payload = {
                    "id": message.id,
                    "sender": message.sender,
                    "body": message.body,
                    "at": message.created_at.isoformat(),
                }
        except ChatError as error:
            self.error_key = error.key
            return
        self.error_key, self.draft = "", ""
        self._append([payload])
        await get_broker().publish(chat_topic(self.consultation_id), payload)

    def _append(self, items: list[dict[str, Any]]) -> None:
        known = {m["id"] for m in self.messages}
        fresh = [m for m in items if m["id"] not in known]
        if fresh:
            self.messages = sorted([*self.messages, *fresh], key=lambda m: m["id"])

    @rx.event(background=True)
    async def watch(self) -> None:
        async with self:
            consultation_id = self.consultation_id
            if not consultation_id or self._watching == consultation_id:
                return
            self._watching = consultation_id
        try:
            async with get_broker().subscribe(chat_topic(consultation_id)) as queue:
                with session_scope() as session:
                    past, status = (
                        history(session, consultation_id),
                        status_of(session, consultation_id),
                    )
                async with self:
                    self._append(past)
                    self.call_status = status
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
                        if item.get("kind") == "status":
                            self.call_status = str(item["status"])
                            if self.call_status == "ended":
                                return
                        else:
                            self._append([item])
        finally:
            async with self:
                if self._watching == consultation_id:
                    self._watching = 0


async def publish_status(consultation_id: int, status: str) -> None:
    await get_broker().publish(chat_topic(consultation_id), status_event(status))


def message_bubble(message: Any) -> rx.Component:
    mine = message["sender"] == ChatState.sender
    body = message["body"].to(str)
    return rx.cond(
        body.startswith("pay:"),
        rx.card(
            rx.vstack(
                rx.text(T["call.payment_requested"], weight="bold"),
                rx.cond(
                    ChatState.sender == "customer",
                    rx.link(
                        rx.button(T["call.pay"], color_scheme="grass", id="pay-link"),
                        href="/pay/" + body[4:],
                        is_external=True,
                    ),
                ),
            ),
            width="100%",
        ),
        rx.box(
            rx.text(
                rx.cond(
                    mine,
                    T["call.you"],
                    rx.cond(message["sender"] == "staff", T["call.staff"], T["call.customer"]),
                ),
                size="1",
                color_scheme="gray",
            ),
            rx.text(body, class_name="chat-body"),
            align_self=rx.cond(mine, "flex-end", "flex-start"),
            background=rx.cond(mine, "var(--accent-4)", "var(--gray-4)"),
            padding="0.4em 0.8em",
            border_radius="10px",
            max_width="85%",
        ),
    )


def chat_panel() -> rx.Component:
    return rx.vstack(
        rx.heading(T["call.chat"], size="4"),
        rx.vstack(
            rx.foreach(ChatState.messages, message_bubble),
            id="chat-log",
            width="100%",
            height="320px",
            overflow_y="auto",
            spacing="2",
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
                    name="message",
                    placeholder=T["call.chat_placeholder"],
                    value=ChatState.draft,
                    on_change=ChatState.set_draft,
                    width="100%",
                    id="chat-input",
                    aria_label=T["call.chat_placeholder"],
                    max_length=2000,
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

"""What each side of a call sees of a supervisor stepping in.

Staff (`staff_notice`): "a supervisor is listening", the supervisor's whispers, and, after a
barge-in, the supervisor's picture. The customer (`customer_notice`): nothing while a
supervisor only listens or whispers (their page does not even subscribe to that topic); after a
barge-in, the notice and the supervisor's picture. The picture is a second, receive-only
connection (`step_in_video` "aux"), so the call's own connection is not renegotiated.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import reflex as rx

from consult.calls import supervision
from consult.calls.consultations import consultation_for_link, status_of
from consult.components.step_in_video import step_in_video
from consult.models import Consultation
from showroom import routes
from showroom.db import session_scope
from showroom.identity import LinkError
from showroom.layout import T, has_items
from showroom.pubsub import get_broker
from showroom.session_state import SessionState
from showroom.settings import get_settings

CHECK_S = 30.0  # also re-read now and then: a message may have been published before we listened


class StepInState(rx.State):
    listening: bool = False
    barged: bool = False
    whispers: list[dict[str, Any]] = []
    _watching: int = 0

    def _read(self, consultation_id: int, *, staff_side: bool) -> str:
        with session_scope() as session:
            seen = supervision.state(session, consultation_id)
            status = status_of(session, consultation_id)
        self.barged = bool(seen.barged) and status != "ended"
        if staff_side:  # listening and whispers are for staff only: never in customer state
            self.listening = bool(seen.listening) and status != "ended"
            self.whispers = list(seen.whispers)
        return status

    async def _follow(self, consultation_id: int, topic: str, path: str, staff_side: bool) -> None:
        async with self:
            if self._watching == consultation_id:
                return
            self._watching = consultation_id
        try:
            async with get_broker().subscribe(topic) as changes:
                while True:
                    async with self:
                        if not self.router.url.path.rstrip("/").startswith(path):
                            return
                        if self._read(consultation_id, staff_side=staff_side) == "ended":
                            self.barged = self.listening = False
                            return
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(changes.get(), CHECK_S)
        finally:
            async with self:
                if self._watching == consultation_id:
                    self._watching = 0

    @rx.event(background=True)
    async def watch_staff(self, consultation_id: int) -> None:
        """The member of staff in this call (re-checked here) follows supervisors' steps."""
        async with self:
            who = (await self.get_state(SessionState)).current_staff()
        if who is None:
            return
        with session_scope() as session:
            call = session.get(Consultation, int(consultation_id))
            if call is None or call.staff_id != who.staff_id or call.store_id != who.store_id:
                return
        await self._follow(
            int(consultation_id),
            supervision.staff_topic(int(consultation_id)),
            routes.staff_call(int(consultation_id)),
            staff_side=True,
        )

    @rx.event(background=True)
    async def watch_customer(self, token: str) -> None:
        """The customer (by their link) hears of a supervisor only when one barges in."""
        try:
            with session_scope() as session:
                consultation_id = consultation_for_link(
                    session, get_settings().secret_key, str(token)
                ).id
        except (LinkError, LookupError):
            return
        await self._follow(
            consultation_id,
            supervision.everyone_topic(consultation_id),
            routes.call(str(token)),
            staff_side=False,
        )


# Events with arguments; typed Any because mypy sees Reflex's decorated handler as a namespace.
WATCH_STAFF: Any = StepInState.watch_staff
WATCH_CUSTOMER: Any = StepInState.watch_customer


def whisper_line(item: Any) -> rx.Component:
    return rx.text(item["text"].to(str), size="2", class_name="whisper")


def supervisor_picture(consultation_id: Any, token: Any) -> rx.Component:
    return rx.cond(
        StepInState.barged,
        rx.vstack(
            rx.callout(
                T["supervise.joined"], color_scheme="violet", id="supervisor-joined", width="100%"
            ),
            rx.box(
                step_in_video(
                    consultation_id,
                    "aux",
                    token=token,
                    labels=[T["supervise.supervisor"]],
                    id="supervisor-picture",
                ),
                max_width="320px",
                width="100%",
            ),
            width="100%",
        ),
    )


def staff_notice(consultation_id: Any) -> rx.Component:
    return rx.vstack(
        rx.cond(
            StepInState.listening,
            rx.callout(
                T["supervise.someone_listening"],
                color_scheme="violet",
                id="supervisor-listening",
                width="100%",
            ),
        ),
        rx.cond(
            has_items(StepInState.whispers),
            rx.card(
                rx.text(T["supervise.whispers"], weight="bold", size="2"),
                rx.foreach(StepInState.whispers, whisper_line),
                id="whispers",
                width="100%",
            ),
        ),
        supervisor_picture(consultation_id, ""),
        width="100%",
        on_mount=WATCH_STAFF(consultation_id),
    )


def customer_notice(consultation_id: Any, token: Any) -> rx.Component:
    return rx.box(
        supervisor_picture(consultation_id, token),
        width="100%",
        on_mount=WATCH_CUSTOMER(token),
    )

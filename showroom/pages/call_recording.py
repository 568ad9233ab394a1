"""Recording in a call, as both call pages show it: the customer's consent notice, the
"recording" badge with its elapsed time, and the staff member's start / stop controls.

The recording's state comes from the database when the page opens and then from the call's
topic (`{"kind": "recording"}`, published by `consult.media.desk`). Every event checks again
who is asking: the customer by their call link, staff by their login and the call being theirs.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime
from typing import Any

import reflex as rx

from consult.calls.consultations import chat_topic, consultation_for_link
from consult.media import recordings
from consult.media.desk import get_desk
from consult.media.recordings import RecordingError
from showroom.db import session_scope, utcnow
from showroom.identity import LinkError
from showroom.layout import T
from showroom.pubsub import get_broker
from showroom.session_state import SessionState
from showroom.settings import get_settings

TICK_S = 1.0
IDLE_CHECK_S = 15.0
WATCH_MAX_S = 8 * 3600


class RecordingState(rx.State):
    consultation_id: int = 0
    side: str = ""  # "customer", "staff" or "supervisor" (told, not asked)
    state: str = "off"  # off | asking | recording
    recording_id: int = 0
    elapsed: str = "0:00"
    notice: dict[str, str] = {}
    show_notice: bool = False
    again: bool = False  # the customer joined while recording: told and asked again
    declined: bool = False
    failed: bool = False
    late_notice: bool = False  # staff who came in while recording (a transfer)
    error_key: str = ""
    _token: str = ""
    _started: str = ""
    _watching: int = 0

    # Page helpers (called by CallState.load and StaffCallState.load after they checked the
    # caller), private so that no browser can send them as events.
    async def _open_customer(self, consultation_id: int, token: str) -> None:
        self._reset(consultation_id, "customer")
        self._token = token
        with session_scope() as session:
            recording = recordings.current(session, consultation_id)
            self._take(recording)
        if self.state == "recording":
            # A reload or another device: not recorded until they agree again.
            with contextlib.suppress(RuntimeError):
                await get_desk().customer_arrived(consultation_id)
            self.again = True
            await self._show_notice()
        elif self.state == "asking":
            await self._show_notice()

    async def _open_staff(self, consultation_id: int, staff_id: int, store_id: int) -> None:
        self._reset(consultation_id, "staff")
        with session_scope() as session:
            self._take(recordings.current(session, consultation_id))
            auto = recordings.auto_ask(session, consultation_id, store_id)
        self.late_notice = self.state == "recording"
        if auto:
            with contextlib.suppress(RecordingError, PermissionError, LookupError, RuntimeError):
                self.recording_id = await get_desk().ask(consultation_id, staff_id)
                self.state = "asking"

    async def _open_supervisor(self, consultation_id: int) -> None:
        """A supervisor stepping in (to listen or to join) is told the call is being recorded,
        as anyone who joins later is; they neither consent nor control it."""
        self._reset(consultation_id, "supervisor")
        with session_scope() as session:
            self._take(recordings.current(session, consultation_id))
        self.late_notice = self.state == "recording"

    def _reset(self, consultation_id: int, side: str) -> None:
        self.consultation_id, self.side = consultation_id, side
        self.state, self.recording_id, self.elapsed, self._started = "off", 0, "0:00", ""
        self.notice, self.show_notice, self.again = {}, False, False
        self.declined, self.failed, self.late_notice, self.error_key = False, False, False, ""

    def _take(self, recording: Any) -> None:
        if recording is None:
            self.state, self.recording_id = "off", 0
            return
        self.recording_id = recording.id
        self.state = "recording" if recording.status == "recording" else "asking"
        self._started = recording.started_at.isoformat() if self.state == "recording" else ""
        self._tick()

    def _tick(self) -> None:
        if self.state != "recording" or not self._started:
            self.elapsed = "0:00"
            return
        since = (utcnow() - datetime.fromisoformat(self._started)).total_seconds()
        self.elapsed = recordings.format_duration(max(0.0, since))

    async def _show_notice(self) -> None:
        lang = (await self.get_state(SessionState)).lang
        with session_scope() as session:
            shown = recordings.notice(session, self.consultation_id, lang)
        self.notice = {k: str(v) for k, v in shown.items() if k != "text"}
        self.notice["lines"] = shown["text"]
        self.show_notice = True

    # -- what arrives on the call's topic ---------------------------------------------------------

    async def _apply(self, item: dict[str, Any]) -> None:
        state = str(item.get("state", ""))
        self.recording_id = int(item.get("recording_id") or self.recording_id)
        if state == "asking":
            self.state, self.declined, self.failed = "asking", False, False
            if self.side == "customer":
                self.again = False
                await self._show_notice()
        elif state == "recording":
            self.state, self.show_notice = "recording", self.show_notice and self.again
            self.late_notice = self.late_notice or self.side == "supervisor"
            self._started = str(item.get("started_at") or self._started)
            self._tick()
        elif state == "declined":
            self.state, self.show_notice, self.declined = "off", False, True
        elif state == "failed":
            self.state, self.failed = "off", True
        elif state == "off":
            self.state, self.show_notice = "off", False
            self._tick()

    @rx.event(background=True)
    async def watch(self) -> None:
        async with self:
            consultation_id = self.consultation_id
            if not consultation_id or self._watching == consultation_id:
                return
            self._watching = consultation_id
        try:
            async with get_broker().subscribe(chat_topic(consultation_id)) as queue:
                loop = asyncio.get_running_loop()
                deadline = loop.time() + WATCH_MAX_S
                while loop.time() < deadline:
                    async with self:
                        if self.consultation_id != consultation_id:
                            return
                        wait = TICK_S if self.state == "recording" else IDLE_CHECK_S
                    try:
                        item = await asyncio.wait_for(queue.get(), wait)
                    except TimeoutError:
                        item = None
                    async with self:
                        if self.consultation_id != consultation_id:
                            return
                        if item is not None and item.get("kind") == "recording":
                            await self._apply(item)
                        elif item is not None and item.get("status") == "ended":
                            self.state, self.show_notice = "off", False
                        self._tick()
        finally:
            async with self:
                if self._watching == consultation_id:
                    self._watching = 0

    # -- the customer ------------------------------------------------------------------------

    def _customer_call(self) -> int:
        """The call this customer's link opens, checked again now."""
        if self.side != "customer" or not self._token:
            raise PermissionError("auth.forbidden")
        with session_scope() as session:
            granted = consultation_for_link(session, get_settings().secret_key, self._token)
        if granted.id != self.consultation_id:
            raise PermissionError("auth.forbidden")
        return granted.id

    async def _answer(self, accepted: bool) -> None:
        try:
            consultation_id = self._customer_call()
        except (PermissionError, LinkError, LookupError):
            self.error_key, self.show_notice = "auth.forbidden", False
            return
        lang = (await self.get_state(SessionState)).lang
        try:
            outcome = await get_desk().answer(
                consultation_id, self.recording_id, accepted=accepted, lang=lang
            )
        except RecordingError as error:
            self.error_key, self.show_notice = error.key, False
            return
        except RuntimeError:
            self.error_key, self.show_notice = "recording.unavailable", False
            return
        self.show_notice, self.error_key = False, ""
        self.declined = outcome == "declined"
        if outcome == "declined":
            self.state = "off"

    @rx.event
    async def accept(self) -> None:
        await self._answer(True)

    @rx.event
    async def decline(self) -> None:
        await self._answer(False)

    # -- staff -------------------------------------------------------------------------------

    async def _staff_id(self) -> int | None:
        who = (await self.get_state(SessionState)).current_staff()
        if self.side != "staff" or who is None:
            self.error_key = "auth.forbidden"
            return None
        return who.staff_id

    @rx.event
    async def start(self) -> None:
        staff_id = await self._staff_id()
        if staff_id is None:
            return
        try:
            self.recording_id = await get_desk().ask(self.consultation_id, staff_id)
        except RecordingError as error:
            self.error_key = error.key
            return
        except (PermissionError, LookupError):
            self.error_key = "auth.forbidden"
            return
        except RuntimeError:
            self.error_key = "recording.unavailable"
            return
        self.state, self.declined, self.failed, self.error_key = "asking", False, False, ""

    @rx.event
    async def stop(self) -> None:
        staff_id = await self._staff_id()
        if staff_id is None:
            return
        try:
            await get_desk().stop(self.consultation_id, staff_id, reason="staff")
        except RecordingError as error:
            self.error_key = error.key
            return
        except (PermissionError, LookupError):
            self.error_key = "auth.forbidden"
            return
        self.state, self.error_key, self.late_notice = "off", "", False


def recording_badge() -> rx.Component:
    """Shown on both sides while recording, with the time since it started."""
    return rx.cond(
        RecordingState.state == "recording",
        rx.badge(
            rx.box(
                width="8px",
                height="8px",
                border_radius="50%",
                background="white",  # the solid red badge's own colour would hide it
                class_name="recording-dot",
            ),
            T["recording.badge"],
            rx.text.span(RecordingState.elapsed, id="recording-elapsed"),
            color_scheme="red",
            variant="solid",
            size="2",
            id="recording-badge",
            role="status",
            gap="6px",
        ),
    )


def consent_dialog() -> rx.Component:
    """The customer's notice: who records, why, for how long; accept or decline."""
    notice: Any = RecordingState.notice
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(
                rx.cond(
                    RecordingState.again,
                    T["recording.notice_again_title"],
                    T["recording.notice_title"],
                )
            ),
            rx.alert_dialog.description(
                rx.text(notice["lines"].to(str), white_space="pre-line", id="recording-notice"),
                size="2",
            ),
            rx.text(T["recording.notice_help"], size="2", color_scheme="gray", margin_top="2"),
            rx.flex(
                rx.button(
                    T["recording.decline"],
                    variant="soft",
                    color_scheme="gray",
                    on_click=RecordingState.decline,
                    id="recording-decline",
                ),
                rx.button(
                    T["recording.accept"],
                    on_click=RecordingState.accept,
                    id="recording-accept",
                ),
                spacing="3",
                margin_top="4",
                justify="end",
                wrap="wrap",
            ),
            max_width="460px",
        ),
        open=RecordingState.show_notice,
    )


def supervisor_recording() -> rx.Component:
    """What a supervisor in the call sees of its recording: the badge and the notice."""
    return rx.hstack(
        recording_badge(),
        rx.cond(
            RecordingState.late_notice & (RecordingState.state == "recording"),
            rx.text(T["recording.late_notice"], size="2", id="recording-late-notice"),
        ),
        align="center",
        wrap="wrap",
    )


def customer_recording() -> rx.Component:
    return rx.fragment(
        consent_dialog(),
        rx.cond(
            RecordingState.declined,
            rx.callout(T["recording.you_declined"], id="recording-you-declined", size="1"),
        ),
        rx.cond(
            RecordingState.error_key != "",
            rx.text(T[RecordingState.error_key], color_scheme="red", size="2", role="alert"),
        ),
    )


def staff_recording() -> rx.Component:
    """Start / stop, and what became of the last request."""
    return rx.vstack(
        rx.hstack(
            rx.match(
                RecordingState.state,
                (
                    "recording",
                    rx.button(
                        T["recording.stop"],
                        on_click=RecordingState.stop,
                        color_scheme="red",
                        variant="outline",
                        id="recording-stop",
                    ),
                ),
                (
                    "asking",
                    rx.hstack(
                        rx.spinner(size="2"),
                        rx.text(T["recording.asking"], size="2", id="recording-asking"),
                        rx.button(
                            T["recording.stop"],
                            on_click=RecordingState.stop,
                            variant="ghost",
                            color_scheme="gray",
                            size="1",
                        ),
                        align="center",
                    ),
                ),
                rx.button(
                    T["recording.start"],
                    on_click=RecordingState.start,
                    color_scheme="red",
                    variant="soft",
                    id="recording-start",
                ),
            ),
            align="center",
            wrap="wrap",
        ),
        rx.cond(
            RecordingState.declined,
            rx.callout(
                T["recording.declined_staff"],
                color_scheme="amber",
                size="1",
                id="recording-declined",
            ),
        ),
        rx.cond(
            RecordingState.failed,
            rx.callout(
                T["recording.failed_staff"], color_scheme="red", size="1", id="recording-failed"
            ),
        ),
        rx.cond(
            RecordingState.late_notice,
            rx.callout(T["recording.late_notice"], size="1", id="recording-late-notice"),
        ),
        rx.cond(
            RecordingState.error_key != "",
            rx.text(T[RecordingState.error_key], color_scheme="red", size="2", role="alert"),
        ),
        spacing="2",
        width="100%",
    )

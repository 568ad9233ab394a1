"""A supervisor in a live call: listen silently, whisper to staff, barge in; the call's timeline.

Opening the page starts listening (a step-in event); "Barge in" and "Leave" are events too.
Every handler re-checks that this supervisor may step into this call now (consult.calls.
supervision.live_call): the call may have ended or the login may have changed meanwhile.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

import reflex as rx
from reflex_base.event import EventSpec

from consult.calls import supervision
from consult.calls.consultations import chat_topic
from consult.calls.events import events_of
from consult.components.step_in_video import step_in_video
from consult.models import Consultation
from showroom import routes
from showroom.db import session_scope
from showroom.identity import StaffIdentity
from showroom.layout import T, forbidden_or, has_items, notice, page
from showroom.models import StaffMember, Store
from showroom.pages.call_recording import RecordingState, supervisor_recording
from showroom.pubsub import get_broker
from showroom.session_state import SessionState


def timeline(session: Any, consultation_id: int) -> list[dict[str, str]]:
    """The call's stored events, oldest first, with who and when (store time)."""
    call = session.get(Consultation, consultation_id)
    store = session.get(Store, call.store_id) if call else None
    zone = ZoneInfo(store.timezone if store else "UTC")
    names: dict[int, str] = {}
    rows = []
    for event in events_of(session, consultation_id):
        who = event.role or ""
        if event.staff_id:
            if event.staff_id not in names:
                member = session.get(StaffMember, event.staff_id)
                names[event.staff_id] = member.display_name if member else ""
            who = names[event.staff_id]
        rows.append(
            {
                "key": str(event.id),
                "at": event.created_at.astimezone(zone).strftime("%H:%M:%S"),
                "kind": event.kind,
                "who": who,
                "text": str((event.detail or {}).get("text", "")),
            }
        )
    return rows


class SupervisorCallState(rx.State):
    consultation_id: int = 0
    error_key: str = ""
    mode: str = "monitor"  # monitor (listening) | supervisor (barged in)
    customer: str = ""
    staff: str = ""
    events: list[dict[str, str]] = []
    whisper_error_key: str = ""
    whispers_sent: int = 0

    async def _who(self) -> StaffIdentity | None:
        who = (await self.get_state(SessionState)).current_staff()
        return who if who is not None and who.may("supervisor") else None

    def _refresh(self, session: Any) -> None:
        self.events = timeline(session, self.consultation_id)

    @rx.event
    async def load(self) -> EventSpec | None:
        session_state = await self.get_state(SessionState)
        redirect = session_state.authorise("supervisor")
        if redirect is not None or session_state.forbidden:
            return redirect
        who = session_state.current_staff()
        raw = routes.last_segment(self.router.url.path)
        self.consultation_id, self.mode, self.whispers_sent = 0, "monitor", 0
        self.whisper_error_key, self.events = "", []
        if who is None or not raw.isdigit() or len(raw) > 12:
            self.error_key = "supervise.unknown_call"
            return None
        consultation_id = int(raw)
        try:
            with session_scope() as session:
                call = supervision.live_call(session, consultation_id, who.store_id, who.staff_id)
                open_steps = supervision.state(session, consultation_id).open_steps(who.staff_id)
                if "listen" not in open_steps:
                    supervision.start(
                        session, consultation_id, who.store_id, who.staff_id, "listen"
                    )
                self.customer = call.customer_name
                member = session.get(StaffMember, call.staff_id or 0)
                self.staff = member.display_name if member else ""
                self.mode = "supervisor" if "barge" in open_steps else "monitor"
        except supervision.SupervisionError as error:
            self.error_key = error.key
            return None
        self.error_key, self.consultation_id = "", consultation_id
        with session_scope() as session:
            self._refresh(session)
        await get_broker().publish(supervision.staff_topic(consultation_id), {"kind": "step"})
        recording = await self.get_state(RecordingState)
        await recording._open_supervisor(consultation_id)
        return RecordingState.watch

    @rx.event
    async def whisper(self, form: dict[str, str]) -> None:
        who = await self._who()
        if who is None or not self.consultation_id:
            self.whisper_error_key = "auth.forbidden"
            return
        try:
            with session_scope() as session:
                supervision.whisper(session, self.consultation_id, who.store_id, who.staff_id,
                                    str(form.get("text", "")))  # fmt: skip
                self._refresh(session)
        except supervision.SupervisionError as error:
            self.whisper_error_key = error.key
            return
        self.whisper_error_key = ""
        self.whispers_sent += 1
        await get_broker().publish(supervision.staff_topic(self.consultation_id), {"kind": "step"})

    @rx.event
    async def barge_in(self) -> None:
        who = await self._who()
        if who is None or not self.consultation_id:
            self.error_key = "auth.forbidden"
            return
        try:
            with session_scope() as session:
                event = supervision.start(
                    session, self.consultation_id, who.store_id, who.staff_id, "barge"
                )
                event_id = event.id
                supervision.stop(
                    session, self.consultation_id, who.store_id, who.staff_id, "listen"
                )
                self._refresh(session)
        except supervision.SupervisionError as error:
            self.error_key = error.key
            return
        self.mode = "supervisor"
        await self._announce("supervisor_barged_in", event_id)

    async def _announce(self, kind: str, event_id: int) -> None:
        broker = get_broker()
        await broker.publish(supervision.staff_topic(self.consultation_id), {"kind": "step"})
        await broker.publish(supervision.everyone_topic(self.consultation_id), {"kind": "step"})
        await broker.publish(
            chat_topic(self.consultation_id),
            {"kind": "event", "event": kind, "role": "", "id": event_id},
        )

    @rx.event
    async def leave(self) -> EventSpec:
        """Stop listening (and leave the call, if barged in); back to the board."""
        who = await self._who()
        if who is not None and self.consultation_id:
            left_id = 0
            with session_scope() as session:
                for step in supervision.STEPS:
                    event = supervision.stop(
                        session, self.consultation_id, who.store_id, who.staff_id, step
                    )
                    if event is not None and step == "barge":
                        left_id = event.id
            if left_id:
                await self._announce("supervisor_left", left_id)
            else:
                await get_broker().publish(
                    supervision.staff_topic(self.consultation_id), {"kind": "step"}
                )
        self.consultation_id = 0
        return rx.redirect(routes.SUPERVISOR)


WHISPER: Any = SupervisorCallState.whisper


def timeline_row(item: Any) -> rx.Component:
    return rx.table.row(
        rx.table.cell(item["at"].to(str), white_space="nowrap"),
        rx.table.cell(T["timeline." + item["kind"].to(str)]),
        rx.table.cell(item["who"].to(str)),
        rx.table.cell(item["text"].to(str)),
        class_name="timeline-row",
        data_kind=item["kind"].to(str),
    )


def whisper_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.el.label(T["supervise.whisper_label"], html_for="whisper-text", font_size="14px"),
            rx.hstack(
                rx.input(name="text", id="whisper-text", max_length=600, width="100%"),
                rx.button(T["supervise.whisper_send"], type="submit", id="whisper-send"),
                width="100%",
            ),
            notice(SupervisorCallState.whisper_error_key),
            rx.cond(
                (SupervisorCallState.whispers_sent > 0)
                & (SupervisorCallState.whisper_error_key == ""),
                rx.text(
                    T["supervise.whisper_sent"], size="1", color_scheme="grass", id="whisper-ok"
                ),
            ),
            width="100%",
        ),
        on_submit=WHISPER,
        reset_on_submit=True,
        width="100%",
    )


def supervisor_call_page() -> rx.Component:
    state = SupervisorCallState
    return page(
        forbidden_or(
            rx.cond(
                state.error_key != "",
                rx.vstack(
                    rx.callout(
                        T[state.error_key], color_scheme="red", role="alert", id="supervise-error"
                    ),
                    rx.link(T["supervisor.title"], href=routes.SUPERVISOR),
                ),
                rx.cond(
                    state.consultation_id != 0,
                    rx.vstack(
                        rx.heading(T["supervise.title"], " #", state.consultation_id, size="6"),
                        supervisor_recording(),
                        rx.callout(
                            rx.cond(
                                state.mode == "supervisor",
                                T["supervise.barged"],
                                T["supervise.listening"],
                            ),
                            color_scheme=rx.cond(state.mode == "supervisor", "red", "violet"),
                            id="supervise-mode",
                            data_mode=state.mode,
                            width="100%",
                        ),
                        rx.cond(
                            state.mode == "supervisor",
                            step_in_video(
                                state.consultation_id,
                                "supervisor",
                                token="",
                                labels=[T["supervise.customer"], T["supervise.staff"]],
                                id="supervise-media",
                                key="supervisor",
                            ),
                            step_in_video(
                                state.consultation_id,
                                "monitor",
                                token="",
                                labels=[T["supervise.customer"], T["supervise.staff"]],
                                id="supervise-media",
                                key="monitor",
                            ),
                        ),
                        rx.hstack(
                            rx.cond(
                                state.mode == "monitor",
                                rx.button(
                                    T["supervise.barge"],
                                    on_click=state.barge_in,
                                    color_scheme="red",
                                    id="barge-in",
                                ),
                            ),
                            rx.button(
                                T["supervise.stop"],
                                on_click=state.leave,
                                variant="soft",
                                id="supervise-leave",
                            ),
                            spacing="3",
                            wrap="wrap",
                        ),
                        rx.heading(T["supervise.whisper"], size="4"),
                        whisper_form(),
                        rx.heading(T["supervise.timeline"], size="4"),
                        rx.cond(
                            has_items(state.events),
                            rx.box(
                                rx.table.root(
                                    rx.table.body(rx.foreach(state.events, timeline_row)),
                                    width="100%",
                                    id="timeline",
                                ),
                                width="100%",
                                overflow_x="auto",
                            ),
                        ),
                        spacing="4",
                        width="100%",
                    ),
                    rx.spinner(),
                ),
            )
        ),
        on_switch=state.load,
    )


ROUTE = routes.SUPERVISOR_CALL

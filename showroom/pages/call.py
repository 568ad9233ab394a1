"""The customer's side of a call, reached by a signed link: video, audio and chat."""

from __future__ import annotations

import reflex as rx
from reflex_base.event import EventSpec

from consult.components.call_video import call_video
from consult.consultations import consultation_for_link
from showroom import routes
from showroom.components.guided_tour import guided_tour
from showroom.db import session_scope
from showroom.identity import LinkError
from showroom.layout import T, page
from showroom.pages.chat import ChatState, chat_panel
from showroom.settings import get_settings


class CallState(rx.State):
    token: str = ""
    consultation_id: int = 0
    error_key: str = ""

    @rx.event
    async def load(self) -> EventSpec | None:
        self.token = str(self.router.page.params.get("call_token", ""))
        try:
            with session_scope() as session:
                consultation = consultation_for_link(session, get_settings().secret_key, self.token)
                self.consultation_id, status = consultation.id, consultation.status
        except LinkError as error:
            self.consultation_id, self.error_key = 0, error.key
            return None
        except LookupError:
            self.consultation_id, self.error_key = 0, "link.invalid"
            return None
        self.error_key = ""
        chat = await self.get_state(ChatState)
        chat.open(self.consultation_id, "customer")
        chat.call_status = status  # known now; the watcher keeps it current
        return ChatState.watch


def call_page() -> rx.Component:
    return page(
        rx.cond(
            CallState.error_key != "",
            rx.callout(T[CallState.error_key], color_scheme="red", role="alert", id="call-error"),
            rx.cond(
                CallState.consultation_id != 0,
                rx.grid(
                    rx.vstack(
                        rx.heading(T["call.title"], size="6"),
                        rx.cond(
                            ChatState.call_status == "waiting",
                            rx.callout(T["call.waiting"], id="call-waiting"),
                        ),
                        rx.cond(
                            ChatState.call_status == "ended",
                            rx.callout(T["call.ended"], id="call-ended"),
                            call_video(
                                consultation_id=CallState.consultation_id,
                                token=CallState.token,
                                role=T["call.staff"],
                                unmute_label=T["call.unmute"],
                                connecting_label=T["call.connecting"],
                                failed_label=T["call.could_not_join"],
                            ),
                        ),
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

"""After the call, the customer's page asks for 1 to 5 stars and an optional comment, once."""

from __future__ import annotations

from typing import Any

import reflex as rx

from consult.calls.consultations import consultation_for_link
from consult.calls.rating import RatingError, may_rate, rate
from showroom.db import session_scope
from showroom.identity import LinkError
from showroom.layout import T, notice
from showroom.settings import get_settings


class RatingState(rx.State):
    asking: bool = False
    thanked: bool = False
    error_key: str = ""

    @rx.event
    def check(self, token: str) -> None:
        """Ask only for an ended call this link grants that has no rating yet."""
        try:
            with session_scope() as session:
                call = consultation_for_link(session, get_settings().secret_key, str(token))
                self.asking = may_rate(call)
        except (LinkError, LookupError):
            self.asking = False

    @rx.event
    def submit(self, form: dict[str, Any]) -> None:
        token = str(form.get("token", ""))
        try:
            with session_scope() as session:
                call = consultation_for_link(session, get_settings().secret_key, token)
                rate(session, call.id, str(form.get("stars", "")), str(form.get("comment", "")))
        except RatingError as error:
            self.error_key = error.key
            if error.key == "rating.already":
                self.asking = False
            return
        except (LinkError, LookupError):
            self.error_key = "link.invalid"
            return
        self.error_key, self.asking, self.thanked = "", False, True


CHECK: Any = RatingState.check
SUBMIT: Any = RatingState.submit


def rating_panel(token: Any) -> rx.Component:
    return rx.box(
        rx.cond(
            RatingState.asking,
            rx.card(
                rx.form(
                    rx.vstack(
                        rx.heading(T["rating.title"], size="4"),
                        rx.radio_group(
                            ["1", "2", "3", "4", "5"],
                            name="stars",
                            direction="row",
                            aria_label=T["rating.title"],
                            id="rating-stars",
                        ),
                        rx.text(T["rating.scale"], size="1", color_scheme="gray"),
                        rx.el.label(
                            T["rating.comment"], html_for="rating-comment", font_size="14px"
                        ),
                        rx.text_area(
                            name="comment", id="rating-comment", max_length=1200, width="100%"
                        ),
                        rx.el.input(type="hidden", name="token", value=token),
                        notice(RatingState.error_key),
                        rx.button(T["rating.send"], type="submit", id="rating-send"),
                        width="100%",
                    ),
                    on_submit=SUBMIT,
                ),
                width="100%",
                id="rating",
            ),
        ),
        rx.cond(
            RatingState.thanked,
            rx.callout(T["rating.thanks"], color_scheme="green", id="rating-thanks"),
        ),
        width="100%",
        on_mount=CHECK(token),
    )

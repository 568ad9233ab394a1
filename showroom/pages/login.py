"""Staff and supervisor login."""

from __future__ import annotations

from typing import Any

import reflex as rx

from showroom import routes
from showroom.components.post_form import post_form
from showroom.layout import T, field_label, page

ERRORS = ("missing_fields", "invalid_credentials", "throttled")


class LoginState(rx.State):
    """What the login route said when it sent the browser back here (it does the login)."""

    error_key: str = ""
    wait_s: str = ""
    next_path: str = ""

    @rx.event
    def load(self) -> None:
        query = self.router.url.query_parameters
        error = str(query.get("error", ""))
        self.error_key = f"auth.{error}" if error in ERRORS else ""
        wait = str(query.get("wait", ""))
        self.wait_s = wait if wait.isdigit() else "0"
        self.next_path = str(query.get("next", ""))


def error_notice() -> rx.Component:
    key: Any = LoginState.error_key
    message: Any = T[key]
    return rx.cond(
        key != "",
        rx.callout(
            message.replace("{seconds}", LoginState.wait_s),
            color_scheme="red",
            role="alert",
            width="100%",
            id="login-error",
        ),
    )


def login() -> rx.Component:
    return page(
        rx.card(
            # A plain form post: the server checks, throttles and sets the HttpOnly cookie.
            post_form(
                rx.vstack(
                    rx.heading(T["login.title"], size="6"),
                    error_notice(),
                    field_label(T["login.email"], "email", weight="medium"),
                    rx.input(
                        id="email",
                        name="email",
                        type="email",
                        auto_complete="username",
                        width="100%",
                        size="3",
                    ),
                    field_label(T["login.password"], "password", weight="medium"),
                    rx.input(
                        id="password",
                        name="password",
                        type="password",
                        auto_complete="current-password",
                        width="100%",
                        size="3",
                    ),
                    rx.el.input(type="hidden", name="next", value=LoginState.next_path),
                    rx.button(T["login.submit"], type="submit", size="3", width="100%"),
                    spacing="3",
                ),
                action=routes.LOGIN_POST,
            ),
            max_width="420px",
            margin_x="auto",
            margin_top="4em",
        )
    )


ROUTE = routes.LOGIN

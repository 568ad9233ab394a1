"""Staff and supervisor login."""

from __future__ import annotations

import reflex as rx
from reflex_base.event import EventSpec

from showroom import routes
from showroom.db import session_scope
from showroom.identity import AuthError, log_in
from showroom.layout import T, notice, page
from showroom.session_state import SessionState
from showroom.settings import get_settings


def _log_in(email: str, password: str) -> str:
    with session_scope() as session:
        return log_in(session, email, password, hours=get_settings().session_hours)


class LoginState(rx.State):
    error_key: str = ""

    @rx.event
    async def submit(self, form: dict[str, str]) -> EventSpec | None:
        email, password = form.get("email", "").strip(), form.get("password", "")
        if not email or not password:
            self.error_key = "auth.missing_fields"
            return None
        try:
            # argon2 is deliberately slow: verify off the event loop so other users are not held up.
            token = await rx.run_in_thread(lambda: _log_in(email, password))
        except AuthError as error:
            self.error_key = error.key
            return None
        self.error_key = ""
        session_state = await self.get_state(SessionState)
        session_state.session_token = token
        who = session_state.current_staff()
        target = self.router.url.query_parameters.get("next", "")
        if not target.startswith("/") or target.startswith("//"):
            target = routes.SUPERVISOR if who and who.role == "supervisor" else routes.STAFF
        return rx.redirect(target)


def login() -> rx.Component:
    return page(
        rx.card(
            rx.form(
                rx.vstack(
                    rx.heading(T["login.title"], size="6"),
                    notice(LoginState.error_key),
                    rx.text(
                        T["login.email"],
                        as_="label",
                        custom_attrs={"htmlFor": "email"},
                        weight="medium",
                    ),
                    rx.input(
                        id="email",
                        name="email",
                        type="email",
                        autocomplete="username",
                        width="100%",
                        size="3",
                    ),
                    rx.text(
                        T["login.password"],
                        as_="label",
                        custom_attrs={"htmlFor": "password"},
                        weight="medium",
                    ),
                    rx.input(
                        id="password",
                        name="password",
                        type="password",
                        autocomplete="current-password",
                        width="100%",
                        size="3",
                    ),
                    rx.button(T["login.submit"], type="submit", size="3", width="100%"),
                    spacing="3",
                ),
                on_submit=LoginState.submit,
                reset_on_submit=False,
            ),
            max_width="420px",
            margin_x="auto",
            margin_top="4em",
        )
    )


ROUTE = routes.LOGIN

"""The small shared state every page reads: language, and who is logged in (ids only)."""

from __future__ import annotations

import secrets
from functools import partialmethod

import reflex as rx
from reflex_base.event import EventSpec
from starlette.requests import cookie_parser

from showroom import routes
from showroom.db import session_scope
from showroom.i18n import LANGUAGES, catalogue, normalise_language, viewer_texts
from showroom.identity import SESSION_COOKIE, StaffIdentity, identify


class SessionState(rx.State):
    lang_cookie: str = rx.Cookie("", name="showroom_lang", max_age=365 * 24 * 3600, same_site="lax")
    # An anonymous id for this browser, so staff can see what a caller looked at in the tour.
    visitor_id: str = rx.LocalStorage("", name="showroom_visitor")
    staff_id: int = 0
    staff_name: str = ""
    role: str = ""
    forbidden: bool = False

    @rx.var
    def lang(self) -> str:
        if self.lang_cookie in LANGUAGES:
            return self.lang_cookie
        return normalise_language(self.router.headers.accept_language)

    @rx.var
    def t(self) -> dict[str, str]:
        return catalogue(self.lang)

    @rx.var
    def viewer_texts(self) -> dict[str, str]:
        return viewer_texts(self.lang)

    @rx.event
    def switch_language(self) -> None:
        self.lang_cookie = "en" if self.lang == "ja" else "ja"

    def _ensure_visitor(self) -> str:
        if not self.visitor_id:
            self.visitor_id = secrets.token_urlsafe(16)
        return self.visitor_id

    def _session_token(self) -> str:
        """The session cookie the browser sent when it opened this page's connection. The
        server sets it HttpOnly (`showroom.session_routes`): no page script, and no state
        var, ever holds it; each event checks it against the database again."""
        return cookie_parser(self.router.headers.cookie or "").get(SESSION_COOKIE, "")

    def _current_staff(self) -> StaffIdentity | None:
        with session_scope() as session:
            return identify(session, self._session_token())

    def _authorise(self, required_role: str) -> EventSpec | None:
        """Fill in who is logged in; redirect to login if nobody, mark forbidden if wrong role."""
        who = self._current_staff()
        self.forbidden = False
        if who is None:
            self.staff_id, self.staff_name, self.role = 0, "", ""
            return rx.redirect(routes.login(self.router.url.path))
        self.staff_id, self.staff_name, self.role = who.staff_id, who.display_name, who.role
        self.forbidden = not who.may(required_role)
        return None

    # Helpers for the pages, not events: every public method of a state is an event the
    # browser can call by name, and these must not be (a browser must not ask for the token).
    ensure_visitor = partialmethod(_ensure_visitor)
    session_token = partialmethod(_session_token)
    current_staff = partialmethod(_current_staff)
    authorise = partialmethod(_authorise)

"""The page shell: header with navigation and the language switch, and shared small pieces."""

from __future__ import annotations

from typing import Any

import reflex as rx

from showroom import routes
from showroom.components.post_form import post_form
from showroom.session_state import SessionState

T = SessionState.t


def has_items(list_var: Any) -> Any:
    """A list state var is not empty (typed Any: mypy sees state vars as plain lists)."""
    return list_var.length() > 0


def has_key(dict_var: Any, key: str) -> Any:
    return dict_var.contains(key)


def language_switch(on_switch: Any = None) -> rx.Component:
    """Switches ja/en; `on_switch` reloads the page's language-dependent data, if it has any."""
    handlers = [SessionState.switch_language] + ([on_switch] if on_switch is not None else [])
    return rx.button(
        T["lang.switch"],
        on_click=handlers,
        variant="soft",
        size="2",
        # The name starts with the visible word (WCAG 2.5.3) and says what it does.
        aria_label=T["lang.switch_name"],
        id="language-switch",
    )


NAV_GAP = rx.breakpoints(initial="3", sm="5")


# Below 992 px (Reflex's md breakpoint, 62em) the name has the first row to itself and the
# links and the language switch always take the second: the header is as tall in Japanese
# (which wraps at phone width) as in English (which fits one row), so the page does not jump
# when the chosen language arrives.
BRAND_WIDTH = rx.breakpoints(initial="100%", md="auto")


def header(on_switch: Any = None) -> rx.Component:
    # Names never break inside (ショー/ルーム).
    return rx.hstack(
        rx.link(
            rx.heading(T["app.name"], size="5", white_space="nowrap"),
            href=routes.INDEX,
            underline="none",
            width=BRAND_WIDTH,
        ),
        rx.spacer(),
        rx.cond(
            SessionState.role != "",
            # One group, so that on a phone the links wrap together under the name.
            rx.hstack(
                rx.link(T["nav.home"], href=routes.INDEX),
                rx.link(T["nav.staff"], href=routes.STAFF),
                rx.link(T["orders.title"], href=routes.ORDERS, id="nav-orders"),
                rx.link(T["recordings.link"], href=routes.RECORDINGS, id="nav-recordings"),
                rx.cond(
                    SessionState.role == "supervisor",
                    rx.link(T["nav.supervisor"], href=routes.SUPERVISOR),
                ),
                rx.cond(
                    SessionState.role == "supervisor",
                    rx.link(T["admin.nav"], href=routes.ADMIN),
                ),
                # Served by the API (the session cookie is HttpOnly: only the server ends it).
                post_form(
                    rx.button(T["nav.logout"], type="submit", variant="ghost", id="logout"),
                    action=routes.LOGOUT,
                    display="contents",
                ),
                spacing=NAV_GAP,
                align="center",
                wrap="wrap",
            ),
            rx.fragment(
                rx.link(T["nav.home"], href=routes.INDEX),
                rx.link(T["nav.login"], href=routes.LOGIN),
            ),
        ),
        language_switch(on_switch),
        spacing=NAV_GAP,
        align="center",
        wrap="wrap",
        row_gap="0.4em",
        padding_x=["1em", "1em", "1.5em"],
        padding_y="0.8em",
        width="100%",
        white_space="nowrap",
        border_bottom="1px solid var(--gray-a5)",
        background="var(--color-panel-solid)",
    )


def page(*children: rx.Component, on_switch: Any = None, **props: Any) -> rx.Component:
    # `data-page-lang` is copied to <html lang> by the head script in showroom.py (WCAG 3.1.1).
    return rx.box(
        rx.el.a(T["a11y.skip"], href="#main", class_name="skip-link"),
        header(on_switch),
        rx.el.main(
            rx.box(*children, padding="1.5em", max_width="1200px", margin_x="auto", **props),
            id="main",
            tab_index=-1,
        ),
        lang=SessionState.lang,
        custom_attrs={"data-page-lang": SessionState.lang},
        min_height="100vh",
        background="var(--gray-2)",
    )


def field_label(text: Any, for_id: str, **props: Any) -> rx.Component:
    """A form field's visible label, tied to the field by its id (screen readers, clicks)."""
    return rx.text(text, as_="label", custom_attrs={"htmlFor": for_id}, **props)


def upload_area(label: Any, *children: rx.Component, **props: Any) -> rx.Component:
    """A drop zone whose file input has a name (Reflex renders that input without props)."""
    area = rx.upload(*children, **props)
    file_input = area.children[0].children[0]
    file_input.custom_attrs["aria-label"] = label
    return area


def notice(key_var: Any, color: str = "red") -> rx.Component:
    """A translated message box, shown when `key_var` (a message key) is not empty."""
    return rx.cond(
        key_var != "",
        rx.callout(T[key_var], color_scheme=color, role="alert", width="100%"),
    )


def forbidden_or(content: rx.Component) -> rx.Component:
    """What a logged-in user without the right role sees instead of the page."""
    return rx.cond(
        SessionState.forbidden,
        rx.callout(T["auth.forbidden"], color_scheme="red", role="alert", id="forbidden"),
        rx.cond(SessionState.staff_id != 0, content, rx.spinner()),
    )

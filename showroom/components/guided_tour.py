"""The guided tour panel of a call page: `guided_tour("staff")` or `guided_tour("customer")`.

One expression per call page. The customer's panel shows only while a guide is on (as its own
grid cell, beside the video); the staff panel is always there, to start and steer the tour.
"""

from __future__ import annotations

from typing import Any, Literal

import reflex as rx

from showroom.components.panorama_viewer import panorama_viewer
from showroom.layout import T, has_key, notice
from showroom.pages.chat import ChatState
from showroom.pages.guide import STEER_INTERVAL_MS, GuideState
from showroom.session_state import SessionState

VIEWER_HEIGHT = "min(56vh, 460px)"
SHOW_SCENE: Any = GuideState.show_scene  # called with an argument (mypy sees a namespace)
ACTIVE: Any = GuideState.active


def _viewer(role: Literal["staff", "customer"]) -> rx.Component:
    steering: dict[str, Any] = (
        {
            "on_view_change": GuideState.steer,
            "on_marker_click": GuideState.point_at,
            "view_change_interval": STEER_INTERVAL_MS,
        }
        if role == "staff"
        else {"on_user_interaction": GuideState.take_control}
    )
    return rx.box(
        rx.cond(
            has_key(GuideState.panorama, "levels"),
            panorama_viewer(
                panorama=GuideState.panorama,
                base_url=GuideState.base_url,
                markers=GuideState.markers,
                default_yaw=GuideState.default_yaw,
                default_pitch=GuideState.default_pitch,
                default_zoom=GuideState.default_zoom,
                lang=SessionState.viewer_texts,
                target_view=GuideState.target,
                highlight=GuideState.highlight,
                id=f"guide-viewer-{role}",
                **steering,
            ),
            rx.center(rx.spinner(), height="100%"),
        ),
        position="relative",
        width="100%",
        height=VIEWER_HEIGHT,
        border_radius="10px",
        overflow="hidden",
        background="#222",
    )


def _who_steers(staff_side: bool) -> rx.Component:
    """Who moves the customer's view, said to each side in its own words."""
    following = GuideState.holder == "staff"
    return rx.badge(
        rx.icon(rx.cond(following, "compass", "hand"), size=14),
        rx.cond(
            following,
            T["guide.customer_follows"] if staff_side else T["guide.staff_steering"],
            T["guide.customer_has_control"] if staff_side else T["guide.you_steer"],
        ),
        color_scheme=rx.cond(following, "grass", "amber"),
        size="2",
        id="guide-holder",
        data_holder=GuideState.holder,
        white_space="normal",
    )


def _scene_buttons() -> rx.Component:
    return rx.hstack(
        rx.text(T["guide.scene"], weight="medium", size="2"),
        rx.foreach(
            GuideState.scenes,
            lambda s: rx.button(
                s["name"],
                on_click=SHOW_SCENE(s["id"]),
                variant=rx.cond(s["id"] == GuideState.scene_id, "solid", "soft"),
                size="1",
                class_name="guide-scene",
                data_scene_id=s["id"],
            ),
        ),
        align="center",
        wrap="wrap",
        spacing="2",
    )


def _header(action: rx.Component) -> rx.Component:
    """The panel's title with the one action that side has (start/stop, take/hand back)."""
    return rx.hstack(
        rx.heading(T["guide.title"], size="4"), rx.spacer(), action, width="100%", align="center"
    )


def _staff_panel() -> rx.Component:
    return rx.card(
        rx.vstack(
            _header(
                rx.cond(
                    GuideState.active,
                    rx.button(
                        rx.icon("square", size=14),
                        T["guide.stop"],
                        on_click=GuideState.stop,
                        color_scheme="red",
                        variant="soft",
                        id="guide-stop",
                    ),
                    rx.button(
                        rx.icon("compass", size=14),
                        T["guide.start"],
                        on_click=GuideState.start,
                        id="guide-start",
                    ),
                ),
            ),
            notice(GuideState.error_key),
            rx.cond(
                GuideState.active,
                rx.vstack(
                    _who_steers(staff_side=True),
                    _scene_buttons(),
                    _viewer("staff"),
                    rx.hstack(
                        rx.text(T["guide.steer_hint"], size="1", color_scheme="gray"),
                        rx.spacer(),
                        rx.cond(
                            GuideState.highlight != "",
                            rx.button(
                                T["guide.clear_highlight"],
                                on_click=GuideState.clear_highlight,
                                size="1",
                                variant="ghost",
                                id="guide-clear-highlight",
                            ),
                        ),
                        width="100%",
                        align="center",
                    ),
                    width="100%",
                    spacing="2",
                ),
                rx.text(T["guide.intro"], size="2", color_scheme="gray"),
            ),
            width="100%",
            spacing="3",
        ),
        width="100%",
        id="guided-tour",
        data_active=ACTIVE.to_string(),
        on_mount=GuideState.open_staff,
    )


def _customer_panel() -> rx.Component:
    following = GuideState.holder == "staff"
    return rx.card(
        rx.vstack(
            _header(
                rx.cond(
                    following,
                    rx.button(
                        rx.icon("hand", size=14),
                        T["guide.take_control"],
                        on_click=GuideState.take_control,
                        variant="soft",
                        id="guide-take-control",
                    ),
                    rx.button(
                        rx.icon("compass", size=14),
                        T["guide.follow"],
                        on_click=GuideState.follow,
                        color_scheme="grass",
                        id="guide-follow",
                    ),
                ),
            ),
            _who_steers(staff_side=False),
            _viewer("customer"),
            width="100%",
            spacing="3",
        ),
        width="100%",
    )


def guided_tour(role: Literal["staff", "customer"]) -> rx.Component:
    """The panel for one side of the call; it opens its own state from the page's route."""
    if role == "staff":
        return _staff_panel()
    shown: Any = ACTIVE & (ChatState.call_status != "ended")
    return rx.box(
        rx.cond(shown, _customer_panel()),
        id="guided-tour",
        data_active=shown.to_string(),
        data_latest_seq=GuideState.latest_seq,
        display=rx.cond(shown, "block", "none"),
        width="100%",
        on_mount=GuideState.open_customer,
    )

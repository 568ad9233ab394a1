"""The admin's scene editor: Photo Sphere Viewer where a click places a hotspot.

The React side is ``assets/panorama_editor.jsx`` (imported from ``.web/public/`` like the
customer's viewer; see ``panorama_viewer.py``). Same pinned npm packages as the customer's
viewer, so both share one bundle of Photo Sphere Viewer and three.

Usage::

    panorama_editor(
        panorama=AdminState.panorama,
        base_url=AdminState.base_url,
        markers=AdminState.markers,  # [{id, yaw, pitch, label, kind}]
        selected_id=AdminState.selected_id,
        pending=AdminState.pending,  # {"yaw", "pitch"} or {}
        on_place=AdminState.place,  # handler(position: dict[str, float])
        on_select=AdminState.select,  # handler(marker_id: str)
        on_move=AdminState.move,  # handler(move: dict[str, Any]) with id, yaw, pitch
        on_view_change=AdminState.view_changed,  # handler(view: dict[str, float])
    )

The component fills its parent: give the parent a size.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypedDict

import reflex as rx
from reflex_base.event import passthrough_event_spec

from showroom.components.panorama_viewer import NPM_PACKAGES

JSX_MODULE = "$/public/panorama_editor.jsx"


class Position(TypedDict):
    yaw: float
    pitch: float


class Move(TypedDict):
    id: str
    yaw: float
    pitch: float


class View(TypedDict):
    yaw: float
    pitch: float
    zoom: float


if TYPE_CHECKING:
    PlaceTrigger = rx.EventHandler
    SelectTrigger = rx.EventHandler
    MoveTrigger = rx.EventHandler
    ViewTrigger = rx.EventHandler
else:
    PlaceTrigger = rx.EventHandler[passthrough_event_spec(Position)]
    SelectTrigger = rx.EventHandler[passthrough_event_spec(str)]
    MoveTrigger = rx.EventHandler[passthrough_event_spec(Move)]
    ViewTrigger = rx.EventHandler[passthrough_event_spec(View)]


class PanoramaEditor(rx.NoSSRComponent):
    """Tiled cubemap panorama with clickable placing and draggable hotspots."""

    library = JSX_MODULE
    tag = "PanoramaEditor"
    lib_dependencies: list[str] = NPM_PACKAGES

    panorama: rx.Var[dict[str, Any] | None]
    base_url: rx.Var[str]
    markers: rx.Var[list[dict[str, Any]]]
    selected_id: rx.Var[str]
    pending: rx.Var[dict[str, float]]
    default_yaw: rx.Var[float]
    default_pitch: rx.Var[float]
    default_zoom: rx.Var[float]
    lang: rx.Var[dict[str, str]]

    on_place: PlaceTrigger
    on_select: SelectTrigger
    on_move: MoveTrigger
    on_view_change: ViewTrigger


def panorama_editor(**props: Any) -> rx.Component:
    """Create a :class:`PanoramaEditor`; props as in the class (id, style pass through)."""
    return PanoramaEditor.create(**props)

"""Photo Sphere Viewer 5 (cubemap tiles + markers) as a Reflex component.

The React side is ``assets/panorama_viewer.jsx``. Reflex copies ``assets/`` into
``.web/public/`` at build time, so the module is imported as
``$/public/panorama_viewer.jsx`` (what ``rx.asset("panorama_viewer.jsx").importable_path``
returns; spelled out here so importing this module never depends on the current
directory). It is a :class:`rx.NoSSRComponent`: the module touches ``window`` and
WebGL, so it is loaded with a dynamic ``import()`` in the browser only.

Usage::

    panorama_viewer(
        panorama=TourState.panorama,  # tiler contract, see PanoramaSpec
        base_url=TourState.panorama_base_url,  # e.g. "/media/panoramas/aoyama/living/"
        markers=TourState.markers,  # list of MarkerSpec
        default_yaw=TourState.default_yaw,
        on_marker_click=TourState.open_hotspot,  # handler(marker_id: str)
        on_view_change=TourState.record_view,  # handler(view: dict[str, float])
        on_ready=TourState.viewer_ready,
    )

The component fills its parent (width and height 100%): give the parent a size.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, TypedDict

import reflex as rx
from reflex_base.event import EventType, no_args_event_spec, passthrough_event_spec

# Pinned npm versions. @photo-sphere-viewer/core 5.15.1 depends on three ^0.185.1;
# cubemap-tiles-adapter has cubemap-adapter as a peer dependency.
PSV_VERSION = "5.15.1"
THREE_VERSION = "0.185.1"
NPM_PACKAGES: list[str] = [
    f"@photo-sphere-viewer/core@{PSV_VERSION}",
    f"@photo-sphere-viewer/cubemap-adapter@{PSV_VERSION}",
    f"@photo-sphere-viewer/cubemap-tiles-adapter@{PSV_VERSION}",
    f"@photo-sphere-viewer/markers-plugin@{PSV_VERSION}",
    f"@photo-sphere-viewer/autorotate-plugin@{PSV_VERSION}",
    f"@photo-sphere-viewer/gyroscope-plugin@{PSV_VERSION}",
    f"three@{THREE_VERSION}",
]

# Local asset in the app's assets/ folder, imported from the generated .web/public/.
JSX_MODULE = "$/public/panorama_viewer.jsx"

CubeFace = Literal["left", "front", "right", "back", "top", "bottom"]


class PanoramaLevel(TypedDict):
    """One tile level: ``nbTiles`` x ``nbTiles`` tiles per face of ``faceSize`` px."""

    faceSize: int
    nbTiles: int


class PanoramaSpec(TypedDict):
    """The tiler's output contract (paths are relative to ``base_url``)."""

    version: int
    tileSize: int
    flipTopBottom: bool
    base: dict[str, str]  # CubeFace -> path of the small base face
    levels: list[PanoramaLevel]  # ascending face size
    tile: str  # "{faceSize}/{face}_{col}_{row}.jpg"


class MarkerSpec(TypedDict):
    """A hotspot: a product pill (label + stock badge) or a link to another scene."""

    id: str
    yaw: float  # radians
    pitch: float  # radians
    label: str
    kind: Literal["product", "scene"]
    badge: Literal["in", "few", "out", ""]


class ViewChange(TypedDict):
    """Payload of ``on_view_change``: radians, zoom level 0-100, and whether the view
    turned by itself (autorotate) rather than by the visitor."""

    yaw: float
    pitch: float
    zoom: float
    auto: bool


# Event trigger types. Reflex reads the spec from the subscript at runtime; mypy
# does not accept a call inside a type subscript, so it sees the bare class.
if TYPE_CHECKING:
    MarkerClickTrigger = rx.EventHandler
    ViewChangeTrigger = rx.EventHandler
    ReadyTrigger = rx.EventHandler
else:
    MarkerClickTrigger = rx.EventHandler[passthrough_event_spec(str)]
    ViewChangeTrigger = rx.EventHandler[passthrough_event_spec(ViewChange)]
    ReadyTrigger = rx.EventHandler[no_args_event_spec]


class PanoramaViewer(rx.NoSSRComponent):
    """Tiled cubemap panorama with product and scene markers."""

    library = JSX_MODULE
    tag = "PanoramaViewer"
    lib_dependencies: list[str] = NPM_PACKAGES

    # The tiler contract (PanoramaSpec); changing it (or base_url) swaps the
    # panorama in place with viewer.setPanorama at the default position.
    # None (or {}) keeps the current panorama (an empty viewer before the first).
    panorama: rx.Var[dict[str, Any] | None]

    # URL prefix of the relative paths in `panorama`.
    base_url: rx.Var[str]

    # Hotspots (MarkerSpec); updated in place by id, the view is kept.
    markers: rx.Var[list[dict[str, Any]]]

    # Initial view (radians), used at mount and on each panorama change.
    default_yaw: rx.Var[float]
    default_pitch: rx.Var[float]

    # Initial zoom level 0-100.
    default_zoom: rx.Var[float]

    # Guided tour (pass these through panorama_viewer's **props). A view to animate to,
    # GuideTarget {"yaw", "pitch", "zoom", "seq"}; a new seq moves again to the same view.
    target_view: rx.Var[dict[str, Any] | None]

    # Marker id to point out (pulses); "" for none.
    highlight: rx.Var[str]

    # Milliseconds between on_view_change events (default 500).
    view_change_interval: rx.Var[int]

    # The user dragged, scrolled, used arrow keys or clicked in the viewer (≤ 1/s).
    on_user_interaction: ReadyTrigger

    # Optional PSV `lang` overrides (navbar tooltips), e.g. {"zoomIn": "ズームイン"}.
    lang: rx.Var[dict[str, str]]

    # Milliseconds without interaction before the view turns by itself; 0: never.
    autorotate_delay: rx.Var[int]

    # Offer the phone's motion sensors to drive the view (a navbar button where supported).
    gyroscope: rx.Var[bool]

    # A marker was clicked: receives the marker id.
    on_marker_click: MarkerClickTrigger

    # The view moved: receives ViewChange {"yaw", "pitch", "zoom"}, at most twice a
    # second (handlers may annotate it as ViewChange or dict[str, float]).
    on_view_change: ViewChangeTrigger

    # The first panorama has been rendered.
    on_ready: ReadyTrigger

    def add_custom_code(self) -> list[str]:
        """Start fetching the viewer's code (three.js and all, the page's largest chunk) as
        soon as the page module runs, not when React first mounts the component: the first
        panorama pixels come that much sooner (bench/tour_load.py)."""
        return [f'import("{JSX_MODULE}");']


def panorama_viewer(
    panorama: rx.Var[Any] | PanoramaSpec | dict[str, Any] | None,
    base_url: rx.Var[str] | str,
    markers: rx.Var[Any] | list[MarkerSpec] | list[dict[str, Any]] | None = None,
    *,
    default_yaw: rx.Var[float] | float = 0.0,
    default_pitch: rx.Var[float] | float = 0.0,
    default_zoom: rx.Var[float] | float = 50.0,
    lang: rx.Var[dict[str, str]] | dict[str, str] | None = None,
    autorotate_delay: int = 0,
    gyroscope: bool = False,
    on_marker_click: EventType[str] | None = None,
    on_view_change: EventType[ViewChange] | None = None,
    on_ready: EventType[()] | None = None,
    **props: Any,
) -> rx.Component:
    """Create a :class:`PanoramaViewer`; extra ``props`` (id, class_name, ...) pass through."""
    kwargs: dict[str, Any] = {
        "panorama": panorama,
        "base_url": base_url,
        "markers": [] if markers is None else markers,
        "default_yaw": default_yaw,
        "default_pitch": default_pitch,
        "default_zoom": default_zoom,
        "autorotate_delay": autorotate_delay,
        "gyroscope": gyroscope,
    }
    if lang is not None:
        kwargs["lang"] = lang
    events = {
        "on_marker_click": on_marker_click,
        "on_view_change": on_view_change,
        "on_ready": on_ready,
    }
    kwargs.update({name: handler for name, handler in events.items() if handler is not None})
    return PanoramaViewer.create(**kwargs, **props)

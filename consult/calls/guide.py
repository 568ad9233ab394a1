"""Guided tour in a call: staff steer the customer's panorama (scene, turning, zoom, a
highlighted hotspot); the customer may take control and hand it back.

Live views travel on the call's guide topic (`guide_topic`), published by the staff member's
page after `check_view`. Whether a guide is on, and the scene it started in, are stored as
consultation events (guide_started / guide_stopped), so a page that (re)opens on any worker
finds the tour. The latest view itself is not stored: a page that opens publishes `hello` and
the staff member's page answers with its current view (see showroom/pages/guide.py).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from consult.calls.events import record_event
from consult.models import Consultation, ConsultationEvent
from showroom.models import Hotspot, Scene, Store
from showroom.tours.scenes import SceneView, localised, scene_view

Holder = Literal["staff", "customer"]
HOLDERS: tuple[Holder, ...] = ("staff", "customer")
VIEW_FIELDS = frozenset({"type", "scene_id", "yaw", "pitch", "zoom", "highlight", "seq"})
MAX_SEQ = 2**53  # JavaScript's safe integers: the browser may make these
MAX_ID = 2**31
HOTSPOT_ID = re.compile(r"h[1-9][0-9]{0,9}")
TAU = 2 * math.pi


class GuideError(ValueError):
    """A view or request that cannot be applied; `key` is the translated reason."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


@dataclass(frozen=True)
class GuideView:
    """Where the staff member looks: radians, zoom level 0-100, marker id or None."""

    scene_id: int
    yaw: float
    pitch: float
    zoom: float
    highlight: str | None
    seq: int

    def message(self, kind: Literal["view", "start"] = "view") -> dict[str, Any]:
        return {"type": kind, **asdict(self)}


@dataclass(frozen=True)
class GuideStatus:
    """A guide that is on: the scene it started in and who started it."""

    scene_id: int
    staff_id: int | None


def guide_topic(consultation_id: int) -> str:
    return f"guide:{consultation_id}"


def _number(raw: Mapping[str, object], field: str, low: float, high: float) -> float:
    value = raw.get(field)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise GuideError("guide.bad_view")
    number = float(value)
    if not math.isfinite(number) or not low <= number <= high:
        raise GuideError("guide.bad_view")
    return number


def _integer(raw: Mapping[str, object], field: str, low: int, high: int) -> int:
    value = raw.get(field)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise GuideError("guide.bad_view")
    return value


def parse_view(raw: object) -> GuideView:
    """A view message's shape and bounds (no database): GuideError("guide.bad_view") if not."""
    if not isinstance(raw, Mapping) or not set(raw) <= VIEW_FIELDS:
        raise GuideError("guide.bad_view")
    highlight = raw.get("highlight")
    if highlight in (None, ""):
        highlight = None
    elif not isinstance(highlight, str) or not HOTSPOT_ID.fullmatch(highlight):
        raise GuideError("guide.bad_view")
    # Yaw wraps around (PSV may report any turn); pitch and zoom have hard limits.
    yaw = _number(raw, "yaw", -100 * TAU, 100 * TAU) % TAU
    return GuideView(
        scene_id=_integer(raw, "scene_id", 1, MAX_ID),
        yaw=round(yaw, 5),
        pitch=round(_number(raw, "pitch", -math.pi / 2 - 1e-6, math.pi / 2 + 1e-6), 5),
        zoom=round(_number(raw, "zoom", 0, 100), 2),
        highlight=highlight,
        seq=_integer(raw, "seq", 0, MAX_SEQ),
    )


def _live_consultation(session: Session, consultation_id: int) -> Consultation:
    consultation = session.get(Consultation, consultation_id)
    if consultation is None:
        raise LookupError(f"consultation {consultation_id}")
    if consultation.status == "ended":
        raise GuideError("guide.call_ended")
    return consultation


def _scene_of_store(session: Session, store_id: int, scene_id: int) -> Scene:
    scene = session.get(Scene, scene_id)
    if scene is None or scene.store_id != store_id or scene.panorama_meta is None:
        raise GuideError("guide.unknown_scene")
    return scene


def check_view(session: Session, consultation_id: int, view: GuideView) -> GuideView:
    """The scene is one of the call's store (with a panorama), the highlight one of its hotspots."""
    consultation = _live_consultation(session, consultation_id)
    _scene_of_store(session, consultation.store_id, view.scene_id)
    if view.highlight is not None:
        hotspot = session.get(Hotspot, int(view.highlight[1:]))
        if hotspot is None or hotspot.scene_id != view.scene_id:
            raise GuideError("guide.unknown_hotspot")
    return view


def may_guide(session: Session, consultation_id: int, staff_id: int, store_id: int) -> bool:
    """Staff of the call's store who have (or may take) this call."""
    consultation = session.get(Consultation, consultation_id)
    return (
        consultation is not None
        and consultation.store_id == store_id
        and consultation.staff_id in (None, staff_id)
    )


def status(session: Session, consultation_id: int) -> GuideStatus | None:
    """The guide that is on in this call, from its last guide event; None if off or ended."""
    consultation = session.get(Consultation, consultation_id)
    if consultation is None or consultation.status == "ended":
        return None
    last = session.scalar(
        select(ConsultationEvent)
        .where(
            ConsultationEvent.consultation_id == consultation_id,
            ConsultationEvent.kind.in_(("guide_started", "guide_moved", "guide_stopped")),
        )
        .order_by(ConsultationEvent.id.desc())
        .limit(1)
    )
    if last is None or last.kind == "guide_stopped":
        return None
    scene_id = last.detail.get("scene_id")
    return GuideStatus(int(scene_id) if isinstance(scene_id, int) else 0, last.staff_id)


def start(
    session: Session, consultation_id: int, staff_id: int, scene_id: int, seq: int
) -> GuideView:
    """Turns the guide on at the scene's opening view (or moves a running one there)."""
    consultation = _live_consultation(session, consultation_id)
    scene = _scene_of_store(session, consultation.store_id, scene_id)
    record_event(
        session, consultation_id, "guide_started", role="staff", staff_id=staff_id,
        scene_id=scene.id,
    )  # fmt: skip
    return opening_view(scene, seq)


def opening_view(scene: Scene, seq: int) -> GuideView:
    return GuideView(
        scene_id=scene.id,
        yaw=scene.initial_yaw % TAU,
        pitch=scene.initial_pitch,
        zoom=scene.initial_zoom,
        highlight=None,
        seq=seq,
    )


def move(
    session: Session, consultation_id: int, staff_id: int, scene_id: int, seq: int
) -> GuideView:
    """Staff take the customer to another scene of the store: stored for the timelines (and
    for a page that reopens mid-guide), at the scene's opening view."""
    consultation = _live_consultation(session, consultation_id)
    scene = _scene_of_store(session, consultation.store_id, scene_id)
    record_event(
        session, consultation_id, "guide_moved", role="staff", staff_id=staff_id,
        scene_id=scene.id, text=scene.name_ja if consultation.language == "ja" else scene.name_en,
    )  # fmt: skip
    return opening_view(scene, seq)


def scene_opening(session: Session, consultation_id: int, scene_id: int, seq: int) -> GuideView:
    """The opening view of another scene of the call's store (staff switch scenes)."""
    consultation = _live_consultation(session, consultation_id)
    return opening_view(_scene_of_store(session, consultation.store_id, scene_id), seq)


def stop(session: Session, consultation_id: int, staff_id: int) -> bool:
    """Turns the guide off; False if it was not on (nothing stored twice)."""
    if status(session, consultation_id) is None:
        return False
    record_event(session, consultation_id, "guide_stopped", role="staff", staff_id=staff_id)
    return True


def scenes_of_call(session: Session, consultation_id: int, lang: str) -> list[dict[str, Any]]:
    """The scenes staff may guide through: the call's store's scenes that have a panorama."""
    consultation = session.get(Consultation, consultation_id)
    if consultation is None:
        return []
    scenes = session.scalars(
        select(Scene).where(Scene.store_id == consultation.store_id).order_by(Scene.sort_order)
    )
    # Filtered here: a JSON column may hold a JSON null, which SQL's IS NULL does not match.
    return [
        {"id": s.id, "slug": s.slug, "name": localised(s, "name", lang)}
        for s in scenes
        if s.panorama_meta is not None
    ]


def scene_for_call(
    session: Session, consultation_id: int, scene_id: int, lang: str, media_url: str
) -> SceneView:
    """Panorama and hotspots of a scene, only if it belongs to the call's store."""
    consultation = session.get(Consultation, consultation_id)
    if consultation is None:
        raise LookupError(f"consultation {consultation_id}")
    scene = _scene_of_store(session, consultation.store_id, scene_id)
    store = session.get(Store, scene.store_id)
    assert store is not None  # the foreign key holds
    return scene_view(session, store.slug, scene.slug, lang, media_url)


def control_message(holder: str) -> dict[str, str]:
    """Who steers the customer's view: the customer took control, or handed it back."""
    if holder not in HOLDERS:
        raise GuideError("guide.bad_control")
    return {"type": "control", "holder": holder}


HELLO: dict[str, str] = {"type": "hello"}  # a page opened: the staff page answers with its view
STOP: dict[str, str] = {"type": "stop"}


def parse_message(raw: object) -> tuple[str, GuideView | str | None]:
    """A message from the guide topic: ("view"|"start", GuideView), ("control", holder),
    ("hello"|"stop", None). GuideError for anything else."""
    if not isinstance(raw, Mapping):
        raise GuideError("guide.bad_view")
    kind = raw.get("type")
    if kind in ("view", "start"):
        return str(kind), parse_view(raw)
    if kind == "control" and set(raw) == {"type", "holder"}:
        holder = raw.get("holder")
        if holder in HOLDERS:
            return "control", str(holder)
    if kind in ("hello", "stop") and set(raw) == {"type"}:
        return str(kind), None
    raise GuideError("guide.bad_view")

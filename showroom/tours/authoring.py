"""Tour authoring for the store admin: scenes from uploaded panoramas, hotspots, views, links.

Plain Python on a SQLAlchemy session. Every change checks its input first and raises
`AuthoringError` (a stable `code` for programs and tests, an English message for logs; the
admin page shows the translated text of `admin.error.<code>`), then changes rows and
flushes. The caller commits (one `session_scope` per change, so a change is all or
nothing) and then calls `publish` with the returned `SceneChange`s, so that every open tour
of the store reloads the scene.

Angles are radians, as Photo Sphere Viewer gives them: yaw is stored normalised to
[-pi, pi), pitch must lie within [-pi/2, pi/2]; zoom is PSV's level 0-100. A scene's
`north_offset` is the yaw at which north lies in its panorama, so the compass heading of a
yaw is `yaw - north_offset`; linking two scenes uses it to aim the way back.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from showroom.catalogue.products import TOPIC
from showroom.models import Hotspot, PanoramaJob, Product, Scene
from showroom.pubsub import get_broker
from showroom.tours.scenes import localised, scene_markers

MAX_NAME = 200
SLUG_MAX = 64
# Where a return link is placed when the way back is not known more precisely: level.
RETURN_PITCH = -0.1
_SLUG_CHARS = re.compile(r"[^a-z0-9]+")


class AuthoringError(ValueError):
    """Refused input or a missing row. `code` picks the translated message shown."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


@dataclass(frozen=True)
class SceneChange:
    """A scene whose tour view changed; published so that open tours reload it."""

    store_id: int
    scene_id: int

    def message(self) -> dict[str, Any]:
        return {"kind": "scene", "store_id": self.store_id, "scene_id": self.scene_id}


async def publish(changes: Iterable[SceneChange]) -> None:
    """Tell every open tour (any process, via the broker) which scenes to reload. Call it
    after the change is committed, never before: a tour reloading early sees old rows."""
    broker = get_broker()
    for change in dict.fromkeys(changes):  # each scene once, in order
        await broker.publish(TOPIC, change.message())


# ---------------------------------------------------------------------------------------
# Input checks
# ---------------------------------------------------------------------------------------


def _number(value: object, field: str) -> float:
    # bool is an int in Python; a client sending true has a bug worth reporting.
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise AuthoringError(f"invalid_{field}", f"The {field} must be a number.")
    try:
        number = float(value)
    except ValueError:
        raise AuthoringError(f"invalid_{field}", f"The {field} must be a number.") from None
    if not math.isfinite(number):
        raise AuthoringError(f"invalid_{field}", f"The {field} must be a finite number.")
    return number


def check_yaw(value: object) -> float:
    """Any finite angle, turned into [-pi, pi)."""
    yaw = _number(value, "yaw")
    if -math.pi <= yaw < math.pi:
        return yaw  # as given: no rounding from the modulo
    return (yaw + math.pi) % (2 * math.pi) - math.pi


def check_pitch(value: object) -> float:
    pitch = _number(value, "pitch")
    if not -math.pi / 2 <= pitch <= math.pi / 2:
        raise AuthoringError("invalid_pitch", "The pitch must lie between -pi/2 and pi/2.")
    # The database's check uses 1.5708; a value rounded up from pi/2 must not trip it.
    return max(-1.5708, min(1.5708, pitch))


def check_zoom(value: object) -> float:
    zoom = _number(value, "zoom")
    if not 0 <= zoom <= 100:
        raise AuthoringError("invalid_zoom", "The zoom must lie between 0 and 100.")
    return zoom


def check_name(value: object) -> str:
    name = " ".join(str(value or "").split())
    if not name:
        raise AuthoringError("name_missing", "The scene needs a name.")
    if len(name) > MAX_NAME:
        raise AuthoringError("name_too_long", f"A scene name has at most {MAX_NAME} characters.")
    return name


def slugify(name: str) -> str:
    """A URL part from a scene name: ASCII letters and digits joined by '-'; 'scene' for a
    name without any (e.g. Japanese only)."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = _SLUG_CHARS.sub("-", ascii_name.lower()).strip("-")[: SLUG_MAX - 8].strip("-")
    return slug or "scene"


def free_slug(session: Session, store_id: int, name: str) -> str:
    """`slugify(name)`, with -2, -3 ... added if the store already has that scene."""
    base = slugify(name)
    taken = set(session.scalars(select(Scene.slug).where(Scene.store_id == store_id)))
    slug, number = base, 1
    while slug in taken:
        number += 1
        slug = f"{base}-{number}"
    return slug


# ---------------------------------------------------------------------------------------
# Rows of this store only
# ---------------------------------------------------------------------------------------


def _scene(session: Session, store_id: int, scene_id: object) -> Scene:
    scene = session.get(Scene, scene_id) if isinstance(scene_id, int) else None
    if scene is None or scene.store_id != store_id:
        raise AuthoringError("unknown_scene", f"This store has no scene {scene_id!r}.")
    return scene


def _hotspot(session: Session, store_id: int, hotspot_id: object) -> Hotspot:
    hotspot = session.get(Hotspot, hotspot_id) if isinstance(hotspot_id, int) else None
    if hotspot is None or hotspot.scene.store_id != store_id:
        raise AuthoringError("unknown_hotspot", f"This store has no hotspot {hotspot_id!r}.")
    return hotspot


def _product(session: Session, product_id: object) -> Product:
    product = session.get(Product, product_id) if isinstance(product_id, int) else None
    if product is None:
        raise AuthoringError("unknown_product", f"There is no product {product_id!r}.")
    return product


# ---------------------------------------------------------------------------------------
# Scenes
# ---------------------------------------------------------------------------------------


def scene_from_job(
    session: Session, job: PanoramaJob, panorama_dir: str, meta: dict[str, Any]
) -> tuple[Scene, SceneChange]:
    """The scene a finished panorama job made: a new one at the end of the store's list,
    or, for a job that replaces a scene's panorama, that scene with the new tiles."""
    scene = session.get(Scene, job.scene_id) if job.scene_id is not None else None
    if scene is not None and scene.store_id == job.store_id:
        scene.panorama_dir, scene.panorama_meta = panorama_dir, meta
    else:
        name = check_name(job.scene_name)
        last = session.scalar(
            select(func.max(Scene.sort_order)).where(Scene.store_id == job.store_id)
        )
        scene = Scene(
            store_id=job.store_id,
            slug=free_slug(session, job.store_id, job.scene_slug or name),
            name_en=name,
            name_ja=name,
            sort_order=(last if last is not None else -1) + 1,
            panorama_dir=panorama_dir,
            panorama_meta=meta,
        )
        session.add(scene)
    session.flush()
    return scene, SceneChange(scene.store_id, scene.id)


def rename_scene(
    session: Session, store_id: int, scene_id: object, name_en: object, name_ja: object
) -> SceneChange:
    scene = _scene(session, store_id, scene_id)
    scene.name_en = check_name(name_en)
    scene.name_ja = check_name(name_ja or name_en)
    session.flush()
    return SceneChange(store_id, scene.id)


def set_initial_view(
    session: Session, store_id: int, scene_id: object, yaw: object, pitch: object, zoom: object
) -> SceneChange:
    """Where the tour looks when the scene opens."""
    scene = _scene(session, store_id, scene_id)
    scene.initial_yaw, scene.initial_pitch = check_yaw(yaw), check_pitch(pitch)
    scene.initial_zoom = check_zoom(zoom)
    session.flush()
    return SceneChange(store_id, scene.id)


def set_north(session: Session, store_id: int, scene_id: object, yaw: object) -> SceneChange:
    """The yaw that faces north in this scene's panorama (for the floor plan's heading)."""
    scene = _scene(session, store_id, scene_id)
    scene.north_offset = check_yaw(yaw)
    session.flush()
    return SceneChange(store_id, scene.id)


# ---------------------------------------------------------------------------------------
# Hotspots
# ---------------------------------------------------------------------------------------


def place_hotspot(
    session: Session,
    store_id: int,
    scene_id: object,
    yaw: object,
    pitch: object,
    *,
    product_id: object = None,
    target_scene_id: object = None,
) -> tuple[Hotspot, SceneChange]:
    """A product hotspot, or a one-way link to another scene of the store (see
    `link_scenes` for both ways). Exactly one of product_id and target_scene_id."""
    scene = _scene(session, store_id, scene_id)
    position = check_yaw(yaw), check_pitch(pitch)
    if (product_id is None) == (target_scene_id is None):
        raise AuthoringError(
            "choose_target", "A hotspot shows either a product or another scene, not both."
        )
    if product_id is not None:
        hotspot = Hotspot(scene_id=scene.id, product_id=_product(session, product_id).id)
    else:
        target = _scene(session, store_id, target_scene_id)
        if target.id == scene.id:
            raise AuthoringError("link_to_itself", "A scene cannot link to itself.")
        hotspot = Hotspot(scene_id=scene.id, target_scene_id=target.id)
    hotspot.yaw, hotspot.pitch = position
    session.add(hotspot)
    session.flush()
    return hotspot, SceneChange(store_id, scene.id)


def move_hotspot(
    session: Session, store_id: int, hotspot_id: object, yaw: object, pitch: object
) -> SceneChange:
    hotspot = _hotspot(session, store_id, hotspot_id)
    hotspot.yaw, hotspot.pitch = check_yaw(yaw), check_pitch(pitch)
    session.flush()
    return SceneChange(store_id, hotspot.scene_id)


def delete_hotspot(session: Session, store_id: int, hotspot_id: object) -> SceneChange:
    hotspot = _hotspot(session, store_id, hotspot_id)
    scene_id = hotspot.scene_id
    session.delete(hotspot)
    session.flush()
    return SceneChange(store_id, scene_id)


def heading(scene: Scene, yaw: float) -> float:
    """Compass heading (radians from north) of a yaw in this scene."""
    return check_yaw(yaw - scene.north_offset)


def link_scenes(
    session: Session,
    store_id: int,
    scene_id: object,
    target_scene_id: object,
    yaw: object,
    pitch: object,
    *,
    both_ways: bool = True,
) -> tuple[Hotspot, list[SceneChange]]:
    """A link from one scene to another at (yaw, pitch), and, with `both_ways`, a link back
    unless the target already has one: placed facing the opposite compass heading (using
    both scenes' north), slightly below the horizon, where a doorway usually is."""
    hotspot, change = place_hotspot(
        session, store_id, scene_id, yaw, pitch, target_scene_id=target_scene_id
    )
    changes = [change]
    source, target = hotspot.scene, hotspot.target_scene
    assert target is not None  # place_hotspot checked it
    has_way_back = session.scalar(
        select(Hotspot.id).where(
            Hotspot.scene_id == target.id, Hotspot.target_scene_id == source.id
        )
    )
    if both_ways and has_way_back is None:
        back_yaw = heading(source, hotspot.yaw) + math.pi + target.north_offset
        _, back = place_hotspot(
            session, store_id, target.id, back_yaw, RETURN_PITCH, target_scene_id=source.id
        )
        changes.append(back)
    return hotspot, changes


# ---------------------------------------------------------------------------------------
# What the admin page shows
# ---------------------------------------------------------------------------------------


def store_scenes(session: Session, store_id: int, lang: str) -> list[dict[str, Any]]:
    """The store's scenes in tour order, with their hotspot count."""
    counts = dict(
        session.execute(
            select(Hotspot.scene_id, func.count(Hotspot.id))
            .join(Scene, Scene.id == Hotspot.scene_id)
            .where(Scene.store_id == store_id)
            .group_by(Hotspot.scene_id)
        ).all()
    )
    scenes = session.scalars(
        select(Scene).where(Scene.store_id == store_id).order_by(Scene.sort_order, Scene.id)
    )
    return [
        {
            "id": scene.id,
            "slug": scene.slug,
            "name": localised(scene, "name", lang),
            "hotspots": int(counts.get(scene.id, 0)),
            "ready": scene.panorama_meta is not None,
        }
        for scene in scenes
    ]


def editor_scene(
    session: Session, store_id: int, scene_id: object, lang: str, media_url: str
) -> dict[str, Any]:
    """One scene as the editor needs it: tiles, opening view, north and hotspots."""
    scene = _scene(session, store_id, scene_id)
    return {
        "id": scene.id,
        "slug": scene.slug,
        "name": localised(scene, "name", lang),
        "name_en": scene.name_en,
        "name_ja": scene.name_ja,
        "panorama": dict(scene.panorama_meta or {}),
        "base_url": f"{media_url}/{scene.panorama_dir}/",
        "initial_yaw": scene.initial_yaw,
        "initial_pitch": scene.initial_pitch,
        "initial_zoom": scene.initial_zoom,
        "north": scene.north_offset,
        "markers": scene_markers(session, scene, lang),
    }


def product_choices(session: Session, lang: str) -> list[dict[str, str]]:
    """Every product for the hotspot picker, by name."""
    products = session.scalars(select(Product).order_by(Product.name_en)).all()
    return [{"id": str(p.id), "label": f"{localised(p, 'name', lang)} ({p.sku})"} for p in products]

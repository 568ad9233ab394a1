"""What a tour page shows: stores, a scene's panorama and its hotspots with live price and stock.

Returns plain dicts ready for page state; no Reflex here.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from showroom.i18n import format_price
from showroom.models import Hotspot, Product, Scene, Stock, Store
from showroom.tours.plan_labels import place_labels

FEW_LEFT = 3  # at or below this, the badge says "only a few left"
SKU = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class NotFound(LookupError):
    """No such store or scene: the page shows a translated 'does not exist'."""


def stock_badge(quantity: int) -> str:
    if quantity <= 0:
        return "out"
    return "few" if quantity <= FEW_LEFT else "in"


def localised(obj: Any, field: str, lang: str) -> str:
    """`name` → name_ja or name_en, falling back to English when a translation is empty."""
    value: str = getattr(obj, f"{field}_{lang}", "") or getattr(obj, f"{field}_en")
    return value


def initials(display_name: str) -> str:
    """'佐藤 愛子 (Aiko Sato)' → 'AS': the Latin name in brackets if there is one."""
    latin = display_name.split("(")[-1].rstrip(")") if "(" in display_name else display_name
    return "".join(part[0] for part in latin.split()[:2]).upper()


def list_stores(session: Session, lang: str) -> list[dict[str, str]]:
    stores = session.scalars(select(Store).order_by(Store.id)).all()
    result = []
    for store in stores:
        entrance = session.scalar(
            select(Scene.slug).where(Scene.store_id == store.id).order_by(Scene.sort_order).limit(1)
        )
        result.append(
            {
                "slug": store.slug,
                "name": localised(store, "name", lang),
                "address": localised(store, "address", lang),
                "entrance": entrance or "",
                "tour": "yes" if entrance else "",
            }
        )
    return result


@dataclass(frozen=True)
class SceneView:
    store_id: int
    store_slug: str
    store_name: str
    scene_id: int
    scene_slug: str
    scene_name: str
    panorama: dict[str, Any]
    base_url: str
    initial_yaw: float
    initial_pitch: float
    markers: list[dict[str, Any]]
    scenes: list[dict[str, Any]]
    initial_zoom: float = 50.0
    north_offset: float = 0.0
    plan: list[dict[str, Any]] | None = None


def product_label(product: Product, lang: str) -> str:
    return f"{localised(product, 'name', lang)} · {format_price(product.price, product.currency)}"


def _stock_by_product(session: Session, store_id: int, product_ids: list[int]) -> dict[int, int]:
    rows = session.execute(
        select(Stock.product_id, Stock.available).where(
            Stock.store_id == store_id, Stock.product_id.in_(product_ids)
        )
    )
    return {product_id: max(0, quantity) for product_id, quantity in rows}


def scene_markers(session: Session, scene: Scene, lang: str) -> list[dict[str, Any]]:
    hotspots = session.scalars(
        select(Hotspot)
        .where(Hotspot.scene_id == scene.id)
        .options(selectinload(Hotspot.product), selectinload(Hotspot.target_scene))
        .order_by(Hotspot.id)
    ).all()
    stock = _stock_by_product(
        session, scene.store_id, [h.product_id for h in hotspots if h.product_id]
    )
    markers = []
    for hotspot in hotspots:
        marker: dict[str, Any] = {
            "id": f"h{hotspot.id}",
            "yaw": hotspot.yaw,
            "pitch": hotspot.pitch,
        }
        if hotspot.product is not None:
            marker |= {
                "kind": "product",
                "label": product_label(hotspot.product, lang),
                "badge": stock_badge(stock.get(hotspot.product.id, 0)),
                "product_id": hotspot.product.id,
                "target": "",
                "name": localised(hotspot.product, "name", lang),
                "price": format_price(hotspot.product.price, hotspot.product.currency),
                "currency": hotspot.product.currency,
            }
        elif hotspot.target_scene is not None:
            marker |= {
                "kind": "scene",
                "label": localised(hotspot.target_scene, "name", lang),
                "badge": "",
                "product_id": 0,
                "target": hotspot.target_scene.slug,
                "name": localised(hotspot.target_scene, "name", lang),
                "price": "",
                "currency": "",
            }
        markers.append(marker)
    return markers


def markers_of_scene(session: Session, scene_id: int, lang: str) -> list[dict[str, Any]]:
    scene = session.get(Scene, scene_id)
    return scene_markers(session, scene, lang) if scene is not None else []


def scene_view(
    session: Session, store_slug: str, scene_slug: str, lang: str, media_url: str
) -> SceneView:
    store = session.scalar(select(Store).where(Store.slug == store_slug))
    if store is None:
        raise NotFound(store_slug)
    scene = session.scalar(
        select(Scene).where(Scene.store_id == store.id, Scene.slug == scene_slug)
    )
    if scene is None or scene.panorama_meta is None:
        raise NotFound(scene_slug)
    all_scenes = session.scalars(
        select(Scene).where(Scene.store_id == store.id).order_by(Scene.sort_order)
    ).all()
    return SceneView(
        store_id=store.id,
        store_slug=store.slug,
        store_name=localised(store, "name", lang),
        scene_id=scene.id,
        scene_slug=scene.slug,
        scene_name=localised(scene, "name", lang),
        panorama=dict(scene.panorama_meta),
        base_url=f"{media_url}/{scene.panorama_dir}/",
        initial_yaw=scene.initial_yaw,
        initial_pitch=scene.initial_pitch,
        markers=scene_markers(session, scene, lang),
        scenes=[
            {"slug": s.slug, "name": localised(s, "name", lang), "north": s.north_offset}
            for s in all_scenes
        ],
        initial_zoom=scene.initial_zoom,
        north_offset=scene.north_offset,
        plan=floor_plan(all_scenes, lang),
    )


def photo_url(path: str, media_url: str) -> str:
    """A product photo: stored relative to the media dir, or already a full URL."""
    if path.startswith(("http://", "https://", "/")):
        return path
    return f"{media_url}/{path}"


def product_detail(
    session: Session, product_id: int, store_id: int, lang: str, media_url: str = "/media"
) -> dict[str, Any]:
    """Everything the product panel shows, stock here and in every other store included."""
    product = session.get(Product, product_id)
    if product is None:
        raise NotFound(str(product_id))
    stores = session.scalars(select(Store).order_by(Store.id)).all()
    stock = {
        store: max(0, left)
        for store, left in session.execute(
            select(Stock.store_id, Stock.available).where(Stock.product_id == product_id)
        ).all()
    }
    quantity = stock.get(store_id, 0)
    return {
        "id": product.id,
        "sku": product.sku,
        "name": localised(product, "name", lang),
        "description": localised(product, "description", lang),
        "price": format_price(product.price, product.currency),
        "currency": product.currency,
        "stock": quantity,
        "badge": stock_badge(quantity),
        "photos": [photo_url(str(p), media_url) for p in (product.images or [])],
        "elsewhere": [
            {
                "store_id": s.id,
                "name": localised(s, "name", lang),
                "stock": stock.get(s.id, 0),
                "badge": stock_badge(stock.get(s.id, 0)),
            }
            for s in stores
            if s.id != store_id
        ],
    }


def product_id_by_sku(session: Session, sku: str) -> int | None:
    if not SKU.match(sku):
        return None
    found: int | None = session.scalar(select(Product.id).where(Product.sku == sku))
    return found


# --- Live changes -------------------------------------------------------------------------


def is_stock_or_price_change(change: Mapping[str, Any]) -> bool:
    """A catalogue message that carries its new value (applied without reading the database)."""
    has_product = isinstance(change.get("product_id"), int)
    has_value = isinstance(change.get("quantity"), int) or isinstance(change.get("price"), int)
    return has_product and has_value


def shown_stock(change: Mapping[str, Any]) -> Any:
    """What a stock change offers customers: what is not held for payment requests."""
    available = change.get("available")
    return max(0, available) if isinstance(available, int) else change.get("quantity")


def apply_change_to_markers(
    markers: list[dict[str, Any]], change: Mapping[str, Any], store_id: int
) -> list[dict[str, Any]]:
    """Hotspots after a stock or price change: the new badge here, or the new price label."""
    product_id, quantity, price = change["product_id"], shown_stock(change), change.get("price")
    out = []
    for marker in markers:
        if marker.get("kind") == "product" and marker.get("product_id") == product_id:
            marker = dict(marker)
            if isinstance(quantity, int) and change.get("store_id") == store_id:
                marker["badge"] = stock_badge(quantity)
            if isinstance(price, int) and change.get("store_id") is None:
                marker["price"] = format_price(price, marker.get("currency") or "JPY")
                marker["label"] = f"{marker['name']} · {marker['price']}"
        out.append(marker)
    return out


def apply_change_to_product(
    product: dict[str, Any], change: Mapping[str, Any], store_id: int
) -> dict[str, Any]:
    """The open product panel after a change: price, stock here or in another store."""
    if not product or product.get("id") != change["product_id"]:
        return product
    product = dict(product)
    quantity, price, where = shown_stock(change), change.get("price"), change.get("store_id")
    if isinstance(price, int) and where is None:
        product["price"] = format_price(price, product.get("currency") or "JPY")
    if isinstance(quantity, int) and where == store_id:
        product["stock"], product["badge"] = quantity, stock_badge(quantity)
    elif isinstance(quantity, int):
        product["elsewhere"] = [
            dict(s, stock=quantity, badge=stock_badge(quantity)) if s["store_id"] == where else s
            for s in product.get("elsewhere", [])
        ]
    return product


# --- Deep links ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ViewRequest:
    """What a deep link asks for; None where it asked nothing usable (the scene's default)."""

    yaw: float | None = None  # radians, in (-pi, pi]
    pitch: float | None = None  # radians
    zoom: float | None = None  # 0-100
    sku: str | None = None


def _number(raw: object) -> float | None:
    if isinstance(raw, list | tuple):  # ?yaw=1&yaw=2: the first
        raw = raw[0] if raw else None
    if not isinstance(raw, str | int | float) or isinstance(raw, bool) or len(str(raw)) > 24:
        return None
    try:
        value = float(raw)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def wrap_degrees(degrees: float) -> float:
    """Any angle into (-180, 180]."""
    wrapped = math.fmod(degrees, 360.0)
    if wrapped > 180:
        wrapped -= 360
    elif wrapped <= -180:
        wrapped += 360
    return wrapped


def parse_view(query: Mapping[str, object]) -> ViewRequest:
    """`?yaw=<deg>&pitch=<deg>&zoom=<0-100>&product=<SKU>` from a link anyone may have edited:
    each value that is missing, not a number or out of range is ignored on its own."""
    yaw, pitch, zoom = (
        _number(query.get("yaw")),
        _number(query.get("pitch")),
        _number(query.get("zoom")),
    )
    sku = query.get("product")
    if isinstance(sku, list | tuple):
        sku = sku[0] if sku else None
    return ViewRequest(
        yaw=math.radians(wrap_degrees(yaw)) if yaw is not None else None,
        pitch=math.radians(pitch) if pitch is not None and -90 <= pitch <= 90 else None,
        zoom=zoom if zoom is not None and 0 <= zoom <= 100 else None,
        sku=sku if isinstance(sku, str) and SKU.match(sku) else None,
    )


def view_in_degrees(yaw: float, pitch: float) -> tuple[float, float]:
    """Radians (as the viewer reports them) to the rounded degrees a link carries."""
    return round(wrap_degrees(math.degrees(yaw)), 1), round(math.degrees(pitch), 1)


# --- Floor plan and sense of direction ----------------------------------------------------


def floor_plan(scenes: list[Scene] | Any, lang: str) -> list[dict[str, Any]]:
    """Scenes placed on the plan in percent of a square (north up), with a margin."""
    placed = list(scenes)
    if len({(s.plan_x, s.plan_y) for s in placed}) < 2:
        return []  # not placed on a plan (yet): nothing to draw
    xs, ys = [s.plan_x for s in placed], [s.plan_y for s in placed]
    span = max(max(xs) - min(xs), max(ys) - min(ys)) or 1.0
    cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    spots = [
        {
            "slug": s.slug,
            "name": localised(s, "name", lang),
            "left": round(50 + (s.plan_x - cx) / span * 76, 2),
            "top": round(50 - (s.plan_y - cy) / span * 76, 2),
            "north": s.north_offset,
            "x": s.plan_x,
            "y": s.plan_y,
        }
        for s in placed
    ]
    labels = place_labels([(p["left"], p["top"], p["name"]) for p in spots])
    for spot, label in zip(spots, labels, strict=True):
        spot["label"] = {
            "left": f"{label.anchor:.2f}%",
            "top": f"{label.top:.2f}%",
            "shift": {"start": "0", "end": "-100%"}.get(label.align, "-50%"),
            "max_width": f"{label.width:.2f}%",
        }
    return spots


def facing_most(yaws: Sequence[float], half_width: float = math.radians(35)) -> float:
    """The yaw that shows the most of these directions at once (their middle): where a scene
    should open so that the products are in view, not a bare wall. 0 when there are none."""
    best: list[float] = []
    for anchor in yaws:
        seen = [y for y in yaws if abs(_turn(y - anchor)) <= 2 * half_width]
        # Centre the window on the group: keep those within one window width of each other.
        middle = _circular_mean(seen)
        seen = [y for y in yaws if abs(_turn(y - middle)) <= half_width]
        if len(seen) > len(best):
            best = seen
    return round(_circular_mean(best), 4) if best else 0.0


def _turn(angle: float) -> float:
    return math.atan2(math.sin(angle), math.cos(angle))


def _circular_mean(angles: Sequence[float]) -> float:
    return math.atan2(sum(math.sin(a) for a in angles), sum(math.cos(a) for a in angles))


def heading(yaw: float, north_offset: float) -> float:
    """Compass heading in radians (0 north, clockwise) of a view `yaw` in a scene whose
    panorama has north at `north_offset`."""
    return math.atan2(math.sin(yaw - north_offset), math.cos(yaw - north_offset))


def arrival_yaw(travel_heading: float, to_north: float) -> float:
    """The yaw in the next scene that faces `travel_heading`: walking on keeps its direction."""
    yaw = travel_heading + to_north
    return math.atan2(math.sin(yaw), math.cos(yaw))


def bearing(from_xy: tuple[float, float], to_xy: tuple[float, float]) -> float | None:
    """Compass heading from one plan position to another; None when they coincide."""
    dx, dy = to_xy[0] - from_xy[0], to_xy[1] - from_xy[1]
    if abs(dx) < 1e-9 and abs(dy) < 1e-9:
        return None
    return math.atan2(dx, dy)


# The cube face each side of the panorama is on, by the yaw (degrees) at its centre.
FACE_AT_YAW = {0: "front", 90: "right", 180: "back", 270: "left"}


@dataclass(frozen=True)
class ScenePreview:
    """What a tour page can show before any script runs: the scene's small base faces."""

    faces: dict[str, str]  # cube face -> URL of its small base image
    facing: str  # the face the scene opens looking at (a cube face is a 90° photo of it)
    facing_file: str = ""  # that face's file, relative to the media dir
    inline: str = ""  # that face as a data: URL, when the page carries it itself
    title: str = ""  # what a shared link shows: the scene and store, in both languages
    image: str = ""  # that face's absolute URL, for a shared link's picture


def scene_preview(
    session: Session, store_slug: str, scene_slug: str, media_url: str
) -> ScenePreview | None:
    scene = session.scalar(
        select(Scene)
        .join(Store, Scene.store_id == Store.id)
        .where(Store.slug == store_slug, Scene.slug == scene_slug)
    )
    if scene is None or not scene.panorama_meta or not scene.panorama_dir:
        return None
    base = scene.panorama_meta.get("base")
    if not isinstance(base, dict):
        return None
    faces = {str(f): f"{media_url}/{scene.panorama_dir}/{path}" for f, path in base.items()}
    yaw = round(math.degrees(scene.initial_yaw) / 90) * 90 % 360
    facing = FACE_AT_YAW[yaw]
    if facing not in faces:
        return None
    store = session.get(Store, scene.store_id)
    title = f"{scene.name_en} · {store.name_en} / {scene.name_ja}・{store.name_ja}" if store else ""
    return ScenePreview(faces, facing, f"{scene.panorama_dir}/{base[facing]}", title=title)

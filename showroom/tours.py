"""What a tour page shows: stores, a scene's panorama and its hotspots with live price and stock.

Returns plain dicts ready for page state; no Reflex here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from showroom.i18n import format_price
from showroom.models import Hotspot, Product, Scene, Stock, Store

FEW_LEFT = 3  # at or below this, the badge says "only a few left"


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
    scenes: list[dict[str, str]]


def product_label(product: Product, lang: str) -> str:
    return f"{localised(product, 'name', lang)} · {format_price(product.price, product.currency)}"


def _stock_by_product(session: Session, store_id: int, product_ids: list[int]) -> dict[int, int]:
    rows = session.execute(
        select(Stock.product_id, Stock.quantity).where(
            Stock.store_id == store_id, Stock.product_id.in_(product_ids)
        )
    )
    return {product_id: quantity for product_id, quantity in rows}


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
            }
        elif hotspot.target_scene is not None:
            marker |= {
                "kind": "scene",
                "label": localised(hotspot.target_scene, "name", lang),
                "badge": "",
                "product_id": 0,
                "target": hotspot.target_scene.slug,
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
        scenes=[{"slug": s.slug, "name": localised(s, "name", lang)} for s in all_scenes],
    )


def product_detail(session: Session, product_id: int, store_id: int, lang: str) -> dict[str, Any]:
    product = session.get(Product, product_id)
    if product is None:
        raise NotFound(str(product_id))
    quantity = _stock_by_product(session, store_id, [product_id]).get(product_id, 0)
    return {
        "id": product.id,
        "sku": product.sku,
        "name": localised(product, "name", lang),
        "description": localised(product, "description", lang),
        "price": format_price(product.price, product.currency),
        "stock": quantity,
        "badge": stock_badge(quantity),
    }

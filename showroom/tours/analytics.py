"""Tour events: what anonymous visitors did in the tour, and what staff see of it in a call."""

from __future__ import annotations

import math
import re
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from showroom.i18n import format_price
from showroom.models import Product, Scene, TourEvent
from showroom.tours.scenes import localised

KINDS = frozenset({"scene_enter", "scene_leave", "hotspot_open", "product_open", "look"})
VISITOR_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
MAX_DURATION_MS = 6 * 3600 * 1000


class TourEventError(ValueError):
    """An event that is not recorded, with the reason (events come from browsers: never trust)."""


def record(
    session: Session,
    *,
    visitor_id: str,
    store_id: int,
    kind: str,
    scene_id: int | None = None,
    product_id: int | None = None,
    yaw: float | None = None,
    pitch: float | None = None,
    duration_ms: int | None = None,
) -> TourEvent:
    if not VISITOR_ID.match(visitor_id):
        raise TourEventError("visitor id must be 8-64 letters, digits, '-' or '_'")
    if kind not in KINDS:
        raise TourEventError(f"unknown event kind {kind!r}")
    if yaw is not None and not (math.isfinite(yaw) and -2 * math.pi <= yaw <= 2 * math.pi):
        raise TourEventError("yaw out of range")
    if pitch is not None and not (math.isfinite(pitch) and abs(pitch) <= math.pi / 2):
        raise TourEventError("pitch out of range")
    if duration_ms is not None and not 0 <= duration_ms <= MAX_DURATION_MS:
        raise TourEventError("duration out of range")
    event = TourEvent(
        visitor_id=visitor_id,
        store_id=store_id,
        kind=kind,
        scene_id=scene_id,
        product_id=product_id,
        yaw=yaw,
        pitch=pitch,
        duration_ms=duration_ms,
    )
    session.add(event)
    session.flush()
    return event


def visitor_context(session: Session, visitor_id: str, store_id: int, lang: str) -> dict[str, Any]:
    """What a member of staff sees of a caller's visit: products looked at, most first."""
    rows = session.execute(
        select(TourEvent.product_id, func.count(), func.max(TourEvent.created_at))
        .where(
            TourEvent.visitor_id == visitor_id,
            TourEvent.store_id == store_id,
            TourEvent.kind == "product_open",
            TourEvent.product_id.is_not(None),
        )
        .group_by(TourEvent.product_id)
        .order_by(func.count().desc(), func.max(TourEvent.created_at).desc())
    ).all()
    products = []
    for product_id, times, _last in rows:
        product = session.get(Product, product_id)
        if product is not None:
            products.append(
                {
                    "id": product.id,
                    "name": localised(product, "name", lang),
                    "price": format_price(product.price, product.currency),
                    "times": int(times),
                }
            )
    scene_ids = session.scalars(
        select(TourEvent.scene_id)
        .where(
            TourEvent.visitor_id == visitor_id,
            TourEvent.store_id == store_id,
            TourEvent.kind == "scene_enter",
        )
        .distinct()
    ).all()
    scenes = [
        localised(s, "name", lang)
        for s in session.scalars(
            select(Scene)
            .where(Scene.id.in_([i for i in scene_ids if i]))
            .order_by(Scene.sort_order)
        )
    ]
    return {"products": products, "scenes": scenes}


def time_in_scenes(session: Session, visitor_id: str, store_id: int) -> dict[int, int]:
    """Milliseconds a visitor spent in each scene: from the stored time of each visit, or,
    for a visit that ended without one (tab closed), up to the visit's last event."""
    events = session.execute(
        select(TourEvent.kind, TourEvent.scene_id, TourEvent.duration_ms, TourEvent.created_at)
        .where(TourEvent.visitor_id == visitor_id, TourEvent.store_id == store_id)
        .order_by(TourEvent.created_at, TourEvent.id)
    ).all()
    spent: dict[int, int] = {}
    visit: tuple[int, Any] | None = None  # (scene id, entered at)
    last_seen: Any = None

    def close(until: Any) -> None:
        if visit is not None and until is not None:
            ms = int((until - visit[1]).total_seconds() * 1000)
            spent[visit[0]] = spent.get(visit[0], 0) + max(ms, 0)

    for kind, scene_id, duration_ms, created_at in events:
        if kind == "scene_enter" and scene_id is not None:
            close(last_seen)
            visit = (scene_id, created_at)
        elif kind == "scene_leave" and visit is not None and scene_id == visit[0]:
            spent[scene_id] = spent.get(scene_id, 0) + (duration_ms or 0)
            visit = None
        last_seen = created_at
    close(last_seen)
    return spent


def look_directions(session: Session, store_id: int, scene_id: int, sectors: int = 12) -> list[int]:
    """How many view samples fell in each sector of the compass around a scene (sector 0
    centred on yaw 0, clockwise): where visitors look."""
    counts = [0] * sectors
    width = 2 * math.pi / sectors
    for yaw in session.scalars(
        select(TourEvent.yaw).where(
            TourEvent.store_id == store_id,
            TourEvent.scene_id == scene_id,
            TourEvent.kind == "look",
            TourEvent.yaw.is_not(None),
        )
    ):
        if yaw is not None:
            counts[int(((yaw + width / 2) % (2 * math.pi)) // width) % sectors] += 1
    return counts

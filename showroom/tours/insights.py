"""Tour analytics for supervisors: where visitors look (a heatmap per scene), what each scene and
hotspot gets, and the funnel from a product viewed in the tour to a consultation and a paid order.

All counting is done by the database (GROUP BY over binned directions, COUNT DISTINCT visitors);
only the medians of time spent are taken with one ordered query per scene.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, and_, cast, distinct, func, select
from sqlalchemy.orm import Session

from consult.commerce.crediting import SOLD_STATUSES
from consult.models import Booking, Consultation, Order
from showroom.models import Product, Scene, TourEvent

YAW_BINS = 36  # 10 degrees
PITCH_BINS = 18
CLICKS = ("hotspot_open", "product_open")


@dataclass(frozen=True)
class Window:
    since: datetime
    until: datetime


def heat(session: Session, scene_id: int, window: Window) -> list[dict[str, Any]]:
    """Looks and clicks per 10-degree cell of the scene's sphere, hottest first; each cell's
    centre (yaw, pitch in radians) and its share of the hottest cell (0-1)."""
    # yaw may be in [-2pi, 2pi]: shift positive, then fold with integer modulo (both dialects).
    yaw_bin = cast((TourEvent.yaw + 4 * math.pi) * (YAW_BINS / (2 * math.pi)), Integer) % YAW_BINS
    pitch_bin = cast((TourEvent.pitch + math.pi / 2) * (PITCH_BINS / math.pi), Integer)
    rows = session.execute(
        select(
            yaw_bin.label("y"),
            pitch_bin.label("p"),
            func.count().filter(TourEvent.kind == "look"),
            func.count().filter(TourEvent.kind.in_(CLICKS)),
        )
        .where(
            TourEvent.scene_id == scene_id,
            TourEvent.kind.in_(("look", *CLICKS)),
            TourEvent.created_at >= window.since,
            TourEvent.created_at < window.until,
            TourEvent.yaw.is_not(None),
            TourEvent.pitch.is_not(None),
        )
        .group_by("y", "p")
    ).all()
    if not rows:
        return []
    top = max(looks + 3 * clicks for _y, _p, looks, clicks in rows)  # a click weighs 3 looks
    cells = []
    for y, p, looks, clicks in rows:
        p = min(int(p), PITCH_BINS - 1)
        cells.append(
            {
                "yaw": round((int(y) + 0.5) * 2 * math.pi / YAW_BINS, 4),
                "pitch": round((p + 0.5) * math.pi / PITCH_BINS - math.pi / 2, 4),
                "looks": int(looks),
                "clicks": int(clicks),
                "share": round((looks + 3 * clicks) / top, 3),
            }
        )
    cells.sort(key=lambda c: -c["share"])
    return cells


def heat_markers(cells: list[dict[str, Any]], limit: int = 150) -> list[dict[str, Any]]:
    """The hottest cells as the viewer's "heat" markers (a translucent disc each)."""
    return [
        {"id": f"heat-{i}", "kind": "heat", "yaw": c["yaw"], "pitch": c["pitch"],
         "share": c["share"], "label": ""}
        for i, c in enumerate(cells[:limit])
    ]  # fmt: skip


def scenes(session: Session, store_id: int, window: Window, lang: str) -> list[dict[str, Any]]:
    """Per scene: visits, unique visitors, median seconds spent."""
    in_window = and_(
        TourEvent.store_id == store_id,
        TourEvent.created_at >= window.since,
        TourEvent.created_at < window.until,
    )
    visits = {
        scene_id: (int(n), int(people))
        for scene_id, n, people in session.execute(
            select(TourEvent.scene_id, func.count(), func.count(distinct(TourEvent.visitor_id)))
            .where(in_window, TourEvent.kind == "scene_enter")
            .group_by(TourEvent.scene_id)
        )
    }
    rows = []
    for scene in session.scalars(
        select(Scene).where(Scene.store_id == store_id).order_by(Scene.sort_order, Scene.id)
    ):
        count, people = visits.get(scene.id, (0, 0))
        rows.append(
            {
                "scene_id": str(scene.id),
                "name": scene.name_ja if lang == "ja" else scene.name_en,
                "visits": count,
                "visitors": people,
                "median_s": _median_seconds(session, scene.id, in_window),
            }
        )
    return rows


def _median_seconds(session: Session, scene_id: int, in_window: Any) -> int:
    spent = and_(in_window, TourEvent.scene_id == scene_id, TourEvent.kind == "scene_leave",
                 TourEvent.duration_ms.is_not(None))  # fmt: skip
    total = session.scalar(select(func.count()).where(spent)) or 0
    if not total:
        return 0
    middle = session.scalars(
        select(TourEvent.duration_ms)
        .where(spent)
        .order_by(TourEvent.duration_ms)
        .offset((total - 1) // 2)
        .limit(2 - total % 2)
    ).all()
    return round(sum(int(m or 0) for m in middle) / len(middle) / 1000)


def funnel(session: Session, store_id: int, window: Window, lang: str) -> list[dict[str, Any]]:
    """Per product: hotspot opens, product views (and visitors) in the tour, consultations
    about it (booked or walk-in, "ask staff about this"), and paid orders from those."""
    in_window = and_(
        TourEvent.store_id == store_id,
        TourEvent.created_at >= window.since,
        TourEvent.created_at < window.until,
        TourEvent.product_id.is_not(None),
    )
    seen = session.execute(
        select(
            TourEvent.product_id,
            func.count().filter(TourEvent.kind == "hotspot_open"),
            func.count().filter(TourEvent.kind == "product_open"),
            func.count(distinct(TourEvent.visitor_id)),
        )
        .where(in_window, TourEvent.kind.in_(CLICKS))
        .group_by(TourEvent.product_id)
    ).all()
    walk_ins = dict(
        session.execute(
            select(Consultation.product_id, func.count())
            .where(Consultation.store_id == store_id, Consultation.booking_id.is_(None),
                   Consultation.created_at >= window.since,
                   Consultation.created_at < window.until)
            .group_by(Consultation.product_id)
        ).all()
    )  # fmt: skip
    booked = dict(
        session.execute(
            select(Booking.product_id, func.count())
            .where(Booking.store_id == store_id, Booking.created_at >= window.since,
                   Booking.created_at < window.until)
            .group_by(Booking.product_id)
        ).all()
    )  # fmt: skip
    # A paid order from a consultation that was about the product (walk-in or booked).
    about = func.coalesce(Consultation.product_id, Booking.product_id)
    paid = dict(
        session.execute(
            select(about, func.count(distinct(Order.id)))
            .select_from(Order)
            .join(Consultation, Consultation.id == Order.consultation_id)
            .outerjoin(Booking, Booking.id == Consultation.booking_id)
            .where(Order.store_id == store_id, Order.status.in_(SOLD_STATUSES),
                   Consultation.created_at >= window.since,
                   Consultation.created_at < window.until)
            .group_by(about)
        ).all()
    )  # fmt: skip
    names: dict[int, str] = {
        p.id: (p.name_ja if lang == "ja" else p.name_en)
        for p in session.scalars(select(Product).where(Product.id.in_([r[0] for r in seen])))
    }
    rows: list[dict[str, Any]] = []
    for raw_id, opens, views, visitors in seen:
        product_id = int(raw_id or 0)
        consultations = int(walk_ins.get(product_id, 0)) + int(booked.get(product_id, 0))
        orders = int(paid.get(product_id, 0))
        rows.append(
            {
                "product_id": str(product_id),
                "name": names.get(product_id, ""),
                "hotspot_opens": int(opens),
                "views": int(views),
                "visitors": int(visitors),
                "consultations": consultations,
                "to_consultation": _rate(consultations, visitors),
                "orders": orders,
                "to_order": _rate(orders, consultations),
            }
        )
    rows.sort(key=lambda r: (-int(r["visitors"]), str(r["name"])))
    return rows


def _rate(part: int, whole: int) -> str:
    return f"{100.0 * part / whole:.1f}%" if whole else "–"

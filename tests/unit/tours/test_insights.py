"""Tour analytics: the heatmap's cells, scene visits and medians, and the product funnel."""

from __future__ import annotations

import math
from datetime import timedelta

from sqlalchemy.orm import Session

from consult.calls.consultations import start_walk_in
from consult.models import Order
from showroom.db import utcnow
from showroom.models import TourEvent
from showroom.tours import insights
from tests import factories


def test_heat_scenes_and_funnel(session: Session) -> None:
    store = factories.store(session)
    living = factories.scene(session, store, "living")
    factories.scene(session, store, "dining")
    sofa = factories.product(session)
    now = utcnow()

    def event(visitor: str, kind: str, **kw: object) -> None:
        session.add(TourEvent(visitor_id=visitor, store_id=store.id, scene_id=living.id,
                              kind=kind, created_at=now - timedelta(minutes=5), **kw))  # fmt: skip

    for _n in range(6):  # six looks straight ahead, two towards the back (yaw pi, -pi folds)
        event("visitor-a", "look", yaw=0.01, pitch=0.01)
    event("visitor-a", "look", yaw=math.pi - 0.01, pitch=0.0)
    event("visitor-b", "look", yaw=-math.pi - 0.01 + 2 * math.pi, pitch=0.0)
    event("visitor-b", "hotspot_open", yaw=0.01, pitch=0.01, product_id=sofa.id)
    event("visitor-b", "product_open", product_id=sofa.id)
    event("visitor-c", "product_open", product_id=sofa.id)
    for visitor, ms in (("visitor-a", 10_000), ("visitor-b", 30_000), ("visitor-c", 20_000)):
        event(visitor, "scene_enter")
        event(visitor, "scene_leave", duration_ms=ms)
    old = TourEvent(visitor_id="visitor-z", store_id=store.id, scene_id=living.id, kind="look",
                    yaw=1.0, pitch=0.5, created_at=now - timedelta(days=40))  # fmt: skip
    session.add(old)
    call = start_walk_in(session, store.id, product_id=sofa.id)
    session.add(Order(store_id=store.id, consultation_id=call.id, status="paid", total=1000,
                      paid_at=now))  # fmt: skip
    session.flush()
    window = insights.Window(now - timedelta(days=7), now + timedelta(minutes=1))

    cells = insights.heat(session, living.id, window)
    assert cells[0]["looks"] == 6 and cells[0]["clicks"] == 1 and cells[0]["share"] == 1.0
    assert abs(cells[0]["yaw"] - math.radians(5)) < 1e-3
    assert [c["looks"] for c in cells[1:]] == [2]  # both looks behind fall in one cell
    assert sum(c["looks"] for c in cells) == 8  # the 40-day-old look is outside the window
    markers = insights.heat_markers(cells)
    assert markers[0]["kind"] == "heat" and len(markers) == 2

    stats = {row["name"]: row for row in insights.scenes(session, store.id, window, "en")}
    assert (stats["Living"]["visits"], stats["Living"]["visitors"]) == (3, 3)
    assert stats["Living"]["median_s"] == 20 and stats["Dining"]["visits"] == 0

    [sofa_row] = insights.funnel(session, store.id, window, "en")
    assert (sofa_row["hotspot_opens"], sofa_row["views"], sofa_row["visitors"]) == (1, 2, 2)
    assert (sofa_row["consultations"], sofa_row["orders"]) == (1, 1)
    assert (sofa_row["to_consultation"], sofa_row["to_order"]) == ("50.0%", "100.0%")

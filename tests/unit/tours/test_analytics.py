import math

import pytest
from sqlalchemy.orm import Session

from showroom.models import TourEvent
from showroom.tours.analytics import TourEventError, record, visitor_context
from tests import factories

VISITOR = "visitor-0001"


def test_staff_see_what_a_caller_looked_at_most_first(session: Session) -> None:
    store = factories.store(session)
    living = factories.scene(session, store, "living")
    sofa = factories.product(session, "SOFA-001", price=248000)
    lamp = factories.product(session, "LAMP-001", price=32000, name_en="Lamp")
    record(session, visitor_id=VISITOR, store_id=store.id, kind="scene_enter", scene_id=living.id)
    for product in (lamp, sofa, sofa):
        record(
            session,
            visitor_id=VISITOR,
            store_id=store.id,
            kind="product_open",
            product_id=product.id,
        )
    record(
        session,
        visitor_id="someone-else",
        store_id=store.id,
        kind="product_open",
        product_id=lamp.id,
    )

    context = visitor_context(session, VISITOR, store.id, "en")
    assert [(p["name"], p["price"], p["times"]) for p in context["products"]] == [
        ("Sofa", "¥248,000", 2),
        ("Lamp", "¥32,000", 1),
    ]
    assert context["scenes"] == ["Living"]
    assert visitor_context(session, "nobody-at-all", store.id, "en") == {
        "products": [],
        "scenes": [],
    }


@pytest.mark.parametrize(
    "fields",
    [
        {"visitor_id": "short"},
        {"visitor_id": "has spaces in it"},
        {"kind": "purchase"},
        {"yaw": math.nan},
        {"yaw": 100.0},
        {"pitch": 2.0},
        {"duration_ms": -1},
    ],
)
def test_implausible_events_are_refused_and_not_stored(
    session: Session, fields: dict[str, object]
) -> None:
    store = factories.store(session)
    event: dict[str, object] = {
        "visitor_id": VISITOR,
        "store_id": store.id,
        "kind": "look",
        **fields,
    }
    with pytest.raises(TourEventError):
        record(session, **event)  # type: ignore[arg-type]
    assert session.query(TourEvent).count() == 0


def test_time_spent_in_each_scene(session: Session) -> None:
    from datetime import timedelta

    from showroom.db import utcnow
    from showroom.tours.analytics import time_in_scenes

    store = factories.store(session)
    living = factories.scene(session, store, "living")
    dining = factories.scene(session, store, "dining")
    start = utcnow()

    def at(seconds: float, kind: str, scene_id: int, **extra: object) -> None:
        event = record(
            session, visitor_id=VISITOR, store_id=store.id, kind=kind, scene_id=scene_id,
            **extra,  # type: ignore[arg-type]
        )  # fmt: skip
        event.created_at = start + timedelta(seconds=seconds)
        session.flush()

    at(0, "scene_enter", living.id)
    at(1, "look", living.id, yaw=0.1, pitch=0.0)
    at(12, "scene_leave", living.id, duration_ms=12_000)
    at(12, "scene_enter", dining.id)
    at(20, "look", dining.id, yaw=1.0, pitch=0.0)  # then the tab was closed
    at(30, "scene_enter", living.id)  # came back later
    at(34, "scene_leave", living.id, duration_ms=4_000)
    assert time_in_scenes(session, VISITOR, store.id) == {living.id: 16_000, dining.id: 8_000}
    assert time_in_scenes(session, "someone-else", store.id) == {}


def test_where_visitors_look_in_a_scene(session: Session) -> None:
    from showroom.tours.analytics import look_directions

    store = factories.store(session)
    living = factories.scene(session, store, "living")
    for yaw in (0.0, 0.1, -0.1, math.pi / 2, math.pi, -math.pi):
        record(session, visitor_id=VISITOR, store_id=store.id, kind="look",
               scene_id=living.id, yaw=yaw, pitch=0.0)  # fmt: skip
    counts = look_directions(session, store.id, living.id, sectors=4)
    assert counts == [3, 1, 2, 0]  # north, east, south (both ends of ±pi), west

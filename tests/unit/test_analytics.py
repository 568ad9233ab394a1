import math

import pytest
from sqlalchemy.orm import Session

from showroom.analytics import TourEventError, record, visitor_context
from showroom.models import TourEvent
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

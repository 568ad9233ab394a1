import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from showroom.models import Hotspot
from showroom.tours import NotFound, list_stores, product_detail, scene_view, stock_badge
from tests import factories


@pytest.mark.parametrize("quantity, badge", [(0, "out"), (1, "few"), (3, "few"), (4, "in")])
def test_stock_badge(quantity: int, badge: str) -> None:
    assert stock_badge(quantity) == badge


def test_scene_view_shows_live_price_and_stock_on_product_hotspots(session: Session) -> None:
    store = factories.store(session)
    sofa = factories.product(session, price=248000, name_ja="ソファ")
    factories.stock(session, store, sofa, 2)
    living = factories.scene(session, store, "living")
    dining = factories.scene(session, store, "dining")
    factories.hotspot(session, living, product_row=sofa, yaw=0.3)
    factories.hotspot(session, living, target=dining, yaw=2.0)

    view = scene_view(session, "aoyama", "living", "ja", "/media/panoramas")
    product_marker, scene_marker = view.markers
    assert product_marker["label"] == "ソファ · ¥248,000"
    assert product_marker["badge"] == "few" and product_marker["yaw"] == pytest.approx(0.3)
    assert scene_marker["kind"] == "scene" and scene_marker["target"] == "dining"
    assert view.base_url == "/media/panoramas/aoyama/living/"

    sofa.price = 199000  # a price change shows on the next read
    view = scene_view(session, "aoyama", "living", "en", "/media/panoramas")
    assert view.markers[0]["label"] == "Sofa · ¥199,000"


def test_unknown_store_or_scene_is_not_found(session: Session) -> None:
    store = factories.store(session)
    factories.scene(session, store, "unrendered", meta=False)
    for store_slug, scene_slug in [
        ("nope", "living"),
        ("aoyama", "nope"),
        ("aoyama", "unrendered"),
    ]:
        with pytest.raises(NotFound):
            scene_view(session, store_slug, scene_slug, "en", "/media")


def test_hotspot_must_point_at_exactly_one_thing(session: Session) -> None:
    store = factories.store(session)
    living = factories.scene(session, store)
    session.add(Hotspot(scene_id=living.id, yaw=0.0, pitch=0.0))
    with pytest.raises(IntegrityError):
        session.flush()


def test_store_list_and_product_detail(session: Session) -> None:
    store = factories.store(session)
    factories.scene(session, store, "entrance")
    lamp = factories.product(session, sku="LAMP-001", price=32000)
    assert list_stores(session, "ja") == [
        {"slug": "aoyama", "name": "ショールーム青山", "address": "", "entrance": "entrance"}
    ]
    detail = product_detail(session, lamp.id, store.id, "en")
    assert detail["price"] == "¥32,000" and detail["stock"] == 0 and detail["badge"] == "out"
    with pytest.raises(NotFound):
        product_detail(session, 9999, store.id, "en")


@pytest.mark.parametrize(
    "name, expected",
    [("佐藤 愛子 (Aiko Sato)", "AS"), ("Mia Tanaka", "MT"), ("Cher", "C")],
)
def test_initials_for_photo_fallbacks(name: str, expected: str) -> None:
    from showroom.tours import initials

    assert initials(name) == expected

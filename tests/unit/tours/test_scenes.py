import math

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from showroom import routes
from showroom.models import Hotspot, Store
from showroom.tours.scenes import (
    NotFound,
    ViewRequest,
    apply_change_to_markers,
    apply_change_to_product,
    arrival_yaw,
    bearing,
    heading,
    list_stores,
    parse_view,
    product_detail,
    product_id_by_sku,
    scene_preview,
    scene_view,
    stock_badge,
    view_in_degrees,
    wrap_degrees,
)
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
        {
            "slug": "aoyama",
            "name": "ショールーム青山",
            "address": "",
            "entrance": "entrance",
            "tour": "yes",
        }
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
    from showroom.tours.scenes import initials

    assert initials(name) == expected


def test_a_store_without_scenes_is_listed_without_a_tour(session: Session) -> None:
    factories.store(session)
    session.add(Store(slug="umeda", name_en="Umeda", name_ja="梅田", currency="JPY"))
    session.flush()
    stores = list_stores(session, "en")
    assert [(s["slug"], s["tour"]) for s in stores] == [("aoyama", ""), ("umeda", "")]


def test_product_panel_shows_stock_here_and_in_the_other_stores(session: Session) -> None:
    aoyama = factories.store(session)
    umeda = Store(slug="umeda", name_en="Showroom Umeda", name_ja="ショールーム梅田")
    session.add(umeda)
    session.flush()
    sofa = factories.product(session, images=["products/sofa-1.jpg", "https://cdn.example/x.jpg"])
    factories.stock(session, aoyama, sofa, 0)
    factories.stock(session, umeda, sofa, 8)

    detail = product_detail(session, sofa.id, aoyama.id, "ja", "/media")
    assert detail["badge"] == "out" and detail["sku"] == "SOFA-001"
    assert detail["photos"] == ["/media/products/sofa-1.jpg", "https://cdn.example/x.jpg"]
    assert detail["elsewhere"] == [
        {"store_id": umeda.id, "name": "ショールーム梅田", "stock": 8, "badge": "in"}
    ]
    assert product_id_by_sku(session, "SOFA-001") == sofa.id
    assert product_id_by_sku(session, "NOPE-1") is None
    assert product_id_by_sku(session, "' OR 1=1 --") is None


@pytest.mark.parametrize(
    "query, expected",
    [
        ({}, ViewRequest()),
        (
            {"yaw": "90", "pitch": "-10", "zoom": "70", "product": "SOFA-001"},
            ViewRequest(math.pi / 2, math.radians(-10), 70.0, "SOFA-001"),
        ),
        ({"yaw": "270"}, ViewRequest(yaw=math.radians(-90))),  # wrapped into (-180, 180]
        ({"yaw": "-180"}, ViewRequest(yaw=math.pi)),
        ({"yaw": ["45", "10"]}, ViewRequest(yaw=math.radians(45))),  # repeated: the first
        ({"yaw": "nan", "pitch": "inf", "zoom": "-1"}, ViewRequest()),
        ({"yaw": "north", "pitch": "91", "zoom": "101"}, ViewRequest()),
        ({"yaw": "1" * 40}, ViewRequest()),  # absurdly long
        ({"pitch": "90", "zoom": "0"}, ViewRequest(pitch=math.pi / 2, zoom=0.0)),
        ({"product": "<script>"}, ViewRequest()),
        ({"product": "a" * 65}, ViewRequest()),
        ({"product": ""}, ViewRequest()),
    ],
)
def test_deep_link_values_are_each_checked_and_bad_ones_ignored(
    query: dict[str, object], expected: ViewRequest
) -> None:
    got = parse_view(query)
    assert got.sku == expected.sku and got.zoom == expected.zoom
    for mine, theirs in ((got.yaw, expected.yaw), (got.pitch, expected.pitch)):
        assert (mine is None and theirs is None) or mine == pytest.approx(theirs)


def test_share_link_round_trips_through_the_route_builder() -> None:
    yaw, pitch = view_in_degrees(math.radians(-123.456), math.radians(12.34))
    assert (yaw, pitch) == (-123.5, 12.3)
    link = routes.tour("aoyama", "living", yaw=yaw, pitch=pitch, zoom=55.0, product="SOFA-001")
    assert link == "/tour/aoyama/living?yaw=-123.5&pitch=12.3&zoom=55&product=SOFA-001"
    assert routes.tour("aoyama", "living") == "/tour/aoyama/living"
    query = dict(part.split("=") for part in link.split("?")[1].split("&"))
    assert parse_view(query) == ViewRequest(
        math.radians(-123.5), math.radians(12.3), 55.0, "SOFA-001"
    )


@pytest.mark.parametrize("degrees, wrapped", [(0, 0), (180, 180), (-180, 180), (540, 180),
                                              (-190, 170), (725, 5)])  # fmt: skip
def test_wrap_degrees(degrees: float, wrapped: float) -> None:
    assert wrap_degrees(degrees) == pytest.approx(wrapped)


def test_walking_on_keeps_the_compass_heading() -> None:
    # Looking east (yaw 90°) in a scene whose north is at yaw 0 ...
    east = heading(math.pi / 2, 0.0)
    assert east == pytest.approx(math.pi / 2)
    # ... arrives looking east in a scene whose panorama has north at yaw 30°.
    assert arrival_yaw(east, math.radians(30)) == pytest.approx(math.radians(120))
    assert bearing((0, 0), (0, 5)) == pytest.approx(0.0)  # due north
    assert bearing((0, 0), (-3, 0)) == pytest.approx(-math.pi / 2)  # due west
    assert bearing((1, 1), (1, 1)) is None


MARKERS = [
    {"id": "h1", "kind": "product", "product_id": 7, "name": "Sofa", "price": "¥248,000",
     "currency": "JPY", "label": "Sofa · ¥248,000", "badge": "in"},
    {"id": "h2", "kind": "scene", "product_id": 0, "name": "Dining", "label": "Dining",
     "badge": ""},
]  # fmt: skip


def test_live_changes_update_hotspots_without_reading_the_database() -> None:
    stock_here = {"product_id": 7, "store_id": 1, "quantity": 0, "price": None}
    stock_there = {"product_id": 7, "store_id": 2, "quantity": 0, "price": None}
    price = {"product_id": 7, "store_id": None, "quantity": None, "price": 199000}
    assert apply_change_to_markers(MARKERS, stock_here, 1)[0]["badge"] == "out"
    assert apply_change_to_markers(MARKERS, stock_there, 1) == MARKERS
    repriced = apply_change_to_markers(MARKERS, price, 1)
    assert repriced[0]["label"] == "Sofa · ¥199,000" and repriced[1] == MARKERS[1]
    assert MARKERS[0]["badge"] == "in"  # the old list is not changed in place


def test_live_changes_update_the_open_product_panel() -> None:
    product = {
        "id": 7, "price": "¥248,000", "currency": "JPY", "stock": 5, "badge": "in",
        "elsewhere": [{"store_id": 2, "name": "Umeda", "stock": 1, "badge": "few"}],
    }  # fmt: skip
    there = apply_change_to_product(
        product, {"product_id": 7, "store_id": 2, "quantity": 9, "price": None}, 1
    )
    assert there["elsewhere"][0]["badge"] == "in" and there["badge"] == "in"
    here = apply_change_to_product(
        product, {"product_id": 7, "store_id": 1, "quantity": 2, "price": None}, 1
    )
    assert (here["stock"], here["badge"]) == (2, "few")
    repriced = apply_change_to_product(
        product, {"product_id": 7, "store_id": None, "quantity": None, "price": 1000}, 1
    )
    assert repriced["price"] == "¥1,000"
    other = {"product_id": 8, "store_id": 1, "quantity": 0, "price": None}
    assert apply_change_to_product(product, other, 1) is product
    assert apply_change_to_product({}, other, 1) == {}


@pytest.mark.parametrize(
    "yaw_deg, facing", [(0, "front"), (30, "front"), (80, "right"), (180, "back"), (-100, "left")]
)
def test_the_preview_is_the_face_the_scene_opens_on(
    session: Session, yaw_deg: float, facing: str
) -> None:
    store = factories.store(session)
    living = factories.scene(session, store, "living")
    faces = ("left", "front", "right", "back", "top", "bottom")
    living.panorama_meta = {"base": {f: f"base/{f}.jpg" for f in faces}}
    living.initial_yaw = math.radians(yaw_deg)
    session.flush()
    preview = scene_preview(session, "aoyama", "living", "/media")
    assert preview is not None and preview.facing == facing
    assert preview.faces[facing] == f"/media/aoyama/living/base/{facing}.jpg"
    assert preview.facing_file == f"aoyama/living/base/{facing}.jpg"
    assert scene_preview(session, "aoyama", "nope", "/media") is None


def test_a_scene_without_base_faces_has_no_preview(session: Session) -> None:
    factories.scene(session, factories.store(session), "living")  # levels only
    assert scene_preview(session, "aoyama", "living", "/media") is None

"""Tour authoring on a real database: every change is checked, stored, and reported."""

from __future__ import annotations

import asyncio
import math
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from showroom.catalogue.products import TOPIC
from showroom.models import Hotspot, PanoramaJob, Scene, Store
from showroom.pubsub import LocalBroker
from showroom.tours import authoring
from showroom.tours.authoring import AuthoringError, SceneChange
from tests import factories

META: dict[str, Any] = {"version": 1, "levels": [{"faceSize": 512, "nbTiles": 1}]}


def scene(session: Session, store: Store, slug: str, **extra: Any) -> Scene:
    row = Scene(
        store_id=store.id,
        slug=slug,
        name_en=slug.title(),
        name_ja=slug,
        panorama_dir=f"{store.slug}/{slug}",
        panorama_meta=META,
        **extra,
    )
    session.add(row)
    session.flush()
    return row


@pytest.fixture
def shop(session: Session) -> dict[str, Any]:
    store = factories.store(session)
    other = factories.store(session, "umeda")
    return {
        "store": store,
        "other": other,
        "entrance": scene(session, store, "entrance"),
        "living": scene(session, store, "living", sort_order=1),
        "foreign": scene(session, other, "lobby"),
        "sofa": factories.product(session),
    }


def refused(code: str, call: Any, *args: Any, **kwargs: Any) -> None:
    with pytest.raises(AuthoringError) as caught:
        call(*args, **kwargs)
    assert caught.value.code == code
    assert caught.value.message[0].isupper() and caught.value.message.endswith(".")


# ------------------------------------------------------------------------------- hotspots


def test_place_move_and_delete_a_product_hotspot(session: Session, shop: dict[str, Any]) -> None:
    store, living = shop["store"], shop["living"]
    hotspot, change = authoring.place_hotspot(
        session, store.id, living.id, 0.5, -0.2, product_id=shop["sofa"].id
    )
    assert change == SceneChange(store.id, living.id)
    assert change.message() == {"kind": "scene", "store_id": store.id, "scene_id": living.id}
    assert (hotspot.yaw, hotspot.pitch, hotspot.product_id) == (0.5, -0.2, shop["sofa"].id)

    authoring.move_hotspot(session, store.id, hotspot.id, 4.0, 0.3)
    session.refresh(hotspot)
    assert hotspot.yaw == pytest.approx(4.0 - 2 * math.pi)  # normalised to [-pi, pi)
    assert hotspot.pitch == 0.3

    assert authoring.delete_hotspot(session, store.id, hotspot.id) == change
    assert session.get(Hotspot, hotspot.id) is None


@pytest.mark.parametrize(
    ("yaw", "pitch", "code"),
    [
        (math.nan, 0.0, "invalid_yaw"),
        (math.inf, 0.0, "invalid_yaw"),
        ("east", 0.0, "invalid_yaw"),
        (None, 0.0, "invalid_yaw"),
        (True, 0.0, "invalid_yaw"),
        (0.0, 1.6, "invalid_pitch"),
        (0.0, -2.0, "invalid_pitch"),
        (0.0, math.nan, "invalid_pitch"),
    ],
)
def test_bad_positions_are_refused_and_nothing_is_stored(
    session: Session, shop: dict[str, Any], yaw: object, pitch: object, code: str
) -> None:
    refused(
        code,
        authoring.place_hotspot,
        session,
        shop["store"].id,
        shop["living"].id,
        yaw,
        pitch,
        product_id=shop["sofa"].id,
    )
    assert session.scalars(select(Hotspot)).all() == []


def test_a_hotspot_needs_exactly_one_existing_target(
    session: Session, shop: dict[str, Any]
) -> None:
    store, living = shop["store"], shop["living"]
    place = authoring.place_hotspot
    refused("choose_target", place, session, store.id, living.id, 0, 0)
    refused(
        "choose_target", place, session, store.id, living.id, 0, 0,
        product_id=shop["sofa"].id, target_scene_id=shop["entrance"].id,
    )  # fmt: skip
    refused("unknown_product", place, session, store.id, living.id, 0, 0, product_id=9999)
    refused("unknown_product", place, session, store.id, living.id, 0, 0, product_id="1")
    refused("link_to_itself", place, session, store.id, living.id, 0, 0, target_scene_id=living.id)
    refused(
        "unknown_scene", place, session, store.id, living.id, 0, 0,
        target_scene_id=shop["foreign"].id,
    )  # fmt: skip
    assert session.scalars(select(Hotspot)).all() == []


def test_another_stores_scenes_and_hotspots_are_out_of_reach(
    session: Session, shop: dict[str, Any]
) -> None:
    store, foreign = shop["store"], shop["foreign"]
    own, _ = authoring.place_hotspot(
        session, shop["other"].id, foreign.id, 0, 0, product_id=shop["sofa"].id
    )
    refused("unknown_scene", authoring.place_hotspot, session, store.id, foreign.id, 0, 0,
            product_id=shop["sofa"].id)  # fmt: skip
    refused("unknown_hotspot", authoring.move_hotspot, session, store.id, own.id, 0, 0)
    refused("unknown_hotspot", authoring.delete_hotspot, session, store.id, own.id)
    refused("unknown_hotspot", authoring.delete_hotspot, session, store.id, 12345)
    refused("unknown_scene", authoring.set_north, session, store.id, foreign.id, 0)
    assert session.get(Hotspot, own.id) is not None


# ---------------------------------------------------------------------------------- views


def test_initial_view_and_north(session: Session, shop: dict[str, Any]) -> None:
    store, living = shop["store"], shop["living"]
    change = authoring.set_initial_view(session, store.id, living.id, -1.0, 0.25, 30)
    assert change == SceneChange(store.id, living.id)
    authoring.set_north(session, store.id, living.id, 7.0)
    session.refresh(living)
    assert (living.initial_yaw, living.initial_pitch, living.initial_zoom) == (-1.0, 0.25, 30)
    assert living.north_offset == pytest.approx(7.0 - 2 * math.pi)


@pytest.mark.parametrize(
    ("yaw", "pitch", "zoom", "code"),
    [(0, 0, 101, "invalid_zoom"), (0, 0, -1, "invalid_zoom"), (0, 2, 50, "invalid_pitch"),
     (math.nan, 0, 50, "invalid_yaw"), (0, 0, "wide", "invalid_zoom")],
)  # fmt: skip
def test_bad_views_change_nothing(
    session: Session, shop: dict[str, Any], yaw: Any, pitch: Any, zoom: Any, code: str
) -> None:
    living = shop["living"]
    refused(
        code, authoring.set_initial_view, session, shop["store"].id, living.id, yaw, pitch, zoom
    )
    session.refresh(living)
    assert (living.initial_yaw, living.initial_pitch, living.initial_zoom) == (0, 0, 50)


# ---------------------------------------------------------------------------------- links


def test_linking_places_the_way_back_facing_the_other_way(
    session: Session, shop: dict[str, Any]
) -> None:
    store, entrance, living = shop["store"], shop["entrance"], shop["living"]
    # North lies at yaw 1.0 in the entrance and at yaw -0.5 in the living room.
    authoring.set_north(session, store.id, entrance.id, 1.0)
    authoring.set_north(session, store.id, living.id, -0.5)
    link, changes = authoring.link_scenes(session, store.id, entrance.id, living.id, 1.5, -0.1)
    assert changes == [SceneChange(store.id, entrance.id), SceneChange(store.id, living.id)]
    back = session.scalars(select(Hotspot).where(Hotspot.scene_id == living.id)).one()
    assert back.target_scene_id == entrance.id
    # Going out heading 0.5 rad east of north; coming back heads 0.5 + pi.
    assert authoring.heading(living, back.yaw) == pytest.approx(0.5 + math.pi - 2 * math.pi)
    assert link.target_scene_id == living.id

    # A second link does not add a second way back.
    _, changes = authoring.link_scenes(session, store.id, entrance.id, living.id, 2.0, 0)
    assert changes == [SceneChange(store.id, entrance.id)]
    assert len(session.scalars(select(Hotspot).where(Hotspot.scene_id == living.id)).all()) == 1


def test_one_way_link(session: Session, shop: dict[str, Any]) -> None:
    store = shop["store"]
    _, changes = authoring.link_scenes(
        session, store.id, shop["entrance"].id, shop["living"].id, 0, 0, both_ways=False
    )
    assert len(changes) == 1
    assert session.scalars(select(Hotspot).where(Hotspot.scene_id == shop["living"].id)).all() == []


# ------------------------------------------------------------------------------- scenes


def job(session: Session, store: Store, name: str, **extra: Any) -> PanoramaJob:
    row = PanoramaJob(
        store_id=store.id, scene_slug=authoring.slugify(name), scene_name=name,
        source_name="x.jpg", source_path="/nowhere", status="running", **extra,
    )  # fmt: skip
    session.add(row)
    session.flush()
    return row


def test_a_finished_job_makes_a_new_scene_at_the_end(
    session: Session, shop: dict[str, Any]
) -> None:
    store = shop["store"]
    new, change = authoring.scene_from_job(
        session, job(session, store, "Living room"), "aoyama/x-j1", META
    )
    # "living" is taken: the slug gets a number.
    assert (new.slug, new.name_en, new.name_ja) == ("living-room", "Living room", "Living room")
    assert new.sort_order == 2 and new.panorama_meta == META and new.panorama_dir == "aoyama/x-j1"
    assert change == SceneChange(store.id, new.id)
    again, _ = authoring.scene_from_job(session, job(session, store, "Living room"), "d", META)
    assert again.slug == "living-room-2"


def test_a_job_for_an_existing_scene_replaces_its_panorama(
    session: Session, shop: dict[str, Any]
) -> None:
    living = shop["living"]
    updated, _ = authoring.scene_from_job(
        session, job(session, shop["store"], "ignored", scene_id=living.id), "aoyama/new", META
    )
    assert updated.id == living.id and updated.panorama_dir == "aoyama/new"
    assert updated.name_en == "Living"


@pytest.mark.parametrize(
    ("name", "slug"),
    [("Living room", "living-room"), ("  Café  Ñ ", "cafe-n"), ("玄関", "scene"), ("--", "scene")],
)
def test_slugs(name: str, slug: str) -> None:
    assert authoring.slugify(name) == slug


def test_names_are_checked() -> None:
    refused("name_missing", authoring.check_name, "   ")
    refused("name_too_long", authoring.check_name, "x" * 201)
    assert authoring.check_name("  Living\n room ") == "Living room"


def test_what_the_admin_page_reads(session: Session, shop: dict[str, Any]) -> None:
    store, living = shop["store"], shop["living"]
    authoring.place_hotspot(session, store.id, living.id, 0.1, 0.2, product_id=shop["sofa"].id)
    scenes = authoring.store_scenes(session, store.id, "ja")
    assert [(s["slug"], s["name"], s["hotspots"]) for s in scenes] == [
        ("entrance", "entrance", 0), ("living", "living", 1)
    ]  # fmt: skip
    view = authoring.editor_scene(session, store.id, living.id, "en", "/media/panoramas")
    assert view["base_url"] == "/media/panoramas/aoyama/living/"
    assert [(m["kind"], m["yaw"], m["pitch"]) for m in view["markers"]] == [("product", 0.1, 0.2)]
    assert authoring.product_choices(session, "en") == [
        {"id": str(shop["sofa"].id), "label": "Sofa (SOFA-001)"}
    ]


def test_publish_sends_each_scene_once_on_the_catalogue_topic(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    broker = LocalBroker()
    monkeypatch.setattr(authoring, "get_broker", lambda: broker)

    async def run() -> list[dict[str, Any]]:
        async with broker.subscribe(TOPIC) as queue:
            await authoring.publish([SceneChange(1, 2), SceneChange(1, 3), SceneChange(1, 2)])
            return [queue.get_nowait() for _ in range(queue.qsize())]

    assert asyncio.run(run()) == [
        {"kind": "scene", "store_id": 1, "scene_id": 2},
        {"kind": "scene", "store_id": 1, "scene_id": 3},
    ]


def test_rename_a_scene_in_both_languages(session: Session, shop: dict[str, Any]) -> None:
    store, living = shop["store"], shop["living"]
    change = authoring.rename_scene(session, store.id, living.id, " Living  room ", "リビング")
    assert change == SceneChange(store.id, living.id)
    assert (living.name_en, living.name_ja, living.slug) == ("Living room", "リビング", "living")
    authoring.rename_scene(session, store.id, living.id, "Lounge", "")
    assert living.name_ja == "Lounge"  # no Japanese name given: the English one is shown
    refused("name_missing", authoring.rename_scene, session, store.id, living.id, "", "x")
    refused(
        "unknown_scene", authoring.rename_scene, session, store.id, shop["foreign"].id, "A", "B"
    )

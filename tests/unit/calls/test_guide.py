"""Guided tour rules: view validation, scenes bound to the call's store, start/stop events."""

from __future__ import annotations

import math
from typing import Any

import pytest
from sqlalchemy.orm import Session

from consult.calls import guide
from consult.calls.consultations import end, start_walk_in
from consult.calls.events import events_of
from consult.calls.guide import GuideError, GuideView, parse_message, parse_view
from tests import factories

GOOD: dict[str, Any] = {
    "scene_id": 3,
    "yaw": 1.25,
    "pitch": -0.2,
    "zoom": 60,
    "highlight": "h7",
    "seq": 12,
}


def test_a_good_view_is_parsed_and_yaw_wraps_around() -> None:
    view = parse_view(GOOD)
    assert view == GuideView(3, 1.25, -0.2, 60.0, "h7", 12)
    assert parse_view({**GOOD, "yaw": -0.5}).yaw == pytest.approx(2 * math.pi - 0.5, abs=1e-4)
    assert parse_view({**GOOD, "highlight": None}).highlight is None
    assert parse_view({**GOOD, "highlight": ""}).highlight is None
    assert parse_view({**GOOD, "type": "view"}) == view


@pytest.mark.parametrize(
    "change",
    [
        {"scene_id": 0},
        {"scene_id": -4},
        {"scene_id": "3"},
        {"scene_id": True},
        {"scene_id": 2**40},
        {"yaw": float("nan")},
        {"yaw": float("inf")},
        {"yaw": 1e9},
        {"yaw": "1.0"},
        {"pitch": 1.8},
        {"pitch": -1.8},
        {"pitch": None},
        {"zoom": -1},
        {"zoom": 100.5},
        {"zoom": False},
        {"highlight": "h0"},
        {"highlight": "<script>"},
        {"highlight": 7},
        {"highlight": "h" + "9" * 20},
        {"seq": -1},
        {"seq": 1.5},
        {"seq": 2**60},
        {"extra": "field"},
    ],
)
def test_a_bad_view_is_refused(change: dict[str, Any]) -> None:
    with pytest.raises(GuideError) as error:
        parse_view({**GOOD, **change})
    assert error.value.key == "guide.bad_view"


@pytest.mark.parametrize("missing", sorted(GOOD.keys() - {"highlight"}))
def test_a_view_missing_a_field_is_refused(missing: str) -> None:
    with pytest.raises(GuideError):
        parse_view({k: v for k, v in GOOD.items() if k != missing})


def test_not_a_mapping_is_refused() -> None:
    raws: list[object] = [None, [], "view", 3]
    for raw in raws:
        with pytest.raises(GuideError):
            parse_view(raw)


def test_topic_messages_are_parsed_or_refused() -> None:
    assert parse_message({**GOOD, "type": "start"}) == ("start", parse_view(GOOD))
    assert parse_message(guide.control_message("customer")) == ("control", "customer")
    assert parse_message(guide.HELLO) == ("hello", None)
    assert parse_message(guide.STOP) == ("stop", None)
    for bad in (
        {"type": "control", "holder": "monitor"},
        {"type": "control"},
        {"type": "stop", "extra": 1},
        {"type": "shout"},
        {"type": "view", **{**GOOD, "zoom": 900}},
        "stop",
    ):
        with pytest.raises(GuideError):
            parse_message(bad)
    with pytest.raises(GuideError) as error:
        guide.control_message("anyone")
    assert error.value.key == "guide.bad_control"


def _call(session: Session) -> tuple[int, int, Any, Any, Any]:
    store = factories.store(session)
    living = factories.scene(session, store, "living")
    dining = factories.scene(session, store, "dining")
    aiko = factories.staff(session, store)
    call = start_walk_in(session, store.id)
    return call.id, aiko.id, store, living, dining


def test_views_are_bound_to_the_calls_store_and_scene(session: Session) -> None:
    call_id, _aiko, _store, living, dining = _call(session)
    sofa = factories.hotspot(session, living, product_row=factories.product(session))
    other_store = factories.store(session, "umeda")
    elsewhere = factories.scene(session, other_store, "hall")
    unrendered = factories.scene(session, _store, "attic", meta=False)
    view = GuideView(living.id, 0.5, 0.0, 50, f"h{sofa.id}", 1)
    assert guide.check_view(session, call_id, view) == view
    for scene_id, key in [
        (elsewhere.id, "guide.unknown_scene"),
        (unrendered.id, "guide.unknown_scene"),
        (99_999, "guide.unknown_scene"),
    ]:
        with pytest.raises(GuideError) as error:
            guide.check_view(session, call_id, GuideView(scene_id, 0, 0, 50, None, 1))
        assert error.value.key == key
    # A hotspot of another scene (or none at all) cannot be highlighted here.
    with pytest.raises(GuideError) as error:
        guide.check_view(session, call_id, GuideView(dining.id, 0, 0, 50, f"h{sofa.id}", 1))
    assert error.value.key == "guide.unknown_hotspot"
    with pytest.raises(GuideError):
        guide.check_view(session, call_id, GuideView(living.id, 0, 0, 50, "h99999", 1))
    with pytest.raises(LookupError):
        guide.check_view(session, 99_999, view)


def test_start_and_stop_are_stored_and_give_the_status(session: Session) -> None:
    call_id, aiko, _store, living, dining = _call(session)
    living.initial_yaw, living.initial_zoom = 1.0, 40.0
    assert guide.status(session, call_id) is None
    assert guide.stop(session, call_id, aiko) is False  # nothing to stop: nothing stored

    opening = guide.start(session, call_id, aiko, living.id, seq=5)
    assert opening == GuideView(living.id, 1.0, 0.0, 40.0, None, 5)
    assert guide.status(session, call_id) == guide.GuideStatus(living.id, aiko)
    assert guide.scene_opening(session, call_id, dining.id, 6).scene_id == dining.id
    # Staff take the customer on: stored (for the timelines and a page that reopens).
    assert guide.move(session, call_id, aiko, dining.id, 7).scene_id == dining.id
    assert guide.status(session, call_id) == guide.GuideStatus(dining.id, aiko)

    assert guide.stop(session, call_id, aiko) is True
    assert guide.status(session, call_id) is None
    kinds = [(e.kind, e.role, e.staff_id) for e in events_of(session, call_id)]
    assert kinds[-3:] == [
        ("guide_started", "staff", aiko),
        ("guide_moved", "staff", aiko),
        ("guide_stopped", "staff", aiko),
    ]
    moved = events_of(session, call_id)[-2].detail
    assert moved == {"scene_id": dining.id, "text": dining.name_ja}  # the call's language
    with pytest.raises(GuideError):
        guide.move(session, call_id, aiko, 99_999, 8)


def test_no_guide_in_an_ended_call(session: Session) -> None:
    call_id, aiko, _store, living, _dining = _call(session)
    guide.start(session, call_id, aiko, living.id, seq=1)
    end(session, call_id)
    assert guide.status(session, call_id) is None
    with pytest.raises(GuideError) as error:
        guide.start(session, call_id, aiko, living.id, seq=2)
    assert error.value.key == "guide.call_ended"
    with pytest.raises(GuideError):
        guide.check_view(session, call_id, GuideView(living.id, 0, 0, 50, None, 3))


def test_start_refuses_a_scene_of_another_store(session: Session) -> None:
    call_id, aiko, _store, _living, _dining = _call(session)
    elsewhere = factories.scene(session, factories.store(session, "umeda"), "hall")
    with pytest.raises(GuideError) as error:
        guide.start(session, call_id, aiko, elsewhere.id, seq=1)
    assert error.value.key == "guide.unknown_scene"
    assert guide.status(session, call_id) is None


def test_who_may_guide_and_which_scenes(session: Session) -> None:
    call_id, aiko, store, living, dining = _call(session)
    ken = factories.staff(session, store, email="ken@example.com")
    other = factories.staff(session, factories.store(session, "umeda"), email="o@example.com")
    assert guide.may_guide(session, call_id, aiko, store.id)
    session.get(guide.Consultation, call_id).staff_id = aiko  # type: ignore[union-attr]
    assert not guide.may_guide(session, call_id, ken.id, store.id)
    assert not guide.may_guide(session, call_id, other.id, other.store_id)
    assert not guide.may_guide(session, 99_999, aiko, store.id)
    factories.scene(session, store, "attic", meta=False)
    assert guide.scenes_of_call(session, call_id, "en") == [
        {"id": living.id, "slug": "living", "name": "Living"},
        {"id": dining.id, "slug": "dining", "name": "Dining"},
    ]
    shown = guide.scene_for_call(session, call_id, dining.id, "en", "/media/panoramas")
    assert shown.scene_id == dining.id and shown.base_url == "/media/panoramas/aoyama/dining/"
    with pytest.raises(GuideError):
        guide.scene_for_call(session, call_id, 99_999, "en", "/media")

"""Scene names on the floor plan: beside their dot, clear of each other, inside the plan."""

from __future__ import annotations

import itertools

from showroom.tours.plan_labels import DOT_PX, PLAN_PX, Box, place_labels, text_width_px


def dots(spots: list[tuple[float, float, str]]) -> list[Box]:
    size = DOT_PX / PLAN_PX * 100
    return [Box(x - size / 2, y - size / 2, size, size) for x, y, _ in spots]


def check(spots: list[tuple[float, float, str]]) -> list[Box]:
    boxes = place_labels(spots)
    for box in boxes:
        assert box.outside() < 1e-9, box
    for a, b in itertools.combinations(boxes, 2):
        assert a.overlap(b) == 0, (a, b)
    for box, dot in itertools.product(boxes, dots(spots)):
        assert box.overlap(dot) == 0, (box, dot)
    return boxes


def test_the_demo_plan_with_a_new_scene_at_the_origin() -> None:
    # The demo store's plan (as floor_plan places it) and a new scene at (0, 0), which used
    # to put its name on "Entrance" and "Dining" over the plan's edge.
    spots = [(88.0, 88.0, "Entrance"), (88.0, 12.0, "Living room"), (12.0, 24.67, "Dining"),
             (50.0, 88.0, "Annex")]  # fmt: skip
    boxes = check(spots)
    dining = boxes[2]
    assert dining.left >= 0 and dining.left < 30  # beside its dot, at the plan's left edge


def test_japanese_names_are_wider_and_still_fit() -> None:
    assert text_width_px("ダイニング") > text_width_px("Dining")
    check([(88.0, 88.0, "エントランス"), (88.0, 12.0, "リビング"), (12.0, 24.67, "ダイニング"),
           (50.0, 88.0, "別館")])  # fmt: skip


def test_a_name_too_long_for_the_plan_is_kept_inside_it() -> None:
    [box] = place_labels([(50.0, 50.0, "A very long scene name that no plan can hold")])
    assert box.width == 100.0 and box.outside() < 1e-9


def test_a_scene_opens_facing_most_of_its_products() -> None:
    import math

    from showroom.tours.scenes import facing_most

    deg = math.radians
    # Three products together and one behind the viewer: face the three.
    yaw = facing_most([deg(170), deg(-175), deg(178), deg(10)])
    assert abs(math.degrees(math.atan2(math.sin(yaw - deg(178)), math.cos(yaw - deg(178))))) < 10
    assert facing_most([]) == 0.0
    assert math.isclose(facing_most([deg(40)]), deg(40), abs_tol=1e-3)


def test_the_demo_scenes_open_with_products_in_view() -> None:
    import math

    from showroom.tours.panorama.demo_layout import DEMO_SCENES
    from showroom.tours.panorama.render import product_hotspots
    from showroom.tours.scenes import facing_most

    for spec in DEMO_SCENES:
        yaws = [yaw for yaw, _ in product_hotspots(spec).values()]
        facing = facing_most(yaws)
        in_view = [y for y in yaws if abs(math.atan2(math.sin(y - facing), math.cos(y - facing)))
                   <= math.radians(35)]  # fmt: skip
        assert len(in_view) >= 2, spec.slug

"""The demo store's panoramas: layout contract, PSV direction convention, and that every
product and doorway really is where its hotspot direction says."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from PIL import Image

from showroom.tours.panorama.demo_layout import DEMO_SCENES
from showroom.tours.panorama.render import (
    Doorway,
    Placement,
    SceneSpec,
    direction_of,
    direction_of_doorway,
    pick,
    product_hotspots,
    render_scene,
)

WIDTH = 1024
SCENES = {s.slug: s for s in DEMO_SCENES}
EXPECTED = {
    "entrance": {"SHF-001", "VAS-001", "CUS-001", "SIDE-001"},
    "living": {"SOFA-001", "SOFA-002", "TBL-001", "RUG-001", "LAMP-001", "LAMP-002"},
    "dining": {"TBL-002", "CHR-001", "LAMP-003"},
}
LINKS = {
    "entrance": {"living", "dining"},
    "living": {"entrance", "dining"},
    "dining": {"living", "entrance"},
}


def pixel_at(img: Image.Image, yaw: float, pitch: float) -> np.ndarray:
    """Mean colour of the 3x3 pixels around a direction (PSV equirectangular convention)."""
    w, h = img.size
    col = int((yaw / (2 * math.pi) + 0.5) * w) % w
    row = min(h - 2, max(1, int((0.5 - pitch / math.pi) * h)))
    arr = np.asarray(img, dtype=np.float64)
    return arr[row - 1 : row + 2, [(col - 1) % w, col, (col + 1) % w]].reshape(-1, 3).mean(0)


@pytest.fixture(scope="module")
def renders() -> dict[str, Image.Image]:
    return {slug: render_scene(spec, WIDTH) for slug, spec in SCENES.items()}


def test_demo_layout_contract() -> None:
    assert [s.slug for s in DEMO_SCENES] == ["entrance", "living", "dining"]
    seen: list[str] = []
    for spec in DEMO_SCENES:
        skus = {p.sku for p in spec.placements if p.sku}
        assert skus == EXPECTED[spec.slug]
        seen += sorted(skus)
        assert {d.target for d in spec.doorways} == LINKS[spec.slug]
    assert len(seen) == len(set(seen)) == 13


def test_render_size_mode_and_determinism() -> None:
    spec = SCENES["dining"]
    a, b = render_scene(spec, 256), render_scene(spec, 256)
    assert a.size == (256, 128) and a.mode == "RGB"
    assert a.tobytes() == b.tobytes()
    arr = np.asarray(a)
    assert arr.std() > 20, "a real picture, not a flat fill"


@pytest.mark.parametrize("slug", list(SCENES))
def test_every_product_is_visible_at_its_direction(
    slug: str, renders: dict[str, Image.Image]
) -> None:
    spec = SCENES[slug]
    hotspots = product_hotspots(spec)
    assert set(hotspots) == EXPECTED[slug]
    for sku, (yaw, pitch) in hotspots.items():
        assert -math.pi < yaw <= math.pi and -math.pi / 2 <= pitch <= math.pi / 2
        assert pick(spec, yaw, pitch) == sku
        # The product really is in the picture: without it the same pixels differ.
        bare = dataclasses.replace(
            spec, placements=tuple(p for p in spec.placements if p.sku != sku)
        )
        before = pixel_at(renders[slug], yaw, pitch)
        after = pixel_at(render_scene(bare, WIDTH), yaw, pitch)
        assert np.abs(before - after).max() > 12, (sku, before, after)


@pytest.mark.parametrize("slug", list(SCENES))
def test_doorway_direction_is_the_opening(slug: str, renders: dict[str, Image.Image]) -> None:
    spec = SCENES[slug]
    walled = render_scene(dataclasses.replace(spec, doorways=()), WIDTH)
    for door in spec.doorways:
        yaw, pitch = direction_of_doorway(spec, door)
        assert pick(spec, yaw, pitch) == f"door:{door.target}"
        diff = pixel_at(renders[slug], yaw, pitch) - pixel_at(walled, yaw, pitch)
        assert np.abs(diff).max() > 6, door


def single_object_scene(x: float, z: float) -> tuple[SceneSpec, Placement]:
    plinth = Placement("BOX-1", "plinth", x, z, 180, colour="#2040d0", size=(0.6, 0.6, 1.6))
    spec = SceneSpec("probe", 8.0, 8.0, 3.0, (4.0, 1.5, 4.0), (plinth,))
    return spec, plinth


@pytest.mark.parametrize(
    ("x", "z", "yaw_deg"),
    [(4.0, 7.0, 0), (7.0, 4.0, 90), (1.0, 4.0, -90), (4.0, 1.0, 180), (7.0, 7.0, 45)],
)
def test_psv_yaw_convention(x: float, z: float, yaw_deg: float) -> None:
    """Yaw 0 (image centre) looks north, yaw grows to the right: east is at +90 degrees,
    three quarters across the image; pitch is positive upwards."""
    spec, box = single_object_scene(x, z)
    yaw, pitch = direction_of(spec, box)
    assert math.isclose(math.degrees(yaw), yaw_deg, abs_tol=1.0)
    assert pitch < 0  # its centre (0.8 m) is below the eye (1.5 m)
    img = np.asarray(render_scene(spec, 512), dtype=np.int16)
    blue = img[..., 2] - img[..., 0] > 60
    cols = np.flatnonzero(blue.any(axis=0))
    centre_col = (math.radians(yaw_deg) / (2 * math.pi) + 0.5) * 512
    assert cols.size and np.abs(((cols - centre_col + 256) % 512) - 256).max() < 40
    rows = np.flatnonzero(blue.any(axis=1))
    assert rows.min() < 128 < rows.max() + 40  # spans the horizon row region downwards


def test_doorway_direction_convention() -> None:
    spec = SceneSpec(
        "probe", 8.0, 8.0, 3.0, (4.0, 1.5, 4.0), (), doorways=(Doorway("next", "east", 4.0),)
    )
    yaw, pitch = direction_of_doorway(spec, spec.doorways[0])
    assert math.isclose(yaw, math.pi / 2, abs_tol=1e-9)
    assert math.isclose(pitch, math.atan2(2.3 / 2 - 1.5, 4.0), abs_tol=1e-9)
    assert pick(spec, yaw, pitch) == "door:next"
    assert pick(spec, -math.pi / 2, 0.0) == "wall"
    assert pick(spec, 0.0, -1.2) == "floor" and pick(spec, 0.0, 1.2) == "ceiling"


def test_bad_width_is_rejected() -> None:
    with pytest.raises(ValueError, match="width"):
        render_scene(SCENES["living"], 1000)

"""Cubemap tiler: PSV 5.15.1 face orientation, the output contract, atomic writes, input checks.

The reference reprojection is PSV's own CubemapAdapter.textureCoordsToSphericalCoords
(5.15.1, flipTopBottom false), ported literally below; the tiler is built from the inverse
function (sphericalCoordsToTextureCoords), so the two check each other.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from showroom.tours.panorama import tiles
from showroom.tours.panorama.tiles import FACES, PanoramaError, plan_levels, tile_panorama, to_rgb

SRC_W, SRC_H, TILE = 1024, 512, 128  # levels 128 (1 tile) and 256 (2 x 2 tiles)


def psv_texture_to_spherical(face: str, tx: Any, ty: Any, face_size: int) -> tuple[Any, Any]:
    """Port of CubemapAdapter.textureCoordsToSphericalCoords, flipTopBottom = false."""
    u = 2 * (tx / face_size - 0.5)
    v = 2 * (ty / face_size - 0.5)

    def yaw_pitch(x: Any, y: Any, z: Any) -> tuple[Any, Any]:
        dv = np.sqrt(x * x + y * y + z * z)
        return np.arctan2(y / dv, x / dv), -np.arcsin(z / dv)

    one = np.ones_like(u)
    return {
        "front": lambda: yaw_pitch(one, u, v),
        "right": lambda: yaw_pitch(-u, one, v),
        "left": lambda: yaw_pitch(u, -one, v),
        "back": lambda: yaw_pitch(-one, -u, v),
        "bottom": lambda: yaw_pitch(v, -u, one),
        "top": lambda: yaw_pitch(-v, -u, -one),
    }[face]()


def colour_of(yaw: Any, pitch: Any) -> np.ndarray:
    """Smooth, seamless colour that encodes the direction (east, up, north components)."""
    east, up, north = np.broadcast_arrays(
        np.cos(pitch) * np.sin(yaw), np.sin(pitch), np.cos(pitch) * np.cos(yaw)
    )
    return np.stack([128 + 110 * east, 128 + 110 * up, 128 + 110 * north], axis=-1)


def synthetic_equirect(w: int = SRC_W, h: int = SRC_H) -> Image.Image:
    yaw = ((np.arange(w) + 0.5) / w * 2 - 1) * np.pi
    pitch = (0.5 - (np.arange(h) + 0.5) / h) * np.pi
    rgb = colour_of(yaw[None, :], pitch[:, None])
    return Image.fromarray(np.clip(rgb + 0.5, 0, 255).astype(np.uint8), "RGB")


@pytest.fixture(scope="module")
def tiled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("pano") / "scene"
    meta = tile_panorama(synthetic_equirect(), out, tile_size=TILE, quality=90)
    return out, meta


def load_face(out: Path, meta: dict[str, Any], face: str, level: dict[str, int]) -> np.ndarray:
    """Reassemble one face of one level from its tiles."""
    size, count = level["faceSize"], level["nbTiles"]
    tile = size // count
    canvas = np.zeros((size, size, 3), np.uint8)
    for col in range(count):
        for row in range(count):
            name = meta["tile"].format(faceSize=size, face=face, col=col, row=row)
            with Image.open(out / name) as im:
                assert im.size == (tile, tile)
                canvas[row * tile : (row + 1) * tile, col * tile : (col + 1) * tile] = np.asarray(
                    im.convert("RGB")
                )
    return canvas


def reference_face(face: str, size: int) -> np.ndarray:
    centres = np.arange(size) + 0.5
    tx, ty = np.meshgrid(centres, centres)
    return colour_of(*psv_texture_to_spherical(face, tx, ty, size))


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return 10 * math.log10(255**2 / mse)


# ----------------------------------------------------------------------------- contract


def test_meta_contract_and_files(tiled: tuple[Path, dict[str, Any]]) -> None:
    out, meta = tiled
    assert meta == {
        "version": 1,
        "source": [SRC_W, SRC_H],
        "tileSize": TILE,
        "flipTopBottom": False,
        "base": {face: f"base/{face}.jpg" for face in FACES},
        "levels": [{"faceSize": 128, "nbTiles": 1}, {"faceSize": 256, "nbTiles": 2}],
        "tile": "{faceSize}/{face}_{col}_{row}.jpg",
    }
    assert json.loads((out / "meta.json").read_text()) == meta
    expected = {"meta.json"} | {meta["base"][f] for f in FACES}
    for level in meta["levels"]:
        for face in FACES:
            for col in range(level["nbTiles"]):
                for row in range(level["nbTiles"]):
                    expected.add(f"{level['faceSize']}/{face}_{col}_{row}.jpg")
    written = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert written == expected
    with Image.open(out / "base" / "front.jpg") as im:
        assert im.size == (128, 128) and im.format == "JPEG"


@pytest.mark.parametrize(
    ("width", "tile_size", "expected"),
    [
        (4096, 512, [512, 1024]),
        (8192, 512, [512, 1024, 2048]),
        (6000, 512, [512, 1024]),
        (2048, 512, [512]),
        (65536, 512, [512, 1024, 2048, 4096, 8192]),  # capped at 16 tiles across
    ],
)
def test_levels(width: int, tile_size: int, expected: list[int]) -> None:
    assert plan_levels(width, tile_size) == expected


# ----------------------------------------------------------------------------- geometry


def test_tiles_match_psv_reference_at_sample_pixels(tiled: tuple[Path, dict[str, Any]]) -> None:
    """Pixels of every tile of every level against PSV's own texture -> direction formula."""
    out, meta = tiled
    for level in meta["levels"]:
        size, count = level["faceSize"], level["nbTiles"]
        tile = size // count
        for face in FACES:
            for col in range(count):
                for row in range(count):
                    name = meta["tile"].format(faceSize=size, face=face, col=col, row=row)
                    with Image.open(out / name) as im:
                        pixels = np.asarray(im.convert("RGB")).astype(float)
                    for lx, ly in [(3, 5), (tile // 2, tile // 3), (tile - 4, tile - 7), (9, 100)]:
                        tx, ty = col * tile + lx + 0.5, row * tile + ly + 0.5
                        yaw, pitch = psv_texture_to_spherical(face, tx, ty, size)
                        want = colour_of(yaw, pitch)
                        got = pixels[ly, lx]
                        assert np.abs(got - want).max() < 8, (name, lx, ly, got, want)


@pytest.mark.parametrize(("n", "w", "h"), [(64, 258, 129), (128, 512, 256)])
def test_fast_lookups_match_the_plain_formulas(n: int, w: int, h: int) -> None:
    """The lookups (solved on quarters, with arctan for arctan2, in float32) sample where
    the literal yaw_pitch(face_vectors(...)) in float64 says, to within the 8-bit weight."""
    c = (np.arange(n) + 0.5) / n * 2 - 1
    a, b = np.meshgrid(c, c)
    lookups = tiles.face_lookups(n, w, h)
    for face in FACES:
        yaw, pitch = tiles.yaw_pitch(*tiles.face_vectors(face, a, b))
        want_u = np.mod((yaw / (2 * np.pi) + 0.5) * w - 0.5, w)
        want_v = np.clip((0.5 - pitch / np.pi) * h - 0.5, 0, h - 1)
        index, fx, fy = whole_face(lookups[face], n)
        got_u = index % (w + 1) + fx / 255
        got_v = index // (w + 1) + fy / 255
        du = np.abs(got_u - want_u)
        assert np.minimum(du, w - du).max() < 0.6 / 255 + 1e-3, face
        assert np.abs(got_v - want_v).max() < 0.6 / 255 + 1e-3, face


def whole_face(lookup: tiles.Lookup, n: int) -> tuple[np.ndarray, ...]:
    """A lookup's index, fx and fy for the whole face, read strip by strip as the remap
    reads it (with strips shorter than the face, so the strip bounds are exercised)."""
    scratch = tiles.StripBuffers.for_face(n)
    parts = []
    for r0 in range(0, n, n // 4):
        parts.append([a.copy() for a in lookup.strip(r0, r0 + n // 4, scratch)])
    return tuple(np.concatenate(column) for column in zip(*parts, strict=True))


def test_faces_psnr_against_reference(tiled: tuple[Path, dict[str, Any]]) -> None:
    """Every face of every level against PSV's own texture -> direction formula (the
    faces come out at about 44 to 48 dB here, JPEG included)."""
    out, meta = tiled
    for level in meta["levels"]:
        for face in FACES:
            got = load_face(out, meta, face, level)
            ref = np.clip(reference_face(face, level["faceSize"]) + 0.5, 0, 255)
            assert psnr(got, ref) >= 40, (face, level)


@pytest.mark.parametrize(
    ("name", "options"),
    [("src.jpg", {"quality": 95}), ("src.jpg", {"progressive": True}), ("src.png", {})],
    ids=["jpeg", "progressive-jpeg", "png"],
)
def test_fast_path_matches_decoded_image(
    tmp_path: Path, name: str, options: dict[str, Any]
) -> None:
    """A lazily opened RGB JPEG or PNG is decoded straight into the padded source; tiling it
    must give the same tiles as tiling the same image already decoded."""
    path = tmp_path / name
    synthetic_equirect().save(path, **options)
    with Image.open(path) as lazy, Image.open(path) as image:
        meta = tile_panorama(lazy, tmp_path / "lazy", tile_size=TILE)
        image.load()
        tile_panorama(image, tmp_path / "loaded", tile_size=TILE)
        # The lazy image stays usable, its pixels now living in the tiler's buffer.
        assert lazy.tobytes() == image.tobytes()
    for level in meta["levels"]:
        for face in FACES:
            a = load_face(tmp_path / "lazy", meta, face, level)
            b = load_face(tmp_path / "loaded", meta, face, level)
            assert np.array_equal(a, b), (face, level)


@pytest.mark.parametrize("name", ["src.jpg", "src.png"])
def test_truncated_source_fails_and_writes_nothing(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    synthetic_equirect().save(path, quality=95)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with Image.open(path) as lazy, pytest.raises(PanoramaError) as caught:
        tile_panorama(lazy, tmp_path / "scene", tile_size=TILE)
    assert caught.value.code == "truncated"
    assert [p.name for p in tmp_path.iterdir()] == [name]


def test_base_faces_match_reference(tiled: tuple[Path, dict[str, Any]]) -> None:
    out, meta = tiled
    for face in FACES:
        with Image.open(out / meta["base"][face]) as im:
            got = np.asarray(im.convert("RGB"))
        assert psnr(got, np.clip(reference_face(face, got.shape[0]) + 0.5, 0, 255)) >= 38


def marked_equirect(w: int = SRC_W, h: int = SRC_H) -> Image.Image:
    """Grey, with a red dot at yaw 0 / pitch 0 (the image centre), a green one at yaw +30
    degrees (to the right), a yellow one at yaw 0 / pitch +60, and a blue zenith cap."""
    img = np.full((h, w, 3), 128, np.uint8)
    yaw = ((np.arange(w) + 0.5) / w * 2 - 1) * 180
    pitch = 90 - (np.arange(h) + 0.5) / h * 180
    yy, pp = np.meshgrid(yaw, pitch)
    for y0, p0, colour in ((0, 0, (255, 0, 0)), (30, 0, (0, 255, 0)), (0, 60, (255, 255, 0))):
        img[(np.abs(yy - y0) < 4) & (np.abs(pp - p0) < 4)] = colour
    img[pp > 80] = (0, 0, 255)
    return Image.fromarray(img, "RGB")


def test_orientation_front_up_and_not_mirrored(tmp_path: Path) -> None:
    meta = tile_panorama(marked_equirect(), tmp_path / "s", tile_size=TILE, quality=95)
    size = meta["levels"][-1]["faceSize"]
    level = meta["levels"][-1]
    front = load_face(tmp_path / "s", meta, "front", level).astype(int)
    top = load_face(tmp_path / "s", meta, "top", level).astype(int)
    right = load_face(tmp_path / "s", meta, "right", level).astype(int)

    def near(px: np.ndarray, colour: tuple[int, int, int]) -> bool:
        return bool(np.abs(px - np.array(colour)).max() < 40)

    mid = size // 2
    assert near(front[mid, mid], (255, 0, 0)), "yaw 0 at the image centre is the front centre"
    green_x = round((math.tan(math.radians(30)) + 1) / 2 * size)
    assert near(front[mid, green_x], (0, 255, 0)), "yaw +30 is right of centre: not mirrored"
    assert not near(front[mid, size - green_x], (0, 255, 0))
    assert near(top[mid, mid], (0, 0, 255)), "the top face looks up"
    # PSV, flipTopBottom false: yaw 0 sits on the top face's top half, centre column.
    yellow_y = round((1 - 1 / math.tan(math.radians(60))) / 2 * size)
    assert near(top[yellow_y, mid], (255, 255, 0))
    assert not near(top[size - yellow_y, mid], (255, 255, 0))
    assert not near(right[mid, mid], (255, 0, 0))


# ----------------------------------------------------------------------------- atomicity


def test_failure_keeps_previous_scene_and_leaves_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "scene"
    tile_panorama(synthetic_equirect(), out, tile_size=TILE)
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    calls = 0
    real_save = tiles._save

    def flaky_save(image: Image.Image, path: Path, quality: int) -> None:
        nonlocal calls
        calls += 1
        if calls == 10:
            raise OSError("disk full")
        real_save(image, path, quality)

    monkeypatch.setattr(tiles, "_save", flaky_save)
    with pytest.raises(OSError, match="disk full"):
        tile_panorama(synthetic_equirect(2048, 1024), out, tile_size=TILE)
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before
    assert [p.name for p in tmp_path.iterdir()] == ["scene"]


def test_success_replaces_previous_scene(tmp_path: Path) -> None:
    out = tmp_path / "scene"
    tile_panorama(synthetic_equirect(), out, tile_size=TILE)
    (out / "stale.txt").write_text("from the old scene")
    meta = tile_panorama(synthetic_equirect(2048, 1024), out, tile_size=TILE)
    assert meta["source"] == [2048, 1024]
    assert json.loads((out / "meta.json").read_text())["source"] == [2048, 1024]
    assert not (out / "stale.txt").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["scene"]
    assert (out / "512" / "front_3_3.jpg").exists()


def test_replace_without_atomic_exchange(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tiles, "_exchange", lambda a, b: False)
    out = tmp_path / "scene"
    tile_panorama(synthetic_equirect(), out, tile_size=TILE)
    tile_panorama(synthetic_equirect(2048, 1024), out, tile_size=TILE)
    assert json.loads((out / "meta.json").read_text())["source"] == [2048, 1024]
    assert [p.name for p in tmp_path.iterdir()] == ["scene"]


def test_progress_reports_fractions_up_to_one(tmp_path: Path) -> None:
    seen: list[float] = []
    tile_panorama(synthetic_equirect(), tmp_path / "s", tile_size=TILE, progress=seen.append)
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) >= 6


# ----------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("size", [(1000, 1000), (1024, 400), (3000, 1000)])
def test_wrong_aspect_ratio_is_rejected(tmp_path: Path, size: tuple[int, int]) -> None:
    with pytest.raises(PanoramaError, match="2:1"):
        tile_panorama(Image.new("RGB", size), tmp_path / "s", tile_size=TILE)
    assert not any(tmp_path.iterdir())


def test_too_small_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(PanoramaError, match="at least 2048x1024"):
        tile_panorama(Image.new("RGB", (1024, 512)), tmp_path / "s")
    assert issubclass(PanoramaError, ValueError)
    assert not any(tmp_path.iterdir())


def test_bad_options_are_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="power of two"):
        tile_panorama(synthetic_equirect(), tmp_path / "s", tile_size=100)
    with pytest.raises(ValueError, match="quality"):
        tile_panorama(synthetic_equirect(), tmp_path / "s", tile_size=TILE, quality=0)


@pytest.mark.parametrize("mode", ["RGBA", "P", "L", "CMYK", "LA", "I;16", "I", "F", "1"])
def test_any_mode_tiles_as_rgb(tmp_path: Path, mode: str) -> None:
    src = synthetic_equirect(512, 256)
    image = src.convert("L").convert(mode) if mode in ("I;16", "I", "F") else src.convert(mode)
    meta = tile_panorama(image, tmp_path / "s", tile_size=64)
    with Image.open(tmp_path / "s" / meta["base"]["front"]) as im:
        assert im.mode == "RGB"


def test_sixteen_bit_is_scaled_not_clipped() -> None:
    mid = Image.fromarray(np.full((4, 8), 32896, np.uint16))
    assert mid.mode == "I;16"
    assert to_rgb(mid).getpixel((0, 0)) == (128, 128, 128)
    wide = Image.fromarray(np.full((4, 8), 65535, np.int32))
    assert wide.mode == "I"
    assert to_rgb(wide).getpixel((0, 0)) == (255, 255, 255)
    low = Image.fromarray(np.full((4, 8), 100, np.int32))
    assert to_rgb(low).getpixel((0, 0)) == (100, 100, 100)


def test_width_not_divisible_by_four_and_near_two_to_one(tmp_path: Path) -> None:
    """1030 x 517: a quarter turn is not a whole number of columns, and the aspect is
    within the tolerated 1% of 2:1 (cameras often deliver such sizes)."""
    meta = tile_panorama(synthetic_equirect(1030, 517), tmp_path / "s", tile_size=TILE)
    assert meta["source"] == [1030, 517]
    level = meta["levels"][-1]
    for face in FACES:
        got = load_face(tmp_path / "s", meta, face, level)
        ref = np.clip(reference_face(face, level["faceSize"]) + 0.5, 0, 255)
        assert psnr(got, ref) >= 38, face

"""Equirectangular panorama -> Photo Sphere Viewer 5.15.1 cubemap tiles, written atomically.

Output (the contract the viewer component reads; also returned and written as meta.json):

    out_dir/meta.json
    out_dir/base/{left,front,right,back,top,bottom}.jpg      small faces, the instant preview
    out_dir/<faceSize>/{face}_{col}_{row}.jpg                one folder per level

Face orientation is PSV's own with `flipTopBottom: false`, taken from the 5.15.1 adapters
(CubemapAdapter.sphericalCoordsToTextureCoords and the BoxGeometry UVs it draws on): every
face looks "normal" from inside the sphere; the top face has yaw 0 (front) along its top
edge and the bottom face has yaw 180 (back) along its top edge, i.e. both are turned 180
degrees from the usual cube-net layout. With flipTopBottom false the base faces and the
tiles need no extra option in the viewer (PSV applies a `flipTopBottom` given on the tiles
panorama to the tiles only, not to a plain `baseUrl` object).

Equirectangular input follows PSV too: column centre = yaw 0, yaw grows to the right, top
row = pitch +90 degrees.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from PIL import Image

FACES = ("left", "front", "right", "back", "top", "bottom")
BASE_SIZE = 256
MAX_TILES = 16  # PSV's CUBE_SEGMENTS: nbTiles may not exceed it
TILE_TEMPLATE = "{faceSize}/{face}_{col}_{row}.jpg"
ASPECT_TOLERANCE = 0.01

U32 = npt.NDArray[np.uint32]
Progress = Callable[[float], None]


class PanoramaError(ValueError):
    """The image cannot be used as an equirectangular panorama (message is user-facing)."""


# ---------------------------------------------------------------------------------------
# Input checks
# ---------------------------------------------------------------------------------------


def to_rgb(image: Image.Image) -> Image.Image:
    """8-bit RGB copy of any Pillow image; 16-bit and float images are scaled, not clipped
    (Pillow's own convert would clip a 16-bit image to white)."""
    if image.mode == "RGB":
        return image
    if image.mode.startswith("I") or image.mode == "F":
        values = np.asarray(image, dtype=np.float64)
        top = 65535.0 if image.mode.startswith("I;16") or values.max() > 255 else 255.0
        if image.mode == "F" and values.max() <= 1.0:
            top = 1.0
        grey = np.clip(values * (255.0 / top) + 0.5, 0, 255).astype(np.uint8)
        return Image.fromarray(grey, "L").convert("RGB")
    return image.convert("RGB")


def plan_levels(width: int, tile_size: int) -> list[int]:
    """Face sizes, ascending: width/4 rounded down to a power of two (at most MAX_TILES
    tiles across), halving down to tile_size."""
    top = 1 << ((width // 4).bit_length() - 1)
    top = min(top, tile_size * MAX_TILES)
    sizes = []
    while top >= tile_size:
        sizes.append(top)
        top //= 2
    return sorted(sizes)


def check_panorama(width: int, height: int, tile_size: int = 512) -> None:
    """Raise PanoramaError unless the size fits an equirectangular panorama we can tile."""
    if height <= 0 or abs(width / height - 2) > 2 * ASPECT_TOLERANCE:
        raise PanoramaError(
            f"A panorama must be equirectangular, twice as wide as it is tall (2:1); "
            f"this image is {width}x{height}."
        )
    if width < 4 * tile_size:
        raise PanoramaError(
            f"The panorama is too small ({width}x{height}); it must be at least "
            f"{4 * tile_size}x{2 * tile_size} pixels."
        )


def _check_options(tile_size: int, quality: int) -> None:
    if tile_size < 64 or tile_size & (tile_size - 1):
        raise ValueError(f"tile_size must be a power of two >= 64, not {tile_size}")
    if not 1 <= quality <= 100:
        raise ValueError(f"quality must be within 1..100, not {quality}")


# ---------------------------------------------------------------------------------------
# Geometry: which equirectangular point each face pixel shows
# ---------------------------------------------------------------------------------------


def face_vectors(face: str, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, ...]:
    """PSV's (three.js) direction (X, Y, Z) of face texture coordinates a (left -> right)
    and b (top -> bottom), both in [-1, 1]. PSV: yaw 0 is +Z, yaw +90 degrees is -X, up
    is +Y. Inverse of CubemapAdapter.sphericalCoordsToTextureCoords (flipTopBottom false)."""
    one = np.ones_like(a)
    return {
        "front": (-a, -b, one),
        "back": (a, -b, -one),
        "left": (one, -b, a),
        "right": (-one, -b, -a),
        "top": (a, one, -b),
        "bottom": (a, -one, b),
    }[face]


def yaw_pitch(x: np.ndarray, y: np.ndarray, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.arctan2(-x, z), np.arctan2(y, np.hypot(x, z))


def _texel_coords(n: int) -> np.ndarray:
    """Face pixel centres in [-1, 1]."""
    return ((np.arange(n, dtype=np.float64) + 0.5) / n * 2 - 1).astype(np.float32)


def _equirect_uv(
    yaw: np.ndarray, pitch: np.ndarray, w: int, h: int
) -> tuple[np.ndarray, np.ndarray]:
    """Continuous source pixel coordinates (u wrapped to [0, w), v clamped to [0, h-1])."""
    u = np.mod((yaw / (2 * np.pi) + 0.5) * w - 0.5, w)
    v = np.clip((0.5 - pitch / np.pi) * h - 0.5, 0, h - 1)
    return u, v


@dataclass(frozen=True)
class FaceMap:
    """Bilinear lookup for one face: flat index of the top-left source pixel in the padded
    (h+1) x (w+1) source, and the horizontal / vertical weights of the right / lower
    neighbours as 0..255 masks (Pillow blends with them in C)."""

    index: npt.NDArray[np.int32]
    fx: npt.NDArray[np.uint8]
    fy: npt.NDArray[np.uint8]


def _split(coord: np.ndarray, limit: int) -> tuple[np.ndarray, npt.NDArray[np.uint8]]:
    base = np.minimum(np.floor(coord), limit - 1)
    weight = np.rint((coord - base) * 255).astype(np.uint8)
    return base.astype(np.int32), weight


@lru_cache(maxsize=1)
def face_maps(n: int, w: int, h: int) -> dict[str, FaceMap]:
    """Lookup maps of the six faces for face size n and a w x h source (cached: uploads and
    the demo seed tile many sources of one size; about 32 bytes per face pixel). The four side faces share their
    vertical map and differ horizontally by a quarter turn; only front and top are solved
    with trigonometry, the rest is index arithmetic."""
    c = _texel_coords(n)
    a, b = np.meshgrid(c, c)
    stride = w + 1
    maps: dict[str, FaceMap] = {}
    # Side faces: yaw depends on the column only, pitch on both.
    yaw_front, pitch_front = yaw_pitch(*face_vectors("front", a, b))
    u, v = _equirect_uv(yaw_front[0], pitch_front, w, h)
    x0, fx = _split(u, w)
    y0, fy = _split(v, h)
    rows = y0 * stride
    shared_fx = np.broadcast_to(fx, (n, n)).copy()
    for k, face in enumerate(("front", "right", "back", "left")):
        if w % 4:  # a quarter turn is not a whole number of source columns
            xk, fxk = _split(np.mod(u + k * w / 4, w), w)
            fx2d = np.broadcast_to(fxk, (n, n)).copy()
        else:
            xk, fx2d = np.mod(x0 + k * w // 4, w), shared_fx
        maps[face] = FaceMap((rows + xk[None, :]).astype(np.int32), fx2d, fy)
    # Top face by trigonometry; the bottom face is its mirror image (pitch negated).
    yaw_top, pitch_top = yaw_pitch(*face_vectors("top", a, b))
    u, v = _equirect_uv(yaw_top, pitch_top, w, h)
    xt, fxt = _split(u, w)
    yt, fyt = _split(v, h)
    maps["top"] = FaceMap((yt * stride + xt).astype(np.int32), fxt, fyt)
    vb = np.clip((h - 1) - v[::-1], 0, h - 1)
    yb, fyb = _split(vb, h)
    maps["bottom"] = FaceMap((yb * stride + xt[::-1]).astype(np.int32), fxt[::-1].copy(), fyb)
    return maps


def _padded_source(rgb: Image.Image) -> U32:
    """The source as packed RGBA words with one extra column (a copy of column 0, so the
    yaw seam wraps) and one extra row (a copy of the last), flattened."""
    arr = np.asarray(rgb)
    h, w = arr.shape[:2]
    packed = np.empty((h + 1, w + 1, 4), np.uint8)
    packed[:h, :w, :3] = arr
    packed[:h, w, :3] = arr[:, 0]
    packed[:, :, 3] = 255
    packed[h] = packed[h - 1]
    return packed.view(np.uint32).reshape(-1)


def remap_face(src: U32, stride: int, fmap: FaceMap, n: int) -> Image.Image:
    """One cube face, bilinear: four gathers (the neighbours are the same index into
    shifted views of the source) blended by Pillow."""
    corners = []
    for offset in (0, 1, stride, stride + 1):
        buf = np.take(src[offset:], fmap.index)
        corners.append(Image.frombuffer("RGBA", (n, n), buf, "raw", "RGBA", 0, 1))
    fx = Image.frombuffer("L", (n, n), fmap.fx, "raw", "L", 0, 1)
    fy = Image.frombuffer("L", (n, n), fmap.fy, "raw", "L", 0, 1)
    upper = Image.composite(corners[1], corners[0], fx)
    lower = Image.composite(corners[3], corners[2], fx)
    return Image.composite(lower, upper, fy).convert("RGB")


def cube_faces(rgb: Image.Image, n: int) -> dict[str, Image.Image]:
    """The six n x n faces of an RGB equirectangular image, in PSV orientation."""
    w, h = rgb.size
    src = _padded_source(rgb)
    maps = face_maps(n, w, h)
    return {face: remap_face(src, w + 1, maps[face], n) for face in FACES}


# ---------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------


def _save(image: Image.Image, path: Path, quality: int) -> None:
    image.save(path, "JPEG", quality=quality)


def _write_face(
    face: str,
    image: Image.Image,
    levels: list[int],
    tile_size: int,
    base_size: int,
    root: Path,
    quality: int,
) -> None:
    """All levels' tiles of one face (largest first, each half the previous) and its base."""
    for size in reversed(levels):
        if image.width != size:
            image = image.reduce(image.width // size)
        count = size // tile_size
        for col in range(count):
            for row in range(count):
                box = (
                    col * tile_size,
                    row * tile_size,
                    (col + 1) * tile_size,
                    (row + 1) * tile_size,
                )
                name = TILE_TEMPLATE.format(faceSize=size, face=face, col=col, row=row)
                _save(image.crop(box), root / name, quality)
    _save(image.reduce(image.width // base_size), root / "base" / f"{face}.jpg", quality)


def build_meta(width: int, height: int, levels: list[int], tile_size: int) -> dict[str, Any]:
    return {
        "version": 1,
        "source": [width, height],
        "tileSize": tile_size,
        "flipTopBottom": False,
        "base": {face: f"base/{face}.jpg" for face in FACES},
        "levels": [{"faceSize": s, "nbTiles": s // tile_size} for s in levels],
        "tile": TILE_TEMPLATE,
    }


def tile_panorama(
    source: Image.Image,
    out_dir: Path,
    *,
    tile_size: int = 512,
    quality: int = 85,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Tile an equirectangular image into PSV cubemap tiles in `out_dir`, replacing any
    previous content atomically, and return the meta dict (also written as meta.json).
    `progress`, if given, is called with the fraction done (0..1) after each face."""
    _check_options(tile_size, quality)
    check_panorama(source.width, source.height, tile_size)
    rgb = to_rgb(source)
    levels = plan_levels(rgb.width, tile_size)
    meta = build_meta(rgb.width, rgb.height, levels, tile_size)
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    try:
        tmp.chmod(0o755)  # mkdtemp makes it private; the scene must be readable when served
        _write_all(rgb, tmp, levels, tile_size, quality, progress)
        (tmp / "meta.json").write_text(json.dumps(meta, indent=2))
        replace_dir(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if progress:
        progress(1.0)
    return meta


def _write_all(
    rgb: Image.Image,
    root: Path,
    levels: list[int],
    tile_size: int,
    quality: int,
    progress: Progress | None,
) -> None:
    for size in [*levels, "base"]:
        (root / str(size)).mkdir()
    base_size = min(BASE_SIZE, levels[0])
    faces = cube_faces(rgb, levels[-1])
    for i, face in enumerate(FACES):
        _write_face(face, faces.pop(face), levels, tile_size, base_size, root, quality)
        if progress:
            progress((i + 1) / (len(FACES) + 1))


# ---------------------------------------------------------------------------------------
# Atomic directory replacement
# ---------------------------------------------------------------------------------------

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step with Linux renameat2(RENAME_EXCHANGE); False where that
    is not available (other OS, old libc, filesystem without support)."""
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    libc = ctypes.CDLL(name, use_errno=True)
    fn = getattr(libc, "renameat2", None)
    if fn is None:
        return False
    result = fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return bool(result == 0)


def replace_dir(new: Path, target: Path) -> None:
    """Put directory `new` at `target`, replacing any existing directory there. With
    renameat2 the swap is atomic: readers always see either the old or the new scene.
    Otherwise the old one is renamed aside first (a moment with no directory, never a
    half-written one), and put back if the second rename fails."""
    if not target.exists():
        os.rename(new, target)
        return
    if _exchange(new, target):
        shutil.rmtree(new, ignore_errors=True)  # `new` now holds the old scene
        return
    aside = target.with_name(f".{target.name}.old-{uuid.uuid4().hex}")
    os.rename(target, aside)
    try:
        os.rename(new, target)
    except BaseException:
        os.rename(aside, target)
        raise
    shutil.rmtree(aside, ignore_errors=True)

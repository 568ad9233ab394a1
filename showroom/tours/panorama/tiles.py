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

Pipeline (bench/tiling.py measures it; within about 2 to 3 times the codec floor of
decoding the source and encoding the tiles):
1. The source is decoded once, straight into a padded RGBX NumPy buffer: a lazily opened
   RGB JPEG or PNG by Pillow's own decoder writing through a core image mapped onto the
   buffer (libjpeg-turbo writes the RGBX words itself); anything else is copied in bands.
2. Meanwhile the side faces' lookup (int32 index + 8-bit weights, one pitch map shared by
   the four side faces) is solved in cache-sized blocks using the faces' symmetries; the
   top and bottom lookups are solved strip by strip as those faces are remapped.
3. Faces are built and encoded on a thread pool (the heavy calls release the GIL): each is
   bilinear-sampled at its largest size with four np.take gathers into buffers Pillow maps
   without copying, blended by Pillow in C; its tiles are written, then the next level
   down comes from Image.reduce(2), down to the base face.

Memory (issue #13): the padded source is 1.33 times the decoded RGB image, the shared
side lookup 0.2, and each face in flight about 0.25 (its largest level and the next);
with the interpreter a 16384x8192 source peaks at about 2.1 times its decoded size with
two workers. Nothing else holds a full-size copy: keep it that way (the tiler runs in
a child process, see jobs.process_in_child; the test there guards the 2.5 times bound).
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
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageFile

FACES = ("left", "front", "right", "back", "top", "bottom")
FACES_SLOWEST_FIRST = ("top", "bottom", "left", "front", "right", "back")
BASE_SIZE = 256
MAX_TILES = 16  # PSV's CUBE_SEGMENTS: nbTiles may not exceed it
TILE_TEMPLATE = "{faceSize}/{face}_{col}_{row}.jpg"
ASPECT_TOLERANCE = 0.01

# One face is remapped in strips of rows: the four gathered corner buffers of a strip stay
# small (2 MB at 4096 px faces), are reused, and stay warm in cache.
STRIP_ROWS = 128
LOOKUP_ROWS = 32  # rows per block while solving the lookups (see _row_blocks)
CACHED_FACE_SIZE = 2048  # lookups up to this face size are kept between calls
# Faces are built and encoded in parallel: NumPy's gather, Pillow's blending, reducing and
# JPEG encoding all release the GIL. Each worker holds one face (64 MB at 4096 px, a quarter
# of the decoded source): three at most keep the peak within 2.5 decoded sources.
WORKERS = max(1, min(3, os.cpu_count() or 1))

U32 = npt.NDArray[np.uint32]
Progress = Callable[[float], None]


class PanoramaError(ValueError):
    """The image cannot be used as an equirectangular panorama. The message is for the
    user; `code` is stable, for programs (e.g. "aspect_ratio", "too_small", "truncated")."""

    def __init__(self, message: str, code: str = "invalid") -> None:
        super().__init__(message)
        self.code = code


# What Pillow raises on bad pixel data: OSError ("image file is truncated", "broken data
# stream"), SyntaxError (bad PNG chunks), ValueError and EOFError in some plugins.
DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError)


def damaged() -> PanoramaError:
    return PanoramaError(
        "The image file is damaged or incomplete (was the upload interrupted?); "
        "please upload it again.",
        code="truncated",
    )


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
            f"this image is {width}x{height}.",
            code="aspect_ratio",
        )
    if width < 4 * tile_size:
        raise PanoramaError(
            f"The panorama is too small ({width}x{height}); it must be at least "
            f"{4 * tile_size}x{2 * tile_size} pixels.",
            code="too_small",
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


def _equirect_u(yaw: np.ndarray, w: int) -> np.ndarray:
    """Continuous source column of a yaw in [-pi, pi], wrapped to [0, w)."""
    u = (yaw / (2 * np.pi) + 0.5) * w - 0.5
    u[u < 0] += w  # one masked add wraps it (np.mod is slower)
    return u


def _equirect_v(pitch: np.ndarray, h: int) -> np.ndarray:
    """Continuous source row of a pitch, clamped to [0, h - 1]."""
    return np.clip((0.5 - pitch / np.pi) * h - 0.5, 0, h - 1)


class Lookup(Protocol):
    """Bilinear lookup for one face into the padded (h+1) x (w+1) source, a strip of face
    rows at a time: flat index of the top-left neighbour and the weights of the right /
    lower neighbours as 0..255 masks (Pillow blends with them in C)."""

    def strip(self, r0: int, r1: int, out: StripBuffers) -> tuple[np.ndarray, ...]:
        """Index, fx and fy of face rows r0..r1, all C-contiguous (Pillow maps them). The
        index is int64: np.take is about twice as fast with intp indices as with int32
        ones, which it would convert on every call."""
        ...


@dataclass(frozen=True)
class StripBuffers:
    """One face's scratch for its lookup strips (each face task owns its own)."""

    index: npt.NDArray[np.int64]
    fx: npt.NDArray[np.uint8]
    fy: npt.NDArray[np.uint8]

    @classmethod
    def for_face(cls, n: int) -> StripBuffers:
        rows = min(STRIP_ROWS, n)
        return cls(
            np.empty((rows, n), np.int64),
            np.empty((rows, n), np.uint8),
            np.empty((rows, n), np.uint8),
        )


@dataclass(frozen=True)
class SideLookup:
    """A side face: separable, as yaw depends on the column only. `cols` (n,) is added to
    `rows` (y * stride, one n x n map shared by the four side faces) strip by strip, and
    `fx` is one strip's worth of identical rows."""

    rows: np.ndarray
    fy: npt.NDArray[np.uint8]
    fx: npt.NDArray[np.uint8]
    cols: npt.NDArray[np.int64]

    def strip(self, r0: int, r1: int, out: StripBuffers) -> tuple[np.ndarray, ...]:
        index = out.index[: r1 - r0]
        np.add(self.rows[r0:r1], self.cols, out=index)
        return index, self.fx[: r1 - r0], self.fy[r0:r1]


def _split(coord: np.ndarray, limit: int) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.uint8]]:
    """Integer part (at most limit - 1: the padding supplies its neighbour) and 8-bit
    fraction of continuous, non-negative source coordinates; few passes, no int64."""
    base = coord.astype(np.int32)  # truncation is floor here: coordinates are >= 0
    np.minimum(base, limit - 1, out=base)
    frac = np.subtract(coord, base, dtype=coord.dtype)
    frac *= 255
    frac += 0.5
    return base, frac.astype(np.uint8)


def _index_dtype(w: int, h: int) -> type[np.signedinteger[Any]]:
    # int32 halves the maps' memory; sources past 2**31 padded pixels need 64 bits.
    return np.int32 if (w + 1) * (h + 1) < 2**31 else np.int64


def _flat_index(y: np.ndarray, x: np.ndarray | int, w: int, h: int) -> np.ndarray:
    index = y.astype(_index_dtype(w, h))
    index *= w + 1
    index += x
    return index


def _mirror_columns(left: np.ndarray, flip: float | None) -> np.ndarray:
    """Full-width rows from their left half, for maps that the face's left-right mirror
    turns into `flip - value` (or leaves unchanged where flip is None). Texel centres are
    symmetric about 0, so the mirrored pixels are exact and half the trigonometry goes."""
    right = left[:, ::-1]
    return np.concatenate([left, right if flip is None else flip - right], axis=1)


def _row_blocks(n: int) -> list[tuple[int, int]]:
    # Lookups are solved a block of rows at a time so every temporary stays in cache:
    # whole-face float temporaries made the maps memory-bound (seconds at 4096 px).
    return [(r0, min(n, r0 + LOOKUP_ROWS)) for r0 in range(0, n, LOOKUP_ROWS)]


def _side_lookups(n: int, w: int, h: int) -> dict[str, SideLookup]:
    """Front, right, back, left: the same face turned by quarter turns of yaw. With face
    coordinates as a row (a) and a column (b), PSV's formulas broadcast to a yaw per column
    and a pitch per pixel, so only the pitch map is n x n, shared by the four faces. Pitch
    is even left-right and odd top-bottom: one quarter of it is solved."""
    c = _texel_coords(n)
    c64 = c.astype(np.float64)  # 1-D, so double precision costs nothing
    u = _equirect_u(yaw_pitch(*face_vectors("front", c64, np.zeros_like(c64)))[0], w)
    rows = np.empty((n, n), _index_dtype(w, h))
    fy = np.empty((n, n), np.uint8)
    left = c[None, : n // 2]
    for r0, r1 in _row_blocks(n // 2):
        pitch = _mirror_columns(_front_pitch(left, c[r0:r1, None]), None)
        y0, fy[r0:r1] = _split(_equirect_v(pitch, h), h)
        rows[r0:r1] = _flat_index(y0, 0, w, h)
        y0, fy_mirrored = _split(_equirect_v(-pitch, h), h)
        rows[n - r1 : n - r0], fy[n - r1 : n - r0] = (
            _flat_index(y0, 0, w, h)[::-1],
            fy_mirrored[::-1],
        )
    strip = min(STRIP_ROWS, n)
    lookups = {}
    for k, face in enumerate(("front", "right", "back", "left")):
        # A quarter turn need not be a whole number of columns (w % 4): split again.
        xk, fxk = _split(np.mod(u + k * w / 4, w), w)
        fx = np.ascontiguousarray(np.broadcast_to(fxk, (strip, n)))
        lookups[face] = SideLookup(rows, fy, fx, xk.astype(np.int64))
    return lookups


# The two functions below are yaw_pitch(*face_vectors(face, a, b)) rewritten with np.arctan
# where that is exact for the half-face they are used on: NumPy's arctan2 costs about 54
# ns a value here, arctan 22, hypot 13, sqrt 1 (tests compare them with the plain formulas).


def _front_pitch(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pitch of the front face: arctan2(-b, hypot(-a, 1)), and the hypot is positive."""
    return np.arctan(-b / np.sqrt(a * a + 1))


def _top_yaw_pitch(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Yaw and pitch of the top face's left half (a < 0): yaw = arctan2(-a, -b), which for
    -a > 0 is pi/2 - arctan(b / a); pitch = arctan2(1, hypot(a, b)) = arctan(1 / hypot)."""
    yaw = np.float32(np.pi / 2) - np.arctan(b / a)
    return yaw, np.arctan(1 / np.sqrt(a * a + b * b))


@dataclass(frozen=True)
class PolarLookup:
    """Top or bottom, solved strip by strip as the face is remapped (storing them took 12
    bytes a face pixel, 200 MB at 4096 px). Top by trigonometry (yaw is odd and pitch even
    under the left-right mirror); the bottom face is the top's mirror image: rows reversed,
    pitch negated (v -> h - 1 - v)."""

    n: int
    w: int
    h: int
    bottom: bool

    def strip(self, r0: int, r1: int, out: StripBuffers) -> tuple[np.ndarray, ...]:
        n, w, h = self.n, self.w, self.h
        c = _texel_coords(n)
        left = c[None, : n // 2]
        for b0, b1 in _row_blocks(r1 - r0):
            # The bottom's rows r are the top's rows n - 1 - r, read upwards.
            rows = slice(n - r1 + b0, n - r1 + b1) if self.bottom else slice(r0 + b0, r0 + b1)
            yaw, pitch = _top_yaw_pitch(left, c[rows, None])
            x0, fx = _split(_equirect_u(_mirror_columns(yaw, 0.0), w), w)
            v = _equirect_v(_mirror_columns(pitch, None), h)
            y0, fy = _split((h - 1) - v if self.bottom else v, h)
            index = _flat_index(y0, x0, w, h)
            if self.bottom:
                index, fx, fy = index[::-1], fx[::-1], fy[::-1]
                b0, b1 = r1 - r0 - b1, r1 - r0 - b0
            out.index[b0:b1], out.fx[b0:b1], out.fy[b0:b1] = index, fx, fy
        return out.index[: r1 - r0], out.fx[: r1 - r0], out.fy[: r1 - r0]


def face_lookups(n: int, w: int, h: int) -> dict[str, Lookup]:
    """Lookups of the six faces for face size n and a w x h source."""
    polar = {face: PolarLookup(n, w, h, face == "bottom") for face in ("top", "bottom")}
    return {**side_lookups(n, w, h), **polar}


def side_lookups(n: int, w: int, h: int) -> dict[str, SideLookup]:
    """The side faces' lookups (the tiler solves them while the source decodes), 5 bytes
    a face pixel. Up to 2048 px faces they are cached (the demo seed tiles many sources of
    one size); larger ones (80 MB at 4096 px) are not."""
    if n <= CACHED_FACE_SIZE:
        return _cached_side_lookups(n, w, h)
    return _side_lookups(n, w, h)


@lru_cache(maxsize=2)
def _cached_side_lookups(n: int, w: int, h: int) -> dict[str, SideLookup]:
    return _side_lookups(n, w, h)


# ---------------------------------------------------------------------------------------
# Pixels: the padded source and the bilinear remap
# ---------------------------------------------------------------------------------------


def _padded_source(image: Image.Image) -> U32:
    """The source as RGBX words, (h+1) x (w+1): one extra column (a copy of column 0, so
    the yaw seam wraps) and one extra row (a copy of the last), so that every bilinear
    neighbour is the same flat index plus 0, 1, stride or stride + 1."""
    w, h = image.size
    padded = np.empty((h + 1, w + 1), np.uint32)
    if not _decode_into(image, padded):
        _copy_into(image, padded)
    padded[:h, w] = padded[:h, 0]
    padded[h] = padded[h - 1]
    return padded


def _copy_into(image: Image.Image, padded: U32) -> None:
    """Copy a decoded image in bands, converted band by band, so that the only full-size
    copy is `padded` itself (a 16-bit or float image is scaled by its whole range first)."""
    if image.mode.startswith("I") or image.mode == "F":
        image = to_rgb(image)
    w, h = image.size
    for y0 in range(0, h, 512):
        y1 = min(h, y0 + 512)
        band = to_rgb(image.crop((0, y0, w, y1))).tobytes("raw", "RGBX")
        padded[y0:y1, :w] = np.frombuffer(band, np.uint32).reshape(y1 - y0, w)


def _decode_into(image: Image.Image, padded: U32) -> bool:
    """Decode a not yet loaded RGB image (JPEG, PNG) straight into `padded`: Pillow keeps
    RGB as four bytes a pixel, so its own decoder writes into a core image mapped onto the
    buffer with its padded stride (no decoded copy, no repacking; libjpeg-turbo even writes
    the RGBX words itself). The image stays usable, its pixels now living in `padded`.
    False if this image cannot take that path (already decoded, or not RGB)."""
    if not isinstance(image, ImageFile.ImageFile) or image.mode != "RGB":
        return False
    tile = image.tile
    if not tile or getattr(image, "_im", None) is not None:  # decoded already
        return False
    # libjpeg-turbo writes RGBX words itself when asked (JCS_EXT_RGBX): no unpacking pass.
    if image.format == "JPEG" and len(tile) == 1 and tile[0].args == ("RGB", ""):
        image.tile = [tile[0]._replace(args=("RGBX", ""))]
    w, h = image.size
    image.im = Image.core.map_buffer(padded, (w, h), "raw", 0, ("RGB", (w + 1) * 4, 1))
    try:
        image.load()
    except DECODE_ERRORS as error:
        raise damaged() from error
    return True


def _remap_strip(
    src: U32, stride: int, index: np.ndarray, fx: np.ndarray, fy: np.ndarray, out: list[U32]
) -> None:
    """Face rows for one strip, bilinear, into out[0]: four gathers straight into buffers
    that Pillow maps (the neighbours are the same index into shifted views of the source),
    then three blends in C, in place."""
    rows, n = index.shape
    images = []
    for buf, offset in zip(out, (0, 1, stride, stride + 1), strict=True):
        # mode="wrap" lets take write into `buf` directly (mode="raise" buffers a copy)
        # and is its fastest mode; the indices are in range by construction.
        np.take(src[offset:], index, out=buf, mode="wrap")
        images.append(Image.frombuffer("RGBX", (n, rows), buf, "raw", "RGBX", 0, 1))
    mask_x = Image.frombuffer("L", (n, rows), fx, "raw", "L", 0, 1)
    mask_y = Image.frombuffer("L", (n, rows), fy, "raw", "L", 0, 1)
    box = (0, 0, n, rows)
    # Blend in place in our writable buffers (Pillow's Python-level paste would copy an
    # image mapped onto a buffer first; Image.composite is a copy plus this paste).
    images[0].im.paste(images[1].im, box, mask_x.im)  # upper row pair
    images[2].im.paste(images[3].im, box, mask_x.im)  # lower row pair
    images[0].im.paste(images[2].im, box, mask_y.im)


def remap_face(src: U32, lookup: Lookup, n: int) -> Image.Image:
    """One n x n cube face (RGBX) from the padded source. The top-left gather of each strip
    goes straight into the face's own rows, where the blends finish it: no strip copies."""
    flat = src.reshape(-1)
    stride = src.shape[1]
    strip = min(STRIP_ROWS, n)
    face = np.empty((n, n), np.uint32)
    neighbours = np.empty((3, strip, n), np.uint32)
    scratch = StripBuffers.for_face(n)
    for r0 in range(0, n, strip):
        r1 = min(n, r0 + strip)
        index, fx, fy = lookup.strip(r0, r1, scratch)
        out = [face[r0:r1], *(buf[: r1 - r0] for buf in neighbours)]
        _remap_strip(flat, stride, index, fx, fy, out)
    return Image.frombuffer("RGBX", (n, n), face, "raw", "RGBX", 0, 1)


def cube_faces(image: Image.Image, n: int) -> dict[str, Image.Image]:
    """The six n x n faces of an equirectangular image, in PSV orientation (RGB)."""
    src = _padded_source(image)
    lookups = face_lookups(n, image.width, image.height)
    return {face: remap_face(src, lookups[face], n).convert("RGB") for face in FACES}


# ---------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------


def _save(image: Image.Image, path: Path, quality: int) -> None:
    image.save(path, "JPEG", quality=quality)


@dataclass(frozen=True)
class _Job:
    """What every face task needs to know."""

    src: U32
    lookups: dict[str, Lookup]
    levels: list[int]
    tile_size: int
    base_size: int
    root: Path
    quality: int


def _write_face(face: str, job: _Job) -> None:
    """Remap one face at the largest level, then write every level's tiles (largest first,
    each level half the previous, by Pillow's box reduce) and its base."""
    image = remap_face(job.src, job.lookups[face], job.levels[-1])
    for size in reversed(job.levels):
        if image.width != size:
            image = image.reduce(image.width // size)
        _write_level(face, image, job)
    base = image.reduce(image.width // job.base_size)
    _save(base, job.root / "base" / f"{face}.jpg", job.quality)


def _write_level(face: str, image: Image.Image, job: _Job) -> None:
    tile, count = job.tile_size, image.width // job.tile_size
    for col in range(count):
        for row in range(count):
            box = (col * tile, row * tile, (col + 1) * tile, (row + 1) * tile)
            name = TILE_TEMPLATE.format(faceSize=image.width, face=face, col=col, row=row)
            _save(image.crop(box), job.root / name, job.quality)


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
    `progress`, if given, is called (on the calling thread) with the fraction done (0..1)
    after each face. Blocking and CPU-bound (it uses WORKERS threads): call it off the
    event loop. An RGB JPEG or PNG fresh from Image.open() is decoded here, straight into
    the working buffer (a damaged file raises PanoramaError "truncated"); the image stays
    usable, its pixels then living in that buffer. Uploads go through
    upload.import_panorama, which checks them first."""
    _check_options(tile_size, quality)
    check_panorama(source.width, source.height, tile_size)
    levels = plan_levels(source.width, tile_size)
    meta = build_meta(source.width, source.height, levels, tile_size)
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    try:
        tmp.chmod(0o755)  # mkdtemp makes it private; the scene must be readable when served
        _write_all(source, tmp, levels, tile_size, quality, progress)
        (tmp / "meta.json").write_text(json.dumps(meta, indent=2))
        replace_dir(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if progress:
        progress(1.0)
    return meta


def _write_all(
    image: Image.Image,
    root: Path,
    levels: list[int],
    tile_size: int,
    quality: int,
    progress: Progress | None,
) -> None:
    for size in [*levels, "base"]:
        (root / str(size)).mkdir()
    with ThreadPoolExecutor(WORKERS, thread_name_prefix="tiler") as pool:
        # The side lookups need no pixels: solve them while the source decodes.
        n, w, h = levels[-1], image.width, image.height
        sides = pool.submit(side_lookups, n, w, h)
        src = _padded_source(image)
        polar = {face: PolarLookup(n, w, h, face == "bottom") for face in ("top", "bottom")}
        lookups: dict[str, Lookup] = {**sides.result(), **polar}
        job = _Job(src, lookups, levels, tile_size, min(BASE_SIZE, levels[0]), root, quality)
        # Slowest first (the polar faces gather with the least locality) so that the two
        # workers finish together.
        futures = [pool.submit(_write_face, face, job) for face in FACES_SLOWEST_FIRST]
        try:
            for done, future in enumerate(as_completed(futures), start=1):
                future.result()
                if progress:
                    progress(done / (len(FACES) + 1))
        except BaseException:
            # Stop queued faces; leaving the `with` waits for running ones, so no worker
            # writes into the temporary directory after the caller removes it.
            for future in futures:
                future.cancel()
            raise


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

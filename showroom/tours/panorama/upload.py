"""Validation of an uploaded panorama before it is tiled.

`open_panorama` turns an uploaded file (a path or its bytes) into an 8-bit RGB Pillow image
that `tile_panorama` accepts, or raises `PanoramaError` with a message for the user and a
stable `code` for programs. It writes nothing; `import_panorama` validates, then tiles
atomically, so a rejected upload leaves no trace in the media store.

Checks run cheapest first: the file size before reading it, the header (format, pixel
count, aspect ratio, size) before decoding, and only then the pixels (a truncated file is
found by decoding it to the end).
"""

from __future__ import annotations

import io
import os
import struct
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

from PIL import Image, ImageOps, UnidentifiedImageError

from showroom.tours.panorama.tiles import (
    DECODE_ERRORS,
    PanoramaError,
    Progress,
    check_panorama,
    damaged,
    tile_panorama,
    to_rgb,
)

FORMATS = ("JPEG", "PNG")
NOT_IMAGE = "not_image"
TRUNCATED = "truncated"
ASPECT_RATIO = "aspect_ratio"
DECOMPRESSION_BOMB = "decompression_bomb"
TOO_LARGE = "too_large"
TOO_SMALL = "too_small"

# EXIF orientations that turn the picture a quarter turn (width and height swap).
_QUARTER_TURNS = {5, 6, 7, 8}
_EXIF_ORIENTATION = 0x0112

# Pillow's decompression-bomb limit is one module-level number read when a file is opened.
# It is set for the duration of each open, under this lock, so every upload gets the limit
# its caller asked for and nothing depends on what was set at import.
_LIMIT_LOCK = threading.Lock()

Source = str | os.PathLike[str] | bytes


def open_panorama(
    path_or_bytes: Source, *, max_bytes: int, max_pixels: int, tile_size: int = 512
) -> Image.Image:
    """The uploaded equirectangular panorama as a decoded 8-bit RGB image, upright.

    Raises PanoramaError (code in parentheses) for: a file over `max_bytes` (too_large),
    a file that is not a JPEG or PNG (not_image), more than `max_pixels` pixels
    (decompression_bomb), not 2:1 (aspect_ratio), under four `tile_size` tiles wide
    (too_small), pixel data that is cut short or damaged (truncated). Converts CMYK,
    16-bit, palette, grey and alpha images to RGB and applies the EXIF orientation."""
    _check_file_size(path_or_bytes, max_bytes)
    with _open(path_or_bytes, max_pixels) as image:
        width, height = _upright_size(image)
        check_panorama(width, height, tile_size)
        _decode(image)
        return _to_upright_rgb(image)


def import_panorama(
    path_or_bytes: Source,
    out_dir: Path,
    *,
    max_bytes: int,
    max_pixels: int,
    tile_size: int = 512,
    quality: int = 85,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Validate an upload and tile it into `out_dir` (atomically); returns the tile meta.
    On any error nothing is written and a previous scene in `out_dir` stays as it was.

    An upright RGB JPEG or PNG (what cameras and stitchers deliver) is checked from its
    header only and handed over undecoded: the tiler decodes it straight into its working
    buffer, so the pixels exist once (a damaged file fails there, as "truncated"). Other
    images are decoded and converted here first, as `open_panorama` does."""
    _check_file_size(path_or_bytes, max_bytes)
    with _open(path_or_bytes, max_pixels) as image:
        width, height = _upright_size(image)
        check_panorama(width, height, tile_size)
        if image.mode != "RGB" or _orientation(image) != 1:
            _decode(image)
            image = _to_upright_rgb(image)
        return tile_panorama(
            image, out_dir, tile_size=tile_size, quality=quality, progress=progress
        )


# ---------------------------------------------------------------------------------------
# Steps
# ---------------------------------------------------------------------------------------


def _check_file_size(source: Source, max_bytes: int) -> None:
    size = len(source) if isinstance(source, bytes) else os.stat(source).st_size
    if size > max_bytes:
        raise PanoramaError(
            f"The file is too large ({_megabytes(size)}); the limit is {_megabytes(max_bytes)}.",
            code=TOO_LARGE,
        )


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


@contextmanager
def _open(source: Source, max_pixels: int) -> Iterator[Image.Image]:
    """Open (header only) with Pillow's bomb check set to `max_pixels`; its warning, which
    Pillow gives between the limit and twice the limit, counts as a rejection too. (The
    warnings filter is process-wide as well, hence both are changed under the lock.)"""
    fp: BinaryIO = io.BytesIO(source) if isinstance(source, bytes) else open(source, "rb")  # noqa: SIM115
    try:
        with _LIMIT_LOCK, warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            previous, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, max_pixels
            try:
                image = Image.open(fp, formats=FORMATS)
            finally:
                Image.MAX_IMAGE_PIXELS = previous
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        fp.close()
        raise _bomb(max_pixels) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        fp.close()
        raise PanoramaError("This file is not a JPEG or PNG image.", code=NOT_IMAGE) from None
    with fp:  # the image is not closed: the caller may return it, decoded
        if image.width * image.height > max_pixels:  # in case Pillow's check ever skips one
            raise _bomb(max_pixels)
        yield image


def _bomb(max_pixels: int) -> PanoramaError:
    return PanoramaError(
        f"The image has too many pixels; the limit is {max_pixels / 1e6:.0f} megapixels.",
        code=DECOMPRESSION_BOMB,
    )


def _orientation(image: Image.Image) -> int:
    if image.format == "PNG" and "exif" not in image.info and not _late_png_exif(image):
        return 1  # asking Pillow would decode the pixels to look for EXIF after them
    try:
        # A PNG's EXIF may follow its pixels, so for such a PNG this decodes them.
        value = image.getexif().get(_EXIF_ORIENTATION, 1)
    except DECODE_ERRORS as error:
        raise damaged() from error
    return value if isinstance(value, int) else 1


def _late_png_exif(image: Image.Image) -> bool:
    """Whether a PNG has an eXIf chunk after its pixels (Pillow reads one before them at
    open). The chunk headers are walked with seeks, so the pixel data is not read."""
    fp = getattr(image, "fp", None)
    if fp is None:
        return False
    position = fp.tell()
    try:
        fp.seek(8)  # the PNG signature
        while len(head := fp.read(8)) == 8:
            length, kind = struct.unpack(">I4s", head)
            if kind in (b"eXIf", b"IEND"):
                return kind == b"eXIf"
            fp.seek(length + 4, os.SEEK_CUR)  # data and CRC
        return False  # cut short: decoding the pixels reports that
    finally:
        fp.seek(position)


def _upright_size(image: Image.Image) -> tuple[int, int]:
    """Width and height once the EXIF orientation is applied, read from the header."""
    if _orientation(image) in _QUARTER_TURNS:
        return image.height, image.width
    return image.size


def _decode(image: Image.Image) -> None:
    """Decode every pixel now: a cut-off or damaged file fails here, not while tiling."""
    try:
        image.load()
    except DECODE_ERRORS as error:
        raise damaged() from error


def _to_upright_rgb(image: Image.Image) -> Image.Image:
    upright = ImageOps.exif_transpose(image) if _orientation(image) != 1 else image
    if upright.mode in ("P", "PA"):
        # Palette images may carry transparency; expand it so it is flattened below.
        upright = upright.convert("RGBA")
    if upright.mode in ("RGBA", "LA", "RGBa", "La"):
        # Transparent areas (e.g. an unshot nadir) become black, not whatever colour the
        # editor happened to leave under them.
        black = Image.new("RGBA", upright.size, (0, 0, 0, 255))
        upright = Image.alpha_composite(black, upright.convert("RGBA"))
    return to_rgb(upright)  # CMYK, grey, 16-bit (scaled, not clipped), float

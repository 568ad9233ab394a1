"""Upload validation: every bad file is made here, rejected with its code, and nothing is
written; convertible files come back as upright 8-bit RGB."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from showroom.tours.panorama import upload
from showroom.tours.panorama.tiles import PanoramaError
from showroom.tours.panorama.upload import import_panorama, open_panorama

W, H = 2048, 1024  # the smallest panorama the default 512 px tiles accept
LIMITS: dict[str, Any] = {"max_bytes": 20_000_000, "max_pixels": 40_000_000}


def gradient(w: int = W, h: int = H) -> Image.Image:
    x = np.linspace(0, 255, w, dtype=np.float32)[None, :]
    y = np.linspace(0, 255, h, dtype=np.float32)[:, None]
    rgb = np.stack(np.broadcast_arrays(x, y, 255 - x), axis=-1)
    return Image.fromarray(rgb.astype(np.uint8), "RGB")


def encode(image: Image.Image, fmt: str = "JPEG", **options: Any) -> bytes:
    buf = io.BytesIO()
    image.save(buf, fmt, **options)
    return buf.getvalue()


def rejected(data: bytes | Path, code: str, **limits: Any) -> PanoramaError:
    with pytest.raises(PanoramaError) as caught:
        open_panorama(data, **{**LIMITS, **limits})
    assert caught.value.code == code
    assert str(caught.value)[0].isupper() and str(caught.value).endswith(".")
    return caught.value


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims a huge size: signature, IHDR and IEND, no pixel data at all."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")


# ----------------------------------------------------------------------------- accepted


def test_jpeg_from_bytes_and_from_path(tmp_path: Path) -> None:
    data = encode(gradient(), quality=90)
    path = tmp_path / "pano.jpg"
    path.write_bytes(data)
    for source in (data, path, str(path)):
        image = open_panorama(source, **LIMITS)
        assert image.mode == "RGB" and image.size == (W, H)
        assert np.abs(np.asarray(image, np.int16) - np.asarray(gradient(), np.int16)).max() < 12


def test_limit_is_per_call_and_restored() -> None:
    before = Image.MAX_IMAGE_PIXELS
    open_panorama(encode(gradient()), max_bytes=10**8, max_pixels=W * H)
    assert before == Image.MAX_IMAGE_PIXELS


def test_cmyk_is_converted_to_rgb() -> None:
    image = open_panorama(encode(Image.new("CMYK", (W, H), (0, 255, 255, 0))), **LIMITS)
    assert image.mode == "RGB"
    assert np.abs(np.array(image.getpixel((10, 10))) - (255, 0, 0)).max() < 8


def test_sixteen_bit_png_is_scaled_to_eight_bits() -> None:
    grey = Image.fromarray(np.full((H, W), 32896, np.uint16))
    image = open_panorama(encode(grey, "PNG"), **LIMITS)
    assert image.mode == "RGB" and image.getpixel((5, 5)) == (128, 128, 128)


def test_palette_image_is_converted() -> None:
    image = open_panorama(encode(gradient().quantize(64), "PNG"), **LIMITS)
    assert image.mode == "RGB" and image.size == (W, H)


@pytest.mark.parametrize("mode", ["RGBA", "LA"])
def test_alpha_is_flattened_on_black(mode: str) -> None:
    source = gradient().convert(mode)
    source.putalpha(Image.new("L", (W, H), 255))
    source.paste((0,) * len(mode), (0, 0, 100, 100))  # a transparent corner
    image = open_panorama(encode(source, "PNG"), **LIMITS)
    assert image.mode == "RGB"
    assert image.getpixel((50, 50)) == (0, 0, 0)
    assert image.getpixel((W - 5, H - 5)) != (0, 0, 0)


def test_exif_orientation_is_applied() -> None:
    """Stored a quarter turn counter-clockwise with orientation 6 ("turn 90 degrees
    clockwise to view"): it comes back 2:1 with the red corner top left."""
    upright = gradient()
    upright.paste((255, 0, 0), (0, 0, 64, 64))
    exif = Image.Exif()
    exif[0x0112] = 6
    stored = upright.transpose(Image.Transpose.ROTATE_90)
    assert stored.size == (H, W)
    image = open_panorama(encode(stored, exif=exif.tobytes(), quality=95), **LIMITS)
    assert image.size == (W, H)
    assert np.abs(np.array(image.getpixel((20, 20))) - (255, 0, 0)).max() < 30
    assert image.getexif().get(0x0112, 1) == 1  # applied once, not again by the viewer


def with_late_exif(png: bytes, exif: Image.Exif) -> bytes:
    """The PNG with an eXIf chunk after its pixels (just before IEND), where Pillow only
    finds it by decoding them."""
    body = exif.tobytes().removeprefix(b"Exif\x00\x00")
    crc = zlib.crc32(b"eXIf" + body) & 0xFFFFFFFF
    chunk = struct.pack(">I", len(body)) + b"eXIf" + body + struct.pack(">I", crc)
    return png[:-12] + chunk + png[-12:]


def test_import_applies_the_orientation_of_exif_after_a_pngs_pixels(tmp_path: Path) -> None:
    """The tiler decodes an upright RGB PNG itself; one whose EXIF (after its pixels) says
    "turn 90 degrees" is still turned first."""
    upright = gradient()
    exif = Image.Exif()
    exif[0x0112] = 6
    data = with_late_exif(encode(upright.transpose(Image.Transpose.ROTATE_90), "PNG"), exif)
    assert b"eXIf" not in data[: data.index(b"IDAT")]
    meta = import_panorama(data, tmp_path / "scene", **LIMITS)
    assert meta["source"] == [W, H]


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_import_of_a_truncated_file_fails_as_truncated(tmp_path: Path, fmt: str) -> None:
    """Handed to the tiler undecoded, a cut-off file still fails with its own code."""
    data = encode(gradient(), fmt)
    with pytest.raises(PanoramaError) as caught:
        import_panorama(data[: len(data) // 2], tmp_path / "scene", **LIMITS)
    assert caught.value.code == upload.TRUNCATED
    assert list(tmp_path.iterdir()) == []


# ----------------------------------------------------------------------------- rejected


@pytest.mark.parametrize(
    "data", [b"", b"hello, this is not a picture", b"%PDF-1.7\n" + bytes(2000)]
)
def test_not_an_image(data: bytes) -> None:
    rejected(data, upload.NOT_IMAGE)


def test_image_of_another_format_is_not_accepted() -> None:
    rejected(encode(gradient(), "GIF"), upload.NOT_IMAGE)


def test_truncated_jpeg() -> None:
    data = encode(gradient(), quality=90)
    error = rejected(data[: len(data) * 2 // 3], upload.TRUNCATED)
    assert "incomplete" in str(error)


def test_truncated_png() -> None:
    data = encode(gradient(), "PNG")
    rejected(data[: len(data) // 2], upload.TRUNCATED)


@pytest.mark.parametrize("size", [(W, W), (W, 1200), (3 * H, H)])
def test_wrong_aspect_ratio(size: tuple[int, int]) -> None:
    error = rejected(encode(Image.new("RGB", size)), upload.ASPECT_RATIO)
    assert "2:1" in str(error)


def test_too_small() -> None:
    error = rejected(encode(gradient(1024, 512)), upload.TOO_SMALL)
    assert "2048x1024" in str(error)


def test_over_the_size_limit(tmp_path: Path) -> None:
    data = encode(gradient())
    path = tmp_path / "big.jpg"
    path.write_bytes(data)
    for source in (data, path):
        error = rejected(source, upload.TOO_LARGE, max_bytes=len(data) - 1)
        assert "MB" in str(error)


def test_decompression_bomb_header_is_rejected_before_decoding() -> None:
    """Far over the limit (Pillow's error) and just over it (Pillow's warning)."""
    rejected(png_header_only(200_000, 100_000), upload.DECOMPRESSION_BOMB)
    rejected(encode(gradient(), "PNG"), upload.DECOMPRESSION_BOMB, max_pixels=W * H - 1)
    rejected(encode(gradient()), upload.DECOMPRESSION_BOMB, max_pixels=W * H // 2 + 1)


# ----------------------------------------------------------------------------- nothing stored


def test_import_writes_nothing_on_failure(tmp_path: Path) -> None:
    out = tmp_path / "scene"
    bad = [b"junk", encode(gradient())[:5000], encode(Image.new("RGB", (W, W)))]
    for data in bad:
        with pytest.raises(PanoramaError):
            import_panorama(data, out, **LIMITS)
    assert list(tmp_path.iterdir()) == []


def test_import_keeps_previous_scene_on_failure_and_replaces_on_success(tmp_path: Path) -> None:
    out = tmp_path / "scene"
    meta = import_panorama(encode(gradient()), out, **LIMITS)
    assert meta["source"] == [W, H] and (out / "meta.json").exists()
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    with pytest.raises(PanoramaError):
        import_panorama(b"junk", out, **LIMITS)
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["scene"]

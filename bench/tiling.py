"""Cubemap tiler benchmark: wall, CPU and peak memory against the codec floor.

For each test size it renders a deterministic equirectangular panorama with fine detail,
saves it as a JPEG (as a camera would deliver it), tiles it in a fresh child process (so
that the peak RSS is that run's alone) and measures, in this process, the codec floor:
decoding the source once plus encoding every output tile once with Pillow at the same
quality, one thread. Each size is run a few times and the best wall time and floor are
kept (the machine is shared). The last line printed is one JSON object keyed by size.

    .venv/bin/python bench/tiling.py [--sizes 4096x2048,8192x4096,16384x8192] [--repeats N]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
SIZES = ("4096x2048", "8192x4096", "16384x8192")
QUALITY = 85  # the tiler's default, used by the floor too
SOURCE_QUALITY = 92  # a camera's JPEG
CHUNK_ROWS = 256
# The 16K test source is over Pillow's default decompression-bomb limit; it is trusted.
Image.MAX_IMAGE_PIXELS = 16384 * 8192


# ---------------------------------------------------------------------------------------
# Test panorama
# ---------------------------------------------------------------------------------------


def _pattern_rows(y0: int, y1: int, w: int, h: int, noise: np.ndarray) -> np.ndarray:
    """Rows y0..y1 of the test panorama: smooth colour by direction, a 10-degree grid,
    concentric rings and a fixed grain. Integer maths on small blocks keeps a 16K source
    quick to make; the grain keeps the JPEG codec honestly busy, as a photo would."""
    x = np.arange(w, dtype=np.int32)
    y = np.arange(y0, y1, dtype=np.int32)[:, None]
    r = (x * 200 // w)[None, :] + 30 + 0 * y
    g = np.broadcast_to((y * 200 // h) + 30, r.shape)
    b = 30 + ((x[None, :] * 7 + y * 5) >> 6) % 160
    rings = (((x[None, :] - w // 2) ** 2 // 64 + (y - h // 2) ** 2 // 64) >> 5) & 31
    grid = ((x[None, :] % (w // 36)) < 3) | ((y % (h // 18)) < 3)
    ny, nx = noise.shape
    grain = np.tile(noise[np.arange(y0, y1) % ny], (1, w // nx + 1))[:, :w]
    rgb = np.stack([r + rings, g + grain, b - rings + grain], axis=-1)
    rgb[grid] = (240, 240, 240)
    return np.clip(rgb, 0, 255).astype(np.uint8)


def make_source(w: int, h: int, path: Path) -> None:
    noise = np.random.default_rng(7).integers(-18, 19, size=(509, 1021), dtype=np.int32)
    pixels = np.empty((h, w, 3), np.uint8)
    for y0 in range(0, h, CHUNK_ROWS):
        y1 = min(h, y0 + CHUNK_ROWS)
        pixels[y0:y1] = _pattern_rows(y0, y1, w, h, noise)
    Image.fromarray(pixels, "RGB").save(path, "JPEG", quality=SOURCE_QUALITY)


# ---------------------------------------------------------------------------------------
# One tiling run (child process)
# ---------------------------------------------------------------------------------------


def _peak_rss_mb() -> float:
    """VmHWM: this process's peak resident set, in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_child(source: Path, out: Path) -> dict[str, float]:
    sys.path.insert(0, str(ROOT))
    from showroom.tours.panorama.tiles import tile_panorama

    before = resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter()
    with Image.open(source) as image:
        tile_panorama(image, out, quality=QUALITY)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall_s": wall, "cpu_s": cpu, "peak_mb": _peak_rss_mb()}


def tile_in_child(source: Path, out: Path) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", str(source), str(out)],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# ---------------------------------------------------------------------------------------
# Codec floor
# ---------------------------------------------------------------------------------------


def codec_floor(source: Path, out: Path) -> tuple[float, int]:
    """Seconds to decode the source once and to encode each output tile once (the tiles
    are decoded first, untimed, so the floor encodes exactly the tiler's pixels)."""
    start = time.perf_counter()
    with Image.open(source) as image:
        image.load()
    total = time.perf_counter() - start
    tiles = sorted(out.rglob("*.jpg"))
    for path in tiles:
        with Image.open(path) as tile:
            tile.load()
            start = time.perf_counter()
            tile.save(io.BytesIO(), "JPEG", quality=QUALITY)
            total += time.perf_counter() - start
    return total, len(tiles)


def bench_size(size: str, work: Path, repeats: int) -> dict[str, Any]:
    """Best of `repeats` tiling runs and floors, interleaved (this 2-core machine is shared:
    the minimum is the least disturbed figure for both); peak memory is the largest seen."""
    w, h = (int(v) for v in size.split("x"))
    source = work / f"{size}.jpg"
    make_source(w, h, source)
    out = work / f"scene-{size}"
    runs, floors = [], []
    for _ in range(repeats):
        runs.append(tile_in_child(source, out))
        floor, count = codec_floor(source, out)
        floors.append(floor)
        shutil.rmtree(out)
    source.unlink()
    best = min(runs, key=lambda run: run["wall_s"])
    return {
        "wall_s": round(best["wall_s"], 3),
        "cpu_s": round(best["cpu_s"], 3),
        "peak_mb": round(max(run["peak_mb"] for run in runs), 1),
        "floor_s": round(min(floors), 3),
        "ratio": round(best["wall_s"] / min(floors), 2),
        "tiles": count,
        "runs": repeats,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(SIZES))
    parser.add_argument(
        "--repeats", type=int, default=0, help="runs per size (default 3, 2 at 16K)"
    )
    parser.add_argument("--child", nargs=2, metavar=("SOURCE", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_child(Path(args.child[0]), Path(args.child[1]))))
        return
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench-tiling-") as tmp:
        for size in args.sizes.split(","):
            w, h = (int(v) for v in size.split("x"))
            repeats = args.repeats or (2 if w * h > 8192 * 4096 else 3)
            results[size] = bench_size(size, Path(tmp), repeats)
            print(f"{size}: {results[size]}", file=sys.stderr, flush=True)
    print(f"cpus={os.cpu_count()} quality={QUALITY}")
    print(json.dumps(results))


if __name__ == "__main__":
    main()

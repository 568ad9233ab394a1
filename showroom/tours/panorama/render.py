"""Ray-cast equirectangular panoramas of a simple furniture showroom.

Image convention (Photo Sphere Viewer's): the column centre is yaw 0, yaw grows to the
right (clockwise seen from above), pitch grows upwards, the top row is pitch +90 degrees.
World: metres, x east, z north, y up; the room spans [0, room_w] x [0, room_h] x [0, room_d].
Yaw 0 looks north (+z), yaw +90 degrees looks east (+x).

Everything is vectorised over pixels (float32); each primitive is only tested against the
pixels of its angular bounding box, which keeps a 4096 px render within a few seconds.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any, Literal, cast

import numpy as np
import numpy.typing as npt
from PIL import Image

F32 = npt.NDArray[np.float32]
FArr = npt.NDArray[np.floating[Any]]  # any float array (numpy's stubs widen float32 maths)
I16 = npt.NDArray[np.int16]
Colour = tuple[float, float, float]
Vec3 = tuple[float, float, float]
WallName = Literal["north", "south", "east", "west"]

# ---------------------------------------------------------------------------------------
# Scene description (public)
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Placement:
    """One piece of furniture. `sku` is None for decor that is not for sale."""

    sku: str | None
    kind: str
    x: float
    z: float
    facing: float = 180.0  # degrees: the yaw its front looks towards (180 = south)
    base: float = 0.0  # height of its underside above the floor (a lamp on a table)
    colour: str = "#8d8f88"
    accent: str = "#3a2f28"
    size: Vec3 | None = None  # width, depth, height; None = the kind's default


@dataclass(frozen=True)
class Doorway:
    """An opening towards another scene, labelled by that scene's slug."""

    target: str
    wall: WallName
    offset: float  # centre along the wall, from its west (north/south) or south (east/west) end
    width: float = 1.3
    height: float = 2.3


@dataclass(frozen=True)
class Window:
    wall: WallName
    offset: float
    width: float = 2.0
    sill: float = 0.6
    height: float = 1.9


@dataclass(frozen=True)
class SceneSpec:
    slug: str
    room_w: float  # x extent
    room_d: float  # z extent
    room_h: float
    camera: Vec3  # x, y (eye height), z
    placements: tuple[Placement, ...]
    doorways: tuple[Doorway, ...] = ()
    windows: tuple[Window, ...] = ()
    wall_colour: str = "#e8e3da"
    accent_wall: WallName | None = None
    accent_colour: str = "#b7bfae"
    floor_colour: str = "#a8865f"


def hex_colour(code: str) -> Colour:
    """sRGB hex to (approximately) linear RGB; the renderer works with gamma 2."""
    code = code.lstrip("#")
    r, g, b = (int(code[i : i + 2], 16) / 255.0 for i in (0, 2, 4))
    return (r * r, g * g, b * b)


# ---------------------------------------------------------------------------------------
# Primitives and furniture builders
# ---------------------------------------------------------------------------------------

M_FLOOR, M_WALL, M_CEIL, M_TRIM, M_SKY, M_FABRIC, M_WOOD, M_METAL = range(8)
M_CERAMIC, M_GLOW, M_RUG, M_BOOKS, M_LEAF, M_CANVAS, M_MATTE, M_LACQUER = range(8, 16)

# Pixel ids below FIRST_PRIM are room surfaces; primitives follow.
P_FLOOR, P_CEIL, P_NORTH, P_SOUTH, P_EAST, P_WEST = range(6)
P_REVEAL, P_BEYOND_FLOOR, P_BEYOND_WALL, P_BEYOND_CEIL, P_SKY = range(6, 11)
FIRST_PRIM = 16
WALL_IDS: dict[WallName, int] = {"north": P_NORTH, "south": P_SOUTH, "east": P_EAST, "west": P_WEST}


@dataclass(frozen=True)
class Prim:
    """A box (half sizes hx, hy, hz, turned by yaw), a vertical frustum (bottom radius hx,
    top radius hz, half height hy) or a sphere (radius hx). Centre in world coordinates."""

    shape: Literal["box", "cyl", "sphere"]
    centre: Vec3
    half: Vec3
    colour: Colour
    material: int
    yaw: float = 0.0
    owner: int = -1  # index of the placement it belongs to


@dataclass(frozen=True)
class Occluder:
    """A box that darkens nearby surfaces (fake ambient occlusion / contact shadow)."""

    centre: Vec3
    half: Vec3
    yaw: float
    strength: float
    radius: float
    owner: int


@dataclass
class _Parts:
    """Builder output in the placement's local frame (front = +z, y = 0 at its base)."""

    prims: list[Prim] = field(default_factory=list)
    occluders: list[tuple[Vec3, Vec3, float, float]] = field(default_factory=list)
    lights: list[tuple[Vec3, float]] = field(default_factory=list)  # warm lamp lights

    def box(self, c: Vec3, size: Vec3, colour: Colour, material: int) -> None:
        half = (size[0] / 2, size[1] / 2, size[2] / 2)
        self.prims.append(Prim("box", c, half, colour, material))

    def cyl(
        self,
        x: float,
        z: float,
        y0: float,
        y1: float,
        r0: float,
        r1: float,
        colour: Colour,
        material: int,
    ) -> None:
        c = (x, (y0 + y1) / 2, z)
        self.prims.append(Prim("cyl", c, (r0, (y1 - y0) / 2, r1), colour, material))

    def sphere(self, c: Vec3, r: float, colour: Colour, material: int) -> None:
        self.prims.append(Prim("sphere", c, (r, r, r), colour, material))

    def occlude(self, c: Vec3, size: Vec3, strength: float = 0.7, radius: float = 0.3) -> None:
        self.occluders.append((c, (size[0] / 2, size[1] / 2, size[2] / 2), strength, radius))


BLACK_METAL = hex_colour("#26262a")
BRASS = hex_colour("#c9a35a")
LINEN = hex_colour("#efe4cf")


def _legs(
    p: _Parts,
    w: float,
    d: float,
    h: float,
    inset: float,
    t: float,
    colour: Colour,
    material: int = M_WOOD,
) -> None:
    for sx in (-1, 1):
        for sz in (-1, 1):
            x, z = sx * (w / 2 - inset), sz * (d / 2 - inset)
            p.box((x, h / 2, z), (t, h, t), colour, material)


def _sofa(p: _Parts, w: float, d: float, h: float, col: Colour, acc: Colour, seats: int) -> None:
    arm, back, leg = 0.17 * w / max(w, 0.9) + 0.03, 0.2, 0.1
    _legs(p, w, d, leg, 0.08, 0.045, acc)
    p.box((0, leg + 0.11, 0), (w, 0.22, d), col, M_FABRIC)
    inner = w - 2 * arm
    seat_d = d - back - 0.02
    for i in range(seats):
        x = -inner / 2 + inner * (i + 0.5) / seats
        p.box(
            (x, leg + 0.3, d / 2 - seat_d / 2), (inner / seats - 0.012, 0.16, seat_d), col, M_FABRIC
        )
        p.box(
            (x, leg + 0.52, -d / 2 + back + 0.07), (inner / seats - 0.02, 0.3, 0.14), col, M_FABRIC
        )
    p.box((0, (leg + h) / 2, -d / 2 + back / 2), (w, h - leg, back), col, M_FABRIC)
    for sx in (-1, 1):
        p.box((sx * (w / 2 - arm / 2), leg + 0.27, 0.01), (arm, 0.32, d - 0.02), col, M_FABRIC)
    p.occlude((0, h / 2, 0), (w, h, d))


def _coffee_table(p: _Parts, w: float, d: float, h: float, col: Colour, acc: Colour) -> None:
    p.box((0, h - 0.02, 0), (w, 0.04, d), col, M_WOOD)
    _legs(p, w, d, h - 0.04, 0.06, 0.05, col)
    p.box((0, 0.1, 0), (w - 0.1, 0.025, d - 0.1), col, M_WOOD)
    p.occlude((0, h / 2, 0), (w, h, d), 0.55, 0.4)


def _dining_table(p: _Parts, w: float, d: float, h: float, col: Colour, acc: Colour) -> None:
    p.box((0, h - 0.0225, 0), (w, 0.045, d), col, M_WOOD)
    p.box((0, h - 0.08, 0), (w - 0.2, 0.07, d - 0.2), col, M_WOOD)  # apron
    _legs(p, w, d, h - 0.045, 0.1, 0.07, col)
    p.occlude((0, h / 2, 0), (w, h, d), 0.5, 0.6)


def _dining_chair(p: _Parts, w: float, d: float, h: float, col: Colour, acc: Colour) -> None:
    seat = 0.45
    _legs(p, w, d, seat - 0.03, 0.03, 0.035, acc)
    p.box((0, seat - 0.015, 0), (w, 0.03, d), acc, M_WOOD)
    p.box((0, seat + 0.015, 0.01), (w - 0.04, 0.035, d - 0.05), col, M_FABRIC)
    for sx in (-1, 1):
        p.box(
            (sx * (w / 2 - 0.03), (seat + h) / 2, -d / 2 + 0.03),
            (0.035, h - seat, 0.035),
            acc,
            M_WOOD,
        )
    p.box((0, h - 0.12, -d / 2 + 0.03), (w - 0.02, 0.2, 0.03), acc, M_WOOD)
    p.occlude((0, seat / 2, 0), (w, seat, d), 0.35, 0.25)


def _side_table(p: _Parts, w: float, d: float, h: float, col: Colour, acc: Colour) -> None:
    r = w / 2
    p.cyl(0, 0, h - 0.03, h, r, r, col, M_WOOD)
    p.cyl(0, 0, 0.02, h - 0.03, 0.03, 0.03, acc, M_METAL)
    p.cyl(0, 0, 0, 0.025, r * 0.65, r * 0.65, acc, M_METAL)
    p.occlude((0, h / 2, 0), (w * 0.8, h, w * 0.8), 0.35, 0.25)


def _rug(p: _Parts, w: float, d: float, h: float, col: Colour, acc: Colour) -> None:
    p.box((0, h / 2, 0), (w, h, d), col, M_RUG)


def _floor_lamp(p: _Parts, w: float, d: float, h: float, col: Colour, acc: Colour) -> None:
    p.cyl(0, 0, 0, 0.025, 0.16, 0.16, acc, M_METAL)
    p.cyl(0, 0, 0.025, h - 0.3, 0.013, 0.013, acc, M_METAL)
    p.cyl(0, 0, h - 0.34, h, w / 2, w / 2 * 0.75, col, M_GLOW)
    p.lights.append(((0, h - 0.2, 0), 0.9))
    p.occlude((0, 0.05, 0), (0.32, 0.1, 0.32), 0.4, 0.15)


def _table_lamp(p: _Parts, w: float, d: float, h: float, col: Colour, acc: Colour) -> None:
    p.cyl(0, 0, 0, 0.02, 0.085, 0.085, acc, M_METAL)
    p.cyl(0, 0, 0.02, h - 0.16, 0.014, 0.014, acc, M_METAL)
    p.cyl(0, 0, h - 0.2, h, w / 2, w / 2 * 0.62, col, M_GLOW)
    p.sphere((0, h + 0.012, 0), 0.02, acc, M_METAL)
    p.lights.append(((0, h - 0.12, 0), 0.45))


def _pendant(
    p: _Parts, w: float, d: float, h: float, col: Colour, acc: Colour, drop: float
) -> None:
    """Shade bottom at y = 0; the cord reaches up `drop` metres to the ceiling."""
    p.cyl(0, 0, 0.0, h, w / 2, 0.06, col, M_METAL)
    p.cyl(0, 0, -0.008, 0.0, w / 2 - 0.03, w / 2 - 0.03, LINEN, M_GLOW)
    p.cyl(0, 0, h, drop, 0.005, 0.005, BLACK_METAL, M_METAL)
    p.cyl(0, 0, drop - 0.03, drop, 0.06, 0.06, col, M_METAL)
    p.lights.append(((0, -0.15, 0), 1.0))


def _shelf(p: _Parts, w: float, d: float, h: float, col: Colour, acc: Colour) -> None:
    t = 0.03
    for sx in (-1, 1):
        p.box((sx * (w / 2 - t / 2), h / 2, 0), (t, h, d), acc, M_LACQUER)
    levels = 5
    for i in range(levels):
        y = 0.06 + i * (h - 0.09) / (levels - 1)
        p.box((0, y, 0), (w - 2 * t, t, d), col, M_WOOD)
    _shelf_decor(p, w, d, h, levels)
    p.occlude((0, h / 2, 0), (w, h, d), 0.4, 0.25)


def _shelf_decor(p: _Parts, w: float, d: float, h: float, levels: int) -> None:
    """Books, bowls and boxes so the shelf reads as a shelf, not a ladder."""
    step = (h - 0.09) / (levels - 1)
    inner = w - 0.06
    for i in range(levels - 1):
        y = 0.06 + i * step + 0.015
        if i % 2 == 0:
            bw = inner * 0.45
            p.box(
                (-inner / 2 + bw / 2 + 0.02, y + 0.12, -0.02),
                (bw, 0.24, d * 0.7),
                hex_colour("#808080"),
                M_BOOKS,
            )
            p.cyl(inner / 4, 0, y, y + 0.07, 0.07, 0.11, hex_colour("#d8d0c2"), M_CERAMIC)
        else:
            bw = inner * 0.3
            p.box(
                (inner / 2 - bw / 2 - 0.03, y + 0.11, -0.02),
                (bw, 0.22, d * 0.7),
                hex_colour("#808080"),
                M_BOOKS,
            )
            p.box((-inner / 4, y + 0.06, 0), (0.22, 0.12, 0.18), hex_colour("#5b6b62"), M_LACQUER)
            p.sphere((-inner / 4, y + 0.17, 0), 0.05, hex_colour("#efece6"), M_CERAMIC)


def _vase(p: _Parts, w: float, d: float, h: float, col: Colour, acc: Colour) -> None:
    r = w / 2
    p.cyl(0, 0, 0, 0.04, r * 0.55, r * 0.6, col, M_CERAMIC)
    p.sphere((0, 0.04 + r * 0.95, 0), r, col, M_CERAMIC)
    p.cyl(0, 0, 0.04 + r * 1.6, h - 0.02, r * 0.32, r * 0.36, col, M_CERAMIC)
    p.cyl(0, 0, h - 0.02, h, r * 0.42, r * 0.42, col, M_CERAMIC)


def _cushion(p: _Parts, w: float, d: float, h: float, col: Colour, acc: Colour) -> None:
    p.box((0, h / 2, 0), (w, h, d), col, M_FABRIC)
    p.box((0, h / 2, 0), (w * 0.9, h * 0.88, d * 1.25), col, M_FABRIC)  # puffed middle


def _bench(p: _Parts, w: float, d: float, h: float, col: Colour, acc: Colour) -> None:
    p.box((0, h - 0.025, 0), (w, 0.05, d), col, M_WOOD)
    for sx in (-1, 1):
        p.box((sx * (w / 2 - 0.12), (h - 0.05) / 2, 0), (0.05, h - 0.05, d - 0.06), col, M_WOOD)
    p.occlude((0, h / 2, 0), (w, h, d), 0.35, 0.3)


def _plinth(p: _Parts, w: float, d: float, h: float, col: Colour, acc: Colour) -> None:
    p.box((0, h / 2, 0), (w, h, d), col, M_MATTE)
    p.occlude((0, h / 2, 0), (w, h, d), 0.45, 0.2)


def _plant(p: _Parts, w: float, d: float, h: float, col: Colour, acc: Colour) -> None:
    pot = h * 0.3
    p.cyl(0, 0, 0, pot, w * 0.22, w * 0.28, acc, M_CERAMIC)
    rng = np.random.default_rng(7)  # fixed seed: renders are deterministic
    for _ in range(9):
        ox, oz = rng.uniform(-0.5, 0.5, 2) * w * 0.5
        oy = rng.uniform(0.45, 0.92) * h
        p.sphere((float(ox), float(oy), float(oz)), float(w * rng.uniform(0.18, 0.28)), col, M_LEAF)
    p.occlude((0, pot / 2, 0), (w * 0.5, pot, w * 0.5), 0.4, 0.2)


def _sideboard(p: _Parts, w: float, d: float, h: float, col: Colour, acc: Colour) -> None:
    leg, doors = 0.16, 3
    _legs(p, w, d, leg, 0.06, 0.035, acc)
    body_h = h - leg - 0.03
    shade = (col[0] * 0.55, col[1] * 0.55, col[2] * 0.55)
    p.box((0, leg + body_h / 2, -0.01), (w, body_h, d - 0.02), shade, M_LACQUER)
    p.box((0, h - 0.015, 0), (w + 0.02, 0.03, d + 0.02), acc, M_WOOD)
    for i in range(doors):
        x = -w / 2 + w * (i + 0.5) / doors
        p.box(
            (x, leg + body_h / 2, d / 2 - 0.01),
            (w / doors - 0.012, body_h - 0.02, 0.02),
            col,
            M_LACQUER,
        )
        p.box(
            (x + w / doors * 0.36, leg + body_h * 0.6, d / 2 + 0.006),
            (0.014, 0.12, 0.014),
            BRASS,
            M_METAL,
        )
    p.cyl(-w * 0.3, 0, h, h + 0.07, 0.09, 0.14, hex_colour("#e9e4da"), M_CERAMIC)
    p.box((w * 0.28, h + 0.03, 0), (0.3, 0.06, 0.22), hex_colour("#808080"), M_BOOKS)
    p.occlude((0, h / 2, 0), (w, h, d), 0.5, 0.3)


def _artwork(p: _Parts, w: float, d: float, h: float, col: Colour, acc: Colour) -> None:
    p.box((0, h / 2, -0.015), (w + 0.05, h + 0.05, 0.03), acc, M_LACQUER)
    p.box((0, h / 2, 0.002), (w, h, 0.03), col, M_CANVAS)


Builder = Callable[[_Parts, float, float, float, Colour, Colour], None]

KINDS: dict[str, tuple[Vec3, Builder]] = {
    "sofa": ((2.25, 0.95, 0.82), lambda p, w, d, h, c, a: _sofa(p, w, d, h, c, a, 3)),
    "lounge_chair": ((0.86, 0.86, 0.8), lambda p, w, d, h, c, a: _sofa(p, w, d, h, c, a, 1)),
    "coffee_table": ((1.2, 0.65, 0.4), _coffee_table),
    "dining_table": ((1.9, 0.95, 0.75), _dining_table),
    "dining_chair": ((0.46, 0.5, 0.86), _dining_chair),
    "side_table": ((0.5, 0.5, 0.55), _side_table),
    "rug": ((2.6, 1.8, 0.012), _rug),
    "floor_lamp": ((0.44, 0.44, 1.62), _floor_lamp),
    "table_lamp": ((0.3, 0.3, 0.46), _table_lamp),
    "shelf": ((1.3, 0.36, 1.9), _shelf),
    "vase": ((0.3, 0.3, 0.46), _vase),
    "cushion": ((0.46, 0.16, 0.46), _cushion),
    "bench": ((1.4, 0.42, 0.45), _bench),
    "plinth": ((0.42, 0.42, 0.9), _plinth),
    "plant": ((0.6, 0.6, 1.3), _plant),
    "artwork": ((1.1, 0.03, 0.75), _artwork),
    "sideboard": ((1.8, 0.45, 0.78), _sideboard),
}
PENDANT_SIZE: Vec3 = (0.5, 0.5, 0.3)


def _local_to_world(pl: Placement, c: Vec3) -> Vec3:
    f = math.radians(pl.facing)
    cs, sn = math.cos(f), math.sin(f)
    return (pl.x + c[0] * cs + c[2] * sn, pl.base + c[1], pl.z - c[0] * sn + c[2] * cs)


def build_parts(spec: SceneSpec, index: int) -> _Parts:
    """World-space primitives, occluders and lamp lights of placement `index`."""
    pl = spec.placements[index]
    local = _Parts()
    col, acc = hex_colour(pl.colour), hex_colour(pl.accent)
    if pl.kind == "pendant":
        w, d, h = pl.size or PENDANT_SIZE
        _pendant(local, w, d, h, col, acc, spec.room_h - pl.base)
    else:
        default, builder = KINDS[pl.kind]
        w, d, h = pl.size or default
        builder(local, w, d, h, col, acc)
    yaw = math.radians(pl.facing)
    out = _Parts()
    for pr in local.prims:
        c = _local_to_world(pl, pr.centre)
        out.prims.append(Prim(pr.shape, c, pr.half, pr.colour, pr.material, yaw, index))
    for c, half, strength, radius in local.occluders:
        out.occluders.append((_local_to_world(pl, c), half, strength, radius))
    out.lights = [(_local_to_world(pl, c), power) for c, power in local.lights]
    return out


# ---------------------------------------------------------------------------------------
# Rays and angular regions
# ---------------------------------------------------------------------------------------

Region = tuple[slice, ...]


@dataclass(frozen=True)
class Band:
    """Rows [r0, r1) of a width x width/2 panorama. Work is done band by band: numpy
    temporaries of a few hundred thousand pixels stay in cache and in malloc's reused
    heap, which made shading several times faster than whole-image arrays here."""

    width: int
    r0: int
    r1: int

    def clip(self, regions: Iterable[Region]) -> list[Region]:
        """Regions in full-image rows, clipped to this band and made band-relative."""
        out: list[Region] = []
        for rows, cols in regions:
            a, b = max(rows.start, self.r0), min(rows.stop, self.r1)
            if a < b:
                out.append((slice(a - self.r0, b - self.r0), cols))
        return out

    def directions(self) -> tuple[F32, F32, F32]:
        """Unit ray directions of the band's pixels."""
        sy, cy, sp, cp = _trig(self.width)
        rows = slice(self.r0, self.r1)
        dx = cp[rows, None] * sy[None, :]
        dz = cp[rows, None] * cy[None, :]
        dy = np.repeat(sp[rows, None], self.width, axis=1)
        return dx, dy, dz


@lru_cache(maxsize=4)
def _trig(width: int) -> tuple[F32, F32, F32, F32]:
    """sin/cos of every column's yaw and every row's pitch."""
    yaw = ((np.arange(width, dtype=np.float64) + 0.5) / width * 2 - 1) * np.pi
    pitch = (0.5 - (np.arange(width // 2, dtype=np.float64) + 0.5) / (width // 2)) * np.pi
    out = [np.sin(yaw), np.cos(yaw), np.sin(pitch), np.cos(pitch)]
    return tuple(a.astype(np.float32) for a in out)  # type: ignore[return-value]


def yaw_pitch(cam: Vec3, point: Vec3) -> tuple[float, float]:
    """(yaw, pitch) in radians of `point` seen from `cam`, yaw in (-pi, pi]."""
    vx, vy, vz = point[0] - cam[0], point[1] - cam[1], point[2] - cam[2]
    yaw = math.atan2(vx, vz)
    if yaw <= -math.pi:
        yaw += 2 * math.pi
    return yaw, math.atan2(vy, math.hypot(vx, vz))


def _footprint(
    shape: str, centre: Vec3, half: Vec3, yaw: float, cam: Vec3
) -> tuple[float, float, list[float] | None, float]:
    """Nearest and farthest horizontal distance from the camera to the footprint, the
    corner yaws (None for round ones) and the angular half width of a round one."""
    qx, qz = centre[0] - cam[0], centre[2] - cam[2]
    dist = math.hypot(qx, qz)
    if shape != "box":
        r = max(half[0], half[2])
        half_angle = math.asin(min(1.0, r / dist)) if dist > r else math.pi
        return max(0.0, dist - r), dist + r, None, half_angle
    cs, sn = math.cos(yaw), math.sin(yaw)
    lx, lz = -qx * cs + qz * sn, -qx * sn - qz * cs  # camera in the box's local frame
    near = math.hypot(max(abs(lx) - half[0], 0.0), max(abs(lz) - half[2], 0.0))
    corners = []
    far = 0.0
    for sx in (-1, 1):
        for sz in (-1, 1):
            ax, az = sx * half[0], sz * half[2]
            wx, wz = qx + ax * cs + az * sn, qz - ax * sn + az * cs
            corners.append(math.atan2(wx, wz))
            far = max(far, math.hypot(wx, wz))
    return near, far, (corners if near > 1e-6 else None), (0.0 if near > 1e-6 else math.pi)


@lru_cache(maxsize=8192)
def angular_regions(
    shape: str, centre: Vec3, half: Vec3, yaw: float, cam: Vec3, width: int, margin: float = 0.0
) -> list[Region]:
    """Image rectangles (row slice, column slice) that contain every ray able to hit the
    (margin-expanded) primitive. Two rectangles when it straddles yaw +-180 degrees."""
    height = width // 2
    half = (half[0] + margin, half[1] + margin, half[2] + margin)
    near, far, corners, half_angle = _footprint(shape, centre, half, yaw, cam)
    top, bottom = centre[1] + half[1] - cam[1], centre[1] - half[1] - cam[1]
    p_hi = math.atan2(top, near if top > 0 else far)
    p_lo = math.atan2(bottom, far if bottom > 0 else near)
    r0 = max(0, math.floor((0.5 - p_hi / math.pi) * height - 0.5) - 1)
    r1 = min(height, math.ceil((0.5 - p_lo / math.pi) * height - 0.5) + 2)
    rows = slice(r0, r1)
    centre_yaw = math.atan2(centre[0] - cam[0], centre[2] - cam[2])
    if corners is None and half_angle >= math.pi:
        return [(rows, slice(0, width))]
    if corners is None:
        lo, hi = centre_yaw - half_angle, centre_yaw + half_angle
    else:
        rel = [math.remainder(c - centre_yaw, 2 * math.pi) for c in corners]
        lo, hi = centre_yaw + min(rel), centre_yaw + max(rel)
    c0 = math.floor((lo / (2 * math.pi) + 0.5) * width - 0.5) - 1
    c1 = math.ceil((hi / (2 * math.pi) + 0.5) * width - 0.5) + 2
    if c1 - c0 >= width:
        return [(rows, slice(0, width))]
    if c0 < 0:
        return [(rows, slice(0, c1)), (rows, slice(width + c0, width))]
    if c1 > width:
        return [(rows, slice(c0, width)), (rows, slice(0, c1 - width))]
    return [(rows, slice(c0, c1))]


# ---------------------------------------------------------------------------------------
# Intersections (all return t = inf where missed)
# ---------------------------------------------------------------------------------------


@dataclass
class Hits:
    """Per-pixel nearest hit: distance, surface id, world normal, local hit point and the
    distance to the nearest edge of the hit box face (for the soft 'bevel' look)."""

    t: F32
    pid: I16
    n: tuple[F32, F32, F32]
    local: tuple[F32, F32, F32]
    edge: F32

    @classmethod
    def empty(cls, shape: tuple[int, ...]) -> Hits:
        def z() -> F32:
            return np.zeros(shape, np.float32)

        return cls(
            np.full(shape, np.inf, np.float32),
            np.zeros(shape, np.int16),
            (z(), z(), z()),
            (z(), z(), z()),
            np.full(shape, 9.0, np.float32),
        )


_HitArrays = tuple[F32, tuple[F32, F32, F32], tuple[F32, F32, F32], F32]


def _box_hit(pr: Prim, cam: Vec3, dx: F32, dy: F32, dz: F32) -> _HitArrays:
    cs, sn = math.cos(pr.yaw), math.sin(pr.yaw)
    ox, oy, oz = cam[0] - pr.centre[0], cam[1] - pr.centre[1], cam[2] - pr.centre[2]
    o = (ox * cs - oz * sn, oy, ox * sn + oz * cs)
    d = (dx * cs - dz * sn, dy, dx * sn + dz * cs)
    near: list[F32] = []
    far: list[F32] = []
    with np.errstate(divide="ignore", invalid="ignore"):
        for i in range(3):
            inv = 1.0 / d[i]
            a, b = (-pr.half[i] - o[i]) * inv, (pr.half[i] - o[i]) * inv
            near.append(np.minimum(a, b))
            far.append(np.maximum(a, b))
    tn = np.maximum(np.maximum(near[0], near[1]), near[2])
    tf = np.minimum(np.minimum(far[0], far[1]), far[2])
    t = np.where((tn <= tf) & (tn > 0), tn, np.float32(np.inf))
    axis = np.where(tn == near[0], 0, np.where(tn == near[1], 1, 2))
    ln = [np.where(axis == i, -np.sign(d[i]), 0).astype(np.float32) for i in range(3)]
    tt = np.where(np.isfinite(t), t, 0)
    p = [o[i] + tt * d[i] for i in range(3)]
    gaps = [np.where(axis == i, np.inf, pr.half[i] - np.abs(p[i])) for i in range(3)]
    edge = np.minimum(np.minimum(gaps[0], gaps[1]), gaps[2]).astype(np.float32)
    n = (ln[0] * cs + ln[2] * sn, ln[1], ln[2] * cs - ln[0] * sn)
    return cast(_HitArrays, (t, n, (p[0], p[1], p[2]), edge))


def _cyl_hit(pr: Prim, cam: Vec3, dx: F32, dy: F32, dz: F32) -> _HitArrays:
    r0, hh, r1 = pr.half
    y0, y1 = pr.centre[1] - hh, pr.centre[1] + hh
    ox, oz = cam[0] - pr.centre[0], cam[2] - pr.centre[2]
    k = (r1 - r0) / (y1 - y0)
    a0 = r0 + k * (cam[1] - y0)
    with np.errstate(divide="ignore", invalid="ignore"):
        b = k * dy
        qa = dx * dx + dz * dz - b * b
        qb = 2 * (ox * dx + oz * dz - a0 * b)
        qc = ox * ox + oz * oz - a0 * a0
        root = np.sqrt(np.maximum(qb * qb - 4 * qa * qc, 0))
        bad = (qb * qb - 4 * qa * qc) < 0
        best = np.full(dx.shape, np.inf, np.float32)
        for sign in (-1.0, 1.0):
            ts = (-qb + sign * root) / (2 * qa)
            y = cam[1] + ts * dy
            ok = ~bad & (ts > 0) & (y >= y0) & (y <= y1)
            best = np.where(ok & (ts < best), ts, best)
        side = np.isfinite(best)
        for yc, rc in ((y1, r1), (y0, r0)):
            tc = (yc - cam[1]) / dy
            cx, cz = ox + tc * dx, oz + tc * dz
            ok = (tc > 0) & (cx * cx + cz * cz <= rc * rc) & (tc < best)
            best = np.where(ok, tc, best)
            side &= ~ok
    tt = np.where(np.isfinite(best), best, 0)
    px, py, pz = ox + tt * dx, cam[1] + tt * dy - pr.centre[1], oz + tt * dz
    rho = np.maximum(np.sqrt(px * px + pz * pz), 1e-6)
    norm = math.sqrt(1 + k * k)
    capy = np.where(py > 0, 1.0, -1.0).astype(np.float32)
    nx = np.where(side, px / rho / norm, 0).astype(np.float32)
    ny = np.where(side, -k / norm, capy).astype(np.float32)
    nz = np.where(side, pz / rho / norm, 0).astype(np.float32)
    edge = np.full(dx.shape, 9.0, np.float32)
    return best.astype(np.float32), (nx, ny, nz), (px, py, pz), edge


def _sphere_hit(pr: Prim, cam: Vec3, dx: F32, dy: F32, dz: F32) -> _HitArrays:
    o = (cam[0] - pr.centre[0], cam[1] - pr.centre[1], cam[2] - pr.centre[2])
    r = pr.half[0]
    b = o[0] * dx + o[1] * dy + o[2] * dz
    disc = b * b - (o[0] ** 2 + o[1] ** 2 + o[2] ** 2 - r * r)
    t = np.where(disc > 0, -b - np.sqrt(np.maximum(disc, 0)), np.inf).astype(np.float32)
    t = np.where(t > 0, t, np.float32(np.inf))
    tt = np.where(np.isfinite(t), t, 0)
    p = (o[0] + tt * dx, o[1] + tt * dy, o[2] + tt * dz)
    n = (p[0] / r, p[1] / r, p[2] / r)
    return t, n, p, np.full(dx.shape, 9.0, np.float32)


_HIT_FUNCS = {"box": _box_hit, "cyl": _cyl_hit, "sphere": _sphere_hit}


def _merge(h: Hits, reg: Region, pid: int, res: _HitArrays) -> None:
    t, n, loc, edge = res
    closer = t < h.t[reg]
    np.copyto(h.t[reg], t, where=closer)
    np.copyto(h.pid[reg], np.int16(pid), where=closer)
    for dst, src in zip((*h.n, *h.local, h.edge), (*n, *loc, edge), strict=True):
        np.copyto(dst[reg], src, where=closer, casting="unsafe")


# ---------------------------------------------------------------------------------------
# The room: walls, floor, ceiling and openings
# ---------------------------------------------------------------------------------------


def _box_exit(
    o: Sequence[F32 | float], d: Sequence[F32], lo: Vec3, hi: Vec3
) -> tuple[F32, npt.NDArray[np.int8]]:
    """Distance to where a ray starting inside the box leaves it, and the face it leaves
    through (0..5 = x-lo, x-hi, y-lo, y-hi, z-lo, z-hi)."""
    ts: list[F32] = []
    with np.errstate(divide="ignore", invalid="ignore"):
        for i in range(3):
            ts.append(np.maximum((lo[i] - o[i]) / d[i], (hi[i] - o[i]) / d[i]))
    t = np.minimum(np.minimum(ts[0], ts[1]), ts[2])
    axis = np.where(t == ts[0], 0, np.where(t == ts[1], 1, 2))
    positive = np.where(axis == 0, d[0] > 0, np.where(axis == 1, d[1] > 0, d[2] > 0))
    return t.astype(np.float32), (2 * axis + positive).astype(np.int8)


_ROOM_FACE_PID = np.array([P_WEST, P_EAST, P_FLOOR, P_CEIL, P_SOUTH, P_NORTH], np.int16)
_FACE_NORMAL = np.array(
    [[1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1], [0, 0, -1]], np.float32
)


def _trace_room(spec: SceneSpec, d: tuple[F32, F32, F32], h: Hits) -> None:
    cam = spec.camera
    t, face = _box_exit(cam, d, (0, 0, 0), (spec.room_w, spec.room_h, spec.room_d))
    h.t[...] = t
    _set_room_faces(h, face)


def _set_room_faces(h: Hits, face: npt.NDArray[np.int8]) -> None:
    h.pid[...] = _ROOM_FACE_PID[face]
    for i in range(3):
        h.n[i][...] = _FACE_NORMAL[face, i]


def _trace_room_band(spec: SceneSpec, band: Band, h: Hits) -> None:
    """The room's walls for a band of the image. An equirectangular ray's horizontal part
    depends on its column only and its vertical part on its row only, so the wall distance
    is (per-column distance) / cos(pitch): two whole-band operations instead of dozens."""
    cam = spec.camera
    sy, cy, sp, cp = (a.astype(np.float64) for a in _trig(band.width))
    rows = slice(band.r0, band.r1)
    with np.errstate(divide="ignore"):
        tx = np.maximum(-cam[0] / sy, (spec.room_w - cam[0]) / sy)  # at cos(pitch) = 1
        tz = np.maximum(-cam[2] / cy, (spec.room_d - cam[2]) / cy)
        ty = np.maximum(-cam[1] / sp[rows], (spec.room_h - cam[1]) / sp[rows])
    walls = np.minimum(tx, tz)
    wall_face = np.where(tx < tz, np.where(sy > 0, 1, 0), np.where(cy > 0, 5, 4))
    horiz = (walls[None, :] / cp[rows, None]).astype(np.float32)
    vert = ty.astype(np.float32)[:, None]
    h.t[...] = np.minimum(horiz, vert)
    flat_face = np.where(sp[rows] > 0, 3, 2)[:, None]
    on_flat = vert < horiz
    # Broadcast per-row and per-column values instead of gathering per pixel.
    h.pid[...] = np.where(on_flat, _ROOM_FACE_PID[flat_face], _ROOM_FACE_PID[wall_face][None, :])
    for i in range(3):
        h.n[i][...] = np.where(
            on_flat, _FACE_NORMAL[flat_face, i], _FACE_NORMAL[wall_face, i][None, :]
        )


@dataclass(frozen=True)
class _Opening:
    wall: WallName
    lo: float  # along the wall
    hi: float
    y0: float
    y1: float
    door: bool


def _openings(spec: SceneSpec) -> list[_Opening]:
    out = [
        _Opening(dw.wall, dw.offset - dw.width / 2, dw.offset + dw.width / 2, 0.0, dw.height, True)
        for dw in spec.doorways
    ]
    out += [
        _Opening(
            wn.wall,
            wn.offset - wn.width / 2,
            wn.offset + wn.width / 2,
            wn.sill,
            wn.sill + wn.height,
            False,
        )
        for wn in spec.windows
    ]
    return out


WALL_THICKNESS = 0.16
FRAME = 0.06


def _wall_frame(spec: SceneSpec, wall: WallName) -> tuple[int, int, float, float]:
    """(along axis, across axis, wall plane coordinate, outward sign) of a wall."""
    return {
        "north": (0, 2, spec.room_d, 1.0),
        "south": (0, 2, 0.0, -1.0),
        "east": (2, 0, spec.room_w, 1.0),
        "west": (2, 0, 0.0, -1.0),
    }[wall]


def _opening_box(
    spec: SceneSpec, op: _Opening, pad: float, depth0: float, depth1: float, y1: float
) -> tuple[Vec3, Vec3]:
    along, across, plane, out = _wall_frame(spec, op.wall)
    lo = [0.0, op.y0, 0.0]
    hi = [0.0, y1, 0.0]
    lo[along], hi[along] = op.lo - pad, op.hi + pad
    a, b = plane + out * depth0, plane + out * depth1
    lo[across], hi[across] = min(a, b), max(a, b)
    return (lo[0], lo[1], lo[2]), (hi[0], hi[1], hi[2])


def _trace_opening(
    spec: SceneSpec, op: _Opening, d: tuple[F32, F32, F32], h: Hits, band: Band
) -> None:
    """Rays through a doorway or window: reveal (the wall's thickness), then the space
    beyond (a lit corridor for doors, sky for windows)."""
    lo, hi = _opening_box(spec, op, 0, 0, WALL_THICKNESS, op.y1)
    centre = ((lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2, (lo[2] + hi[2]) / 2)
    half = ((hi[0] - lo[0]) / 2, (hi[1] - lo[1]) / 2, (hi[2] - lo[2]) / 2)
    regions = angular_regions("box", centre, half, 0.0, spec.camera, band.width)
    for reg in band.clip(regions):
        _trace_opening_region(spec, op, (d[0][reg], d[1][reg], d[2][reg]), h, reg)


def _trace_opening_region(
    spec: SceneSpec, op: _Opening, d: tuple[F32, F32, F32], h: Hits, reg: Region
) -> None:
    along, across, _plane, out = _wall_frame(spec, op.wall)
    cam = spec.camera
    t = h.t[reg]
    p = [cam[i] + t * d[i] for i in range(3)]
    inside = (h.pid[reg] == WALL_IDS[op.wall]) & (p[along] > op.lo) & (p[along] < op.hi)
    inside &= (p[1] > op.y0) & (p[1] < op.y1)
    if not op.door:  # mullions stay wall; the wall texture paints them as window frame
        panes = max(1, round((op.hi - op.lo) / 1.1))
        for k in range(1, panes):
            inside &= np.abs(p[along] - (op.lo + k * (op.hi - op.lo) / panes)) > FRAME / 2
    if not inside.any():
        return
    dd = [d[i][inside] for i in range(3)]
    o = [p[i][inside] for i in range(3)]
    lo, hi = _opening_box(spec, op, 0, 0, WALL_THICKNESS, op.y1)
    t1, face1 = _box_exit(o, dd, lo, hi)
    through = face1 == 2 * across + int(out > 0)
    pid = np.full(t1.shape, P_REVEAL, np.int16)
    normal = [_FACE_NORMAL[face1, i] for i in range(3)]
    total = t[inside] + t1
    if op.door:
        o2 = [o[i] + t1 * dd[i] for i in range(3)]
        lo2, hi2 = _opening_box(spec, op, 1.2, WALL_THICKNESS, WALL_THICKNESS + 3.2, spec.room_h)
        t2, face2 = _box_exit(o2, dd, (lo2[0], 0.0, lo2[2]), hi2)
        beyond = np.where(
            face2 == 2, P_BEYOND_FLOOR, np.where(face2 == 3, P_BEYOND_CEIL, P_BEYOND_WALL)
        )
        pid = np.where(through, beyond, pid).astype(np.int16)
        total = np.where(through, total + t2, total)
        normal = [np.where(through, _FACE_NORMAL[face2, i], normal[i]) for i in range(3)]
    else:
        pid = np.where(through, P_SKY, pid).astype(np.int16)
    if op.door:  # the threshold continues the floor
        pid = np.where(face1 == 2, P_BEYOND_FLOOR, pid).astype(np.int16)
    pairs: list[tuple[npt.NDArray[Any], npt.NDArray[Any]]] = [(h.t, total), (h.pid, pid)]
    pairs += list(zip(h.n, normal, strict=True))
    for dst, src in pairs:
        cur = dst[reg].copy()
        cur[inside] = src
        dst[reg] = cur


# ---------------------------------------------------------------------------------------
# Compiled scene
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Light:
    pos: Vec3
    power: float
    warm: bool  # lamps are warm and emit all around; ceiling panels emit downwards


@dataclass(frozen=True)
class Compiled:
    spec: SceneSpec
    prims: tuple[Prim, ...]
    occluders: tuple[Occluder, ...]
    lights: tuple[Light, ...]


def _panel_grid(spec: SceneSpec) -> tuple[float, float]:
    """Spacing (x, z) of the ceiling light panels: one per cell of a roughly 2.6 m grid."""
    return (
        spec.room_w / max(1, round(spec.room_w / 2.6)),
        spec.room_d / max(1, round(spec.room_d / 2.6)),
    )


def _panel_positions(spec: SceneSpec) -> list[tuple[float, float]]:
    sx, sz = _panel_grid(spec)
    return [
        ((i + 0.5) * sx, (j + 0.5) * sz)
        for i in range(round(spec.room_w / sx))
        for j in range(round(spec.room_d / sz))
    ]


def _beyond_light(spec: SceneSpec, dw: Doorway) -> Light:
    """The next room is lit too: a panel just past each doorway."""
    along, across, plane, out = _wall_frame(spec, dw.wall)
    pos = [0.0, spec.room_h - 0.05, 0.0]
    pos[along], pos[across] = dw.offset, plane + out * (WALL_THICKNESS + 1.4)
    return Light((pos[0], pos[1], pos[2]), 1.6, False)


@lru_cache(maxsize=16)
def compile_scene(spec: SceneSpec) -> Compiled:
    prims: list[Prim] = []
    occ: list[Occluder] = []
    lights = [Light((x, spec.room_h - 0.05, z), 2.2, False) for x, z in _panel_positions(spec)]
    lights += [_beyond_light(spec, dw) for dw in spec.doorways]
    for i in range(len(spec.placements)):
        parts = build_parts(spec, i)
        prims += parts.prims
        yaw = math.radians(spec.placements[i].facing)
        occ += [Occluder(c, half, yaw, s, r, i) for c, half, s, r in parts.occluders]
        lights += [Light(c, power, True) for c, power in parts.lights]
    return Compiled(spec, tuple(prims), tuple(occ), tuple(lights))


def _trace(
    sc: Compiled, d: tuple[F32, F32, F32], band: Band | None, furniture: bool = True
) -> Hits:
    """Nearest hits of the rays `d`: a band of the image, or any rays when band is None."""
    h = Hits.empty(d[0].shape)
    if band is None:
        _trace_room(sc.spec, d, h)
    else:
        _trace_room_band(sc.spec, band, h)
    full: list[Region] = [tuple(slice(None) for _ in d[0].shape)]
    for op in _openings(sc.spec):
        if band is None:
            _trace_opening_region(sc.spec, op, d, h, full[0])
        else:
            _trace_opening(sc.spec, op, d, h, band)
    cam = sc.spec.camera
    for k, pr in enumerate(sc.prims if furniture else ()):
        regions = (
            full
            if band is None
            else band.clip(angular_regions(pr.shape, pr.centre, pr.half, pr.yaw, cam, band.width))
        )
        for reg in regions:
            res = _HIT_FUNCS[pr.shape](pr, cam, d[0][reg], d[1][reg], d[2][reg])
            _merge(h, reg, FIRST_PRIM + k, res)
    return h


# ---------------------------------------------------------------------------------------
# Shading
# ---------------------------------------------------------------------------------------

TRIM = hex_colour("#f1eee8")
CEILING = hex_colour("#f4f2ee")
PANEL_FRAME = hex_colour("#d6d3cd")
BEYOND_WALL = hex_colour("#efe7db")
WARM: Colour = (1.0, 0.72, 0.45)
BOOK_PALETTE = np.array(
    [
        hex_colour(c)
        for c in (
            "#7a3b2e",
            "#2f4a5a",
            "#c9b48a",
            "#4f5d3a",
            "#a8a39a",
            "#1f2a33",
            "#8c6d4f",
            "#d9cfbd",
        )
    ],
    np.float32,
)
BAND_ROWS = 64
LIGHT_FACTOR = 4  # the room's smooth lighting is computed at 1/4 resolution, then upsampled
Idx = npt.NDArray[np.intp]


def _ihash(a: F32, b: F32) -> F32:
    """Deterministic per-cell random numbers in [0, 1) from two integer-valued arrays."""
    h = a.astype(np.int32).astype(np.uint32) * np.uint32(73856093)
    h ^= b.astype(np.int32).astype(np.uint32) * np.uint32(19349663)
    h ^= h >> np.uint32(13)
    h *= np.uint32(1274126177)
    return ((h >> np.uint32(16)).astype(np.float32) / np.float32(65536.0)).astype(np.float32)


def _line(dist: FArr, half_width: float, foot: F32) -> F32:
    """Box-filtered coverage of a thin line: fades to its average when pixels get big."""
    cov = np.clip(half_width + foot / 2 - dist, 0, np.minimum(2 * half_width, foot))
    return (cov / foot).astype(np.float32)


def _fade(freq: float, foot: F32) -> F32:
    """Amplitude left of a sine pattern of spatial frequency `freq` (rad/m) once filtered
    over a pixel footprint: distant fine patterns fade instead of aliasing into moire."""
    return np.clip(1.0 - foot * freq * 0.25, 0, 1).astype(np.float32)


class _Px:
    """The attributes of a subset of pixels, gathered lazily."""

    def __init__(self, sh: _Shader, idx: Idx) -> None:
        self.sh, self.idx = sh, idx

    def _get(self, arrs: tuple[F32, F32, F32]) -> tuple[F32, F32, F32]:
        return arrs[0][self.idx], arrs[1][self.idx], arrs[2][self.idx]

    @cached_property
    def p(self) -> tuple[F32, F32, F32]:
        return self._get(self.sh.p)

    @cached_property
    def n(self) -> tuple[F32, F32, F32]:
        return self._get(self.sh.n)

    @cached_property
    def d(self) -> tuple[F32, F32, F32]:
        return self._get(self.sh.d)

    @cached_property
    def local(self) -> tuple[F32, F32, F32]:
        return self._get(self.sh.local)

    @cached_property
    def pid(self) -> I16:
        return self.sh.pid[self.idx]

    @cached_property
    def edge(self) -> F32:
        return self.sh.edge[self.idx]

    @cached_property
    def cos(self) -> F32:
        n, d = self.n, self.d
        return np.abs(n[0] * d[0] + n[1] * d[1] + n[2] * d[2])

    @cached_property
    def foot(self) -> F32:
        """Size of the pixel on the surface, in metres."""
        return (self.sh.t[self.idx] * self.sh.pixel / np.maximum(self.cos, 0.12)).astype(np.float32)


class _Shader:
    """Per-pixel surface colour (albedo), emission and specular light of a traced image."""

    def __init__(self, sc: Compiled, d: tuple[F32, F32, F32], h: Hits, width: int) -> None:
        self.sc, self.spec = sc, sc.spec
        self.d = _flat3(d)
        self.t, self.pid, self.edge = h.t.reshape(-1), h.pid.reshape(-1), h.edge.reshape(-1)
        self.n, self.local = _flat3(h.n), _flat3(h.local)
        self.pixel = 2 * math.pi / width
        cam = self.spec.camera
        self.p = (
            (cam[0] + self.t * self.d[0]).astype(np.float32),
            (cam[1] + self.t * self.d[1]).astype(np.float32),
            (cam[2] + self.t * self.d[2]).astype(np.float32),
        )
        self.mat, self.col, self.owner, self.half = _tables(sc)
        self.albedo = [np.take(self.col[:, c], self.pid) for c in range(3)]
        self.emit: list[tuple[Idx, tuple[F32, F32, F32], F32 | None]] = []
        self.metal: list[tuple[Idx, tuple[F32, F32, F32]]] = []
        self.spec_light = np.zeros(self.t.size, np.float32)

    def run(self) -> None:
        mats = self.mat[self.pid]
        for m, fn in _TEXTURES.items():
            idx = np.flatnonzero(mats == m)
            if idx.size:
                fn(self, _Px(self, idx))

    def scale(self, px: _Px, f: FArr | float) -> None:
        for c in range(3):
            self.albedo[c][px.idx] *= f

    def set(self, px: _Px, mask: npt.NDArray[np.bool_], rgb: Colour) -> None:
        sel = px.idx[mask]
        for c in range(3):
            self.albedo[c][sel] = rgb[c]

    def mix(self, px: _Px, cover: F32, rgb: Colour) -> None:
        """Blend towards `rgb` by a per-pixel coverage (anti-aliased painted regions)."""
        sel = cover > 0
        idx, w = px.idx[sel], cover[sel]
        for c in range(3):
            self.albedo[c][idx] += (rgb[c] - self.albedo[c][idx]) * w


def _cover(inside: FArr, foot: F32) -> F32:
    """Fraction of a pixel inside a region, from the signed distance (metres, positive
    inside) of its centre to the border: painted edges come out anti-aliased."""
    return np.clip(inside / foot + 0.5, 0, 1).astype(np.float32)


def _flat3(a: tuple[F32, F32, F32]) -> tuple[F32, F32, F32]:
    return a[0].reshape(-1), a[1].reshape(-1), a[2].reshape(-1)


def _tables(sc: Compiled) -> tuple[npt.NDArray[np.int8], F32, I16, F32]:
    """Material, colour, owning placement and half size of every surface id."""
    s, ids = sc.spec, FIRST_PRIM + len(sc.prims)
    mat, col = np.zeros(ids, np.int8), np.zeros((ids, 3), np.float32)
    owner, half = np.full(ids, -1, np.int16), np.zeros((ids, 3), np.float32)
    floor = hex_colour(s.floor_colour)
    room = {
        P_FLOOR: (M_FLOOR, floor),
        P_CEIL: (M_CEIL, CEILING),
        P_REVEAL: (M_TRIM, TRIM),
        P_BEYOND_FLOOR: (M_FLOOR, floor),
        P_BEYOND_WALL: (M_WALL, BEYOND_WALL),
        P_BEYOND_CEIL: (M_CEIL, CEILING),
        P_SKY: (M_SKY, (1.0, 1.0, 1.0)),
    }
    for name, pid in WALL_IDS.items():
        colour = s.accent_colour if name == s.accent_wall else s.wall_colour
        room[pid] = (M_WALL, hex_colour(colour))
    for pid, (m, c) in room.items():
        mat[pid], col[pid] = m, c
    for k, pr in enumerate(sc.prims):
        i = FIRST_PRIM + k
        mat[i], col[i], owner[i], half[i] = pr.material, pr.colour, pr.owner, pr.half
    return mat, col, owner, half


def _tex_floor(sh: _Shader, px: _Px) -> None:
    """Oak planks running north-south, staggered, each with its own tone and grain."""
    x, z = px.p[0], px.p[2]
    pw, pl = 0.19, 1.45
    col = np.floor(x / pw)
    u = x / pw - col
    zz = z / pl + _ihash(col, col)
    row = np.floor(zz)
    v = zz - row
    hid = _ihash(col, row)
    grain = np.sin(x * 260.0 + 2.5 * np.sin(z * 1.9 + hid * 40.0)) * _fade(260, px.foot)
    f = (0.84 + 0.3 * hid) * (1 + 0.07 * grain)
    gap = np.maximum(
        _line(np.minimum(u, 1 - u) * pw, 0.0015, px.foot),
        _line(np.minimum(v, 1 - v) * pl, 0.0015, px.foot),
    )
    f *= 1 - 0.6 * gap
    sh.scale(px, f)
    sh.albedo[2][px.idx] *= 0.96 + 0.08 * hid  # some planks slightly cooler


def _tex_wall(sh: _Shader, px: _Px) -> None:
    """Paint, a skirting board, and trim around the openings."""
    y, foot = px.p[1], px.foot
    sh.mix(px, _cover(0.1 - y, foot), TRIM)
    sh.scale(px, 1 - 0.45 * _line(np.abs(y - 0.1), 0.003, foot))
    for op in _openings(sh.spec):
        along = _wall_frame(sh.spec, op.wall)[0]
        a = px.p[along]
        inside = np.minimum(
            np.minimum(a - (op.lo - FRAME), op.hi + FRAME - a),
            np.minimum(op.y1 + FRAME - y, y - (op.y0 - FRAME)),
        )
        mine = px.pid == WALL_IDS[op.wall]
        sh.mix(px, np.where(mine, _cover(inside, foot), 0).astype(np.float32), TRIM)


def _tex_ceiling(sh: _Shader, px: _Px) -> None:
    """Square light panels on a regular grid, with a thin frame."""
    sx, sz = _panel_grid(sh.spec)
    fx, fz = px.p[0] / sx, px.p[2] / sz
    dx = np.abs(fx - np.floor(fx) - 0.5) * sx
    dz = np.abs(fz - np.floor(fz) - 0.5) * sz
    inside = (px.p[0] > 0) & (px.p[0] < sh.spec.room_w) & (px.p[2] > 0)
    inside &= px.p[2] < sh.spec.room_d
    edge = np.where(inside, np.maximum(dx, dz), 9.0)
    sh.mix(px, _cover(0.33 - edge, px.foot), PANEL_FRAME)
    glow = _cover(0.3 - edge, px.foot)
    sel = glow > 0
    sh.emit.append((px.idx[sel], _const(px.idx[sel], (1.3, 1.28, 1.22)), glow[sel]))


def _const(idx: Idx, rgb: Colour) -> tuple[F32, F32, F32]:
    return (
        np.full(idx.shape, rgb[0], np.float32),
        np.full(idx.shape, rgb[1], np.float32),
        np.full(idx.shape, rgb[2], np.float32),
    )


def _tex_sky(sh: _Shader, px: _Px) -> None:
    """The view out of a window: pale sky, a line of trees, a lawn."""
    dx, dy, dz = px.d
    yaw = np.arctan2(dx, dz)
    up = np.clip(dy * 2.5, 0, 1)
    treeline = 0.05 + 0.025 * np.sin(yaw * 23) + 0.015 * np.sin(yaw * 61)
    trees = _cover(treeline - dy, np.full(dy.shape, sh.pixel, np.float32))
    lawn = _cover(-dy, np.full(dy.shape, sh.pixel, np.float32))
    rgb = []
    for horizon, zenith, tree, grass in (
        (1.3, 0.62, 0.22, 0.4),
        (1.33, 0.78, 0.3, 0.5),
        (1.36, 1.05, 0.2, 0.3),
    ):
        c = horizon + (zenith - horizon) * up
        c = c + (tree - c) * trees
        rgb.append((c + (grass * (1 + dy) - c) * lawn).astype(np.float32))
    sh.emit.append((px.idx, (rgb[0], rgb[1], rgb[2]), None))


def _tex_fabric(sh: _Shader, px: _Px) -> None:
    """Upholstery: edges of each box darken a little, so cushions read as soft."""
    lx, ly, lz = px.local
    weave = np.sin(lx * 90 + ly * 70) * np.sin(lz * 85 - ly * 60) * _fade(90, px.foot)
    bevel = 1 - 0.3 * np.exp(-px.edge / 0.03)
    sh.scale(px, bevel * (1 + 0.025 * weave))


def _tex_wood(sh: _Shader, px: _Px) -> None:
    """Grain along each board's local x axis."""
    lx, ly, lz = px.local
    fine = np.sin(lz * 150 + ly * 110 + 3.0 * np.sin(lx * 3.7 + lz * 13.0)) * _fade(150, px.foot)
    broad = np.sin(lz * 31 + ly * 40 + 2.0 * np.sin(lx * 1.3))
    sh.scale(px, 1 + 0.035 * fine + 0.04 * broad)
    _gloss(sh, px, 0.08, 30.0)


def _tex_rug(sh: _Shader, px: _Px) -> None:
    """Wool field with a darker border band and a thin inner line."""
    lx, _ly, lz = px.local
    hx, hz = sh.half[px.pid, 0], sh.half[px.pid, 2]
    edge = np.minimum(hx - np.abs(lx), hz - np.abs(lz))
    s = np.minimum(hx, hz)  # border proportions follow the rug's size
    band = _cover(np.minimum(edge - 0.08 * s, 0.22 * s - edge), px.foot)
    line = _line(np.abs(edge - 0.3 * s), 0.012, px.foot)
    wool = np.sin(lx * 60) * np.sin(lz * 55) * _fade(60, px.foot)
    sh.scale(px, (1 - 0.38 * band) * (1 - 0.3 * line) * (1 + 0.05 * wool))


def _tex_books(sh: _Shader, px: _Px) -> None:
    """A row of book spines in muted colours."""
    lx = px.local[0] / 0.036 + 0.5
    k = np.floor(lx)
    pick = (_ihash(k, k + 7) * len(BOOK_PALETTE)).astype(np.intp)
    for c in range(3):
        sh.albedo[c][px.idx] = BOOK_PALETTE[pick, c]
    gap = _line(np.minimum(lx - k, 1 - lx + k) * 0.036, 0.0015, px.foot)
    sh.scale(px, np.where(np.abs(px.n[1]) > 0.5, 0.9, 1 - 0.6 * gap))


def _tex_leaf(sh: _Shader, px: _Px) -> None:
    x, y, z = px.p
    v = np.sin(x * 43 + y * 17) * np.sin(z * 39 - y * 23) * np.sin(y * 51 + x * 11)
    sh.scale(px, 0.75 + 0.45 * v * _fade(40, px.foot))


def _tex_canvas(sh: _Shader, px: _Px) -> None:
    """An abstract print: a sun, a ring and an ochre band."""
    lx, ly, _lz = px.local
    w = sh.half[px.pid, 0] / 0.55
    lx, ly, foot = lx / w, ly / w, px.foot / w
    circle = 0.17 - np.hypot(lx - 0.1, ly - 0.05)
    band = np.minimum(np.minimum(-0.14 - ly, lx + 0.42), 0.3 - lx)
    ring = 0.025 - np.abs(np.hypot(lx + 0.22, ly - 0.02) - 0.13)
    sh.mix(px, _cover(band, foot), hex_colour("#c89b4a"))
    sh.mix(px, _cover(circle, foot), hex_colour("#b5573b"))
    sh.mix(px, _cover(ring, foot), hex_colour("#2b3d52"))


def _tex_glow(sh: _Shader, px: _Px) -> None:
    """A lit lamp shade: warm, brightest where seen face-on."""
    f = 0.8 + 0.35 * px.cos
    base = [sh.albedo[c][px.idx] * f * WARM[c] ** 0.35 for c in range(3)]
    sh.emit.append((px.idx, (base[0], base[1], base[2]), None))


def _tex_metal(sh: _Shader, px: _Px) -> None:
    _gloss(sh, px, 0.9, 60.0)
    sh.metal.append((px.idx, _reflect(px)))


def _tex_ceramic(sh: _Shader, px: _Px) -> None:
    _gloss(sh, px, 0.5, 90.0)


def _tex_lacquer(sh: _Shader, px: _Px) -> None:
    _gloss(sh, px, 0.25, 40.0)


def _reflect(px: _Px) -> tuple[F32, F32, F32]:
    """What a polished surface mirrors: a dark floor below, a bright ceiling above."""
    dn = px.d[0] * px.n[0] + px.d[1] * px.n[1] + px.d[2] * px.n[2]
    ry = px.d[1] - 2 * dn * px.n[1]
    env = np.clip(0.5 + 0.5 * ry, 0, 1) ** 2
    return (0.2 + 0.85 * env, 0.16 + 0.85 * env, 0.12 + 0.8 * env)


def _gloss(sh: _Shader, px: _Px, ks: float, shine: float) -> None:
    """Blinn-Phong highlights from every light into the shared specular buffer."""
    acc = np.zeros(px.idx.shape, np.float32)
    for lt in sh.sc.lights:
        lv = [lt.pos[i] - px.p[i] for i in range(3)]
        dist2 = lv[0] ** 2 + lv[1] ** 2 + lv[2] ** 2
        inv = 1 / np.sqrt(dist2)
        hv = [lv[i] * inv - px.d[i] for i in range(3)]
        hn = 1 / np.sqrt(hv[0] ** 2 + hv[1] ** 2 + hv[2] ** 2)
        ndh = np.maximum((hv[0] * px.n[0] + hv[1] * px.n[1] + hv[2] * px.n[2]) * hn, 0)
        acc += lt.power * ndh**shine / (dist2 + 0.5)
    sh.spec_light[px.idx] += ks * acc


_TEXTURES: dict[int, Callable[[_Shader, _Px], None]] = {
    M_FLOOR: _tex_floor,
    M_WALL: _tex_wall,
    M_CEIL: _tex_ceiling,
    M_SKY: _tex_sky,
    M_FABRIC: _tex_fabric,
    M_WOOD: _tex_wood,
    M_RUG: _tex_rug,
    M_BOOKS: _tex_books,
    M_LEAF: _tex_leaf,
    M_CANVAS: _tex_canvas,
    M_GLOW: _tex_glow,
    M_METAL: _tex_metal,
    M_CERAMIC: _tex_ceramic,
    M_LACQUER: _tex_lacquer,
}

# ---------------------------------------------------------------------------------------
# Light and ambient occlusion
# ---------------------------------------------------------------------------------------


def _room_ao(spec: SceneSpec, pid: I16, p: tuple[F32, F32, F32], n: tuple[F32, F32, F32]) -> F32:
    """Darkening of the room's own corners (floor/wall, wall/wall, wall/ceiling)."""
    extent = (spec.room_w, spec.room_h, spec.room_d)
    f = np.ones(pid.shape, np.float32)
    for i in range(3):
        dist = np.maximum(np.minimum(p[i], extent[i] - p[i]), 0)
        term = 1 - 0.32 * (0.22 / (0.22 + dist)) ** 2
        f *= np.where(np.abs(n[i]) > 0.5, 1, term)
    return np.where(pid < P_REVEAL, f, 1).astype(np.float32)


def _irradiance(sc: Compiled, p: tuple[F32, F32, F32], n: tuple[F32, F32, F32]) -> tuple[F32, F32]:
    """(neutral, warm) light arriving at each point: hemisphere ambient with some bounce
    from the floor onto the ceiling, downward ceiling panels and warm all-round lamps."""
    neutral = (0.36 + 0.04 * n[1] + 0.3 * np.maximum(-n[1], 0)).astype(np.float32)
    warm = np.zeros_like(neutral)
    for lt in sc.lights:
        lv = [lt.pos[i] - p[i] for i in range(3)]
        dist2 = lv[0] * lv[0] + lv[1] * lv[1] + lv[2] * lv[2]
        inv = 1 / np.sqrt(dist2)
        ndl = np.maximum(lv[0] * n[0] + lv[1] * n[1] + lv[2] * n[2], 0) * inv
        if lt.warm:
            warm += lt.power * ndl / (dist2 + 0.3)
        else:
            emitter = 0.3 + 0.7 * np.maximum(lv[1] * inv, 0)
            neutral += lt.power * ndl * emitter / (dist2 + 0.3)
    return neutral, warm


def _floor_sheen(spec: SceneSpec, p: tuple[F32, F32, F32], d: tuple[F32, F32, F32]) -> F32:
    """A satin floor mirrors the ceiling panels as soft blurred glints."""
    acc = np.zeros(p[0].shape, np.float32)
    for x, z in _panel_positions(spec):
        m = (x - p[0], 2 * spec.room_h - p[1], z - p[2])
        cos = (m[0] * d[0] + m[1] * d[1] + m[2] * d[2]) / np.sqrt(
            m[0] * m[0] + m[1] * m[1] + m[2] * m[2]
        )
        acc += np.maximum(cos, 0) ** 300
    return acc


def _room_light(sc: Compiled, width: int) -> list[Image.Image]:
    """(neutral, warm, floor sheen) light of the bare room, as float images at
    1/LIGHT_FACTOR size: room lighting is smooth, so the costliest part of shading is done
    on 1/16 of the pixels and upsampled band by band."""
    lw = max(16, width // LIGHT_FACTOR // 16 * 16)
    band = Band(lw, 0, lw // 2)
    d = band.directions()
    h = _trace(sc, d, band, furniture=False)
    cam = sc.spec.camera
    p = (cam[0] + h.t * d[0], cam[1] + h.t * d[1], cam[2] + h.t * d[2])
    neutral, warm = _irradiance(sc, p, h.n)
    ao = _room_ao(sc.spec, h.pid, p, h.n)
    floor = (h.pid == P_FLOOR) | (h.pid == P_BEYOND_FLOOR)
    sheen = np.where(floor, _floor_sheen(sc.spec, p, d), 0)
    images = [Image.fromarray(a.astype(np.float32), "F") for a in (neutral * ao, warm * ao, sheen)]
    return [*images, Image.fromarray(_seams(h.pid).astype(np.float32), "F")]


def _seams(pid: I16) -> npt.NDArray[np.bool_]:
    """Pixels next to a change of surface, where upsampled light would blur two surfaces'
    light into blocky steps: these get their light computed exactly."""
    seam = np.zeros(pid.shape, bool)
    for axis in (0, 1):
        diff = np.diff(pid, axis=axis) != 0
        lo = [slice(None), slice(None)]
        hi = [slice(None), slice(None)]
        lo[axis], hi[axis] = slice(None, -1), slice(1, None)
        seam[tuple(lo)] |= diff
        seam[tuple(hi)] |= diff
    return seam


def _upsample(light: list[Image.Image], band: Band) -> list[F32]:
    f = band.width / light[0].width
    box = (0.0, band.r0 / f, float(light[0].width), band.r1 / f)
    size = (band.width, band.r1 - band.r0)
    return [
        np.asarray(im.resize(size, Image.Resampling.BILINEAR, box=box)).reshape(-1).copy()
        for im in light
    ]


def _occluder_ao(sh: _Shader, shape: tuple[int, int], band: Band) -> F32:
    """Soft contact shadows: surfaces near an object's box get darker."""
    ao = np.ones(shape, np.float32)
    pimg = [a.reshape(shape) for a in sh.p]
    pid = sh.pid.reshape(shape)
    for oc in sh.sc.occluders:
        cs, sn = math.cos(oc.yaw), math.sin(oc.yaw)
        regions = angular_regions(
            "box", oc.centre, oc.half, oc.yaw, sh.spec.camera, band.width, margin=oc.radius
        )
        for reg in band.clip(regions):
            qx, qz = pimg[0][reg] - oc.centre[0], pimg[2][reg] - oc.centre[2]
            q = (
                np.abs(qx * cs - qz * sn) - oc.half[0],
                np.abs(pimg[1][reg] - oc.centre[1]) - oc.half[1],
                np.abs(qx * sn + qz * cs) - oc.half[2],
            )
            out = np.sqrt(sum(np.maximum(a, 0) ** 2 for a in q))
            near = np.clip(1 - out / oc.radius, 0, 1)
            mine = sh.owner[pid[reg]] == oc.owner
            ao[reg] *= np.where(mine, 1, 1 - oc.strength * near * near)
    return ao.reshape(-1)


# ---------------------------------------------------------------------------------------
# The final image
# ---------------------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _tone_lut(exposure: float) -> npt.NDArray[np.uint8]:
    """Linear light (in 1/1024 steps) to sRGB-ish bytes with a soft highlight shoulder."""
    c = np.arange(4096, dtype=np.float64) / 1024 * exposure
    c = c / (1 + np.maximum(c - 0.72, 0) * 0.9)
    return (np.sqrt(np.clip(c, 0, 1)) * 255 + 0.5).astype(np.uint8)


def _shade(
    sc: Compiled,
    d: tuple[F32, F32, F32],
    h: Hits,
    band: Band,
    light: list[Image.Image],
    exposure: float = 0.95,
) -> npt.NDArray[np.uint8]:
    sh = _Shader(sc, d, h, band.width)
    sh.run()
    neutral, warm, sheen, seam = _upsample(light, band)
    exact = np.flatnonzero((sh.pid >= FIRST_PRIM) | (seam > 0))
    px = _Px(sh, exact)
    room_ao = _room_ao(sc.spec, px.pid, px.p, px.n)
    neutral[exact], warm[exact] = (a * room_ao for a in _irradiance(sc, px.p, px.n))
    floor = np.flatnonzero((sh.pid == P_FLOOR) | (sh.pid == P_BEYOND_FLOOR))
    sh.spec_light[floor] += 0.45 * sheen[floor]
    ao = _occluder_ao(sh, h.t.shape, band)
    neutral *= ao
    warm *= ao
    lut = _tone_lut(exposure)
    img = np.empty((h.t.size, 3), np.uint8)
    for c in range(3):
        lin = sh.albedo[c] * (neutral + warm * np.float32(WARM[c])) + sh.spec_light
        for idx, env in sh.metal:
            lin[idx] = (
                sh.albedo[c][idx] * (0.4 * neutral[idx] + 0.9 * env[c]) + (sh.spec_light[idx])
            )
        for idx, emit, weight in sh.emit:
            if weight is None:
                lin[idx] = emit[c]
            else:
                lin[idx] += (emit[c] - lin[idx]) * weight
        np.multiply(lin, 1024, out=lin)
        np.clip(lin, 0, 4095, out=lin)
        img[:, c] = lut[lin.astype(np.uint16)]
    return img.reshape(*h.t.shape, 3)


def _antialias(img: npt.NDArray[np.uint8], pid: I16) -> npt.NDArray[np.uint8]:
    """Soften the stair-steps where one surface meets another: a small blur applied only
    to the pixels along such edges (a cheap stand-in for supersampling)."""
    hgt, wid = pid.shape
    edge = np.zeros(pid.shape, bool)
    horiz = pid[:, 1:] != pid[:, :-1]
    vert = pid[1:] != pid[:-1]
    edge[:, 1:] |= horiz
    edge[:, :-1] |= horiz
    edge[1:] |= vert
    edge[:-1] |= vert
    rows, cols = np.nonzero(edge)
    acc = np.zeros((rows.size, 3), np.uint16)
    for dr, dc, w in (
        (0, 0, 4),
        (0, -1, 2),
        (0, 1, 2),
        (-1, 0, 2),
        (1, 0, 2),
        (-1, -1, 1),
        (-1, 1, 1),
        (1, -1, 1),
        (1, 1, 1),
    ):
        r = np.clip(rows + dr, 0, hgt - 1)
        acc += img[r, (cols + dc) % wid].astype(np.uint16) * np.uint16(w)
    out = img.copy()
    out[rows, cols] = (acc + 8) // 16
    return out


# ---------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------


def render_scene(spec: SceneSpec, width: int = 4096) -> Image.Image:
    """Render the scene as an RGB equirectangular image of width x width/2 pixels."""
    if width < 64 or width % 16:
        raise ValueError(f"width must be a multiple of 16 and at least 64, not {width}")
    sc = compile_scene(spec)
    light = _room_light(sc, width)
    height = width // 2
    img = np.empty((height, width, 3), np.uint8)
    pid = np.empty((height, width), np.int16)
    for r0 in range(0, height, BAND_ROWS):
        band = Band(width, r0, min(height, r0 + BAND_ROWS))
        d = band.directions()
        hits = _trace(sc, d, band)
        img[band.r0 : band.r1] = _shade(sc, d, hits, band, light)
        pid[band.r0 : band.r1] = hits.pid
    return Image.fromarray(_antialias(img, pid), "RGB")


def _rays(yaw: npt.ArrayLike, pitch: npt.ArrayLike) -> tuple[F32, F32, F32]:
    y, p = np.asarray(yaw, np.float64), np.asarray(pitch, np.float64)
    cp = np.cos(p)
    return (
        (cp * np.sin(y)).astype(np.float32),
        np.sin(p).astype(np.float32),
        (cp * np.cos(y)).astype(np.float32),
    )


def _door_crossed(spec: SceneSpec, yaw: float, pitch: float) -> Doorway | None:
    """The doorway whose opening the ray (yaw, pitch) passes through, if any."""
    cp = math.cos(pitch)
    d = (cp * math.sin(yaw), math.sin(pitch), cp * math.cos(yaw))
    cam = spec.camera
    for dw in spec.doorways:
        along, across, plane, _out = _wall_frame(spec, dw.wall)
        if abs(d[across]) < 1e-9:
            continue
        t = (plane - cam[across]) / d[across]
        a, y = cam[along] + t * d[along], cam[1] + t * d[1]
        if t > 0 and abs(a - dw.offset) < dw.width / 2 and 0 <= y <= dw.height:
            return dw
    return None


def _pid_at(spec: SceneSpec, yaw: float, pitch: float) -> int:
    return int(_trace(compile_scene(spec), _rays([yaw], [pitch]), None).pid[0])


def pick(spec: SceneSpec, yaw: float, pitch: float) -> str:
    """What the ray (yaw, pitch) from the camera meets first: a SKU, 'decor:<kind>',
    'door:<target slug>', 'window', 'floor', 'ceiling' or 'wall'."""
    pid = _pid_at(spec, yaw, pitch)
    if pid >= FIRST_PRIM:
        pl = spec.placements[compile_scene(spec).prims[pid - FIRST_PRIM].owner]
        return pl.sku or f"decor:{pl.kind}"
    door = _door_crossed(spec, yaw, pitch)
    if door is not None and pid in (P_BEYOND_FLOOR, P_BEYOND_WALL, P_BEYOND_CEIL, P_REVEAL):
        return f"door:{door.target}"
    names = {P_FLOOR: "floor", P_CEIL: "ceiling", P_SKY: "window", P_REVEAL: "window"}
    return names.get(pid, "wall")


def _bbox_centre(prims: Iterable[Prim]) -> Vec3:
    lo, hi = [math.inf] * 3, [-math.inf] * 3
    for pr in prims:
        r = max(pr.half[0], pr.half[2]) if pr.shape != "box" else 0.0
        ext = (r, pr.half[1], r) if pr.shape != "box" else pr.half
        for i in range(3):
            lo[i] = min(lo[i], pr.centre[i] - ext[i])
            hi[i] = max(hi[i], pr.centre[i] + ext[i])
    return ((lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2, (lo[2] + hi[2]) / 2)


def _lattice(pr: Prim) -> list[Vec3]:
    """Points spread through a primitive (3 x 3 x 3, inset from its surface)."""
    cs, sn = math.cos(pr.yaw), math.sin(pr.yaw)
    out = []
    for fx in (-0.6, 0.0, 0.6):
        for fy in (-0.6, 0.0, 0.6):
            for fz in (-0.6, 0.0, 0.6):
                lx, lz = fx * pr.half[0], fz * (pr.half[2] if pr.shape == "box" else pr.half[0])
                out.append(
                    (
                        pr.centre[0] + lx * cs + lz * sn,
                        pr.centre[1] + fy * pr.half[1],
                        pr.centre[2] - lx * sn + lz * cs,
                    )
                )
    return out


def _angle(a: tuple[float, float], b: tuple[float, float]) -> float:
    return math.hypot(math.remainder(a[0] - b[0], 2 * math.pi) * math.cos(b[1]), a[1] - b[1])


def direction_of(spec: SceneSpec, placement: Placement) -> tuple[float, float]:
    """(yaw, pitch) in radians, yaw in (-pi, pi], of the visual centre of a placed product:
    the centre of its bounding box if the product is visible there, else the nearest
    visible point of it (a rug under a table), so that a hotspot sits on what it names."""
    index = spec.placements.index(placement)
    prims = build_parts(spec, index).prims
    centre = yaw_pitch(spec.camera, _bbox_centre(prims))
    biggest = sorted(prims, key=lambda p: -p.half[0] * p.half[1] * p.half[2])[:6]
    points = [yaw_pitch(spec.camera, pt) for pr in biggest for pt in _lattice(pr)]
    candidates = sorted([centre, *points], key=lambda yp: _angle(yp, centre))
    owned = _owned(spec, index, np.array(candidates), margin=math.radians(0.6))
    hits = np.flatnonzero(owned)
    return candidates[int(hits[0])] if hits.size else centre


def _owned(
    spec: SceneSpec, index: int, yp: npt.NDArray[np.float64], margin: float
) -> npt.NDArray[np.bool_]:
    """For each (yaw, pitch) row: whether the ray and four rays `margin` around it all land
    on placement `index` (one vectorised trace for all of them)."""
    offsets = np.array([(0, 0), (margin, 0), (-margin, 0), (0, margin), (0, -margin)])
    rays = yp[:, None, :] + offsets[None, :, :]
    sc = compile_scene(spec)
    pid = _trace(sc, _rays(rays[..., 0], rays[..., 1]), None).pid
    owner = np.array([-1] * FIRST_PRIM + [p.owner for p in sc.prims])[pid]
    return np.asarray((owner == index).all(axis=1))


def product_hotspots(spec: SceneSpec) -> dict[str, tuple[float, float]]:
    """(yaw, pitch) of each SKU in the scene, at its first placement."""
    out: dict[str, tuple[float, float]] = {}
    for pl in spec.placements:
        if pl.sku and pl.sku not in out:
            out[pl.sku] = direction_of(spec, pl)
    return out


def direction_of_doorway(spec: SceneSpec, doorway: Doorway) -> tuple[float, float]:
    """(yaw, pitch) in radians, yaw in (-pi, pi], of the middle of a doorway's opening."""
    along, across, plane, _out = _wall_frame(spec, doorway.wall)
    point = [0.0, doorway.height / 2, 0.0]
    point[along], point[across] = doorway.offset, plane
    return yaw_pitch(spec.camera, (point[0], point[1], point[2]))

"""Panoramas: the demo store's rendered scenes and the cubemap tiler (no Reflex here)."""

from showroom.tours.panorama.render import (
    Doorway,
    Placement,
    SceneSpec,
    Window,
    direction_of,
    direction_of_doorway,
    pick,
    product_hotspots,
    render_scene,
)
from showroom.tours.panorama.tiles import PanoramaError, tile_panorama

__all__ = [
    "Doorway",
    "PanoramaError",
    "Placement",
    "SceneSpec",
    "Window",
    "direction_of",
    "direction_of_doorway",
    "pick",
    "product_hotspots",
    "render_scene",
    "tile_panorama",
]

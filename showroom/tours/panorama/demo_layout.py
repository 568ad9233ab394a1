"""The demo store "Aoyama": three scenes whose panoramas are rendered by `render.py`.

Walls are named by compass direction (x east, z north, metres); the tour opens looking
north (yaw 0). Decor (sku None) is not for sale and gets no hotspot.
"""

from __future__ import annotations

from showroom.tours.panorama.render import Doorway, Placement, SceneSpec, Window

STORE_SLUG = "aoyama"

OAK = "#c29a6b"
WALNUT = "#6a4630"
BLACK = "#2a2826"

ENTRANCE = SceneSpec(
    slug="entrance",
    room_w=5.6,
    room_d=5.0,
    room_h=3.0,
    camera=(2.7, 1.55, 1.9),
    placements=(
        Placement("SHF-001", "shelf", 1.35, 4.78, 180, colour=OAK, accent=BLACK),
        Placement(None, "plinth", 2.95, 4.2, 180, colour="#e4dfd6"),
        Placement("VAS-001", "vase", 2.95, 4.2, 200, base=0.9, colour="#7fa593"),
        Placement(None, "bench", 0.25, 2.3, 90, colour=OAK, size=(1.4, 0.42, 0.45)),
        Placement("CUS-001", "cushion", 0.25, 2.15, 90, base=0.45, colour="#d9c39b"),
        Placement("SIDE-001", "side_table", 5.2, 2.5, 270, colour=WALNUT, accent=BLACK),
        Placement(None, "artwork", 5.58, 2.5, 270, base=1.35, colour="#efe8dc", accent=BLACK),
        Placement(None, "plant", 5.1, 4.55, 0, colour="#4f6b3f", accent="#d7d2c8"),
        Placement(None, "rug", 2.7, 2.6, 180, colour="#b9ab96", size=(1.6, 1.0, 0.01)),
    ),
    doorways=(
        Doorway("living", "north", 4.25, width=1.3),
        Doorway("dining", "west", 4.0, width=1.2),
    ),
    windows=(Window("south", 2.8, width=3.3, sill=0.12, height=2.45),),
    wall_colour="#ece7df",
    accent_wall="north",
    accent_colour="#d9cbb8",
)

LIVING = SceneSpec(
    slug="living",
    room_w=6.2,
    room_d=5.4,
    room_h=2.9,
    camera=(3.1, 1.55, 2.15),
    placements=(
        Placement("RUG-001", "rug", 3.1, 3.65, 180, colour="#cdbfa7"),
        Placement("SOFA-001", "sofa", 3.1, 4.88, 180, colour="#7f907d", accent="#3b2a20"),
        Placement("TBL-001", "coffee_table", 3.1, 3.55, 180, colour=OAK),
        Placement("SOFA-002", "lounge_chair", 4.95, 3.2, 250, colour="#c48f3c", accent="#3b2a20"),
        Placement("LAMP-001", "floor_lamp", 1.5, 4.95, 180, colour="#efe3cb", accent=BLACK),
        Placement(
            None, "side_table", 4.6, 4.95, 180, colour=OAK, accent=BLACK, size=(0.45, 0.45, 0.55)
        ),
        Placement(
            "LAMP-002", "table_lamp", 4.6, 4.95, 180, base=0.55, colour="#f1e6cf", accent="#c9a35a"
        ),
        Placement(None, "plant", 0.5, 4.85, 0, colour="#4a6a3c", accent="#3d3a36"),
        Placement(
            None,
            "artwork",
            3.1,
            5.38,
            180,
            base=1.45,
            colour="#eee6d8",
            accent="#2a2623",
            size=(1.2, 0.03, 0.8),
        ),
        Placement(
            None, "sideboard", 4.3, 0.25, 0, colour="#e6e0d6", accent=OAK, size=(1.6, 0.42, 0.7)
        ),
    ),
    doorways=(
        Doorway("entrance", "south", 1.5, width=1.3),
        Doorway("dining", "west", 2.2, width=1.3),
    ),
    windows=(Window("east", 2.0, width=2.2),),
    wall_colour="#ebe6de",
    accent_wall="north",
    accent_colour="#c9b8a3",
)

DINING = SceneSpec(
    slug="dining",
    room_w=5.6,
    room_d=5.4,
    room_h=3.0,
    camera=(2.3, 1.55, 1.45),
    placements=(
        Placement("TBL-002", "dining_table", 2.8, 3.35, 180, colour=WALNUT),
        Placement("CHR-001", "dining_chair", 2.3, 2.65, 0, colour="#d8ccb4", accent=BLACK),
        Placement("CHR-001", "dining_chair", 3.3, 2.65, 0, colour="#d8ccb4", accent=BLACK),
        Placement("CHR-001", "dining_chair", 2.3, 4.05, 180, colour="#d8ccb4", accent=BLACK),
        Placement("CHR-001", "dining_chair", 3.3, 4.05, 180, colour="#d8ccb4", accent=BLACK),
        Placement("LAMP-003", "pendant", 2.8, 3.35, 180, base=1.55, colour="#2b2b2e"),
        Placement(None, "sideboard", 2.8, 5.15, 180, colour="#6f7f72", accent=OAK),
        Placement(
            None,
            "artwork",
            5.58,
            3.9,
            270,
            base=1.35,
            colour="#ede6da",
            accent=WALNUT,
            size=(1.0, 0.03, 0.7),
        ),
        Placement(None, "plant", 5.05, 4.85, 0, colour="#4a6a3c", accent="#d7d2c8"),
        Placement(
            None, "plant", 0.5, 4.9, 0, colour="#56733f", accent="#3d3a36", size=(0.5, 0.5, 1.1)
        ),
        Placement(None, "rug", 2.8, 3.35, 180, colour="#c2b6a2", size=(2.9, 2.2, 0.01)),
    ),
    doorways=(
        Doorway("living", "east", 1.6, width=1.3),
        Doorway("entrance", "south", 4.5, width=1.2),
    ),
    windows=(Window("west", 3.2, width=2.4),),
    wall_colour="#e9e4dc",
)

DEMO_SCENES: list[SceneSpec] = [ENTRANCE, LIVING, DINING]

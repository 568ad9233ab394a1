"""The demo store: catalogue, staff, availability and three rendered, tiled panorama scenes.

Idempotent: running it again leaves an existing demo store alone and only re-renders
panoramas whose tiles are missing on disk. `python -m showroom.seed`
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from showroom.db import session_scope
from showroom.identity import hash_password
from showroom.models import Hotspot, Product, Scene, StaffMember, Stock, Store, WeeklyAvailability
from showroom.settings import get_settings

log = logging.getLogger(__name__)

STORE_SLUG = "aoyama"
DEMO_PASSWORD = "showroom-demo"


@dataclass(frozen=True)
class DemoProduct:
    sku: str
    name_en: str
    name_ja: str
    price: int
    stock: int
    description_en: str
    description_ja: str


PRODUCTS = [
    DemoProduct(
        "SOFA-001",
        "Hinoki three-seat sofa",
        "ヒノキ 3人掛けソファ",
        248000,
        4,
        "Solid hinoki frame with washable linen covers.",
        "無垢のヒノキフレームに洗えるリネンカバー。",
    ),
    DemoProduct(
        "SOFA-002",
        "Kumo lounge chair",
        "クモ ラウンジチェア",
        89000,
        2,
        "Deep seat in boucle wool, made in Asahikawa.",
        "旭川製、ブークレウールの深い座面。",
    ),
    DemoProduct(
        "TBL-001",
        "Oak coffee table",
        "オーク コーヒーテーブル",
        56000,
        7,
        "Oiled white oak, rounded corners.",
        "オイル仕上げのホワイトオーク、角は丸く。",
    ),
    DemoProduct(
        "RUG-001",
        "Wool rug 200 × 140",
        "ウールラグ 200×140",
        42000,
        5,
        "Hand-tufted New Zealand wool.",
        "ニュージーランドウールのハンドタフト。",
    ),
    DemoProduct(
        "LAMP-001",
        "Washi floor lamp",
        "和紙 フロアランプ",
        32000,
        3,
        "Mino washi shade on a steel stand.",
        "美濃和紙のシェードとスチールスタンド。",
    ),
    DemoProduct(
        "LAMP-002",
        "Brass table lamp",
        "真鍮 テーブルランプ",
        18500,
        9,
        "Solid brass, dimmable.",
        "無垢の真鍮、調光可能。",
    ),
    DemoProduct(
        "TBL-002",
        "Walnut dining table",
        "ウォールナット ダイニングテーブル",
        198000,
        1,
        "Seats six; walnut from one tree.",
        "6人掛け、一本の木から。",
    ),
    DemoProduct(
        "CHR-001",
        "Ash dining chair",
        "アッシュ ダイニングチェア",
        28000,
        12,
        "Paper-cord seat, stackable.",
        "ペーパーコード座面、スタッキング可。",
    ),
    DemoProduct(
        "LAMP-003",
        "Pendant light",
        "ペンダントライト",
        46000,
        0,
        "Spun aluminium, warm white.",
        "アルミ絞り、電球色。",
    ),
    DemoProduct(
        "SHF-001",
        "Open shelf",
        "オープンシェルフ",
        74000,
        6,
        "Modular, five shelves.",
        "モジュール式、5段。",
    ),
    DemoProduct(
        "VAS-001", "Ceramic vase", "陶器の花瓶", 9800, 15, "Shigaraki stoneware.", "信楽焼。"
    ),
    DemoProduct(
        "CUS-001",
        "Linen cushion",
        "リネンクッション",
        4800,
        30,
        "Stonewashed linen, 45 × 45.",
        "ストーンウォッシュリネン、45×45。",
    ),
    DemoProduct(
        "SIDE-001",
        "Side table",
        "サイドテーブル",
        22000,
        2,
        "Round, lacquered cedar.",
        "丸型、漆塗りの杉。",
    ),
]


@dataclass(frozen=True)
class DemoStaff:
    email: str
    name: str
    role: str
    languages: tuple[str, ...]
    specialities: tuple[str, ...]


STAFF = [
    DemoStaff(
        "aiko@showroom.example",
        "佐藤 愛子 (Aiko Sato)",
        "staff",
        ("ja", "en"),
        ("sofas", "textiles"),
    ),
    DemoStaff("ken@showroom.example", "鈴木 健 (Ken Suzuki)", "staff", ("ja",), ("lighting",)),
    DemoStaff("mia@showroom.example", "Mia Tanaka", "staff", ("en", "ja"), ("dining", "storage")),
    DemoStaff(
        "yuki@showroom.example", "高橋 由紀 (Yuki Takahashi)", "supervisor", ("ja", "en"), ()
    ),
]

# Open each scene looking slightly down: the furniture, not the ceiling, fills the view.
INITIAL_PITCH = -0.15

SCENE_NAMES = {
    "entrance": ("Entrance", "エントランス"),
    "living": ("Living room", "リビング"),
    "dining": ("Dining", "ダイニング"),
}


def _seed_catalogue(session: Session, store: Store) -> dict[str, Product]:
    products = {}
    for item in PRODUCTS:
        product = Product(
            sku=item.sku,
            name_en=item.name_en,
            name_ja=item.name_ja,
            price=item.price,
            currency="JPY",
            description_en=item.description_en,
            description_ja=item.description_ja,
        )
        session.add(product)
        session.flush()
        session.add(Stock(store_id=store.id, product_id=product.id, quantity=item.stock))
        products[item.sku] = product
    return products


def _seed_staff(session: Session, store: Store) -> None:
    password_hash = hash_password(DEMO_PASSWORD)
    for person in STAFF:
        member = StaffMember(
            store_id=store.id,
            email=person.email,
            display_name=person.name,
            role=person.role,
            password_hash=password_hash,
            languages=list(person.languages),
            specialities=list(person.specialities),
        )
        session.add(member)
        session.flush()
        for weekday in range(6):  # Monday to Saturday, 10:00-13:00 and 14:00-19:00 store time
            for start, end in ((600, 780), (840, 1140)):
                session.add(
                    WeeklyAvailability(
                        staff_id=member.id, weekday=weekday, start_minute=start, end_minute=end
                    )
                )


def _seed_scenes(session: Session, store: Store, products: dict[str, Product]) -> None:
    from showroom.panorama.demo_layout import DEMO_SCENES
    from showroom.panorama.render import direction_of_doorway, product_hotspots

    scenes = {}
    for order, spec in enumerate(DEMO_SCENES):
        name_en, name_ja = SCENE_NAMES[spec.slug]
        scene = Scene(
            store_id=store.id,
            slug=spec.slug,
            name_en=name_en,
            name_ja=name_ja,
            sort_order=order,
            panorama_dir=f"{store.slug}/{spec.slug}",
            initial_pitch=INITIAL_PITCH,
        )
        session.add(scene)
        scenes[spec.slug] = scene
    session.flush()
    for spec in DEMO_SCENES:
        scene = scenes[spec.slug]
        # One hotspot per product (four chairs are one product), never on decor.
        for sku, (yaw, pitch) in product_hotspots(spec).items():
            session.add(
                Hotspot(scene_id=scene.id, yaw=yaw, pitch=pitch, product_id=products[sku].id)
            )
        for doorway in spec.doorways:
            yaw, pitch = direction_of_doorway(spec, doorway)
            session.add(
                Hotspot(
                    scene_id=scene.id,
                    yaw=yaw,
                    pitch=pitch,
                    target_scene_id=scenes[doorway.target].id,
                )
            )


def render_panoramas(session: Session, media_dir: Path, *, width: int = 4096) -> int:
    """Render and tile each demo scene whose tiles are missing; returns how many were made."""
    from showroom.panorama.demo_layout import DEMO_SCENES
    from showroom.panorama.render import render_scene
    from showroom.panorama.tiles import tile_panorama

    specs = {spec.slug: spec for spec in DEMO_SCENES}
    made = 0
    store = session.scalar(select(Store).where(Store.slug == STORE_SLUG))
    if store is None:
        return 0
    for scene in session.scalars(select(Scene).where(Scene.store_id == store.id)):
        out_dir = media_dir / str(scene.panorama_dir)
        if (out_dir / "meta.json").exists() and scene.panorama_meta:
            continue
        log.info("rendering panorama %s", scene.slug)
        scene.panorama_meta = tile_panorama(render_scene(specs[scene.slug], width=width), out_dir)
        made += 1
    return made


def seed(*, width: int = 4096) -> bool:
    """Create the demo store if absent; returns True if it was created now."""
    settings = get_settings()
    with session_scope() as session:
        created = session.scalar(select(Store.id).where(Store.slug == STORE_SLUG)) is None
        if created:
            store = Store(
                slug=STORE_SLUG,
                name_en="Showroom Aoyama",
                name_ja="ショールーム青山",
                currency="JPY",
                timezone="Asia/Tokyo",
                address_en="5-1 Minami-Aoyama, Minato-ku, Tokyo",
                address_ja="東京都港区南青山5-1",
            )
            session.add(store)
            session.flush()
            products = _seed_catalogue(session, store)
            _seed_staff(session, store)
            _seed_scenes(session, store, products)
            session.flush()
        render_panoramas(session, settings.media_dir, width=width)
    return created


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    from showroom.migrate import upgrade

    upgrade()
    print("demo store created" if seed() else "demo store already present")

"""The demo store: catalogue, staff, availability and three rendered, tiled panorama scenes.

Idempotent: running it again leaves an existing demo store alone and only re-renders
panoramas whose tiles are missing on disk. `python -m showroom.seed`
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import select
from sqlalchemy.orm import Session

from consult.models import ConsultationType, Question
from showroom.db import session_scope
from showroom.identity import hash_password
from showroom.models import Hotspot, Product, Scene, StaffMember, Stock, Store, WeeklyAvailability
from showroom.settings import get_settings
from showroom.tours.scenes import facing_most, initials

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


def _seed_consultation_types(session: Session, store: Store) -> None:
    """Two ways to book, and a short questionnaire with one conditional question."""
    short = ConsultationType(
        store_id=store.id,
        slug="quick",
        name_en="Quick question (15 min)",
        name_ja="ちょっとした相談（15分）",
        duration_minutes=15,
        slot_step_minutes=15,
        buffer_after_minutes=5,
        min_notice_minutes=60,
        description_en="A short video call about one product.",
        description_ja="1つの商品についての短いビデオ相談です。",
    )
    full = ConsultationType(
        store_id=store.id,
        slug="room",
        name_en="Room planning (30 min)",
        name_ja="お部屋のプランニング（30分）",
        duration_minutes=30,
        slot_step_minutes=15,
        buffer_before_minutes=5,
        buffer_after_minutes=10,
        min_notice_minutes=120,
        max_per_day=6,
        description_en="Plan a room with us: bring its size and photos.",
        description_ja="お部屋のサイズや写真をご用意ください。一緒にプランを考えます。",
    )
    session.add_all([short, full])
    session.flush()
    room = Question(
        consultation_type_id=full.id,
        position=0,
        kind="choice",
        required=True,
        label_en="Which room are you furnishing?",
        label_ja="どのお部屋の家具をお探しですか？",
        options=["living", "dining", "bedroom"],
    )
    has_plan = Question(
        consultation_type_id=full.id,
        position=1,
        kind="yes_no",
        required=True,
        label_en="Do you have a floor plan?",
        label_ja="間取り図はありますか？",
    )
    session.add_all([room, has_plan])
    session.flush()
    session.add_all(
        [
            Question(
                consultation_type_id=full.id,
                position=2,
                kind="text",
                required=True,
                label_en="Roughly how large is the room (m²)?",
                label_ja="お部屋のおおよその広さ（㎡）は？",
                show_if_question_id=has_plan.id,
                show_if_answer="no",
            ),
            Question(
                consultation_type_id=full.id,
                position=3,
                kind="text",
                required=False,
                label_en="Anything else we should know?",
                label_ja="その他ご要望があればお書きください。",
            ),
            Question(
                consultation_type_id=short.id,
                position=0,
                kind="text",
                required=False,
                label_en="What would you like to ask?",
                label_ja="ご相談内容をお書きください。",
            ),
        ]
    )


def _seed_scenes(session: Session, store: Store, products: dict[str, Product]) -> None:
    from showroom.tours.panorama.demo_layout import DEMO_SCENES
    from showroom.tours.panorama.render import direction_of_doorway, product_hotspots

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
            # Open facing the products, not a bare wall.
            initial_yaw=facing_most([yaw for yaw, _ in product_hotspots(spec).values()]),
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


PHOTO_COLOURS = ["#2f6f68", "#8a5a44", "#4a5d8a", "#7a4a7a"]
PHOTO_SIZE = 256


def _photo(text: str, colour: str) -> Image.Image:
    """A portrait card (a head-and-shoulders silhouette and initials): demo staff have no photos."""
    image = Image.new("RGB", (PHOTO_SIZE, PHOTO_SIZE), colour)
    draw = ImageDraw.Draw(image)
    light = (255, 255, 255)
    draw.ellipse((78, 40, 178, 140), fill=(236, 224, 210))  # head
    draw.pieslice((28, 150, 228, 350), 180, 360, fill=light)  # shoulders
    font = ImageFont.load_default(size=44)
    draw.text((PHOTO_SIZE / 2, 215), text, fill=colour, font=font, anchor="mm")
    return image


def ensure_staff_photos(session: Session, media_dir: Path) -> int:
    """Give each demo staff member a photo file; returns how many were made."""
    made = 0
    folder = media_dir / "staff"
    folder.mkdir(parents=True, exist_ok=True)
    for number, member in enumerate(session.scalars(select(StaffMember).order_by(StaffMember.id))):
        name = f"{member.email.split('@')[0]}.png"
        if member.photo == f"staff/{name}" and (folder / name).exists():
            continue
        colour = PHOTO_COLOURS[number % len(PHOTO_COLOURS)]
        _photo(initials(member.display_name), colour).save(folder / name, optimize=True)
        member.photo, made = f"staff/{name}", made + 1
    return made


# A second store, so the product panel can show stock elsewhere (no tour of its own yet).
OTHER_STORE = {
    "slug": "umeda",
    "name_en": "Showroom Umeda",
    "name_ja": "ショールーム梅田",
    "address_en": "3-1 Umeda, Kita-ku, Osaka",
    "address_ja": "大阪府大阪市北区梅田3-1",
}
OTHER_STOCK = {"SOFA-001": 1, "SOFA-002": 6, "TBL-001": 0, "LAMP-001": 8, "LAMP-002": 2,
               "TBL-002": 3, "LAMP-003": 5, "CHR-001": 20, "VAS-001": 4}  # fmt: skip

# Where the scenes stand on the floor plan (metres, x east, y north), north at yaw 0.
PLAN = {"entrance": (3.0, 0.0), "living": (3.0, 6.0), "dining": (-3.0, 5.0)}
PHOTO_VIEWS = ((40.0, (640, 480)), (75.0, (640, 480)))  # a close and a wider look


def ensure_other_store(session: Session) -> bool:
    """The second demo store with its own stock; returns True if it was created now."""
    if session.scalar(select(Store.id).where(Store.slug == OTHER_STORE["slug"])) is not None:
        return False
    store = Store(currency="JPY", timezone="Asia/Tokyo", **OTHER_STORE)
    session.add(store)
    session.flush()
    for product in session.scalars(select(Product).where(Product.sku.in_(OTHER_STOCK))):
        session.add(
            Stock(store_id=store.id, product_id=product.id, quantity=OTHER_STOCK[product.sku])
        )
    return True


def ensure_floor_plan(session: Session) -> None:
    """Place the demo scenes on the floor plan, unless someone already placed them."""
    scenes = session.scalars(
        select(Scene).join(Store).where(Store.slug == STORE_SLUG, Scene.slug.in_(PLAN))
    ).all()
    if any(s.plan_x or s.plan_y for s in scenes):
        return
    for scene in scenes:
        scene.plan_x, scene.plan_y = PLAN[scene.slug]


def product_photos(panorama: Image.Image, spec_slug: str, media_dir: Path, session: Session) -> int:
    """Photos of each product as it stands in the store, cut from the scene's panorama."""
    from showroom.tours.panorama.demo_layout import DEMO_SCENES
    from showroom.tours.panorama.render import product_hotspots

    spec = next(s for s in DEMO_SCENES if s.slug == spec_slug)
    folder = media_dir / "products"
    folder.mkdir(parents=True, exist_ok=True)
    made = 0
    for sku, (yaw, pitch) in product_hotspots(spec).items():
        product = session.scalar(select(Product).where(Product.sku == sku))
        if product is None:
            continue
        names = []
        for number, (fov, size) in enumerate(PHOTO_VIEWS, start=1):
            name = f"{sku.lower()}-{number}.jpg"
            perspective(panorama, yaw, pitch, fov, size).save(folder / name, quality=85)
            names.append(f"products/{name}")
        product.images, made = names, made + 1
    return made


def perspective(
    panorama: Image.Image, yaw: float, pitch: float, fov_deg: float, size: tuple[int, int]
) -> Image.Image:
    """A flat photo looking at (yaw, pitch) from an equirectangular panorama (yaw 0 at the
    image centre, east to the right): rendered at twice the size, then scaled down."""
    import numpy as np

    width, height = size[0] * 2, size[1] * 2
    focal = (width / 2) / math.tan(math.radians(fov_deg) / 2)
    xs, ys = np.meshgrid(np.arange(width) - width / 2 + 0.5, np.arange(height) - height / 2 + 0.5)
    up, forward = (
        -ys * math.cos(pitch) + focal * math.sin(pitch),
        ys * math.sin(pitch) + focal * math.cos(pitch),
    )
    east = xs * math.cos(yaw) + forward * math.sin(yaw)
    north = -xs * math.sin(yaw) + forward * math.cos(yaw)
    lon, lat = np.arctan2(east, north), np.arctan2(up, np.hypot(east, north))
    source = np.asarray(panorama.convert("RGB"))
    rows, cols = source.shape[:2]
    u = ((lon / (2 * math.pi) + 0.5) * cols).astype(np.int64) % cols
    v = np.clip(((0.5 - lat / math.pi) * rows).astype(np.int64), 0, rows - 1)
    return Image.fromarray(source[v, u]).resize(size, Image.Resampling.LANCZOS)


def render_panoramas(session: Session, media_dir: Path, *, width: int = 4096) -> int:
    """Render and tile each demo scene whose tiles are missing; returns how many were made."""
    from showroom.tours.panorama.demo_layout import DEMO_SCENES
    from showroom.tours.panorama.render import render_scene
    from showroom.tours.panorama.tiles import tile_panorama

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
        image = render_scene(specs[scene.slug], width=width)
        scene.panorama_meta = tile_panorama(image, out_dir)
        product_photos(image, scene.slug, media_dir, session)
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
            _seed_consultation_types(session, store)
            _seed_scenes(session, store, products)
            session.flush()
        ensure_other_store(session)
        ensure_floor_plan(session)
        render_panoramas(session, settings.media_dir, width=width)
        ensure_staff_photos(session, settings.media_dir)
    return created


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    from showroom.migrate import upgrade

    upgrade()
    print("demo store created" if seed() else "demo store already present")

"""Small builders of stored rows for tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from consult.booking import bookings
from consult.models import ConsultationType, Question
from showroom.identity import hash_password
from showroom.models import Hotspot, Product, Scene, StaffMember, Stock, Store, WeeklyAvailability

TOKYO = ZoneInfo("Asia/Tokyo")


def store(session: Session, slug: str = "aoyama") -> Store:
    row = Store(slug=slug, name_en="Showroom Aoyama", name_ja="ショールーム青山", currency="JPY")
    session.add(row)
    session.flush()
    return row


def product(
    session: Session, sku: str = "SOFA-001", price: int = 248000, **extra: object
) -> Product:
    fields: dict[str, object] = {"name_en": "Sofa", "name_ja": "ソファ", "currency": "JPY", **extra}
    row = Product(sku=sku, price=price, **fields)
    session.add(row)
    session.flush()
    return row


def stock(session: Session, store_row: Store, product_row: Product, quantity: int) -> Stock:
    row = Stock(store_id=store_row.id, product_id=product_row.id, quantity=quantity)
    session.add(row)
    session.flush()
    return row


def staff(
    session: Session,
    store_row: Store,
    email: str = "aiko@example.com",
    role: str = "staff",
    password: str = "correct horse",
) -> StaffMember:
    row = StaffMember(
        store_id=store_row.id,
        email=email,
        display_name=email.split("@")[0],
        role=role,
        password_hash=hash_password(password),
    )
    session.add(row)
    session.flush()
    return row


def scene(session: Session, store_row: Store, slug: str = "living", meta: bool = True) -> Scene:
    row = Scene(
        store_id=store_row.id,
        slug=slug,
        name_en=slug.title(),
        name_ja="リビング",
        panorama_dir=f"{store_row.slug}/{slug}",
        panorama_meta={"levels": [{"faceSize": 1024, "nbTiles": 2}]} if meta else None,
    )
    session.add(row)
    session.flush()
    return row


def hotspot(
    session: Session,
    scene_row: Scene,
    *,
    product_row: Product | None = None,
    target: Scene | None = None,
    yaw: float = 0.5,
    pitch: float = -0.1,
) -> Hotspot:
    row = Hotspot(
        scene_id=scene_row.id,
        yaw=yaw,
        pitch=pitch,
        product_id=product_row.id if product_row else None,
        target_scene_id=target.id if target else None,
    )
    session.add(row)
    session.flush()
    return row


def booking(session: Session, days_ahead: int = 2) -> tuple[int, int, datetime]:
    """A confirmed "room" booking with Aiko at 15:00 Tokyo time; (staff id, store id, start)."""
    shop = store(session)
    shop.timezone = "Asia/Tokyo"
    scene(session, shop, "living")
    aiko = staff(session, shop)
    sofa = product(session)
    kind = ConsultationType(store_id=shop.id, slug="room", name_en="Room planning",
                            name_ja="お部屋のプランニング", duration_minutes=30, min_notice_minutes=60)  # fmt: skip
    session.add(kind)
    session.flush()
    plan = Question(consultation_type_id=kind.id, kind="yes_no", required=True,
                    label_en="Do you have a floor plan?", label_ja="間取り図はありますか？")  # fmt: skip
    session.add(plan)
    session.add_all(
        WeeklyAvailability(staff_id=aiko.id, weekday=d, start_minute=0, end_minute=1440)
        for d in range(7)
    )
    session.flush()
    now = datetime.now(UTC)
    start = (now + timedelta(days=days_ahead)).astimezone(TOKYO).replace(hour=15, minute=0, second=0,
                                                                 microsecond=0)  # fmt: skip
    bookings.book(session, kind.id, start.astimezone(UTC), staff_id=aiko.id,
                  customer_name="Hanako Yamada", customer_email="hanako@example.com",
                  answers={str(plan.id): "no"}, product_id=sofa.id,
                  tour_view={"scene": "living", "yaw": 0.5, "pitch": -0.1})  # fmt: skip
    session.commit()
    return aiko.id, shop.id, start

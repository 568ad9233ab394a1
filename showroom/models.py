"""Stores, tours and catalogue, staff and their availability, tour analytics."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from showroom.db import Base, UTCDateTime, utcnow


class Store(Base):
    __tablename__ = "stores"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name_en: Mapped[str] = mapped_column(String(200))
    name_ja: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3), default="JPY")
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Tokyo")
    address_en: Mapped[str] = mapped_column(String(300), default="")
    address_ja: Mapped[str] = mapped_column(String(300), default="")
    # A walk-in caller waiting longer than this is flagged on the supervisor's board.
    queue_alert_s: Mapped[int] = mapped_column(Integer, default=120)

    scenes: Mapped[list[Scene]] = relationship(
        back_populates="store", order_by="Scene.sort_order", foreign_keys="Scene.store_id"
    )


class Scene(Base):
    """One 360° panorama of a store; `panorama_dir` holds its cubemap tiles under the media dir."""

    __tablename__ = "scenes"
    __table_args__ = (UniqueConstraint("store_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(64))
    name_en: Mapped[str] = mapped_column(String(200))
    name_ja: Mapped[str] = mapped_column(String(200))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    panorama_dir: Mapped[str | None] = mapped_column(String(300), nullable=True)
    # Tile pyramid description as written by the tiler: face sizes, tile counts, preview.
    panorama_meta: Mapped[dict[str, object] | None] = mapped_column(JSON, nullable=True)
    initial_yaw: Mapped[float] = mapped_column(Float, default=0.0)
    initial_pitch: Mapped[float] = mapped_column(Float, default=0.0)
    # Photo Sphere Viewer's zoom level 0-100 for the opening view.
    initial_zoom: Mapped[float] = mapped_column(Float, default=50.0)
    north_offset: Mapped[float] = mapped_column(Float, default=0.0)
    # Position on the store's floor plan, in metres from the plan's origin.
    plan_x: Mapped[float] = mapped_column(Float, default=0.0)
    plan_y: Mapped[float] = mapped_column(Float, default=0.0)

    store: Mapped[Store] = relationship(back_populates="scenes", foreign_keys=[store_id])
    hotspots: Mapped[list[Hotspot]] = relationship(
        back_populates="scene", foreign_keys="Hotspot.scene_id", cascade="all, delete-orphan"
    )


class Hotspot(Base):
    """A point in a scene (yaw/pitch in radians) showing a product or leading to another scene."""

    __tablename__ = "hotspots"
    __table_args__ = (
        CheckConstraint(
            "(product_id IS NOT NULL AND target_scene_id IS NULL)"
            " OR (product_id IS NULL AND target_scene_id IS NOT NULL)",
            name="product_xor_scene",
        ),
        CheckConstraint("pitch >= -1.5708 AND pitch <= 1.5708", name="pitch_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scene_id: Mapped[int] = mapped_column(ForeignKey("scenes.id", ondelete="CASCADE"), index=True)
    yaw: Mapped[float] = mapped_column(Float)
    pitch: Mapped[float] = mapped_column(Float)
    product_id: Mapped[int | None] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), nullable=True, index=True
    )
    target_scene_id: Mapped[int | None] = mapped_column(
        ForeignKey("scenes.id", ondelete="CASCADE"), nullable=True
    )

    scene: Mapped[Scene] = relationship(back_populates="hotspots", foreign_keys=[scene_id])
    product: Mapped[Product | None] = relationship()
    target_scene: Mapped[Scene | None] = relationship(foreign_keys=[target_scene_id])


class Product(Base):
    """A catalogue item. `price` is in the currency's minor unit (yen for JPY, cents for USD)."""

    __tablename__ = "products"
    __table_args__ = (CheckConstraint("price >= 0", name="price_non_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(64), unique=True)
    name_en: Mapped[str] = mapped_column(String(200))
    name_ja: Mapped[str] = mapped_column(String(200))
    description_en: Mapped[str] = mapped_column(Text, default="")
    description_ja: Mapped[str] = mapped_column(Text, default="")
    price: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3), default="JPY")
    images: Mapped[list[str]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Stock(Base):
    """`quantity` is what the store has (set by staff or the POS); `held` of it is kept for
    payment requests not yet paid (consult/commerce/stock.py). Others are offered the rest."""

    __tablename__ = "stock"
    __table_args__ = (
        CheckConstraint("quantity >= 0", name="quantity_non_negative"),
        CheckConstraint("held >= 0", name="held_non_negative"),
    )

    store_id: Mapped[int] = mapped_column(
        ForeignKey("stores.id", ondelete="CASCADE"), primary_key=True
    )
    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), primary_key=True
    )
    quantity: Mapped[int] = mapped_column(Integer, default=0)
    held: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @hybrid_property
    def available(self) -> int:
        """What customers are offered (in SQL too); below 0 if the POS set less than is held."""
        return self.quantity - self.held


class StaffMember(Base):
    """Staff and supervisors. `role` is 'staff' or 'supervisor'."""

    __tablename__ = "staff_members"
    __table_args__ = (
        CheckConstraint("role IN ('staff', 'supervisor')", name="role_known"),
        CheckConstraint("presence IN ('offline', 'available', 'away')", name="presence_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(16), default="staff")
    password_hash: Mapped[str] = mapped_column(String(255))
    photo: Mapped[str | None] = mapped_column(String(300), nullable=True)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    specialities: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # What the member of staff chose: 'available' takes walk-in calls, 'away' does not.
    # 'offline' once `presence_at` (the last sign of an open staff page) is too old.
    presence: Mapped[str] = mapped_column(String(16), default="offline")
    presence_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # When the calendar feed link was last made: it works for a year from then, and making a
    # new one (the staff page's button) stops the old one.
    feed_rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class StaffSession(Base):
    """A login. Only the SHA-256 of the token is stored, so a database leak grants no access."""

    __tablename__ = "staff_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    staff_id: Mapped[int] = mapped_column(
        ForeignKey("staff_members.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class WeeklyAvailability(Base):
    """A range of working time on one weekday (0 = Monday), minutes from midnight, store time."""

    __tablename__ = "weekly_availability"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint(
            "start_minute >= 0 AND end_minute <= 1440 AND start_minute < end_minute",
            name="minute_range",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(
        ForeignKey("staff_members.id", ondelete="CASCADE"), index=True
    )
    weekday: Mapped[int] = mapped_column(Integer)
    start_minute: Mapped[int] = mapped_column(Integer)
    end_minute: Mapped[int] = mapped_column(Integer)


class AvailabilityException(Base):
    """A date that differs from the weekly pattern: a day off (no range) or extra hours."""

    __tablename__ = "availability_exceptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(
        ForeignKey("staff_members.id", ondelete="CASCADE"), index=True
    )
    day: Mapped[date] = mapped_column(Date)
    start_minute: Mapped[int | None] = mapped_column(Integer, nullable=True)
    end_minute: Mapped[int | None] = mapped_column(Integer, nullable=True)
    note: Mapped[str] = mapped_column(String(200), default="")


class TourEvent(Base):
    """One thing a visitor did in the tour, tied to their anonymous visitor id."""

    __tablename__ = "tour_events"
    __table_args__ = (Index("ix_tour_events_scene_kind_created", "scene_id", "kind", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    visitor_id: Mapped[str] = mapped_column(String(64), index=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"), index=True)
    scene_id: Mapped[int | None] = mapped_column(
        ForeignKey("scenes.id", ondelete="SET NULL"), nullable=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    product_id: Mapped[int | None] = mapped_column(
        ForeignKey("products.id", ondelete="SET NULL"), nullable=True
    )
    yaw: Mapped[float | None] = mapped_column(Float, nullable=True)
    pitch: Mapped[float | None] = mapped_column(Float, nullable=True)
    duration_ms: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class WishListItem(Base):
    """A product an anonymous visitor kept for later; staff see it in the call."""

    __tablename__ = "wish_list_items"

    visitor_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), primary_key=True
    )
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


PANORAMA_JOB_STATUSES = ("queued", "running", "done", "failed")


class PanoramaJob(Base):
    """An uploaded panorama waiting to be, being, or having been tiled into a scene."""

    __tablename__ = "panorama_jobs"
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name="status_known"),
        CheckConstraint("progress >= 0 AND progress <= 1", name="progress_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"), index=True)
    # The scene it replaces the panorama of; None: a new scene is created when it is done.
    scene_id: Mapped[int | None] = mapped_column(
        ForeignKey("scenes.id", ondelete="SET NULL"), nullable=True
    )
    scene_slug: Mapped[str] = mapped_column(String(64))
    scene_name: Mapped[str] = mapped_column(String(200))
    source_name: Mapped[str] = mapped_column(String(255))
    # Where the upload waits until it is tiled (under the data dir); removed afterwards.
    source_path: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    error_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    error_message: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("staff_members.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class LoginFailure(Base):
    """Recent failed logins of one account or one address (by a hash of it, so mistyped
    emails are not kept): the throttle every worker reads."""

    __tablename__ = "login_failures"

    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

"""Commerce tables beside the order: stock holds, refunds, and each store's commerce rules."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from showroom.db import Base, UTCDateTime, utcnow

HOLD_STATUSES = ("held", "taken", "released")
REFUND_STATUSES = ("pending", "succeeded", "failed", "canceled")


class StockHold(Base):
    """Units of one product kept for one order from its payment request until it is paid
    (`taken`), or expires or is cancelled (`released`). Moves once, by a conditional update."""

    __tablename__ = "stock_holds"
    __table_args__ = (
        UniqueConstraint("order_id", "product_id"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("status IN ('held', 'taken', 'released')", name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    quantity: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="held", index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Refund(Base):
    """Money given back on a paid order. Created `pending` before the provider is asked (its id
    travels in the provider's metadata); settled only from the provider's signed webhook."""

    __tablename__ = "refunds"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint(
            "status IN ('pending', 'succeeded', 'failed', 'canceled')", name="status_known"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    amount: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    reason: Mapped[str] = mapped_column(Text, default="")
    # Put the refunded lines' units back in stock once the refund succeeds.
    restock: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    provider_ref: Mapped[str | None] = mapped_column(String(100), nullable=True, unique=True)
    requested_by: Mapped[int | None] = mapped_column(
        ForeignKey("staff_members.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    lines: Mapped[list[RefundLine]] = relationship(
        back_populates="refund", cascade="all, delete-orphan", order_by="RefundLine.id"
    )


class RefundLine(Base):
    """How many units of one order line a refund gives back (none: a refund by amount)."""

    __tablename__ = "refund_lines"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    refund_id: Mapped[int] = mapped_column(ForeignKey("refunds.id", ondelete="CASCADE"), index=True)
    order_line_id: Mapped[int] = mapped_column(
        ForeignKey("order_lines.id", ondelete="CASCADE"), index=True
    )
    quantity: Mapped[int] = mapped_column(Integer)
    amount: Mapped[int] = mapped_column(Integer)

    refund: Mapped[Refund] = relationship(back_populates="lines")


class StoreCommerce(Base):
    """A store's rules for selling in calls; a store without a row uses the defaults here."""

    __tablename__ = "store_commerce"
    __table_args__ = (
        CheckConstraint(
            "hold_minutes > 0 AND pickup_ready_hours >= 0 AND delivery_fee >= 0"
            " AND (free_delivery_from IS NULL OR free_delivery_from >= 0)"
            " AND tax_rate_percent >= 0 AND tax_rate_percent <= 100",
            name="values_valid",
        ),
    )

    store_id: Mapped[int] = mapped_column(
        ForeignKey("stores.id", ondelete="CASCADE"), primary_key=True
    )
    # How long a payment request keeps its stock held.
    hold_minutes: Mapped[int] = mapped_column(Integer, default=15)
    pickup_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # How long after payment an order is ready to collect here.
    pickup_ready_hours: Mapped[int] = mapped_column(Integer, default=2)
    delivery_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # Flat delivery fee (minor units), free from `free_delivery_from` (None: never free).
    delivery_fee: Mapped[int] = mapped_column(Integer, default=1100)
    free_delivery_from: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Prices include consumption tax at this rate (Japan: 10 %); receipts show the tax in it.
    tax_rate_percent: Mapped[int] = mapped_column(Integer, default=10)
    staff_may_refund: Mapped[bool] = mapped_column(Boolean, default=False)

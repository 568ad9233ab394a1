"""Bookings, consultations (calls), chat, recordings, orders and payments."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from showroom.db import Base, UTCDateTime, utcnow

BOOKING_STATUSES = ("confirmed", "cancelled", "completed", "no_show")


class ConsultationType(Base):
    """A kind of consultation a store offers (e.g. 30-minute sofa advice) and its booking rules."""

    __tablename__ = "consultation_types"
    __table_args__ = (
        UniqueConstraint("store_id", "slug"),
        CheckConstraint(
            "duration_minutes > 0 AND slot_step_minutes > 0"
            " AND buffer_before_minutes >= 0 AND buffer_after_minutes >= 0"
            " AND min_notice_minutes >= 0",
            name="minutes_valid",
        ),
        CheckConstraint("max_per_day IS NULL OR max_per_day > 0", name="max_per_day_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(64))
    name_en: Mapped[str] = mapped_column(String(200))
    name_ja: Mapped[str] = mapped_column(String(200))
    description_en: Mapped[str] = mapped_column(Text, default="")
    description_ja: Mapped[str] = mapped_column(Text, default="")
    duration_minutes: Mapped[int] = mapped_column(Integer, default=30)
    slot_step_minutes: Mapped[int] = mapped_column(Integer, default=15)
    buffer_before_minutes: Mapped[int] = mapped_column(Integer, default=0)
    buffer_after_minutes: Mapped[int] = mapped_column(Integer, default=0)
    min_notice_minutes: Mapped[int] = mapped_column(Integer, default=120)
    # Per staff member and local day, counting every booking that was not cancelled.
    max_per_day: Mapped[int | None] = mapped_column(Integer, nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    questions: Mapped[list[Question]] = relationship(
        order_by="Question.position", cascade="all, delete-orphan"
    )


class Question(Base):
    """One pre-call question. With `show_if_question_id` it is shown (and required) only when
    that question was answered with `show_if_answer` ("yes"/"no" for yes/no questions)."""

    __tablename__ = "questions"
    __table_args__ = (CheckConstraint("kind IN ('text', 'choice', 'yes_no')", name="kind_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_type_id: Mapped[int] = mapped_column(
        ForeignKey("consultation_types.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[str] = mapped_column(String(16), default="text")
    label_en: Mapped[str] = mapped_column(String(300))
    label_ja: Mapped[str] = mapped_column(String(300))
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    options: Mapped[list[str]] = mapped_column(JSON, default=list)
    show_if_question_id: Mapped[int | None] = mapped_column(
        ForeignKey("questions.id", ondelete="SET NULL"), nullable=True
    )
    show_if_answer: Mapped[str | None] = mapped_column(String(200), nullable=True)


class Booking(Base):
    __tablename__ = "bookings"
    __table_args__ = (
        CheckConstraint("starts_at < ends_at", name="time_order"),
        CheckConstraint(
            "status IN ('confirmed', 'cancelled', 'completed', 'no_show')", name="status_known"
        ),
        Index("ix_bookings_staff_id_held_from", "staff_id", "held_from"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"), index=True)
    staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_members.id", ondelete="SET NULL"), nullable=True, index=True
    )
    consultation_type_id: Mapped[int | None] = mapped_column(
        ForeignKey("consultation_types.id", ondelete="SET NULL"), nullable=True
    )
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default="confirmed")
    customer_name: Mapped[str] = mapped_column(String(120))
    customer_email: Mapped[str] = mapped_column(String(254))
    customer_phone: Mapped[str] = mapped_column(String(40), default="")
    language: Mapped[str] = mapped_column(String(5), default="ja")
    # The customer's IANA zone, for showing times in mail; empty means the store's zone.
    customer_timezone: Mapped[str] = mapped_column(String(64), default="")
    answers: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    product_id: Mapped[int | None] = mapped_column(
        ForeignKey("products.id", ondelete="SET NULL"), nullable=True
    )
    # Where the customer stood in the tour when they asked: {"scene", "yaw", "pitch"}.
    tour_view: Mapped[dict[str, object] | None] = mapped_column(JSON, nullable=True)
    visitor_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Bumped on each change so calendar apps replace the event (iCalendar SEQUENCE).
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Set when a reminder is claimed for sending: each is sent once, even across restarts.
    reminded_24h_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    reminded_1h_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The time its claims hold (buffers included) in Unix minutes, written with the claims:
    # slot search reads these two integers per booking instead of every granule.
    held_from: Mapped[int | None] = mapped_column(Integer, nullable=True)
    held_until: Mapped[int | None] = mapped_column(Integer, nullable=True)


class BookingClaim(Base):
    """One 5-minute granule of a staff member's time held by a booking (buffers included).

    The primary key (staff_id, minute) is what makes double booking impossible: two bookings
    that overlap share a granule, and the database refuses the second row.
    """

    __tablename__ = "booking_claims"

    staff_id: Mapped[int] = mapped_column(
        ForeignKey("staff_members.id", ondelete="CASCADE"), primary_key=True
    )
    # Unix time in minutes of the granule's start (a multiple of the granule length).
    minute: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    booking_id: Mapped[int] = mapped_column(
        ForeignKey("bookings.id", ondelete="CASCADE"), index=True
    )


class WaitlistEntry(Base):
    """A customer waiting for a slot on a local day, with one staff member or anyone."""

    __tablename__ = "waitlist_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"), index=True)
    consultation_type_id: Mapped[int] = mapped_column(
        ForeignKey("consultation_types.id", ondelete="CASCADE")
    )
    staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_members.id", ondelete="CASCADE"), nullable=True
    )
    day: Mapped[date] = mapped_column(Date, index=True)
    customer_name: Mapped[str] = mapped_column(String(120))
    customer_email: Mapped[str] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(5), default="ja")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Consultation(Base):
    """One video call between a customer and a member of staff."""

    __tablename__ = "consultations"
    __table_args__ = (
        CheckConstraint("status IN ('waiting', 'active', 'ended')", name="status_known"),
        CheckConstraint(
            "outcome IS NULL OR outcome IN ('sold', 'follow_up', 'no_interest')",
            name="outcome_known",
        ),
        CheckConstraint("rating IS NULL OR (rating >= 1 AND rating <= 5)", name="rating_range"),
        Index("ix_consultations_store_created", "store_id", "created_at"),
        # The live board reads the few calls not ended among a year of ended ones.
        Index("ix_consultations_status", "status", "store_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"), index=True)
    booking_id: Mapped[int | None] = mapped_column(
        ForeignKey("bookings.id", ondelete="SET NULL"), nullable=True, unique=True
    )
    staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_members.id", ondelete="SET NULL"), nullable=True, index=True
    )
    customer_name: Mapped[str] = mapped_column(String(120), default="")
    # Left with a message when nobody answered, so staff can call back.
    customer_email: Mapped[str] = mapped_column(String(254), default="")
    language: Mapped[str] = mapped_column(String(5), default="ja")
    visitor_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # A walk-in call for one named member of staff; None: whoever is available.
    requested_staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_members.id", ondelete="SET NULL"), nullable=True
    )
    # The product and the tour view that led to the call: {"scene", "yaw", "pitch", "zoom"}.
    product_id: Mapped[int | None] = mapped_column(
        ForeignKey("products.id", ondelete="SET NULL"), nullable=True
    )
    tour_view: Mapped[dict[str, object] | None] = mapped_column(JSON, nullable=True)
    audio_only: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="waiting")
    # How it ended: 'completed' (talked), 'left' (customer gave up waiting), 'unanswered'.
    end_reason: Mapped[str | None] = mapped_column(String(16), nullable=True)
    # The staff member's conclusion after the call, and their private notes.
    outcome: Mapped[str | None] = mapped_column(String(16), nullable=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The customer's stars (1-5) and optional comment, asked once after the call.
    rating: Mapped[int | None] = mapped_column(Integer, nullable=True)
    rating_comment: Mapped[str] = mapped_column(Text, default="")
    rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    messages: Mapped[list[ChatMessage]] = relationship(
        back_populates="consultation", order_by="ChatMessage.id"
    )


class ChatMessage(Base):
    __tablename__ = "chat_messages"
    __table_args__ = (
        CheckConstraint("sender IN ('customer', 'staff', 'system')", name="sender_known"),
        CheckConstraint("kind IN ('text', 'product', 'payment', 'system')", name="kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), index=True
    )
    sender: Mapped[str] = mapped_column(String(16))
    staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_members.id", ondelete="SET NULL"), nullable=True
    )
    # 'text' (body is what was typed), 'product' (a product card: payload {"product_id"}),
    # 'payment' (a payment request: payload {"order_id", "token"}), 'system' (call events).
    kind: Mapped[str] = mapped_column(String(16), default="text")
    payload: Mapped[dict[str, object] | None] = mapped_column(JSON, nullable=True)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    consultation: Mapped[Consultation] = relationship(back_populates="messages")


class ConsultationEvent(Base):
    """Something that happened in a call (queued, joined, left, reconnected, transferred,
    ended, ...), stored as it happens: the call's history for staff and supervisors."""

    __tablename__ = "consultation_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    # Who it concerns: 'customer', 'staff', 'monitor' or None for the call itself.
    role: Mapped[str | None] = mapped_column(String(16), nullable=True)
    staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_members.id", ondelete="SET NULL"), nullable=True
    )
    detail: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


RECORDING_STATUSES = (
    "awaiting_consent",  # staff asked; nothing is written until the customer accepts
    "declined",  # the customer said no: nothing was written
    "recording",
    "finalising",
    "complete",  # stopped and finalised
    "interrupted",  # the server died while recording; finalised from what was on disk
    "failed",  # a write error stopped it (what was written before is kept)
    "deleted",  # media removed (retention, a customer's request); the row stays as a record
)


class Recording(Base):
    """One recording of a call: from "start" to "stop", a WebM file per participant.

    `path` is the files' stem relative to the recordings directory; `tracks` gives, per role,
    its file name, which media it holds, its duration and its start on the recording's clock.
    """

    __tablename__ = "recordings"
    __table_args__ = (
        CheckConstraint(
            "status IN ('awaiting_consent', 'declined', 'recording', 'finalising', 'complete',"
            " 'interrupted', 'failed', 'deleted')",
            name="status_known",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), index=True
    )
    path: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(20), default="awaiting_consent")
    started_by_staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_members.id", ondelete="SET NULL"), nullable=True
    )
    requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    duration_s: Mapped[float | None] = mapped_column(nullable=True)
    size_bytes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    tracks: Mapped[dict[str, dict[str, object]]] = mapped_column(JSON, default=dict)
    audio_only: Mapped[bool] = mapped_column(Boolean, default=False)
    legal_hold: Mapped[bool] = mapped_column(Boolean, default=False)
    error: Mapped[str] = mapped_column(Text, default="")
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class RecordingConsent(Base):
    """A participant's answer to the recording notice: what they were shown, when, in which
    language, and whether they agreed. A recording refers to the consents it started on."""

    __tablename__ = "recording_consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), index=True
    )
    recording_id: Mapped[int | None] = mapped_column(
        ForeignKey("recordings.id", ondelete="SET NULL"), nullable=True, index=True
    )
    role: Mapped[str] = mapped_column(String(16), default="customer")
    accepted: Mapped[bool] = mapped_column(Boolean)
    notice_version: Mapped[int] = mapped_column(Integer)
    language: Mapped[str] = mapped_column(String(5))
    notice_text: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RecordingDeletion(Base):
    """Who deleted which recording's media, when and why (retention, a customer's request)."""

    __tablename__ = "recording_deletions"

    id: Mapped[int] = mapped_column(primary_key=True)
    recording_id: Mapped[int] = mapped_column(Integer, index=True)  # kept after the row goes
    consultation_id: Mapped[int] = mapped_column(Integer)
    store_id: Mapped[int] = mapped_column(Integer, index=True)
    staff_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # None: retention job
    reason: Mapped[str] = mapped_column(String(300))
    deleted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class StoreRecording(Base):
    """A store's recording rules; a store without a row uses the defaults here."""

    __tablename__ = "store_recording"
    __table_args__ = (
        CheckConstraint("retention_days > 0 AND notice_version > 0", name="values_valid"),
    )

    store_id: Mapped[int] = mapped_column(
        ForeignKey("stores.id", ondelete="CASCADE"), primary_key=True
    )
    # Why the store records, shown to the customer before they agree.
    purpose_en: Mapped[str] = mapped_column(Text, default="")
    purpose_ja: Mapped[str] = mapped_column(Text, default="")
    retention_days: Mapped[int] = mapped_column(Integer, default=90)
    auto_start: Mapped[bool] = mapped_column(Boolean, default=False)
    # Staff may play back their own calls' recordings (supervisors see all of the store's).
    staff_see_own: Mapped[bool] = mapped_column(Boolean, default=True)
    staff_may_download: Mapped[bool] = mapped_column(Boolean, default=False)
    # Goes up whenever the notice's content (purpose, retention) changes.
    notice_version: Mapped[int] = mapped_column(Integer, default=1)


ORDER_STATUSES = ("draft", "awaiting_payment", "expired", "paid", "cancelled")


class Order(Base):
    """`total` is in the currency's minor unit. Paid only through a verified payment webhook.

    A draft is the call's cart; a payment request fixes its lines, fee rule and hold
    (`awaiting_payment`, until `hold_expires_at`: then `expired`, and it can be sent again).
    The commerce columns are read and written by `consult/commerce/`.
    """

    __tablename__ = "orders"
    __table_args__ = (
        CheckConstraint(
            "status IN ('draft', 'awaiting_payment', 'expired', 'paid', 'cancelled')",
            name="status_known",
        ),
        CheckConstraint("total >= 0", name="total_non_negative"),
        CheckConstraint(
            "refunded_total >= 0 AND refunded_total <= total", name="refunded_within_total"
        ),
        CheckConstraint(
            "fulfilment IS NULL OR fulfilment IN ('pickup', 'delivery')", name="fulfilment_known"
        ),
        Index("ix_orders_store_paid", "store_id", "paid_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"), index=True)
    consultation_id: Mapped[int | None] = mapped_column(
        ForeignKey("consultations.id", ondelete="SET NULL"), nullable=True
    )
    status: Mapped[str] = mapped_column(String(20), default="draft")
    currency: Mapped[str] = mapped_column(String(3), default="JPY")
    total: Mapped[int] = mapped_column(Integer, default=0)
    fulfilment: Mapped[str | None] = mapped_column(String(16), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Lines only; `total` adds the delivery fee of the fulfilment chosen.
    subtotal: Mapped[int] = mapped_column(Integer, default=0)
    # Fixed when the request is sent: what delivery costs for this order (0: free).
    delivery_fee_quote: Mapped[int | None] = mapped_column(Integer, nullable=True)
    delivery_fee: Mapped[int] = mapped_column(Integer, default=0)
    pickup_store_id: Mapped[int | None] = mapped_column(
        ForeignKey("stores.id", ondelete="SET NULL"), nullable=True
    )
    ready_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # {"country", "name", "postal_code", "region", "city", "line1", "line2", "phone"}
    delivery_address: Mapped[dict[str, str] | None] = mapped_column(JSON, nullable=True)
    customer_name: Mapped[str] = mapped_column(String(120), default="")
    customer_email: Mapped[str] = mapped_column(String(254), default="")
    language: Mapped[str] = mapped_column(String(5), default="ja")
    requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    hold_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Who the sale counts for (consult/commerce/crediting.py states the rule).
    credited_staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_members.id", ondelete="SET NULL"), nullable=True, index=True
    )
    assisted_staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_members.id", ondelete="SET NULL"), nullable=True, index=True
    )
    # Sum of refunds the payment provider confirmed (from its signed webhook).
    refunded_total: Mapped[int] = mapped_column(Integer, default=0)
    # Units paid for that could no longer be taken from stock (a hold lost before payment).
    stock_short: Mapped[int] = mapped_column(Integer, default=0)
    receipt_claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    receipt_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderLine.id"
    )
    payments: Mapped[list[Payment]] = relationship(back_populates="order", order_by="Payment.id")


class OrderLine(Base):
    __tablename__ = "order_lines"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int | None] = mapped_column(
        ForeignKey("products.id", ondelete="SET NULL"), nullable=True
    )
    name: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[int] = mapped_column(Integer)

    order: Mapped[Order] = relationship(back_populates="lines")


class Payment(Base):
    """One attempt to collect an order's total through the payment gateway."""

    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    provider: Mapped[str] = mapped_column(String(16), default="stripe")
    provider_ref: Mapped[str] = mapped_column(String(100), unique=True)
    amount: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(20), default="pending")
    # Why the last attempt failed: the provider's decline or error code.
    failure_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    order: Mapped[Order] = relationship(back_populates="payments")


class WebhookEvent(Base):
    """Each provider event id applied once: the primary key makes a replay a no-op."""

    __tablename__ = "webhook_events"

    event_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    provider: Mapped[str] = mapped_column(String(16), default="stripe")
    kind: Mapped[str] = mapped_column(String(80))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

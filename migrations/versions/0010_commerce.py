"""commerce: stock holds, fulfilment, delivery fee rules, store pickup settings, refunds, credit

Revision ID: 0010_commerce
Revises: 0005
Create Date: 2026-12-07 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from showroom.db import UTCDateTime

revision: str = "0010_commerce"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_STATUSES = "status IN ('draft', 'awaiting_payment', 'paid', 'cancelled')"
NEW_STATUSES = "status IN ('draft', 'awaiting_payment', 'expired', 'paid', 'cancelled')"


def upgrade() -> None:
    with op.batch_alter_table("stock") as batch_op:
        batch_op.add_column(sa.Column("held", sa.Integer(), nullable=False, server_default="0"))
        batch_op.create_check_constraint("held_non_negative", "held >= 0")

    with op.batch_alter_table("orders") as batch_op:
        batch_op.drop_constraint("status_known", type_="check")
        batch_op.create_check_constraint("status_known", NEW_STATUSES)
        for name in ("subtotal", "delivery_fee", "refunded_total", "stock_short"):
            batch_op.add_column(sa.Column(name, sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("delivery_fee_quote", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("pickup_store_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("ready_at", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("delivery_address", sa.JSON(), nullable=True))
        batch_op.add_column(
            sa.Column("customer_name", sa.String(120), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("customer_email", sa.String(254), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("language", sa.String(5), nullable=False, server_default="ja")
        )
        for name in ("requested_at", "hold_expires_at", "receipt_claimed_at", "receipt_sent_at"):
            batch_op.add_column(sa.Column(name, UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("credited_staff_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("assisted_staff_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_orders_pickup_store_id_stores",
            "stores",
            ["pickup_store_id"],
            ["id"],
            ondelete="SET NULL",
        )
        for column in ("credited_staff_id", "assisted_staff_id"):
            batch_op.create_foreign_key(
                f"fk_orders_{column}_staff_members",
                "staff_members",
                [column],
                ["id"],
                ondelete="SET NULL",
            )
            batch_op.create_index(f"ix_orders_{column}", [column])
        batch_op.create_check_constraint(
            "refunded_within_total", "refunded_total >= 0 AND refunded_total <= total"
        )
        batch_op.create_check_constraint(
            "fulfilment_known", "fulfilment IS NULL OR fulfilment IN ('pickup', 'delivery')"
        )
    # Orders sent before this migration: their lines are their total.
    op.execute("UPDATE orders SET subtotal = total")

    with op.batch_alter_table("payments") as batch_op:
        batch_op.add_column(sa.Column("failure_code", sa.String(64), nullable=True))

    op.create_table(
        "stock_holds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("settled_at", UTCDateTime(), nullable=True),
        sa.CheckConstraint("quantity > 0", name="ck_stock_holds_quantity_positive"),
        sa.CheckConstraint(
            "status IN ('held', 'taken', 'released')", name="ck_stock_holds_status_known"
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name="fk_stock_holds_order_id_orders", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.id"], name="fk_stock_holds_store_id_stores", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name="fk_stock_holds_product_id_products",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_stock_holds"),
        sa.UniqueConstraint("order_id", "product_id", name="uq_stock_holds_order_id"),
    )
    op.create_index("ix_stock_holds_order_id", "stock_holds", ["order_id"])
    op.create_index("ix_stock_holds_status", "stock_holds", ["status"])

    op.create_table(
        "refunds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("restock", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("provider_ref", sa.String(100), nullable=True),
        sa.Column("requested_by", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("settled_at", UTCDateTime(), nullable=True),
        sa.CheckConstraint("amount > 0", name="ck_refunds_amount_positive"),
        sa.CheckConstraint(
            "status IN ('pending', 'succeeded', 'failed', 'canceled')",
            name="ck_refunds_status_known",
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name="fk_refunds_order_id_orders", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["requested_by"],
            ["staff_members.id"],
            name="fk_refunds_requested_by_staff_members",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_refunds"),
        sa.UniqueConstraint("provider_ref", name="uq_refunds_provider_ref"),
    )
    op.create_index("ix_refunds_order_id", "refunds", ["order_id"])

    op.create_table(
        "refund_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("refund_id", sa.Integer(), nullable=False),
        sa.Column("order_line_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.CheckConstraint("quantity > 0", name="ck_refund_lines_quantity_positive"),
        sa.ForeignKeyConstraint(
            ["refund_id"],
            ["refunds.id"],
            name="fk_refund_lines_refund_id_refunds",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["order_line_id"],
            ["order_lines.id"],
            name="fk_refund_lines_order_line_id_order_lines",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_refund_lines"),
    )
    op.create_index("ix_refund_lines_refund_id", "refund_lines", ["refund_id"])
    op.create_index("ix_refund_lines_order_line_id", "refund_lines", ["order_line_id"])

    op.create_table(
        "store_commerce",
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("hold_minutes", sa.Integer(), nullable=False),
        sa.Column("pickup_enabled", sa.Boolean(), nullable=False),
        sa.Column("pickup_ready_hours", sa.Integer(), nullable=False),
        sa.Column("delivery_enabled", sa.Boolean(), nullable=False),
        sa.Column("delivery_fee", sa.Integer(), nullable=False),
        sa.Column("free_delivery_from", sa.Integer(), nullable=True),
        sa.Column("tax_rate_percent", sa.Integer(), nullable=False),
        sa.Column("staff_may_refund", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "hold_minutes > 0 AND pickup_ready_hours >= 0 AND delivery_fee >= 0"
            " AND (free_delivery_from IS NULL OR free_delivery_from >= 0)"
            " AND tax_rate_percent >= 0 AND tax_rate_percent <= 100",
            name="ck_store_commerce_values_valid",
        ),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["stores.id"],
            name="fk_store_commerce_store_id_stores",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("store_id", name="pk_store_commerce"),
    )


def downgrade() -> None:
    op.drop_table("store_commerce")
    op.drop_index("ix_refund_lines_order_line_id", "refund_lines")
    op.drop_index("ix_refund_lines_refund_id", "refund_lines")
    op.drop_table("refund_lines")
    op.drop_index("ix_refunds_order_id", "refunds")
    op.drop_table("refunds")
    op.drop_index("ix_stock_holds_status", "stock_holds")
    op.drop_index("ix_stock_holds_order_id", "stock_holds")
    op.drop_table("stock_holds")
    with op.batch_alter_table("payments") as batch_op:
        batch_op.drop_column("failure_code")
    op.execute("UPDATE orders SET status = 'awaiting_payment' WHERE status = 'expired'")
    with op.batch_alter_table("orders") as batch_op:
        batch_op.drop_constraint("fulfilment_known", type_="check")
        batch_op.drop_constraint("refunded_within_total", type_="check")
        for column in ("credited_staff_id", "assisted_staff_id"):
            batch_op.drop_index(f"ix_orders_{column}")
            batch_op.drop_constraint(f"fk_orders_{column}_staff_members", type_="foreignkey")
        batch_op.drop_constraint("fk_orders_pickup_store_id_stores", type_="foreignkey")
        for name in (
            "subtotal", "delivery_fee", "refunded_total", "stock_short", "delivery_fee_quote",
            "pickup_store_id", "ready_at", "delivery_address", "customer_name", "customer_email",
            "language", "requested_at", "hold_expires_at", "receipt_claimed_at",
            "receipt_sent_at", "credited_staff_id", "assisted_staff_id",
        ):  # fmt: skip
            batch_op.drop_column(name)
        batch_op.drop_constraint("status_known", type_="check")
        batch_op.create_check_constraint("status_known", OLD_STATUSES)
    with op.batch_alter_table("stock") as batch_op:
        batch_op.drop_constraint("held_non_negative", type_="check")
        batch_op.drop_column("held")

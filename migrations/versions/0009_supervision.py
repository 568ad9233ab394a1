"""supervision: the store's queue-wait alert, customer ratings, indexes for KPIs and heatmaps

Revision ID: 0009_supervision
Revises: 0010_commerce
Create Date: 2026-12-06 08:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from showroom.db import UTCDateTime

revision: str = "0009_supervision"
down_revision: str | None = "0008_recording"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("stores") as batch_op:
        batch_op.add_column(
            sa.Column("queue_alert_s", sa.Integer(), nullable=False, server_default="120")
        )
    with op.batch_alter_table("consultations") as batch_op:
        batch_op.add_column(sa.Column("rating", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("rating_comment", sa.Text(), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("rated_at", UTCDateTime(), nullable=True))
        batch_op.create_check_constraint(
            "rating_range", "rating IS NULL OR (rating >= 1 AND rating <= 5)"
        )
    op.create_index("ix_consultations_store_created", "consultations", ["store_id", "created_at"])
    op.create_index("ix_consultations_status", "consultations", ["status", "store_id"])
    op.create_index("ix_orders_store_paid", "orders", ["store_id", "paid_at"])
    op.create_index(
        "ix_tour_events_scene_kind_created", "tour_events", ["scene_id", "kind", "created_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_tour_events_scene_kind_created", "tour_events")
    op.drop_index("ix_orders_store_paid", "orders")
    op.drop_index("ix_consultations_status", "consultations")
    op.drop_index("ix_consultations_store_created", "consultations")
    with op.batch_alter_table("consultations") as batch_op:
        batch_op.drop_constraint("rating_range", type_="check")
        batch_op.drop_column("rated_at")
        batch_op.drop_column("rating_comment")
        batch_op.drop_column("rating")
    with op.batch_alter_table("stores") as batch_op:
        batch_op.drop_column("queue_alert_s")

"""tours and calls: presence, call context and events, chat kinds, wish list, panorama jobs

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 06:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from showroom.db import UTCDateTime

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("scenes") as batch_op:
        batch_op.add_column(
            sa.Column("initial_zoom", sa.Float(), nullable=False, server_default="50")
        )
    with op.batch_alter_table("staff_members") as batch_op:
        batch_op.add_column(
            sa.Column("presence", sa.String(16), nullable=False, server_default="offline")
        )
        batch_op.add_column(sa.Column("presence_at", UTCDateTime(), nullable=True))
        batch_op.create_check_constraint(
            "presence_known", "presence IN ('offline', 'available', 'away')"
        )
    with op.batch_alter_table("consultations") as batch_op:
        batch_op.add_column(
            sa.Column("customer_email", sa.String(254), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("language", sa.String(5), nullable=False, server_default="ja")
        )
        batch_op.add_column(sa.Column("requested_staff_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("product_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("tour_view", sa.JSON(), nullable=True))
        batch_op.add_column(
            sa.Column("audio_only", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("end_reason", sa.String(16), nullable=True))
        batch_op.add_column(sa.Column("outcome", sa.String(16), nullable=True))
        batch_op.add_column(sa.Column("notes", sa.Text(), nullable=False, server_default=""))
        batch_op.create_foreign_key(
            "fk_consultations_requested_staff_id_staff_members",
            "staff_members",
            ["requested_staff_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_foreign_key(
            "fk_consultations_product_id_products",
            "products",
            ["product_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_check_constraint(
            "outcome_known", "outcome IS NULL OR outcome IN ('sold', 'follow_up', 'no_interest')"
        )
    with op.batch_alter_table("chat_messages") as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(16), nullable=False, server_default="text")
        )
        batch_op.add_column(sa.Column("payload", sa.JSON(), nullable=True))
        batch_op.create_check_constraint(
            "kind_known", "kind IN ('text', 'product', 'payment', 'system')"
        )
    # Payment requests were plain messages "pay:<token>" before they had a kind.
    op.execute("UPDATE chat_messages SET kind = 'payment' WHERE body LIKE 'pay:%'")

    op.create_table(
        "consultation_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("role", sa.String(16), nullable=True),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["consultation_id"],
            ["consultations.id"],
            name="fk_consultation_events_consultation_id_consultations",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff_members.id"],
            name="fk_consultation_events_staff_id_staff_members",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_consultation_events"),
    )
    op.create_index(
        "ix_consultation_events_consultation_id", "consultation_events", ["consultation_id"]
    )
    op.create_index("ix_consultation_events_created_at", "consultation_events", ["created_at"])

    op.create_table(
        "wish_list_items",
        sa.Column("visitor_id", sa.String(64), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name="fk_wish_list_items_product_id_products",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["stores.id"],
            name="fk_wish_list_items_store_id_stores",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("visitor_id", "product_id", name="pk_wish_list_items"),
    )
    op.create_index("ix_wish_list_items_store_id", "wish_list_items", ["store_id"])

    op.create_table(
        "panorama_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("scene_id", sa.Integer(), nullable=True),
        sa.Column("scene_slug", sa.String(64), nullable=False),
        sa.Column("scene_name", sa.String(200), nullable=False),
        sa.Column("source_name", sa.String(255), nullable=False),
        sa.Column("source_path", sa.String(500), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("error_code", sa.String(64), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'done', 'failed')",
            name=op.f("ck_panorama_jobs_status_known"),
        ),
        sa.CheckConstraint(
            "progress >= 0 AND progress <= 1", name=op.f("ck_panorama_jobs_progress_range")
        ),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["stores.id"],
            name="fk_panorama_jobs_store_id_stores",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["scene_id"],
            ["scenes.id"],
            name="fk_panorama_jobs_scene_id_scenes",
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["staff_members.id"],
            name="fk_panorama_jobs_created_by_staff_members",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_panorama_jobs"),
    )
    op.create_index("ix_panorama_jobs_store_id", "panorama_jobs", ["store_id"])
    op.create_index("ix_panorama_jobs_status", "panorama_jobs", ["status"])


def downgrade() -> None:
    op.drop_table("panorama_jobs")
    op.drop_table("wish_list_items")
    op.drop_table("consultation_events")
    with op.batch_alter_table("chat_messages") as batch_op:
        batch_op.drop_constraint("kind_known", type_="check")
        batch_op.drop_column("payload")
        batch_op.drop_column("kind")
    with op.batch_alter_table("consultations") as batch_op:
        batch_op.drop_constraint("outcome_known", type_="check")
        batch_op.drop_constraint(
            "fk_consultations_product_id_products", type_="foreignkey"
        )
        batch_op.drop_constraint(
            "fk_consultations_requested_staff_id_staff_members", type_="foreignkey"
        )
        for column in (
            "notes", "outcome", "end_reason", "audio_only", "tour_view", "product_id",
            "requested_staff_id", "language", "customer_email",
        ):  # fmt: skip
            batch_op.drop_column(column)
    with op.batch_alter_table("staff_members") as batch_op:
        batch_op.drop_constraint("presence_known", type_="check")
        batch_op.drop_column("presence_at")
        batch_op.drop_column("presence")
    with op.batch_alter_table("scenes") as batch_op:
        batch_op.drop_column("initial_zoom")

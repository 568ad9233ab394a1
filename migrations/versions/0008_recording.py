"""recording: recording states and tracks, consents, deletion log, store recording rules

Revision ID: 0008_recording
Revises: 0010_commerce
Create Date: 2026-12-06 08:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from showroom.db import UTCDateTime

revision: str = "0008_recording"
down_revision: str | None = "0006_hardening"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUSES = (
    "status IN ('awaiting_consent', 'declined', 'recording', 'finalising', 'complete',"
    " 'interrupted', 'failed', 'deleted')"
)


def upgrade() -> None:
    with op.batch_alter_table("recordings") as batch_op:
        batch_op.add_column(
            sa.Column("status", sa.String(20), nullable=False, server_default="complete")
        )
        batch_op.add_column(sa.Column("started_by_staff_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("requested_at", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("tracks", sa.JSON(), nullable=False, server_default="{}"))
        for name in ("audio_only", "legal_hold"):
            batch_op.add_column(
                sa.Column(name, sa.Boolean(), nullable=False, server_default=sa.false())
            )
        batch_op.add_column(sa.Column("error", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("deleted_at", UTCDateTime(), nullable=True))
        batch_op.create_check_constraint("status_known", STATUSES)
        batch_op.create_foreign_key(
            "fk_recordings_started_by_staff_id_staff_members",
            "staff_members",
            ["started_by_staff_id"],
            ["id"],
            ondelete="SET NULL",
        )

    op.create_table(
        "recording_consents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("recording_id", sa.Integer(), nullable=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("accepted", sa.Boolean(), nullable=False),
        sa.Column("notice_version", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(5), nullable=False),
        sa.Column("notice_text", sa.Text(), nullable=False),
        sa.Column("decided_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["consultation_id"],
            ["consultations.id"],
            name="fk_recording_consents_consultation_id_consultations",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recording_id"],
            ["recordings.id"],
            name="fk_recording_consents_recording_id_recordings",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_recording_consents"),
    )
    op.create_index(
        "ix_recording_consents_consultation_id", "recording_consents", ["consultation_id"]
    )
    op.create_index("ix_recording_consents_recording_id", "recording_consents", ["recording_id"])

    op.create_table(
        "recording_deletions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recording_id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(300), nullable=False),
        sa.Column("deleted_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_recording_deletions"),
    )
    op.create_index("ix_recording_deletions_recording_id", "recording_deletions", ["recording_id"])
    op.create_index("ix_recording_deletions_store_id", "recording_deletions", ["store_id"])

    op.create_table(
        "store_recording",
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("purpose_en", sa.Text(), nullable=False),
        sa.Column("purpose_ja", sa.Text(), nullable=False),
        sa.Column("retention_days", sa.Integer(), nullable=False),
        sa.Column("auto_start", sa.Boolean(), nullable=False),
        sa.Column("staff_see_own", sa.Boolean(), nullable=False),
        sa.Column("staff_may_download", sa.Boolean(), nullable=False),
        sa.Column("notice_version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "retention_days > 0 AND notice_version > 0", name="ck_store_recording_values_valid"
        ),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["stores.id"],
            name="fk_store_recording_store_id_stores",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("store_id", name="pk_store_recording"),
    )


def downgrade() -> None:
    op.drop_table("store_recording")
    op.drop_index("ix_recording_deletions_store_id", table_name="recording_deletions")
    op.drop_index("ix_recording_deletions_recording_id", table_name="recording_deletions")
    op.drop_table("recording_deletions")
    op.drop_index("ix_recording_consents_recording_id", table_name="recording_consents")
    op.drop_index("ix_recording_consents_consultation_id", table_name="recording_consents")
    op.drop_table("recording_consents")
    with op.batch_alter_table("recordings") as batch_op:
        batch_op.drop_constraint("fk_recordings_started_by_staff_id_staff_members")
        batch_op.drop_constraint("status_known", type_="check")
        for name in (
            "deleted_at",
            "error",
            "legal_hold",
            "audio_only",
            "tracks",
            "requested_at",
            "started_by_staff_id",
            "status",
        ):
            batch_op.drop_column(name)

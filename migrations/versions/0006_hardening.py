"""hardening: failed logins (the login throttle), when each calendar feed link was made

Revision ID: 0006_hardening
Revises: 0010_commerce
Create Date: 2026-12-06 08:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from showroom.db import UTCDateTime

revision: str = "0006_hardening"
down_revision: str | None = "0010_commerce"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "login_failures",
        sa.Column("key_hash", sa.String(64), primary_key=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failed_at", UTCDateTime(), nullable=False),
        sa.Column("locked_until", UTCDateTime(), nullable=True),
    )
    with op.batch_alter_table("staff_members") as batch_op:
        batch_op.add_column(sa.Column("feed_rotated_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("staff_members") as batch_op:
        batch_op.drop_column("feed_rotated_at")
    op.drop_table("login_failures")

"""one call per booking

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 12:47:12
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Two browsers joining a booked call at once must end up in the same call.
    with op.batch_alter_table("consultations") as batch_op:
        batch_op.create_unique_constraint("uq_consultations_booking_id", ["booking_id"])


def downgrade() -> None:
    with op.batch_alter_table("consultations") as batch_op:
        batch_op.drop_constraint("uq_consultations_booking_id", type_="unique")

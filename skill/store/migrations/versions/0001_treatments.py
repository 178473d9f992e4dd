"""Treatments reported by each Alexa user.

Revision ID: 0001
Revises:
Create Date: 2026-11-27 20:40:00

"""

from typing import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # skill.store.UTCDateTime is DateTime(timezone=True) underneath; a migration
    # spells out the database type so it stays valid whatever the model becomes.
    op.create_table(
        "treatments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alexa_user_id", sa.String(length=512), nullable=False),
        sa.Column("treated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_treatments")),
        sa.UniqueConstraint(
            "alexa_user_id", "treated_at", name=op.f("uq_treatments_alexa_user_id_treated_at")
        ),
    )
    op.create_index(op.f("ix_treatments_alexa_user_id"), "treatments", ["alexa_user_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_treatments_alexa_user_id"), table_name="treatments")
    op.drop_table("treatments")

"""Reminders the skill created for a patient through Alexa's Reminders API.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 10:00:00

"""

from typing import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("treated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("milestone", sa.String(length=100), nullable=False),
        sa.Column("alert_token", sa.String(length=500), nullable=False),
        sa.Column("rings_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_reminders_patient_id_patients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminders")),
        sa.UniqueConstraint("alert_token", name=op.f("uq_reminders_alert_token")),
        sa.UniqueConstraint(
            "patient_id",
            "treated_at",
            "milestone",
            name=op.f("uq_reminders_patient_id_treated_at_milestone"),
        ),
    )
    op.create_index(op.f("ix_reminders_patient_id"), "reminders", ["patient_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_reminders_patient_id"), table_name="reminders")
    op.drop_table("reminders")

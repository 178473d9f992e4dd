"""Check-ins: how a linked patient is, sent to her clinic's inbox.

A new table only; nothing existing changes.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 10:00:00

"""

from typing import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _words(name: str) -> sa.Column:
    return sa.Column(name, sa.String(length=200), nullable=True)


def upgrade() -> None:
    op.create_table(
        "check_ins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        _words("heard"),
        _words("symptom_id"),
        _words("symptom_name"),
        sa.Column("unexpected", sa.Boolean(), nullable=False),
        sa.Column("answer", sa.String(length=1000), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("treated_at", sa.DateTime(timezone=True), nullable=True),
        _words("request_id"),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reviewed_by", sa.String(length=320), nullable=True),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_check_ins_patient_id_patients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_check_ins")),
        sa.UniqueConstraint(
            "patient_id", "request_id", name=op.f("uq_check_ins_patient_id_request_id")
        ),
    )
    op.create_index(op.f("ix_check_ins_patient_id"), "check_ins", ["patient_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_check_ins_patient_id"), table_name="check_ins")
    op.drop_table("check_ins")

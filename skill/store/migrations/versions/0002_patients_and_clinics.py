"""Patients own treatments; clinics, their staff, staff sessions and sign-in failures.

Every self-reported treatment is carried over: each Alexa user id that has
treatments becomes one self-reported patient (created when her first
treatment was recorded), and her treatments point at her.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 10:00:00

"""

from typing import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "clinics",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clinics")),
    )
    op.create_table(
        "staff_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("is_admin", sa.Boolean(), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=True),
        sa.Column("setup_token_hash", sa.String(length=64), nullable=True),
        sa.Column("setup_token_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["clinic_id"],
            ["clinics.id"],
            name=op.f("fk_staff_accounts_clinic_id_clinics"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_accounts")),
        sa.UniqueConstraint("email", name=op.f("uq_staff_accounts_email")),
        sa.UniqueConstraint("setup_token_hash", name=op.f("uq_staff_accounts_setup_token_hash")),
    )
    op.create_index(op.f("ix_staff_accounts_clinic_id"), "staff_accounts", ["clinic_id"])
    op.create_table(
        "staff_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff_accounts.id"],
            name=op.f("fk_staff_sessions_staff_id_staff_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_staff_sessions_token_hash")),
    )
    op.create_index(op.f("ix_staff_sessions_staff_id"), "staff_sessions", ["staff_id"])
    op.create_table(
        "sign_in_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_hash", sa.String(length=64), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_failures")),
    )
    for column in ("account_hash", "address", "failed_at"):
        op.create_index(op.f(f"ix_sign_in_failures_{column}"), "sign_in_failures", [column])
    op.create_table(
        "patients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alexa_user_id", sa.String(length=512), nullable=True),
        sa.Column("clinic_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("clinic_reference", sa.String(length=64), nullable=True),
        sa.Column("date_of_birth", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(alexa_user_id IS NULL) <> (clinic_id IS NULL)",
            name=op.f("ck_patients_one_owner"),
        ),
        sa.ForeignKeyConstraint(
            ["clinic_id"],
            ["clinics.id"],
            name=op.f("fk_patients_clinic_id_clinics"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patients")),
        sa.UniqueConstraint("alexa_user_id", name=op.f("uq_patients_alexa_user_id")),
        sa.UniqueConstraint(
            "clinic_id", "clinic_reference", name=op.f("uq_patients_clinic_id_clinic_reference")
        ),
    )
    op.create_index(op.f("ix_patients_clinic_id"), "patients", ["clinic_id"])

    # Each Alexa user with treatments becomes a self-reported patient.
    op.add_column("treatments", sa.Column("patient_id", sa.Integer(), nullable=True))
    op.execute(
        "INSERT INTO patients (alexa_user_id, created_at) "
        "SELECT alexa_user_id, MIN(recorded_at) FROM treatments GROUP BY alexa_user_id"
    )
    op.execute(
        "UPDATE treatments SET patient_id = "
        "(SELECT patients.id FROM patients WHERE patients.alexa_user_id = treatments.alexa_user_id)"
    )

    # SQLite cannot alter columns or constraints in place: batch mode rebuilds the table.
    with op.batch_alter_table("treatments") as batch:
        batch.drop_constraint("uq_treatments_alexa_user_id_treated_at", type_="unique")
        batch.drop_index("ix_treatments_alexa_user_id")
        batch.drop_column("alexa_user_id")
        batch.alter_column("patient_id", existing_type=sa.Integer(), nullable=False)
        batch.add_column(sa.Column("timezone", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("treated_areas", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("session_number", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("recorded_by_staff_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_treatments_patient_id_patients"),
            "patients",
            ["patient_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch.create_foreign_key(
            op.f("fk_treatments_recorded_by_staff_id_staff_accounts"),
            "staff_accounts",
            ["recorded_by_staff_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_unique_constraint(
            op.f("uq_treatments_patient_id_treated_at"), ["patient_id", "treated_at"]
        )
        batch.create_index(op.f("ix_treatments_patient_id"), ["patient_id"])


def downgrade() -> None:
    # Revision 0001 knows only self-reported treatments: a clinic's records
    # have nowhere to go back to and are dropped with the clinic tables.
    op.add_column("treatments", sa.Column("alexa_user_id", sa.String(length=512), nullable=True))
    op.execute(
        "UPDATE treatments SET alexa_user_id = "
        "(SELECT patients.alexa_user_id FROM patients WHERE patients.id = treatments.patient_id)"
    )
    op.execute("DELETE FROM treatments WHERE alexa_user_id IS NULL")
    with op.batch_alter_table("treatments") as batch:
        batch.drop_index("ix_treatments_patient_id")
        batch.drop_constraint("uq_treatments_patient_id_treated_at", type_="unique")
        batch.drop_constraint("fk_treatments_recorded_by_staff_id_staff_accounts", "foreignkey")
        batch.drop_constraint("fk_treatments_patient_id_patients", type_="foreignkey")
        for column in ("recorded_by_staff_id", "session_number", "treated_areas", "timezone"):
            batch.drop_column(column)
        batch.drop_column("patient_id")
        batch.alter_column("alexa_user_id", existing_type=sa.String(length=512), nullable=False)
        batch.create_unique_constraint(
            "uq_treatments_alexa_user_id_treated_at", ["alexa_user_id", "treated_at"]
        )
        batch.create_index("ix_treatments_alexa_user_id", ["alexa_user_id"])
    op.drop_index(op.f("ix_patients_clinic_id"), table_name="patients")
    op.drop_table("patients")
    for column in ("failed_at", "address", "account_hash"):
        op.drop_index(op.f(f"ix_sign_in_failures_{column}"), table_name="sign_in_failures")
    op.drop_table("sign_in_failures")
    op.drop_index(op.f("ix_staff_sessions_staff_id"), table_name="staff_sessions")
    op.drop_table("staff_sessions")
    op.drop_index(op.f("ix_staff_accounts_clinic_id"), table_name="staff_accounts")
    op.drop_table("staff_accounts")
    op.drop_table("clinics")

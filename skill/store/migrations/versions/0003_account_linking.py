"""Account linking: OAuth clients, linking codes, links, authorization codes, issued tokens.

New tables only; nothing existing changes. Codes and tokens are kept as hashes.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 11:00:00

"""

from typing import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Each new table and the columns it indexes.
INDEXED = {
    "account_links": ("alexa_user_id", "client_id", "patient_id"),
    "linking_codes": ("patient_id",),
    "authorization_codes": ("client_id", "link_id", "patient_id"),
    "issued_tokens": ("link_id",),
}


def _instant(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _hash(name: str) -> sa.Column:
    return sa.Column(name, sa.String(length=64), nullable=False)


def _references(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        [f"{target}.id"],
        name=op.f(f"fk_{table}_{column}_{target}"),
        ondelete=ondelete,
    )


def upgrade() -> None:
    op.create_table(
        "oauth_clients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        _hash("secret_hash"),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("redirect_uris", sa.JSON(), nullable=False),
        sa.Column("auth_method", sa.String(length=32), nullable=False),
        sa.Column("scope", sa.String(length=200), nullable=False),
        _instant("created_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oauth_clients")),
        sa.UniqueConstraint("client_id", name=op.f("uq_oauth_clients_client_id")),
    )
    op.create_table(
        "account_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        _instant("linked_at"),
        _instant("revoked_at", nullable=True),
        sa.Column("alexa_user_id", sa.String(length=512), nullable=True),
        _instant("announced_at", nullable=True),
        _references("account_links", "client_id", "oauth_clients", "CASCADE"),
        _references("account_links", "patient_id", "patients", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_links")),
    )
    op.create_table(
        "linking_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        _hash("code_hash"),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("issued_by_staff_id", sa.Integer(), nullable=True),
        _instant("issued_at"),
        _instant("expires_at"),
        _instant("used_at", nullable=True),
        _instant("revoked_at", nullable=True),
        sa.Column("wrong_birth_dates", sa.Integer(), nullable=False),
        _references("linking_codes", "issued_by_staff_id", "staff_accounts", "SET NULL"),
        _references("linking_codes", "patient_id", "patients", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_linking_codes")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_linking_codes_code_hash")),
    )
    op.create_table(
        "authorization_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        _hash("code_hash"),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("redirect_uri", sa.String(length=1000), nullable=False),
        sa.Column("scope", sa.String(length=200), nullable=False),
        sa.Column("code_challenge", sa.String(length=128), nullable=False),
        sa.Column("code_challenge_method", sa.String(length=16), nullable=False),
        _instant("issued_at"),
        _instant("expires_at"),
        sa.Column("link_id", sa.Integer(), nullable=True),
        _references("authorization_codes", "client_id", "oauth_clients", "CASCADE"),
        _references("authorization_codes", "link_id", "account_links", "CASCADE"),
        _references("authorization_codes", "patient_id", "patients", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_authorization_codes")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_authorization_codes_code_hash")),
    )
    op.create_table(
        "issued_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("link_id", sa.Integer(), nullable=False),
        _hash("access_token_hash"),
        _hash("refresh_token_hash"),
        sa.Column("scope", sa.String(length=200), nullable=False),
        _instant("issued_at"),
        _instant("access_expires_at"),
        _instant("refresh_expires_at"),
        _instant("rotated_at", nullable=True),
        _references("issued_tokens", "link_id", "account_links", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_issued_tokens")),
        sa.UniqueConstraint("access_token_hash", name=op.f("uq_issued_tokens_access_token_hash")),
        sa.UniqueConstraint("refresh_token_hash", name=op.f("uq_issued_tokens_refresh_token_hash")),
    )
    for table, columns in INDEXED.items():
        for column in columns:
            op.create_index(op.f(f"ix_{table}_{column}"), table, [column])


def downgrade() -> None:
    for table in ("issued_tokens", "authorization_codes", "linking_codes", "account_links"):
        for column in INDEXED[table]:
            op.drop_index(op.f(f"ix_{table}_{column}"), table_name=table)
        op.drop_table(table)
    op.drop_table("oauth_clients")

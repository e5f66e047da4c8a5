"""clerk session versions (logout and revocation) and failed logins (throttling)

Revision ID: 0005
Revises: 0004

A token carries its clerk's session version: logging out, deactivating a clerk, moving
them to another platform or changing their role raises the version, and every token
issued before stops working at once. Failed logins are kept to limit attempts per
username and per address.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("clerks", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("session_version", sa.Integer(), nullable=False, server_default="1")
        )
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=40), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failures")),
    )
    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        for column in ("username", "address", "occurred_at"):
            batch_op.create_index(batch_op.f(f"ix_login_failures_{column}"), [column])


def downgrade() -> None:
    op.drop_table("login_failures")
    with op.batch_alter_table("clerks", schema=None) as batch_op:
        batch_op.drop_column("session_version")

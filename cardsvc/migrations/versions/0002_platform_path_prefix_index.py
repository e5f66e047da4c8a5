"""platforms.path prefix index (text_pattern_ops on PostgreSQL)

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Jurisdiction is a path prefix (LIKE 'prefix%'); under a non-C collation PostgreSQL
    # can use a btree index for it only with text_pattern_ops. SQLite's index stays.
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("ix_platforms_path", table_name="platforms")
    op.create_index(
        "ix_platforms_path",
        "platforms",
        ["path"],
        postgresql_ops={"path": "text_pattern_ops"},
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("ix_platforms_path", table_name="platforms")
    op.create_index("ix_platforms_path", "platforms", ["path"])

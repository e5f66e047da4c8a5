"""residents' (name, platform_id) index: finding a resident by name within a jurisdiction

Revision ID: 0006_resident_lookup
Revises: 0005
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0006_resident_lookup"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


_INDEX = "ix_residents_name_platform_id"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        op.create_index(_INDEX, "residents", ["name", "platform_id"])
        return
    # Built without blocking registrations on a large register (outside the migration's
    # transaction: PostgreSQL builds an index concurrently only there).
    with op.get_context().autocommit_block():
        op.create_index(
            _INDEX, "residents", ["name", "platform_id"], postgresql_concurrently=True
        )


def downgrade() -> None:
    op.drop_index(_INDEX, table_name="residents")

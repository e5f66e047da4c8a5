"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-27 08:35:48.199510
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_events",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("clerk_id", sa.Integer(), nullable=True),
        sa.Column("window_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("purpose", sa.String(length=100), nullable=True),
        sa.Column("subject_type", sa.String(length=20), nullable=False),
        sa.Column("subject_id", sa.String(length=40), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("previous_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_events")),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_audit_events_subject_id"), ["subject_id"], unique=False
        )

    op.create_table(
        "blacklist_entries",
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("card_number", sa.String(length=9), nullable=False),
        sa.Column("card_identification_code", sa.String(length=32), nullable=True),
        sa.Column("action", sa.String(length=6), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_blacklist_entries")),
    )
    with op.batch_alter_table("blacklist_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_blacklist_entries_card_number"), ["card_number"], unique=False
        )

    op.create_table(
        "platforms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("base_name", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("unified_code", sa.String(length=12), nullable=False),
        sa.Column("path", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["platforms.id"], name=op.f("fk_platforms_parent_id_platforms")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_platforms")),
        sa.UniqueConstraint("unified_code", name=op.f("uq_platforms_unified_code")),
    )
    with op.batch_alter_table("platforms", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_platforms_parent_id"), ["parent_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_platforms_path"), ["path"], unique=False)

    op.create_table(
        "clerks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=40), nullable=False),
        sa.Column("display_name", sa.String(length=40), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=24), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("certified", sa.Boolean(), nullable=False),
        sa.Column("certified_on", sa.Date(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["platform_id"], ["platforms.id"], name=op.f("fk_clerks_platform_id_platforms")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clerks")),
        sa.UniqueConstraint("username", name=op.f("uq_clerks_username")),
    )
    with op.batch_alter_table("clerks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_clerks_platform_id"), ["platform_id"], unique=False)

    op.create_table(
        "residents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("social_security_number", sa.String(length=18), nullable=False),
        sa.Column("name", sa.String(length=30), nullable=False),
        sa.Column("sex", sa.String(length=1), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("ethnic_group", sa.String(length=2), nullable=False),
        sa.Column("household_registration", sa.String(length=200), nullable=False),
        sa.Column("current_address", sa.String(length=200), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["platform_id"], ["platforms.id"], name=op.f("fk_residents_platform_id_platforms")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_residents")),
        sa.UniqueConstraint(
            "social_security_number", name=op.f("uq_residents_social_security_number")
        ),
    )
    with op.batch_alter_table("residents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_residents_platform_id"), ["platform_id"], unique=False)

    op.create_table(
        "windows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["platform_id"], ["platforms.id"], name=op.f("fk_windows_platform_id_platforms")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_windows")),
        sa.UniqueConstraint("code", name=op.f("uq_windows_code")),
    )
    with op.batch_alter_table("windows", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_windows_platform_id"), ["platform_id"], unique=False)

    op.create_table(
        "cards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("card_number", sa.String(length=9), nullable=False),
        sa.Column("card_identification_code", sa.String(length=32), nullable=True),
        sa.Column("generation", sa.String(length=4), nullable=False),
        sa.Column("key_version", sa.Integer(), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=True),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("predecessor_id", sa.Integer(), nullable=True),
        sa.Column("order_reason", sa.String(length=12), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["predecessor_id"], ["cards.id"], name=op.f("fk_cards_predecessor_id_cards")
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["residents.id"], name=op.f("fk_cards_resident_id_residents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cards")),
        sa.UniqueConstraint(
            "card_identification_code", name=op.f("uq_cards_card_identification_code")
        ),
        sa.UniqueConstraint("card_number", name=op.f("uq_cards_card_number")),
    )
    with op.batch_alter_table("cards", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cards_resident_id"), ["resident_id"], unique=False)
        batch_op.create_index(
            "uq_cards_one_pending_per_resident",
            ["resident_id"],
            unique=True,
            sqlite_where=sa.text("status IN ('in_production', 'issued')"),
            postgresql_where=sa.text("status IN ('in_production', 'issued')"),
        )
        batch_op.create_index(
            "uq_cards_one_usable_per_resident",
            ["resident_id"],
            unique=True,
            sqlite_where=sa.text("status IN ('locked', 'normal', 'temporarily_lost')"),
            postgresql_where=sa.text("status IN ('locked', 'normal', 'temporarily_lost')"),
        )

    op.create_table(
        "idempotency_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clerk_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("response", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["clerk_id"], ["clerks.id"], name=op.f("fk_idempotency_records_clerk_id_clerks")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_records")),
        sa.UniqueConstraint("clerk_id", "key", name=op.f("uq_idempotency_records_clerk_id_key")),
    )
    op.create_table(
        "card_status_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("card_id", sa.Integer(), nullable=False),
        sa.Column("from_status", sa.String(length=20), nullable=True),
        sa.Column("to_status", sa.String(length=20), nullable=False),
        sa.Column("event", sa.String(length=24), nullable=True),
        sa.Column("reason", sa.String(length=100), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("clerk_id", sa.Integer(), nullable=True),
        sa.Column("window_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["card_id"], ["cards.id"], name=op.f("fk_card_status_changes_card_id_cards")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_card_status_changes")),
    )
    with op.batch_alter_table("card_status_changes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_card_status_changes_card_id"), ["card_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("card_status_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_card_status_changes_card_id"))

    op.drop_table("card_status_changes")
    op.drop_table("idempotency_records")
    with op.batch_alter_table("cards", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_cards_one_usable_per_resident",
            sqlite_where=sa.text("status IN ('locked', 'normal', 'temporarily_lost')"),
            postgresql_where=sa.text("status IN ('locked', 'normal', 'temporarily_lost')"),
        )
        batch_op.drop_index(
            "uq_cards_one_pending_per_resident",
            sqlite_where=sa.text("status IN ('in_production', 'issued')"),
            postgresql_where=sa.text("status IN ('in_production', 'issued')"),
        )
        batch_op.drop_index(batch_op.f("ix_cards_resident_id"))

    op.drop_table("cards")
    with op.batch_alter_table("windows", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_windows_platform_id"))

    op.drop_table("windows")
    with op.batch_alter_table("residents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_residents_platform_id"))

    op.drop_table("residents")
    with op.batch_alter_table("clerks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_clerks_platform_id"))

    op.drop_table("clerks")
    with op.batch_alter_table("platforms", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_platforms_path"))
        batch_op.drop_index(batch_op.f("ix_platforms_parent_id"))

    op.drop_table("platforms")
    with op.batch_alter_table("blacklist_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_blacklist_entries_card_number"))

    op.drop_table("blacklist_entries")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_events_subject_id"))

    op.drop_table("audit_events")

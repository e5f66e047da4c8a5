"""applications through the two tiers, employment records and labour cases

Revision ID: 0007_records
Revises: 0006_resident_lookup

Applications (受理 → 初审 → 审批) with each step's clerk, window, time and note; local
time limits per business item; the employment records approval writes: registrations
with their 就业创业证 numbers (a sequence per county and year), hardship recognitions,
guaranteed loans, skill records and entrepreneurship services; labour cases (complaints
and mediation) with their progress; residents' ratings of window service; residents'
online accounts.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_records"
down_revision: str | None = "0006_resident_lookup"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "certificate_sequences",
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("region_code", "year", name=op.f("pk_certificate_sequences")),
    )
    op.create_table(
        "applications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_code", sa.String(length=40), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "submitted",
                "reviewed",
                "approved",
                "rejected",
                name="status",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("documents", sa.JSON(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=60), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["platform_id"], ["platforms.id"], name=op.f("fk_applications_platform_id_platforms")
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["residents.id"], name=op.f("fk_applications_resident_id_residents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_applications")),
    )
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.create_index(
            "ix_applications_queue", ["status", "platform_id", "due_at"], unique=False
        )
        batch_op.create_index("ix_applications_resident", ["resident_id", "status"], unique=False)

    op.create_table(
        "item_time_limits",
        sa.Column("item_code", sa.String(length=40), nullable=False),
        sa.Column("working_days", sa.Integer(), nullable=False),
        sa.Column("set_by", sa.Integer(), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["set_by"], ["clerks.id"], name=op.f("fk_item_time_limits_set_by_clerks")
        ),
        sa.PrimaryKeyConstraint("item_code", name=op.f("pk_item_time_limits")),
    )
    op.create_table(
        "application_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column(
            "step",
            sa.Enum(
                "submit", "review", "approve", "reject", name="step", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column(
            "status_after",
            sa.Enum(
                "submitted",
                "reviewed",
                "approved",
                "rejected",
                name="status",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("clerk_id", sa.Integer(), nullable=False),
        sa.Column("window_id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_application_steps_application_id_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["clerk_id"], ["clerks.id"], name=op.f("fk_application_steps_clerk_id_clerks")
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["platforms.id"],
            name=op.f("fk_application_steps_platform_id_platforms"),
        ),
        sa.ForeignKeyConstraint(
            ["window_id"], ["windows.id"], name=op.f("fk_application_steps_window_id_windows")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_application_steps")),
    )
    with op.batch_alter_table("application_steps", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_application_steps_application_id"), ["application_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_application_steps_clerk_id"), ["clerk_id"], unique=False
        )

    op.create_table(
        "employment_registrations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "employment", "unemployment", name="registrationkind", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column("certificate_number", sa.String(length=16), nullable=False),
        sa.Column("registered_on", sa.Date(), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("employer_name", sa.String(length=100), nullable=True),
        sa.Column("reason", sa.String(length=100), nullable=True),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_employment_registrations_application_id_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["platforms.id"],
            name=op.f("fk_employment_registrations_platform_id_platforms"),
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"],
            ["residents.id"],
            name=op.f("fk_employment_registrations_resident_id_residents"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_employment_registrations")),
        sa.UniqueConstraint(
            "certificate_number", name=op.f("uq_employment_registrations_certificate_number")
        ),
    )
    with op.batch_alter_table("employment_registrations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_employment_registrations_resident", ["resident_id", "ended_on"], unique=False
        )

    op.create_table(
        "entrepreneurship_services",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "consulting",
                "training",
                "incubation",
                "subsidy",
                name="entrepreneurshipservicekind",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("given_on", sa.Date(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_entrepreneurship_services_application_id_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["platforms.id"],
            name=op.f("fk_entrepreneurship_services_platform_id_platforms"),
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"],
            ["residents.id"],
            name=op.f("fk_entrepreneurship_services_resident_id_residents"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_entrepreneurship_services")),
    )
    with op.batch_alter_table("entrepreneurship_services", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_entrepreneurship_services_resident_id"), ["resident_id"], unique=False
        )

    op.create_table(
        "guaranteed_loans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("amount_fen", sa.Integer(), nullable=False),
        sa.Column("term_months", sa.Integer(), nullable=False),
        sa.Column("business_name", sa.String(length=100), nullable=False),
        sa.Column("approved_on", sa.Date(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_guaranteed_loans_application_id_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["platforms.id"],
            name=op.f("fk_guaranteed_loans_platform_id_platforms"),
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"],
            ["residents.id"],
            name=op.f("fk_guaranteed_loans_resident_id_residents"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guaranteed_loans")),
    )
    with op.batch_alter_table("guaranteed_loans", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_guaranteed_loans_resident_id"), ["resident_id"], unique=False
        )

    op.create_table(
        "hardship_recognitions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column(
            "category",
            sa.Enum(
                "older_worker",
                "disabled",
                "zero_employment_family",
                "minimum_living_allowance",
                "long_term_unemployed",
                "land_lost_farmer",
                name="hardshipcategory",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("measures", sa.JSON(), nullable=False),
        sa.Column("recognised_on", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_hardship_recognitions_application_id_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["platforms.id"],
            name=op.f("fk_hardship_recognitions_platform_id_platforms"),
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"],
            ["residents.id"],
            name=op.f("fk_hardship_recognitions_resident_id_residents"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hardship_recognitions")),
    )
    with op.batch_alter_table("hardship_recognitions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_hardship_recognitions_resident_id"), ["resident_id"], unique=False
        )

    op.create_table(
        "skill_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("course", sa.String(length=100), nullable=False),
        sa.Column("institution", sa.String(length=100), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=False),
        sa.Column("occupation", sa.String(length=60), nullable=True),
        sa.Column("level", sa.Integer(), nullable=True),
        sa.Column("certificate_number", sa.String(length=30), nullable=True),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_skill_records_application_id_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"], ["platforms.id"], name=op.f("fk_skill_records_platform_id_platforms")
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["residents.id"], name=op.f("fk_skill_records_resident_id_residents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_skill_records")),
        sa.UniqueConstraint("certificate_number", name="uq_skill_certificate"),
    )
    with op.batch_alter_table("skill_records", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_skill_records_resident_id"), ["resident_id"], unique=False
        )

    op.create_table(
        "labour_cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("complaint", "mediation", name="casekind", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("employer_name", sa.String(length=100), nullable=False),
        sa.Column("employer_credit_code", sa.String(length=18), nullable=True),
        sa.Column("summary", sa.String(length=500), nullable=False),
        sa.Column("amount_claimed_fen", sa.Integer(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "received", "handling", "closed", name="casestatus", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column(
            "outcome",
            sa.Enum(
                "mediated",
                "rectified",
                "referred_to_arbitration",
                "unfounded",
                "withdrawn",
                name="outcome",
                native_enum=False,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["platform_id"], ["platforms.id"], name=op.f("fk_labour_cases_platform_id_platforms")
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["residents.id"], name=op.f("fk_labour_cases_resident_id_residents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_labour_cases")),
    )
    with op.batch_alter_table("labour_cases", schema=None) as batch_op:
        batch_op.create_index(
            "ix_labour_cases_queue", ["status", "platform_id", "due_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_labour_cases_resident_id"), ["resident_id"], unique=False
        )

    op.create_table(
        "labour_case_progress",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column(
            "status_after",
            sa.Enum(
                "received", "handling", "closed", name="casestatus", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column("clerk_id", sa.Integer(), nullable=False),
        sa.Column("window_id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["labour_cases.id"],
            name=op.f("fk_labour_case_progress_case_id_labour_cases"),
        ),
        sa.ForeignKeyConstraint(
            ["clerk_id"], ["clerks.id"], name=op.f("fk_labour_case_progress_clerk_id_clerks")
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["platforms.id"],
            name=op.f("fk_labour_case_progress_platform_id_platforms"),
        ),
        sa.ForeignKeyConstraint(
            ["window_id"], ["windows.id"], name=op.f("fk_labour_case_progress_window_id_windows")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_labour_case_progress")),
    )
    with op.batch_alter_table("labour_case_progress", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_labour_case_progress_case_id"), ["case_id"], unique=False
        )

    op.create_table(
        "ratings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("service_ref", sa.String(length=60), nullable=False),
        sa.Column("clerk_id", sa.Integer(), nullable=False),
        sa.Column("window_id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("rated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("comment", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["clerk_id"], ["clerks.id"], name=op.f("fk_ratings_clerk_id_clerks")
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"], ["platforms.id"], name=op.f("fk_ratings_platform_id_platforms")
        ),
        sa.ForeignKeyConstraint(
            ["window_id"], ["windows.id"], name=op.f("fk_ratings_window_id_windows")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ratings")),
        sa.UniqueConstraint("service_ref", name="uq_ratings_service"),
    )
    with op.batch_alter_table("ratings", schema=None) as batch_op:
        batch_op.create_index("ix_ratings_platform_time", ["platform_id", "rated_at"], unique=False)

    op.create_table(
        "online_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=True),
        sa.Column("activation_hash", sa.String(length=200), nullable=True),
        sa.Column("activation_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("activated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("session_version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["residents.id"], name=op.f("fk_online_accounts_resident_id_residents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_online_accounts")),
        sa.UniqueConstraint("resident_id", name=op.f("uq_online_accounts_resident_id")),
    )


def downgrade() -> None:
    op.drop_table("online_accounts")
    with op.batch_alter_table("ratings", schema=None) as batch_op:
        batch_op.drop_index("ix_ratings_platform_time")

    op.drop_table("ratings")
    with op.batch_alter_table("labour_case_progress", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_labour_case_progress_case_id"))

    op.drop_table("labour_case_progress")
    with op.batch_alter_table("labour_cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_labour_cases_resident_id"))
        batch_op.drop_index("ix_labour_cases_queue")

    op.drop_table("labour_cases")
    with op.batch_alter_table("skill_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_skill_records_resident_id"))

    op.drop_table("skill_records")
    with op.batch_alter_table("hardship_recognitions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hardship_recognitions_resident_id"))

    op.drop_table("hardship_recognitions")
    with op.batch_alter_table("guaranteed_loans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_guaranteed_loans_resident_id"))

    op.drop_table("guaranteed_loans")
    with op.batch_alter_table("entrepreneurship_services", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_entrepreneurship_services_resident_id"))

    op.drop_table("entrepreneurship_services")
    with op.batch_alter_table("employment_registrations", schema=None) as batch_op:
        batch_op.drop_index("ix_employment_registrations_resident")

    op.drop_table("employment_registrations")
    with op.batch_alter_table("application_steps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_application_steps_clerk_id"))
        batch_op.drop_index(batch_op.f("ix_application_steps_application_id"))

    op.drop_table("application_steps")
    op.drop_table("item_time_limits")
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.drop_index("ix_applications_resident")
        batch_op.drop_index("ix_applications_queue")

    op.drop_table("applications")
    op.drop_table("certificate_sequences")

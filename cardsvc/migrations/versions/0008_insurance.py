"""employers, employment relations and social insurance records

Revision ID: 0008_insurance
Revises: 0007_records

Employers (unified social credit code) in the platforms' ledgers and residents'
employment relations; enrolments in the five schemes with their monthly contribution
rows (keyed by enrolment and month, the index every history read uses) and the totals
each enrolment keeps; the regions' yearly base floors and caps; benefits with their
monthly payments; transfers between regions; retirees' yearly certifications. Partial
unique indexes keep one open enrolment per scheme and one benefit being paid per kind.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_insurance"
down_revision: str | None = "0007_records"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OPEN = sa.text("status IN ('active', 'suspended')")
_BEING_PAID = sa.text("status = 'being_paid'")


def _created_and_version() -> list[sa.Column[object]]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "employers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unified_social_credit_code", sa.String(length=18), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        *_created_and_version(),
        sa.ForeignKeyConstraint(
            ["platform_id"], ["platforms.id"], name=op.f("fk_employers_platform_id_platforms")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_employers")),
        sa.UniqueConstraint(
            "unified_social_credit_code", name=op.f("uq_employers_unified_social_credit_code")
        ),
    )
    op.create_index(op.f("ix_employers_platform_id"), "employers", ["platform_id"])

    op.create_table(
        "employment_relations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("employer_id", sa.Integer(), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        *_created_and_version(),
        sa.ForeignKeyConstraint(
            ["employer_id"],
            ["employers.id"],
            name=op.f("fk_employment_relations_employer_id_employers"),
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"],
            ["residents.id"],
            name=op.f("fk_employment_relations_resident_id_residents"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_employment_relations")),
    )
    for column in ("employer_id", "resident_id"):
        op.create_index(op.f(f"ix_employment_relations_{column}"), "employment_relations", [column])

    op.create_table(
        "contribution_limits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("scheme", sa.String(length=16), nullable=False),
        sa.Column("category", sa.String(length=10), nullable=False),
        sa.Column("floor_fen", sa.Integer(), nullable=False),
        sa.Column("cap_fen", sa.Integer(), nullable=False),
        sa.Column("grades_fen", sa.JSON(), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contribution_limits")),
    )
    op.create_index(
        "uq_contribution_limits_key",
        "contribution_limits",
        ["region_code", "year", "scheme", "category"],
        unique=True,
    )

    op.create_table(
        "insurance_enrolments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("scheme", sa.String(length=16), nullable=False),
        sa.Column("category", sa.String(length=10), nullable=False),
        sa.Column("employer_id", sa.Integer(), nullable=True),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("enrolled_on", sa.Date(), nullable=False),
        sa.Column("status_changed_on", sa.Date(), nullable=False),
        sa.Column("months_deemed", sa.Integer(), nullable=False),
        sa.Column("months_carried_in", sa.Integer(), nullable=False),
        sa.Column("months_paid", sa.Integer(), nullable=False),
        sa.Column("months_in_arrears", sa.Integer(), nullable=False),
        sa.Column("arrears_fen", sa.BigInteger(), nullable=False),
        sa.Column("last_period", sa.Integer(), nullable=True),
        sa.Column("current_base_fen", sa.Integer(), nullable=True),
        *_created_and_version(),
        sa.ForeignKeyConstraint(
            ["employer_id"],
            ["employers.id"],
            name=op.f("fk_insurance_enrolments_employer_id_employers"),
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"],
            ["residents.id"],
            name=op.f("fk_insurance_enrolments_resident_id_residents"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_insurance_enrolments")),
    )
    op.create_index(
        op.f("ix_insurance_enrolments_resident_id"), "insurance_enrolments", ["resident_id"]
    )
    op.create_index(
        "uq_insurance_enrolments_one_open_per_scheme",
        "insurance_enrolments",
        ["resident_id", "scheme"],
        unique=True,
        sqlite_where=_OPEN,
        postgresql_where=_OPEN,
    )

    op.create_table(
        "contribution_periods",
        sa.Column("enrolment_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.Integer(), nullable=False),
        sa.Column("months", sa.SmallInteger(), nullable=False),
        sa.Column("employer_id", sa.Integer(), nullable=True),
        sa.Column("base_fen", sa.Integer(), nullable=True),
        sa.Column("employer_rate", sa.Integer(), nullable=False),
        sa.Column("personal_rate", sa.Integer(), nullable=False),
        sa.Column("employer_amount_fen", sa.Integer(), nullable=False),
        sa.Column("personal_amount_fen", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=True),
        sa.Column("declared_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["enrolment_id"],
            ["insurance_enrolments.id"],
            name=op.f("fk_contribution_periods_enrolment_id_insurance_enrolments"),
        ),
        sa.PrimaryKeyConstraint("enrolment_id", "period", name=op.f("pk_contribution_periods")),
    )

    op.create_table(
        "benefits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("enrolment_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("monthly_amount_fen", sa.Integer(), nullable=False),
        sa.Column("first_period", sa.Integer(), nullable=False),
        sa.Column("last_period", sa.Integer(), nullable=True),
        sa.Column("months_paid", sa.Integer(), nullable=False),
        sa.Column("paid_fen", sa.BigInteger(), nullable=False),
        sa.Column("last_paid_period", sa.Integer(), nullable=True),
        sa.Column("started_on", sa.Date(), nullable=False),
        *_created_and_version(),
        sa.ForeignKeyConstraint(
            ["enrolment_id"],
            ["insurance_enrolments.id"],
            name=op.f("fk_benefits_enrolment_id_insurance_enrolments"),
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["residents.id"], name=op.f("fk_benefits_resident_id_residents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_benefits")),
    )
    op.create_index(op.f("ix_benefits_resident_id"), "benefits", ["resident_id"])
    op.create_index(
        "uq_benefits_one_being_paid_per_kind",
        "benefits",
        ["resident_id", "kind"],
        unique=True,
        sqlite_where=_BEING_PAID,
        postgresql_where=_BEING_PAID,
    )

    op.create_table(
        "benefit_payments",
        sa.Column("benefit_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.Integer(), nullable=False),
        sa.Column("amount_fen", sa.Integer(), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["benefit_id"], ["benefits.id"], name=op.f("fk_benefit_payments_benefit_id_benefits")
        ),
        sa.PrimaryKeyConstraint("benefit_id", "period", name=op.f("pk_benefit_payments")),
    )

    op.create_table(
        "relation_transfers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("scheme", sa.String(length=16), nullable=False),
        sa.Column("direction", sa.String(length=4), nullable=False),
        sa.Column("from_region", sa.String(length=6), nullable=False),
        sa.Column("to_region", sa.String(length=6), nullable=False),
        sa.Column("months_carried", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.Column("outgoing_enrolment_id", sa.Integer(), nullable=True),
        sa.Column("incoming_enrolment_id", sa.Integer(), nullable=True),
        *_created_and_version(),
        sa.ForeignKeyConstraint(
            ["incoming_enrolment_id"],
            ["insurance_enrolments.id"],
            name=op.f("fk_relation_transfers_incoming_enrolment_id_insurance_enrolments"),
        ),
        sa.ForeignKeyConstraint(
            ["outgoing_enrolment_id"],
            ["insurance_enrolments.id"],
            name=op.f("fk_relation_transfers_outgoing_enrolment_id_insurance_enrolments"),
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"],
            ["residents.id"],
            name=op.f("fk_relation_transfers_resident_id_residents"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_relation_transfers")),
    )
    op.create_index(
        op.f("ix_relation_transfers_resident_id"), "relation_transfers", ["resident_id"]
    )

    op.create_table(
        "retiree_certifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("benefit_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("certified_on", sa.Date(), nullable=False),
        sa.Column("method", sa.String(length=12), nullable=False),
        sa.Column("window_id", sa.Integer(), nullable=True),
        sa.Column("clerk_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["benefit_id"],
            ["benefits.id"],
            name=op.f("fk_retiree_certifications_benefit_id_benefits"),
        ),
        sa.ForeignKeyConstraint(
            ["clerk_id"], ["clerks.id"], name=op.f("fk_retiree_certifications_clerk_id_clerks")
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"],
            ["residents.id"],
            name=op.f("fk_retiree_certifications_resident_id_residents"),
        ),
        sa.ForeignKeyConstraint(
            ["window_id"], ["windows.id"], name=op.f("fk_retiree_certifications_window_id_windows")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retiree_certifications")),
    )
    op.create_index(
        "uq_retiree_certifications_resident_year",
        "retiree_certifications",
        ["resident_id", "year"],
        unique=True,
    )


def downgrade() -> None:
    for table in (
        "retiree_certifications",
        "relation_transfers",
        "benefit_payments",
        "benefits",
        "contribution_periods",
        "insurance_enrolments",
        "contribution_limits",
        "employment_relations",
        "employers",
    ):
        op.drop_table(table)

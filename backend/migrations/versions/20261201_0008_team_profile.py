"""The team's knobs as data: plan and budget per year, ORT tables with validity ranges, the holiday
rule, joining organisations, and per municipality its participation period and money cap.

No backfill: an existing database gets its figures from `piket profile load`; until then its new
columns stay empty (the region's holiday rule then falls back to the Cao's national rule). Columns
are added with plain ADD COLUMN (no table copy) on both backends. The region's yearly_controls and
yearly_callouts (read by nothing, with Fryslân's 69 and 24 as defaults) give way to plan_years; a
downgrade brings them back from the earliest plan, or as 0.

Revision ID: 0008_team_profile
Revises: 0007_update_answers
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_team_profile"
down_revision: str | None = "0007_update_answers"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DECIMAL = sa.String(length=24)


def upgrade() -> None:
    with op.batch_alter_table("regions", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("yearly_controls")
        batch_op.drop_column("yearly_callouts")
    op.add_column("regions", sa.Column("holiday_rule", sa.JSON(), nullable=True))
    op.add_column("regions", sa.Column("sources", sa.JSON(), nullable=True))
    op.add_column("municipalities", sa.Column("taking_part_from", sa.Date(), nullable=True))
    op.add_column("municipalities", sa.Column("taking_part_until", sa.Date(), nullable=True))
    op.add_column("municipalities", sa.Column("money_cap_cents", sa.Integer(), nullable=True))
    op.add_column("municipalities", sa.Column("cap_shortfall", sa.String(length=16), nullable=True))
    op.add_column("municipalities", sa.Column("sources", sa.JSON(), nullable=True))
    op.create_table(
        "plan_years",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("controls", sa.Integer(), nullable=False),
        sa.Column("callouts", sa.Integer(), nullable=False),
        sa.Column("control_day_hours", DECIMAL, nullable=False),
        sa.Column("callout_hours", DECIMAL, nullable=False),
        sa.Column("report_hours", DECIMAL, nullable=False),
        sa.Column("coordinator_hours", sa.Integer(), nullable=False),
        sa.Column("fte", DECIMAL, nullable=False),
        sa.Column("controls_per_month", sa.Integer(), nullable=True),
        sa.Column("locations_per_control_day", sa.Integer(), nullable=True),
        sa.Column("sources", sa.JSON(), nullable=False),
        sa.CheckConstraint("callouts <= controls", name=op.f("ck_plan_years_callouts_within_controls")),
        sa.ForeignKeyConstraint(["region_id"], ["regions.id"], name=op.f("fk_plan_years_region_id_regions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_years")),
        sa.UniqueConstraint("region_id", "year", name=op.f("uq_plan_years_region_id_year")),
    )
    op.create_index(op.f("ix_plan_years_region_id"), "plan_years", ["region_id"], unique=False)
    op.create_table(
        "budget_years",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("fixed_cents", sa.Integer(), nullable=False),
        sa.Column("sources", sa.JSON(), nullable=False),
        sa.CheckConstraint("fixed_cents >= 0", name=op.f("ck_budget_years_fixed_not_negative")),
        sa.ForeignKeyConstraint(
            ["region_id"], ["regions.id"], name=op.f("fk_budget_years_region_id_regions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budget_years")),
        sa.UniqueConstraint("region_id", "year", name=op.f("uq_budget_years_region_id_year")),
    )
    op.create_index(op.f("ix_budget_years_region_id"), "budget_years", ["region_id"], unique=False)
    op.create_table(
        "budget_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("budget_year_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("hours", sa.Integer(), nullable=False),
        sa.Column("rate", DECIMAL, nullable=False),
        sa.Column("flat_ort", DECIMAL, nullable=False),
        sa.Column("overhead_per_hour", DECIMAL, nullable=False),
        sa.Column("sources", sa.JSON(), nullable=False),
        sa.CheckConstraint("hours >= 0", name=op.f("ck_budget_lines_hours_not_negative")),
        sa.ForeignKeyConstraint(
            ["budget_year_id"],
            ["budget_years.id"],
            ondelete="CASCADE",
            name=op.f("fk_budget_lines_budget_year_id_budget_years"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budget_lines")),
        sa.UniqueConstraint(
            "budget_year_id", "category", name=op.f("uq_budget_lines_budget_year_id_category")
        ),
    )
    op.create_index(op.f("ix_budget_lines_budget_year_id"), "budget_lines", ["budget_year_id"], unique=False)
    op.create_table(
        "ort_tables",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("weekday_windows", sa.JSON(), nullable=False),
        sa.Column("percentages", sa.JSON(), nullable=False),
        sa.Column("exempt_stretch_minutes", sa.Integer(), nullable=False),
        sa.Column("sources", sa.JSON(), nullable=False),
        sa.CheckConstraint("valid_until >= valid_from", name=op.f("ck_ort_tables_valid_period")),
        sa.ForeignKeyConstraint(["region_id"], ["regions.id"], name=op.f("fk_ort_tables_region_id_regions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ort_tables")),
        sa.UniqueConstraint("region_id", "valid_from", name=op.f("uq_ort_tables_region_id_valid_from")),
    )
    op.create_index(op.f("ix_ort_tables_region_id"), "ort_tables", ["region_id"], unique=False)
    op.create_table(
        "joining_organisations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("joins", sa.String(length=200), nullable=False),
        sa.Column("sources", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["region_id"], ["regions.id"], name=op.f("fk_joining_organisations_region_id_regions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_joining_organisations")),
        sa.UniqueConstraint("region_id", "name", name=op.f("uq_joining_organisations_region_id_name")),
    )
    op.create_index(
        op.f("ix_joining_organisations_region_id"), "joining_organisations", ["region_id"], unique=False
    )


def downgrade() -> None:
    for column in ("yearly_controls", "yearly_callouts"):
        op.add_column("regions", sa.Column(column, sa.Integer(), nullable=False, server_default="0"))
    op.execute(
        "UPDATE regions SET yearly_controls = coalesce((SELECT p.controls FROM plan_years p "
        "WHERE p.region_id = regions.id ORDER BY p.year LIMIT 1), 0), "
        "yearly_callouts = coalesce((SELECT p.callouts FROM plan_years p "
        "WHERE p.region_id = regions.id ORDER BY p.year LIMIT 1), 0)"
    )
    for table in ("joining_organisations", "ort_tables", "budget_lines", "budget_years", "plan_years"):
        op.drop_table(table)
    with op.batch_alter_table("municipalities", schema=None, recreate="never") as batch_op:
        for column in (
            "sources",
            "cap_shortfall",
            "money_cap_cents",
            "taking_part_until",
            "taking_part_from",
        ):
            batch_op.drop_column(column)
    with op.batch_alter_table("regions", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("sources")
        batch_op.drop_column("holiday_rule")

"""Controls are addresses: what each control found, as counts, and the repeat warning's hashes.

`control_records` says per control day or call-out whether the police joined and which partner
organisations did; `address_findings` holds one numbered line per visited address with only its
outcome (no address, no person). `controlled_addresses` keeps a keyed hash of a controlled address
for the team's warning period (`region_settings.repeat_warning_months`, 6 by default), never the
address.

Revision ID: 0013_control_findings
Revises: 0012_work_categories
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_control_findings"
down_revision: str | None = "0012_work_categories"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "region_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("repeat_warning_months", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "repeat_warning_months >= 1", name=op.f("ck_region_settings_warning_period_positive")
        ),
        sa.ForeignKeyConstraint(
            ["region_id"], ["regions.id"], name=op.f("fk_region_settings_region_id_regions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_region_settings")),
        sa.UniqueConstraint("region_id", name=op.f("uq_region_settings_region_id")),
    )
    op.create_table(
        "control_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shift_id", sa.Integer(), nullable=False),
        sa.Column("is_with_police", sa.Boolean(), nullable=False),
        sa.Column("partners", sa.JSON(), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["shift_id"], ["shifts.id"], name=op.f("fk_control_records_shift_id_shifts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_control_records")),
        sa.UniqueConstraint("shift_id", name=op.f("uq_control_records_shift_id")),
    )
    op.create_table(
        "address_findings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column(
            "outcome",
            sa.Enum(
                "nobody_present",
                "no_violation",
                "violation",
                name="finding_outcome",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("police_signal_at", sa.DateTime(), nullable=True),
        sa.Column("is_care_offered", sa.Boolean(), nullable=False),
        sa.CheckConstraint("number >= 1", name=op.f("ck_address_findings_number_positive")),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipalities.id"],
            name=op.f("fk_address_findings_municipality_id_municipalities"),
        ),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["control_records.id"],
            ondelete="CASCADE",
            name=op.f("fk_address_findings_record_id_control_records"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_address_findings")),
        sa.UniqueConstraint("record_id", "number", name=op.f("uq_address_findings_record_id_number")),
    )
    op.create_index(op.f("ix_address_findings_record_id"), "address_findings", ["record_id"], unique=False)
    op.create_index(
        op.f("ix_address_findings_municipality_id"), "address_findings", ["municipality_id"], unique=False
    )
    op.create_table(
        "controlled_addresses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("address_mark", sa.String(length=64), nullable=False),
        sa.Column("shift_id", sa.Integer(), nullable=False),
        sa.Column("controlled_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["shift_id"], ["shifts.id"], name=op.f("fk_controlled_addresses_shift_id_shifts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_controlled_addresses")),
    )
    op.create_index(
        op.f("ix_controlled_addresses_address_mark"), "controlled_addresses", ["address_mark"], unique=False
    )
    op.create_index(
        op.f("ix_controlled_addresses_shift_id"), "controlled_addresses", ["shift_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_controlled_addresses_shift_id"), table_name="controlled_addresses")
    op.drop_index(op.f("ix_controlled_addresses_address_mark"), table_name="controlled_addresses")
    op.drop_table("controlled_addresses")
    op.drop_index(op.f("ix_address_findings_municipality_id"), table_name="address_findings")
    op.drop_index(op.f("ix_address_findings_record_id"), table_name="address_findings")
    op.drop_table("address_findings")
    op.drop_table("control_records")
    op.drop_table("region_settings")

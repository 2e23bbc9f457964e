"""Initial schema: organisation, people, work, ledger, messaging and audit.

Generated from the models, then reviewed by hand; the append-only triggers on
the ledger and the audit log are written here because Alembic cannot generate them.

Revision ID: 0001_initial
Revises: none
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

APPEND_ONLY = ("hour_entries", "hour_approvals", "audit_records")

revision: str = "0001_initial"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("prev_mac", sa.String(length=64), nullable=False),
        sa.Column("mac", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_records")),
        sa.UniqueConstraint("seq", name=op.f("uq_audit_records_seq")),
    )
    op.create_table(
        "period_locks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("locked_by", sa.String(length=64), nullable=False),
        sa.Column("locked_at", sa.DateTime(), nullable=False),
        sa.Column("exported_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint("period_end >= period_start", name=op.f("ck_period_locks_valid_period")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_period_locks")),
        sa.UniqueConstraint("period_start", name=op.f("uq_period_locks_period_start")),
    )
    op.create_table(
        "processed_updates",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("processed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("update_id", name=op.f("pk_processed_updates")),
    )
    op.create_table(
        "regions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("yearly_controls", sa.Integer(), nullable=False),
        sa.Column("yearly_callouts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_regions")),
        sa.UniqueConstraint("name", name=op.f("uq_regions_name")),
    )
    op.create_table(
        "municipalities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("population", sa.Integer(), nullable=False),
        sa.Column("population_date", sa.Date(), nullable=False),
        sa.Column("is_participating", sa.Boolean(), nullable=False),
        sa.Column("is_coordinating", sa.Boolean(), nullable=False),
        sa.Column(
            "contribution",
            sa.Enum(
                "hours", "money", name="contribution", native_enum=False, create_constraint=True, length=24
            ),
            nullable=False,
        ),
        sa.Column("pledged_minutes", sa.Integer(), nullable=False),
        sa.CheckConstraint("pledged_minutes >= 0", name=op.f("ck_municipalities_pledge_not_negative")),
        sa.CheckConstraint("population >= 0", name=op.f("ck_municipalities_population_not_negative")),
        sa.ForeignKeyConstraint(
            ["region_id"], ["regions.id"], name=op.f("fk_municipalities_region_id_regions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_municipalities")),
        sa.UniqueConstraint("name", name=op.f("uq_municipalities_name")),
    )
    with op.batch_alter_table("municipalities", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_municipalities_region_id"), ["region_id"], unique=False)

    op.create_table(
        "inspectors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("first_name", sa.Text(), nullable=False),
        sa.Column("phone", sa.Text(), nullable=True),
        sa.Column("telegram_id", sa.Text(), nullable=True),
        sa.Column("telegram_index", sa.String(length=64), nullable=True),
        sa.Column("employer_id", sa.Integer(), nullable=False),
        sa.Column("salary_scale", sa.Integer(), nullable=False),
        sa.Column("salary_step", sa.Integer(), nullable=False),
        sa.Column("trained_since", sa.Date(), nullable=True),
        sa.Column(
            "gender",
            sa.Enum("f", "m", "x", name="gender", native_enum=False, create_constraint=True, length=24),
            nullable=False,
        ),
        sa.Column("is_coordinator", sa.Boolean(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["employer_id"], ["municipalities.id"], name=op.f("fk_inspectors_employer_id_municipalities")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspectors")),
        sa.UniqueConstraint("telegram_index", name=op.f("uq_inspectors_telegram_index")),
    )
    with op.batch_alter_table("inspectors", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inspectors_employer_id"), ["employer_id"], unique=False)

    op.create_table(
        "shifts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "control",
                "callout",
                "coordination",
                name="shift_kind",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("ends_at", sa.DateTime(), nullable=False),
        sa.Column("planned_break_minutes", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "planned",
                "confirmed",
                "done",
                "cancelled",
                name="shift_status",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("is_with_police", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_shifts_ends_after_start")),
        sa.CheckConstraint("planned_break_minutes >= 0", name=op.f("ck_shifts_break_not_negative")),
        sa.ForeignKeyConstraint(
            ["municipality_id"], ["municipalities.id"], name=op.f("fk_shifts_municipality_id_municipalities")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shifts")),
    )
    with op.batch_alter_table("shifts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_shifts_municipality_id"), ["municipality_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_shifts_starts_at"), ["starts_at"], unique=False)

    op.create_table(
        "assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shift_id", sa.Integer(), nullable=False),
        sa.Column("inspector_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "proposed",
                "confirmed",
                "cover_requested",
                "released",
                name="assignment_status",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("is_report_writer", sa.Boolean(), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["inspector_id"], ["inspectors.id"], name=op.f("fk_assignments_inspector_id_inspectors")
        ),
        sa.ForeignKeyConstraint(["shift_id"], ["shifts.id"], name=op.f("fk_assignments_shift_id_shifts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assignments")),
        sa.UniqueConstraint("shift_id", "inspector_id", name=op.f("uq_assignments_shift_id_inspector_id")),
    )
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assignments_inspector_id"), ["inspector_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_assignments_shift_id"), ["shift_id"], unique=False)

    op.create_table(
        "callouts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shift_id", sa.Integer(), nullable=False),
        sa.Column(
            "source",
            sa.Enum(
                "mma",
                "nuisance",
                "police",
                name="callout_source",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("location", sa.Text(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "filled",
                "cancelled",
                "unstaffed",
                name="callout_status",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("filled_at", sa.DateTime(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("details_purged_at", sa.DateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["shift_id"], ["shifts.id"], name=op.f("fk_callouts_shift_id_shifts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_callouts")),
        sa.UniqueConstraint("shift_id", name=op.f("uq_callouts_shift_id")),
    )
    op.create_table(
        "designations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inspector_id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("decision_reference", sa.String(length=120), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.CheckConstraint(
            "valid_until IS NULL OR valid_until >= valid_from", name=op.f("ck_designations_valid_period")
        ),
        sa.ForeignKeyConstraint(
            ["inspector_id"], ["inspectors.id"], name=op.f("fk_designations_inspector_id_inspectors")
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipalities.id"],
            name=op.f("fk_designations_municipality_id_municipalities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_designations")),
    )
    with op.batch_alter_table("designations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_designations_inspector_id"), ["inspector_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_designations_municipality_id"), ["municipality_id"], unique=False
        )

    op.create_table(
        "enrolment_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inspector_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["inspector_id"], ["inspectors.id"], name=op.f("fk_enrolment_codes_inspector_id_inspectors")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrolment_codes")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_enrolment_codes_code_hash")),
    )
    with op.batch_alter_table("enrolment_codes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_enrolment_codes_inspector_id"), ["inspector_id"], unique=False)

    op.create_table(
        "hour_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inspector_id", sa.Integer(), nullable=False),
        sa.Column("shift_id", sa.Integer(), nullable=True),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column(
            "category",
            sa.Enum(
                "control",
                "callout",
                "report",
                "coordination",
                name="hour_category",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("ends_at", sa.DateTime(), nullable=False),
        sa.Column("break_minutes", sa.Integer(), nullable=False),
        sa.Column("worked_minutes", sa.Integer(), nullable=False),
        sa.Column("plain_minutes", sa.Integer(), nullable=False),
        sa.Column("weekday_20_minutes", sa.Integer(), nullable=False),
        sa.Column("weekday_40_minutes", sa.Integer(), nullable=False),
        sa.Column("saturday_minutes", sa.Integer(), nullable=False),
        sa.Column("sunday_holiday_minutes", sa.Integer(), nullable=False),
        sa.Column("reverses_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("entered_by", sa.String(length=64), nullable=False),
        sa.Column("entered_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_hour_entries_ends_after_start")),
        sa.CheckConstraint(
            "worked_minutes = plain_minutes + weekday_20_minutes + weekday_40_minutes + saturday_minutes + sunday_holiday_minutes",
            name=op.f("ck_hour_entries_bands_add_up"),
        ),
        sa.ForeignKeyConstraint(
            ["inspector_id"], ["inspectors.id"], name=op.f("fk_hour_entries_inspector_id_inspectors")
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipalities.id"],
            name=op.f("fk_hour_entries_municipality_id_municipalities"),
        ),
        sa.ForeignKeyConstraint(
            ["reverses_id"], ["hour_entries.id"], name=op.f("fk_hour_entries_reverses_id_hour_entries")
        ),
        sa.ForeignKeyConstraint(["shift_id"], ["shifts.id"], name=op.f("fk_hour_entries_shift_id_shifts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hour_entries")),
        sa.UniqueConstraint("reverses_id", name=op.f("uq_hour_entries_reverses_id")),
    )
    with op.batch_alter_table("hour_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hour_entries_inspector_id"), ["inspector_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_hour_entries_municipality_id"), ["municipality_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_hour_entries_shift_id"), ["shift_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_hour_entries_starts_at"), ["starts_at"], unique=False)

    op.create_table(
        "offers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shift_id", sa.Integer(), nullable=False),
        sa.Column("inspector_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "accepted",
                "standby",
                "declined",
                "withdrawn",
                name="offer_status",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("is_cover", sa.Boolean(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.Column("reminded_at", sa.DateTime(), nullable=True),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["inspector_id"], ["inspectors.id"], name=op.f("fk_offers_inspector_id_inspectors")
        ),
        sa.ForeignKeyConstraint(["shift_id"], ["shifts.id"], name=op.f("fk_offers_shift_id_shifts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offers")),
        sa.UniqueConstraint("shift_id", "inspector_id", name=op.f("uq_offers_shift_id_inspector_id")),
    )
    with op.batch_alter_table("offers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_offers_inspector_id"), ["inspector_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_offers_shift_id"), ["shift_id"], unique=False)

    op.create_table(
        "outbox_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.Text(), nullable=False),
        sa.Column("inspector_id", sa.Integer(), nullable=True),
        sa.Column("method", sa.String(length=40), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("ref", sa.String(length=64), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "sent",
                "failed",
                name="outbox_status",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("not_before_at", sa.DateTime(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("telegram_message_id", sa.BigInteger(), nullable=True),
        sa.Column("error", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["inspector_id"], ["inspectors.id"], name=op.f("fk_outbox_messages_inspector_id_inspectors")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_messages")),
    )
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_due", ["status", "not_before_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_messages_inspector_id"), ["inspector_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_messages_ref"), ["ref"], unique=False)

    op.create_table(
        "reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shift_id", sa.Integer(), nullable=False),
        sa.Column("writer_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "written",
                "reviewed",
                name="report_status",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("written_at", sa.DateTime(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(), nullable=True),
        sa.Column("reviewed_by", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["shift_id"], ["shifts.id"], name=op.f("fk_reports_shift_id_shifts")),
        sa.ForeignKeyConstraint(
            ["writer_id"], ["inspectors.id"], name=op.f("fk_reports_writer_id_inspectors")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reports")),
        sa.UniqueConstraint("shift_id", name=op.f("uq_reports_shift_id")),
    )
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reports_writer_id"), ["writer_id"], unique=False)

    op.create_table(
        "unavailabilities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inspector_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("ends_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_unavailabilities_ends_after_start")),
        sa.ForeignKeyConstraint(
            ["inspector_id"], ["inspectors.id"], name=op.f("fk_unavailabilities_inspector_id_inspectors")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unavailabilities")),
    )
    with op.batch_alter_table("unavailabilities", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_unavailabilities_inspector_id"), ["inspector_id"], unique=False)

    op.create_table(
        "web_users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.Text(), nullable=True),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("totp_secret", sa.Text(), nullable=True),
        sa.Column(
            "role",
            sa.Enum(
                "admin",
                "coordinator",
                "finance",
                "auditor",
                name="role",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("inspector_id", sa.Integer(), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("must_change_password", sa.Boolean(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("last_login_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["inspector_id"], ["inspectors.id"], name=op.f("fk_web_users_inspector_id_inspectors")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_users")),
        sa.UniqueConstraint("username", name=op.f("uq_web_users_username")),
    )
    op.create_table(
        "hour_approvals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("approved_by", sa.String(length=64), nullable=False),
        sa.Column("approved_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["hour_entries.id"], name=op.f("fk_hour_approvals_entry_id_hour_entries")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hour_approvals")),
        sa.UniqueConstraint("entry_id", name=op.f("uq_hour_approvals_entry_id")),
    )
    create_append_only_triggers()


def downgrade() -> None:
    drop_append_only_triggers()
    op.drop_table("hour_approvals")
    op.drop_table("web_users")
    with op.batch_alter_table("unavailabilities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_unavailabilities_inspector_id"))

    op.drop_table("unavailabilities")
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reports_writer_id"))

    op.drop_table("reports")
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_messages_ref"))
        batch_op.drop_index(batch_op.f("ix_outbox_messages_inspector_id"))
        batch_op.drop_index("ix_outbox_due")

    op.drop_table("outbox_messages")
    with op.batch_alter_table("offers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_offers_shift_id"))
        batch_op.drop_index(batch_op.f("ix_offers_inspector_id"))

    op.drop_table("offers")
    with op.batch_alter_table("hour_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hour_entries_starts_at"))
        batch_op.drop_index(batch_op.f("ix_hour_entries_shift_id"))
        batch_op.drop_index(batch_op.f("ix_hour_entries_municipality_id"))
        batch_op.drop_index(batch_op.f("ix_hour_entries_inspector_id"))

    op.drop_table("hour_entries")
    with op.batch_alter_table("enrolment_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enrolment_codes_inspector_id"))

    op.drop_table("enrolment_codes")
    with op.batch_alter_table("designations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_designations_municipality_id"))
        batch_op.drop_index(batch_op.f("ix_designations_inspector_id"))

    op.drop_table("designations")
    op.drop_table("callouts")
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assignments_shift_id"))
        batch_op.drop_index(batch_op.f("ix_assignments_inspector_id"))

    op.drop_table("assignments")
    with op.batch_alter_table("shifts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shifts_starts_at"))
        batch_op.drop_index(batch_op.f("ix_shifts_municipality_id"))

    op.drop_table("shifts")
    with op.batch_alter_table("inspectors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inspectors_employer_id"))

    op.drop_table("inspectors")
    with op.batch_alter_table("municipalities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_municipalities_region_id"))

    op.drop_table("municipalities")
    op.drop_table("regions")
    op.drop_table("processed_updates")
    op.drop_table("period_locks")
    op.drop_table("audit_records")


def create_append_only_triggers() -> None:
    """Refuse UPDATE and DELETE on the ledger and the audit log, in the database itself."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION piket_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION 'table % is append-only', TG_TABLE_NAME; END $$"
        )
        for table in APPEND_ONLY:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION piket_refuse_change()"
            )
        return
    for table in APPEND_ONLY:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, 'table {table} is append-only'); END"
            )


def drop_append_only_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER {table}_append_only ON {table}")
        op.execute("DROP FUNCTION piket_refuse_change()")
        return
    for table in APPEND_ONLY:
        for event in ("update", "delete"):
            op.execute(f"DROP TRIGGER {table}_no_{event}")

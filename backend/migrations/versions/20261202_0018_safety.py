"""The pair's safety: check-out watches, check-ins, alerts and their ladder, duress words, risk notes.

Taps and times only: no table holds a position. The duress word is kept as a keyed digest, the risk
note sealed (and erased by retention with the call-out's details). The team's three time-outs are
columns of `region_settings` with their defaults, so an existing team needs no profile change.

Revision ID: 0018_safety
Revises: 0017_row_bound_seals
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018_safety"
down_revision: str | None = "0017_row_bound_seals"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MINUTES = (
    ("checkout_alert_minutes", "30"),
    ("coordinator_alert_minutes", "10"),
    ("backup_alert_minutes", "10"),
)


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=24)


def upgrade() -> None:
    with op.batch_alter_table("region_settings") as batch:
        for column, default in MINUTES:
            batch.add_column(sa.Column(column, sa.Integer(), server_default=default, nullable=False))
    op.create_table(
        "safety_watches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assignment_id", sa.Integer(), nullable=False),
        sa.Column("shift_id", sa.Integer(), nullable=False),
        sa.Column("inspector_id", sa.Integer(), nullable=False),
        sa.Column("asked_at", sa.DateTime(), nullable=False),
        sa.Column("checked_out_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["assignment_id"], ["assignments.id"], name=op.f("fk_safety_watches_assignment_id_assignments")
        ),
        sa.ForeignKeyConstraint(
            ["inspector_id"], ["inspectors.id"], name=op.f("fk_safety_watches_inspector_id_inspectors")
        ),
        sa.ForeignKeyConstraint(["shift_id"], ["shifts.id"], name=op.f("fk_safety_watches_shift_id_shifts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_safety_watches")),
        sa.UniqueConstraint("assignment_id", name=op.f("uq_safety_watches_assignment_id")),
    )
    op.create_index(op.f("ix_safety_watches_shift_id"), "safety_watches", ["shift_id"], unique=False)
    op.create_index(op.f("ix_safety_watches_inspector_id"), "safety_watches", ["inspector_id"], unique=False)
    op.create_table(
        "safety_check_ins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shift_id", sa.Integer(), nullable=False),
        sa.Column("inspector_id", sa.Integer(), nullable=False),
        sa.Column("checked_in_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["inspector_id"], ["inspectors.id"], name=op.f("fk_safety_check_ins_inspector_id_inspectors")
        ),
        sa.ForeignKeyConstraint(
            ["shift_id"], ["shifts.id"], name=op.f("fk_safety_check_ins_shift_id_shifts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_safety_check_ins")),
    )
    op.create_index(op.f("ix_safety_check_ins_shift_id"), "safety_check_ins", ["shift_id"], unique=False)
    op.create_table(
        "safety_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shift_id", sa.Integer(), nullable=False),
        sa.Column("kind", _enum("safety_alert_kind", "missed_checkout", "alarm", "duress"), nullable=False),
        sa.Column("once_key", sa.String(length=40), nullable=True),
        sa.Column("raised_by_id", sa.Integer(), nullable=True),
        sa.Column("raised_at", sa.DateTime(), nullable=False),
        sa.Column("since_at", sa.DateTime(), nullable=False),
        sa.Column("stage", _enum("safety_alert_stage", "coordinator", "backup", "everyone"), nullable=False),
        sa.Column("next_step_at", sa.DateTime(), nullable=True),
        sa.Column("taken_by", sa.String(length=64), nullable=True),
        sa.Column("taken_at", sa.DateTime(), nullable=True),
        sa.Column("resolved_by", sa.String(length=64), nullable=True),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column(
            "outcome",
            _enum("safety_alert_outcome", "all_well", "forgot", "help_sent", "false_alarm"),
            nullable=True,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["raised_by_id"], ["inspectors.id"], name=op.f("fk_safety_alerts_raised_by_id_inspectors")
        ),
        sa.ForeignKeyConstraint(["shift_id"], ["shifts.id"], name=op.f("fk_safety_alerts_shift_id_shifts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_safety_alerts")),
        sa.UniqueConstraint("once_key", name=op.f("uq_safety_alerts_once_key")),
    )
    op.create_index(op.f("ix_safety_alerts_shift_id"), "safety_alerts", ["shift_id"], unique=False)
    op.create_index(op.f("ix_safety_alerts_next_step_at"), "safety_alerts", ["next_step_at"], unique=False)
    op.create_table(
        "duress_words",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inspector_id", sa.Integer(), nullable=False),
        sa.Column("mark", sa.String(length=64), nullable=False),
        sa.Column("set_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["inspector_id"], ["inspectors.id"], name=op.f("fk_duress_words_inspector_id_inspectors")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duress_words")),
        sa.UniqueConstraint("inspector_id", name=op.f("uq_duress_words_inspector_id")),
    )
    op.create_table(
        "risk_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shift_id", sa.Integer(), nullable=False),
        sa.Column("level", _enum("risk_level", "low", "medium", "high"), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("entered_by", sa.String(length=64), nullable=False),
        sa.Column("entered_at", sa.DateTime(), nullable=False),
        sa.Column("purged_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["shift_id"], ["shifts.id"], name=op.f("fk_risk_notes_shift_id_shifts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_notes")),
        sa.UniqueConstraint("shift_id", name=op.f("uq_risk_notes_shift_id")),
    )


def downgrade() -> None:
    op.drop_table("risk_notes")
    op.drop_table("duress_words")
    op.drop_index(op.f("ix_safety_alerts_next_step_at"), table_name="safety_alerts")
    op.drop_index(op.f("ix_safety_alerts_shift_id"), table_name="safety_alerts")
    op.drop_table("safety_alerts")
    op.drop_index(op.f("ix_safety_check_ins_shift_id"), table_name="safety_check_ins")
    op.drop_table("safety_check_ins")
    op.drop_index(op.f("ix_safety_watches_inspector_id"), table_name="safety_watches")
    op.drop_index(op.f("ix_safety_watches_shift_id"), table_name="safety_watches")
    op.drop_table("safety_watches")
    with op.batch_alter_table("region_settings") as batch:
        for column, _ in reversed(MINUTES):
            batch.drop_column(column)

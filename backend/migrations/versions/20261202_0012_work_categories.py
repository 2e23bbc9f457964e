"""Work outside shifts gets categories of its own (preparation, training, peer review beside the
coordinator's coordination), and call-outs the guideline's other sources, the team's list of them
kept with its region (`regions.callout_sources`, NULL for the default three); and a report can be
sent back (status `returned`) and handed over to a municipality (nullable columns, no backfill).

Only the CHECK constraints of `hour_entries.category` and `callouts.source` change: no row is
touched. On SQLite they are changed in place (`backend/migration_ops.py` says why).

Revision ID: 0012_work_categories
Revises: 0011_control_changes
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from backend.migration_ops import refuse_if_any, replace_check

revision: str = "0012_work_categories"
down_revision: str | None = "0011_control_changes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HOUR_CATEGORIES = ("control", "callout", "report", "coordination")
WORK_CATEGORIES = (*HOUR_CATEGORIES, "preparation", "training", "peer_review")
CALLOUT_SOURCES = ("mma", "nuisance", "police")
GUIDELINE_SOURCES = (
    *CALLOUT_SOURCES,
    "health_service",
    "care_worker",
    "resident",
    "online_advert",
    "own_observation",
)


REPORT_STATES = ("pending", "written", "reviewed")
REPORT_COLUMNS = (
    ("returned_at", sa.DateTime()),
    ("returned_by", sa.String(length=64)),
    ("handed_over_on", sa.Date()),
    ("handed_over_by", sa.String(length=64)),
)
FOREIGN_KEY = "fk_reports_handed_over_to_id_municipalities"


def upgrade() -> None:
    replace_check("hour_entries", "category", "ck_hour_entries_hour_category", WORK_CATEGORIES)
    replace_check("callouts", "source", "ck_callouts_callout_source", GUIDELINE_SOURCES)
    replace_check("reports", "status", "ck_reports_report_status", (*REPORT_STATES, "returned"))
    op.add_column("regions", sa.Column("callout_sources", sa.JSON(), nullable=True))
    for name, kind in REPORT_COLUMNS:
        op.add_column("reports", sa.Column(name, kind, nullable=True))
    if op.get_bind().dialect.name == "sqlite":
        # SQLite takes a column's foreign key only inline (as in 0006): no table copy.
        op.execute(
            f"ALTER TABLE reports ADD COLUMN handed_over_to_id INTEGER "
            f"CONSTRAINT {FOREIGN_KEY} REFERENCES municipalities (id)"
        )
    else:
        op.add_column("reports", sa.Column("handed_over_to_id", sa.Integer(), nullable=True))
        op.create_foreign_key(FOREIGN_KEY, "reports", "municipalities", ["handed_over_to_id"], ["id"])


def downgrade() -> None:
    # The ledger is append-only: hours of the new categories cannot be removed, so refuse instead;
    # and a call-out's source is history, kept as it was.
    refuse_if_any("hour_entries", "category", HOUR_CATEGORIES)
    refuse_if_any("callouts", "source", CALLOUT_SOURCES)
    refuse_if_any("reports", "status", REPORT_STATES)
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(FOREIGN_KEY, "reports", type_="foreignkey")
    for table, column in (
        ("regions", "callout_sources"),
        ("reports", "handed_over_to_id"),
        *(("reports", name) for name, _ in REPORT_COLUMNS),
    ):
        if op.get_bind().dialect.name == "sqlite":
            op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")  # no table copy (see 0006)
        else:
            op.drop_column(table, column)
    replace_check("reports", "status", "ck_reports_report_status", REPORT_STATES)
    replace_check("callouts", "source", "ck_callouts_callout_source", CALLOUT_SOURCES)
    replace_check("hour_entries", "category", "ck_hour_entries_hour_category", HOUR_CATEGORIES)

"""Nothing typed freely lies in clear in the database files: every text column is sealed, or public by
its nature (and then listed below with the reason), and a recognisable value put into every sealed
column through the services is found in neither the SQLite file and its WAL nor `pg_dump`."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import Enum, String, Text

from backend import migrate
from backend.db import Database
from backend.models import Base
from secure_store.types import EncryptedText
from tests.conftest import POSTGRES_URL
from tests.support.sealed import FILLED, fill_every_sealed_column, opened, sealed_columns

PUBLIC_TEXT = {
    # Public facts of the team, from its profile.
    "regions.name",
    "regions.timezone",
    "municipalities.name",
    "joining_organisations.name",
    "joining_organisations.joins",
    "budget_lines.category",
    "plan_years.control_day_hours",
    "plan_years.callout_hours",
    "plan_years.report_hours",
    "plan_years.fte",
    "budget_lines.rate",
    "budget_lines.flat_ort",
    "budget_lines.overhead_per_hour",
    "municipalities.cap_shortfall",
    # Function names and actors ("web:coordinator", "job:retention"), never a person's name.
    "web_users.username",
    "api_tokens.created_by",
    "enrolment_codes.created_by",
    "callouts.created_by",
    "hour_entries.entered_by",
    "hour_approvals.approved_by",
    "period_locks.locked_by",
    "reports.reviewed_by",
    "audit_records.actor",
    "audit_records.action",
    "audit_records.subject",
    "audit_records.details",
    "audit_records.prev_mac",
    "audit_records.mac",
    "audit_checkpoints.mac",
    # Digests, codes and identifiers made by piket.
    "inspectors.telegram_index",
    "inspectors.language",
    "web_users.password_hash",
    "api_tokens.token_hash",
    "enrolment_codes.code_hash",
    "outbox_messages.method",
    "outbox_messages.ref",
    "outbox_messages.error",
    "processed_updates.answer",
    "service_instances.id",
    "service_instances.active_key",
    "service_instances.key_ids",
    "controlled_addresses.address_mark",
    "login_failures.account_key",
    "login_failures.address_key",
    "disclosures.kind",
    "disclosures.scope",
    # More actors: who recorded, handed over, returned, changed, marked ("web:coordinator", "inspector:3").
    "control_records.recorded_by",
    "disclosures.actor",
    "reports.handed_over_by",
    "reports.returned_by",
    "shift_changes.changed_by",
    "unavailabilities.created_by",
    # Safety: who took and resolved an alert, who entered a risk note (actors), a shift's once-key
    # ("missed:12"), and the duress word's keyed digest (never the word).
    "safety_alerts.taken_by",
    "safety_alerts.resolved_by",
    "risk_notes.entered_by",
    "safety_alerts.once_key",
    "duress_words.mark",
}
"""Text columns that may hold their values in clear, and why."""


def text_columns() -> set[str]:
    return {
        f"{table.name}.{column.name}"
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, String | Text | EncryptedText) and not isinstance(column.type, Enum)
    }


def test_every_text_column_is_sealed_or_public_by_its_nature() -> None:
    assert text_columns() - sealed_columns() - PUBLIC_TEXT == set()
    assert text_columns() >= PUBLIC_TEXT, "a listed column no longer exists"


def database_bytes(database: Database) -> bytes:
    if database.is_sqlite:
        path = Path(database.url.removeprefix("sqlite:///"))
        return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    if shutil.which("pg_dump") is None:
        pytest.skip("pg_dump is not installed")
    schema = database.url.rsplit("%3D", 1)[1]
    server = POSTGRES_URL.replace("postgresql+psycopg", "postgresql")
    return subprocess.run(["pg_dump", "--schema", schema, server], capture_output=True, check=True).stdout


def test_no_value_of_a_sealed_column_is_in_the_files_or_the_dump(fresh_database: Database) -> None:
    migrate.upgrade(fresh_database.engine)
    values = fill_every_sealed_column(fresh_database)
    opened(fresh_database, values)
    raw = database_bytes(fresh_database)
    assert b"Leeuwarden" in raw, "the files were really read"
    assert sorted(column for column, value in values.items() if value.encode() in raw) == []
    assert sealed_columns() == FILLED, "every sealed column gets a value"

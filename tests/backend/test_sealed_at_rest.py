"""Nothing typed freely lies in clear in the database files: every text column is sealed, or public by
its nature (and then listed below with the reason), and a recognisable value put into every sealed
column through the services is found in neither the SQLite file and its WAL nor `pg_dump`."""

from __future__ import annotations

import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Enum, String, Text, select

from backend import migrate
from backend.db import Database
from backend.models import Base, CalloutSource, Gender, HourCategory, HourEntry, Inspector, Role, WebUser
from backend.services import (
    accounts,
    callouts,
    control_changes,
    controls,
    disclosures,
    leave,
    ledger,
    outbox,
    safety,
    team,
)
from backend.services.callouts import NewCallout
from backend.services.outbox import Message
from secure_store.types import EncryptedText, blind_index
from tests.conftest import POSTGRES_URL
from tests.factories import NOW, region

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


def sealed_columns() -> set[str]:
    return {
        f"{table.name}.{column.name}"
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, EncryptedText)
    }


def test_every_text_column_is_sealed_or_public_by_its_nature() -> None:
    assert text_columns() - sealed_columns() - PUBLIC_TEXT == set()
    assert text_columns() >= PUBLIC_TEXT, "a listed column no longer exists"


def mark(column: str) -> str:
    """A value nobody would write by chance, naming its column."""
    return f"Hessel de Boer vergat pauze {column.replace('.', ' ').replace('_', ' ')}"


FILLED = {
    "inspectors.name",
    "inspectors.first_name",
    "inspectors.phone",
    "inspectors.telegram_id",
    "designations.decision_reference",
    "web_users.display_name",
    "web_users.totp_secret",
    "api_tokens.name",
    "callouts.location",
    "callouts.notes",
    "outbox_messages.chat_id",
    "outbox_messages.payload",
    "hour_entries.reason",
    "disclosures.receiver",
    "disclosures.purpose",
    "unavailabilities.reason",
    "shift_changes.reason",
    "risk_notes.note",
}
"""The columns the test below fills: every sealed one, and the free text that was stored in clear."""


def fill_every_sealed_column(database: Database) -> dict[str, str]:
    """Through the services, a recognisable value in each sealed column; returns them by column."""
    values = {column: mark(column) for column in FILLED}
    values["inspectors.telegram_id"] = "918273645501"
    with database.transaction() as session:
        _, home = region(session)
        person = team.add_inspector(
            session,
            NOW,
            "web:admin",
            {
                "name": values["inspectors.name"],
                "first_name": values["inspectors.first_name"],
                "phone": values["inspectors.phone"],
                "telegram_id": values["inspectors.telegram_id"],
                "telegram_index": blind_index(values["inspectors.telegram_id"], "telegram"),
                "employer_id": home.id,
                "salary_scale": 7,
                "salary_step": 3,
                "gender": Gender.MALE,
                "trained_since": NOW.date(),
            },
        )
        team.add_designation(
            session,
            NOW,
            "web:admin",
            {
                "inspector_id": person.id,
                "municipality_id": home.id,
                "decision_reference": values["designations.decision_reference"],
                "valid_from": NOW.date(),
            },
        )
        user, _ = accounts.create_web_user(session, NOW, "web:admin", "coordinator", Role.COORDINATOR)
        user.display_name = values["web_users.display_name"]  # no page sets it yet
        values["web_users.totp_secret"] = accounts.new_totp_secret(session, user)
        accounts.create_api_token(session, NOW, "web:admin", values["api_tokens.name"], Role.FINANCE)
        start = NOW + timedelta(hours=2)
        made = callouts.create_callout(
            session,
            NOW,
            "web:coordinator",
            NewCallout(
                home.id,
                CalloutSource.POLICE,
                start,
                start + timedelta(hours=8),
                values["callouts.location"],
                values["callouts.notes"],
            ),
        )
        safety.set_risk_note(
            session, NOW, "web:coordinator", made.shift_id, "high", values["risk_notes.note"]
        )
        payload = {"location": values["outbox_messages.payload"]}
        outbox.send(
            session,
            NOW,
            person,
            Message("callout.location", payload, protect_content=True, disable_notification=True),
        )
        entry = ledger.record(
            session,
            NOW,
            "web:coordinator",
            inspector_id=person.id,
            municipality_id=home.id,
            category=HourCategory.CALLOUT,
            starts_at=NOW - timedelta(hours=30),
            ends_at=NOW - timedelta(hours=26),
        )
        ledger.correct(
            session,
            NOW,
            "web:coordinator",
            entry.id,
            starts_at=NOW - timedelta(hours=30),
            ends_at=NOW - timedelta(hours=25),
            breaks=(),
            by_coordinator=True,
            reason=values["hour_entries.reason"],
        )
        disclosures.record(
            session,
            at=NOW,
            actor="web:finance",
            kind="ledger.csv",
            receiver=values["disclosures.receiver"],
            purpose=values["disclosures.purpose"],
        )
        leave.mark(
            session,
            NOW,
            "web:coordinator",
            person.id,
            NOW.date() + timedelta(days=3),
            NOW.date() + timedelta(days=4),
            values["unavailabilities.reason"],
        )
        day = controls.plan_control(
            session,
            NOW,
            "web:coordinator",
            home.id,
            NOW + timedelta(days=9),
            NOW + timedelta(days=9, hours=9),
        )
        control_changes.cancel_control(
            session, NOW, "web:coordinator", day.id, values["shift_changes.reason"]
        )
    values["outbox_messages.chat_id"] = values["inspectors.telegram_id"]
    return values


def opened(database: Database, values: dict[str, str]) -> None:
    """The values are there, and open through the model: the probe is real."""
    with database.reading() as session:
        reasons = set(session.scalars(select(HourEntry.reason)))
        assert values["hour_entries.reason"] in reasons
        assert session.scalars(select(Inspector.name)).one() == values["inspectors.name"]
        assert session.scalars(select(WebUser.display_name)).one() == values["web_users.display_name"]


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

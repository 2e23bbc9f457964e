"""Shared steps of the sealed-value tests: a recognisable value in every sealed column (through the
services), reading them back, and a swap of two rows' ciphertexts as someone with database access would."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from backend.db import Database
from backend.models import (
    Base,
    CalloutSource,
    Gender,
    HourCategory,
    HourEntry,
    Inspector,
    Role,
    WebUser,
)
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
from tests.factories import NOW, region


def sealed_columns() -> set[str]:
    return {
        f"{table.name}.{column.name}"
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, EncryptedText)
    }


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


def swap(session: Session, column: str, first: int, second: int) -> None:
    """What someone with write access to the database could do: exchange two rows' ciphertexts."""
    # Column names come from the test itself, never from input.
    read, write = (
        f"SELECT {column} FROM inspectors WHERE id = :id",  # noqa: S608
        f"UPDATE inspectors SET {column} = :v WHERE id = :id",  # noqa: S608
    )
    first_value = session.execute(text(read), {"id": first}).scalar_one()
    second_value = session.execute(text(read), {"id": second}).scalar_one()
    session.execute(text(write), [{"id": first, "v": second_value}, {"id": second, "v": first_value}])
    session.expire_all()

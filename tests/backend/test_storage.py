"""What lands in the database: sealed personal data, append-only ledger and audit log."""

from datetime import timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from backend.models import HourBreak, HourCategory, HourEntry, Inspector
from secure_store.types import blind_index
from tests.factories import NOW, inspector, region


def test_an_inspector_name_is_sealed_in_the_row_and_readable_through_the_model(session: Session) -> None:
    _, home = region(session)
    made = inspector(session, home, name="Hiltsje Terpstra", telegram_id="5550001")
    raw = session.execute(
        text("SELECT name, telegram_id FROM inspectors WHERE id = :id"), {"id": made.id}
    ).one()
    assert raw.name.startswith("pk2:") and "Hiltsje" not in raw.name
    assert "5550001" not in raw.telegram_id
    session.expire_all()
    assert session.get(Inspector, made.id).name == "Hiltsje Terpstra"


def test_an_inspector_is_found_by_telegram_id_through_the_blind_index(session: Session) -> None:
    _, home = region(session)
    made = inspector(session, home, telegram_id="5550002")
    inspector(session, home, name="Durk Wijnstra", telegram_id="5550003")
    found = session.scalars(
        select(Inspector).where(Inspector.telegram_index == blind_index("5550002", "telegram"))
    ).one()
    assert found.id == made.id


def test_a_naive_instant_is_refused(session: Session) -> None:
    _, home = region(session)
    with pytest.raises(Exception, match="time zone"):
        inspector(session, home).revoked_at = NOW.replace(tzinfo=None)
        session.flush()


def _entry(session: Session) -> HourEntry:
    _, home = region(session)
    worker = inspector(session, home)
    entry = HourEntry(
        inspector_id=worker.id,
        municipality_id=home.id,
        category=HourCategory.CALLOUT,
        starts_at=NOW,
        ends_at=NOW + timedelta(hours=9),
        break_minutes=60,
        worked_minutes=480,
        plain_minutes=240,
        weekday_20_minutes=180,
        weekday_40_minutes=60,
        saturday_minutes=0,
        sunday_holiday_minutes=0,
        entered_by="bot:inspector:1",
        entered_at=NOW,
        breaks=[HourBreak(starts_at=NOW + timedelta(hours=4), ends_at=NOW + timedelta(hours=5))],
    )
    session.add(entry)
    session.flush()
    return entry


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE hour_entries SET worked_minutes = 600 WHERE id = :id",
        "DELETE FROM hour_entries WHERE id = :id",
        "UPDATE hour_breaks SET starts_at = ends_at WHERE entry_id = :id",
        "DELETE FROM hour_breaks WHERE entry_id = :id",
    ],
)
def test_the_ledger_refuses_to_change_a_written_entry(session: Session, statement: str) -> None:
    entry = _entry(session)
    with pytest.raises(DBAPIError, match="append-only"), session.begin_nested():
        session.execute(text(statement), {"id": entry.id})


def test_band_minutes_must_add_up_to_the_worked_minutes(session: Session) -> None:
    entry = _entry(session)
    with pytest.raises(DBAPIError), session.begin_nested():
        session.execute(
            text(
                "INSERT INTO hour_entries (inspector_id, municipality_id, category, starts_at, ends_at,"
                " break_minutes, worked_minutes, plain_minutes, weekday_20_minutes, weekday_40_minutes,"
                " saturday_minutes, sunday_holiday_minutes, entered_by, entered_at)"
                " SELECT inspector_id, municipality_id, category, starts_at, ends_at, break_minutes,"
                " 999, plain_minutes, weekday_20_minutes, weekday_40_minutes, saturday_minutes,"
                " sunday_holiday_minutes, entered_by, entered_at FROM hour_entries WHERE id = :id"
            ),
            {"id": entry.id},
        )

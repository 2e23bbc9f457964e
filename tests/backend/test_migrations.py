from datetime import UTC, datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, insert, inspect, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from backend import migrate
from backend.db import Database
from backend.models import ApiToken, Base, Designation, HourCategory, HourEntry, Unavailability
from backend.services import ledger, work_hours
from scheduling.calendar import team_zone
from scheduling.ort import split_bands
from tests.factories import NOW, inspector, region
from tests.profiles import TABLES


def test_the_schema_goes_up_down_and_up_again(fresh_database: Database) -> None:
    engine = fresh_database.engine
    migrate.upgrade(engine)
    assert migrate.is_up_to_date(engine)
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
    migrate.downgrade(engine, "base")
    assert migrate.current_revision(engine) is None
    assert not set(Base.metadata.tables) & set(inspect(engine).get_table_names())
    migrate.upgrade(engine)
    assert migrate.is_up_to_date(engine)


def test_the_head_and_the_current_revision_are_read_as_alembic_reads_them(fresh_database: Database) -> None:
    """Every process asks whether its database is current without importing alembic: the answer must be
    alembic's, before any migration, part of the way, and at the head."""
    engine = fresh_database.engine
    alembic_head = ScriptDirectory.from_config(migrate.alembic_config(engine)).get_current_head()
    assert migrate.head_revision(engine) == alembic_head
    for revision in (None, "0012_work_categories", alembic_head):
        if revision is not None:
            migrate.upgrade(engine, revision)
        with engine.connect() as connection:
            assert (
                migrate.current_revision(engine)
                == MigrationContext.configure(connection).get_current_revision()
            )
        assert migrate.current_revision(engine) == revision
        assert migrate.is_up_to_date(engine) is (revision == alembic_head)


def test_the_migrations_build_exactly_what_the_models_describe(migrated_database: Database) -> None:
    with migrated_database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = [
            d
            for d in compare_metadata(context, Base.metadata)
            if not (
                isinstance(d, tuple)
                and d[0] == "remove_table"
                and d[1].name in ("alembic_version", "scheduler_jobs")
            )
        ]
    assert differences == []


OLD_SHAPES = [  # (local start, minutes long, break minutes) as entries were booked before 0006
    (datetime(2027, 3, 9, 14, 0), 540, 60),  # the standard day: the break was put at 18:00-19:00
    (datetime(2027, 3, 10, 13, 7), 487, 45),  # odd minutes
    (datetime(2027, 10, 30, 21, 0), 600, 30),  # across the long night of October
    (datetime(2027, 3, 11, 9, 0), 180, 0),  # no break: no interval
]


BEFORE_BREAKS = "0008_team_profile"
"""The revision before break intervals: the models (and the factories) fit it but for hour_breaks."""


def test_old_entries_keep_their_minutes_with_the_break_where_the_old_rule_put_it(
    fresh_database: Database,
) -> None:
    engine = fresh_database.engine
    migrate.upgrade(engine, BEFORE_BREAKS)
    with Session(engine) as session:
        _, place = region(session)
        person = inspector(session, place)
        expected = {}
        for start, length, pause in OLD_SHAPES:
            starts_at = start.replace(tzinfo=team_zone()).astimezone(UTC)  # as the ledger passes them
            ends_at = starts_at + timedelta(minutes=length)
            split = split_bands(starts_at, ends_at, pause, tables=TABLES)
            bands = {field: split.minutes[band] for band, field in ledger.BAND_FIELDS.items()}
            row = session.execute(
                insert(HourEntry.__table__)
                .values(
                    inspector_id=person.id,
                    municipality_id=place.id,
                    category="control",
                    starts_at=starts_at.astimezone(UTC),
                    ends_at=ends_at.astimezone(UTC),
                    break_minutes=pause,
                    worked_minutes=split.worked_minutes,
                    entered_by="test",
                    entered_at=datetime(2027, 12, 1, tzinfo=UTC),
                    **bands,
                )
                .returning(HourEntry.__table__.c.id)
            ).scalar_one()
            expected[row] = (starts_at, ends_at, pause, bands)
        session.commit()
    migrate.upgrade(engine)
    with Session(engine) as session:
        for entry_id, (starts_at, ends_at, pause, bands) in expected.items():
            entry = session.get_one(HourEntry, entry_id)
            breaks = [(b.starts_at, b.ends_at) for b in entry.breaks]
            assert sum((b - a).total_seconds() // 60 for a, b in breaks) == pause
            again = split_bands(starts_at, ends_at, breaks=breaks, tables=TABLES)
            assert {field: again.minutes[band] for band, field in ledger.BAND_FIELDS.items()} == bands
        standard = session.get_one(HourEntry, min(expected))
        assert [
            (f"{b.starts_at.astimezone(team_zone()):%H:%M}", f"{b.ends_at.astimezone(team_zone()):%H:%M}")
            for b in standard.breaks
        ] == [("18:00", "19:00")]
    migrate.downgrade(engine, BEFORE_BREAKS)
    assert "hour_breaks" not in inspect(engine).get_table_names()


BEFORE_CONTROL_CHANGES = "0009_break_intervals"


def test_days_off_from_before_keep_their_period_and_are_booked_to_the_migration(
    fresh_database: Database,
) -> None:
    engine = fresh_database.engine
    migrate.upgrade(engine, BEFORE_CONTROL_CHANGES)
    starts_at = datetime(2027, 3, 15, 23, 0)
    with Session(engine) as session:
        _, place = region(session)
        person = inspector(session, place)
        session.execute(
            text(
                "INSERT INTO unavailabilities (inspector_id, starts_at, ends_at) VALUES (:who, :start, :end)"
            ),
            {"who": person.id, "start": starts_at, "end": starts_at + timedelta(days=2)},
        )
        session.commit()
    migrate.upgrade(engine)
    with Session(engine) as session:
        row = session.execute(select(Unavailability)).scalar_one()
        assert (row.created_by, row.reason) == ("migration", None)
        assert row.created_at == row.starts_at == starts_at.replace(tzinfo=UTC)
    migrate.downgrade(engine, BEFORE_CONTROL_CHANGES)
    assert "reason" not in {c["name"] for c in inspect(engine).get_columns("unavailabilities")}


WORK_CATEGORIES = "0012_work_categories"


def test_work_categories_are_allowed_the_ledger_stays_append_only_and_a_downgrade_will_not_lose_them(
    fresh_database: Database,
) -> None:
    engine = fresh_database.engine
    migrate.upgrade(engine, WORK_CATEGORIES)
    with Session(engine) as session:
        _, place = region(session)
        starts_at = datetime(2027, 3, 9, 9, 0, tzinfo=team_zone())
        entry = work_hours.record_work(
            session,
            NOW,
            "test",
            inspector_id=inspector(session, place).id,
            category=HourCategory.TRAINING,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=3),
        )
        session.commit()
        with pytest.raises(Exception, match="append-only"):
            session.execute(update(HourEntry).where(HourEntry.id == entry.id).values(entered_by="x"))
        session.rollback()
    with pytest.raises(RuntimeError, match="category the older schema does not know"):
        migrate.downgrade(engine, "0009_break_intervals")


BEFORE_SEALING = "0009_break_intervals"
"""The revision before free text was sealed (0015)."""


def test_free_text_stored_in_clear_is_sealed_by_the_upgrade_and_opened_by_the_downgrade(
    fresh_database: Database,
) -> None:
    engine = fresh_database.engine
    migrate.upgrade(engine, BEFORE_SEALING)
    clear = {
        "reason": "Hessel de Boer vergat pauze",
        "reference": "Besluit 2027/14 S. Dijkstra",
        "token": "export voor Wytske",
    }
    with Session(engine) as session:
        _, place = region(session)
        person = inspector(session, place)
        session.execute(
            text(
                "INSERT INTO designations (inspector_id, municipality_id, decision_reference, valid_from) "
                "VALUES (:i, :m, :r, '2027-01-01')"
            ),
            {"i": person.id, "m": place.id, "r": clear["reference"]},
        )
        session.execute(
            text(
                "INSERT INTO api_tokens (name, token_hash, role, is_read_only, created_by, created_at, "
                "expires_at) VALUES (:n, 'h', 'finance', true, 'cli', '2027-01-01 00:00:00', "
                "'2028-01-01 00:00:00')"
            ),
            {"n": clear["token"]},
        )
        entry = session.execute(
            insert(HourEntry.__table__)
            .values(
                inspector_id=person.id,
                municipality_id=place.id,
                category="control",
                starts_at=datetime(2027, 3, 9, 8, 0, tzinfo=UTC),
                ends_at=datetime(2027, 3, 9, 9, 0, tzinfo=UTC),
                break_minutes=0,
                worked_minutes=60,
                plain_minutes=60,
                weekday_20_minutes=0,
                weekday_40_minutes=0,
                saturday_minutes=0,
                sunday_holiday_minutes=0,
                entered_by="test",
                entered_at=datetime(2027, 3, 9, 10, 0, tzinfo=UTC),
            )
            .returning(HourEntry.__table__.c.id)
        ).scalar_one()
        ids = {"i": person.id, "m": place.id, "e": entry, "r": clear["reason"]}
        session.commit()
    # The old ledger refuses UPDATE: the reason goes in with a raw INSERT of its own.
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO hour_entries (inspector_id, municipality_id, category, starts_at, ends_at, "
                "break_minutes, worked_minutes, plain_minutes, weekday_20_minutes, weekday_40_minutes, "
                "saturday_minutes, sunday_holiday_minutes, reverses_id, reason, entered_by, entered_at) "
                "VALUES (:i, :m, 'control', '2027-03-09 08:00:00', '2027-03-09 09:00:00', 0, -60, -60, "
                "0, 0, 0, 0, :e, :r, 'test', '2027-03-09 10:00:00')"
            ),
            ids,
        )
    migrate.upgrade(engine)
    stored = stored_free_text(engine)
    assert all(value.startswith("pk2:") for value in stored.values()), stored
    with Session(engine) as session:
        assert (
            session.scalars(select(HourEntry.reason).where(HourEntry.reason.is_not(None))).one()
            == clear["reason"]
        )
        assert session.scalars(select(Designation.decision_reference)).one() == clear["reference"]
        assert session.scalars(select(ApiToken.name)).one() == clear["token"]
    with engine.begin() as connection:  # rotation and retention may rewrite a reason, nothing else
        connection.execute(text("UPDATE hour_entries SET reason = NULL"))
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
        connection.execute(text("UPDATE hour_entries SET worked_minutes = 0"))
    migrate.downgrade(engine, BEFORE_SEALING)
    assert stored_free_text(engine) == {"reference": clear["reference"], "token": clear["token"]}


def stored_free_text(engine: Engine) -> dict[str, str]:
    with engine.connect() as connection:
        found = {
            "reason": connection.execute(
                text("SELECT reason FROM hour_entries WHERE reason IS NOT NULL")
            ).scalar_one_or_none(),
            "reference": connection.execute(text("SELECT decision_reference FROM designations")).scalar_one(),
            "token": connection.execute(text("SELECT name FROM api_tokens")).scalar_one(),
        }
    return {key: value for key, value in found.items() if value is not None}


BEFORE_WITHDRAWN = "0021_audit_checkpoint"


def test_an_outbox_message_may_be_withdrawn_and_a_downgrade_keeps_it_as_failed(
    fresh_database: Database,
) -> None:
    engine = fresh_database.engine
    migrate.upgrade(engine, BEFORE_WITHDRAWN)
    row = (
        "INSERT INTO outbox_messages (chat_id, method, payload, ref, status, attempts, not_before_at, "
        "created_at, error) VALUES ('sealed', 'sendMessage', 'sealed', 'offer:1', :status, 0, "
        "'2027-03-09 10:00:00', '2027-03-09 10:00:00', 'withdrawn: changed before it was sent')"
    )
    with pytest.raises(DBAPIError, match=r"(?i)check"), engine.begin() as connection:
        connection.execute(text(row), {"status": "withdrawn"})
    migrate.upgrade(engine)
    with engine.begin() as connection:
        connection.execute(text(row), {"status": "withdrawn"})
    migrate.downgrade(engine, BEFORE_WITHDRAWN)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT status, error FROM outbox_messages")).one() == (
            "failed",
            "withdrawn: changed before it was sent",
        )
    with pytest.raises(DBAPIError, match=r"(?i)check"), engine.begin() as connection:
        connection.execute(text(row), {"status": "withdrawn"})

"""Retention: call-out locations and notes are erased on time, counts and hours stay, the erasure is
audited, and the erased values are gone from the database's own files."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from backend import jobs
from backend.config import load_settings
from backend.db import Database
from backend.models import (
    AuditRecord,
    Callout,
    CalloutSource,
    CalloutStatus,
    HourCategory,
    HourEntry,
    OutboxMessage,
    Report,
    ReportStatus,
    Shift,
    ShiftKind,
)
from backend.services import ledger
from scheduling.clock import FrozenClock
from tests.factories import inspector, region

DAY = timedelta(days=1)


@dataclass
class Place:
    database: Database
    clock: FrozenClock
    municipality_id: int
    writer_id: int

    def callout(
        self,
        *,
        ended_days_ago: int,
        report: ReportStatus | None = None,
        reviewed_days_ago: int | None = None,
        address: str = "Kerkstraat 1",
    ) -> int:
        ends_at = self.clock.now() - ended_days_ago * DAY
        with self.database.transaction() as session:
            shift = Shift(
                kind=ShiftKind.CALLOUT,
                municipality_id=self.municipality_id,
                starts_at=ends_at - timedelta(hours=9),
                ends_at=ends_at,
                created_at=ends_at - timedelta(hours=10),
            )
            session.add(shift)
            session.flush()
            made = Callout(
                shift_id=shift.id,
                source=CalloutSource.MMA,
                location=address,
                notes="achterom",
                status=CalloutStatus.FILLED,
                created_by="test",
                created_at=shift.created_at,
            )
            session.add(made)
            if report is not None:
                reviewed_at = self.clock.now() - reviewed_days_ago * DAY if reviewed_days_ago else None
                session.add(
                    Report(
                        shift_id=shift.id, writer_id=self.writer_id, status=report, reviewed_at=reviewed_at
                    )
                )
            session.flush()
            return made.id

    def details(self, callout_id: int) -> tuple[str | None, str | None]:
        with self.database.transaction() as session:
            found = session.get_one(Callout, callout_id)
            return found.location, found.notes


@pytest.fixture
def place(migrated_copy: Database, clock: FrozenClock, tmp_path: Path) -> Place:
    with migrated_copy.transaction() as session:
        _, home = region(session)
        writer = inspector(session, home)
        made = Place(migrated_copy, clock, home.id, writer.id)
    settings = load_settings({"PIKET_DATA_DIR": str(tmp_path), "PIKET_RETENTION_DAYS": "30"})
    jobs.bind(jobs.JobContext(migrated_copy, clock, settings))
    return made


def test_details_go_30_days_after_review_and_not_before(place: Place) -> None:
    old = place.callout(ended_days_ago=40, report=ReportStatus.REVIEWED, reviewed_days_ago=31)
    recent = place.callout(ended_days_ago=40, report=ReportStatus.REVIEWED, reviewed_days_ago=10)
    writing = place.callout(ended_days_ago=40, report=ReportStatus.WRITTEN)
    assert jobs.retain() == 1
    assert place.details(old) == (None, None)
    assert place.details(recent) == ("Kerkstraat 1", "achterom")
    assert place.details(writing) == ("Kerkstraat 1", "achterom"), "kept while the report is under way"
    assert jobs.retain() == 0, "running again erases nothing twice"


def test_a_call_out_without_a_report_loses_its_details_after_its_shift_and_none_lingers(place: Place) -> None:
    no_report = place.callout(ended_days_ago=31)
    stuck = place.callout(ended_days_ago=181, report=ReportStatus.PENDING)
    assert jobs.retain() == 2
    assert place.details(no_report) == place.details(stuck) == (None, None)


def test_counts_and_times_stay_and_the_erasure_is_audited(place: Place) -> None:
    erased = place.callout(ended_days_ago=40, report=ReportStatus.REVIEWED, reviewed_days_ago=31)
    jobs.retain()
    with place.database.transaction() as session:
        found = session.get_one(Callout, erased)
        assert found.details_purged_at == place.clock.now() and found.source is CalloutSource.MMA
        assert session.execute(select(func.count(Callout.id))).scalar_one() == 1
        actions = session.execute(select(AuditRecord.action, AuditRecord.subject)).all()
        assert ("callout.details_purged", f"callout:{erased}") in actions


def database_files(database: Database) -> list[Path]:
    """The files that hold the call-outs table: SQLite's file and WAL, or PostgreSQL's relation file."""
    if database.is_sqlite:
        path = Path(database.url.removeprefix("sqlite:///"))
        return [p for p in (path, Path(f"{path}-wal")) if p.exists()]
    with database.engine.connect() as connection:
        connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        connection.execute(text("CHECKPOINT"))
        relation = connection.execute(
            text("SELECT current_setting('data_directory') || '/' || pg_relation_filepath('callouts')")
        ).scalar_one()
    if not os.access(relation, os.R_OK):
        pytest.skip(f"cannot read PostgreSQL's files here ({relation})")
    return [Path(relation)]


def erasable_location(place: Place) -> bytes:
    """A call-out whose address is due for erasure; the tail of its sealed value, to look for in files."""
    erased = place.callout(
        ended_days_ago=40, report=ReportStatus.REVIEWED, reviewed_days_ago=31, address="Wilhelminastraat 99"
    )
    with place.database.engine.connect() as connection:
        sealed = connection.execute(
            text("SELECT location FROM callouts WHERE id = :id"), {"id": erased}
        ).scalar_one()
    return str(sealed)[-40:].encode()


def test_erased_values_are_gone_from_the_database_files(place: Place) -> None:
    needle = erasable_location(place)
    assert any(needle in path.read_bytes() for path in database_files(place.database)), "the probe finds it"
    jobs.retain()
    for path in database_files(place.database):
        assert needle not in path.read_bytes(), path


def test_an_older_transaction_still_open_is_waited_for_so_the_rewrite_drops_the_value(place: Place) -> None:
    if place.database.is_sqlite:
        pytest.skip("SQLite zeroes freed space at once (secure_delete); no snapshot keeps a version")
    needle = erasable_location(place)
    reader = place.database.engine.connect().execution_options(isolation_level="REPEATABLE READ")
    reader.execute(text("SELECT count(*) FROM callouts"))  # a snapshot from before the erasure
    threading.Timer(1.0, reader.close).start()  # ends a second into the scrub
    jobs.retain()
    for path in database_files(place.database):
        assert needle not in path.read_bytes(), path


def test_an_older_transaction_that_wrote_is_waited_for_too(place: Place) -> None:
    """A transaction that has written holds the horizon by its own id, between its statements too,
    when it holds no snapshot (another worker's long test transaction did: the value stayed)."""
    if place.database.is_sqlite:
        pytest.skip("SQLite zeroes freed space at once (secure_delete); no snapshot keeps a version")
    needle = erasable_location(place)
    writer = place.database.engine.connect()
    writer.execute(text("SELECT txid_current()"))  # an id of its own, as a first write gets
    threading.Timer(1.0, writer.close).start()
    jobs.retain()
    for path in database_files(place.database):
        assert needle not in path.read_bytes(), path


def test_the_job_erases_address_hashes_after_the_warning_period_and_keeps_recent_ones(place: Place) -> None:
    from backend.models import ControlledAddress
    from backend.services import findings

    old, recent = place.callout(ended_days_ago=200), place.callout(ended_days_ago=20)
    with place.database.transaction() as session:
        for callout_id, address in ((old, "Kerkstraat 1"), (recent, "Kerkstraat 2")):
            shift = session.get_one(Shift, session.get_one(Callout, callout_id).shift_id)
            findings.remember_address(session, place.clock.now(), shift, address)
    jobs.retain()
    with place.database.transaction() as session:
        assert findings.recent_control(session, place.clock.now(), "Kerkstraat 2") is not None
        assert session.execute(select(func.count(ControlledAddress.id))).scalar_one() == 1
        actions = session.execute(select(AuditRecord.action)).scalars().all()
        assert "addresses.forgotten" in actions


def corrected(place: Place, entered_days_ago: int, reason: str) -> int:
    """An entry and its correction with `reason`, entered that many days ago; returns the correction."""
    at = place.clock.now() - entered_days_ago * DAY
    with place.database.transaction() as session:
        entry = ledger.record(
            session,
            at,
            "web:coordinator",
            inspector_id=place.writer_id,
            municipality_id=place.municipality_id,
            category=HourCategory.CONTROL,
            starts_at=at - timedelta(hours=5),
            ends_at=at - timedelta(hours=2),
        )
        return ledger.correct(
            session,
            at,
            "web:coordinator",
            entry.id,
            starts_at=at - timedelta(hours=5),
            ends_at=at - timedelta(hours=1),
            breaks=(),
            by_coordinator=True,
            reason=reason,
        ).id


def test_a_correction_reason_goes_after_its_retention_and_the_hours_stay(place: Place) -> None:
    old = corrected(place, 401, "Hessel de Boer vergat pauze")
    recent = corrected(place, 399, "met Sjoerd Dijkstra afgesproken")
    assert jobs.retain() == 2, "the correction and its reversal"
    with place.database.transaction() as session:
        entries = {e.id: e for e in session.scalars(select(HourEntry))}
        assert entries[old].reason is None and entries[old].worked_minutes == 240
        assert entries[recent].reason == "met Sjoerd Dijkstra afgesproken"
        actions = session.execute(select(AuditRecord.action, AuditRecord.details)).all()
        assert ("hours.reasons_purged", '{"entries": 2}') in actions
    assert jobs.retain() == 0


def test_a_call_outs_risk_note_goes_with_its_details_and_not_before(place: Place) -> None:
    from backend.models import RiskNote
    from backend.services import safety

    erased = place.callout(ended_days_ago=40, report=ReportStatus.REVIEWED, reviewed_days_ago=31)
    kept = place.callout(ended_days_ago=40, report=ReportStatus.WRITTEN)
    with place.database.transaction() as session:
        shifts = {c: session.get_one(Callout, c).shift_id for c in (erased, kept)}
        for shift_id in shifts.values():
            safety.set_risk_note(session, place.clock.now(), "web:coordinator", shift_id, "high", "Honden.")
    jobs.retain()
    with place.database.transaction() as session:
        notes = {n.shift_id: n.note for n in session.execute(select(RiskNote)).scalars()}
        actions = session.execute(select(AuditRecord.action, AuditRecord.subject)).all()
    assert notes == {shifts[erased]: None, shifts[kept]: "Honden."}
    assert ("safety.risk_note_purged", f"shift:{shifts[erased]}") in actions


def test_a_safety_alerts_copies_lose_the_place_and_the_names_with_the_call_outs_details(place: Place) -> None:
    from backend.models import AlertKind, AlertStage, Inspector, SafetyAlert
    from backend.services import outbox, safety_ladder
    from backend.services.outbox import Message

    erased = place.callout(ended_days_ago=40, report=ReportStatus.REVIEWED, reviewed_days_ago=31)
    kept = place.callout(ended_days_ago=40, report=ReportStatus.WRITTEN)
    refs = {}
    with place.database.transaction() as session:
        coordinator = session.get_one(Inspector, place.writer_id)
        coordinator.telegram_id = "918273645502"  # enrolled: only an enrolled phone gets messages
        for callout_id in (erased, kept):
            shift_id = session.get_one(Callout, callout_id).shift_id
            alert = SafetyAlert(
                shift_id=shift_id,
                kind=AlertKind.MISSED_CHECKOUT,
                raised_at=place.clock.now(),
                since_at=place.clock.now(),
                stage=AlertStage.EVERYONE,
            )
            session.add(alert)
            session.flush()
            refs[callout_id] = safety_ladder.ref(alert.id)
            outbox.send(
                session,
                place.clock.now(),
                coordinator,
                Message(
                    "safety.missed_checkout",
                    {"place": "Kerkstraat 1", "who": "Anna Testsma"},
                    disable_notification=True,
                ),
                ref=refs[callout_id],
            )
    jobs.retain()
    with place.database.transaction() as session:
        payloads = {
            ref: session.scalars(select(OutboxMessage.payload).where(OutboxMessage.ref == ref)).one()
            for ref in refs.values()
        }
    assert "Kerkstraat" not in payloads[refs[erased]] and "Anna" not in payloads[refs[erased]]
    assert "Kerkstraat" in payloads[refs[kept]], "kept while the call-out's details are"

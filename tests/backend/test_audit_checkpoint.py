"""The audit page's checkpoint: a view verifies only the records since the last one, a record altered
after it shows at once, one altered before it shows after the next walk from record 1, and a rewritten
checkpoint record shows as well."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import text

from backend import jobs
from backend.config import load_settings
from backend.db import Database
from backend.models import AuditCheckpoint
from backend.services import audit
from scheduling.clock import FrozenClock
from tests.factories import NOW

LATER = NOW + timedelta(hours=1)


def append(database: Database, count: int) -> None:
    with database.transaction() as session:
        for n in range(count):
            audit.record(session, NOW, "system", "test.done", f"thing:{n}")


def tamper(database: Database, backend: str, statement: str) -> None:
    """An attacker with database rights removes the append-only guard, then changes the audit log."""
    with database.engine.begin() as connection:
        if backend == "postgresql":
            connection.execute(text("DROP TRIGGER audit_records_append_only ON audit_records"))
        else:
            connection.execute(text("DROP TRIGGER audit_records_no_update"))
        connection.execute(text(statement))


def view(database: Database, at: object = LATER) -> audit.Checked:
    with database.transaction() as session:
        return audit.verify_since_checkpoint(session, at)  # type: ignore[arg-type]


def test_the_first_view_verifies_every_record_and_the_next_only_those_since(migrated_copy: Database) -> None:
    append(migrated_copy, 4)
    first = view(migrated_copy, NOW)
    assert first.report.is_intact and first.report.count == 4 and first.since == 0
    append(migrated_copy, 3)
    second = view(migrated_copy)
    assert second.report.is_intact and second.report.count == 7
    assert (second.since, second.since_at, second.walked_at) == (4, NOW, NOW)
    assert view(migrated_copy).since == 7


def test_a_record_altered_after_the_checkpoint_shows_as_broken_on_the_next_view(
    migrated_copy: Database, backend: str
) -> None:
    append(migrated_copy, 3)
    view(migrated_copy)
    append(migrated_copy, 3)
    tamper(migrated_copy, backend, "UPDATE audit_records SET actor = 'someone' WHERE seq = 5")
    checked = view(migrated_copy)
    assert checked.report.broken_seq == 5 and "altered" in (checked.report.problem or "")
    assert view(migrated_copy).report.broken_seq == 5, "a broken chain does not move the checkpoint"


def test_a_record_altered_before_the_checkpoint_shows_after_the_walk(
    migrated_copy: Database, backend: str
) -> None:
    append(migrated_copy, 6)
    view(migrated_copy)
    tamper(migrated_copy, backend, "UPDATE audit_records SET actor = 'someone' WHERE seq = 2")
    assert view(migrated_copy).report.is_intact, "the view trusts what it verified before"
    with migrated_copy.transaction() as session:
        walked = audit.walk(session, LATER)
    assert walked.broken_seq == 2
    checked = view(migrated_copy)
    assert checked.report.broken_seq == 2 and "altered" in (checked.report.problem or "")
    assert checked.walked_at == LATER


def test_a_rewritten_checkpoint_record_shows_as_broken(migrated_copy: Database, backend: str) -> None:
    append(migrated_copy, 4)
    view(migrated_copy)
    tamper(migrated_copy, backend, "UPDATE audit_records SET mac = '" + "0" * 64 + "' WHERE seq = 4")
    checked = view(migrated_copy)
    assert checked.report.broken_seq == 4 and "rewritten" in (checked.report.problem or "")


def test_the_daily_anchor_job_walks_the_chain_and_lowers_the_checkpoint_before_a_break(
    migrated_copy: Database, backend: str, tmp_path: Path
) -> None:
    append(migrated_copy, 5)
    view(migrated_copy)
    tamper(migrated_copy, backend, "UPDATE audit_records SET actor = 'someone' WHERE seq = 3")
    settings = load_settings({"PIKET_DATA_DIR": str(tmp_path)})
    jobs.bind(jobs.JobContext(migrated_copy, FrozenClock(LATER), settings))
    jobs.anchor()
    with migrated_copy.transaction() as session:
        point = session.get_one(AuditCheckpoint, audit.CHECKPOINT_ID)
        assert (point.seq, point.walked_at) == (2, LATER)
    assert view(migrated_copy).report.broken_seq == 3

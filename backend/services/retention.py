"""Retention: a call-out's location and notes are erased once they are no longer needed.

They go `retention` (default 30 days) after the report was reviewed. A call-out
that never had a report (cancelled, unstaffed, or the report never came) loses
them `retention` after it closed or its shift ended, and one whose report is
still being written keeps them at most `LONGEST` after its shift. Counts, times,
the pair and the hours stay, for the evaluation. The outbox copies of the
location message are blanked too. Each erasure is recorded in the audit log.
The repeat warning's address hashes go after the team's warning period
(`findings.forget_old_addresses`, run by the same job).

A correction's reason (free text, sealed) is erased `reason_retention` after it was
entered: by then the period was exported and checked. The hours stay.

Erased values must be gone from the database files, not only from the rows:
SQLite runs with secure_delete (freed space is zeroed) and the WAL is folded
back into the file; PostgreSQL's table is rewritten (VACUUM FULL), because an
UPDATE leaves the old row version on disk until then.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, and_, or_, select, text, update
from sqlalchemy.orm import Session

from backend.models import Callout, HourEntry, OutboxMessage, Report, ReportStatus, SafetyAlert, Shift
from backend.services import audit, safety_ladder

LONGEST = timedelta(days=180)
"""However the report goes, a location is kept at most this long after its shift."""
BLANK_PAYLOAD = '{"purged": true}'
SNAPSHOT_WAIT = timedelta(seconds=60)
"""How long the scrub waits for transactions that began before the erasure (see `_older_snapshots_gone`)."""
log = logging.getLogger(__name__)


def purge_due(session: Session, now: datetime, retention: timedelta) -> int:
    """Erase the location and notes of every call-out whose time is up; returns how many."""
    reviewed = select(Report.shift_id).where(
        Report.status == ReportStatus.REVIEWED, Report.reviewed_at < now - retention
    )
    with_report = select(Report.shift_id)
    due = (
        session.execute(
            select(Callout)
            .join(Shift, Shift.id == Callout.shift_id)
            .where(
                Callout.details_purged_at.is_(None),
                or_(
                    Callout.shift_id.in_(reviewed),
                    and_(Callout.shift_id.not_in(with_report), Shift.ends_at < now - retention),
                    Shift.ends_at < now - LONGEST,
                ),
            )
            .with_for_update()
        )
        .scalars()
        .all()
    )
    for callout in due:
        callout.location, callout.notes, callout.details_purged_at = None, None, now
        # One by one, not a bulk UPDATE: each blank is sealed for its own row.
        alerts = [
            safety_ladder.ref(a)
            for a in session.scalars(select(SafetyAlert.id).where(SafetyAlert.shift_id == callout.shift_id))
        ]
        for message in session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.ref.like(f"location:{callout.shift_id}:%") | OutboxMessage.ref.in_(alerts)
            )
        ):
            message.payload = BLANK_PAYLOAD  # the place, and in a safety alert the pair's names too
        audit.record(session, now, "job:retention", "callout.details_purged", f"callout:{callout.id}")
    return len(due)


def purge_reasons(session: Session, now: datetime, reason_retention: timedelta) -> int:
    """Erase the reasons of corrections entered longer ago than `reason_retention`; returns how many.

    The ledger refuses every UPDATE but one that sets only the reason (see migration 0015)."""
    due = (
        session.execute(
            select(HourEntry.id).where(
                HourEntry.reason.is_not(None), HourEntry.entered_at < now - reason_retention
            )
        )
        .scalars()
        .all()
    )
    if due:
        session.execute(update(HourEntry).where(HourEntry.id.in_(due)).values(reason=None))
        audit.record(
            session, now, "job:retention", "hours.reasons_purged", "hour_entries", {"entries": len(due)}
        )
    return len(due)


def scrub_files(engine: Engine) -> None:
    """Make erased values leave the files: fold SQLite's WAL back, or rewrite PostgreSQL's tables."""
    if engine.dialect.name == "sqlite":
        # Outside any transaction (our connections otherwise BEGIN IMMEDIATE): the raw
        # connection is in autocommit mode, where a checkpoint is allowed.
        raw = engine.raw_connection()
        try:
            raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            raw.close()
        return
    with engine.connect() as connection:
        connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        if not _older_snapshots_gone(connection):
            log.warning(
                "retention: transactions older than the erasure are still open; their row versions stay "
                "in the files until the next scrub"
            )
        for table in (
            "callouts",
            "outbox_messages",
            "unavailabilities",
            "shift_changes",
            "controlled_addresses",
            "hour_entries",
            "risk_notes",
        ):
            connection.execute(text(f"VACUUM FULL {table}"))


def _older_snapshots_gone(connection: Connection, wait: timedelta = SNAPSHOT_WAIT) -> bool:
    """Wait until no other session of this database can still read row versions from before now: VACUUM
    FULL keeps a version that a running transaction (a long request, a backup) might read, and the
    erased value would then stay in the rewritten file. A transaction that has written counts by its
    own id too: between its statements it holds no snapshot, yet VACUUM keeps what it might read.
    False if some still could after `wait`."""
    horizon = connection.execute(text("SELECT txid_current() % 4294967296")).scalar_one()
    older = text(  # older by its snapshot, or by its own id (a transaction that has written)
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND pid <> pg_backend_pid() AND (age(backend_xmin) > age(CAST(CAST(:horizon AS text) AS xid)) "
        "OR age(backend_xid) > age(CAST(CAST(:horizon AS text) AS xid)))"
    )
    deadline = time.monotonic() + wait.total_seconds()
    while connection.execute(older, {"horizon": horizon}).scalar_one():
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1)
    return True

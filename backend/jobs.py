"""The jobs the backend registers with the runner.

APScheduler stores a job as a reference to a module-level function, so the
process binds its database, clock and settings here once at start. The jobs do
what is due by the database's state and the injected clock, with
compare-and-set steps, so a job that runs twice (a restart, a second
instance before the leader lock settles) sends nothing twice, and a job that
was down for a while catches up on its next run.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import NamedTuple

from backend.config import Settings
from backend.db import Database
from backend.services import (
    audit,
    backup,
    callouts,
    control_changes,
    controls,
    disclosures,
    findings,
    hours,
    installation,
    leave,
    retention,
    safety,
    safety_ladder,
)
from scheduling.calendar import team_zone
from scheduling.clock import Clock
from scheduling.runner import Runner
from secure_store import current_keyring

log = logging.getLogger(__name__)

SWEEP_JOB = "piket.sweep"
RETENTION_JOB = "piket.retention"
RETENTION_SECONDS = 3600
ANCHOR_JOB = "piket.anchor"
BACKUP_JOB = "piket.backup"
BACKUP_GRACE_SECONDS = 6 * 3600
"""A leader that was down at backup time still writes the day's backup within this while."""
BACKUP_RECEIVER = "eigen back-upmap (PIKET_BACKUP_DIR)"
BACKUP_PURPOSE = "dagelijkse versleutelde back-up, voor herstel"
"""What the register says of the scheduled backup: it stays with the team, for restoring."""


@dataclass
class JobContext:
    database: Database
    clock: Clock
    settings: Settings


_context: JobContext | None = None


def bind(context: JobContext) -> None:
    global _context
    _context = context


def register(runner: Runner) -> None:
    runner.schedule_every(SWEEP_JOB, f"{__name__}:sweep", _bound().settings.sweep_seconds)
    runner.schedule_every(RETENTION_JOB, f"{__name__}:retain", RETENTION_SECONDS)
    settings = _bound().settings
    runner.schedule_daily(
        ANCHOR_JOB,
        f"{__name__}:anchor",
        settings.backup_at,
        team_zone(),
        misfire_grace_seconds=BACKUP_GRACE_SECONDS,
    )
    if settings.backup_dir is None:
        runner.cancel(BACKUP_JOB)  # switched off since the last start
    else:
        runner.schedule_daily(
            BACKUP_JOB,
            f"{__name__}:back_up",
            settings.backup_at,
            team_zone(),
            misfire_grace_seconds=BACKUP_GRACE_SECONDS,
        )


class Swept(NamedTuple):
    """How many prompts one sweep queued, by kind."""

    reminders: int = 0
    escalations: int = 0
    confirm_requests: int = 0
    shift_reminders: int = 0
    hour_prompts: int = 0
    safety_asks: int = 0
    safety_alerts: int = 0
    safety_climbs: int = 0


def _bound() -> JobContext:
    if _context is None:
        raise RuntimeError("backend.jobs.bind() was not called in this process")
    return _context


def sweep_safety(database: Database, clock: Clock) -> tuple[int, int, int]:
    """The pair's safety: ask at the start, alert on a missed check-out, climb the ladder; returns how
    many of each. Each step is its own transaction of compare-and-set steps, so a sweep on a second
    instance or after a restart repeats nothing."""
    with database.transaction() as session:
        asked = safety.ask_at_start(session, clock.now())
    with database.transaction() as session:
        raised = safety_ladder.raise_missed(session, clock.now())
    with database.transaction() as session:
        climbed = safety_ladder.climb(session, clock.now())
    return asked, raised, climbed


def retain() -> int:
    """Erase call-out locations and notes, days off, address hashes and correction reasons whose retention
    is over (hourly), then scrub the files; returns how many call-outs and entries lost their details."""
    context = _bound()
    settings, now = context.settings, context.clock.now()
    kept = timedelta(days=settings.retention_days)
    with context.database.transaction() as session:
        purged = retention.purge_due(session, now, kept)
        notes = safety.purge_risk_notes(session, now, kept)
        safety.forget_taps(session, now, kept)
        reasons = retention.purge_reasons(session, now, timedelta(days=settings.reason_retention_days))
        days_off = leave.purge_ended(session, now, kept)
        changes = control_changes.purge_reasons(session, now, kept)
        forgotten = findings.forget_old_addresses(session, now)
    if purged or reasons or days_off or changes or forgotten or notes:
        retention.scrub_files(context.database.engine)
        log.info(
            "retention: erased the details of %d call-outs, %d correction reasons, %d periods of days "
            "off, %d address hashes and %d risk notes",
            purged,
            reasons,
            days_off,
            forgotten,
            notes,
        )
    return purged + reasons


def back_up() -> str | None:
    """The daily encrypted backup into PIKET_BACKUP_DIR, pruned to PIKET_BACKUP_KEEP; returns its name."""
    context = _bound()
    directory = context.settings.backup_dir
    if directory is None:
        return None
    # Recorded first, so that the backup holds its own line of the register.
    with context.database.transaction() as session:
        disclosures.record(
            session,
            at=context.clock.now(),
            actor="job:backup",
            kind="backup",
            receiver=BACKUP_RECEIVER,
            purpose=BACKUP_PURPOSE,
            scope={"directory": "PIKET_BACKUP_DIR"},
        )
    written, removed = backup.write_scheduled(
        context.database, current_keyring(), directory, context.clock.now(), context.settings.backup_keep
    )
    log.info("backup: wrote %s (%d bytes); removed %d older", written.name, written.size_bytes, len(removed))
    return written.name


def anchor() -> str | None:
    """The day's check and anchor of the audit log: the whole chain verified from record 1 (which
    sets the audit page's checkpoint), then its head in a message to the admins (see
    backend.services.audit); returns the anchor, or None when there was nothing to send."""
    context = _bound()
    with context.database.transaction() as session:
        walked = audit.walk(session, context.clock.now())
    if not walked.is_intact:
        log.error("audit: the chain is broken at record %d: %s", walked.broken_seq, walked.problem)
    with context.database.transaction() as session:
        sent = audit.send_anchor(session, context.clock.now())
    if sent is not None:
        log.info("audit: anchored the head at record %d", sent.seq)
    return str(sent) if sent else None


def sweep() -> Swept:
    """Everything due now: offer reminders, escalations, control-day requests and shift reminders,
    hour prompts. Each step is its own
    transaction, so one that fails (and is retried on the next run) does not hold up the others."""
    context = _bound()
    settings, database, clock = context.settings, context.database, context.clock
    with database.transaction() as session:
        installation.follow_team_zone(session)
        reminders, escalations = callouts.remind_and_escalate(
            session,
            clock.now(),
            timedelta(minutes=settings.offer_reminder_minutes),
            timedelta(minutes=settings.offer_escalation_minutes),
        )
    with database.transaction() as session:
        confirm_requests, shift_reminders = controls.ask_and_remind(session, clock.now())
    with database.transaction() as session:
        hour_prompts = hours.ask_after_shifts(session, clock.now())
    done = Swept(
        reminders,
        escalations,
        confirm_requests,
        shift_reminders,
        hour_prompts,
        *sweep_safety(context.database, context.clock),
    )
    if any(done):
        log.info("sweep: %s", done)
    return done

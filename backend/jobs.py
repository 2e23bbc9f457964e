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
from backend.services import callouts, controls, hours, retention
from scheduling.clock import Clock
from scheduling.runner import Runner

log = logging.getLogger(__name__)

SWEEP_JOB = "piket.sweep"
RETENTION_JOB = "piket.retention"
RETENTION_SECONDS = 3600


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


class Swept(NamedTuple):
    """How many prompts one sweep queued, by kind."""

    reminders: int = 0
    escalations: int = 0
    confirm_requests: int = 0
    shift_reminders: int = 0
    hour_prompts: int = 0


def _bound() -> JobContext:
    if _context is None:
        raise RuntimeError("backend.jobs.bind() was not called in this process")
    return _context


def retain() -> int:
    """Erase call-out locations and notes whose retention is over (hourly), then scrub the files."""
    context = _bound()
    with context.database.transaction() as session:
        purged = retention.purge_due(session, context.clock.now(),
                                     timedelta(days=context.settings.retention_days))
    if purged:
        retention.scrub_files(context.database.engine)
        log.info("retention: erased the details of %d call-outs", purged)
    return purged


def sweep() -> Swept:
    """Everything due now: offer reminders, escalations, control-day requests and shift reminders,
    hour prompts. Each step is its own
    transaction, so one that fails (and is retried on the next run) does not hold up the others."""
    context = _bound()
    settings, database, clock = context.settings, context.database, context.clock
    with database.transaction() as session:
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
    done = Swept(reminders, escalations, confirm_requests, shift_reminders, hour_prompts)
    if any(done):
        log.info("sweep: %s", done)
    return done

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

from backend.config import Settings
from backend.db import Database
from backend.services import callouts
from scheduling.clock import Clock
from scheduling.runner import Runner

log = logging.getLogger(__name__)

SWEEP_JOB = "piket.sweep"
SWEEP_SECONDS = 15


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
    runner.schedule_every(SWEEP_JOB, f"{__name__}:sweep", SWEEP_SECONDS)


def sweep() -> tuple[int, int]:
    """Reminders and escalations that are due now; returns (reminders, escalations)."""
    if _context is None:
        raise RuntimeError("backend.jobs.bind() was not called in this process")
    settings = _context.settings
    with _context.database.transaction() as session:
        done = callouts.remind_and_escalate(
            session,
            _context.clock.now(),
            timedelta(minutes=settings.offer_reminder_minutes),
            timedelta(minutes=settings.offer_escalation_minutes),
        )
    if any(done):
        log.info("sweep: %d reminders, %d escalations", *done)
    return done

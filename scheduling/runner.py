"""A thin APScheduler wrapper: persistent jobs, misfire grace, and one leader among instances.

Jobs live in a SQLAlchemy job store, so a restart loses none. Every instance
can add jobs (its scheduler runs paused and only writes to the store); only the
instance that holds the leader lock executes them. The leader pokes its
scheduler every `poll_seconds`, because APScheduler 3 sleeps until the next job
it knows of and would not notice a job another instance just added.

`on_leadership` hears, at every poll, what the runner knows: True while this
instance holds the lock, False while another one does. While the database
cannot be reached it hears nothing: losing the lock that way pauses the jobs
(they would fail anyway), but nobody else can lead without the database either,
so what follows leadership (the bot) may go on until another leader is seen.

APScheduler keeps its own time. piket's jobs therefore never trust the moment
they were fired: each reads the injected `Clock` and does what is due by the
state in the database (compare-and-set, so a job that runs twice does nothing
the second time). Tests move the clock and call the job; nothing waits.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, time, tzinfo
from typing import Any, Protocol

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.exc import OperationalError

log = logging.getLogger(__name__)

JOB_TABLE = "scheduler_jobs"


class LeaderLock(Protocol):
    def try_acquire(self) -> bool:
        """Take the lock if free; True while this process holds it."""
        ...

    def is_held(self) -> bool:
        """Whether this process still holds it (a lost database connection loses it)."""
        ...

    def release(self) -> None: ...


class _Scheduler(BackgroundScheduler):  # type: ignore[misc]  # APScheduler 3 has no type hints
    """APScheduler 3 with a scheduling round that outlives a database error.

    APScheduler guards only its query for due jobs. The database going away a
    moment later (updating a job's next run time, reading the next wakeup) raised
    out of its loop and ended its thread: the runner went on leading, the bot on
    sending, and no job ran again in that process. Such a round is now retried
    like a failed query (`jobstore_retry_interval`, or the runner's next poll)."""

    def _process_jobs(self) -> float | None:
        try:
            wait: float | None = super()._process_jobs()
        except Exception as error:  # the database is away; the jobs are still in it
            log.warning(
                "scheduler round failed (%s); retrying",
                type(error).__name__,
                exc_info=not isinstance(error, OperationalError),
            )
            retry: float = self.jobstore_retry_interval
            return retry
        return wait


class Runner:
    def __init__(
        self,
        engine: Any,
        leader_lock: LeaderLock,
        *,
        misfire_grace_seconds: int = 300,
        poll_seconds: float = 10.0,
        on_leadership: Callable[[bool], None] | None = None,
    ) -> None:
        self._lock = leader_lock
        self._on_leadership = on_leadership or (lambda leading: None)
        self._poll_seconds = poll_seconds
        self._stop = threading.Event()
        self._paused = True
        self._thread: threading.Thread | None = None
        self.scheduler = _Scheduler(
            jobstores={"default": SQLAlchemyJobStore(engine=engine, tablename=JOB_TABLE)},
            job_defaults={"misfire_grace_time": misfire_grace_seconds, "coalesce": True, "max_instances": 1},
            timezone=UTC,
        )

    @property
    def is_leader(self) -> bool:
        return self.scheduler.running and self._lock.is_held() and not self._paused

    def start(self) -> None:
        self.scheduler.start(paused=True)
        self._thread = threading.Thread(target=self._lead, name="piket-runner", daemon=True)
        self._thread.start()

    def shutdown(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=self._poll_seconds + 5)
        if self.scheduler.running:
            # Pause first: a job taken from the store while the executor shuts down
            # would be removed without running.
            self.scheduler.pause()
            self.scheduler.shutdown(wait=True)
        self._lock.release()

    def _lead(self) -> None:
        while not self._stop.is_set():
            try:
                self._step()
            except Exception as error:  # the loop must outlive a database outage; it retries next poll
                # An unreachable database is expected now and then: one line, no traceback.
                log.warning(
                    "leader election step failed (%s); retrying",
                    type(error).__name__,
                    exc_info=not isinstance(error, OperationalError),
                )
            self._stop.wait(self._poll_seconds)

    def _step(self) -> None:
        if self._paused:
            if not self._lock.try_acquire():  # raises while the database is away
                self._on_leadership(False)
                return
            log.info("this instance is now the scheduler leader")
            self._paused = False
            self.scheduler.resume()
        elif not self._lock.is_held():
            log.warning("lost the scheduler leadership; pausing")
            self._paused = True
            self.scheduler.pause()
            return
        else:
            self.scheduler.wakeup()
        self._on_leadership(True)

    def schedule_once(
        self,
        job_id: str,
        func: str | Callable[..., Any],
        run_at: datetime,
        kwargs: dict[str, Any] | None = None,
    ) -> None:
        """Run `func` (a 'module:function' reference, so it persists) once at `run_at`.

        Scheduling the same id again replaces the job, so callers may repeat themselves.
        """
        self.scheduler.add_job(
            func, "date", run_date=run_at, id=job_id, kwargs=kwargs or {}, replace_existing=True
        )

    def schedule_every(self, job_id: str, func: str | Callable[..., Any], seconds: int) -> None:
        self.scheduler.add_job(func, "interval", seconds=seconds, id=job_id, replace_existing=True)

    def schedule_daily(
        self,
        job_id: str,
        func: str | Callable[..., Any],
        at: time,
        zone: tzinfo,
        misfire_grace_seconds: int | None = None,
    ) -> None:
        """Run `func` every day at the wall-clock time `at` in `zone` (03:00 stays 03:00 across DST).

        A daily job may get a longer grace than the runner's default, so that a
        leader that was restarting at that moment still runs it when it is back."""
        options: dict[str, Any] = {}
        if misfire_grace_seconds is not None:
            options["misfire_grace_time"] = misfire_grace_seconds
        self.scheduler.add_job(
            func,
            "cron",
            hour=at.hour,
            minute=at.minute,
            timezone=zone,
            id=job_id,
            replace_existing=True,
            **options,
        )

    def cancel(self, job_id: str) -> None:
        if self.scheduler.get_job(job_id):
            self.scheduler.remove_job(job_id)

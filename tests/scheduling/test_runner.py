"""The runner keeps jobs in the database and lets only one instance run them."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from sqlalchemy.exc import OperationalError

from backend.db import Database
from backend.leader import FileLeaderLock, PostgresLeaderLock, leader_lock_for
from scheduling.runner import Runner
from tests.conftest import DatabaseFactory
from tests.waiting import wait_until

FIRED: list[str] = []


def remember(label: str) -> None:
    FIRED.append(label)


def test_a_job_scheduled_before_a_restart_runs_after_it(fresh_database: Database) -> None:
    FIRED.clear()
    lock = leader_lock_for(fresh_database.engine, fresh_database.url)
    first = Runner(fresh_database.engine, lock, poll_seconds=0.05)
    first.start()
    first.schedule_once(
        "reminder:1",
        "tests.scheduling.test_runner:remember",
        datetime.now(UTC) + timedelta(seconds=0.5),
        {"label": "reminder"},
    )
    first.shutdown()
    assert FIRED == []
    second = Runner(
        fresh_database.engine, leader_lock_for(fresh_database.engine, fresh_database.url), poll_seconds=0.05
    )
    second.start()
    wait_until(lambda: FIRED, 30, "the job to run on the second runner", lambda: f"fired: {FIRED}")
    second.shutdown()
    assert FIRED == ["reminder"]


def test_scheduling_the_same_job_twice_keeps_one(fresh_database: Database) -> None:
    runner = Runner(fresh_database.engine, leader_lock_for(fresh_database.engine, fresh_database.url))
    runner.start()
    at = datetime.now(UTC) + timedelta(hours=1)
    for _ in range(2):
        runner.schedule_once("escalate:7", "tests.scheduling.test_runner:remember", at, {"label": "x"})
    assert [job.id for job in runner.scheduler.get_jobs()] == ["escalate:7"]
    runner.shutdown()


def test_only_one_holder_of_the_leader_lock_at_a_time(fresh_database: Database, tmp_path: Path) -> None:
    if fresh_database.engine.dialect.name == "postgresql":
        first, second = PostgresLeaderLock(fresh_database.engine), PostgresLeaderLock(fresh_database.engine)
    else:
        first, second = FileLeaderLock(tmp_path / "lock"), FileLeaderLock(tmp_path / "lock")
    assert first.try_acquire()
    assert not second.try_acquire()
    first.release()
    assert second.try_acquire() and second.is_held()
    second.release()


def test_a_second_runner_waits_and_takes_over_when_the_leader_stops(fresh_database: Database) -> None:
    heard: list[bool] = []

    def runner(on_leadership: Callable[[bool], None] | None = None) -> Runner:
        return Runner(
            fresh_database.engine,
            leader_lock_for(fresh_database.engine, fresh_database.url),
            poll_seconds=0.05,
            on_leadership=on_leadership,
        )

    leader, follower = runner(), runner(heard.append)
    leader.start()
    wait_until(lambda: leader.is_leader, 30, "the first runner to lead")
    follower.start()
    # Not a while of sleep: the follower has tried for the lock and been told another leads.
    wait_until(lambda: False in heard, 30, "the second runner to try for the lock", lambda: f"heard {heard}")
    assert leader.is_leader and not follower.is_leader
    leader.shutdown()
    wait_until(lambda: follower.is_leader, 30, "the second runner to take over", lambda: f"heard {heard}")
    follower.shutdown()


def test_two_installations_on_one_server_each_have_their_leader(databases: DatabaseFactory) -> None:
    """Two piket databases side by side (PostgreSQL schemas in one database, as the test sessions
    of several engineers are, or SQLite files in one directory) do not share the leader lock."""
    first, second = databases.database(), databases.database()
    here = leader_lock_for(first.engine, first.url)
    there = leader_lock_for(second.engine, second.url)
    beside = leader_lock_for(first.engine, first.url)
    try:
        assert here.try_acquire()
        assert there.try_acquire(), "another installation's leader holds this one's lock"
        assert not beside.try_acquire()
    finally:
        for lock in (here, there, beside):
            lock.release()


def test_the_jobs_go_on_after_the_database_failed_in_the_middle_of_a_scheduler_round(
    fresh_database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """APScheduler guards only its query for due jobs: the database gone a moment later (reading
    the next run time) ended its thread, and no job ran again in that process (the fault test
    waited a minute for a sweep after PostgreSQL came back)."""
    FIRED.clear()
    real = SQLAlchemyJobStore.get_next_run_time
    failed: list[bool] = []

    def gone_once(store: SQLAlchemyJobStore) -> datetime | None:
        if not failed:
            failed.append(True)
            raise OperationalError("SELECT", {}, Exception("the database system is shutting down"))
        return real(store)

    monkeypatch.setattr(SQLAlchemyJobStore, "get_next_run_time", gone_once)
    runner = Runner(
        fresh_database.engine, leader_lock_for(fresh_database.engine, fresh_database.url), poll_seconds=0.05
    )
    runner.start()
    try:
        wait_until(lambda: failed, 30, "a scheduler round to meet the failing database")
        runner.schedule_once(
            "reminder:2",
            "tests.scheduling.test_runner:remember",
            datetime.now(UTC) + timedelta(seconds=0.2),
            {"label": "after"},
        )
        wait_until(lambda: FIRED, 30, "the job scheduled after the failed round to run")
    finally:
        runner.shutdown()
    assert FIRED == ["after"]

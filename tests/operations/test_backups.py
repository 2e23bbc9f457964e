"""Scheduled backups: PIKET_BACKUP_DIR makes the leader write the encrypted backup daily, at a time of
the region's day, and keep only the newest PIKET_BACKUP_KEEP."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from backend import jobs, migrate
from backend.config import ConfigError, load_settings
from backend.db import Database
from backend.leader import leader_lock_for
from backend.models import AuditRecord
from backend.services.backup import latest, restore
from backend.services.demo import load_demo
from scheduling.clock import FrozenClock
from scheduling.runner import Runner
from secure_store import KeyRing
from tests.conftest import DatabaseFactory


@pytest.fixture
def demo_database(fresh_database: Database, clock: FrozenClock) -> Database:
    migrate.upgrade(fresh_database.engine)
    with fresh_database.transaction() as session:
        load_demo(session, clock.now())
    return fresh_database


def _bind(database: Database, clock: FrozenClock, **settings: str) -> None:
    jobs.bind(jobs.JobContext(database, clock, load_settings(settings)))


def test_the_daily_job_writes_a_backup_that_restores_and_keeps_the_newest(
    demo_database: Database, clock: FrozenClock, tmp_path: Path, keyring: KeyRing, databases: DatabaseFactory
) -> None:
    tmp_path = tmp_path / "backups"
    tmp_path.mkdir()
    _bind(demo_database, clock, PIKET_BACKUP_DIR=str(tmp_path), PIKET_BACKUP_KEEP="3")
    (tmp_path / "notes.txt").write_text("the operator's own file stays")
    names = []
    for _ in range(5):
        names.append(jobs.back_up())
        clock.advance(timedelta(days=1))
    kept = sorted(p.name for p in tmp_path.iterdir())
    assert kept == sorted([*names[-3:], "notes.txt"])
    newest = latest(tmp_path)
    assert newest is not None and newest.name == names[-1] and newest.size_bytes > 1000
    with demo_database.transaction() as session:
        records = session.execute(select(AuditRecord).where(AuditRecord.action == "backup.written")).all()
        assert len(records) == 5
    target = databases.database()
    migrate.upgrade(target.engine)
    with (tmp_path / names[-1]).open("rb") as source:
        assert sum(restore(target, keyring, source).values()) > 50


def test_without_a_backup_dir_the_job_does_nothing(demo_database: Database, clock: FrozenClock) -> None:
    _bind(demo_database, clock)
    assert jobs.back_up() is None


def test_the_backup_runs_daily_at_the_set_time_of_the_region_day(
    fresh_database: Database, clock: FrozenClock, tmp_path: Path
) -> None:
    _bind(fresh_database, clock, PIKET_BACKUP_DIR=str(tmp_path), PIKET_BACKUP_TIME="02:30")
    runner = Runner(fresh_database.engine, leader_lock_for(fresh_database.engine, fresh_database.url))
    runner.start()
    try:
        jobs.register(runner)
        job = runner.scheduler.get_job(jobs.BACKUP_JOB)
        amsterdam = ZoneInfo("Europe/Amsterdam")
        for now in (datetime(2027, 1, 10, 12, 0, tzinfo=UTC), datetime(2027, 7, 10, 12, 0, tzinfo=UTC)):
            fires = job.trigger.get_next_fire_time(None, now)
            assert fires.astimezone(amsterdam).time() == time(2, 30)  # 01:30 UTC in winter, 00:30 in summer
            assert fires - now < timedelta(days=1)
        assert job.misfire_grace_time == jobs.BACKUP_GRACE_SECONDS
        _bind(fresh_database, clock)  # backups switched off again: the stored job goes
        jobs.register(runner)
        assert runner.scheduler.get_job(jobs.BACKUP_JOB) is None
    finally:
        runner.shutdown()


@pytest.mark.parametrize("wrong", ["3:00", "24:00", "03:60", "noon"])
def test_a_backup_time_that_is_not_hh_mm_is_refused_at_start(wrong: str) -> None:
    with pytest.raises(ConfigError, match="PIKET_BACKUP_TIME"):
        load_settings({"PIKET_BACKUP_TIME": wrong})

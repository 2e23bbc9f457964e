"""The safety ladder with two instances sweeping at the same moment, a restart between the shift's end
and the alert, and two coordinators taking the same alert at once: each message goes once, one owns it."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar

from sqlalchemy import func, select

from backend import jobs
from backend.config import load_settings
from backend.db import Database
from backend.models import Inspector, OutboxMessage, SafetyAlert
from backend.services import outbox, safety
from tests.bot.conftest import Team, control_day
from tests.bot.harness import Harness

T = TypeVar("T")
END = timedelta(hours=9)


def at_once(work: Callable[[Database], T], *databases: Database) -> list[T]:
    """Run `work` on each database (one per instance) in its own thread, released together."""
    start, results = threading.Barrier(len(databases)), [None] * len(databases)

    def run(index: int, database: Database) -> None:
        start.wait()
        results[index] = work(database)  # type: ignore[call-overload]

    threads = [threading.Thread(target=run, args=(i, d)) for i, d in enumerate(databases)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results  # type: ignore[return-value]


def alert_messages(database: Database, inspector_id: int) -> int:
    with database.transaction() as session:
        return (
            session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(
                    OutboxMessage.inspector_id == inspector_id,
                    OutboxMessage.ref.like("safety:%"),
                    OutboxMessage.method == outbox.SEND,
                )
            )
            or 0
        )


def second_coordinator(database: Database, team: Team) -> None:
    with database.transaction() as session:
        session.get_one(Inspector, team.people["Douwe"]).is_coordinator = True


def test_two_instances_sweeping_together_alert_the_coordinator_once_and_the_backup_once(
    harness: Harness, team: Team
) -> None:
    control_day(harness, team, "Anna", "Bauke")
    second_coordinator(harness.database, team)
    other = Database(harness.database.url)
    instances = (harness.database, other)

    def sweep(database: Database) -> tuple[int, int, int]:
        return jobs.sweep_safety(database, harness.clock)

    try:
        assert sorted(at_once(sweep, *instances)) == [(0, 0, 0), (2, 0, 0)]
        for minutes in (0, 29, 30, 35, 40, 45, 50, 120):
            harness.clock.set(harness.clock.now().replace(hour=22, minute=0) + timedelta(minutes=minutes))
            at_once(sweep, *instances)
    finally:
        other.engine.dispose()
    wytske, douwe = team.people["Wytske"], team.people["Douwe"]
    with harness.database.transaction() as session:
        (alert,) = session.execute(select(SafetyAlert)).scalars()
        assert alert.stage.value == "everyone"
    # coordinator: at 30 min (step 1) and again at the top; back-up: at 40 min and again at the top;
    # each a ringing heads-up (no ref) and the details (ref "safety:<id>"; at the top the older copy
    # is deleted first)
    assert alert_messages(harness.database, wytske) == 2
    assert alert_messages(harness.database, douwe) == 2


def test_a_restart_between_the_end_and_the_alert_loses_nothing_and_repeats_nothing(
    harness: Harness, team: Team
) -> None:
    control_day(harness, team, "Anna", "Bauke")
    jobs.bind(jobs.JobContext(harness.database, harness.clock, load_settings({})))
    assert jobs.sweep().safety_asks == 2
    harness.clock.advance(END + timedelta(minutes=10))
    assert jobs.sweep().safety_alerts == 0
    harness.database.engine.dispose()  # the instance stops; another process starts on the same database
    restarted = Database(harness.database.url)
    try:
        jobs.bind(jobs.JobContext(restarted, harness.clock, load_settings({})))
        assert jobs.sweep().safety_asks == 0  # the pair is not asked again
        harness.clock.advance(timedelta(minutes=20))
        assert jobs.sweep().safety_alerts == 1
        assert jobs.sweep().safety_alerts == 0
        assert alert_messages(restarted, team.people["Wytske"]) == 1
    finally:
        restarted.engine.dispose()


def test_two_coordinators_taking_at_once_one_owns_it(harness: Harness, team: Team) -> None:
    control_day(harness, team, "Anna", "Bauke")
    second_coordinator(harness.database, team)
    jobs.sweep_safety(harness.database, harness.clock)
    harness.clock.advance(END + timedelta(minutes=40))
    jobs.sweep_safety(harness.database, harness.clock)
    with harness.database.transaction() as session:
        alert_id = session.execute(select(SafetyAlert.id)).scalar_one()
    other = Database(harness.database.url)

    def take(name: str) -> Callable[[Database], str]:
        def run(database: Database) -> str:
            with database.transaction() as session:
                inspector = session.get_one(Inspector, team.people[name])
                return safety.take_alert(session, harness.clock.now(), inspector, alert_id)

        return run

    try:
        for _ in range(3):  # a race is a matter of luck: try it a few times, resetting in between
            answers = at_once(
                lambda d: take("Wytske" if d is harness.database else "Douwe")(d), harness.database, other
            )
            assert sorted(answers) == ["callback.safety_taken", "callback.safety_yours"]
            with harness.database.transaction() as session:
                alert = session.get_one(SafetyAlert, alert_id)
                owner = "Wytske" if answers[0] == "callback.safety_yours" else "Douwe"
                assert alert.taken_by == f"inspector:{team.people[owner]}"
                alert.taken_at = alert.taken_by = None
    finally:
        other.engine.dispose()

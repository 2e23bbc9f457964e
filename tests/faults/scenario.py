"""A working team in a database a `piket serve` process will use, at today's real time.

Everything is made through the services where they exist (call-outs, hour
prompts), so the outbox holds what production would have queued.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import column, func, select, table

from backend.db import Database
from backend.jobs import SWEEP_JOB
from backend.models import (
    Assignment,
    AssignmentStatus,
    CalloutSource,
    Designation,
    Gender,
    Municipality,
    OutboxMessage,
    OutboxStatus,
    ProcessedUpdate,
    Shift,
    ShiftKind,
)
from backend.services import callouts, hours, outbox
from backend.services.callouts import NewCallout
from scheduling.runner import JOB_TABLE
from tests.factories import inspector, region
from tests.faults.standin import Call, Telegram

FIRST_PHONE = 5000
ACCEPT = re.compile(r"^o:\d+:\d+:a$")
HOURS_OK = re.compile(r"^h:\d+:\d+:ok$")
ESCALATION = re.compile(r"^c:\d+:\d+:w$")
LONG_AGO = timedelta(minutes=40)
"""Older than the reminder (15 min) and the escalation (30 min) of a call-out."""


@dataclass
class Crew:
    municipalities: list[int]
    phones: dict[int, int]
    """Telegram user id to inspector id; the first phone is the coordinator's."""

    @property
    def coordinator_phone(self) -> int:
        return FIRST_PHONE


def seed_crew(database: Database, now: datetime, size: int) -> Crew:
    """`size` enrolled inspectors (the first coordinates), two in three trained, genders mixed,
    designated in two municipalities for a month already."""
    with database.transaction() as session:
        made_region, home = region(session)
        other = Municipality(
            region_id=made_region.id,
            name="Smallingerland",
            population=57084,
            population_date=date(2025, 1, 1),
            is_participating=True,
            contribution=home.contribution,
            pledged_minutes=107 * 60,
        )
        session.add(other)
        session.flush()
        phones = {}
        for number in range(size):
            phone = FIRST_PHONE + number
            made = inspector(
                session,
                home,
                f"Persoon{number} Test",
                Gender.FEMALE if number % 2 else Gender.MALE,
                telegram_id=str(phone),
                is_trained=number % 3 != 2,
            )
            made.created_at = now - timedelta(days=60)
            made.is_coordinator = number == 0
            session.add_all(
                Designation(
                    inspector_id=made.id,
                    municipality_id=m.id,
                    decision_reference="RTS",
                    valid_from=now.date() - timedelta(days=30),
                )
                for m in (home, other)
            )
            phones[phone] = made.id
        return Crew([home.id, other.id], phones)


def open_callouts(
    database: Database, crew: Crew, now: datetime, count: int, made_ago: timedelta = timedelta(minutes=1)
) -> list[int]:
    """`count` call-outs, one a day from two hours from now, made `made_ago` (offers sent then)."""
    made = now - made_ago
    ids = []
    with database.transaction() as session:
        for day in range(count):
            starts = now + timedelta(days=day, hours=2)
            callout = callouts.create_callout(
                session,
                made,
                "coordinator",
                NewCallout(
                    municipality_id=crew.municipalities[day % 2],
                    source=CalloutSource.POLICE,
                    starts_at=starts,
                    ends_at=starts + timedelta(hours=9),
                    location="Teststraat 1",
                ),
            )
            ids.append(callout.id)
    return ids


def ended_shifts(
    database: Database, crew: Crew, now: datetime, pairs: int, first_pair: int = 0, ask: bool = True
) -> int:
    """`pairs` control shifts that ended an hour ago, each with two confirmed people who are not
    the coordinator (from pair number `first_pair` on), and, with `ask`, the hour prompts the sweep
    queues for them. Returns how many prompts were queued."""
    people = list(crew.phones.values())[1 + 2 * first_pair :]
    with database.transaction() as session:
        for number in range(pairs):
            shift = Shift(
                kind=ShiftKind.CONTROL,
                municipality_id=crew.municipalities[0],
                starts_at=now - timedelta(hours=10),
                ends_at=now - timedelta(hours=1),
                created_at=now - timedelta(days=2),
            )
            session.add(shift)
            session.flush()
            session.add_all(
                Assignment(
                    shift_id=shift.id,
                    inspector_id=person,
                    status=AssignmentStatus.CONFIRMED,
                    created_at=shift.created_at,
                )
                for person in people[2 * number : 2 * number + 2]
            )
        session.flush()
        return hours.ask_after_shifts(session, now) if ask else 0


def pending_outbox(database: Database) -> int:
    """Messages due now and not yet delivered (deletions planned for later do not count)."""
    with database.transaction() as session:
        return session.execute(
            select(func.count())
            .select_from(OutboxMessage)
            .where(
                OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.not_before_at <= datetime.now(UTC)
            )
        ).scalar_one()


def describe_pending(database: Database) -> str:
    """Every undelivered message, one a line (method, template, chat, due, attempts, last error):
    what a failed wait for an empty outbox shows."""
    with database.transaction() as session:
        rows = (
            session.execute(
                select(OutboxMessage)
                .where(OutboxMessage.status == OutboxStatus.PENDING)
                .order_by(OutboxMessage.id)
            )
            .scalars()
            .all()
        )
        return (
            "\n".join(
                f"  #{row.id} {row.method} {json.loads(row.payload).get('template', '-')} to {row.chat_id} "
                f"ref={row.ref} created={row.created_at:%H:%M:%S} due={row.not_before_at:%H:%M:%S} "
                f"attempts={row.attempts} error={row.error}"
                for row in rows
            )
            or "  (none)"
        )


def sent_messages(database: Database, ref_prefix: str = "") -> list[OutboxMessage]:
    """Delivered sends, those whose `ref` starts with `ref_prefix`."""
    query = select(OutboxMessage).where(
        OutboxMessage.method == outbox.SEND, OutboxMessage.status == OutboxStatus.SENT
    )
    if ref_prefix:
        query = query.where(OutboxMessage.ref.startswith(ref_prefix))
    with database.transaction() as session:
        return list(session.execute(query).scalars())


class SweepsTaken:
    """True once the leader's scheduler has taken the sweep `count` more times than when made.

    APScheduler moves the job's next run time forward each time it takes the job
    (runs it, or skips it while the last run is still busy): each new value seen is
    one more time. Waiting on this, rather than sleeping, lets a test say "after
    several sweeps" on a machine too busy to keep to the interval."""

    def __init__(self, database: Database, count: int) -> None:
        self.database, self.count = database, count
        self.seen = [self.next_run()]

    def next_run(self) -> float | None:
        with self.database.transaction() as session:
            found: float | None = session.execute(
                select(column("next_run_time")).select_from(table(JOB_TABLE)).where(column("id") == SWEEP_JOB)
            ).scalar_one_or_none()
            return found

    def __call__(self) -> bool:
        if (latest := self.next_run()) != self.seen[-1]:
            self.seen.append(latest)
        return len(self.seen) > self.count

    def __repr__(self) -> str:
        return f"the sweep taken {len(self.seen) - 1} of {self.count} times"


def processed_updates(database: Database) -> set[int]:
    with database.transaction() as session:
        return set(session.execute(select(ProcessedUpdate.update_id)).scalars())


def buttons(telegram: Telegram, pattern: re.Pattern[str]) -> list[tuple[int, str]]:
    """(phone, callback data) of every delivered button that matches, in delivery order."""
    return [
        (call.chat, data)
        for call in telegram.recorded("sendMessage")
        for _, data in call.buttons
        if pattern.match(data)
    ]


def texts_to(telegram: Telegram, phone: int) -> list[Call]:
    return telegram.recorded("sendMessage", chat=phone)

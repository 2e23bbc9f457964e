"""The ledger's promise, for any sequence of what people do: record, correct (inspector or
coordinator), approve a line or the whole list, close the week. At every step the approved minutes
are the sum of the latest version of each shift's hours where that version is approved, and the
approval list, the export and the settlement all say the same; once all is approved, the approved
minutes are exactly the latest versions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.models import HourApproval, HourCategory, HourEntry, Municipality, Shift, ShiftKind
from backend.services import ledger, settlement
from backend.services.errors import Refused
from backend.services.exports import LEDGER_HEADER, LedgerFilter, ledger_rows
from scheduling.calendar import local_instant, team_zone
from scheduling.ort import planned_break
from tests.factories import NOW, inspector, region

WEEK = (date(2027, 3, 1), date(2027, 3, 7))
DAYS = (date(2027, 3, 2), date(2027, 3, 4), date(2027, 3, 6))
SLOTS = [(person, day) for person in range(2) for day in range(len(DAYS))]
"""An inspector on a shift: the unit whose latest version counts."""
AFTER_THE_WEEK = datetime(2027, 3, 9, 10, 0, tzinfo=team_zone())
COORDINATOR = "web:coordinator"

slot = st.sampled_from(range(len(SLOTS)))
STEP = st.one_of(
    st.tuples(st.just("record"), slot, st.sampled_from([0, 30, 60])),
    st.tuples(
        st.just("correct"),
        slot,
        st.sampled_from([0, 15, 45, 60, 90]),
        st.booleans(),
        st.sampled_from([-60, 0, 30]),
    ),
    st.tuples(st.just("approve"), slot),
    st.tuples(st.just("approve_all")),
    st.tuples(st.just("close")),
)


@dataclass
class Model:
    """What the people did, as they would tell it: each slot's latest hours and whether approved."""

    latest: dict[int, tuple[int, bool]] = field(default_factory=dict)
    is_closed: bool = False

    def approved(self) -> int:
        return sum(minutes for minutes, is_approved in self.latest.values() if is_approved)

    def waiting(self) -> int:
        return sum(minutes for minutes, is_approved in self.latest.values() if not is_approved)


@dataclass
class Team:
    home: Municipality
    people: list[int]
    shifts: list[Shift]


def make_team(session: Session) -> Team:
    _, home = region(session)
    people = [inspector(session, home, name).id for name in ("Sjoerd Dijkstra", "Anna de Vries")]
    shifts = [
        Shift(
            kind=ShiftKind.CONTROL,
            municipality_id=home.id,
            starts_at=local_instant(day, time(14)),
            ends_at=local_instant(day, time(23)),
            created_at=NOW,
        )
        for day in DAYS
    ]
    session.add_all(shifts)
    session.flush()
    return Team(home, people, shifts)


def run(session: Session, team: Team, model: Model, step: tuple[object, ...]) -> None:
    kind, *args = step
    if kind == "record":
        record(session, team, model, *args)
    elif kind == "correct":
        correct(session, team, model, *args)
    elif kind == "approve":
        approve(session, team, model, *args)
    elif kind == "approve_all":
        lines = ledger.pending(session)
        ledger.approve_many(session, AFTER_THE_WEEK, COORDINATOR, [line.entry.id for line in lines])
        model.latest = {s: (minutes, True) for s, (minutes, _) in model.latest.items()}
    else:
        close(session, model)


def record(session: Session, team: Team, model: Model, number: int, pause: int) -> None:
    if number in model.latest:
        return  # the bot corrects a recorded shift instead
    person, day = SLOTS[number]
    shift = team.shifts[day]
    try:
        entry = ledger.record(
            session,
            AFTER_THE_WEEK,
            "bot",
            inspector_id=team.people[person],
            municipality_id=team.home.id,
            category=HourCategory.CONTROL,
            starts_at=shift.starts_at,
            ends_at=shift.ends_at,
            breaks=planned_break(shift.starts_at, shift.ends_at, pause),
            shift_id=shift.id,
        )
    except Refused:
        assert model.is_closed, "only a closed week refuses new hours"
        return
    assert not model.is_closed, "a closed week took new hours"
    model.latest[number] = (entry.worked_minutes, False)


def correct(
    session: Session, team: Team, model: Model, number: int, pause: int, by_coordinator: bool, end_shift: int
) -> None:
    if number not in model.latest:
        return
    person, day = SLOTS[number]
    current = ledger.current_entry(session, team.people[person], team.shifts[day].id)
    assert current is not None
    was_approved = model.latest[number][1]
    ends_at = team.shifts[day].ends_at + timedelta(minutes=end_shift)
    try:
        entry = ledger.correct(
            session,
            AFTER_THE_WEEK,
            COORDINATOR if by_coordinator else "inspector",
            current.id,
            starts_at=current.starts_at,
            ends_at=ends_at,
            breaks=planned_break(current.starts_at, ends_at, pause),
            by_coordinator=by_coordinator,
            reason="correctie",
        )
    except Refused:
        assert was_approved and not by_coordinator, "only an inspector's change of approved hours is refused"
        return
    model.latest[number] = (entry.worked_minutes, was_approved)


def approve(session: Session, team: Team, model: Model, number: int) -> None:
    person, day = SLOTS[number]
    lines = [
        line
        for line in ledger.pending(session)
        if line.entry.shift_id == team.shifts[day].id and line.entry.inspector_id == team.people[person]
    ]
    assert len(lines) <= 1, "one line per inspector and shift"
    ledger.approve_many(session, AFTER_THE_WEEK, COORDINATOR, [line.entry.id for line in lines])
    if number in model.latest:
        model.latest[number] = (model.latest[number][0], True)


def close(session: Session, model: Model) -> None:
    expect_refusal = model.is_closed or not all(a for _, a in model.latest.values())
    try:
        ledger.lock_period(session, AFTER_THE_WEEK, COORDINATOR, *WEEK)
    except Refused:
        assert expect_refusal, "refused to close a week whose hours are all approved"
        return
    assert not expect_refusal, "closed a week with hours waiting (or twice)"
    model.is_closed = True


def approved_minutes(session: Session) -> int:
    return session.execute(
        select(func.coalesce(func.sum(HourEntry.worked_minutes), 0)).join(
            HourApproval, HourApproval.entry_id == HourEntry.id
        )
    ).scalar_one()


def check(session: Session, team: Team, model: Model) -> None:
    latest = [ledger.current_entry(session, team.people[p], team.shifts[d].id) for p, d in SLOTS]
    assert sorted(e.worked_minutes for e in latest if e) == sorted(m for m, _ in model.latest.values())
    approved = approved_minutes(session)
    assert (
        approved
        == model.approved()
        == sum(e.worked_minutes for e in latest if e and ledger.is_approved(session, e.id))
    )
    lines = ledger.pending(session)
    assert sum(line.entry.worked_minutes for line in lines) == model.waiting()
    waiting = {e.id for e in latest if e and not ledger.is_approved(session, e.id)}
    assert {line.entry.id for line in lines} == waiting
    heads = ledger.pending_heads(session)  # the board's light read of the same lines
    assert len(heads) == len(lines)
    assert {(h.id, h.inspector_id, h.counts_at) for h in heads} == {
        (line.entry.id, line.entry.inspector_id, line.entry.counts_at) for line in lines
    }
    exported = LedgerFilter(date(2027, 3, 1), date(2027, 3, 31), approved_only=True)
    worked = LEDGER_HEADER.index("worked_minutes")
    assert sum(row[worked] for row in ledger_rows(session, exported)) == approved
    assert settlement.settle(session, 2027, None, "actual").totals["minutes"] == approved


@pytest.mark.slow
@settings(
    max_examples=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(STEP, max_size=14))
def test_approved_minutes_are_always_the_latest_approved_versions(
    session: Session, steps: list[tuple[object, ...]]
) -> None:
    savepoint = session.begin_nested()
    try:
        team, model = make_team(session), Model()
        for step in steps:
            run(session, team, model, step)
            check(session, team, model)
        run(session, team, model, ("approve_all",))
        check(session, team, model)
        assert approved_minutes(session) == sum(m for m, _ in model.latest.values())
    finally:
        savepoint.rollback()

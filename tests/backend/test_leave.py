"""Days off: marked and removed, respected by the roster proposal, call-out offers and cover requests,
sealed, and erased after the retention."""

from datetime import date, time, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from backend.models import (
    Assignment,
    AssignmentStatus,
    AuditRecord,
    CalloutSource,
    Offer,
    Unavailability,
)
from backend.services import callouts, controls, leave, planning
from backend.services.callouts import NewCallout
from backend.services.errors import NotFound, Refused
from scheduling.calendar import local_day_start, local_instant
from tests.factories import NOW
from tests.support.controls import control_on, team_of_four

MONDAY = date(2027, 3, 15)


def test_days_off_are_whole_local_days_and_listed_until_they_end(session: Session) -> None:
    _, people = team_of_four(session)
    marked = leave.mark(
        session, NOW, "web:coordinator", people["Anna"], MONDAY, MONDAY + timedelta(days=4), "vakantie"
    )
    row = session.get_one(Unavailability, marked.id)
    assert row.starts_at == local_day_start(MONDAY)
    assert row.ends_at == local_day_start(MONDAY + timedelta(days=5))
    assert [(m.first, m.last, m.reason) for m in leave.upcoming(session, NOW, people["Anna"])] == [
        (MONDAY, MONDAY + timedelta(days=4), "vakantie")
    ]
    assert leave.upcoming(session, local_day_start(MONDAY + timedelta(days=5)), people["Anna"]) == []


def test_the_proposal_leaves_out_who_is_away_that_day(session: Session) -> None:
    home, people = team_of_four(session)
    shift = control_on(session, home, MONDAY)
    before = planning.propose_roster(session, [shift], NOW)
    away = {before.pairs[0][0], before.pairs[0][1]}
    for inspector_id in away:
        leave.mark(session, NOW, f"inspector:{inspector_id}", inspector_id, MONDAY, MONDAY)
    after = planning.propose_roster(session, [shift], NOW)
    assert set(after.pairs[0]) == set(people.values()) - away


def test_a_call_out_is_not_offered_to_who_is_away_but_a_widened_one_asks_them(session: Session) -> None:
    home, people = team_of_four(session)
    leave.mark(session, NOW, "inspector:1", people["Anna"], MONDAY, MONDAY + timedelta(days=1))
    start = local_instant(MONDAY, time(16))
    made = callouts.create_callout(
        session,
        NOW,
        "web:coordinator",
        NewCallout(home, CalloutSource.POLICE, start, start + timedelta(hours=8), "Somewhere 1"),
    )
    offered = set(session.scalars(select(Offer.inspector_id).where(Offer.shift_id == made.shift_id)))
    assert offered == set(people.values()) - {people["Anna"]}
    callouts.widen(session, NOW, "web:coordinator", made.id)
    widened = set(session.scalars(select(Offer.inspector_id).where(Offer.shift_id == made.shift_id)))
    assert people["Anna"] in widened


def test_cover_is_not_asked_of_who_is_away(session: Session) -> None:
    home, people = team_of_four(session)
    shift = control_on(session, home, MONDAY)
    mine = [
        Assignment(
            shift_id=shift.id, inspector_id=people[name], status=AssignmentStatus.CONFIRMED, created_at=NOW
        )
        for name in ("Anna", "Bauke")
    ]
    session.add_all(mine)
    session.flush()
    leave.mark(session, NOW, "web:coordinator", people["Ciska"], MONDAY, MONDAY)
    answered = controls.answer(session, NOW, people["Anna"], mine[0].id, mine[0].version, can_go=False)
    assert answered == "callback.cover"
    asked = set(session.scalars(select(Offer.inspector_id).where(Offer.shift_id == shift.id)))
    assert asked == {people["Douwe"]}


def test_marking_days_off_names_the_shifts_still_held_then(session: Session) -> None:
    home, people = team_of_four(session)
    shift = control_on(session, home, MONDAY)
    session.add(Assignment(shift_id=shift.id, inspector_id=people["Anna"], created_at=NOW))
    session.flush()
    marked = leave.mark(session, NOW, "inspector:1", people["Anna"], MONDAY, MONDAY)
    assert [s.id for s in leave.clashes(session, marked)] == [shift.id]


@pytest.mark.parametrize(
    ("first", "last", "reason", "field"),
    [
        (MONDAY, MONDAY - timedelta(days=1), None, "last"),
        (date(2027, 3, 8), MONDAY, None, "first"),
        (MONDAY, MONDAY + timedelta(days=400), None, "last"),
        (MONDAY, MONDAY, "x" * 201, "reason"),
    ],
)
def test_wrong_days_off_are_refused_naming_the_field(
    session: Session, first: date, last: date, reason: str | None, field: str
) -> None:
    _, people = team_of_four(session)
    with pytest.raises(Refused) as refused:
        leave.mark(session, NOW, "web:coordinator", people["Anna"], first, last, reason)
    assert refused.value.field == field
    with pytest.raises(NotFound):
        leave.mark(session, NOW, "web:coordinator", 99999, MONDAY, MONDAY)


def test_an_inspector_removes_only_their_own_days_off(session: Session) -> None:
    _, people = team_of_four(session)
    marked = leave.mark(session, NOW, "web:coordinator", people["Anna"], MONDAY, MONDAY)
    with pytest.raises(NotFound):
        leave.remove(session, NOW, f"inspector:{people['Bauke']}", marked.id, own=people["Bauke"])
    leave.remove(session, NOW, f"inspector:{people['Anna']}", marked.id, own=people["Anna"])
    assert leave.upcoming(session, NOW) == []
    actions = list(session.scalars(select(AuditRecord.action).order_by(AuditRecord.seq)))
    assert actions[-2:] == ["leave.marked", "leave.removed"]


def test_the_reason_is_sealed_and_never_in_the_audit_log(session: Session) -> None:
    _, people = team_of_four(session)
    leave.mark(session, NOW, "web:coordinator", people["Anna"], MONDAY, MONDAY, "bruiloft zus")
    stored = session.execute(text("SELECT reason FROM unavailabilities")).scalar_one()
    assert "bruiloft" not in stored
    assert all("bruiloft" not in d for d in session.scalars(select(AuditRecord.details)))


def test_days_off_are_erased_once_the_retention_after_their_end_is_over(session: Session) -> None:
    _, people = team_of_four(session)
    leave.mark(session, NOW, "web:coordinator", people["Anna"], MONDAY, MONDAY)
    after_end = local_day_start(MONDAY + timedelta(days=1))
    assert leave.purge_ended(session, after_end + timedelta(days=29), timedelta(days=30)) == 0
    assert leave.purge_ended(session, after_end + timedelta(days=31), timedelta(days=30)) == 1
    assert session.scalars(select(Unavailability)).all() == []

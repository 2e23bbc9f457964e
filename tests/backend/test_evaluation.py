"""The interim evaluation counts what happened: a control is held once it has ended with a valid pair
on it (or hours worked by one); what is still ahead is shown apart, and nothing else counts."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from backend.models import (
    Assignment,
    AssignmentStatus,
    Gender,
    HourCategory,
    Inspector,
    Shift,
    ShiftKind,
    ShiftStatus,
)
from backend.services import evaluation, ledger
from scheduling.calendar import team_zone
from scheduling.ort import planned_break
from tests.factories import NOW, inspector, region

MID_DECEMBER = datetime(2027, 12, 10, 12, 0, tzinfo=team_zone())


def shift_on(
    session: Session,
    home_id: int,
    day: int,
    month: int = 12,
    *,
    people: tuple[Inspector, ...] = (),
    kind: ShiftKind = ShiftKind.CONTROL,
    status: ShiftStatus = ShiftStatus.PLANNED,
    confirmed: bool = True,
) -> Shift:
    starts_at = datetime(2027, month, day, 14, 0, tzinfo=team_zone())
    shift = Shift(
        kind=kind,
        municipality_id=home_id,
        starts_at=starts_at,
        status=status,
        created_at=NOW,
        ends_at=starts_at + timedelta(hours=9),
    )
    session.add(shift)
    session.flush()
    session.add_all(
        Assignment(
            shift_id=shift.id,
            inspector_id=person.id,
            created_at=NOW,
            status=AssignmentStatus.CONFIRMED if confirmed else AssignmentStatus.PROPOSED,
        )
        for person in people
    )
    session.flush()
    return shift


def test_only_ended_controls_with_a_valid_pair_count_and_planned_ones_are_shown_apart(
    session: Session,
) -> None:
    """Leeuwarden in mid-December: held on the 4th, the 15th and 25th still ahead, others not held."""
    _, home = region(session)
    trained = inspector(session, home, "Sjoerd Dijkstra")
    colleague = inspector(session, home, "Anna de Vries", Gender.FEMALE, is_trained=False)
    novice = inspector(session, home, "Ciska Bakker", Gender.FEMALE, is_trained=False)
    shift_on(session, home.id, 4, people=(trained, colleague))  # held
    shift_on(session, home.id, 1, people=(trained,))  # ended with one person: not a pair
    shift_on(session, home.id, 2, people=(colleague, novice))  # nobody trained: not a valid pair
    shift_on(session, home.id, 3, people=(trained, colleague), status=ShiftStatus.CANCELLED)
    shift_on(session, home.id, 5, people=(trained, colleague), confirmed=False)  # never confirmed...
    worked = shift_on(session, home.id, 6, kind=ShiftKind.CALLOUT)  # ...but hours say who was there
    for person in (trained, novice):
        ledger.record(
            session,
            NOW,
            "bot",
            inspector_id=person.id,
            municipality_id=home.id,
            category=HourCategory.CALLOUT,
            starts_at=worked.starts_at,
            ends_at=worked.ends_at,
            breaks=planned_break(worked.starts_at, worked.ends_at, 30),
            shift_id=worked.id,
        )
    shift_on(session, home.id, 10, people=(trained, colleague))  # starts at 14:00: ahead
    shift_on(session, home.id, 15, people=(trained, colleague))
    shift_on(session, home.id, 25)

    result = evaluation.evaluate(session, MID_DECEMBER, 2027)
    (leeuwarden,) = result.controls
    assert (leeuwarden.label, leeuwarden.value) == ("Leeuwarden", 2), "the 4th and the call-out of the 6th"
    (counts,) = result.control_counts
    assert (counts.held, counts.ahead, counts.not_held) == (2, 3, 3)
    assert leeuwarden.target is None, "the plan counts addresses, not control days"
    assert counts.target == result.address_bars[0].target == 69

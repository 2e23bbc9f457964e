"""Shared steps of the service tests of control days: a team of four in Leeuwarden, a control day there,
and a pair on it."""

from __future__ import annotations

from datetime import date, time

from sqlalchemy.orm import Session

from backend.models import Assignment, AssignmentStatus, Gender, Shift, ShiftKind
from scheduling.calendar import local_instant
from tests.factories import NOW, designate, inspector, region

FOUR = (
    ("Anna Visser", Gender.FEMALE),
    ("Bauke Bos", Gender.MALE),
    ("Ciska Mulder", Gender.FEMALE),
    ("Douwe Smit", Gender.MALE),
)


def team_of_four(session: Session) -> tuple[int, dict[str, int]]:
    """Anna, Bauke, Ciska and Douwe, each with a phone, designated for Leeuwarden of a new region;
    Leeuwarden's id and the people's ids by first name."""
    _, home = region(session)
    people = {}
    for number, (name, gender) in enumerate(FOUR):
        made = inspector(session, home, name, gender, telegram_id=str(300 + number))
        designate(session, made, home)
        people[name.split()[0]] = made.id
    return home.id, people


def control_on(session: Session, municipality_id: int, day: date) -> Shift:
    """A control day, 14:00-23:00 local time, nobody on it yet."""
    shift = Shift(
        kind=ShiftKind.CONTROL,
        municipality_id=municipality_id,
        starts_at=local_instant(day, time(14)),
        ends_at=local_instant(day, time(23)),
        created_at=NOW,
    )
    session.add(shift)
    session.flush()
    return shift


def pair_on(
    session: Session, shift: Shift, people: dict[str, int], status: AssignmentStatus
) -> dict[str, Assignment]:
    """Anna and Bauke on the shift with this status (asked and confirmed at NOW if confirmed)."""
    confirmed = NOW if status is AssignmentStatus.CONFIRMED else None
    pair = {
        name: Assignment(
            shift_id=shift.id,
            inspector_id=people[name],
            status=status,
            asked_at=confirmed,
            confirmed_at=confirmed,
            created_at=NOW,
        )
        for name in ("Anna", "Bauke")
    }
    session.add_all(pair.values())
    session.flush()
    return pair

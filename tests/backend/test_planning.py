"""The team as the scheduling core sees it, read from the database."""

from datetime import UTC, date, datetime, timedelta
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.models import (
    Assignment,
    AssignmentStatus,
    Gender,
    HourCategory,
    HourEntry,
    Shift,
    ShiftKind,
    ShiftStatus,
    Unavailability,
)
from backend.services import planning
from backend.services.demo import load_demo
from tests.factories import NOW, designate, inspector, region


def shift_at(session: Session, municipality_id: int, start: datetime, **kwargs) -> Shift:
    made = Shift(
        kind=ShiftKind.CONTROL,
        municipality_id=municipality_id,
        starts_at=start,
        ends_at=start + timedelta(hours=9),
        created_at=NOW,
        **kwargs,
    )
    session.add(made)
    session.flush()
    return made


def test_a_member_carries_designations_leave_held_shifts_and_hours(session: Session) -> None:
    _, home = region(session)
    sjoerd = inspector(session, home)
    designate(session, sjoerd, home)
    session.add(
        Unavailability(
            inspector_id=sjoerd.id,
            starts_at=NOW + timedelta(days=2),
            ends_at=NOW + timedelta(days=9),
            created_by="test",
            created_at=NOW,
        )
    )
    held = shift_at(session, home.id, NOW + timedelta(days=1))
    cancelled = shift_at(session, home.id, NOW + timedelta(days=12), status=ShiftStatus.CANCELLED)
    session.add_all(
        [Assignment(shift_id=s.id, inspector_id=sjoerd.id, created_at=NOW) for s in (held, cancelled)]
    )
    session.add(
        HourEntry(
            inspector_id=sjoerd.id,
            municipality_id=home.id,
            category=HourCategory.CONTROL,
            starts_at=NOW - timedelta(days=40),
            ends_at=NOW - timedelta(days=40, hours=-9),
            break_minutes=60,
            worked_minutes=480,
            plain_minutes=240,
            weekday_20_minutes=180,
            weekday_40_minutes=60,
            saturday_minutes=0,
            sunday_holiday_minutes=0,
            entered_by="test",
            entered_at=NOW,
        )
    )
    session.flush()

    [member] = planning.team(session, NOW)
    assert member.is_designated(home.id, date(2027, 3, 10))
    assert member.unavailable == ((NOW + timedelta(days=2), NOW + timedelta(days=9)),)
    assert [s.starts_at for s in member.shifts] == [held.starts_at]
    assert (member.delivered_minutes, member.recent_minutes) == (480, 0)
    assert planning.municipality_load(session, NOW)[home.id] == Fraction(480, 243 * 60)


def test_a_revoked_inspector_cannot_be_proposed(session: Session) -> None:
    _, home = region(session)
    lost = inspector(session, home, "Auke Sikkema", Gender.MALE)
    lost.revoked_at = NOW
    session.flush()
    assert planning.team(session, NOW)[0].is_active is False


def test_the_demo_before_the_pilot_starts_still_has_staffed_control_days(session: Session) -> None:
    november = datetime(2026, 11, 22, 10, tzinfo=UTC)
    load_demo(session, november)
    days = session.scalars(select(Shift).where(Shift.kind == ShiftKind.CONTROL)).all()
    assert days and all(len(day.assignments) == 2 for day in days)


def test_a_member_knows_who_they_went_with_before_on_a_shift_that_was_held(session: Session) -> None:
    _, home = region(session)
    anna, bauke, ciska = (
        inspector(session, home, name, gender)
        for name, gender in (
            ("Anna Visser", Gender.FEMALE),
            ("Bauke Bos", Gender.MALE),
            ("Ciska Mulder", Gender.FEMALE),
        )
    )
    went = shift_at(session, home.id, NOW - timedelta(days=7))
    ahead = shift_at(session, home.id, NOW + timedelta(days=7))
    called_off = shift_at(session, home.id, NOW - timedelta(days=14), status=ShiftStatus.CANCELLED)
    session.add_all(
        [
            Assignment(shift_id=went.id, inspector_id=i, status=AssignmentStatus.CONFIRMED, created_at=NOW)
            for i in (anna.id, bauke.id)
        ]
        + [
            Assignment(shift_id=s.id, inspector_id=i, status=AssignmentStatus.CONFIRMED, created_at=NOW)
            for s in (ahead, called_off)
            for i in (anna.id, ciska.id)
        ]
    )
    session.flush()
    partners = {m.inspector_id: m.partners for m in planning.team(session, NOW)}
    assert partners == {anna.id: {bauke.id}, bauke.id: {anna.id}, ciska.id: frozenset()}

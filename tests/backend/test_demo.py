from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.models import (
    Contribution,
    Designation,
    Inspector,
    Municipality,
    Shift,
    ShiftKind,
    WebUser,
)
from backend.services.accounts import password_matches
from backend.services.demo import load_demo
from tests.factories import NOW


def test_the_demo_is_the_pilot_of_eleven_with_leeuwarden_coordinating(session: Session) -> None:
    load_demo(session, NOW)
    municipalities = session.scalars(select(Municipality)).all()
    assert len(municipalities) == 14
    assert sum(m.is_participating for m in municipalities) == 11
    assert [m.name for m in municipalities if m.is_coordinating] == ["Leeuwarden"]


def test_every_pledge_in_hours_is_at_least_one_hundred_hours(session: Session) -> None:
    load_demo(session, NOW)
    pledges = {
        m.name: m.pledged_minutes // 60
        for m in session.scalars(select(Municipality))
        if m.contribution is Contribution.HOURS
    }
    assert pledges and min(pledges.values()) >= 100
    assert pledges["Waadhoeke"] == 100  # its share is 97 hours; it pledged the minimum
    assert "Noardeast-Fryslân" not in pledges  # share 95 hours: it pays money


def test_every_participating_municipality_designates_every_inspector(session: Session) -> None:
    load_demo(session, NOW)
    inspectors = session.scalar(select(func.count()).select_from(Inspector))
    designations = session.scalar(select(func.count()).select_from(Designation))
    assert inspectors == 12 and designations == 12 * 11


def test_control_days_have_a_trained_member_and_a_mixed_pair(session: Session) -> None:
    load_demo(session, NOW)
    days = session.scalars(select(Shift).where(Shift.kind == ShiftKind.CONTROL)).all()
    assert len(days) >= 7
    for day in days:
        people = [session.get(Inspector, a.inspector_id) for a in day.assignments]
        assert len(people) == 2
        assert any(p.trained_since for p in people)
        assert people[0].gender != people[1].gender
        assert day.starts_at > NOW


def test_the_printed_passwords_open_the_accounts(session: Session) -> None:
    passwords = load_demo(session, NOW)
    for user in session.scalars(select(WebUser)):
        assert password_matches(user.password_hash, passwords[user.username])
        assert user.must_change_password


def test_the_past_call_out_has_its_findings_and_warns_of_a_second_control(session: Session) -> None:
    from backend.models import ControlRecord
    from backend.services import findings
    from backend.services.demo import PAST_LOCATION

    load_demo(session, NOW)
    record = session.execute(select(ControlRecord)).scalar_one()
    assert record.is_with_police and len(record.addresses) == 1
    assert findings.recent_control(session, NOW, PAST_LOCATION) is not None

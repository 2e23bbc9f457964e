"""Work outside shifts: the coordinator's own hours and the team's preparation, training and peer review,
booked, approved by the right role, and counted in the settlement and the evaluation."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from backend.models import HourCategory, Inspector, Municipality, Role, WebUser
from backend.services import evaluation, ledger, work_hours
from backend.services.errors import NotFound, Refused
from backend.services.settlement import settle
from scheduling.calendar import team_zone
from tests.factories import NOW, inspector, region

TUESDAY = datetime(2027, 3, 9, tzinfo=team_zone())
FINANCE = {"role": Role.FINANCE}


def at(day: datetime, hour: int, minute: int = 0) -> datetime:
    return day.replace(hour=hour, minute=minute)


@pytest.fixture
def home(session: Session) -> Municipality:
    return region(session)[1]


@pytest.fixture
def coordinator(session: Session, home: Municipality) -> Inspector:
    made = inspector(session, home, name="Anke Visser")
    made.is_coordinator, made.salary_scale = True, 10
    session.flush()
    return made


def book(
    session: Session,
    person: Inspector,
    category: HourCategory,
    start: datetime,
    end: datetime,
    breaks: list[tuple[datetime, datetime]] | None = None,
) -> int:
    return work_hours.record_work(
        session,
        NOW,
        "web:coordinator",
        inspector_id=person.id,
        category=category,
        starts_at=start,
        ends_at=end,
        breaks=breaks or [],
    ).id


def test_office_hours_of_the_coordinator_are_plain_and_credited_at_her_line_without_allowance(
    session: Session, home: Municipality, coordinator: Inspector
) -> None:
    entry_id = book(
        session,
        coordinator,
        HourCategory.COORDINATION,
        at(TUESDAY, 9),
        at(TUESDAY, 17),
        [(at(TUESDAY, 12), at(TUESDAY, 12, 30))],
    )
    ledger.approve(session, NOW, "web:finance", entry_id, **FINANCE)
    line = settle(session, 2027).line(home.id)
    assert (line.minutes, line.salary_cents, line.ort_cents) == (450, 553_87, 0)  # 7.5 h x 73.848925


def test_her_evening_hours_earn_the_band_allowance_unless_the_weekly_three_hour_rule_exempts_them(
    session: Session, home: Municipality, coordinator: Inspector
) -> None:
    wednesday = TUESDAY + timedelta(days=1)
    short = book(session, coordinator, HourCategory.COORDINATION, at(TUESDAY, 19), at(TUESDAY, 21))
    ledger.approve(session, NOW, "web:admin", short, role=Role.ADMIN)
    assert settle(session, 2027).line(home.id).ort_cents == 0  # one stretch of 2 hours in the week
    longer = book(session, coordinator, HourCategory.COORDINATION, at(wednesday, 18), at(wednesday, 22))
    ledger.approve(session, NOW, "web:finance", longer, **FINANCE)
    # Now 6 irregular hours at 20%: 6 x 73.848925 x 0.2
    assert settle(session, 2027).line(home.id).ort_cents == 88_62


def test_an_inspectors_training_is_credited_to_their_employer_at_the_control_line(
    session: Session, home: Municipality
) -> None:
    worker = inspector(session, home)
    entry_id = book(session, worker, HourCategory.TRAINING, at(TUESDAY, 9), at(TUESDAY, 12))
    ledger.approve(session, NOW, "web:coordinator", entry_id)
    line = settle(session, 2027).line(home.id)
    assert (line.minutes, line.salary_cents, line.ort_cents) == (180, 158_02, 0)  # 3 h x 52.67402


def test_the_coordinator_never_approves_her_own_hours_finance_or_admin_does(
    session: Session, home: Municipality, coordinator: Inspector
) -> None:
    entry_id = book(session, coordinator, HourCategory.COORDINATION, at(TUESDAY, 9), at(TUESDAY, 12))
    with pytest.raises(Refused, match="finance or admin"):
        ledger.approve_many(
            session,
            NOW,
            "web:coordinator",
            [entry_id],
            role=Role.COORDINATOR,
            own_inspector_id=coordinator.id,
        )
    with pytest.raises(Refused, match="finance or admin"):
        ledger.approve(session, NOW, "web:coordinator", entry_id)  # another coordinator account, too
    assert [line.entry.id for line in work_hours.coordinator_pending(session)] == [entry_id]
    assert ledger.approve_many(session, NOW, "web:finance", [entry_id], **FINANCE) == 1
    assert work_hours.coordinator_pending(session) == []


def test_finance_does_not_approve_the_inspectors_hours_nor_anyone_their_own(
    session: Session, home: Municipality, coordinator: Inspector
) -> None:
    worker = inspector(session, home)
    entry_id = book(session, worker, HourCategory.PEER_REVIEW, at(TUESDAY, 9), at(TUESDAY, 11))
    with pytest.raises(Refused):
        ledger.approve(session, NOW, "web:finance", entry_id, **FINANCE)
    own = book(session, coordinator, HourCategory.PREPARATION, at(TUESDAY, 13), at(TUESDAY, 14))
    with pytest.raises(Refused):
        ledger.approve(session, NOW, "web:finance", own, role=Role.FINANCE, own_inspector_id=coordinator.id)


def test_what_is_not_work_outside_shifts_is_refused(
    session: Session, home: Municipality, coordinator: Inspector
) -> None:
    worker = inspector(session, home)
    with pytest.raises(Refused, match="coordinator's"):
        book(session, worker, HourCategory.COORDINATION, at(TUESDAY, 9), at(TUESDAY, 12))
    with pytest.raises(Refused, match="without a shift"):
        book(session, worker, HourCategory.CONTROL, at(TUESDAY, 9), at(TUESDAY, 12))
    with pytest.raises(NotFound):
        work_hours.record_work(
            session,
            NOW,
            "web:coordinator",
            inspector_id=9999,
            category=HourCategory.TRAINING,
            starts_at=at(TUESDAY, 9),
            ends_at=at(TUESDAY, 12),
        )


def test_hours_overlapping_booked_hours_are_refused_so_a_double_tap_books_once(
    session: Session, home: Municipality
) -> None:
    worker = inspector(session, home)
    book(session, worker, HourCategory.PREPARATION, at(TUESDAY, 9), at(TUESDAY, 12))
    with pytest.raises(Refused, match="overlap"):
        book(session, worker, HourCategory.TRAINING, at(TUESDAY, 11), at(TUESDAY, 13))
    book(session, worker, HourCategory.TRAINING, at(TUESDAY, 12), at(TUESDAY, 13))  # touching is fine


def test_the_evaluation_counts_hours_by_kind_against_the_budget_lines(
    session: Session, home: Municipality, coordinator: Inspector
) -> None:
    worker = inspector(session, home)
    ledger.approve(
        session,
        NOW,
        "web:finance",
        book(session, coordinator, HourCategory.COORDINATION, at(TUESDAY, 9), at(TUESDAY, 17)),
        **FINANCE,
    )
    ledger.approve(
        session,
        NOW,
        "web:coordinator",
        book(session, worker, HourCategory.TRAINING, at(TUESDAY, 9), at(TUESDAY, 12)),
    )
    book(session, worker, HourCategory.PEER_REVIEW, at(TUESDAY, 13), at(TUESDAY, 15))  # not approved
    bars = {bar.label: bar for bar in evaluation.evaluate(session, NOW, 2027).hours_by_category}
    assert (bars["coordination"].value, bars["coordination"].target) == (8, 416)
    assert (bars["training"].value, bars["training"].target) == (3, None)
    assert "peer_review" not in bars
    assert bars["control"].value == 0 and bars["control"].target == 423


def test_a_web_user_who_works_is_found_by_their_inspector(
    session: Session, home: Municipality, coordinator: Inspector
) -> None:
    user = WebUser(
        username="coordinator",
        password_hash="x",
        role=Role.COORDINATOR,
        inspector_id=coordinator.id,
        created_at=NOW,
    )
    session.add(user)
    session.flush()
    assert work_hours.own_inspector(session, user.id) == coordinator.id
    assert work_hours.own_inspector(session, None) is None


def test_the_ledger_export_carries_work_outside_shifts_by_its_category(
    session: Session, home: Municipality, coordinator: Inspector
) -> None:
    from datetime import date

    from backend.services.exports import LEDGER_HEADER, LedgerFilter, ledger_rows

    worker = inspector(session, home)
    book(session, coordinator, HourCategory.COORDINATION, at(TUESDAY, 9), at(TUESDAY, 17))
    book(session, worker, HourCategory.PEER_REVIEW, at(TUESDAY, 13), at(TUESDAY, 15))
    month = LedgerFilter(date(2027, 3, 1), date(2027, 3, 31))
    rows = [dict(zip(LEDGER_HEADER, row, strict=True)) for row in ledger_rows(session, month)]
    assert [(r["category"], r["worked_minutes"], r["employer"]) for r in rows] == [
        ("coordination", 480, "Leeuwarden"),
        ("peer_review", 120, "Leeuwarden"),
    ]
    only = LedgerFilter(date(2027, 3, 1), date(2027, 3, 31), category=HourCategory.PEER_REVIEW)
    assert [row[0] for row in ledger_rows(session, only)] == [rows[1]["entry"]]

"""The weekly three-hour rule reaches money: a week whose only irregular work is one stretch of at most
three hours earns no allowance in the actual settlement or the ledger, while its entries keep their
band minutes; a correction that lengthens the stretch gives the allowance back, exactly."""

from __future__ import annotations

from datetime import date, time
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.models import HourCategory, Inspector
from backend.services import allowance, exports, ledger
from backend.services.demo import load_demo
from backend.services.settlement import settle
from scheduling.calendar import local_instant
from scheduling.money import to_cents
from scheduling.ort import planned_break
from tests.factories import NOW
from tests.profiles import PLAN_BUDGET

SCALE_7_STEP_11 = PLAN_BUDGET.lines[0].rate
"""The control line's all-in rate (the Fryslân profile)."""

MARCH = exports.LedgerFilter(date(2027, 3, 1), date(2027, 3, 31))


def inspectors(session: Session) -> tuple[Inspector, Inspector]:
    """Two inspectors of different employers, neither the coordinator."""
    people = [i for i in session.scalars(select(Inspector).order_by(Inspector.id)) if not i.is_coordinator]
    other = next(p for p in people if p.employer_id != people[0].employer_id)
    return people[0], other


def book(session: Session, who: Inspector, day: date, start: time, end: time, break_minutes: int) -> int:
    starts_at, ends_at = local_instant(day, start), local_instant(day, end)
    entry = ledger.record(
        session,
        NOW,
        "bot",
        inspector_id=who.id,
        municipality_id=who.employer_id,
        category=HourCategory.CONTROL,
        starts_at=starts_at,
        ends_at=ends_at,
        breaks=planned_break(starts_at, ends_at, break_minutes),
    )
    return entry.id


def ort_of(session: Session, who: Inspector) -> int:
    return settle(session, 2027).line(who.employer_id).ort_cents


def rows(session: Session) -> dict[int, dict[str, object]]:
    return {
        row[0]: dict(zip(exports.LEDGER_HEADER, row, strict=True))
        for row in exports.ledger_rows(session, MARCH)
    }


def test_a_week_of_one_short_stretch_earns_no_allowance_but_keeps_its_band_minutes(session: Session) -> None:
    load_demo(session, NOW)
    short, usual = inspectors(session)
    # Monday 13:00-21:00, half an hour's break: 18:00-21:00 is the week's only irregular work (180 min).
    exempt = book(session, short, date(2027, 3, 8), time(13), time(21), 30)
    # The other inspector: two stretches of 2 h that week (Monday and Wednesday 14:00-20:00).
    paid = [book(session, usual, date(2027, 3, d), time(14), time(20), 0) for d in (8, 10)]
    ledger.approve_many(session, NOW, "web:coordinator", [exempt, *paid])

    assert ort_of(session, short) == 0  # was 180 min x 20% at the plan's rate: 31.60
    assert ort_of(session, usual) == to_cents(240 * Fraction(20, 100) * SCALE_7_STEP_11 / 60)
    assert settle(session, 2027).line(short.employer_id).minutes == 450, "the hours themselves still count"
    ledger_rows = rows(session)
    assert ledger_rows[exempt]["weekday_20_minutes"] == 180, "the entry keeps its band minutes"
    assert ledger_rows[exempt]["allowance_minutes"] == 0
    assert ledger_rows[exempt]["allowance_exempt_week"] == date(2027, 3, 8)
    assert [ledger_rows[i]["allowance_minutes"] for i in paid] == [120, 120]
    assert all(ledger_rows[i]["allowance_exempt_week"] is None for i in paid)
    assert set(allowance.exempt_weeks(session, date(2027, 3, 1), date(2027, 3, 31))) == {
        (short.id, date(2027, 3, 8))
    }


def test_a_correction_that_lengthens_the_stretch_brings_the_allowance_back(session: Session) -> None:
    load_demo(session, NOW)
    short, _ = inspectors(session)
    exempt = book(session, short, date(2027, 3, 8), time(13), time(21), 30)
    ledger.approve_many(session, NOW, "web:coordinator", [exempt])
    corrected = ledger.correct(
        session,
        NOW,
        "web:coordinator",
        exempt,
        by_coordinator=True,
        starts_at=local_instant(date(2027, 3, 8), time(13)),
        ends_at=local_instant(date(2027, 3, 8), time(22, 30)),
        breaks=planned_break(
            local_instant(date(2027, 3, 8), time(13)), local_instant(date(2027, 3, 8), time(22, 30)), 30
        ),
        reason="later klaar",
    )
    # 18:00-22:00 at 20% and 22:00-22:30 at 40%; the reversal and the original cancel out.
    assert ort_of(session, short) == to_cents(
        (240 * Fraction(20, 100) + 30 * Fraction(40, 100)) * SCALE_7_STEP_11 / 60
    )
    ledger_rows = rows(session)
    assert ledger_rows[corrected.id]["allowance_minutes"] == 270
    assert sum(row["allowance_minutes"] for row in ledger_rows.values()) == 270  # type: ignore[misc]
    assert all(row["allowance_exempt_week"] is None for row in ledger_rows.values())


def test_a_short_stretch_and_another_shift_in_the_same_week_both_earn(session: Session) -> None:
    load_demo(session, NOW)
    short, _ = inspectors(session)
    first = book(session, short, date(2027, 3, 8), time(13), time(21), 30)
    second = book(session, short, date(2027, 3, 13), time(10), time(12), 0)  # a Saturday: irregular too
    ledger.approve_many(session, NOW, "web:coordinator", [first, second])
    assert rows(session)[first]["allowance_minutes"] == 180
    assert ort_of(session, short) == to_cents(
        (180 * Fraction(20, 100) + 120 * Fraction(75, 100)) * SCALE_7_STEP_11 / 60
    )


def test_the_rule_judges_the_whole_week_across_a_quarter_end(session: Session) -> None:
    load_demo(session, NOW)
    short, _ = inspectors(session)
    # Wednesday 31 March and Friday 2 April 2027 are one week: two stretches, so both earn.
    ids = [
        book(session, short, date(2027, 3, 31), time(13), time(21), 30),
        book(session, short, date(2027, 4, 2), time(13), time(21), 30),
    ]
    ledger.approve_many(session, NOW, "web:coordinator", ids)
    one = to_cents(180 * Fraction(20, 100) * SCALE_7_STEP_11 / 60)
    assert settle(session, 2027, 1).line(short.employer_id).ort_cents == one
    assert settle(session, 2027).line(short.employer_id).ort_cents == to_cents(
        360 * Fraction(20, 100) * SCALE_7_STEP_11 / 60
    )

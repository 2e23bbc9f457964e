"""The settlement on a real database: the plan's budget balances to the cent whatever the pledges, and
the four quarters add up to the year in every cell, in budget and in actual mode."""

from __future__ import annotations

from datetime import date, time, timedelta
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.models import Contribution, HourCategory, Inspector, Municipality, Role
from backend.services import ledger
from backend.services.demo import load_demo
from backend.services.errors import Refused
from backend.services.settlement import (
    DELIVERED,
    NUMBERS,
    OVER_TIME,
    Credit,
    Settlement,
    Units,
    budget_lines,
    line_for,
    quarter_of,
    settle,
)
from scheduling import ort
from scheduling.calendar import local_instant
from scheduling.money import Budget, BudgetLine, to_cents
from scheduling.ort import planned_break
from tests.factories import NOW
from tests.profiles import PLAN_BUDGET
from tests.support.ledger import checks_approvals_as_a_set
from tests.support.statements import statements

PLAN_YEAR_CENTS = 122_399_10


def by_name(session: Session) -> dict[str, Municipality]:
    return {m.name: m for m in session.scalars(select(Municipality))}


def assert_balanced(result: Settlement) -> None:
    totals = result.totals
    assert totals["balance_cents"] == 0
    assert totals["delivered_cents"] == totals["cost_share_cents"]
    for line in result.lines:
        assert line.delivered_cents == sum(getattr(line, n) for n in DELIVERED)
        assert line.balance_cents == line.cost_share_cents - line.delivered_cents


def assert_quarters_make_the_year(year: Settlement, quarters: list[Settlement]) -> None:
    for name in (*OVER_TIME, "delivered_cents", "balance_cents"):
        for i, line in enumerate(year.lines):
            assert sum(getattr(q.lines[i], name) for q in quarters) == getattr(line, name), (line.name, name)


def test_the_2027_budget_balances_to_zero_on_the_plans_hours(session: Session) -> None:
    load_demo(session, NOW)
    result = settle(session, 2027, mode="budget")
    totals = result.totals
    assert totals["cost_share_cents"] == PLAN_YEAR_CENTS
    assert totals["delivered_cents"] == PLAN_YEAR_CENTS
    assert totals["balance_cents"] == 0  # was -5,733.09: the pledged 892 h were credited, not the plan's 807
    assert totals["minutes"] == 1223 * 60
    assert (totals["salary_cents"], totals["ort_cents"], totals["overhead_cents"]) == (
        73_229_09,
        9_153_64,
        10_016_37,
    )  # the plan's three lines, column by column
    assert_balanced(result)


def test_pledges_above_the_plan_are_scaled_to_it_and_said_so(session: Session) -> None:
    load_demo(session, NOW)
    result = settle(session, 2027, mode="budget")
    assert result.pledges is not None
    assert (result.pledges.rule, result.pledges.total_pledged_minutes, result.pledges.plan_minutes) == (
        "scaled",
        892 * 60,
        807 * 60,
    )
    leeuwarden = result.line(by_name(session)["Leeuwarden"].id)
    for line in result.lines:
        own = line.minutes - (416 * 60 if line is leeuwarden else 0)
        assert own <= line.pledged_minutes, line.name
        assert abs(own - line.pledged_minutes * 807 / 892) < 1, line.name


def test_pledges_below_the_plan_leave_the_rest_to_the_coordinating_municipality(session: Session) -> None:
    load_demo(session, NOW)
    for municipality in by_name(session).values():
        if municipality.name in ("Heerenveen", "Smallingerland"):
            municipality.contribution, municipality.pledged_minutes = Contribution.MONEY, 0
    session.flush()
    result = settle(session, 2027, mode="budget")
    assert result.pledges is not None and result.pledges.rule == "uncovered"
    pledged = result.pledges.total_pledged_minutes
    assert result.pledges.uncovered_minutes == 807 * 60 - pledged > 0
    leeuwarden = result.line(by_name(session)["Leeuwarden"].id)
    assert leeuwarden.minutes == leeuwarden.pledged_minutes + result.pledges.uncovered_minutes + 416 * 60
    assert all(line.minutes == line.pledged_minutes for line in result.lines if line is not leeuwarden)
    assert_balanced(result)


def test_a_budget_without_a_coordinating_municipality_is_refused(session: Session) -> None:
    load_demo(session, NOW)
    by_name(session)["Leeuwarden"].is_coordinating = False
    session.flush()
    with pytest.raises(Refused, match="coordinating"):
        settle(session, 2027, mode="budget")


def test_the_budget_quarters_add_up_to_the_year_in_every_cell(session: Session) -> None:
    load_demo(session, NOW)
    year = settle(session, 2027, mode="budget")
    quarters = [settle(session, 2027, q, mode="budget") for q in range(1, 5)]
    # Before: each column's quarters were cut on their own (salary -0.01, ORT -0.02, overhead +0.04).
    assert_quarters_make_the_year(year, quarters)
    for quarter in quarters:
        assert_balanced(quarter)
        assert abs(quarter.totals["cost_share_cents"] - PLAN_YEAR_CENTS / 4) <= 1


def book(
    session: Session,
    inspector: Inspector,
    day: date,
    start: int,
    minutes: int,
    break_minutes: int,
    category: HourCategory = HourCategory.CONTROL,
) -> int:
    starts_at = local_instant(day, time(start))
    ends_at = starts_at + timedelta(minutes=minutes)
    return ledger.record(
        session,
        NOW,
        "bot",
        inspector_id=inspector.id,
        municipality_id=inspector.employer_id,
        category=category,
        starts_at=starts_at,
        ends_at=ends_at,
        breaks=planned_break(starts_at, ends_at, break_minutes),
    ).id


def test_the_actual_quarters_add_up_to_the_year_in_every_cell(session: Session) -> None:
    load_demo(session, NOW)
    people = list(session.scalars(select(Inspector).order_by(Inspector.id)))
    entries: dict[bool, list[int]] = {True: [], False: []}
    for n, day in enumerate(date(2027, 1, 4) + timedelta(days=17 * k) for k in range(21)):
        person = people[n % len(people)]
        category = HourCategory.COORDINATION if person.is_coordinator else HourCategory.CONTROL
        entries[person.is_coordinator].append(
            book(session, person, day, 13 + n % 5, 7 * 60 + 7 * n, 17 + n, category)
        )
    ledger.approve_many(session, NOW, "web:coordinator", entries[False])
    ledger.approve_many(session, NOW, "web:finance", entries[True], role=Role.FINANCE)  # never her own
    year = settle(session, 2027)
    quarters = [settle(session, 2027, q) for q in range(1, 5)]
    assert_quarters_make_the_year(year, quarters)
    assert all(q.totals["minutes"] for q in quarters), "every quarter has hours of its own"
    for result in (year, *quarters):
        assert_balanced(result)


def test_the_settlement_looks_up_the_approval_of_each_entry_of_its_year_alone(session: Session) -> None:
    """The year's sums (and the exempt weeks' allowance taken back) count approved entries only, and
    find out which are by each entry's own approval: not by hashing every approval of every year."""
    load_demo(session, NOW)
    person = session.scalars(select(Inspector).where(~Inspector.is_coordinator)).first()
    assert person is not None
    shift, evening = (
        book(session, person, date(2027, 3, 9), 14, 9 * 60, 60),
        book(session, person, date(2027, 3, 16), 19, 120, 0),
    )
    book(session, person, date(2027, 3, 23), 14, 9 * 60, 60)  # waits for approval
    ledger.approve_many(session, NOW, "web:coordinator", [shift, evening])
    with statements(session) as seen:
        year = settle(session, 2027)
    assert year.totals["minutes"] == 8 * 60 + 120
    assert not [s for s in seen if checks_approvals_as_a_set(s)]


populations = st.lists(st.integers(1_000, 200_000), min_size=1, max_size=14)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    populations.flatmap(
        lambda p: st.tuples(
            st.just(p),
            st.lists(
                st.sampled_from([0, 0, 100 * 60, 150 * 60, 243 * 60, 517 * 60 + 7]),
                min_size=len(p),
                max_size=len(p),
            ),
            st.integers(0, len(p) - 1),
        )
    )
)
def test_any_pledges_give_a_budget_that_balances_and_quarters_that_make_it(
    case: tuple[list[int], list[int], int],
) -> None:
    """Pure: transient municipalities, no database; the rule holds above, below and at the plan."""
    people, pledges, coordinating = case
    members = [
        Municipality(
            id=i + 1, name=f"M{i:02d}", population=p, pledged_minutes=m, is_coordinating=i == coordinating
        )
        for i, (p, m) in enumerate(zip(people, pledges, strict=True))
    ]
    lines, reading = budget_lines(members, PLAN_BUDGET)
    year = Settlement("budget", 2027, None, date(2027, 1, 1), date(2027, 12, 31), tuple(lines), reading)
    assert year.totals["cost_share_cents"] == PLAN_YEAR_CENTS
    assert_balanced(year)
    assert year.totals["minutes"] == PLAN_BUDGET.hours * 60
    assert sum(reading.credited_minutes) + reading.uncovered_minutes == reading.plan_minutes
    quarters = [
        Settlement("budget", 2027, q, date(2027, 1, 1), date(2027, 12, 31), tuple(quarter_of(lines, q)))
        for q in range(1, 5)
    ]
    assert_quarters_make_the_year(year, quarters)
    for quarter in quarters:
        assert_balanced(quarter)
        assert all(getattr(line, n) >= 0 for line in quarter.lines for n in NUMBERS if n != "balance_cents")


PERCENTAGES = st.dictionaries(
    st.sampled_from(list(ort.Band)), st.fractions(0, 2, max_denominator=400), min_size=1
)
RATES = st.tuples(st.fractions(1, 200, max_denominator=100_000), st.fractions(0, 50, max_denominator=1_000))
GROUP = st.tuples(
    st.sampled_from([HourCategory.CONTROL, HourCategory.CALLOUT, HourCategory.REPORT]),
    st.integers(0, 1),
    st.lists(st.integers(-10_000, 100_000), min_size=len(ort.Band), max_size=len(ort.Band)),
)


@given(st.tuples(PERCENTAGES, PERCENTAGES), st.tuples(RATES, RATES), st.lists(GROUP, max_size=6))
def test_a_credit_summed_in_units_shows_the_cents_of_the_exact_sum(
    percentages: tuple[dict[ort.Band, Fraction], ...],
    rates: tuple[tuple[Fraction, Fraction], ...],
    groups: list[tuple[HourCategory, int, list[int]]],
) -> None:
    """Each group (an employer's band minutes of a category under one of two ORT tables, a reversal's
    negative) credited in whole units at its budget line's rate (a report's at the control line's) and
    rounded once gives the cents of the sum of exact fractions, as the settlement shows them."""
    tables = [
        ort.BandTable(date(2027, 1, 1), date(2027, 6, 30), (), percentages[0], "test"),
        ort.BandTable(date(2027, 7, 1), date(2027, 12, 31), (), percentages[1], "test"),
    ]
    lines = tuple(
        BudgetLine(name, 1, rate, Fraction(1, 8), overhead)
        for name, (rate, overhead) in zip(("control", "callout"), rates, strict=True)
    )
    budget = Budget(lines, 0, date(2027, 1, 1), date(2027, 12, 31))
    units = Units(budget, tables)
    credit = sum((units.credit(c, tables[t], m) for c, t, m in groups), Credit())
    if groups:
        withheld_category, withheld_table, withheld_minutes = groups[0]
        credit += units.withheld(withheld_category, tables[withheld_table], withheld_minutes)
    salary = allowance = overhead = Fraction(0)
    for number, (category, t, minutes) in enumerate(groups):
        line = line_for(budget, category)
        bands = zip(ort.Band, minutes, strict=True)
        weighted = sum((tables[t].percentage(b) * n for b, n in bands), Fraction(0))
        salary += sum(minutes) * line.rate / 60
        allowance += 0 if number == 0 else weighted * line.rate / 60  # the first group's was withheld
        overhead += sum(minutes) * line.overhead_per_hour / 60
    assert units.shown(credit, 7) == (
        sum(sum(m) for _, _, m in groups),
        to_cents(salary),
        to_cents(allowance),
        to_cents(overhead),
        7,
    )

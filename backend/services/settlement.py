"""The cost settlement between municipalities, per year or quarter, in budget or actual mode.

Each participating municipality owes its population share of the cost and is
credited with the value of the hours its own inspectors delivered (the
coordinating municipality also with the fixed costs it pays). The balance is
what it pays (positive) or receives (negative); the balances add up to zero.

The figures come from the team's profile in the database: the year's budget
(its lines' rates, flat ORT share and overhead value the hours), the ORT tables,
the holidays, who takes part in the period and each municipality's money cap.

Budget mode reproduces the plan (seed 000, §3): shares of the year's budget by
population (€122,399.10 for Fryslân), credited with exactly the plan's hours: the
coordinator's to the coordinating municipality, the inspectors' read from the
pledges by `scheduling.contributions.read_pledges` (scaled down to the plan's
hours when pledges exceed them; hours no one pledged credited to the
coordinating municipality). Each column's total is the plan's own shown amount,
shared over the municipalities by largest remainder of their exact values, so
delivered adds up to the cost and the balances to exactly €0.00.

A money cap (`scheduling.contributions.capped_shares`) limits what a
municipality's cost share may be; what it leaves unpaid is borne by the others
or by the coordinating municipality, and `cap_shortfall` shows how far each
share moved from its plain population share (the column adds up to zero).

Actual mode takes the approved ledger: minutes per allowance band at the rate
of the work's category (its budget line), with no allowance in a week the weekly three-hour rule
exempts. Every amount is exact until it is shown, rounded once, and every
total is the sum of the shown lines.

A quarter is the year-to-date at its end minus the year-to-date at its start,
each computed (and balanced) as a year is, so the four quarters add up exactly
to the year in every cell, and each quarter's balances add up to zero.

A period is settled only where the tables it needs are valid on every day of
it (the budget; in actual mode the ORT tables too): otherwise it is refused,
naming the missing table and the years that are covered (`coverage`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from datetime import date, timedelta
from fractions import Fraction
from math import lcm

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.models import HourCategory, HourEntry, Inspector, Municipality
from backend.services import allowance, profile
from backend.services.errors import Refused
from backend.services.ledger import BAND_FIELDS, is_approved_entry, is_approved_in
from scheduling import ort
from scheduling import tables as dated
from scheduling.apportion import largest_remainder, largest_remainder_exact
from scheduling.calendar import local_date, local_day_start
from scheduling.contributions import Cap, PledgeReading, capped_shares, read_pledges
from scheduling.money import Budget, BudgetLine, cents_of
from scheduling.reasons import Refusal

COLUMN_SET = "piket-settlement-v4"
"""v2 added pledged_minutes, and budget mode credits the plan's hours (how pledges were read is noted);
v3 added cap_shortfall (what a capped municipality does not pay, and who bears it); v4 heads the
columns in the reader's language, gives the share as the exact population ratio (a percentage with six
decimals) instead of basis points, and the pledged and credited time as hours:minutes."""
COORDINATOR_LINE = HourCategory.COORDINATION.value
"""The budget line of the coordinator's hours, credited to the coordinating municipality."""


def line_for(budget: Budget, category: HourCategory) -> BudgetLine:
    """The budget line whose rate, ORT share and overhead value hours of this category: its own line,
    or else the control line (the plan budgets reports inside the control hours), or else the first."""
    by_name = {line.name: line for line in budget.lines}
    if not by_name:
        raise Refused(
            "the budget has no lines; enter them on the budget page", field="year", code="budget_empty"
        )
    return by_name.get(category.value) or by_name.get(HourCategory.CONTROL.value) or budget.lines[0]


@dataclass(frozen=True)
class Line:
    municipality_id: int
    name: str
    population: int
    share_basis_points: int
    cost_share_cents: int
    cap_shortfall_cents: int
    """Part of cost_share: negative what a capped municipality does not pay, positive what another bears."""
    pledged_minutes: int
    """Inspector time the municipality pledged for the period (zero if it pays in money)."""
    minutes: int
    """Minutes credited: approved hours (actual) or the plan's hours as read from the pledges (budget)."""
    salary_cents: int
    ort_cents: int
    overhead_cents: int
    fixed_cents: int
    delivered_cents: int
    balance_cents: int
    """Positive: the municipality pays this much; negative: it receives it."""


NUMBERS = tuple(f.name for f in fields(Line) if f.name not in ("municipality_id", "name"))
DELIVERED = ("salary_cents", "ort_cents", "overhead_cents", "fixed_cents")
OVER_TIME = ("cost_share_cents", "cap_shortfall_cents", "pledged_minutes", "minutes", *DELIVERED)
"""The columns that accrue over the year (a quarter has its part of them); the rest follow."""


@dataclass(frozen=True)
class Settlement:
    mode: str
    year: int
    quarter: int | None
    start: date
    end: date
    lines: tuple[Line, ...]
    pledges: PledgeReading | None = None
    """Budget mode: how the pledges were read against the plan's inspector hours (for the year)."""

    @property
    def totals(self) -> dict[str, int]:
        """Each column's total: the sum of its shown lines, nothing recomputed."""
        return {name: sum(getattr(line, name) for line in self.lines) for name in NUMBERS}

    def line(self, municipality_id: int) -> Line:
        return next(line for line in self.lines if line.municipality_id == municipality_id)


def period_of(year: int, quarter: int | None) -> tuple[date, date]:
    if quarter is None:
        return date(year, 1, 1), date(year, 12, 31)
    start = date(year, 3 * quarter - 2, 1)
    following = date(year + (quarter == 4), (3 * quarter) % 12 + 1, 1)
    return start, following - timedelta(days=1)


@dataclass(frozen=True)
class Coverage:
    """What finance reads beside a settlement: the years the tables are valid for."""

    ort: str
    budget: str


def coverage(session: Session) -> Coverage:
    """The years the team's loaded ORT tables and budgets cover ("-" where none is loaded)."""
    return Coverage(dated.covered_text(_loaded_band_tables(session)), dated.covered_text(_budgets(session)))


def settle(
    session: Session,
    year: int,
    quarter: int | None = None,
    mode: str = "actual",
    budget: Budget | None = None,
) -> Settlement:
    """The settlement of the municipalities taking part in the period, with the year's budget (from the
    team's profile) and the ORT tables in force. Refused (`no_budget_table`, `no_ort_table`) for a
    period the tables do not cover."""
    start, end = period_of(year, quarter)
    budget = budget or _budget_for(session, start, end)
    members = profile.taking_part(session, start, end)
    if mode == "budget":
        year_lines, pledges = budget_lines(members, budget)
        lines = quarter_of(year_lines, quarter)
        return Settlement(mode, year, quarter, start, end, tuple(lines), pledges)
    tables = profile.band_tables(session)
    later = _actual_to_date(session, members, year, 4 if quarter is None else quarter, budget, tables)
    if quarter is not None:
        later = _minus(later, _actual_to_date(session, members, year, quarter - 1, budget, tables))
    return Settlement(mode, year, quarter, start, end, tuple(later))


def _make_line(member: Municipality, points: int, **amounts: int) -> Line:
    """A line from its accruing columns; delivered and the balance follow from them."""
    delivered = sum(amounts[name] for name in DELIVERED)
    return Line(
        member.id,
        member.name,
        member.population,
        points,
        delivered_cents=delivered,
        balance_cents=amounts["cost_share_cents"] - delivered,
        **amounts,
    )


def _make_line_like(line: Line, amounts: dict[str, int]) -> Line:
    delivered = sum(amounts[name] for name in DELIVERED)
    return replace(
        line,
        **amounts,  # type: ignore[arg-type]
        delivered_cents=delivered,
        balance_cents=amounts["cost_share_cents"] - delivered,
    )


def _minus(later: Sequence[Line], earlier: Sequence[Line]) -> list[Line]:
    """The period between two year-to-date settlements, cell by cell."""
    return [
        _make_line_like(a, {n: getattr(a, n) - getattr(b, n) for n in OVER_TIME})
        for a, b in zip(later, earlier, strict=True)
    ]


def _to_date_part(total: int, quarters: int) -> int:
    """The year-to-date part of a yearly whole after this many quarters (all of it after four)."""
    return largest_remainder(total, [quarters, 4 - quarters])[0]


def quarter_of(year_lines: Sequence[Line], quarter: int | None) -> list[Line]:
    """A quarter of a budget year: year-to-date at its end minus at its start (the year when None)."""
    if quarter is None:
        return list(year_lines)
    return _minus(_budget_to_date(year_lines, quarter), _budget_to_date(year_lines, quarter - 1))


def _budget_to_date(year_lines: Sequence[Line], quarters: int) -> list[Line]:
    """The budget year after this many quarters, apportioned so that it still balances.

    The cost to date is its part of the year's cost; the delivered columns share
    exactly that amount in the year's proportions, and each column is shared over
    the municipalities in proportion to their year's cells (all by largest
    remainder). After four quarters every step gives back the year's own cells.
    """
    shared = [n for n in OVER_TIME if n != "cap_shortfall_cents"]
    total = {n: sum(getattr(line, n) for line in year_lines) for n in shared}
    cost = _to_date_part(total["cost_share_cents"], quarters)
    to_date = dict(zip(DELIVERED, largest_remainder(cost, [total[n] for n in DELIVERED]), strict=True))
    to_date |= {
        "cost_share_cents": cost,
        **{n: _to_date_part(total[n], quarters) for n in ("pledged_minutes", "minutes")},
    }
    cells = {n: largest_remainder(to_date[n], [getattr(line, n) for line in year_lines]) for n in shared}
    # The shortfall to date: how far the (capped) shares to date lie from the plain shares of the
    # same cost, both shared in the year's proportions; zero without caps, the year's after four quarters.
    plain = largest_remainder(cost, [line.cost_share_cents - line.cap_shortfall_cents for line in year_lines])
    cells["cap_shortfall_cents"] = [
        share - p for share, p in zip(cells["cost_share_cents"], plain, strict=True)
    ]
    return [_make_line_like(line, {n: cells[n][i] for n in OVER_TIME}) for i, line in enumerate(year_lines)]


def budget_lines(members: Sequence[Municipality], budget: Budget) -> tuple[list[Line], PledgeReading]:
    """The plan's year: population shares of its cost against the value of its hours, to the cent.

    The hours credited are the plan's (`read_pledges` says how the pledges were read);
    each column's total is the plan's shown amount (salary, ORT and overhead share the
    shown cost of hours, in the plan's exact proportions), and is shared over the
    municipalities by their exact values. So delivered adds up to the cost, and the
    balances to zero, whatever the pledges.
    """
    coordinating = _coordinating(members)
    coordinator = next((line for line in budget.lines if line.name == COORDINATOR_LINE), None)
    coordinator_minutes = coordinator.hours * 60 if coordinator is not None else 0
    inspector_lines = [line for line in budget.lines if line.name != COORDINATOR_LINE]
    reading = read_pledges(
        sum(line.hours for line in inspector_lines) * 60, [m.pledged_minutes for m in members]
    )
    credited = [
        minutes + (reading.uncovered_minutes if m is coordinating else 0)
        for m, minutes in zip(members, reading.credited_minutes, strict=True)
    ]
    exact = [_plan_value(minutes, reading.plan_minutes, inspector_lines) for minutes in credited]
    own = members.index(coordinating)  # employs the coordinator: all of that line is its own
    if coordinator is not None:
        exact[own] = _plus(exact[own], _plan_value(1, 1, [coordinator]))
    column_sums = [sum((e[k] for e in exact), Fraction(0)) for k in range(3)]
    column_totals = largest_remainder_exact(budget.hours_cents, column_sums)
    columns = [largest_remainder_exact(total, [e[k] for e in exact]) for k, total in enumerate(column_totals)]
    shares, moved = _cost_shares(members, budget.yearly_cents, 4)
    points = largest_remainder(10_000, [m.population for m in members])
    lines = [
        _make_line(
            m,
            points[i],
            cost_share_cents=shares[i],
            cap_shortfall_cents=moved[i],
            pledged_minutes=m.pledged_minutes,
            minutes=credited[i] + (coordinator_minutes if m is coordinating else 0),
            salary_cents=columns[0][i],
            ort_cents=columns[1][i],
            overhead_cents=columns[2][i],
            fixed_cents=budget.fixed_cents if m is coordinating else 0,
        )
        for i, m in enumerate(members)
    ]
    return lines, reading


def _cost_shares(members: Sequence[Municipality], total: int, quarters: int) -> tuple[list[int], list[int]]:
    """Population shares of `total` with every money cap (its part to date) held, and how far each
    share moved from its plain population share."""
    caps = [
        None
        if m.money_cap_cents is None
        else Cap(_to_date_part(m.money_cap_cents, quarters), m.cap_shortfall or "others")
        for m in members
    ]
    coordinator = next((i for i, m in enumerate(members) if m.is_coordinating), None)
    return capped_shares(total, [m.population for m in members], caps, coordinator)


def _coordinating(members: Sequence[Municipality]) -> Municipality:
    found = [m for m in members if m.is_coordinating]
    if len(found) != 1:
        raise Refused(
            "the budget needs exactly one participating coordinating municipality: it pays the "
            "fixed costs and the coordinator",
            field="mode",
            code="one_coordinating",
        )
    return found[0]


Exact = tuple[Fraction, Fraction, Fraction]
"""Salary, ORT and overhead of some of the plan's hours, as exact euros."""


def _plus(a: Exact, b: Exact) -> Exact:
    return a[0] + b[0], a[1] + b[1], a[2] + b[2]


def _plan_value(minutes: int, of_minutes: int, lines: Sequence[BudgetLine]) -> Exact:
    """The exact value of `minutes` out of `of_minutes` of these budget lines' hours."""
    share = Fraction(minutes, of_minutes) if of_minutes else Fraction(0)
    return (
        sum((share * line.salary for line in lines), Fraction(0)),
        sum((share * line.allowance for line in lines), Fraction(0)),
        sum((share * line.overhead for line in lines), Fraction(0)),
    )


def _actual_to_date(
    session: Session,
    members: Sequence[Municipality],
    year: int,
    quarters: int,
    budget: Budget,
    tables: Sequence[ort.BandTable],
) -> list[Line]:
    """The approved ledger from 1 January to the end of this many quarters (nothing for none)."""
    if quarters == 0:
        return [_make_line(m, 0, **dict.fromkeys(OVER_TIME, 0)) for m in members]
    units = Units(budget, tables)
    credits = _actual_credits(session, units, tables, date(year, 1, 1), period_of(year, quarters)[1])
    fixed = _to_date_part(budget.fixed_cents, quarters)
    shown = {
        m.id: units.shown(credits.get(m.id, Credit()), fixed if m.is_coordinating else 0) for m in members
    }
    total_cost = sum(sum(parts[1:]) for parts in shown.values())
    shares, moved = _cost_shares(members, total_cost, quarters)
    points = largest_remainder(10_000, [m.population for m in members])
    return [
        _make_line(
            m,
            points[i],
            cost_share_cents=shares[i],
            cap_shortfall_cents=moved[i],
            pledged_minutes=_to_date_part(m.pledged_minutes, quarters),
            **dict(zip(("minutes", *DELIVERED), shown[m.id], strict=True)),
        )
        for i, m in enumerate(members)
    ]


@dataclass(frozen=True)
class Credit:
    """An employer's delivered hours: minutes, and money in whole `Units` (exact, not yet rounded)."""

    minutes: int = 0
    salary: int = 0
    allowance: int = 0
    overhead: int = 0

    def __add__(self, other: Credit) -> Credit:
        return Credit(
            self.minutes + other.minutes,
            self.salary + other.salary,
            self.allowance + other.allowance,
            self.overhead + other.overhead,
        )


class Units:
    """The budget's rates and the ORT tables' percentages as whole numbers of one small unit of money,
    so that an employer's credit is summed in integers and each amount rounded to cents once: the
    same cents as summing exact fractions, without a Fraction per sum (at 110 municipalities those
    were most of a settlement's time in Python).

    A unit is 1 / (60 * R * P) euro, R the common denominator of the lines' rates and overheads, P that
    of the tables' percentages: a minute at a line's rate is `rate[line] * P` units, a minute of a
    band at its percentage and a line's rate `percent[band] * rate[line]` units."""

    def __init__(self, budget: Budget, tables: Sequence[ort.BandTable]) -> None:
        lines = budget.lines
        rates = lcm(*(f.denominator for line in lines for f in (line.rate, line.overhead_per_hour)))
        self.common = lcm(*(p.denominator for table in tables for p in table.percentages.values()))
        self.per_euro = 60 * rates * self.common
        self._rate = {line.name: int(line.rate * rates) for line in lines}
        self._overhead = {line.name: int(line.overhead_per_hour * rates) for line in lines}
        self._percent = {table.effective_from: self._percentages(table) for table in tables}
        self._budget = budget

    def _percentages(self, table: ort.BandTable) -> tuple[int, ...]:
        return tuple(int(table.percentage(band) * self.common) for band in BAND_FIELDS)

    def credit(self, category: HourCategory, table: ort.BandTable, minutes: Sequence[int]) -> Credit:
        """Band minutes (in BAND_FIELDS' order) of one category, worked under `table`."""
        line = line_for(self._budget, category).name
        worked = sum(minutes)
        return Credit(
            worked,
            worked * self._rate[line] * self.common,
            self.weighted(table, minutes) * self._rate[line],
            worked * self._overhead[line] * self.common,
        )

    def withheld(self, category: HourCategory, table: ort.BandTable, minutes: Sequence[int]) -> Credit:
        """The allowance not paid for these band minutes (of an exempt week), as a credit to add."""
        line = line_for(self._budget, category).name
        return Credit(allowance=-self.weighted(table, minutes) * self._rate[line])

    def weighted(self, table: ort.BandTable, minutes: Sequence[int]) -> int:
        """Allowance minutes times P: each band's minutes times its percentage."""
        return sum(m * p for m, p in zip(minutes, self._percent[table.effective_from], strict=True))

    def shown(self, credit: Credit, fixed: int) -> tuple[int, int, int, int, int]:
        """Minutes, salary, allowance, overhead (each rounded to cents once) and the fixed costs."""
        return (
            credit.minutes,
            cents_of(credit.salary, self.per_euro),
            cents_of(credit.allowance, self.per_euro),
            cents_of(credit.overhead, self.per_euro),
            fixed,
        )


def _actual_credits(
    session: Session, units: Units, tables: Sequence[ort.BandTable], start: date, end: date
) -> dict[int, Credit]:
    """Approved minutes of each employer's inspectors, per band, under the ORT table in force;
    no allowance for the entries of a week the three-hour rule exempts."""
    credits: dict[int, Credit] = {}
    for table, segment_start, segment_end in _table_segments(tables, start, end):
        for employer, category, *minutes in approved_minutes(session, segment_start, segment_end):
            credits[employer] = credits.get(employer, Credit()) + units.credit(
                category, table, [int(m or 0) for m in minutes]
            )
    for employer, withheld in _exempt_allowance(session, units, tables, start, end):
        credits[employer] = credits.get(employer, Credit()) + withheld
    return credits


def _exempt_allowance(
    session: Session, units: Units, tables: Sequence[ort.BandTable], start: date, end: date
) -> list[tuple[int, Credit]]:
    """The allowance the sums above counted for approved entries of exempt weeks, to take back."""
    exempt = allowance.exempt_weeks(session, start, end)
    if not exempt:
        return []
    mondays = [monday for _, monday in exempt]
    entries = session.execute(
        select(HourEntry, Inspector.employer_id)
        .join(Inspector, Inspector.id == HourEntry.inspector_id)
        .where(
            is_approved_entry(),
            HourEntry.inspector_id.in_({i for i, _ in exempt}),
            HourEntry.starts_at >= local_day_start(min(mondays)),
            HourEntry.starts_at < local_day_start(max(mondays) + allowance.WEEK),
            HourEntry.counts_at >= local_day_start(start),
            HourEntry.counts_at < local_day_start(end + timedelta(days=1)),
        )
    ).all()
    return [
        (
            employer,
            units.withheld(
                entry.category,
                ort.table_on(local_date(entry.counts_at), tables),
                [getattr(entry, f) for f in BAND_FIELDS.values()],
            ),
        )
        for entry, employer in entries
        if allowance.week_of(entry.inspector_id, entry.starts_at) in exempt
    ]


def _budgets(session: Session) -> list[Budget]:
    """The team's budgets, each valid for its own year."""
    return [profile.budget(session, row.year) for row in profile.budget_rows(session)]


def _loaded_band_tables(session: Session) -> tuple[ort.BandTable, ...]:
    try:
        return profile.band_tables(session)
    except Refused:
        return ()


def _budget_for(session: Session, start: date, end: date) -> Budget:
    """The one budget valid on every day of the period."""
    pieces = _covered(start, end, _budgets(session), "no_budget_table")
    if len({id(budget) for budget, _, _ in pieces}) > 1:
        day = {"day": pieces[1][1].isoformat()}
        raise Refused(
            "the budget changes on %(day)s; settle each part apart",
            field="year",
            code="budget_changes",
            details=day,
            params=day,
        )
    return pieces[0][0]


def _table_segments(
    tables: Sequence[ort.BandTable], start: date, end: date
) -> list[tuple[ort.BandTable, date, date]]:
    """The period cut where a new allowance table takes effect; refused where none is valid."""
    return _covered(start, end, tables, "no_ort_table")


def _covered(
    start: date, end: date, tables: Sequence[dated.T], missing: str
) -> list[tuple[dated.T, date, date]]:
    try:
        return dated.between(start, end, tables, missing)
    except Refusal as refusal:
        raise Refused.because(refusal, field="year") from None


def approved_minutes(session: Session, start: date, end: date) -> list[tuple[int, HourCategory, int]]:
    """Sums per employer and category of approved entries, a reversal only where it was approved too."""
    columns = [func.sum(getattr(HourEntry, f)) for f in BAND_FIELDS.values()]
    rows = session.execute(
        select(Inspector.employer_id, HourEntry.category, *columns)
        .join(Inspector, Inspector.id == HourEntry.inspector_id)
        .where(
            is_approved_in(session),
            HourEntry.counts_at >= local_day_start(start),
            HourEntry.counts_at < local_day_start(end + timedelta(days=1)),
        )
        .group_by(Inspector.employer_id, HourEntry.category)
    ).all()
    return list(rows)

"""The cost settlement between municipalities, per year or quarter, in budget or actual mode.

Each participating municipality owes its population share of the cost and is
credited with the value of the hours its own inspectors delivered (the
coordinating municipality also with the fixed costs it pays). The balance is
what it pays (positive) or receives (negative); the balances add up to zero.

Budget mode reproduces the plan (seed 000, §3): shares of the plan's budget,
credited with the pledged hours at the plan's all-in rate and flat 12.5% ORT.
Actual mode takes the approved ledger: minutes per allowance band at the rate
of the work's category. Every amount is exact until it is shown, rounded once,
and every total is the sum of the shown lines.

A period is settled only where the tables it needs are valid on every day of
it (the budget; in actual mode the ORT tables too): otherwise it is refused,
naming the missing table and the years that are covered (`coverage`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date, timedelta
from fractions import Fraction

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from backend.models import HourApproval, HourCategory, HourEntry, Inspector, Municipality
from backend.services.errors import Refused
from backend.services.ledger import BAND_FIELDS
from scheduling import ort
from scheduling import tables as dated
from scheduling.apportion import largest_remainder
from scheduling.calendar import local_day_start
from scheduling.contributions import contribution_table
from scheduling.money import (
    BUDGETS,
    FLAT_ORT,
    OVERHEAD_PER_HOUR,
    SCALE_7_STEP_11,
    SCALE_10_STEP_11,
    Budget,
    to_cents,
)
from scheduling.reasons import Refusal

COLUMN_SET = "piket-settlement-v1"
RATE = {HourCategory.COORDINATION: SCALE_10_STEP_11}
"""All-in hourly rate per category (the plan's scale 10 for coordination, scale 7 otherwise)."""
DEFAULT_RATE = SCALE_7_STEP_11


@dataclass(frozen=True)
class Line:
    municipality_id: int
    name: str
    population: int
    share_basis_points: int
    cost_share_cents: int
    minutes: int
    salary_cents: int
    ort_cents: int
    overhead_cents: int
    fixed_cents: int
    delivered_cents: int
    balance_cents: int
    """Positive: the municipality pays this much; negative: it receives it."""


NUMBERS = tuple(f.name for f in fields(Line) if f.name not in ("municipality_id", "name"))


@dataclass(frozen=True)
class Settlement:
    mode: str
    year: int
    quarter: int | None
    start: date
    end: date
    lines: tuple[Line, ...]

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


def coverage() -> Coverage:
    return Coverage(dated.covered_text(ort.ORT_TABLES), dated.covered_text(BUDGETS))


def settle(session: Session, year: int, quarter: int | None = None, mode: str = "actual",
           budget: Budget | None = None) -> Settlement:
    """Refused (`no_budget_table`, `no_ort_table`) for a period the tables do not cover."""
    start, end = period_of(year, quarter)
    budget = budget or _budget_for(start, end)
    members = list(session.execute(select(Municipality).where(Municipality.is_participating)
                                   .order_by(Municipality.name)).scalars())
    fixed = _part(budget.fixed_cents, quarter)
    if mode == "budget":
        credits = _budget_credits(members, budget, quarter)
    else:
        credits = _actual_credits(session, start, end)
    lines = _lines(members, credits, fixed, _budget_shares(members, budget, quarter) if mode == "budget"
                   else None)
    return Settlement(mode, year, quarter, start, end, tuple(lines))


@dataclass(frozen=True)
class Credit:
    minutes: int = 0
    salary: Fraction = Fraction(0)
    allowance: Fraction = Fraction(0)
    overhead: Fraction = Fraction(0)

    def __add__(self, other: Credit) -> Credit:
        return Credit(self.minutes + other.minutes, self.salary + other.salary,
                      self.allowance + other.allowance, self.overhead + other.overhead)


def _credit(minutes: int, rate: Fraction, allowance_minutes: Fraction) -> Credit:
    hourly = Fraction(1, 60)
    return Credit(minutes, minutes * rate * hourly, allowance_minutes * rate * hourly,
                  minutes * OVERHEAD_PER_HOUR * hourly)


def _lines(members: Sequence[Municipality], credits: dict[int, Credit], fixed: int,
           cost_shares: list[int] | None) -> list[Line]:
    shown = {m.id: _shown(credits.get(m.id, Credit()), fixed if m.is_coordinating else 0) for m in members}
    total_cost = sum(sum(parts[1:]) for parts in shown.values())
    populations = [m.population for m in members]
    shares = cost_shares if cost_shares is not None else largest_remainder(total_cost, populations)
    basis_points = largest_remainder(10_000, populations)
    lines = []
    for member, share, points in zip(members, shares, basis_points, strict=True):
        minutes, salary, allowance, overhead, fixed_part = shown[member.id]
        delivered = salary + allowance + overhead + fixed_part
        lines.append(Line(member.id, member.name, member.population, points, share, minutes, salary,
                          allowance, overhead, fixed_part, delivered, share - delivered))
    return lines


def _shown(credit: Credit, fixed: int) -> tuple[int, int, int, int, int]:
    return (credit.minutes, to_cents(credit.salary), to_cents(credit.allowance), to_cents(credit.overhead),
            fixed)


def _part(yearly: int, quarter: int | None) -> int:
    return yearly if quarter is None else largest_remainder(yearly, [1, 1, 1, 1])[quarter - 1]


def _budget_shares(members: Sequence[Municipality], budget: Budget, quarter: int | None) -> list[int]:
    table = contribution_table([(m.name, m.population) for m in members], budget)
    return [_part(row.yearly_cents, quarter) for row in table.rows]


def _budget_credits(members: Sequence[Municipality], budget: Budget,
                    quarter: int | None) -> dict[int, Credit]:
    """Pledged hours at the plan's rate and flat ORT; the coordinating municipality also the coordinator."""
    credits = {}
    for member in members:
        minutes = _part(member.pledged_minutes, quarter)
        credit = _credit(minutes, DEFAULT_RATE, minutes * FLAT_ORT)
        if member.is_coordinating:
            line = next(line for line in budget.lines if line.name == "coordinator")
            coordinator = _part(line.hours * 60, quarter)
            credit += _credit(coordinator, line.rate, coordinator * line.ort)
        credits[member.id] = credit
    return credits


def _actual_credits(session: Session, start: date, end: date) -> dict[int, Credit]:
    """Approved minutes of each employer's inspectors, per band, under the ORT table in force."""
    credits: dict[int, Credit] = {}
    for table, segment_start, segment_end in _table_segments(start, end):
        for employer, category, *minutes in _approved_minutes(session, segment_start, segment_end):
            bands = dict(zip(BAND_FIELDS, (int(m or 0) for m in minutes), strict=True))
            weighted = sum((table.percentage(b) * m for b, m in bands.items()), Fraction(0))
            credit = _credit(sum(bands.values()), RATE.get(category, DEFAULT_RATE), weighted)
            credits[employer] = credits.get(employer, Credit()) + credit
    return credits


def _budget_for(start: date, end: date) -> Budget:
    """The one budget valid on every day of the period."""
    pieces = _covered(start, end, BUDGETS, "no_budget_table")
    if len({id(budget) for budget, _, _ in pieces}) > 1:
        raise Refused(f"the budget changes on {pieces[1][1].isoformat()}; settle each part apart",
                      field="year")
    return pieces[0][0]


def _table_segments(start: date, end: date) -> list[tuple[ort.BandTable, date, date]]:
    """The period cut where a new allowance table takes effect; refused where none is valid."""
    return _covered(start, end, ort.ORT_TABLES, "no_ort_table")


def _covered(start: date, end: date, tables: Sequence[dated.T],
             missing: str) -> list[tuple[dated.T, date, date]]:
    try:
        return dated.between(start, end, tables, missing)
    except Refusal as refusal:
        raise Refused.because(refusal, field="year") from None


def _approved_minutes(session: Session, start: date, end: date) -> list[tuple[int, HourCategory, int]]:
    """Sums per employer and category of approved entries, a reversal only where it was approved too."""
    approved = aliased(HourApproval)
    columns = [func.sum(getattr(HourEntry, f)) for f in BAND_FIELDS.values()]
    rows = session.execute(
        select(Inspector.employer_id, HourEntry.category, *columns)
        .join(Inspector, Inspector.id == HourEntry.inspector_id)
        .join(approved, approved.entry_id == HourEntry.id)
        .where(HourEntry.counts_at >= local_day_start(start),
               HourEntry.counts_at < local_day_start(end + timedelta(days=1)))
        .group_by(Inspector.employer_id, HourEntry.category)).all()
    return list(rows)  # type: ignore[arg-type]

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
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date, timedelta
from fractions import Fraction
from itertools import pairwise

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from backend.models import HourApproval, HourCategory, HourEntry, Inspector, Municipality
from backend.services import profile
from backend.services.ledger import BAND_FIELDS
from scheduling import ort
from scheduling.apportion import largest_remainder
from scheduling.calendar import local_day_start
from scheduling.contributions import Cap, capped_shares
from scheduling.money import Budget, BudgetLine, to_cents

COLUMN_SET = "piket-settlement-v2"
"""v2: the cap_shortfall column (what a capped municipality does not pay, and who bears it)."""


def line_for(budget: Budget, category: HourCategory) -> BudgetLine:
    """The budget line whose rate, ORT share and overhead value hours of this category: its own line,
    or else the control line (the plan budgets reports inside the control hours), or else the first."""
    by_name = {line.name: line for line in budget.lines}
    if not by_name:
        raise ValueError("the budget has no lines")
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


def settle(session: Session, year: int, quarter: int | None = None, mode: str = "actual",
           budget: Budget | None = None) -> Settlement:
    """The settlement of the municipalities taking part in the period, with the year's budget and plan
    (from the team's profile) and the ORT tables in force."""
    start, end = period_of(year, quarter)
    members = profile.taking_part(session, start, end)
    budget = budget or profile.budget(session, year)
    fixed = _part(budget.fixed_cents, quarter)
    if mode == "budget":
        credits = _budget_credits(members, budget, quarter)
    else:
        credits = _actual_credits(session, budget, profile.band_tables(session), start, end)
    lines = _lines(members, credits, fixed, quarter,
                   _budget_shares(members, budget, quarter) if mode == "budget" else None)
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


def _credit(minutes: int, line: BudgetLine, allowance_minutes: Fraction) -> Credit:
    hourly = Fraction(1, 60)
    return Credit(minutes, minutes * line.rate * hourly, allowance_minutes * line.rate * hourly,
                  minutes * line.overhead_per_hour * hourly)


def _lines(members: Sequence[Municipality], credits: dict[int, Credit], fixed: int, quarter: int | None,
           cost_shares: tuple[list[int], list[int]] | None) -> list[Line]:
    shown = {m.id: _shown(credits.get(m.id, Credit()), fixed if m.is_coordinating else 0) for m in members}
    total_cost = sum(sum(parts[1:]) for parts in shown.values())
    populations = [m.population for m in members]
    shares, moved = cost_shares or capped_shares(total_cost, populations, _caps(members, quarter),
                                                 _coordinator(members))
    basis_points = largest_remainder(10_000, populations)
    lines = []
    for member, share, shortfall, points in zip(members, shares, moved, basis_points, strict=True):
        minutes, salary, allowance, overhead, fixed_part = shown[member.id]
        delivered = salary + allowance + overhead + fixed_part
        lines.append(Line(member.id, member.name, member.population, points, share, shortfall, minutes,
                          salary, allowance, overhead, fixed_part, delivered, share - delivered))
    return lines


def _caps(members: Sequence[Municipality], quarter: int | None) -> list[Cap | None]:
    """Each money cap for the period (a quarter carries a quarter of the yearly cap)."""
    return [None if m.money_cap_cents is None else Cap(_part(m.money_cap_cents, quarter),
                                                        m.cap_shortfall or "others") for m in members]


def _coordinator(members: Sequence[Municipality]) -> int | None:
    return next((i for i, m in enumerate(members) if m.is_coordinating), None)


def _shown(credit: Credit, fixed: int) -> tuple[int, int, int, int, int]:
    return (credit.minutes, to_cents(credit.salary), to_cents(credit.allowance), to_cents(credit.overhead),
            fixed)


def _part(yearly: int, quarter: int | None) -> int:
    return yearly if quarter is None else largest_remainder(yearly, [1, 1, 1, 1])[quarter - 1]


def _budget_shares(members: Sequence[Municipality], budget: Budget,
                   quarter: int | None) -> tuple[list[int], list[int]]:
    """The plan's yearly contributions by population (the scenario table's yearly column), capped."""
    populations = [m.population for m in members]
    plain = [_part(share, quarter) for share in largest_remainder(budget.yearly_cents, populations)]
    if all(m.money_cap_cents is None for m in members):
        return plain, [0] * len(plain)
    shares, _ = capped_shares(sum(plain), populations, _caps(members, quarter), _coordinator(members))
    return shares, [s - p for s, p in zip(shares, plain, strict=True)]


def _budget_credits(members: Sequence[Municipality], budget: Budget,
                    quarter: int | None) -> dict[int, Credit]:
    """Pledged hours at the plan's rate and flat ORT; the coordinating municipality also the coordinator."""
    credits = {}
    for member in members:
        minutes = _part(member.pledged_minutes, quarter)
        pledged = line_for(budget, HourCategory.CONTROL)
        credit = _credit(minutes, pledged, minutes * pledged.ort)
        coordination = next((line for line in budget.lines if line.name == HourCategory.COORDINATION), None)
        if member.is_coordinating and coordination is not None:
            coordinator = _part(coordination.hours * 60, quarter)
            credit += _credit(coordinator, coordination, coordinator * coordination.ort)
        credits[member.id] = credit
    return credits


def _actual_credits(session: Session, budget: Budget, tables: Sequence[ort.BandTable], start: date,
                    end: date) -> dict[int, Credit]:
    """Approved minutes of each employer's inspectors, per band, under the ORT table in force."""
    credits: dict[int, Credit] = {}
    for table, segment_start, segment_end in _table_segments(tables, start, end):
        for employer, category, *minutes in _approved_minutes(session, segment_start, segment_end):
            bands = dict(zip(BAND_FIELDS, (int(m or 0) for m in minutes), strict=True))
            weighted = sum((table.percentage(b) * m for b, m in bands.items()), Fraction(0))
            credit = _credit(sum(bands.values()), line_for(budget, category), weighted)
            credits[employer] = credits.get(employer, Credit()) + credit
    return credits


def _table_segments(tables: Sequence[ort.BandTable], start: date,
                    end: date) -> list[tuple[ort.BandTable, date, date]]:
    """The period cut where a new allowance table takes effect."""
    cuts = sorted({start} | {t.effective_from for t in tables if start < t.effective_from <= end})
    bounds = [*cuts, end + timedelta(days=1)]
    return [(ort.table_on(a, tables), a, b - timedelta(days=1)) for a, b in pairwise(bounds)]


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

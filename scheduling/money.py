"""Money from minutes: the allowance in pay, the budget's all-in rates, and rounding.

Amounts are exact fractions of a euro until they are shown; each shown amount
is rounded once, half away from zero, to whole cents. Nothing is rounded twice.
A budget, like an ORT table, is valid for a range of dates; a date outside
every budget is refused (`TableMissing`), not priced at the nearest one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from scheduling import tables as dated
from scheduling.calendar import week_start
from scheduling.ort import Band, BandSplit, BandTable, exempt_weeks, table_on
from scheduling.reasons import Refusal

HOURS_PER_MONTH = 156
"""Cao Gemeenten: the hourly wage is the monthly salary divided by 156."""


def to_cents(euros: Fraction) -> int:
    """Round an exact amount in euros to whole cents, half away from zero."""
    return cents_of(euros.numerator, euros.denominator)


def cents_of(numerator: int, denominator: int) -> int:
    """Round `numerator / denominator` euros (denominator > 0) to whole cents, half away from zero."""
    rounded = (abs(numerator) * 200 + denominator) // (2 * denominator)
    return rounded if numerator >= 0 else -rounded


def euros(text: str) -> Fraction:
    """An exact amount from a decimal string such as "52.67402"."""
    return Fraction(text)


def hourly_wage(monthly_salary_cents: int) -> Fraction:
    """Euros an hour for a monthly salary in cents (a negative salary is refused)."""
    _require_salary(monthly_salary_cents)
    return Fraction(monthly_salary_cents, 100 * HOURS_PER_MONTH)


def allowance_cents(
    split: BandSplit, monthly_salary_cents: int, cap_monthly_salary_cents: int, tables: Sequence[BandTable]
) -> int:
    """The allowance one entry earns on its own: band percentages of the hourly wage, capped at scale
    6's top. What is paid also follows the weekly rule: see `weekly_allowance_cents`."""
    _require_salary(monthly_salary_cents, "monthly_salary_cents")
    _require_salary(cap_monthly_salary_cents, "cap_monthly_salary_cents")
    wage = hourly_wage(min(monthly_salary_cents, cap_monthly_salary_cents))
    return to_cents(split.allowance_minutes(tables) / 60 * wage)


def weekly_allowance_cents(
    splits: Sequence[BandSplit],
    monthly_salary_cents: int,
    cap_monthly_salary_cents: int,
    tables: Sequence[BandTable],
) -> dict[date, int]:
    """One inspector's allowance per week (keyed by Monday): the sum of its entries' allowances, and
    nothing in a week whose only irregular work is one stretch of at most three hours."""
    exempt = exempt_weeks(splits, tables)
    weeks: dict[date, int] = {}
    for split in splits:
        monday = week_start(split.local_day)
        earned = (
            0
            if monday in exempt
            else allowance_cents(split, monthly_salary_cents, cap_monthly_salary_cents, tables)
        )
        weeks[monday] = weeks.get(monday, 0) + earned
    return weeks


def ort_share(band_minutes: Mapping[Band, int], table: BandTable) -> Fraction:
    """The allowance as a share of pay for these minutes (the budget assumes 1/8, 12.5%)."""
    worked = sum(band_minutes.values())
    if worked == 0:
        return Fraction(0)
    weighted = sum((table.percentage(b) * m for b, m in band_minutes.items()), Fraction(0))
    return weighted / worked


def ort_share_of(split: BandSplit, tables: Sequence[BandTable]) -> Fraction:
    return ort_share(split.minutes, table_on(split.local_day, tables))


def _require_salary(cents: int, field: str = "monthly_salary_cents") -> None:
    if cents < 0:
        raise Refusal("salary_negative", field=field, amount=str(cents))


@dataclass(frozen=True)
class BudgetLine:
    """One line of the yearly budget: hours at an all-in rate, a flat allowance and overhead.

    The figures are the team's (its profile, per year); none is written here.
    """

    name: str
    """The hour category the line budgets: control, callout, report or coordination."""
    hours: int
    rate: Fraction
    """All-in euros an hour for the scale and step."""
    ort: Fraction
    overhead_per_hour: Fraction

    @property
    def salary(self) -> Fraction:
        return self.hours * self.rate

    @property
    def allowance(self) -> Fraction:
        return self.salary * self.ort

    @property
    def overhead(self) -> Fraction:
        return self.hours * self.overhead_per_hour

    @property
    def total(self) -> Fraction:
        return self.salary + self.allowance + self.overhead

    def cents(self) -> dict[str, int]:
        """Each shown amount rounded once from its exact value, as the plan's spreadsheet does."""
        return {
            "salary": to_cents(self.salary),
            "ort": to_cents(self.allowance),
            "overhead": to_cents(self.overhead),
            "total": to_cents(self.total),
        }


@dataclass(frozen=True)
class Budget:
    """The plan's yearly budget and its rates, valid from `effective_from` to `effective_until` (included)."""

    lines: tuple[BudgetLine, ...]
    fixed_cents: int
    """Equipment and training, a fixed amount a year."""
    effective_from: date
    effective_until: date

    @property
    def hours(self) -> int:
        return sum(line.hours for line in self.lines)

    @property
    def hours_cents(self) -> int:
        """The cost of hours as shown: the sum of the shown line totals."""
        return sum(line.cents()["total"] for line in self.lines)

    @property
    def yearly_cents(self) -> int:
        return self.hours_cents + self.fixed_cents

    @property
    def exact_yearly(self) -> Fraction:
        return sum((line.total for line in self.lines), Fraction(self.fixed_cents, 100))

    def pilot_cents(self, years: int) -> int:
        """The whole pilot's cost, from the exact yearly amount (rounded once, not `years` times)."""
        return to_cents(self.exact_yearly * years)


def budget_on(day: date, budgets: Sequence[Budget]) -> Budget:
    """The budget (and so the rates) valid on `day`; `TableMissing` ("no_budget_table") when none is."""
    return dated.on(day, budgets, "no_budget_table")

"""Who contributes what: population shares of money, hours, fte and controls.

Every column is a largest-remainder apportionment of one whole total (cents,
hours, hundredths), so the parts always add up to the total exactly. The plan
(seed 000, §3) rounded every cell on its own; where that made its columns add
up to something else, the tests name the difference.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from scheduling.apportion import largest_remainder
from scheduling.money import Budget

MINIMUM_PLEDGE_HOURS = 100
"""A contribution in hours is at least 100 hours a year (smaller pools hurt expertise)."""


@dataclass(frozen=True)
class ContributionRow:
    name: str
    population: int
    share_basis_points: int
    """Share of the population in hundredths of a percent (4195 is 41.95%)."""
    pilot_cents: int
    yearly_cents: int
    fte_hundredths: int
    hours: int
    controls: int

    @property
    def share(self) -> Fraction:
        return Fraction(self.share_basis_points, 10_000)


@dataclass(frozen=True)
class ContributionTable:
    rows: tuple[ContributionRow, ...]
    pilot_cents: int
    yearly_cents: int
    fte_hundredths: int
    hours: int
    controls: int

    def row(self, name: str) -> ContributionRow:
        return next(r for r in self.rows if r.name == name)


@dataclass(frozen=True)
class Cap:
    """The most a municipality pays a year, and who bears what the cap leaves unpaid."""

    cents: int
    shortfall: str = "others"
    """"others": the uncapped municipalities, by population; "coordinator": the coordinating one."""


def contribution_table(
    populations: Sequence[tuple[str, int]],
    budget: Budget,
    *,
    years: int,
    controls: int,
    fte_hundredths: int,
    caps: Sequence[Cap | None] | None = None,
    coordinator: int | None = None,
) -> ContributionTable:
    """The scenario table for these municipalities, from their populations (and money caps) alone."""
    weights = [population for _, population in populations]
    totals = {
        "share_basis_points": 10_000,
        "pilot_cents": budget.pilot_cents(years),
        "yearly_cents": budget.yearly_cents,
        "fte_hundredths": fte_hundredths,
        "hours": budget.hours,
        "controls": controls,
    }
    columns = {key: largest_remainder(total, weights) for key, total in totals.items()}
    if caps is not None:
        yearly = [None if c is None else Cap(c.cents * years, c.shortfall) for c in caps]
        columns["yearly_cents"] = capped_shares(totals["yearly_cents"], weights, caps, coordinator)[0]
        columns["pilot_cents"] = capped_shares(totals["pilot_cents"], weights, yearly, coordinator)[0]
    rows = tuple(
        ContributionRow(name=name, population=population, **{key: parts[i] for key, parts in columns.items()})
        for i, (name, population) in enumerate(populations)
    )
    return ContributionTable(
        rows=rows,
        pilot_cents=totals["pilot_cents"],
        yearly_cents=totals["yearly_cents"],
        fte_hundredths=fte_hundredths,
        hours=totals["hours"],
        controls=controls,
    )


@dataclass(frozen=True)
class PledgeShortfall:
    """A municipality whose share is under the minimum pledge in hours."""

    name: str
    share_hours: int
    minimum_hours: int

    @property
    def extra_hours(self) -> int:
        """Hours it delivers beyond its share if it pledges the minimum; settled in money."""
        return self.minimum_hours - self.share_hours


def pledge_shortfalls(
    table: ContributionTable, minimum_hours: int = MINIMUM_PLEDGE_HOURS
) -> list[PledgeShortfall]:
    """Municipalities that must either pay money or pledge the minimum and settle the difference."""
    return [PledgeShortfall(r.name, r.hours, minimum_hours) for r in table.rows if r.hours < minimum_hours]


def pledged_hours(share_hours: int, pays_in_hours: bool, minimum_hours: int = MINIMUM_PLEDGE_HOURS) -> int:
    """The hours a municipality pledges: its share, raised to the minimum; none when it pays money."""
    return max(share_hours, minimum_hours) if pays_in_hours else 0


@dataclass(frozen=True)
class PledgeReading:
    """How a budget reads the pledges in hours against the plan's inspector hours.

    The plan budgets a fixed number of inspector hours (seed 000, §3: 807), and its
    cost is what the municipalities share. Pledges are capacity and rarely add up to
    exactly that. Rule, so that the budget's balances add up to zero and no hour is
    credited that the plan does not pay for:

    - pledges above the plan's hours: each pledge is credited its share of the
      plan's hours (the pledges scaled down, by largest remainder, in minutes);
      the capacity beyond the plan is not budgeted;
    - pledges below the plan's hours: each pledge is credited in full and the hours
      no one pledged are credited to the coordinating municipality, which arranges
      them; their cost is already in everyone's population share.
    """

    plan_minutes: int
    pledged_minutes: tuple[int, ...]
    credited_minutes: tuple[int, ...]
    uncovered_minutes: int
    """Plan minutes no pledge covers, credited to the coordinating municipality."""

    @property
    def total_pledged_minutes(self) -> int:
        return sum(self.pledged_minutes)

    @property
    def difference_minutes(self) -> int:
        """Pledged minus planned: positive when pledges exceed the plan."""
        return self.total_pledged_minutes - self.plan_minutes

    @property
    def rule(self) -> str:
        if self.difference_minutes > 0:
            return "scaled"
        return "uncovered" if self.difference_minutes < 0 else "as_pledged"


def read_pledges(plan_minutes: int, pledged_minutes: Sequence[int]) -> PledgeReading:
    """The minutes each pledge is credited with in the budget (see `PledgeReading` for the rule)."""
    pledged = tuple(pledged_minutes)
    if sum(pledged) >= plan_minutes:
        credited = tuple(largest_remainder(plan_minutes, pledged))
        return PledgeReading(plan_minutes, pledged, credited, 0)
    return PledgeReading(plan_minutes, pledged, pledged, plan_minutes - sum(pledged))


def capped_shares(
    total: int, weights: Sequence[int], caps: Sequence[Cap | None], coordinator: int | None = None
) -> tuple[list[int], list[int]]:
    """Population shares of `total` in which no capped municipality pays more than its cap.

    Returns the shares and, per municipality, how far each moved from its plain population share
    (negative for a capped one, positive for those who bear its shortfall; they add up to zero).
    What a cap with the "others" rule leaves unpaid is shared by population over the uncapped
    municipalities, again and again while that pushes another over its cap; what a cap with the
    "coordinator" rule leaves unpaid the coordinating municipality bears.
    """
    plain = largest_remainder(total, weights)
    others = {i: c.cents for i, c in enumerate(caps) if c is not None and c.shortfall == "others"}
    fixed: dict[int, int] = {}
    while True:
        free = [i for i in range(len(weights)) if i not in fixed]
        shares = dict(
            zip(free, largest_remainder(total - sum(fixed.values()), [weights[i] for i in free]), strict=True)
        )
        over = {i: others[i] for i in free if i in others and shares[i] > others[i]}
        if not over or len(over) == len(free):
            break
        fixed.update(over)
    result = [fixed.get(i, shares.get(i, 0)) for i in range(len(weights))]
    for i, cap in enumerate(caps):
        if (
            cap is not None
            and cap.shortfall == "coordinator"
            and coordinator is not None
            and result[i] > cap.cents
        ):
            result[coordinator] += result[i] - cap.cents
            result[i] = cap.cents
    return result, [r - p for r, p in zip(result, plain, strict=True)]

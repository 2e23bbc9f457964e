"""The yearly budget line by line, and money from band minutes."""

from datetime import datetime
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest

from scheduling.money import allowance_cents, ort_share_of, to_cents
from scheduling.ort import split_bands
from tests.profiles import PLAN_BUDGET, TABLES

AMS = ZoneInfo("Europe/Amsterdam")

# Seed 000, §3: hours, salary, ORT, overhead, line total, as printed; the budget is the one the
# shipped Fryslân profile loads (profiles/fryslan-rts.toml).
PLAN_LINES = {
    "control": (423, 22_281_11, 2_785_14, 3_464_37, 28_530_62),
    "callout": (384, 20_226_82, 2_528_35, 3_144_96, 25_900_14),
    "coordination": (416, 30_721_15, 3_840_14, 3_407_04, 37_968_34),
}


@pytest.mark.parametrize("line", PLAN_BUDGET.lines, ids=lambda line: line.name)
def test_each_budget_line_matches_the_plan_to_the_cent(line) -> None:
    hours, salary, ort, overhead, total = PLAN_LINES[line.name]
    assert line.hours == hours
    assert line.cents() == {"salary": salary, "ort": ort, "overhead": overhead, "total": total}


def test_the_budget_totals_match_the_plan() -> None:
    assert PLAN_BUDGET.hours == 1223
    assert PLAN_BUDGET.hours_cents == 92_399_10
    assert PLAN_BUDGET.fixed_cents == 30_000_00
    assert PLAN_BUDGET.yearly_cents == 122_399_10


def test_two_plan_lines_are_not_the_sum_of_their_shown_parts() -> None:
    # The plan rounds each cell from unrounded amounts: its call-out and
    # coordinator totals are a cent more than salary + ORT + overhead as shown.
    gaps = {name: total - (salary + ort + overhead)
            for name, (_, salary, ort, overhead, total) in PLAN_LINES.items()}
    assert gaps == {"control": 0, "callout": 1, "coordination": 1}


def test_the_plans_rates_are_shown_rounded() -> None:
    # With the printed 52.674 the controls line would be 22,281.10, not 22,281.11.
    assert to_cents(423 * Fraction("52.674")) == 22_281_10
    assert round(float(PLAN_BUDGET.lines[0].rate), 3) == 52.674
    assert round(float(PLAN_BUDGET.lines[2].rate), 3) == 73.849


def test_a_weekday_evening_earns_exactly_the_budgets_flat_twelve_and_a_half_percent() -> None:
    split = split_bands(datetime(2027, 3, 9, 14, tzinfo=AMS), datetime(2027, 3, 9, 23, tzinfo=AMS), 60,
                        tables=TABLES)
    assert ort_share_of(split, TABLES) == Fraction(1, 8)


@pytest.mark.parametrize("amount, cents", [
    ("0.005", 1), ("-0.005", -1), ("0.00499", 0), ("1.234999", 123), ("2.675", 268), ("-2.675", -268),
])
def test_amounts_round_half_away_from_zero(amount: str, cents: int) -> None:
    assert to_cents(Fraction(amount)) == cents


def test_the_allowance_is_a_share_of_the_hourly_wage_capped_at_scale_six() -> None:
    saturday = split_bands(datetime(2027, 3, 13, 14, tzinfo=AMS), datetime(2027, 3, 13, 23, tzinfo=AMS), 60,
                          tables=TABLES)
    cap = 4_000_00
    # 8 h x 75% x (3,900 / 156 = 25.00) = 150.00
    assert allowance_cents(saturday, 3_900_00, cap, TABLES) == 150_00
    # a salary above the cap earns what the cap earns: 8 x 0.75 x 4000/156 = 153.846...
    assert allowance_cents(saturday, 5_500_00, cap, TABLES) == 153_85

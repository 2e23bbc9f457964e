"""The yearly budget line by line, and money from band minutes."""

from dataclasses import replace
from datetime import date, datetime
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest

from scheduling.money import (
    allowance_cents,
    budget_on,
    hourly_wage,
    ort_share_of,
    to_cents,
    weekly_allowance_cents,
)
from scheduling.ort import split_bands
from scheduling.reasons import Refusal, TableMissing
from tests.profiles import FRYSLAN, PLAN_BUDGET, TABLES
from tests.words import dutch

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
    gaps = {
        name: total - (salary + ort + overhead)
        for name, (_, salary, ort, overhead, total) in PLAN_LINES.items()
    }
    assert gaps == {"control": 0, "callout": 1, "coordination": 1}


def test_the_plans_rates_are_shown_rounded() -> None:
    # With the printed 52.674 the controls line would be 22,281.10, not 22,281.11.
    assert to_cents(423 * Fraction("52.674")) == 22_281_10
    assert round(float(PLAN_BUDGET.lines[0].rate), 3) == 52.674
    assert round(float(PLAN_BUDGET.lines[2].rate), 3) == 73.849


def test_a_weekday_evening_earns_exactly_the_budgets_flat_twelve_and_a_half_percent() -> None:
    split = split_bands(
        datetime(2027, 3, 9, 14, tzinfo=AMS), datetime(2027, 3, 9, 23, tzinfo=AMS), 60, tables=TABLES
    )
    assert ort_share_of(split, TABLES) == Fraction(1, 8)


@pytest.mark.parametrize(
    "amount, cents",
    [
        ("0.005", 1),
        ("-0.005", -1),
        ("0.00499", 0),
        ("1.234999", 123),
        ("2.675", 268),
        ("-2.675", -268),
    ],
)
def test_amounts_round_half_away_from_zero(amount: str, cents: int) -> None:
    assert to_cents(Fraction(amount)) == cents


def test_the_allowance_is_a_share_of_the_hourly_wage_capped_at_scale_six() -> None:
    saturday = split_bands(
        datetime(2027, 3, 13, 14, tzinfo=AMS), datetime(2027, 3, 13, 23, tzinfo=AMS), 60, tables=TABLES
    )
    cap = 4_000_00
    # 8 h x 75% x (3,900 / 156 = 25.00) = 150.00
    assert allowance_cents(saturday, 3_900_00, cap, TABLES) == 150_00
    # a salary above the cap earns what the cap earns: 8 x 0.75 x 4000/156 = 153.846...
    assert allowance_cents(saturday, 5_500_00, cap, TABLES) == 153_85


def test_a_week_with_one_short_irregular_stretch_pays_no_allowance() -> None:
    cap = 4_000_00
    short = split_bands(
        datetime(2027, 3, 8, 13, tzinfo=AMS), datetime(2027, 3, 8, 21, tzinfo=AMS), 30, tables=TABLES
    )
    assert short.irregular_minutes == 180 and allowance_cents(short, 3_900_00, cap, TABLES) > 0
    monday, wednesday = (
        split_bands(datetime(2027, 3, d, 14, tzinfo=AMS), datetime(2027, 3, d, 20, tzinfo=AMS), tables=TABLES)
        for d in (15, 17)
    )
    weeks = weekly_allowance_cents([short, monday, wednesday], 3_900_00, cap, TABLES)
    assert weeks[date(2027, 3, 8)] == 0, "the week's only irregular work: one stretch of three hours"
    # two stretches of 2 h at 20% of 25.00 an hour: 2 x 2 x 5.00
    assert weeks[date(2027, 3, 15)] == 20_00


@pytest.mark.parametrize(
    "salary, cap, field",
    [(-3_900_00, 4_000_00, "monthly_salary_cents"), (3_900_00, -1, "cap_monthly_salary_cents")],
)
def test_a_negative_salary_is_refused_not_paid_as_a_negative_allowance(salary, cap, field) -> None:
    saturday = split_bands(
        datetime(2027, 3, 13, 14, tzinfo=AMS), datetime(2027, 3, 13, 23, tzinfo=AMS), 60, tables=TABLES
    )
    with pytest.raises(Refusal) as refused:
        allowance_cents(saturday, salary, cap, TABLES)
    assert (refused.value.code, refused.value.field) == ("salary_negative", field)
    with pytest.raises(Refusal, match="negative"):
        hourly_wage(-1)


def test_each_years_budget_is_valid_for_its_year_only() -> None:
    budgets = tuple(b.budget() for b in FRYSLAN.budgets)  # the profile's two pilot years
    assert budget_on(date(2027, 1, 1), budgets) == budget_on(date(2027, 12, 31), budgets) == PLAN_BUDGET
    assert budget_on(date(2028, 12, 31), budgets).effective_from == date(2028, 1, 1)
    for day in (date(2026, 12, 31), date(2029, 1, 1)):
        with pytest.raises(TableMissing) as missing:
            budget_on(day, budgets)
        assert missing.value.code == "no_budget_table"
        assert (
            dutch(missing.value)
            == f"geen begroting met tarieven geldt op {day.isoformat()}; ingesteld: 2027-2028"
        )


def test_the_allowance_of_a_day_without_an_ort_table_is_refused() -> None:
    table = TABLES[-1]
    stretched = (replace(table, effective_until=date(2030, 12, 31)),)
    in_2030 = split_bands(
        datetime(2030, 3, 12, 14, tzinfo=AMS), datetime(2030, 3, 12, 23, tzinfo=AMS), 60, tables=stretched
    )
    assert ort_share_of(in_2030, stretched) == Fraction(1, 8)
    with pytest.raises(TableMissing, match="2030-03-12"):
        allowance_cents(in_2030, 3_900_00, 4_000_00, TABLES)

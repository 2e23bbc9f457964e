"""The plan's scenario tables, reproduced from the populations alone, to the cent."""

from decimal import Decimal

import pytest

from scheduling.contributions import (
    Cap,
    ContributionTable,
    capped_shares,
    contribution_table,
    pledge_shortfalls,
    pledged_hours,
    read_pledges,
)
from tests.profiles import FRYSLAN, PLAN_BUDGET
from tests.scheduling.seed_tables import PRINTED_TOTALS, SCENARIO_1, SCENARIO_2, SCENARIO_3

COLUMNS = ("share_basis_points", "pilot_cents", "yearly_cents", "fte_hundredths", "hours", "controls")

# Where the plan rounded each cell on its own, its column stopped adding up to
# its printed total; a largest-remainder apportionment moves one unit there.
PLAN_DEVIATIONS = {
    "scenario 1": {
        # its yearly column adds up to 122,399.09, a cent short of the printed 122,399.10
        ("Leeuwarden", "yearly_cents"): (5134366, 5134367),
        # its controls add up to 70, not 69
        ("Heerenveen", "controls"): (12, 11),
    },
    "scenario 2": {
        # its yearly column adds up to 122,399.09
        ("Gemeente 5", "yearly_cents"): (1101933, 1101934),
        # its share column adds up to 99.99%
        ("Gemeente 10", "share_basis_points"): (1200, 1201),
    },
    "scenario 3": {
        # its fte column adds up to 0.92, not the printed 0.91
        ("Waadhoeke", "fte_hundredths"): (7, 6),
        # its controls add up to 70, not 69
        ("De Fryske Marren", "controls"): (6, 5),
    },
}
SCENARIOS = {"scenario 1": SCENARIO_1, "scenario 2": SCENARIO_2, "scenario 3": SCENARIO_3}
PLAN = FRYSLAN.plan(2027)


def plan_table(seed: list) -> ContributionTable:
    """A scenario table from the populations alone, with the shipped profile's budget and plan (two years)."""
    return contribution_table(
        [(r[0], r[1]) for r in seed],
        PLAN_BUDGET,
        years=2,
        controls=PLAN.controls,
        fte_hundredths=int(PLAN.fte * 100),
    )


def plan_cells(row: tuple) -> dict[str, int]:
    _, _, share, pilot, yearly, fte, hours, controls = row
    hundredths = [int(Decimal(v) * 100) for v in (share, pilot, yearly, fte)]
    return dict(zip(COLUMNS, [*hundredths, hours, controls], strict=True))


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_cell_matches_the_plan_except_where_its_rounding_broke_a_total(scenario: str) -> None:
    seed = SCENARIOS[scenario]
    table = plan_table(seed)
    differences = {}
    for plan_row, row in zip(seed, table.rows, strict=True):
        for column, planned in plan_cells(plan_row).items():
            if getattr(row, column) != planned:
                differences[(row.name, column)] = (planned, getattr(row, column))
    assert differences == PLAN_DEVIATIONS[scenario]


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_our_columns_add_up_to_the_printed_totals(scenario: str) -> None:
    seed = SCENARIOS[scenario]
    table = plan_table(seed)
    pilot, yearly, fte, hours, controls = PRINTED_TOTALS
    sums = {c: sum(getattr(r, c) for r in table.rows) for c in COLUMNS}
    assert sums == {
        "share_basis_points": 10_000,
        "pilot_cents": int(Decimal(pilot) * 100),
        "yearly_cents": int(Decimal(yearly) * 100),
        "fte_hundredths": int(Decimal(fte) * 100),
        "hours": hours,
        "controls": controls,
    }


def test_the_plans_own_columns_do_not_add_up_where_we_say_so() -> None:
    def column_sum(seed: list, column: str) -> int:
        return sum(plan_cells(r)[column] for r in seed)

    assert column_sum(SCENARIO_1, "controls") == 70
    assert column_sum(SCENARIO_3, "controls") == 70
    assert column_sum(SCENARIO_1, "yearly_cents") == 122_399_09
    assert column_sum(SCENARIO_2, "yearly_cents") == 122_399_09
    assert column_sum(SCENARIO_2, "share_basis_points") == 9_999
    assert column_sum(SCENARIO_3, "fte_hundredths") == 92


def test_the_two_year_total_is_a_cent_less_than_twice_the_yearly_total() -> None:
    # The plan doubled the unrounded yearly cost (122,399.0928...), not the shown 122,399.10.
    assert PLAN_BUDGET.yearly_cents == 122_399_10
    assert PLAN_BUDGET.pilot_cents(2) == 244_798_19


def test_municipalities_under_the_minimum_pledge_are_named() -> None:
    table = plan_table(SCENARIO_3)
    short = {s.name: (s.share_hours, s.extra_hours) for s in pledge_shortfalls(table)}
    assert short == {
        "Achtkarspelen": (53, 47),
        "Harlingen": (30, 70),
        "Heerenveen": (97, 3),
        "Ooststellingwerf": (49, 51),
        "Opsterland": (56, 44),
        "Weststellingwerf": (50, 50),
        "Tytsjerksteradiel": (61, 39),
        "Dantumadiel": (36, 64),
        "De Fryske Marren": (98, 2),
        "Waadhoeke": (88, 12),
        "Noardeast-Fryslân": (86, 14),
    }


def test_a_pledge_in_hours_is_raised_to_the_minimum_and_money_pledges_no_hours() -> None:
    assert pledged_hours(88, pays_in_hours=True) == 100
    assert pledged_hours(243, pays_in_hours=True) == 243
    assert pledged_hours(243, pays_in_hours=False) == 0


def test_pledges_above_the_plan_are_scaled_to_its_hours() -> None:
    reading = read_pledges(807 * 60, [108 * 60, 270 * 60, 100 * 60, 0, 414 * 60])
    assert reading.rule == "scaled" and reading.difference_minutes == 85 * 60
    assert sum(reading.credited_minutes) == 807 * 60 and reading.uncovered_minutes == 0
    assert all(c <= p for c, p in zip(reading.credited_minutes, reading.pledged_minutes, strict=True))
    assert reading.credited_minutes[3] == 0, "a municipality that pays money delivers no hours"


def test_pledges_below_the_plan_count_in_full_and_name_what_is_left() -> None:
    reading = read_pledges(807 * 60, [108 * 60, 100 * 60])
    assert reading.rule == "uncovered" and reading.credited_minutes == reading.pledged_minutes
    assert reading.uncovered_minutes == 599 * 60
    assert read_pledges(60, [60]).rule == "as_pledged"


def test_a_capped_municipality_pays_its_cap_and_the_others_bear_the_rest_by_population() -> None:
    # Seed 002: Beverwijk's 9,710 will not rise, even if a municipality drops out.
    shares, moved = capped_shares(87_390_00, [10_000] * 8, [Cap(9_710_00), *[None] * 7])
    assert shares[0] == 9_710_00 and sum(shares) == 87_390_00
    assert moved[0] == 9_710_00 - 10_923_75 and sum(moved) == 0
    assert all(m > 0 for m in moved[1:]), "the seven others bear the shortfall"


def test_a_cap_that_is_not_reached_changes_nothing() -> None:
    assert capped_shares(87_390_00, [10_000] * 9, [Cap(9_710_00), *[None] * 8]) == ([9_710_00] * 9, [0] * 9)


def test_a_shortfall_for_the_coordinator_is_borne_by_the_coordinator_alone() -> None:
    shares, moved = capped_shares(300_00, [1, 1, 1], [Cap(50_00, "coordinator"), None, None], coordinator=2)
    assert shares == [50_00, 100_00, 150_00] and moved == [-50_00, 0, 50_00]


def test_a_shortfall_that_pushes_another_over_its_cap_moves_on() -> None:
    shares, _ = capped_shares(300_00, [1, 1, 1], [Cap(50_00), Cap(110_00), None])
    assert shares == [50_00, 110_00, 140_00]


def test_the_scenario_table_caps_the_yearly_and_the_pilot_contribution() -> None:
    populations = [("Beverwijk", 10_000), *((f"Gemeente {i}", 10_000) for i in range(2, 9))]
    caps = [Cap(9_710_00), *[None] * 7]
    table = contribution_table(populations, PLAN_BUDGET, years=2, controls=24, fte_hundredths=74, caps=caps)
    assert table.row("Beverwijk").yearly_cents == 9_710_00 and table.row("Beverwijk").pilot_cents == 19_420_00
    assert sum(r.yearly_cents for r in table.rows) == PLAN_BUDGET.yearly_cents
    assert sum(r.pilot_cents for r in table.rows) == PLAN_BUDGET.pilot_cents(2)

"""Tables valid for a range of dates: the one valid on a day, gaps refused, coverage for finance."""

from dataclasses import dataclass
from datetime import date

import pytest

from scheduling import tables
from scheduling.reasons import Refusal, TableMissing
from tests.profiles import FRYSLAN, TABLES
from tests.words import dutch


@dataclass(frozen=True)
class Table:
    effective_from: date
    effective_until: date


OLD = Table(date(2024, 1, 1), date(2025, 12, 31))
NEW = Table(date(2026, 1, 1), date(2026, 6, 30))
LATER = Table(date(2027, 1, 1), date(2027, 12, 31))
ALL = (OLD, NEW, LATER)


def test_the_table_valid_on_a_day_is_found_to_the_day() -> None:
    assert tables.on(date(2025, 12, 31), ALL, "no_ort_table") is OLD
    assert tables.on(date(2026, 1, 1), ALL, "no_ort_table") is NEW
    assert tables.on(date(2027, 12, 31), ALL, "no_ort_table") is LATER


@pytest.mark.parametrize("day", [date(2023, 12, 31), date(2026, 7, 1), date(2028, 1, 1)])
def test_a_day_in_a_gap_or_beyond_the_last_table_is_refused(day) -> None:
    with pytest.raises(TableMissing) as missing:
        tables.on(day, ALL, "no_budget_table")
    assert missing.value.code == "no_budget_table"
    assert missing.value.reason.params == {"day": day.isoformat(), "covered": "2024-01-01/2026-06-30, 2027"}


def test_a_period_is_cut_where_the_table_changes() -> None:
    assert tables.between(date(2025, 12, 1), date(2026, 1, 31), ALL, "no_ort_table") == [
        (OLD, date(2025, 12, 1), date(2025, 12, 31)),
        (NEW, date(2026, 1, 1), date(2026, 1, 31)),
    ]


def test_a_period_that_runs_into_a_gap_is_refused() -> None:
    with pytest.raises(TableMissing, match="2026-07-01"):
        tables.between(date(2026, 6, 1), date(2026, 12, 31), ALL, "no_ort_table")


def test_finance_reads_the_years_covered() -> None:
    assert tables.covered_years(ALL) == [2024, 2025, 2027]
    assert tables.covered_text(TABLES) == "2016-2027"
    assert tables.covered_text([b.budget() for b in FRYSLAN.budgets]) == "2027-2028"
    assert tables.covered_text(()) == "-"


def test_overlapping_or_backward_ranges_are_refused() -> None:
    with pytest.raises(Refusal) as overlap:
        tables.require_consistent((OLD, Table(date(2025, 7, 1), date(2026, 12, 31))), "ORT")
    assert overlap.value.code == "tables_overlap"
    assert "ORT 2024-01-01/2025-12-31" in dutch(overlap.value)
    with pytest.raises(Refusal) as backward:
        tables.require_consistent((Table(date(2026, 1, 1), date(2025, 1, 1)),), "budget")
    assert backward.value.code == "table_range_empty"
    tables.require_consistent(ALL, "ORT")

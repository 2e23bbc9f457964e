"""Each shipped profile, loaded into an empty database (both backends), plans, settles and exports a year;
a dump of what was loaded loads again without a change."""

from __future__ import annotations

import csv
from datetime import date, time, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.db import Database
from backend.models import Assignment, HourCategory, Municipality, Shift
from backend.profile_file import ProfileError, read_profile, write_profile
from backend.services import controls, exports, ledger, profile
from backend.services.errors import Refused
from backend.services.settlement import Settlement, settle
from scheduling.calendar import local_instant
from scheduling.ort import planned_break
from tests.factories import designate, inspector
from tests.profiles import shipped
from tests.support.profiles import BEFORE, load, shipped_text

NAMES = ("fryslan-rts", "kennemerland", "hilversum")


@pytest.fixture
def empty(migrated_copy: Database) -> Database:
    return migrated_copy


@pytest.mark.parametrize("name", NAMES)
def test_a_profile_loads_into_an_empty_database_and_its_dump_loads_again_without_a_change(
    empty: Database, name: str
) -> None:
    changes = load(empty, shipped_text(name))
    assert changes and {c.sign for c in changes} == {"+"}
    with empty.transaction() as session:
        dumped = write_profile(profile.current_profile(session))  # type: ignore[arg-type]
    assert read_profile(dumped) == shipped(name)
    assert load(empty, dumped) == []


def test_a_changed_rate_shows_as_a_difference_and_the_settlement_uses_it(empty: Database) -> None:
    load(empty, shipped_text("hilversum"))
    changes = load(empty, shipped_text("hilversum").replace('rate = "52.67402"', 'rate = "55.10"'))
    assert [str(c) for c in changes] == ["~ budget 2027 control\n    rate: 52.67402 → 55.1"]
    with empty.transaction() as session:
        assert profile.budget(session, 2027).lines[0].cents()["salary"] == 228 * 55_10


def test_a_municipality_taking_part_without_dates_stays_so_through_a_dump(empty: Database) -> None:
    load(empty, shipped_text("hilversum"))
    with empty.transaction() as session:
        session.add(
            Municipality(
                region_id=profile.the_region(session).id,
                name="Wijdemeren",  # type: ignore[union-attr]
                population=24_000,
                population_date=date(2025, 1, 1),
                is_participating=True,
            )
        )
    with empty.transaction() as session:
        dumped = write_profile(profile.current_profile(session))  # type: ignore[arg-type]
    assert "source not recorded" in dumped
    assert load(empty, dumped) == []
    assert load(empty, dumped.replace("pledged_hours = 228", "pledged_hours = 240")) != []
    with empty.transaction() as session:
        assert [m.name for m in profile.taking_part(session, date(2027, 1, 1), date(2027, 12, 31))] == [
            "Hilversum",
            "Wijdemeren",
        ]


def test_a_profile_does_not_remove_a_municipality(empty: Database) -> None:
    load(empty, shipped_text("kennemerland"))
    text = shipped_text("kennemerland")
    start = text.index('[[municipalities]]\nname = "Zandvoort"')
    end = text.index("[[plans]]")
    with pytest.raises(Refused, match="Zandvoort is in the database but not in the profile"):
        load(empty, text[:start] + text[end:])


def work_a_year(database: Database, name: str) -> tuple[int, list[int]]:
    """Two inspectors of the coordinating municipality, designated everywhere, hold one control day a
    month in the municipalities taking part in turn; their hours are recorded and approved."""
    load(database, shipped_text(name))
    with database.transaction() as session:
        members = profile.taking_part(session, date(2027, 1, 1), date(2027, 12, 31))
        home = next(m for m in members if m.is_coordinating)
        pair = [
            inspector(session, home, "Anna Testsma"),
            inspector(session, home, "Bauke Testsma", is_trained=False),
        ]
        pair[0].gender, pair[1].gender = pair[0].gender.FEMALE, pair[1].gender.MALE
        for person in pair:
            designate(session, person, *members)
        for month in range(1, 13):
            day = date(2027, month, 9)
            controls.plan_control(
                session,
                BEFORE,
                "test",
                members[month % len(members)].id,
                local_instant(day, time(14)),
                local_instant(day, time(23)),
            )
        assigned = controls.accept(session, BEFORE, "test", date(2027, 1, 1), date(2027, 12, 31))
        entries = [
            _hours(session, shift, assignment)
            for shift, assignment in session.execute(
                select(Shift, Assignment).join(Assignment, Assignment.shift_id == Shift.id)
            ).all()
        ]
    return assigned, entries


def _hours(session: Session, shift: Shift, assignment: Assignment) -> int:
    done = shift.ends_at + timedelta(hours=1)
    entry = ledger.record(
        session,
        done,
        f"inspector:{assignment.inspector_id}",
        inspector_id=assignment.inspector_id,
        municipality_id=shift.municipality_id,
        category=HourCategory.CONTROL,
        shift_id=shift.id,
        starts_at=shift.starts_at,
        ends_at=shift.ends_at,
        breaks=planned_break(shift.starts_at, shift.ends_at, 60),
    )
    ledger.approve(session, done, "web:coordinator", entry.id)
    return entry.id


def exported_totals(result: Settlement) -> tuple[list[list[str]], list[str]]:
    text = "".join(
        exports.csv_lines(
            exports.settlement_column_set(result),
            exports.SETTLEMENT_HEADER,
            exports.settlement_rows(result),
            exports.SETTLEMENT_SUMMED,
        )
    )
    rows = list(csv.reader(text.lstrip("\ufeff").splitlines(), delimiter=";"))
    return rows[2:-1], rows[-1]


def cents(cell: str) -> int:
    return int(cell.replace(",", "").replace(".", ""))


@pytest.mark.parametrize("name", NAMES)
def test_a_loaded_profile_plans_settles_and_exports_a_year(empty: Database, name: str) -> None:
    assigned, entries = work_a_year(empty, name)
    assert assigned == 24 and len(entries) == 24, "twelve control days, a pair on each"
    with empty.transaction() as session:
        actual, budget = settle(session, 2027, mode="actual"), settle(session, 2027, mode="budget")
    assert actual.totals["minutes"] == 24 * 8 * 60
    assert actual.totals["balance_cents"] == 0, "what some pay, others receive"
    assert budget.totals["cost_share_cents"] == shipped(name).budget(2027).yearly_cents
    lines, total = exported_totals(actual)
    balance = exports.SETTLEMENT_HEADER.index("balance")
    assert len(lines) == len(actual.lines) and cents(total[balance]) == 0
    for column in (
        "cost_share",
        "cap_shortfall",
        "salary",
        "ort",
        "overhead",
        "fixed",
        "delivered",
        "balance",
    ):
        at = exports.SETTLEMENT_HEADER.index(column)
        assert cents(total[at]) == sum(cents(line[at]) for line in lines), column


def test_hilversum_settles_with_no_one_but_itself(empty: Database) -> None:
    work_a_year(empty, "hilversum")
    with empty.transaction() as session:
        result = settle(session, 2027, mode="actual")
    (line,) = result.lines
    assert line.name == "Hilversum" and line.balance_cents == 0
    assert line.ort_cents > 0, "evening hours earn the allowance as everywhere"


def test_beverwijk_pays_no_more_than_its_cap_when_a_municipality_drops_out(empty: Database) -> None:
    load(empty, shipped_text("kennemerland"))
    with empty.transaction() as session:
        before = {line.name: line for line in settle(session, 2027, mode="budget").lines}
    assert before["Beverwijk"].cost_share_cents == 9_710_00 and before["Beverwijk"].cap_shortfall_cents == 0
    zandvoort_joins = (
        'name = "Zandvoort"\npopulation = 10000\npopulation_date = 2022-01-01\n'
        "taking_part = true\ntaking_part_from = 2022-01-01"
    )
    dropping = shipped_text("kennemerland").replace(
        zandvoort_joins, zandvoort_joins + "\ntaking_part_until = 2026-12-31"
    )
    changes = load(empty, dropping)
    assert [str(c) for c in changes] == [
        "~ municipality Zandvoort\n    taking_part_until: (none) → 2026-12-31"
    ]
    with empty.transaction() as session:
        result = settle(session, 2027, mode="budget")
        quarter = settle(session, 2027, quarter=1, mode="budget")
        zandvoort = session.execute(select(Municipality).where(Municipality.name == "Zandvoort")).scalar_one()
    lines = {line.name: line for line in result.lines}
    assert "Zandvoort" not in lines and zandvoort.is_participating
    assert lines["Beverwijk"].cost_share_cents == 9_710_00, "seed 002: it will not rise"
    assert lines["Beverwijk"].cap_shortfall_cents == 9_710_00 - 10_923_75
    assert all(line.cap_shortfall_cents > 0 for name, line in lines.items() if name != "Beverwijk")
    assert result.totals["cap_shortfall_cents"] == 0
    assert result.totals["cost_share_cents"] == 87_390_00, "the others bear what Beverwijk does not pay"
    assert {line.name: line for line in quarter.lines}["Beverwijk"].cost_share_cents == 9_710_00 // 4


def test_the_preference_for_expertise_loads_and_the_roster_proposal_uses_it(empty: Database) -> None:
    from fractions import Fraction

    from backend.services import planning
    from scheduling.pairing import Preference

    load(empty, shipped_text("hilversum"))
    with empty.transaction() as session:
        assert profile.preference(session) == Preference()
    changes = load(empty, shipped_text("hilversum") + '\n[proposal]\nexpertise = "1"\nsource = "team"\n')
    assert [(c.sign, c.record) for c in changes] == [("~", "proposal")]
    with empty.transaction() as session:
        assert profile.preference(session) == Preference(Fraction(1))
        dumped = write_profile(profile.current_profile(session))  # type: ignore[arg-type]
        assert planning.propose_roster(session, [], BEFORE).pairs == {}
    assert 'expertise = "1"' in dumped and load(empty, dumped) == []


def test_the_repeat_warning_period_is_a_team_setting_in_the_profile(empty: Database) -> None:
    text = shipped_text("hilversum")
    assert "repeat_warning_months" not in text, "six months unless the profile says otherwise"
    load(empty, text)
    with empty.transaction() as session:
        assert profile.repeat_warning_months(session) == 6
    three = text.replace(
        'coordinating = "Hilversum"\n', 'coordinating = "Hilversum"\nrepeat_warning_months = 3\n'
    )
    assert [str(c) for c in load(empty, three)] == ["~ region\n    repeat_warning_months: 6 → 3"]
    with empty.transaction() as session:
        assert profile.repeat_warning_months(session) == 3
        assert "repeat_warning_months = 3" in write_profile(profile.current_profile(session))  # type: ignore[arg-type]
    with pytest.raises(ProfileError, match=r"region\.repeat_warning_months"):
        read_profile(three.replace("repeat_warning_months = 3", "repeat_warning_months = 0"))

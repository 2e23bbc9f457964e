"""The ledger's CSV as finance downloads it is byte for byte the Python writer's (`csv_lines` over
`ledger_rows`), though PostgreSQL writes its rows (COPY): on the demo team and on the hard cases, a
shift over midnight, both changes of summer time, corrections with negative minutes, an exempt week,
and names that Excel would run or that hold quotes and semicolons, in either language."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from backend.models import HourCategory, HourEntry, Inspector, Municipality, Region, Role
from backend.services import exports, ledger, ledger_csv
from backend.services.demo import load_demo
from backend.web.export_words import wording
from scheduling.calendar import local_instant
from scheduling.ort import planned_break
from tests.factories import NOW, inspector

YEAR = exports.LedgerFilter(date(2027, 1, 1), date(2027, 12, 31))
TRICKY_NAMES = ("=SUM(A1)", "+31 6 1234", "-Anne Kok", "@Piet Bos", 'Anne "Ans" de Vries; Jr.', "Ölaf Þór")
"""Names Excel would run as a formula, and names the CSV must quote."""
SHIFTS = (
    (date(2027, 3, 9), time(14, 0), time(23, 0), 60),  # a Tuesday, the allowance's evening bands
    (date(2027, 3, 10), time(22, 0), time(4, 0), 30),  # over midnight: it ends the next day
    (date(2027, 3, 28), time(0, 30), time(5, 0), 0),  # the night summer time starts (02:00 is 03:00)
    (date(2027, 10, 31), time(0, 30), time(5, 0), 0),  # the night it ends (02:00-03:00 twice)
    (date(2027, 6, 30), time(23, 0), time(1, 30), 0),  # over midnight into another month
)


def book(session: Session, who: Inspector, day: date, start: time, end: time, pause: int, **kw: Any) -> int:
    starts_at = local_instant(day, start)
    ends_at = local_instant(day + timedelta(days=1) if end < start else day, end)
    breaks = planned_break(starts_at, ends_at, pause) if pause else []
    entry = ledger.record(
        session,
        NOW,
        "test",
        inspector_id=who.id,
        municipality_id=kw.get("municipality_id", who.employer_id),
        category=kw.get("category", HourCategory.CONTROL),
        starts_at=starts_at,
        ends_at=ends_at,
        breaks=breaks,
    )
    return entry.id


def hard_cases(session: Session) -> None:
    """The demo team, a municipality and inspectors with names to guard and quote, and their hours."""
    load_demo(session, NOW)
    places = session.scalars(select(Municipality).order_by(Municipality.id)).all()
    places[1].name = '=Gemeente "De Fryske; Marren"'
    people = [inspector(session, places[i % 3], name=name) for i, name in enumerate(TRICKY_NAMES)]
    people += session.scalars(select(Inspector).order_by(Inspector.id)).all()[:4]
    categories = list(HourCategory)
    entries = [
        book(session, who, *shift, category=categories[i % len(categories)], municipality_id=places[i].id)
        for i, who in enumerate(people)
        for shift in SHIFTS
    ]
    book(session, people[0], date(2027, 3, 17), time(18, 0), time(20, 0), 0)  # alone in its week: exempt
    for entry_id in entries[::3]:  # a coordinator's own hours are finance's to approve
        entry = session.get_one(HourEntry, entry_id)
        role = (
            Role.COORDINATOR if ledger.may_approve(session, entry, Role.COORDINATOR, None) else Role.FINANCE
        )
        ledger.approve(session, NOW, "test", entry_id, role=role)
    ledger.correct(  # approved: a reversal (negative minutes) and the new entry, approved too
        session,
        NOW,
        "test",
        entries[6],
        starts_at=local_instant(date(2027, 3, 10), time(21, 0)),
        ends_at=local_instant(date(2027, 3, 11), time(3, 0)),
        breaks=[],
        by_coordinator=True,
        reason='=typo; "late"',
    )
    ledger.record(  # a correction of a closed March, booked in April
        session,
        NOW,
        "test",
        inspector_id=people[1].id,
        municipality_id=places[1].id,
        category=HourCategory.REPORT,
        starts_at=local_instant(date(2027, 3, 9), time(15, 0)),
        ends_at=local_instant(date(2027, 3, 9), time(17, 0)),
        booked_at=datetime(2027, 4, 2, 9, 0, tzinfo=UTC),
    )
    session.flush()


def employers(session: Session) -> dict[str, int]:
    """Each inspector's employer by name (a sealed name is not looked up in SQL)."""
    return {
        name: employer for name, employer in session.execute(select(Inspector.name, Inspector.employer_id))
    }


def python_writer(session: Session, wanted: exports.LedgerFilter, with_names: bool, words: Any) -> str:
    header = exports.PAYROLL_HEADER if with_names else exports.LEDGER_HEADER
    rows = exports.ledger_rows(session, wanted, with_names)
    return "".join(exports.csv_lines("set-v1", header, rows, exports.SUMMED, ['=note; "x"'], words))


def downloaded(session: Session, wanted: exports.LedgerFilter, with_names: bool, words: Any) -> str:
    return "".join(ledger_csv.ledger_lines(session, wanted, "set-v1", with_names, ['=note; "x"'], words))


@pytest.fixture
def rows_by_copy(session: Session, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """On PostgreSQL the download must not fall back to the Python rows."""

    def refused(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("on PostgreSQL the rows come from COPY")

    if session.get_bind().dialect.name == "postgresql":
        monkeypatch.setattr(ledger_csv, "ledger_rows", refused)
    yield


@pytest.mark.usefixtures("rows_by_copy")
@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize(
    ("wanted", "with_names"),
    [
        (YEAR, False),
        (exports.LedgerFilter(date(2027, 3, 1), date(2027, 3, 31)), False),
        (exports.LedgerFilter(date(2027, 3, 28), date(2027, 3, 28), approved_only=True), False),
        (exports.LedgerFilter(date(2027, 1, 1), date(2027, 12, 31), category=HourCategory.CALLOUT), False),
        (YEAR, True),
    ],
    ids=["year", "march", "summer-time-approved", "callouts", "names"],
)
def test_the_download_is_the_python_writers_file_byte_for_byte(
    session: Session, wanted: exports.LedgerFilter, with_names: bool, language: str
) -> None:
    hard_cases(session)
    if with_names:  # the payroll: one employer's inspectors, with their names
        wanted = exports.LedgerFilter(wanted.start, wanted.end, employer_id=employers(session)["=SUM(A1)"])
    words = wording(language)
    expected = python_writer(session, wanted, with_names, words)
    assert downloaded(session, wanted, with_names, words) == expected
    assert expected.count("\r\n") > 3, "lines besides the head and the total"


def test_the_hard_cases_are_in_the_file(session: Session) -> None:
    hard_cases(session)
    employer = employers(session)
    first = downloaded(
        session,
        exports.LedgerFilter(YEAR.start, YEAR.end, employer_id=employer["=SUM(A1)"]),
        True,
        wording(),
    )
    assert ";'=SUM(A1);" in first and ";'@Piet Bos;" in first, "names Excel would run, guarded"
    assert ";2027-03-10 22:00;2027-03-11 04:00;" in first, "over midnight: the end's own day"
    assert ";2027-03-28 00:30;2027-03-28 05:00;" in first and ";2027-10-31 00:30;2027-10-31 05:00;" in first
    assert first.startswith('\ufeff# set-v1;"\'=note; ""x"""\r\n') and first.endswith("\r\n")
    second = downloaded(
        session,
        exports.LedgerFilter(YEAR.start, YEAR.end, employer_id=employer["+31 6 1234"]),
        True,
        wording(),
    )
    assert ';"Anne ""Ans"" de Vries; Jr.";' in second, "quoted"
    assert ';"\'=Gemeente ""De Fryske; Marren""";' in second, "guarded, then quoted"
    assert ";-330;" in downloaded(session, YEAR, False, wording()), "a reversal's negative minutes"


def test_a_reading_session_sees_one_snapshot(migrated_copy: Any) -> None:
    """An export's total, counted by one statement, adds up the lines another statement reads."""
    with migrated_copy.reading() as reading:
        before = reading.scalar(select(func.count()).select_from(Region))
        with migrated_copy.transaction() as writing:
            writing.execute(insert(Region).values(name="Elsewhere"))
        assert reading.scalar(select(func.count()).select_from(Region)) == before

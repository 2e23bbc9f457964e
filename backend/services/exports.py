"""Exports of the ledger and the settlement: their rows as plain values, streamed, with a named column set.

How the rows become CSV for Dutch Excel and XLSX (kinds, words, formats, the
total line) is `backend.services.sheets`; its writers are re-exported here, where
the exports' callers look for them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from typing import Any

from sqlalchemy import (
    Date,
    DateTime,
    Interval,
    Select,
    String,
    and_,
    cast,
    func,
    literal,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.orm import Session, aliased

from backend.models import (
    BAND_COLUMNS,
    HourApproval,
    HourCategory,
    HourEntry,
    Inspector,
    Municipality,
)
from backend.services import allowance
from backend.services.settlement import COLUMN_SET as SETTLEMENT_COLUMNS
from backend.services.settlement import Settlement
from backend.services.sheets import PLAIN as PLAIN
from backend.services.sheets import Totals as Totals
from backend.services.sheets import Wording as Wording
from backend.services.sheets import csv_lines as csv_lines
from backend.services.sheets import euros as euros
from backend.services.sheets import neutralised as neutralised
from backend.services.sheets import xlsx as xlsx
from scheduling.calendar import local_day_start, team_zone
from secure_store import current_keyring

LEDGER_COLUMNS = "piket-ledger-v5"
"""v2 added booked_on: the day a correction of a closed period was booked (empty otherwise); v3 added
allowance_minutes and allowance_exempt_week (the weekly three-hour rule); v4 names each inspector by
a pseudonym (inspector, INS-XXXXXX) instead of id and full name, and leaves the correction reason out
(free text finance does not need); v5 heads the columns in the reader's language, writes start and end
as date-times (the end's own date: a shift over midnight ends the next day) and the category in words."""
PAYROLL_COLUMNS = "piket-payroll-v2"
"""The ledger of one employer's own inspectors with their full names, for its payroll; v2 as ledger v5."""
BATCH = 5000
EXEMPT_CHUNK = 200
"""Exempt weeks per statement when the ledger's total leaves their allowance out."""


@dataclass(frozen=True)
class LedgerFilter:
    start: date
    end: date
    municipality_id: int | None = None
    inspector_id: int | None = None
    category: HourCategory | None = None
    approved_only: bool = False
    employer_id: int | None = None


def pseudonym(inspector_id: int) -> str:
    """The inspector's stable code in exports: keyed (MAC key), so it cannot be computed from the id
    without the key ring, and the same in every export as long as the key ring is."""
    return "INS-" + current_keyring().blind_index(str(inspector_id), "inspectors.pseudonym")[:6].upper()


LEDGER_HEADER = (
    "entry",
    "date",
    "start",
    "end",
    "inspector",
    "employer",
    "municipality",
    "category",
    "break_minutes",
    "worked_minutes",
    *BAND_COLUMNS,
    "approved",
    "reverses",
    "booked_on",
    "allowance_minutes",
    "allowance_exempt_week",
)
PAYROLL_HEADER = (*LEDGER_HEADER[:5], "name", *LEDGER_HEADER[5:])
"""inspector: the pseudonym (`pseudonym`); name: the full name, in the payroll export only.
allowance_minutes: the entry's minutes in allowance bands that earn it, 0 in a week the three-hour
rule exempts; allowance_exempt_week: that week's Monday (the band minutes stay as worked)."""
QUERIED = ("break_minutes", "worked_minutes", *BAND_COLUMNS)
SUMMED = (*QUERIED, "allowance_minutes")


def ledger_query(wanted: LedgerFilter, in_database: bool = False) -> Select[Any]:
    """The filtered entries, in ledger order, as `ledger_rows` needs them (see `_shown_times`); each
    column named as LEDGER_HEADER's (the people and places by their ids)."""
    approval = aliased(HourApproval)
    conditions = [
        HourEntry.counts_at >= local_day_start(wanted.start),
        HourEntry.counts_at < local_day_start(wanted.end + timedelta(days=1)),
    ]
    if wanted.municipality_id is not None:
        conditions.append(HourEntry.municipality_id == wanted.municipality_id)
    if wanted.inspector_id is not None:
        conditions.append(HourEntry.inspector_id == wanted.inspector_id)
    if wanted.category is not None:
        conditions.append(HourEntry.category == wanted.category)
    if wanted.employer_id is not None:
        conditions.append(Inspector.employer_id == wanted.employer_id)
    day, start, end, booked_on = _shown_times(in_database)
    query = (
        select(
            HourEntry.id.label("entry"),
            day.label("date"),
            start.label("start"),
            end.label("end"),
            HourEntry.inspector_id.label("inspector"),
            Inspector.employer_id.label("employer"),
            HourEntry.municipality_id.label("municipality"),
            type_coerce(HourEntry.category, String).label("category"),
            *(getattr(HourEntry, c) for c in QUERIED),
            approval.id.is_not(None).label("approved"),
            HourEntry.reverses_id.label("reverses"),
            booked_on.label("booked_on"),
            (HourEntry.worked_minutes - HourEntry.plain_minutes).label("allowance_minutes"),
        )
        .join(Inspector, Inspector.id == HourEntry.inspector_id)
        .outerjoin(approval, approval.entry_id == HourEntry.id)
        .where(and_(*conditions))
        .order_by(HourEntry.counts_at, HourEntry.id)
    )
    if wanted.approved_only:
        query = query.where(approval.id.is_not(None))
    return query


def _shown_times(in_database: bool) -> tuple[Any, Any, Any, Any]:
    """The entry's day, start and end and booking day on the team's wall clock (naive date-times).

    PostgreSQL converts them itself (a third of an export's cost when done row by row in Python);
    elsewhere the instants come as stored (naive UTC, without UTCDateTime's aware round trip) and
    `_in_team_time` converts them.
    """
    if not in_database:
        return (
            type_coerce(HourEntry.starts_at, DateTime),
            type_coerce(HourEntry.starts_at, DateTime),
            type_coerce(HourEntry.ends_at, DateTime),
            type_coerce(HourEntry.booked_at, DateTime),
        )
    zone = team_zone().key

    def local(instant: Any) -> Any:  # UTC as an offset of 0: a zone's name is looked up at each call
        return func.timezone(zone, func.timezone(literal(timedelta(0), Interval()), instant))

    return (
        cast(local(HourEntry.starts_at), Date),
        type_coerce(local(HourEntry.starts_at), DateTime),
        type_coerce(local(HourEntry.ends_at), DateTime),
        cast(local(HourEntry.booked_at), Date),
    )


class LocalTimes:
    """UTC instants as the team's wall-clock times, the zone's offset looked up once an hour of the year.

    An export converts two instants a row; asking the zone database each time was
    a fifth of the export's cost. The offset only changes on the hour (DST), so a
    cache keyed by the UTC hour gives the same answer.
    """

    def __init__(self) -> None:
        self.offsets: dict[int, timedelta] = {}

    def __call__(self, naive_utc: datetime) -> datetime:
        hour = naive_utc.toordinal() * 24 + naive_utc.hour
        offset = self.offsets.get(hour)
        if offset is None:
            aware = naive_utc.replace(tzinfo=UTC).astimezone(team_zone())
            offset = self.offsets[hour] = aware.utcoffset() or timedelta(0)
        return naive_utc + offset


def ledger_rows(
    session: Session,
    wanted: LedgerFilter,
    with_names: bool = False,
    offset: int = 0,
    limit: int | None = None,
) -> Iterator[tuple[Any, ...]]:
    """Each entry as a row of plain values (LEDGER_HEADER; PAYROLL_HEADER `with_names`), in batches:
    pseudonyms and names made once per inspector, start and end as the team's wall-clock date-times
    (the writers guard text against formulas where the format needs it). `offset` and `limit` page in
    SQL (a page of the ledger reads only its own rows)."""
    municipalities = {
        i: name for i, name in session.execute(select(Municipality.id, Municipality.name)).all()
    }
    people = _People(session, with_names)
    exempt = allowance.exempt_weeks(session, wanted.start, wanted.end)
    in_database = session.get_bind().dialect.name == "postgresql"
    query = ledger_query(wanted, in_database).offset(offset or None).limit(limit)
    # Streaming is an option of this statement only: set on the connection (as it was), it stayed
    # there and made the session's next statement, even a ROLLBACK, a server-side cursor.
    result = session.connection().execute(query.execution_options(yield_per=BATCH))
    rows = (row for batch in result.partitions() for row in batch)
    for row in rows if in_database else _in_team_time(rows):
        # id, day, start, end | inspector, employer, municipality | category ... booked_on | allowance
        shown = (*row[:4], *people[row[4]], municipalities[row[5]], municipalities[row[6]], *row[7:-1])
        exempt_week = _exempt_monday(exempt, row[4], row[1]) if exempt else None
        yield (*shown, 0, exempt_week) if exempt_week else (*shown, row[-1], None)


def _in_team_time(rows: Iterator[Any]) -> Iterator[tuple[Any, ...]]:
    """Rows with stored instants as PostgreSQL's `_shown_times` gives them: day, start, end (the team's
    wall-clock date-times), booking day."""
    local = LocalTimes()
    for row in rows:
        start, end, booked_at = local(row[1]), local(row[3]), row[-2]
        yield (
            row[0],
            start.date(),
            start,
            end,
            *row[4:-2],
            local(booked_at).date() if booked_at else None,
            row[-1],
        )


class _People(dict[int, tuple[str, ...]]):
    """Each inspector's pseudonym (and full name, opened, where the export shows it),
    made the first time the inspector appears: once per export, not once per row."""

    def __init__(self, session: Session, with_names: bool) -> None:
        super().__init__()
        self.session, self.with_names = session, with_names

    def __missing__(self, inspector_id: int) -> tuple[str, ...]:
        self[inspector_id] = _person(self.session, inspector_id, self.with_names)
        return self[inspector_id]


def ledger_totals(session: Session, wanted: LedgerFilter, header: tuple[str, ...] = LEDGER_HEADER) -> Totals:
    """The count and the sums (SUMMED) of every entry the filter selects, added up by the database:
    the same figures as `Totals` over `ledger_rows` (in `header`'s columns), without reading the rows."""
    filtered = ledger_query(wanted).order_by(None).subquery()
    worked, plain = filtered.c.worked_minutes, filtered.c.plain_minutes
    sums = session.execute(
        select(
            func.count(),
            *(func.coalesce(func.sum(filtered.c[c]), 0) for c in QUERIED),
            func.coalesce(func.sum(worked - plain), 0),
        )
    ).one()
    totals = Totals(header, SUMMED)
    totals.count, totals.sums = sums[0], list(sums[1:])
    totals.sums[-1] -= _exempt_allowance(session, wanted)
    return totals


def ledger_count(session: Session, wanted: LedgerFilter) -> int:
    """How many entries the filter selects, counted by the database."""
    return session.execute(
        select(func.count()).select_from(ledger_query(wanted).order_by(None).subquery())
    ).scalar_one()


def _exempt_allowance(session: Session, wanted: LedgerFilter) -> int:
    """The allowance minutes (worked less plain) of the selected entries that start in an exempt week:
    they earn none, so the total leaves them out (as `ledger_rows` gives them 0)."""
    weeks = list(allowance.exempt_weeks(session, wanted.start, wanted.end))
    found = 0
    for chunk in range(0, len(weeks), EXEMPT_CHUNK):
        in_weeks = or_(
            *(
                and_(
                    HourEntry.inspector_id == inspector_id,
                    HourEntry.starts_at >= local_day_start(monday),
                    HourEntry.starts_at < local_day_start(monday + timedelta(days=7)),
                )
                for inspector_id, monday in weeks[chunk : chunk + EXEMPT_CHUNK]
            )
        )
        filtered = ledger_query(wanted).where(in_weeks).order_by(None).subquery()
        found += session.execute(
            select(func.coalesce(func.sum(filtered.c.worked_minutes - filtered.c.plain_minutes), 0))
        ).scalar_one()
    return found


def _person(session: Session, inspector_id: int, with_name: bool) -> tuple[str, ...]:
    """The pseudonym, and the full name (opened) where the export needs it."""
    if not with_name:
        return (pseudonym(inspector_id),)
    return pseudonym(inspector_id), session.get_one(Inspector, inspector_id).name


def _exempt_monday(exempt: dict[allowance.WeekKey, Any], inspector_id: int, day: date) -> date | None:
    """The Monday of the entry's week if the three-hour rule exempts it (`day`: its local start day)."""
    monday = day - timedelta(days=day.weekday())
    return monday if (inspector_id, monday) in exempt else None


SETTLEMENT_HEADER = (
    "municipality",
    "population",
    "share",
    "cost_share",
    "cap_shortfall",
    "pledged_minutes",
    "minutes",
    "salary",
    "ort",
    "overhead",
    "fixed",
    "delivered",
    "balance",
)
"""share: the municipality's population over the population of all taking part (exact; written as a
percentage), the share of the cost before any money cap; cap_shortfall is what a cap moved."""


def settlement_rows(result: Settlement) -> Iterator[tuple[Any, ...]]:
    everyone = sum(line.population for line in result.lines)
    for line in result.lines:
        amounts = (
            line.cost_share_cents,
            line.cap_shortfall_cents,
            line.salary_cents,
            line.ort_cents,
            line.overhead_cents,
            line.fixed_cents,
            line.delivered_cents,
            line.balance_cents,
        )
        share = Fraction(line.population, everyone) if everyone else Fraction(0)
        yield (
            line.name,
            line.population,
            share,
            *amounts[:2],
            line.pledged_minutes,
            line.minutes,
            *amounts[2:],
        )


SETTLEMENT_SUMMED = (
    "population",
    "share",
    "pledged_minutes",
    "minutes",
    "cost_share",
    "cap_shortfall",
    "salary",
    "ort",
    "overhead",
    "fixed",
    "delivered",
    "balance",
)


def settlement_column_set(result: Settlement) -> str:
    return f"{SETTLEMENT_COLUMNS} {result.mode} {result.start.isoformat()}..{result.end.isoformat()}"

"""Exports of the ledger and the settlement: CSV for Dutch Excel and XLSX, streamed, with a named column set.

CSV: semicolons, decimal commas, UTF-8 with a byte-order mark (Excel's cue), a
first line naming the column set, and a closing total line that is the sum of
the lines above it. Text that Excel would run as a formula is neutralised.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import IO, Any

from openpyxl import Workbook
from sqlalchemy import Date, DateTime, Select, String, and_, cast, func, or_, select, type_coerce
from sqlalchemy.orm import Session, aliased

from backend import text
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
from scheduling.calendar import local_day_start, team_zone
from secure_store import current_keyring

LEDGER_COLUMNS = "piket-ledger-v4"
"""v2 added booked_on: the day a correction of a closed period was booked (empty otherwise); v3 added
allowance_minutes and allowance_exempt_week (the weekly three-hour rule); v4 names each inspector by
a pseudonym (inspector, INS-XXXXXX) instead of id and full name, and leaves the correction reason out
(free text finance does not need)."""
PAYROLL_COLUMNS = "piket-payroll-v1"
"""The ledger of one employer's own inspectors with their full names, for its payroll."""
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BATCH = 5000
EXEMPT_CHUNK = 200
"""Exempt weeks per statement when the ledger's total leaves their allowance out."""


def neutralised(value: str) -> str:
    """Text as text: a leading apostrophe stops Excel from reading =, +, -, @ as a formula.

    A control character stored before input was cleaned at the door would make
    the XLSX writer fail; it is cleaned here too.
    """
    value = text.clean(value)
    return "'" + value if value.startswith(FORMULA_STARTS) else value


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


LEDGER_HEADER = ("entry", "date", "start", "end", "inspector", "employer", "municipality",
                 "category", "break_minutes", "worked_minutes", *BAND_COLUMNS, "approved", "reverses",
                 "booked_on", "allowance_minutes", "allowance_exempt_week")
PAYROLL_HEADER = (*LEDGER_HEADER[:5], "name", *LEDGER_HEADER[5:])
"""inspector: the pseudonym (`pseudonym`); name: the full name, in the payroll export only.
allowance_minutes: the entry's minutes in allowance bands that earn it, 0 in a week the three-hour
rule exempts; allowance_exempt_week: that week's Monday (the band minutes stay as worked)."""
QUERIED = ("break_minutes", "worked_minutes", *BAND_COLUMNS)
SUMMED = (*QUERIED, "allowance_minutes")


def ledger_query(wanted: LedgerFilter, in_database: bool = False) -> Select[Any]:
    """The filtered entries, in ledger order, as `ledger_rows` needs them (see `_shown_times`)."""
    approval = aliased(HourApproval)
    conditions = [HourEntry.counts_at >= local_day_start(wanted.start),
                  HourEntry.counts_at < local_day_start(wanted.end + timedelta(days=1))]
    if wanted.municipality_id is not None:
        conditions.append(HourEntry.municipality_id == wanted.municipality_id)
    if wanted.inspector_id is not None:
        conditions.append(HourEntry.inspector_id == wanted.inspector_id)
    if wanted.category is not None:
        conditions.append(HourEntry.category == wanted.category)
    if wanted.employer_id is not None:
        conditions.append(Inspector.employer_id == wanted.employer_id)
    day, start, end, booked_on = _shown_times(in_database)
    query = (select(HourEntry.id, day, start, end, HourEntry.inspector_id, Inspector.employer_id,
                    HourEntry.municipality_id, type_coerce(HourEntry.category, String),
                    *(getattr(HourEntry, c) for c in QUERIED), approval.id.is_not(None).label("approved"),
                    HourEntry.reverses_id, booked_on,
                    (HourEntry.worked_minutes - HourEntry.plain_minutes).label("allowance_minutes"))
             .join(Inspector, Inspector.id == HourEntry.inspector_id)
             .outerjoin(approval, approval.entry_id == HourEntry.id)
             .where(and_(*conditions)).order_by(HourEntry.counts_at, HourEntry.id))
    if wanted.approved_only:
        query = query.where(approval.id.is_not(None))
    return query


def _shown_times(in_database: bool) -> tuple[Any, Any, Any, Any]:
    """The entry's day, start and end time (HH:MM) and booking day as the team's wall clock shows them.

    PostgreSQL converts and formats them itself (a third of an export's cost when done row by row
    in Python); elsewhere the instants come as stored (naive UTC, without UTCDateTime's aware round
    trip) and `_in_team_time` converts them.
    """
    if not in_database:
        return (type_coerce(HourEntry.starts_at, DateTime), type_coerce(HourEntry.starts_at, DateTime),
                type_coerce(HourEntry.ends_at, DateTime), type_coerce(HourEntry.booked_at, DateTime))
    zone = team_zone().key

    def local(instant: Any) -> Any:
        return func.timezone(zone, func.timezone("UTC", instant))

    return (cast(local(HourEntry.starts_at), Date), func.to_char(local(HourEntry.starts_at), "HH24:MI"),
            func.to_char(local(HourEntry.ends_at), "HH24:MI"), cast(local(HourEntry.booked_at), Date))


LEDGER_FLAGS = ("approved",)


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


def ledger_rows(session: Session, wanted: LedgerFilter, with_names: bool = False,
                offset: int = 0, limit: int | None = None) -> Iterator[tuple[Any, ...]]:
    """Each entry as a row of plain values (LEDGER_HEADER; PAYROLL_HEADER `with_names`), in batches:
    pseudonyms and names made once per inspector, and every text already neutralised against formulas,
    so the writers only convert flags. `offset` and `limit` page in SQL (a page of the ledger reads
    only its own rows)."""
    municipalities = {i: neutralised(name) for i, name in session.execute(
        select(Municipality.id, Municipality.name)).all()}
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
    """Rows with stored instants as PostgreSQL's `_shown_times` gives them: day, HH:MM, HH:MM, booking day."""
    local = LocalTimes()
    for row in rows:
        start, end, booked_at = local(row[1]), local(row[3]), row[-2]
        yield (row[0], start.date(), f"{start.hour:02d}:{start.minute:02d}",
               f"{end.hour:02d}:{end.minute:02d}", *row[4:-2], local(booked_at).date() if booked_at else None,
               row[-1])


class _People(dict[int, tuple[str, ...]]):
    """Each inspector's pseudonym (and full name, opened and neutralised, where the export shows it),
    made the first time the inspector appears: once per export, not once per row."""

    def __init__(self, session: Session, with_names: bool) -> None:
        super().__init__()
        self.session, self.with_names = session, with_names

    def __missing__(self, inspector_id: int) -> tuple[str, ...]:
        self[inspector_id] = _person(self.session, inspector_id, self.with_names)
        return self[inspector_id]


def ledger_totals(session: Session, wanted: LedgerFilter) -> Totals:
    """The count and the sums (SUMMED) of every entry the filter selects, added up by the database:
    the same figures as `Totals` over `ledger_rows`, without reading the rows."""
    filtered = ledger_query(wanted).order_by(None).subquery()
    worked, plain = filtered.c.worked_minutes, filtered.c.plain_minutes
    sums = session.execute(select(func.count(), *(func.coalesce(func.sum(filtered.c[c]), 0) for c in QUERIED),
                                  func.coalesce(func.sum(worked - plain), 0))).one()
    totals = Totals(LEDGER_HEADER, SUMMED)
    totals.count, totals.sums = sums[0], list(sums[1:])
    totals.sums[-1] -= _exempt_allowance(session, wanted)
    return totals


def ledger_count(session: Session, wanted: LedgerFilter) -> int:
    """How many entries the filter selects, counted by the database."""
    return session.execute(select(func.count()).select_from(
        ledger_query(wanted).order_by(None).subquery())).scalar_one()


def _exempt_allowance(session: Session, wanted: LedgerFilter) -> int:
    """The allowance minutes (worked less plain) of the selected entries that start in an exempt week:
    they earn none, so the total leaves them out (as `ledger_rows` gives them 0)."""
    weeks = list(allowance.exempt_weeks(session, wanted.start, wanted.end))
    found = 0
    for chunk in range(0, len(weeks), EXEMPT_CHUNK):
        in_weeks = or_(*(and_(HourEntry.inspector_id == inspector_id,
                              HourEntry.starts_at >= local_day_start(monday),
                              HourEntry.starts_at < local_day_start(monday + timedelta(days=7)))
                         for inspector_id, monday in weeks[chunk:chunk + EXEMPT_CHUNK]))
        filtered = ledger_query(wanted).where(in_weeks).order_by(None).subquery()
        found += session.execute(select(func.coalesce(
            func.sum(filtered.c.worked_minutes - filtered.c.plain_minutes), 0))).scalar_one()
    return found


def _person(session: Session, inspector_id: int, with_name: bool) -> tuple[str, ...]:
    """The pseudonym, and the full name (opened, neutralised) where the export needs it."""
    if not with_name:
        return (pseudonym(inspector_id),)
    return pseudonym(inspector_id), neutralised(session.get_one(Inspector, inspector_id).name)


def _exempt_monday(exempt: dict[allowance.WeekKey, Any], inspector_id: int, day: date) -> date | None:
    """The Monday of the entry's week if the three-hour rule exempts it (`day`: its local start day)."""
    monday = day - timedelta(days=day.weekday())
    return monday if (inspector_id, monday) in exempt else None


class Totals:
    """Sums of the numeric columns of the rows that went by."""

    def __init__(self, header: Sequence[str], summed: Sequence[str]) -> None:
        self.positions = [header.index(name) for name in summed]
        self.sums = [0] * len(summed)
        self.count = 0

    def add(self, row: Sequence[Any]) -> None:
        self.count += 1
        for i, position in enumerate(self.positions):
            self.sums[i] += row[position]

    def row(self, width: int, label: str) -> list[Any]:
        line: list[Any] = [""] * width
        line[0] = label
        for position, total in zip(self.positions, self.sums, strict=True):
            line[position] = total
        return line


def euros(cents: int) -> str:
    """Whole cents as euros with two decimals, without a float on the way."""
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


def _yes_no(value: Any) -> Any:
    return ("ja" if value else "nee") if isinstance(value, bool) else value


def _comma_euros(value: Any) -> Any:
    return euros(value).replace(".", ",") if isinstance(value, int) else value


def _float_euros(value: Any) -> Any:
    return value / 100 if isinstance(value, int) else value


def _converters(header: Sequence[str], flags: Sequence[str], cents: Sequence[str],
                amount: Callable[[Any], Any]) -> list[tuple[int, Callable[[Any], Any]]]:
    """Only the typed columns are converted; the rest go out as they are (CSV writes ints, dates and
    None itself, and the rows' text is neutralised where it was read)."""
    return ([(header.index(n), _yes_no) for n in flags] + [(header.index(n), amount) for n in cents])


def _converted(row: Sequence[Any], converters: list[tuple[int, Callable[[Any], Any]]]) -> Sequence[Any]:
    if not converters:
        return row
    line = list(row)
    for position, convert in converters:
        line[position] = convert(line[position])
    return line


def csv_lines(column_set: str, header: Sequence[str], rows: Iterator[Sequence[Any]],
              summed: Sequence[str], cents: Sequence[str] = (), flags: Sequence[str] = (),
              notes: Sequence[str] = ()) -> Iterator[str]:
    """The CSV as text chunks: BOM, column set (and notes beside it), header, the rows, and their total."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    totals = Totals(header, summed)
    converters = _converters(header, flags, cents, _comma_euros)
    writer.writerow([f"# {column_set}", *map(neutralised, notes)])
    writer.writerow(header)
    yield "\ufeff" + _take(buffer)
    for number, row in enumerate(rows, 1):
        totals.add(row)
        writer.writerow(_converted(row, converters))
        if number % 1000 == 0:
            yield _take(buffer)
    writer.writerow(_converted(totals.row(len(header), f"totaal ({totals.count} regels)"), converters))
    yield _take(buffer)


def _take(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def xlsx(out: IO[bytes], column_set: str, header: Sequence[str], rows: Iterator[Sequence[Any]],
         summed: Sequence[str], cents: Sequence[str] = (), flags: Sequence[str] = (),
         notes: Sequence[str] = ()) -> None:
    """The same table as an XLSX sheet (written row by row), amounts as numbers in euros."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("piket")
    sheet.append([column_set, *map(neutralised, notes)])
    sheet.append(list(header))
    totals = Totals(header, summed)
    converters = _converters(header, flags, cents, _float_euros)
    for row in rows:
        totals.add(row)
        sheet.append(_converted(row, converters))
    sheet.append(_converted(totals.row(len(header), f"totaal ({totals.count} regels)"), converters))
    book.save(out)


SETTLEMENT_HEADER = ("municipality", "population", "share_basis_points", "cost_share", "cap_shortfall",
                     "pledged_minutes", "minutes", "salary", "ort", "overhead", "fixed", "delivered",
                     "balance")
SETTLEMENT_CENTS = ("cost_share", "cap_shortfall", "salary", "ort", "overhead", "fixed", "delivered",
                    "balance")


def settlement_rows(result: Settlement) -> Iterator[tuple[Any, ...]]:
    for line in result.lines:
        amounts = (line.cost_share_cents, line.cap_shortfall_cents, line.salary_cents, line.ort_cents,
                   line.overhead_cents, line.fixed_cents, line.delivered_cents, line.balance_cents)
        yield (neutralised(line.name), line.population, line.share_basis_points, *amounts[:2],
               line.pledged_minutes, line.minutes, *amounts[2:])


SETTLEMENT_SUMMED = ("population", "share_basis_points", "pledged_minutes", "minutes", *SETTLEMENT_CENTS)


def settlement_column_set(result: Settlement) -> str:
    return f"{SETTLEMENT_COLUMNS} {result.mode} {result.start.isoformat()}..{result.end.isoformat()}"

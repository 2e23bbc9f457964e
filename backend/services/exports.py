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

from sqlalchemy import DateTime, Select, String, and_, select, type_coerce
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


def ledger_query(wanted: LedgerFilter) -> Select[Any]:
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
    # The instants come as stored (naive UTC): LocalTimes converts them without the
    # aware-datetime round trip of UTCDateTime, a third of an export's cost.
    query = (select(HourEntry.id, type_coerce(HourEntry.starts_at, DateTime),
                    type_coerce(HourEntry.ends_at, DateTime), HourEntry.inspector_id,
                    Inspector.employer_id, HourEntry.municipality_id, type_coerce(HourEntry.category, String),
                    *(getattr(HourEntry, c) for c in QUERIED), approval.id, HourEntry.reverses_id,
                    type_coerce(HourEntry.booked_at, DateTime))
             .join(Inspector, Inspector.id == HourEntry.inspector_id)
             .outerjoin(approval, approval.entry_id == HourEntry.id)
             .where(and_(*conditions)).order_by(HourEntry.counts_at, HourEntry.id))
    if wanted.approved_only:
        query = query.where(approval.id.is_not(None))
    return query


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


def ledger_rows(session: Session, wanted: LedgerFilter,
                with_names: bool = False) -> Iterator[tuple[Any, ...]]:
    """Each entry as a row of plain values (LEDGER_HEADER; PAYROLL_HEADER `with_names`), in batches:
    pseudonyms and names made once per inspector, start and end as the team's wall-clock date-times."""
    municipalities = {i: name for i, name in session.execute(
        select(Municipality.id, Municipality.name)).all()}
    people: dict[int, tuple[str, ...]] = {}
    local = LocalTimes()
    exempt = allowance.exempt_weeks(session, wanted.start, wanted.end)
    # Streaming is an option of this statement only: set on the connection (as it was), it stayed
    # there and made the session's next statement, even a ROLLBACK, a server-side cursor.
    result = session.connection().execute(
        ledger_query(wanted).execution_options(stream_results=True, max_row_buffer=BATCH))
    for entry_id, starts_at, ends_at, inspector_id, employer, place, category, *rest in result:
        minutes, (approval, reverses, booked_at) = rest[:len(QUERIED)], rest[len(QUERIED):]
        person = people.get(inspector_id)
        if person is None:
            person = people[inspector_id] = _person(session, inspector_id, with_names)
        start, end = local(starts_at), local(ends_at)
        exempt_week = _exempt_monday(exempt, inspector_id, start) if exempt else None
        yield (entry_id, start.date(), start, end, *person, municipalities[employer],
               municipalities[place], category, *minutes, approval is not None, reverses,
               local(booked_at).date() if booked_at else None,
               0 if exempt_week else minutes[1] - minutes[2], exempt_week)


def _person(session: Session, inspector_id: int, with_name: bool) -> tuple[str, ...]:
    """The pseudonym, and the full name (opened) where the export needs it."""
    if not with_name:
        return (pseudonym(inspector_id),)
    return pseudonym(inspector_id), session.get_one(Inspector, inspector_id).name


def _exempt_monday(exempt: dict[allowance.WeekKey, Any], inspector_id: int, start: datetime) -> date | None:
    """The Monday of the entry's week if the three-hour rule exempts it (`start` in the team's zone)."""
    monday = start.date() - timedelta(days=start.weekday())
    return monday if (inspector_id, monday) in exempt else None


SETTLEMENT_HEADER = ("municipality", "population", "share", "cost_share", "cap_shortfall",
                     "pledged_minutes", "minutes", "salary", "ort", "overhead", "fixed", "delivered",
                     "balance")
"""share: the municipality's population over the population of all taking part (exact; written as a
percentage), the share of the cost before any money cap; cap_shortfall is what a cap moved."""


def settlement_rows(result: Settlement) -> Iterator[tuple[Any, ...]]:
    everyone = sum(line.population for line in result.lines)
    for line in result.lines:
        amounts = (line.cost_share_cents, line.cap_shortfall_cents, line.salary_cents, line.ort_cents,
                   line.overhead_cents, line.fixed_cents, line.delivered_cents, line.balance_cents)
        share = Fraction(line.population, everyone) if everyone else Fraction(0)
        yield (line.name, line.population, share, *amounts[:2], line.pledged_minutes, line.minutes,
               *amounts[2:])


SETTLEMENT_SUMMED = ("population", "share", "pledged_minutes", "minutes", "cost_share", "cap_shortfall",
                     "salary", "ort", "overhead", "fixed", "delivered", "balance")


def settlement_column_set(result: Settlement) -> str:
    return f"{SETTLEMENT_COLUMNS} {result.mode} {result.start.isoformat()}..{result.end.isoformat()}"


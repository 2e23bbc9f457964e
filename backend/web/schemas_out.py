"""What the API answers: the services' own dataclasses (call-outs, shifts, settlement lines), and
pydantic models where a row needs shaping. Answers are dumped through the same types the OpenAPI
document is generated from, so they match it by construction. First names only; never a location."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from pydantic import BaseModel, TypeAdapter

from backend.models import ControlRecord, PeriodLock, Report, Shift
from backend.services.dashboard import CalloutView
from backend.services.findings import RecentControl, control_label
from backend.services.ledger import Pending
from backend.services.settlement import COLUMN_SET, Line, Settlement
from scheduling.contributions import PledgeReading


class BreakOut(BaseModel):
    """An unpaid break where it was taken (UTC instants)."""

    starts_at: datetime
    ends_at: datetime


class PendingEntryOut(BaseModel):
    entry_id: int
    inspector_id: int
    municipality_id: int
    category: str
    starts_at: datetime
    ends_at: datetime
    break_minutes: int
    worked_minutes: int
    plain_minutes: int
    weekday_20_minutes: int
    weekday_40_minutes: int
    saturday_minutes: int
    sunday_holiday_minutes: int
    reverses_id: int | None
    replaces_id: int | None
    approved_with: list[int]
    """Earlier versions of this entry and their reversals, still unapproved: approving `entry_id`
    approves them too (they cancel out), so the approved total is this entry's minutes."""
    breaks: list[BreakOut]

    @classmethod
    def of(cls, line: Pending) -> PendingEntryOut:
        entry = line.entry
        values = {
            name: getattr(entry, name)
            for name in cls.model_fields
            if name not in ("entry_id", "approved_with", "breaks")
        }
        breaks = [BreakOut(starts_at=b.starts_at, ends_at=b.ends_at) for b in entry.breaks]
        return cls(
            entry_id=entry.id,
            approved_with=[e.id for e in line.earlier],
            breaks=breaks,
            **{**values, "category": entry.category.value},
        )


Day = date
"""`date` by another name, for a model with a field called `date` (which hides the type in its body)."""


class LedgerEntryOut(BaseModel):
    entry: int
    date: Day
    start: str
    """The team's wall-clock date and time the entry starts: 2027-03-12T22:00."""
    end: str
    """The same for its end, on the next day for an entry that passes midnight: 2027-03-13T06:00."""
    inspector: str
    """The inspector's pseudonym (INS-XXXXXX), the same in every export; names stay in piket."""
    employer: str
    municipality: str
    category: str
    break_minutes: int
    worked_minutes: int
    plain_minutes: int
    weekday_20_minutes: int
    weekday_40_minutes: int
    saturday_minutes: int
    sunday_holiday_minutes: int
    approved: bool
    reverses: int | None
    booked_on: Day | None
    allowance_minutes: int
    """Minutes in allowance bands that earn it: 0 in a week the three-hour rule exempts."""
    allowance_exempt_week: Day | None
    """Monday of the week the three-hour rule exempts (CAR-UWO 3:11 lid 2); band minutes stay."""

    @classmethod
    def of(cls, row: dict[str, Any]) -> LedgerEntryOut:
        """From a ledger row, whose start and end are the team's wall-clock date-times."""
        return cls(**row | {"start": f"{row['start']:%Y-%m-%dT%H:%M}", "end": f"{row['end']:%Y-%m-%dT%H:%M}"})


class ApprovedOut(BaseModel):
    approved: int


class ReportOut(BaseModel):
    report_id: int
    status: str
    returned_at: datetime | None
    handed_over_on: date | None
    handed_over_to_id: int | None

    @classmethod
    def of(cls, report: Report) -> ReportOut:
        return cls(
            report_id=report.id,
            status=report.status.value,
            returned_at=report.returned_at,
            handed_over_on=report.handed_over_on,
            handed_over_to_id=report.handed_over_to_id,
        )


class LockOut(BaseModel):
    period_start: date
    period_end: date
    locked_by: str
    locked_at: datetime

    @classmethod
    def of(cls, lock: PeriodLock) -> LockOut:
        return cls(
            period_start=lock.period_start,
            period_end=lock.period_end,
            locked_by=lock.locked_by,
            locked_at=lock.locked_at,
        )


class PledgesOut(BaseModel):
    """Budget mode: the pledges in hours against the plan's inspector hours, and the rule applied."""

    plan_minutes: int
    pledged_minutes: int
    difference_minutes: int
    """Pledged minus planned."""
    uncovered_minutes: int
    """Planned minutes no pledge covers, credited to the coordinating municipality."""
    rule: str
    """`scaled` (pledges scaled to the plan by largest remainder), `uncovered` or `as_pledged`."""

    @classmethod
    def of(cls, reading: PledgeReading | None) -> PledgesOut | None:
        if reading is None:
            return None
        return cls(
            plan_minutes=reading.plan_minutes,
            pledged_minutes=reading.total_pledged_minutes,
            difference_minutes=reading.difference_minutes,
            uncovered_minutes=reading.uncovered_minutes,
            rule=reading.rule,
        )


class SettlementOut(BaseModel):
    column_set: str
    mode: str
    year: int
    quarter: int | None
    start: date
    end: date
    lines: list[Line]
    totals: dict[str, int]
    pledges: PledgesOut | None = None

    @classmethod
    def of(cls, result: Settlement) -> SettlementOut:
        return cls(
            column_set=COLUMN_SET,
            mode=result.mode,
            year=result.year,
            quarter=result.quarter,
            start=result.start,
            end=result.end,
            lines=list(result.lines),
            totals=result.totals,
            pledges=PledgesOut.of(result.pledges),
        )


ADAPTERS: dict[type, TypeAdapter[Any]] = {}
"""Built once per type. (A dict, not functools.cache: mypy does not take a class for Hashable.)"""


def adapter(kind: type) -> TypeAdapter[Any]:
    """Validation, dumping and JSON schema for a service's plain dataclass."""
    if kind not in ADAPTERS:
        ADAPTERS[kind] = TypeAdapter(kind)
    return ADAPTERS[kind]


def as_json(value: Any) -> Any:
    """A service's answer (a dataclass or one of the models here) as JSON-ready data."""
    return adapter(type(value)).dump_python(value, mode="json")


def page_of(items: list[Any], page: int, per_page: int, total: int | None = None) -> dict[str, Any]:
    """One page of a list, with what a client needs to fetch the next. With `total` (counted by the
    database) `items` is the page itself, already cut in SQL; without, the whole list to cut here."""
    chosen = items if total is not None else items[(page - 1) * per_page : page * per_page]
    return {
        "items": [as_json(item) for item in chosen],
        "page": page,
        "per_page": per_page,
        "total": len(items) if total is None else total,
    }


class AddressFindingOut(BaseModel):
    """One visited address by its number: where it lies (municipality) and its outcome; no address."""

    number: int
    municipality_id: int
    outcome: str
    police_signal_at: datetime | None
    is_care_offered: bool


class ControlRecordOut(BaseModel):
    shift_id: int
    control: str
    """The control's number, such as 2027-014."""
    is_with_police: bool
    partners: list[str]
    recorded_by: str
    recorded_at: datetime
    addresses: list[AddressFindingOut]

    @classmethod
    def of(cls, record: ControlRecord, shift: Shift) -> ControlRecordOut:
        return cls(
            shift_id=shift.id,
            control=control_label(shift),
            is_with_police=record.is_with_police,
            partners=list(record.partners),
            recorded_by=record.recorded_by,
            recorded_at=record.recorded_at.astimezone(UTC),
            addresses=[
                AddressFindingOut(
                    number=a.number,
                    municipality_id=a.municipality_id,
                    outcome=a.outcome.value,
                    is_care_offered=a.is_care_offered,
                    police_signal_at=_utc(a.police_signal_at),
                )
                for a in record.addresses
            ],
        )


def _utc(instant: datetime | None) -> datetime | None:
    """As every answer gives instants: in UTC (a value just written still has the zone it came in)."""
    return instant.astimezone(UTC) if instant is not None else None


class RecentControlOut(BaseModel):
    """An address's last control in the team's warning period, or none."""

    recently_controlled: RecentControl | None


@dataclass(frozen=True)
class CalloutMadeOut(CalloutView):
    """A new call-out, and the last control of its address if that was recent (the coordinator may go
    ahead; this says it was not without knowing)."""

    recently_controlled: RecentControl | None = None

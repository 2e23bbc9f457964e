"""What the API answers, as pydantic models: the answers are built through them, so they match the
OpenAPI document by construction. First names only; never a location."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel

from backend.models import HourEntry, PeriodLock
from backend.services.dashboard import CalloutView, Person, ShiftView
from backend.services.settlement import Line, Settlement


class PersonOut(BaseModel):
    inspector_id: int
    first_name: str
    is_trained: bool
    status: str

    @classmethod
    def of(cls, person: Person) -> PersonOut:
        return cls(**vars(person))


class ShiftOut(BaseModel):
    shift_id: int
    kind: str
    municipality: str
    starts_at: datetime
    ends_at: datetime
    status: str
    people: list[PersonOut]
    is_staffed: bool
    callout_id: int | None

    @classmethod
    def of(cls, view: ShiftView) -> ShiftOut:
        return cls(**{**vars(view), "people": [PersonOut.of(p) for p in view.people]})


class CalloutOut(BaseModel):
    callout_id: int
    source: str
    status: str
    shift: ShiftOut
    created_at: datetime
    minutes_open: int
    escalated_at: datetime | None
    widened_at: datetime | None
    offers: list[PersonOut]

    @classmethod
    def of(cls, view: CalloutView) -> CalloutOut:
        return cls(**{**vars(view), "shift": ShiftOut.of(view.shift),
                      "offers": [PersonOut.of(p) for p in view.offers]})


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

    @classmethod
    def of(cls, entry: HourEntry) -> PendingEntryOut:
        values = {name: getattr(entry, name) for name in cls.model_fields if name != "entry_id"}
        return cls(entry_id=entry.id, **{**values, "category": entry.category.value})


class LedgerEntryOut(BaseModel):
    entry: int
    date: date
    start: str
    end: str
    inspector_id: int
    inspector: str
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
    reason: str
    booked_on: date | None

    @classmethod
    def of(cls, row: dict[str, Any]) -> LedgerEntryOut:
        return cls(**row)


class ApprovedOut(BaseModel):
    approved: int


class LockOut(BaseModel):
    period_start: date
    period_end: date
    locked_by: str
    locked_at: datetime

    @classmethod
    def of(cls, lock: PeriodLock) -> LockOut:
        return cls(period_start=lock.period_start, period_end=lock.period_end, locked_by=lock.locked_by,
                   locked_at=lock.locked_at)


class LineOut(BaseModel):
    municipality_id: int
    name: str
    population: int
    share_basis_points: int
    cost_share_cents: int
    minutes: int
    salary_cents: int
    ort_cents: int
    overhead_cents: int
    fixed_cents: int
    delivered_cents: int
    balance_cents: int

    @classmethod
    def of(cls, line: Line) -> LineOut:
        return cls(**vars(line))


class SettlementOut(BaseModel):
    column_set: str
    mode: str
    year: int
    quarter: int | None
    start: date
    end: date
    lines: list[LineOut]
    totals: dict[str, int]

    @classmethod
    def of(cls, result: Settlement) -> SettlementOut:
        from backend.services.settlement import COLUMN_SET

        return cls(column_set=COLUMN_SET, mode=result.mode, year=result.year, quarter=result.quarter,
                   start=result.start, end=result.end, lines=[LineOut.of(line) for line in result.lines],
                   totals=result.totals)


def page_of(items: list[BaseModel], page: int, per_page: int) -> dict[str, Any]:
    """One page of a list, with what a client needs to fetch the next."""
    chosen = items[(page - 1) * per_page: page * per_page]
    return {"items": [item.model_dump(mode="json") for item in chosen], "page": page, "per_page": per_page,
            "total": len(items)}

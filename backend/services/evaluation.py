"""Figures for the interim evaluation: hours against pledges, controls against the plan, call-outs by
source and month, how fast call-outs get a pair, and money spent against the budget."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.models import (
    Callout,
    CalloutStatus,
    HourApproval,
    HourEntry,
    Inspector,
    Municipality,
    Shift,
    ShiftKind,
    ShiftStatus,
)
from backend.services import profile, settlement
from scheduling.calendar import local_date, local_day_start
from scheduling.contributions import contribution_table


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    target: int | None = None


@dataclass(frozen=True)
class Evaluation:
    year: int
    hours: list[Bar]
    """Approved hours of each municipality's own inspectors, against its pledge."""
    controls: list[Bar]
    """Controls held in each municipality (control days and call-outs), against the plan's indication."""
    callouts_by_month: dict[str, dict[str, int]]
    """Month (YYYY-MM) to source to count."""
    minutes_to_pair: list[int]
    """For each filled call-out, minutes from creation to a confirmed pair."""
    spent_cents: int
    budget_cents: int

    @property
    def median_minutes_to_pair(self) -> float | None:
        return statistics.median(self.minutes_to_pair) if self.minutes_to_pair else None


def evaluate(session: Session, year: int) -> Evaluation:
    start, end = local_day_start(date(year, 1, 1)), local_day_start(date(year + 1, 1, 1))
    members = list(
        session.execute(
            select(Municipality).where(Municipality.is_participating).order_by(Municipality.name)
        ).scalars()
    )
    return Evaluation(
        year=year,
        hours=_hours(session, members, start, end),
        controls=_controls(session, year, members, start, end),
        callouts_by_month=_callouts(session, start, end),
        minutes_to_pair=_minutes_to_pair(session, start, end),
        spent_cents=settlement.settle(session, year).totals["delivered_cents"],
        budget_cents=profile.budget(session, year).yearly_cents,
    )


def _hours(session: Session, members: list[Municipality], start: datetime, end: datetime) -> list[Bar]:
    minutes = dict(
        session.execute(
            select(Inspector.employer_id, func.sum(HourEntry.worked_minutes))
            .join(Inspector, Inspector.id == HourEntry.inspector_id)
            .join(HourApproval, HourApproval.entry_id == HourEntry.id)
            .where(HourEntry.counts_at >= start, HourEntry.counts_at < end)
            .group_by(Inspector.employer_id)
        ).all()
    )
    return [Bar(m.name, int(minutes.get(m.id) or 0) // 60, m.pledged_minutes // 60) for m in members]


def _controls(session: Session, year: int, members: list[Municipality], start: datetime,
              end: datetime) -> list[Bar]:
    held = dict(
        session.execute(
            select(Shift.municipality_id, func.count(Shift.id))
            .where(
                Shift.starts_at >= start,
                Shift.starts_at < end,
                Shift.status != ShiftStatus.CANCELLED,
                Shift.kind.in_((ShiftKind.CONTROL, ShiftKind.CALLOUT)),
            )
            .group_by(Shift.municipality_id)
        ).all()
    )
    plan = profile.plan(session, year)
    table = contribution_table([(m.name, m.population) for m in members], profile.budget(session, year),
                               years=1, controls=plan.controls, fte_hundredths=int(plan.fte * 100))
    return [
        Bar(m.name, int(held.get(m.id) or 0), row.controls)
        for m, row in zip(members, table.rows, strict=True)
    ]


def _callouts(session: Session, start: datetime, end: datetime) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}
    for created_at, source in session.execute(
        select(Callout.created_at, Callout.source)
        .join(Shift, Shift.id == Callout.shift_id)
        .where(Callout.created_at >= start, Callout.created_at < end, Shift.kind == ShiftKind.CALLOUT)
    ):
        month = local_date(created_at).strftime("%Y-%m")
        counts.setdefault(month, {}).setdefault(source.value, 0)
        counts[month][source.value] += 1
    return dict(sorted(counts.items()))


def _minutes_to_pair(session: Session, start: datetime, end: datetime) -> list[int]:
    rows = session.execute(
        select(Callout.created_at, Callout.filled_at).where(
            Callout.created_at >= start,
            Callout.created_at < end,
            Callout.filled_at.is_not(None),
            Callout.status == CalloutStatus.FILLED,
        )
    )
    return sorted(int((filled - created) / timedelta(minutes=1)) for created, filled in rows)

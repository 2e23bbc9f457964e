"""Figures for the interim evaluation: hours against pledges, controls against the plan, call-outs by
source and month, how fast call-outs get a pair, and money spent against the budget."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.models import (
    Assignment,
    AssignmentStatus,
    Callout,
    CalloutStatus,
    ControlRecord,
    HourCategory,
    HourEntry,
    Inspector,
    Municipality,
    Shift,
    ShiftKind,
    ShiftStatus,
)
from backend.profile_file import PlanData
from backend.services import profile, settlement
from backend.services.errors import NotFound, ServiceError
from backend.services.ledger import is_approved_entry
from scheduling.apportion import largest_remainder
from scheduling.calendar import local_date, local_day_start
from scheduling.pairing import is_trained


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    target: int | None = None


@dataclass(frozen=True)
class ControlCount:
    """A municipality's controls (control days and call-outs) of the year, by what became of them."""

    label: str
    held: int
    """Ended, with a valid pair on it: confirmed, or known from the hours they recorded."""
    ahead: int
    """Planned and not yet ended."""
    not_held: int
    """Ended without a valid pair (nobody, one person, or nobody trained)."""
    target: int
    """The plan's indication for the year."""
    cancelled: int = 0
    """Cancelled (control days and call-outs): not held, and not counted in the others."""


@dataclass(frozen=True)
class AddressCount:
    """The addresses visited in a municipality in the year (control days and call-outs), by outcome,
    against the plan's indication (the plan's controls are addresses)."""

    label: str
    visited: int
    nobody_present: int
    no_violation: int
    violation: int
    """Followed up by this municipality (where the address lies)."""
    police_signals: int
    """Signals of human trafficking passed to the police."""
    care_offered: int
    target: int


@dataclass(frozen=True)
class Accompaniment:
    """Who went along on the year's recorded controls: the police (TMM) or administrative only, and
    each partner organisation's number of controls."""

    recorded: int
    with_police: int
    administrative: int
    partners: dict[str, int]
    unrecorded: int
    """Held controls whose findings are not recorded yet."""


@dataclass(frozen=True)
class Evaluation:
    year: int
    hours: list[Bar]
    """Approved hours of each municipality's own inspectors, against its pledge."""
    hours_by_category: list[Bar]
    """Approved hours of each category (the coordinator's too), against its budget line where it has one."""
    controls: list[Bar]
    """Controls held in each municipality (control days and call-outs), against the plan's indication."""
    control_counts: list[ControlCount]
    """The same controls with what is still ahead and what ended without a pair, apart."""
    callouts_by_month: dict[str, dict[str, int]]
    """Month (YYYY-MM) to source to count."""
    callout_sources: list[str]
    """The sources to show: the team's profile's, then any other a call-out of the year had."""
    minutes_to_pair: list[int]
    """For each filled call-out, minutes from creation to a confirmed pair."""
    spent_cents: int | None
    budget_cents: int | None
    """Both None when no budget covers the year: what is missing is then `unpriced`."""
    unpriced: ServiceError | None = None
    addresses: list[AddressCount] = field(default_factory=list)
    """Per municipality, from the recorded findings; the lines add up to `address_total`."""
    accompaniment: Accompaniment = Accompaniment(0, 0, 0, {}, 0)
    approved_minutes: int = 0
    """All approved minutes of the year (the ledger's total); the hour bars are its parts in hours."""

    @property
    def address_bars(self) -> list[Bar]:
        return [Bar(a.label, a.visited, a.target) for a in self.addresses]

    @property
    def address_total(self) -> AddressCount:
        sums = [sum(getattr(a, f.name) for a in self.addresses) for f in fields(AddressCount)[1:]]
        return AddressCount("", *sums)

    @property
    def median_minutes_to_pair(self) -> float | None:
        return statistics.median(self.minutes_to_pair) if self.minutes_to_pair else None


def evaluate(session: Session, now: datetime, year: int) -> Evaluation:
    """The year's figures as they stand at `now`: only what has happened counts."""
    start, end = local_day_start(date(year, 1, 1)), local_day_start(date(year + 1, 1, 1))
    members = participating(session)
    counts = control_counts(session, year, members, start, end, now)
    minutes = _approved_minutes(session, start, end)
    targets = {c.label: c.target for c in counts}
    return Evaluation(
        year=year,
        hours=[Bar(m.name, minutes.get(m.id, 0) // 60, m.pledged_minutes // 60) for m in members],
        hours_by_category=_hours_by_category(session, year, start, end),
        controls=[Bar(c.label, c.held) for c in counts],
        control_counts=counts,
        callouts_by_month=(by_month := _callouts(session, start, end)),
        callout_sources=_sources(session, by_month),
        minutes_to_pair=_minutes_to_pair(session, start, end),
        **_spent(session, year),
        addresses=address_counts(session, members, targets, start, end),
        accompaniment=accompaniment_of(session, start, end, sum(c.held for c in counts)),
        approved_minutes=sum(minutes.values()),
    )


def participating(session: Session) -> list[Municipality]:
    """The municipalities taking part in the team, by name."""
    return list(
        session.execute(
            select(Municipality).where(Municipality.is_participating).order_by(Municipality.name)
        ).scalars()
    )


def _spent(session: Session, year: int) -> dict[str, Any]:
    """Spent and budgeted, or why the year cannot be priced (no budget or ORT table covers it)."""
    try:
        spent = settlement.settle(session, year).totals["delivered_cents"]
    except ServiceError as refused:
        return {"spent_cents": None, "budget_cents": None, "unpriced": refused}
    return {"spent_cents": spent, "budget_cents": profile.budget(session, year).yearly_cents}


def _approved_minutes(session: Session, start: datetime, end: datetime) -> dict[int, int]:
    """Approved minutes of the year by the inspectors' employer."""
    return {
        employer: int(minutes or 0)
        for employer, minutes in session.execute(
            select(Inspector.employer_id, func.sum(HourEntry.worked_minutes))
            .join(Inspector, Inspector.id == HourEntry.inspector_id)
            .where(is_approved_entry(), HourEntry.counts_at >= start, HourEntry.counts_at < end)
            .group_by(Inspector.employer_id)
        )
    }


def _year_records(start: datetime, end: datetime) -> Any:
    """The recorded controls of the year (not cancelled)."""
    return (
        select(ControlRecord)
        .join(Shift, Shift.id == ControlRecord.shift_id)
        .where(Shift.starts_at >= start, Shift.starts_at < end, Shift.status != ShiftStatus.CANCELLED)
    )


def address_counts(
    session: Session, members: list[Municipality], targets: dict[str, int], start: datetime, end: datetime
) -> list[AddressCount]:
    found: dict[int, Counter[str]] = {m.id: Counter() for m in members}
    for record in session.execute(_year_records(start, end)).scalars():
        for line in record.addresses:
            counts = found.setdefault(line.municipality_id, Counter())
            counts.update(
                {
                    "visited": 1,
                    line.outcome.value: 1,
                    "care_offered": int(line.is_care_offered),
                    "police_signals": int(line.police_signal_at is not None),
                }
            )
    return [_address_count(m.name, found[m.id], targets[m.name]) for m in members]


def _address_count(label: str, counts: Counter[str], target: int) -> AddressCount:
    return AddressCount(
        label,
        counts["visited"],
        counts["nobody_present"],
        counts["no_violation"],
        counts["violation"],
        counts["police_signals"],
        counts["care_offered"],
        target,
    )


def accompaniment_of(session: Session, start: datetime, end: datetime, held: int) -> Accompaniment:
    records = list(session.execute(_year_records(start, end)).scalars())
    partners = Counter(name for r in records for name in r.partners)
    police = sum(r.is_with_police for r in records)
    return Accompaniment(
        len(records),
        police,
        len(records) - police,
        dict(sorted(partners.items())),
        max(held - len(records), 0),
    )


def _hours_by_category(session: Session, year: int, start: datetime, end: datetime) -> list[Bar]:
    """Every category with approved hours or a budget line, in the category's order; the target is the
    line's hours (a category the budget folds into another line has none)."""
    minutes = dict(
        session.execute(
            select(HourEntry.category, func.sum(HourEntry.worked_minutes))
            .where(is_approved_entry(), HourEntry.counts_at >= start, HourEntry.counts_at < end)
            .group_by(HourEntry.category)
        ).all()
    )
    try:
        budgeted = {line.name: line.hours for line in profile.budget(session, year).lines}
    except ServiceError:
        budgeted = {}
    return [
        Bar(c.value, int(minutes.get(c) or 0) // 60, budgeted.get(c.value))
        for c in HourCategory
        if minutes.get(c) or c.value in budgeted
    ]


def control_counts(
    session: Session,
    year: int,
    members: list[Municipality],
    start: datetime,
    end: datetime,
    now: datetime,
    kinds: tuple[ShiftKind, ...] = (ShiftKind.CONTROL, ShiftKind.CALLOUT),
) -> list[ControlCount]:
    """Per municipality, the year's shifts of these kinds by what became of them (see ControlCount)."""
    in_year = select(Shift).where(
        Shift.starts_at >= start,
        Shift.starts_at < end,
        Shift.kind.in_(kinds),
    )
    shifts = list(session.execute(in_year.where(Shift.status != ShiftStatus.CANCELLED)).scalars())
    cancelled = Counter(
        s.municipality_id
        for s in session.execute(in_year.where(Shift.status == ShiftStatus.CANCELLED)).scalars()
    )
    present = people_present(session, [s.id for s in shifts if s.ends_at <= now])
    held: Counter[int] = Counter()
    ahead: Counter[int] = Counter()
    not_held: Counter[int] = Counter()
    for shift in shifts:
        if shift.ends_at > now:
            ahead[shift.municipality_id] += 1
        elif is_valid_pair(present.get(shift.id, {}), local_date(shift.starts_at)):
            held[shift.municipality_id] += 1
        else:
            not_held[shift.municipality_id] += 1
    targets = plan_targets(session, year, members)
    return [
        ControlCount(m.name, held[m.id], ahead[m.id], not_held[m.id], target, cancelled[m.id])
        for m, target in zip(members, targets, strict=True)
    ]


def plan_targets(
    session: Session,
    year: int,
    members: Sequence[Municipality],
    number: Callable[[PlanData], int] = lambda plan: plan.controls,
) -> list[int]:
    """A figure of the year's plan (its controls unless told otherwise) by population (the scenario
    table's column); none without a plan."""
    try:
        total = number(profile.plan(session, year))
    except NotFound:
        total = 0
    return largest_remainder(total, [m.population for m in members]) if members else []


def people_present(session: Session, shift_ids: list[int]) -> dict[int, dict[int, date | None]]:
    """Per ended shift, who was on it (confirmed, or recorded hours for it), with when each was trained."""
    on_shift = (
        select(Assignment.shift_id, Inspector.id, Inspector.trained_since)
        .join(Inspector, Inspector.id == Assignment.inspector_id)
        .where(
            Assignment.shift_id.in_(shift_ids),
            Assignment.status.in_((AssignmentStatus.CONFIRMED, AssignmentStatus.COVER_REQUESTED)),
        )
    )
    worked = (
        select(HourEntry.shift_id, Inspector.id, Inspector.trained_since)
        .join(Inspector, Inspector.id == HourEntry.inspector_id)
        .where(
            HourEntry.shift_id.in_(shift_ids),
            HourEntry.reverses_id.is_(None),
            HourEntry.category != HourCategory.REPORT,
            HourEntry.worked_minutes > 0,
        )
    )
    present: dict[int, dict[int, date | None]] = {}
    for query in (on_shift, worked):
        for shift_id, inspector_id, trained_since in session.execute(query):
            if shift_id is not None:  # always so (`in_` leaves out entries without a shift): for the types
                present.setdefault(shift_id, {})[inspector_id] = trained_since
    return present


def is_valid_pair(people: dict[int, date | None], day: date) -> bool:
    """Two or more people, one of them trained on the day (the pairing rule's minimum)."""
    return len(people) >= 2 and any(is_trained(since, day) for since in people.values())


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


def _sources(session: Session, by_month: dict[str, dict[str, int]]) -> list[str]:
    listed = [s.value for s in profile.callout_sources(session)]
    seen = {source for counts in by_month.values() for source in counts}
    return listed + sorted(seen - set(listed))


def _minutes_to_pair(session: Session, start: datetime, end: datetime) -> list[int]:
    rows = session.execute(
        select(Callout.created_at, Callout.filled_at).where(
            Callout.created_at >= start,
            Callout.created_at < end,
            Callout.filled_at.is_not(None),
            Callout.status == CalloutStatus.FILLED,
        )
    )
    return sorted(
        int((filled - created) / timedelta(minutes=1)) for created, filled in rows if filled is not None
    )  # always so (the query asks for filled ones): for the types

"""The team as the scheduling core sees it, and roster proposals for planned shifts.

This is the seam between the database and `scheduling/`: it reads inspectors,
designations, leave, shifts and hours into plain `Member` values (no names),
and turns proposals back into assignments. The bot and the web both go through it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from fractions import Fraction
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from backend.models import (
    Assignment,
    AssignmentStatus,
    Designation,
    HourEntry,
    Inspector,
    Municipality,
    Shift,
    ShiftStatus,
    Unavailability,
)
from backend.services import outbox, profile
from backend.services.outbox import Message
from scheduling import pairing, roster
from scheduling.calendar import local_date, local_day_start, team_zone
from scheduling.worktime import Shift as WorkShift

RECENT = timedelta(days=28)


class ShiftView(Protocol):
    """A shift as the pairing rule and the messages about it need it: loaded (`Shift`) or read as
    values (`callouts.ShiftState`)."""

    @property
    def id(self) -> int: ...

    @property
    def municipality_id(self) -> int: ...

    @property
    def starts_at(self) -> datetime: ...

    @property
    def ends_at(self) -> datetime: ...

    @property
    def planned_break_minutes(self) -> int: ...

    @property
    def status(self) -> ShiftStatus: ...


LIVE_ASSIGNMENTS = (AssignmentStatus.PROPOSED, AssignmentStatus.CONFIRMED, AssignmentStatus.COVER_REQUESTED)


def team(session: Session, now: datetime, exclude_shift_id: int | None = None) -> list[pairing.Member]:
    """Every inspector as a `Member`, with their shifts and their hours this year."""
    year_start = local_day_start(date(local_date(now).year, 1, 1))
    designations = _grouped(session.execute(select(Designation)).scalars(), "inspector_id")
    leave = _grouped(
        session.execute(select(Unavailability).where(Unavailability.ends_at > now - RECENT)).scalars(),
        "inspector_id",
    )
    shifts = _held_shifts(session, now - RECENT, exclude_shift_id)
    delivered = _minutes_since(session, year_start)
    recent = _minutes_since(session, now - RECENT)
    partners = _partners(session, now)
    return [
        pairing.Member(
            inspector_id=i.id,
            gender=i.gender.value,
            trained_since=i.trained_since,
            employer_id=i.employer_id,
            designations=tuple(
                pairing.Designation(d.municipality_id, d.valid_from, d.valid_until)
                for d in designations.get(i.id, [])
            ),
            is_active=i.is_active and i.revoked_at is None,
            unavailable=tuple((u.starts_at, u.ends_at) for u in leave.get(i.id, [])),
            shifts=tuple(shifts.get(i.id, [])),
            delivered_minutes=delivered.get(i.id, 0),
            recent_minutes=recent.get(i.id, 0),
            partners=frozenset(partners.get(i.id, ())),
        )
        for i in session.execute(select(Inspector).order_by(Inspector.id)).scalars()
    ]


ANSWERING = (Inspector.gender, Inspector.trained_since, Inspector.employer_id)
"""An inspector as the pairing rule sees an answer (`pairing.decide_acceptance`): who they are,
trained since when, and their gender. Their shifts, hours, leave and designations decided whether
they were asked; once they have answered, the rule looks at nothing more, so an accept reads these
columns alongside the offers and places it reads anyway (`answering_member`)."""


def answering_member(inspector_id: int, row: Any) -> pairing.Member:
    """The member from a row that holds the `ANSWERING` columns."""
    return pairing.Member(inspector_id, row.gender.value, row.trained_since, row.employer_id)


def municipality_load(session: Session, now: datetime) -> dict[int, Fraction]:
    """Each pledging municipality's hours delivered this year as a share of its pledge."""
    year_start = local_day_start(date(local_date(now).year, 1, 1))
    delivered = dict(
        session.execute(
            select(Inspector.employer_id, func.sum(HourEntry.worked_minutes))
            .join(HourEntry, HourEntry.inspector_id == Inspector.id)
            .where(HourEntry.starts_at >= year_start)
            .group_by(Inspector.employer_id)
        ).all()
    )
    return {
        m.id: Fraction(delivered.get(m.id) or 0, m.pledged_minutes)
        for m in session.execute(select(Municipality)).scalars()
        if m.pledged_minutes
    }


def slot_of(shift: ShiftView) -> pairing.Slot:
    return pairing.Slot(shift.municipality_id, shift.starts_at, shift.ends_at, shift.planned_break_minutes)


def propose_roster(session: Session, shifts: Sequence[Shift], now: datetime) -> roster.Proposal:
    """A proposal for these planned shifts, around everything already held."""
    pledged = {m.id: m.pledged_minutes for m in session.execute(select(Municipality)).scalars()}
    return roster.propose(
        [slot_of(s) for s in shifts], team(session, now), pledged, preference=profile.preference(session)
    )


def assign_proposal(
    session: Session, shifts: Sequence[Shift], proposal: roster.Proposal, now: datetime
) -> int:
    """Record the proposed pairs as proposed assignments; returns how many were made."""
    made = 0
    for index, pair in proposal.pairs.items():
        for inspector_id in pair:
            session.add(Assignment(shift_id=shifts[index].id, inspector_id=inspector_id, created_at=now))
            made += 1
    session.flush()
    return made


def send_next_shifts(session: Session, now: datetime, inspector: Inspector, limit: int = 8) -> None:
    """Queue the inspector's next shifts (or that there are none) as one silent message: the answer
    to their own /rooster, naming places, so nothing for the lock screen."""
    rows = session.execute(
        select(Shift, Municipality.name)
        .join(Assignment, Assignment.shift_id == Shift.id)
        .join(Municipality, Municipality.id == Shift.municipality_id)
        .where(
            Assignment.inspector_id == inspector.id,
            Assignment.status.in_(LIVE_ASSIGNMENTS),
            Shift.ends_at > now,
            Shift.status != ShiftStatus.CANCELLED,
        )
        .order_by(Shift.starts_at)
        .limit(limit)
    ).all()
    if not rows:
        outbox.send(session, now, inspector, Message("roster.none", disable_notification=True))
        return
    items = [
        {"template": "roster.item", **when(shift), "kind": shift.kind.value, "municipality": name}
        for shift, name in rows
    ]
    outbox.send(
        session,
        now,
        inspector,
        Message("roster.list", {"items": items}, protect_content=True, disable_notification=True),
    )


def when(shift: ShiftView) -> dict[str, str]:
    start, end = shift.starts_at.astimezone(team_zone()), shift.ends_at.astimezone(team_zone())
    return {"date": start.date().isoformat(), "start": f"{start:%H:%M}", "end": f"{end:%H:%M}"}


def _held_shifts(
    session: Session, since: datetime, exclude_shift_id: int | None
) -> dict[int, list[WorkShift]]:
    rows = session.execute(
        select(Assignment.inspector_id, Shift.starts_at, Shift.ends_at, Shift.planned_break_minutes)
        .join(Shift, Shift.id == Assignment.shift_id)
        .where(
            Shift.ends_at > since,
            Shift.status != ShiftStatus.CANCELLED,
            Assignment.status.in_(LIVE_ASSIGNMENTS),
            Shift.id != (exclude_shift_id if exclude_shift_id is not None else -1),
        )
    )
    held: dict[int, list[WorkShift]] = {}
    for inspector_id, starts_at, ends_at, break_minutes in rows:
        held.setdefault(inspector_id, []).append(WorkShift(starts_at, ends_at, break_minutes))
    return held


def _partners(session: Session, now: datetime) -> dict[int, set[int]]:
    """Who went with whom before: confirmed together on a shift that has ended (not cancelled)."""
    mate = aliased(Assignment)
    rows = session.execute(
        select(Assignment.inspector_id, mate.inspector_id)
        .distinct()
        .join(mate, (mate.shift_id == Assignment.shift_id) & (mate.inspector_id != Assignment.inspector_id))
        .join(Shift, Shift.id == Assignment.shift_id)
        .where(
            Shift.ends_at <= now,
            Shift.status != ShiftStatus.CANCELLED,
            Assignment.status == AssignmentStatus.CONFIRMED,
            mate.status == AssignmentStatus.CONFIRMED,
        )
    )
    found: dict[int, set[int]] = {}
    for inspector_id, partner in rows:
        found.setdefault(inspector_id, set()).add(partner)
    return found


def _minutes_since(session: Session, since: datetime) -> dict[int, int]:
    rows = session.execute(
        select(HourEntry.inspector_id, func.sum(HourEntry.worked_minutes))
        .where(HourEntry.starts_at >= since)
        .group_by(HourEntry.inspector_id)
    )
    return {inspector_id: int(total or 0) for inspector_id, total in rows}


def _grouped(rows: Iterable[Any], key: str) -> dict[int, list[Any]]:
    grouped: dict[int, list[Any]] = {}
    for row in rows:
        grouped.setdefault(getattr(row, key), []).append(row)
    return grouped

"""Planning control days (the coordinator, on the web and the API): add a day, have the
scheduling core propose pairs for the days still without people (and say why a day cannot be
staffed), accept, and edit who is on a day.

Proposed people are asked by the sweep (`attendance.ask_and_remind`), as for days planned
any other way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.models import Assignment, AssignmentStatus, Municipality, Shift, ShiftKind, ShiftStatus
from backend.services import audit, offers, outbox, planning
from backend.services.errors import NotFound, Refused
from backend.services.outbox import Message
from scheduling import roster
from scheduling.calendar import local_day_start
from scheduling.ort import on_whole_minutes

MAX_CONTROL = timedelta(hours=12)


def plan_control(
    session: Session,
    now: datetime,
    actor: str,
    municipality_id: int,
    starts_at: datetime,
    ends_at: datetime,
    break_minutes: int = 60,
) -> Shift:
    """A control day in a participating municipality, in the future, at most 12 hours long."""
    municipality = session.get(Municipality, municipality_id)
    if municipality is None or not municipality.is_participating:
        raise NotFound("municipality_id", "no participating municipality with this id", "not_participating")
    check_window(now, starts_at, ends_at)
    shift = Shift(
        kind=ShiftKind.CONTROL,
        municipality_id=municipality_id,
        starts_at=starts_at,
        ends_at=ends_at,
        planned_break_minutes=break_minutes,
        created_at=now,
    )
    session.add(shift)
    session.flush()
    audit.record(
        session, now, actor, "control.planned", f"shift:{shift.id}", {"municipality": municipality_id}
    )
    return shift


def check_window(now: datetime, starts_at: datetime, ends_at: datetime) -> None:
    """A control day's time: ahead, to the minute, ending after it starts, at most 12 hours long."""
    if ends_at <= starts_at or ends_at - starts_at > MAX_CONTROL:
        raise Refused(
            "the day must end after it starts and last at most 12 hours", field="end", code="window_length"
        )
    if starts_at <= now:
        raise Refused("a control day is planned ahead", field="day", code="planned_ahead")
    if not on_whole_minutes(starts_at, ends_at):
        raise Refused("times are kept to the minute", field="start", code="whole_minutes")


def without_people(session: Session, first: date, last: date) -> list[Shift]:
    """Planned control days in [first, last] with nobody on them yet, in order."""
    staffed = select(Assignment.shift_id).where(Assignment.status.in_(planning.LIVE_ASSIGNMENTS))
    return list(
        session.execute(
            select(Shift)
            .where(
                Shift.kind == ShiftKind.CONTROL,
                Shift.status == ShiftStatus.PLANNED,
                Shift.starts_at >= local_day_start(first),
                Shift.starts_at < local_day_start(last + timedelta(days=1)),
                Shift.id.not_in(staffed),
            )
            .order_by(Shift.starts_at, Shift.id)
        ).scalars()
    )


@dataclass(frozen=True)
class Plan:
    shifts: list[Shift]
    proposal: roster.Proposal


def propose(session: Session, now: datetime, first: date, last: date) -> Plan:
    """The core's proposal for the days without people (fair by pledge, trained, mixed, rested)."""
    shifts = [s for s in without_people(session, first, last) if s.starts_at > now]
    return Plan(shifts, planning.propose_roster(session, shifts, now))


def accept(session: Session, now: datetime, actor: str, first: date, last: date) -> int:
    """Propose again (the same state gives the same pairs) and record the pairs; returns people assigned."""
    plan = propose(session, now, first, last)
    made = planning.assign_proposal(session, plan.shifts, plan.proposal, now)
    audit.record(
        session,
        now,
        actor,
        "control.proposal_accepted",
        f"period:{first.isoformat()}",
        {"end": last.isoformat(), "assigned": made, "unstaffed": len(plan.proposal.unstaffed)},
    )
    return made


def add_person(session: Session, now: datetime, actor: str, shift_id: int, inspector_id: int) -> None:
    """Put someone on a control day by hand; only someone who may go (designated, within the law)."""
    shift = _control(session, shift_id)
    allowed = offers.eligibility(session, now, shift, ignore_unavailable=True)
    if inspector_id not in {m.inspector_id for m in allowed.ranked}:
        why = next((e.reasons for e in allowed.excluded if e.inspector_id == inspector_id), ())
        raise Refused(
            "this inspector may not go on this day",
            field="inspector_id",
            code="may_not_go_day",
            reason=why[0] if why else None,
        )
    existing = session.execute(
        select(Assignment).where(Assignment.shift_id == shift_id, Assignment.inspector_id == inspector_id)
    ).scalar_one_or_none()
    if existing is not None and existing.status in planning.LIVE_ASSIGNMENTS:
        return
    if existing is not None:
        existing.status, existing.asked_at, existing.version = (
            AssignmentStatus.PROPOSED,
            None,
            existing.version + 1,
        )
    else:
        session.add(Assignment(shift_id=shift_id, inspector_id=inspector_id, created_at=now))
    session.flush()
    audit.record(
        session, now, actor, "control.person_added", f"shift:{shift_id}", {"inspector": inspector_id}
    )


def remove_person(session: Session, now: datetime, actor: str, shift_id: int, inspector_id: int) -> None:
    """Take someone off a control day by hand; if they were asked already, the bot tells them."""
    shift = _control(session, shift_id)
    found = session.execute(
        select(Assignment).where(Assignment.shift_id == shift_id, Assignment.inspector_id == inspector_id)
    ).scalar_one_or_none()
    if found is None or found.status not in planning.LIVE_ASSIGNMENTS:
        raise NotFound("inspector_id", "this inspector is not on this day", "not_on_day")
    found.status, found.version = AssignmentStatus.RELEASED, found.version + 1
    if found.asked_at is not None:
        to = offers.inspector(session, inspector_id)
        outbox.send(session, now, to, Message("control.removed", planning.when(shift)))
    audit.record(
        session, now, actor, "control.person_removed", f"shift:{shift_id}", {"inspector": inspector_id}
    )


def _control(session: Session, shift_id: int) -> Shift:
    shift = session.get(Shift, shift_id)
    if shift is None or shift.kind is not ShiftKind.CONTROL or shift.status is ShiftStatus.CANCELLED:
        raise NotFound("shift_id", "no planned control day with this id", "no_control_day")
    return shift

"""Control days that move or are cancelled (dates agreed with the police shift; a control waits while
the police have an investigation running), and the reason a call-out was cancelled.

Each change keeps the times before it, who made it, when and why in `shift_changes` (the reason
sealed, erased `retention` after the shift like a call-out's notes); the shift holds what is now.
Open offers (cover requests included) are withdrawn. Who is on a moved day is asked again for the new
day (the sweep's request, `controls.ask_and_remind`); a cancelled day keeps its people as history and
counts nowhere (the evaluation shows it apart). Each person on it gets a short message: the new day
and time ring, the place follows silently (the lock-screen rule).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from backend.db import rows_changed
from backend.models import (
    AssignmentStatus,
    Municipality,
    Shift,
    ShiftChange,
    ShiftChangeKind,
    ShiftKind,
    ShiftStatus,
)
from backend.services import audit, controls, offers, outbox, planning
from backend.services.errors import NotFound, Refused
from backend.services.outbox import Message

REASON_LENGTH = 300


@dataclass(frozen=True)
class ChangeView:
    """A change as pages and the API show it."""

    shift_id: int
    kind: str
    shift_kind: str
    municipality: str
    old_starts_at: datetime
    old_ends_at: datetime
    new_starts_at: datetime | None
    new_ends_at: datetime | None
    reason: str | None
    changed_by: str
    changed_at: datetime


def move_control(
    session: Session,
    now: datetime,
    actor: str,
    shift_id: int,
    starts_at: datetime,
    ends_at: datetime,
    reason: str,
) -> ShiftChange:
    """Move a control day that has not begun; everyone on it is asked again for the new day."""
    shift = _open_control(session, now, shift_id)
    why = _reason(reason, required=True)
    controls.check_window(now, starts_at, ends_at)
    if (starts_at, ends_at) == (shift.starts_at, shift.ends_at):
        raise Refused("the day is already at this time", field="day")
    change = _record(session, now, actor, shift, ShiftChangeKind.MOVED, why, (starts_at, ends_at))
    old_date = planning.when(shift)["date"]
    offers.withdraw_all(session, now, shift)  # before the move: the withdrawn offers name the old day
    shift.starts_at, shift.ends_at, shift.version = starts_at, ends_at, shift.version + 1
    for assignment in offers.assignments_of(session, shift.id):
        assignment.status, assignment.version = AssignmentStatus.PROPOSED, assignment.version + 1
        assignment.asked_at = assignment.confirmed_at = None
        assignment.day_reminder_at = assignment.morning_reminder_at = None
        _tell(session, now, assignment.inspector_id, shift, "control.moved", {"old_date": old_date})
    audit.record(session, now, actor, "control.moved", f"shift:{shift.id}", {"change": change.id})
    return change


def cancel_control(session: Session, now: datetime, actor: str, shift_id: int, reason: str) -> ShiftChange:
    """Cancel a control day that has not begun; its people are told, open offers withdrawn."""
    shift = _open_control(session, now, shift_id)
    change = _record(session, now, actor, shift, ShiftChangeKind.CANCELLED, _reason(reason, required=True))
    shift.status, shift.version = ShiftStatus.CANCELLED, shift.version + 1
    offers.withdraw_all(session, now, shift)
    for assignment in offers.assignments_of(session, shift.id):
        _tell(session, now, assignment.inspector_id, shift, "control.cancelled", {})
    audit.record(session, now, actor, "control.cancelled", f"shift:{shift.id}", {"change": change.id})
    return change


def record_callout_cancel(
    session: Session, now: datetime, actor: str, shift: Shift, reason: str | None
) -> None:
    """The history line of a cancelled call-out (`callouts.cancel` does the rest); the reason optional."""
    _record(session, now, actor, shift, ShiftChangeKind.CANCELLED, _reason(reason or "", required=False))


def changes_between(session: Session, start: datetime, end: datetime) -> list[ChangeView]:
    """Changes to shifts that were, or now are, in [start, end), oldest first."""
    return _views(
        session,
        or_(
            and_(ShiftChange.old_starts_at >= start, ShiftChange.old_starts_at < end),
            and_(ShiftChange.new_starts_at >= start, ShiftChange.new_starts_at < end),
        ),
    )


def view_of(session: Session, change: ShiftChange) -> ChangeView:
    return _views(session, ShiftChange.id == change.id)[0]


def _views(session: Session, condition: Any) -> list[ChangeView]:
    rows = session.execute(
        select(ShiftChange, Shift.kind, Municipality.name)
        .join(Shift, Shift.id == ShiftChange.shift_id)
        .join(Municipality, Municipality.id == Shift.municipality_id)
        .where(condition)
        .order_by(ShiftChange.changed_at, ShiftChange.id)
    ).all()
    return [
        ChangeView(
            c.shift_id,
            c.kind.value,
            kind.value,
            name,
            c.old_starts_at,
            c.old_ends_at,
            c.new_starts_at,
            c.new_ends_at,
            c.reason,
            c.changed_by,
            c.changed_at,
        )
        for c, kind, name in rows
    ]


def purge_reasons(session: Session, now: datetime, retention: timedelta) -> int:
    """Erase the reasons of changes to shifts that ended longer than `retention` ago; returns how many."""
    ended = select(Shift.id).where(Shift.ends_at < now - retention)
    return rows_changed(
        session,
        update(ShiftChange)
        .where(ShiftChange.reason.is_not(None), ShiftChange.shift_id.in_(ended))
        .values(reason=None),
    )


def _open_control(session: Session, now: datetime, shift_id: int) -> Shift:
    shift = session.execute(select(Shift).where(Shift.id == shift_id).with_for_update()).scalar_one_or_none()
    if shift is None or shift.kind is not ShiftKind.CONTROL or shift.status is ShiftStatus.CANCELLED:
        raise NotFound("shift_id", "no planned control day with this id")
    if shift.starts_at <= now:
        raise Refused("this control day has begun; it can no longer be moved or cancelled", field="shift_id")
    return shift


def _reason(text: str, *, required: bool) -> str | None:
    reason = text.strip()
    if required and not reason:
        raise Refused("give the reason", field="reason")
    if len(reason) > REASON_LENGTH:
        raise Refused("the reason is at most 300 characters", field="reason")
    return reason or None


def _record(
    session: Session,
    now: datetime,
    actor: str,
    shift: Shift,
    kind: ShiftChangeKind,
    reason: str | None,
    new: tuple[datetime, datetime] | None = None,
) -> ShiftChange:
    new_starts_at, new_ends_at = new or (None, None)
    change = ShiftChange(
        shift_id=shift.id,
        kind=kind,
        old_starts_at=shift.starts_at,
        old_ends_at=shift.ends_at,
        new_starts_at=new_starts_at,
        new_ends_at=new_ends_at,
        reason=reason,
        changed_by=actor,
        changed_at=now,
    )
    session.add(change)
    session.flush()
    return change


def _tell(
    session: Session, now: datetime, inspector_id: int, shift: Shift, template: str, extra: dict[str, str]
) -> None:
    """The new day and time ring; the municipality (and the old day) follow silently."""
    params = {**planning.when(shift), **extra, "municipality": offers.municipality_name(session, shift)}
    outbox.send(
        session,
        now,
        offers.inspector(session, inspector_id),
        Message(template, params, protect_content=True, heads_up=f"{template}_alert"),
    )

"""Leave and other days off: marked by the inspector in the bot (/afwezig) or by the coordinator on
the web and the API, in whole local days. The roster proposal, call-out offers and cover requests
read them through `planning.team` and leave the inspector out; a widened call-out still asks them
(their choice, as before).

The reason is optional and sealed; the audit log holds ids and days only. A period is erased
`retention` after it ended (`purge_ended`): the evaluation does not need it.
The bot's walk (/afwezig) is bot/conversations/leave.py; it calls `mark` and `remove` as the web does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from backend.db import rows_changed
from backend.models import Assignment, Inspector, Shift, ShiftStatus, Unavailability
from backend.services import audit, planning
from backend.services.errors import NotFound, Refused
from scheduling.calendar import local_date, local_day_start

LONGEST = timedelta(days=366)
"""One period at most this long: a year's leave; longer is an inspector leaving the team."""
REASON_LENGTH = 200


@dataclass(frozen=True)
class Leave:
    """A marked period as pages, the API and the bot show it."""

    id: int
    inspector_id: int
    first: date
    last: date
    reason: str | None
    created_by: str


def mark(
    session: Session,
    now: datetime,
    actor: str,
    inspector_id: int,
    first: date,
    last: date,
    reason: str | None = None,
) -> Leave:
    """Mark `inspector_id` unavailable from `first` to `last` (both included, local days)."""
    person = session.get(Inspector, inspector_id)
    if person is None or not person.is_active:
        raise NotFound("inspector_id", "no active inspector with this id")
    if last < first:
        raise Refused("the last day is before the first", field="last")
    if first < local_date(now):
        raise Refused("days off are marked from today on", field="first")
    if last - first >= LONGEST:
        raise Refused("one period is at most a year", field="last")
    reason = (reason or "").strip() or None
    if reason is not None and len(reason) > REASON_LENGTH:
        raise Refused("the reason is at most 200 characters", field="reason")
    row = Unavailability(
        inspector_id=inspector_id,
        starts_at=local_day_start(first),
        ends_at=local_day_start(last + timedelta(days=1)),
        reason=reason,
        created_by=actor,
        created_at=now,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        now,
        actor,
        "leave.marked",
        f"inspector:{inspector_id}",
        {"leave": row.id, "first": first.isoformat(), "last": last.isoformat()},
    )
    return _view(row)


def remove(session: Session, now: datetime, actor: str, leave_id: int, own: int | None = None) -> None:
    """Remove a marked period; with `own`, only if it is that inspector's."""
    row = session.get(Unavailability, leave_id)
    if row is None or (own is not None and row.inspector_id != own):
        raise NotFound("leave_id", "no days off with this id")
    audit.record(session, now, actor, "leave.removed", f"inspector:{row.inspector_id}", {"leave": row.id})
    session.delete(row)
    session.flush()


def upcoming(session: Session, now: datetime, inspector_id: int | None = None) -> list[Leave]:
    """Periods not yet over, soonest first; everyone's, or one inspector's."""
    query = select(Unavailability).where(Unavailability.ends_at > now)
    if inspector_id is not None:
        query = query.where(Unavailability.inspector_id == inspector_id)
    rows = session.execute(query.order_by(Unavailability.starts_at, Unavailability.id)).scalars()
    return [_view(row) for row in rows]


def clashes(session: Session, leave: Leave) -> list[Shift]:
    """Shifts the inspector is still on during the period: they ask for cover, as before."""
    return list(
        session.execute(
            select(Shift)
            .join(Assignment, Assignment.shift_id == Shift.id)
            .where(
                Assignment.inspector_id == leave.inspector_id,
                Assignment.status.in_(planning.LIVE_ASSIGNMENTS),
                Shift.status != ShiftStatus.CANCELLED,
                Shift.starts_at < local_day_start(leave.last + timedelta(days=1)),
                Shift.ends_at > local_day_start(leave.first),
            )
            .order_by(Shift.starts_at)
        ).scalars()
    )


def purge_ended(session: Session, now: datetime, retention: timedelta) -> int:
    """Erase periods that ended longer than `retention` ago; returns how many."""
    return rows_changed(session, delete(Unavailability).where(Unavailability.ends_at < now - retention))


def _view(row: Unavailability) -> Leave:
    last = local_date(row.ends_at - timedelta(seconds=1))
    return Leave(row.id, row.inspector_id, local_date(row.starts_at), last, row.reason, row.created_by)

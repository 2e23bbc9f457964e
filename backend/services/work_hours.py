"""Work outside shifts: the coordinator's coordination, and the team's preparation, training and peer review.

The plan budgets the coordinator's hours as a line of their own (416 a year for
Fryslân) and expects inspectors to keep their expertise up (seed 000 §2.9, seed 001
on intervisie). These hours go into the same ledger as shift hours, without a shift,
split over the allowance bands as every entry is: office hours on a weekday are
plain minutes and earn no allowance.

The coordinator is an inspector of the coordinating municipality (`Inspector.is_coordinator`;
her web account points at that record through `WebUser.inspector_id`), so her hours
are credited to her employer like anyone's, at the rate of the budget line of their
category (`settlement.line_for`: coordination at the coordinator line). Who approves
what is the ledger's rule (`ledger.may_approve`): the coordinator approves the
inspectors', finance or admin approves hers.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from backend.models import OFF_SHIFT, HourCategory, HourEntry, Inspector, WebUser
from backend.services import ledger
from backend.services.errors import NotFound, Refused
from scheduling.ort import Span


def record_work(
    session: Session,
    now: datetime,
    actor: str,
    *,
    inspector_id: int,
    category: HourCategory,
    starts_at: datetime,
    ends_at: datetime,
    breaks: Sequence[Span] = (),
) -> HourEntry:
    """An entry of work outside shifts, for the inspector's own municipality; refused for a shift's
    category, coordination by anyone but the coordinator, or time that overlaps hours already booked
    (which also stops a double tap from booking twice)."""
    if category not in OFF_SHIFT:
        raise Refused(
            "only coordination, preparation, training and peer review are booked without a shift",
            field="category",
        )
    person = session.get(Inspector, inspector_id)
    if person is None or not person.is_active:
        raise NotFound("inspector_id", "no active inspector with this id")
    if category is HourCategory.COORDINATION and not person.is_coordinator:
        raise Refused("coordination hours are the coordinator's", field="category")
    if overlapping(session, inspector_id, starts_at, ends_at):
        raise Refused("these hours overlap hours already booked", field="starts_at")
    return ledger.record(
        session,
        now,
        actor,
        inspector_id=inspector_id,
        municipality_id=person.employer_id,
        category=category,
        starts_at=starts_at,
        ends_at=ends_at,
        breaks=breaks,
    )


def overlapping(session: Session, inspector_id: int, starts_at: datetime, ends_at: datetime) -> bool:
    """Whether the inspector has a standing entry (not a reversal, not reversed) overlapping the span."""
    reversal = aliased(HourEntry)
    return (
        session.execute(
            select(HourEntry.id)
            .where(
                HourEntry.inspector_id == inspector_id,
                HourEntry.reverses_id.is_(None),
                ~select(reversal.id).where(reversal.reverses_id == HourEntry.id).exists(),
                HourEntry.starts_at < ends_at,
                HourEntry.ends_at > starts_at,
            )
            .limit(1)
        ).first()
        is not None
    )


def own_inspector(session: Session, user_id: int | None) -> int | None:
    """The inspector record of a web user who also works (the coordinator's own), if any."""
    if user_id is None:
        return None
    user = session.get(WebUser, user_id)
    return user.inspector_id if user is not None else None


def coordinator_pending(
    session: Session, start: date | None = None, end: date | None = None
) -> list[ledger.Pending]:
    """The approval lines of the coordinator's own hours: finance's or admin's to approve. Chosen in
    SQL: the team's lines are ten times as many at ten times the pilot, the coordinator's are not."""
    return ledger.pending(session, start, end, of=select(Inspector.id).where(Inspector.is_coordinator))


def coordinator_ids(session: Session) -> set[int]:
    """The inspectors whose hours finance or admin approve (the coordinators)."""
    return set(session.execute(select(Inspector.id).where(Inspector.is_coordinator)).scalars())

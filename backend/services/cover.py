"""Someone drops out of the shifts they are on (their phone was cut off): each shift that loses
them looks for cover at once, the colleague who stays and the coordinator are told.

The one who drops out stays on a shift as "cover requested" until a colleague takes over,
exactly as when an inspector asks for cover themselves (`controls.answer`), so a shift never
shows fewer people than it has and the same pairing rule completes it
(`callouts.answer_offer` -> `controls.complete_cover`). A shift that has begun is not offered
again; the coordinator hears of it to act by phone.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.models import Assignment, AssignmentStatus, Callout, Inspector, Shift, ShiftStatus
from backend.services import offers, outbox, planning
from backend.services.outbox import Message


def drop_out(session: Session, now: datetime, leaving: Inspector) -> int:
    """Take `leaving` off every shift still to come or under way; returns how many shifts lose them."""
    rows = session.execute(
        select(Assignment, Shift)
        .join(Shift, Shift.id == Assignment.shift_id)
        .where(
            Assignment.inspector_id == leaving.id,
            Assignment.status.in_((AssignmentStatus.PROPOSED, AssignmentStatus.CONFIRMED)),
            Shift.status != ShiftStatus.CANCELLED,
            Shift.ends_at > now,
        )
        .order_by(Shift.starts_at)
    ).all()
    name = offers.inspector(session, leaving.id, first_name=True).first_name
    for assignment, shift in rows:
        assignment.status, assignment.version = AssignmentStatus.COVER_REQUESTED, assignment.version + 1
        session.flush()
        _seek_cover(session, now, shift, name)
    return len(rows)


def _seek_cover(session: Session, now: datetime, shift: Shift, name: str) -> None:
    details = {**planning.when(shift), "municipality": offers.municipality_name(session, shift)}
    callout = session.execute(select(Callout).where(Callout.shift_id == shift.id)).scalar_one_or_none()
    begun = shift.starts_at <= now
    offered = (
        0
        if begun
        else offers.offer_shift(
            session,
            now,
            shift,
            {**details, **({"source": callout.source.value} if callout else {})},
            cover=True,
        )
    )
    staying = [
        offers.inspector(session, a.inspector_id, first_name=True)
        for a in offers.assignments_of(session, shift.id, standing=True)
    ]
    for colleague in staying:
        outbox.send(
            session,
            now,
            colleague,
            Message(
                "cover.colleague_lost",
                {**details, "name": name},
                protect_content=True,
                heads_up="cover.colleague_lost_alert",
            ),
        )
    template = (
        "coordinator.revoked_started"
        if begun
        else ("coordinator.revoked" if staying else "coordinator.revoked_alone")
    )
    outbox.to_coordinators(
        session,
        now,
        Message(
            template,
            {
                **details,
                "name": name,
                "offered": offered,
                "colleague": ", ".join(c.first_name for c in staying),
            },
            protect_content=True,
            heads_up="coordinator.revoked_alert",
        ),
    )

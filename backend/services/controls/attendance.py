"""Attendance on planned control days: the request to confirm, reminders the day before and on the
morning, and cover when an inspector cannot make it.

The request asks about the assignment at its version; the bot offers "I can go" and "I cannot
make it", and `answer` takes the answer. "Cannot make it"
keeps the inspector on the shift (status cover_requested) until a colleague
takes it over, so a day is never left with fewer people than before; the cover
is offered like a call-out and filled by the same pairing rule.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, time, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from backend.db import rows_changed
from backend.models import Assignment, AssignmentStatus, Inspector, Shift, ShiftKind, ShiftStatus
from backend.services import audit, offers, outbox, planning, profile
from backend.services.outbox import Message
from scheduling.calendar import local_date, local_instant

CONFIRM_AHEAD = timedelta(days=14)
"""A proposed control day is put to the inspector this long before it starts."""
DAY_BEFORE = timedelta(hours=24)
MORNING = time(8, 0)


def ask_and_remind(session: Session, now: datetime) -> tuple[int, int]:
    """The job: ask to confirm control days coming up, and remind everyone on a shift the day
    before and on the morning. Returns (requests, reminders); each is sent once (compare-and-set).

    Only someone with a linked phone is asked (and marked asked): whoever links a phone later is
    asked at the next run; until then the planning page shows the coordinator who cannot be reached."""
    requests = 0
    for assignment, shift in session.execute(
        select(Assignment, Shift)
        .join(Shift, Shift.id == Assignment.shift_id)
        .join(Inspector, Inspector.id == Assignment.inspector_id)
        .where(
            Inspector.telegram_index.is_not(None),
            Inspector.revoked_at.is_(None),
            Shift.kind == ShiftKind.CONTROL,
            Shift.status != ShiftStatus.CANCELLED,
            Shift.starts_at > now,
            Shift.starts_at <= now + CONFIRM_AHEAD,
            Assignment.status == AssignmentStatus.PROPOSED,
            Assignment.asked_at.is_(None),
        )
        .order_by(Shift.starts_at, Assignment.id)
    ).all():
        if _claim(session, assignment, now, "asked_at"):
            _send_request(session, now, assignment, shift, "control.ask")
            requests += 1
    reminders = 0
    for assignment, shift in session.execute(
        select(Assignment, Shift)
        .join(Shift, Shift.id == Assignment.shift_id)
        .where(
            Shift.status != ShiftStatus.CANCELLED,
            Shift.starts_at > now,
            Shift.starts_at <= now + DAY_BEFORE,
            Assignment.status.in_(planning.LIVE_ASSIGNMENTS),
        )
        .order_by(Shift.starts_at, Assignment.id)
    ).all():
        reminders += _remind(session, now, assignment, shift)
    return requests, reminders


def confirm_day(session: Session, now: datetime, inspector_id: int, assignment_id: int, version: int) -> str:
    """The inspector will be there (the request as they saw it, at `version`)."""
    return answer(session, now, inspector_id, assignment_id, version, can_go=True)


def request_cover(
    session: Session, now: datetime, inspector_id: int, assignment_id: int, version: int
) -> str:
    """The inspector cannot make it: they stay on the day until a colleague takes it over."""
    return answer(session, now, inspector_id, assignment_id, version, can_go=False)


def answer(
    session: Session, now: datetime, inspector_id: int, assignment_id: int, version: int, can_go: bool
) -> str:
    """Confirm the day, or ask for cover; returns the callback answer's template key."""
    assignment = session.get(Assignment, assignment_id)
    if assignment is None or assignment.inspector_id != inspector_id:
        return "callback.stale"
    shift = session.execute(
        select(Shift).where(Shift.id == assignment.shift_id).with_for_update()
    ).scalar_one()
    if shift.status is ShiftStatus.CANCELLED or shift.starts_at <= now:
        return "callback.stale"
    allowed = (
        [AssignmentStatus.PROPOSED] if can_go else [AssignmentStatus.PROPOSED, AssignmentStatus.CONFIRMED]
    )
    status = AssignmentStatus.CONFIRMED if can_go else AssignmentStatus.COVER_REQUESTED
    changed = rows_changed(
        session,
        update(Assignment)
        .where(Assignment.id == assignment.id, Assignment.version == version, Assignment.status.in_(allowed))
        .values(
            status=status,
            version=Assignment.version + 1,
            confirmed_at=now if can_go else Assignment.confirmed_at,
        ),
    )
    if changed != 1:
        return "callback.stale"
    session.refresh(assignment)
    actor = f"inspector:{inspector_id}"
    if can_go:
        _edit_request(
            session,
            now,
            assignment,
            shift,
            "control.confirmed",
            asks=True,
        )
        _tell_who_joins(session, now, assignment, shift)
        audit.record(session, now, actor, "assignment.confirmed", f"assignment:{assignment.id}")
        return "callback.confirmed"
    _edit_request(session, now, assignment, shift, "control.cover_asked", asks=False)
    details = _details(session, shift)
    offered = offers.offer_shift(session, now, shift, details, cover=True)
    leaving = offers.inspector(session, inspector_id, first_name=True)
    outbox.to_coordinators(
        session,
        now,
        Message(
            "coordinator.cover_requested",
            {**details, "name": leaving.first_name, "offered": offered},
            protect_content=True,
            heads_up="coordinator.cover_requested_alert",
        ),
    )
    audit.record(
        session, now, actor, "assignment.cover_requested", f"assignment:{assignment.id}", {"offered": offered}
    )
    return "callback.cover"


def complete_cover(session: Session, now: datetime, shift: planning.ShiftView, pair: Collection[int]) -> None:
    """The pair stands again: who asked for cover is released, who takes over is confirmed,
    the colleague who stays and the coordinator hear who it is now."""
    standing = {a.inspector_id for a in offers.assignments_of(session, shift.id, standing=True)}
    leaving = [
        a for a in offers.assignments_of(session, shift.id) if a.status is AssignmentStatus.COVER_REQUESTED
    ]
    people = {
        i: offers.inspector(session, i, first_name=True) for i in {*pair, *(a.inspector_id for a in leaving)}
    }
    details = _details(session, shift)
    newcomers = [i for i in pair if i not in standing]
    for assignment in leaving:
        assignment.status, assignment.version = AssignmentStatus.RELEASED, assignment.version + 1
        _edit_request(session, now, assignment, shift, "control.cover_asked", asks=False)
        outbox.send(
            session,
            now,
            people[assignment.inspector_id],
            Message(
                "control.covered",
                {**planning.when(shift), "colleague": ", ".join(people[i].first_name for i in newcomers)},
                protect_content=True,
                heads_up="control.covered_alert",
            ),
        )
    for member in pair:
        colleague = next(people[i].first_name for i in pair if i != member)
        if member in standing:
            outbox.send(
                session,
                now,
                people[member],
                Message(
                    "cover.new_colleague",
                    {**details, "colleague": colleague},
                    protect_content=True,
                    heads_up="cover.new_colleague_alert",
                ),
            )
            continue
        session.add(
            Assignment(
                shift_id=shift.id,
                inspector_id=member,
                status=AssignmentStatus.CONFIRMED,
                confirmed_at=now,
                asked_at=now,
                created_at=now,
            )
        )
        offer = offers.offer_of(session, shift.id, member)
        if offer is not None:
            offers.tell(session, now, offer, Message("offer.confirmed", planning.when(shift)))
        outbox.send(
            session,
            now,
            people[member],
            Message(
                "cover.confirmed",
                {**details, "colleague": colleague},
                protect_content=True,
                heads_up="cover.confirmed_alert",
            ),
        )
    session.flush()
    outbox.to_coordinators(
        session,
        now,
        Message(
            "coordinator.swap",
            {
                **details,
                "out": ", ".join(people[a.inspector_id].first_name for a in leaving),
                "in": ", ".join(people[i].first_name for i in newcomers),
            },
            protect_content=True,
            heads_up="coordinator.swap_alert",
        ),
    )
    audit.record(
        session,
        now,
        "system",
        "shift.covered",
        f"shift:{shift.id}",
        {"released": [a.inspector_id for a in leaving], "joined": newcomers},
    )


def _remind(session: Session, now: datetime, assignment: Assignment, shift: Shift) -> int:
    """The morning reminder once it is due (and then no day-before one any more), else the day-before one.
    Nobody is reminded of a shift they took on after the moment of the reminder."""
    morning = local_instant(local_date(shift.starts_at), MORNING)
    if morning <= now and morning < shift.starts_at and assignment.created_at < morning:
        if _claim(session, assignment, now, "morning_reminder_at"):
            session.execute(
                update(Assignment)
                .where(Assignment.id == assignment.id, Assignment.day_reminder_at.is_(None))
                .values(day_reminder_at=now)
            )
            _tell(session, now, assignment, shift, "shift.today")
            return 1
        return 0
    day_before = shift.starts_at - DAY_BEFORE
    if (
        day_before <= now
        and assignment.created_at < day_before
        and _claim(session, assignment, now, "day_reminder_at")
    ):
        if assignment.status is AssignmentStatus.PROPOSED:
            _send_request(session, now, assignment, shift, "control.unconfirmed")
            name = offers.inspector(session, assignment.inspector_id, first_name=True).first_name
            outbox.to_coordinators(
                session,
                now,
                Message(
                    "coordinator.unconfirmed",
                    {**_details(session, shift), "name": name},
                    protect_content=True,
                    heads_up="coordinator.unconfirmed_alert",
                ),
            )
        else:
            _tell(session, now, assignment, shift, "shift.tomorrow")
        return 1
    return 0


def _tell(session: Session, now: datetime, assignment: Assignment, shift: Shift, template: str) -> None:
    """A shift reminder: the day and time ring, the place follows silently."""
    outbox.send(
        session,
        now,
        offers.inspector(session, assignment.inspector_id),
        Message(template, _details(session, shift), heads_up=f"{template}_alert"),
    )


def _tell_who_joins(session: Session, now: datetime, assignment: Assignment, shift: Shift) -> None:
    """The organisations that join controls (the team's profile), by name only, silently: the pair
    should know who else will be there before the day."""
    joining = list(profile.organisations(session))
    if joining:
        outbox.send(
            session,
            now,
            offers.inspector(session, assignment.inspector_id),
            Message(
                "control.joining",
                {**planning.when(shift), "organisations": "; ".join(joining)},
                disable_notification=True,
            ),
        )


def _claim(session: Session, assignment: Assignment, now: datetime, column: str) -> bool:
    stamp = getattr(Assignment, column)
    return (
        rows_changed(
            session,
            update(Assignment).where(Assignment.id == assignment.id, stamp.is_(None)).values({column: now}),
        )
        == 1
    )


def _send_request(
    session: Session, now: datetime, assignment: Assignment, shift: Shift, template: str
) -> None:
    outbox.send(
        session,
        now,
        offers.inspector(session, assignment.inspector_id),
        Message(template, _details(session, shift), about=_about(assignment), heads_up=f"{template}_alert"),
        ref=_ref(assignment),
    )


def _edit_request(
    session: Session,
    now: datetime,
    assignment: Assignment,
    shift: planning.ShiftView,
    template: str,
    *,
    asks: bool,
) -> None:
    """The request now says `template`; with `asks`, it still takes an answer (at the new version)."""
    outbox.edit(
        session,
        now,
        offers.inspector(session, assignment.inspector_id),
        _ref(assignment),
        Message(template, _details(session, shift), about=_about(assignment) if asks else {}),
    )


def _details(session: Session, shift: planning.ShiftView) -> dict[str, str]:
    return {**planning.when(shift), "municipality": offers.municipality_name(session, shift)}


def _about(assignment: Assignment) -> dict[str, int]:
    """What an answer to the request refers to: the assignment as it stands (its version)."""
    return {"assignment": assignment.id, "version": assignment.version}


def _ref(assignment: Assignment) -> str:
    return f"control:{assignment.id}"

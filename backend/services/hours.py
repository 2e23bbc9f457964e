"""An inspector's hours from the chat: asked when a shift ends, recorded (`record_hours`) once
confirmed or corrected, naming the report writer (whose time is `report_hours`), and the month's
summary. The walk through start, end and break is the bot's (bot/conversations/hours.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from backend.db import rows_changed
from backend.models import (
    Assignment,
    HourCategory,
    HourEntry,
    Inspector,
    Report,
    Shift,
    ShiftKind,
    ShiftStatus,
)
from backend.services import ledger, offers, outbox, planning, report_hours
from backend.services.errors import Refused
from backend.services.outbox import Message
from scheduling import ort
from scheduling.calendar import local_day_start, team_zone

ASK_WITHIN = timedelta(days=3)
"""A shift that ended longer ago (the bot was down for days) is left to the coordinator."""
CATEGORY = {
    ShiftKind.CONTROL: HourCategory.CONTROL,
    ShiftKind.CALLOUT: HourCategory.CALLOUT,
    ShiftKind.COORDINATION: HourCategory.COORDINATION,
}


def ask_after_shifts(session: Session, now: datetime) -> int:
    """The job: ask everyone on a shift that has just ended for their hours, and name the report writer."""
    rows = session.execute(
        select(Assignment, Shift)
        .join(Shift, Shift.id == Assignment.shift_id)
        .where(
            Shift.ends_at <= now,
            Shift.ends_at > now - ASK_WITHIN,
            Shift.status != ShiftStatus.CANCELLED,
            Assignment.status.in_(planning.LIVE_ASSIGNMENTS),
            Assignment.hours_asked_at.is_(None),
        )
        .order_by(Shift.id, Assignment.id)
    ).all()
    asked = 0
    ended: dict[int, Shift] = {}
    for assignment, shift in rows:
        claimed = rows_changed(
            session,
            update(Assignment)
            .where(Assignment.id == assignment.id, Assignment.hours_asked_at.is_(None))
            .values(hours_asked_at=now),
        )
        if claimed != 1:
            continue
        shift.status = ShiftStatus.DONE
        inspector = session.get_one(Inspector, assignment.inspector_id)
        planned = _planned(shift)
        outbox.send(
            session,
            now,
            inspector,
            Message(
                "hours.ask",
                {"date": planned["date"], "municipality": offers.municipality_name(session, shift)},
                about={**_about(assignment), "planned": planned},
                heads_up="hours.ask_alert",
            ),
            ref=_ref(assignment),
        )
        asked += 1
        ended[shift.id] = shift
    for shift in ended.values():
        _name_report_writer(session, now, shift)
    return asked


def send_month_summary(session: Session, now: datetime, inspector: Inspector) -> None:
    """Queue this month's worked hours and how much of them still waits for approval."""
    local = now.astimezone(team_zone()).date()
    month_start = local_day_start(local.replace(day=1))
    base = select(func.coalesce(func.sum(HourEntry.worked_minutes), 0)).where(
        HourEntry.inspector_id == inspector.id, HourEntry.starts_at >= month_start
    )
    worked = session.execute(base).scalar_one()
    waiting = session.execute(base.where(ledger.is_unapproved_entry())).scalar_one()
    outbox.send(
        session,
        now,
        inspector,
        Message(
            "hours.summary",
            {"month": f"{local:%Y-%m}", "worked": hours_text(worked), "waiting": hours_text(waiting)},
            disable_notification=True,
        ),
    )


def record_hours(
    session: Session, now: datetime, inspector: Inspector, assignment: Assignment, worked: Worked
) -> str:
    """Record (or correct) the inspector's hours of the assignment's shift, once per version of the
    question; the message then shows them, with a way to correct them again. Returns the chat's
    answer key: a stale question, hours that cannot be counted yet, or already approved ones."""
    shift = session.get_one(Shift, assignment.shift_id)
    breaks = [worked.pause] if worked.pause else []
    if worked.minutes <= 0:
        return "callback.stale"
    uncountable = report_hours.uncountable(session, worked.starts_at, worked.ends_at, breaks)
    if uncountable is not None:
        return uncountable  # before the claim: the question stays open for a tap once it can be counted
    claimed = rows_changed(
        session,
        update(Assignment)
        .where(Assignment.id == assignment.id, Assignment.version == assignment.version)
        .values(version=Assignment.version + 1),
    )
    if claimed != 1:
        return "callback.stale"
    session.refresh(assignment)
    actor = f"inspector:{inspector.id}"
    current = ledger.current_entry(session, inspector.id, shift.id)
    try:
        if current is None:
            entry = ledger.record(
                session,
                now,
                actor,
                inspector_id=inspector.id,
                municipality_id=shift.municipality_id,
                category=CATEGORY[shift.kind],
                starts_at=worked.starts_at,
                ends_at=worked.ends_at,
                breaks=breaks,
                shift_id=shift.id,
            )
        else:
            entry = ledger.correct(
                session,
                now,
                actor,
                current.id,
                starts_at=worked.starts_at,
                ends_at=worked.ends_at,
                breaks=breaks,
                by_coordinator=False,
            )
    except Refused:
        return "callback.approved"
    outbox.edit(
        session,
        now,
        inspector,
        _ref(assignment),
        Message(
            "hours.recorded",
            {**worked.shown, "worked": hours_text(entry.worked_minutes)},
            about=_about(assignment),
        ),
    )
    return "callback.recorded"


@dataclass(frozen=True)
class Worked:
    """Hours as the inspector gave them: from, to, the break (if any), and how the chat shows them."""

    starts_at: datetime
    ends_at: datetime
    pause: tuple[datetime, datetime] | None
    shown: dict[str, str]

    @property
    def minutes(self) -> int:
        pause = self.pause[1] - self.pause[0] if self.pause else timedelta()
        return int((self.ends_at - self.starts_at - pause).total_seconds() // 60)


def _name_report_writer(session: Session, now: datetime, shift: Shift) -> None:
    """Once per shift: the marked writer, else the first trained inspector on it, writes the report."""
    if (
        shift.kind is ShiftKind.COORDINATION
        or session.execute(select(Report.id).where(Report.shift_id == shift.id)).first()
    ):
        return
    people = session.execute(
        select(Assignment, Inspector)
        .join(Inspector, Inspector.id == Assignment.inspector_id)
        .where(Assignment.shift_id == shift.id, Assignment.status.in_(planning.LIVE_ASSIGNMENTS))
        .order_by(Assignment.is_report_writer.desc(), Inspector.trained_since.is_(None), Assignment.id)
    ).all()
    if not people:
        return
    writer = people[0][1]
    report = Report(shift_id=shift.id, writer_id=writer.id)
    session.add(report)
    session.flush()
    details = {"date": planning.when(shift)["date"], "municipality": offers.municipality_name(session, shift)}
    outbox.send(
        session,
        now,
        writer,
        Message("report.ask", details, about={"report": report.id}, heads_up="report.ask_alert"),
        ref=f"report:{report.id}",
    )


def planned_break(shift: Shift, start: int, end: int) -> tuple[int, int]:
    """The plan's break as (minutes from the planned start, length), if it lies inside work that
    started `start` and ended `end` minutes off the plan; else (0, 0). Shown as a time, so the
    inspector sees where it would be booked."""
    planned = ort.planned_break(shift.starts_at, shift.ends_at, shift.planned_break_minutes)
    if not planned:
        return 0, 0
    ((pause_from, pause_to),) = planned
    work_from, work_to = shift.starts_at + timedelta(minutes=start), shift.ends_at + timedelta(minutes=end)
    if pause_from < work_from or pause_to > work_to:
        return 0, 0
    return minutes_of(pause_from - shift.starts_at), minutes_of(pause_to - pause_from)


def break_span(shift: Shift, pause: tuple[int, int]) -> str:
    """The break as local clock times, "18:00-19:00"; empty for none."""
    if not pause[1]:
        return ""
    return f"{clock(shift.starts_at, pause[0])}-{clock(shift.starts_at, pause[0] + pause[1])}"


def _planned(shift: Shift) -> dict[str, str]:
    return {**planning.when(shift), "break": break_span(shift, planned_break(shift, 0, 0))}


def minutes_of(span: timedelta) -> int:
    return int(span.total_seconds()) // 60


def clock(instant: datetime, offset: int) -> str:
    """The local clock time `offset` minutes after `instant`, "18:30"."""
    return f"{(instant + timedelta(minutes=offset)).astimezone(team_zone()):%H:%M}"


def _about(assignment: Assignment) -> dict[str, int]:
    """What an answer to the hours question refers to: the assignment as it stands (its version)."""
    return {"assignment": assignment.id, "version": assignment.version}


def _ref(assignment: Assignment) -> str:
    return f"hours:{assignment.id}"


def hours_text(minutes: int) -> str:
    sign = "-" if minutes < 0 else ""
    whole, rest = divmod(abs(int(minutes)), 60)
    return f"{sign}{whole}:{rest:02d}"

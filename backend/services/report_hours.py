"""The report writer's time: how long, and when it was written, booked where it was done.

Reports are written after the control, usually the next working morning, and
logged whenever the writer gets to it. Booking them as ending at the tap put a
morning's writing into evening bands, so the writer says the day and start of
the writing (by default the next working day at 09:00); `record_writing` books
it. The writing starts after the control ended, has ended by the time it is
logged, and lies within the last week. The bot's walk is bot/conversations/report_time.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy.orm import Session

from backend.models import HourCategory, Inspector, Report, ReportStatus, Shift
from backend.services import ledger, outbox, planning
from backend.services.errors import Refused
from backend.services.outbox import Message
from scheduling.calendar import local_date, local_instant, municipal_holidays, team_zone
from scheduling.ort import Span

USUAL_START = time(9, 0)
"""A report is usually written on the next working morning."""
DAYS_BACK = 7
"""Days offered: the last week up to today (older writing is for the coordinator to correct)."""


@dataclass(frozen=True)
class Writing:
    """When the report was written: a local day and the minute of that day it started."""

    day: date
    start_minute: int

    def span(self, minutes: int) -> tuple[datetime, datetime]:
        starts_at = local_instant(self.day, time(*divmod(self.start_minute, 60)))
        return starts_at, starts_at + timedelta(minutes=minutes)


def default_writing(shift: Shift, now: datetime, minutes: int) -> Writing | None:
    """The next working day after the control at 09:00; if that has not yet passed (logged the same
    night), the writing that ended at the tap; None if even that would start before the control ended."""
    usual = Writing(next_working_day(control_day(shift)), USUAL_START.hour * 60)
    if usual.span(minutes)[1] <= now:
        return usual
    starts_at = (now - timedelta(minutes=minutes)).astimezone(team_zone()).replace(second=0, microsecond=0)
    if starts_at < shift.ends_at:
        return None
    return Writing(starts_at.date(), starts_at.hour * 60 + starts_at.minute)


def next_working_day(day: date) -> date:
    """The first Monday-to-Friday after `day` that is not a public holiday."""
    calendar = municipal_holidays()
    day += timedelta(days=1)
    while day.weekday() >= 5 or calendar.is_holiday(day):
        day += timedelta(days=1)
    return day


def uncountable(
    session: Session, starts_at: datetime, ends_at: datetime, breaks: Sequence[Span] = ()
) -> str | None:
    """The bot's answer when the core cannot count these hours (no ORT table for the day), else None
    (for the shift's hours too). Said apart from "already approved", which any refusal read as before."""
    try:
        ledger.count_bands(session, starts_at, ends_at, breaks)
    except Refused as refused:
        return "callback.no_table" if refused.code == "no_ort_table" else "callback.not_counted"
    return None


def record_writing(
    session: Session, now: datetime, inspector: Inspector, report_id: int, minutes: int, writing: Writing
) -> str:
    """Book the writer's time on the report (or correct it); the chat's answer key. A report not theirs,
    or writing that cannot be (see the module's docstring), is a stale question."""
    report = session.get(Report, report_id)
    if report is None or report.writer_id != inspector.id:
        return "callback.stale"
    shift = session.get_one(Shift, report.shift_id)
    if not is_possible(shift, now, minutes, writing):
        return "callback.stale"
    starts_at, ends_at = writing.span(minutes)
    if (answer := uncountable(session, starts_at, ends_at)) is not None:
        return answer
    actor = f"inspector:{inspector.id}"
    current = ledger.current_entry(session, inspector.id, shift.id, HourCategory.REPORT)
    try:
        if current is None:
            ledger.record(
                session,
                now,
                actor,
                inspector_id=inspector.id,
                municipality_id=shift.municipality_id,
                category=HourCategory.REPORT,
                starts_at=starts_at,
                ends_at=ends_at,
                shift_id=shift.id,
            )
        else:
            ledger.correct(
                session,
                now,
                actor,
                current.id,
                starts_at=starts_at,
                ends_at=ends_at,
                breaks=(),
                by_coordinator=False,
            )
    except Refused:
        return "callback.approved"
    report.status, report.written_at = ReportStatus.WRITTEN, now
    outbox.edit(
        session,
        now,
        inspector,
        f"report:{report.id}",
        Message(
            "report.recorded",
            {
                "date": planning.when(shift)["date"],
                "worked": _hours_text(minutes),
                "written_date": writing.day.isoformat(),
                "start": _clock_of(starts_at),
                "end": _clock_of(ends_at),
            },
            about={"report": report.id},
        ),
    )
    return "callback.recorded"


def is_possible(shift: Shift, now: datetime, minutes: int, writing: Writing) -> bool:
    """Within the last week, after the control ended and over by now. Checked rather than matched
    against the offered buttons: the default that ends at the tap moves with the clock."""
    starts_at, ends_at = writing.span(minutes)
    recent = local_date(now) - timedelta(days=DAYS_BACK - 1)
    return writing.day >= recent and starts_at >= shift.ends_at and ends_at <= now


def control_day(shift: Shift) -> date:
    """The local day the control ended (a night control ends the next day)."""
    return local_date(shift.ends_at - timedelta(minutes=1))


def _clock_of(instant: datetime) -> str:
    return f"{instant.astimezone(team_zone()):%H:%M}"


def _hours_text(minutes: int) -> str:
    whole, rest = divmod(minutes, 60)
    return f"{whole}:{rest:02d}"

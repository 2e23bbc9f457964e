"""The report writer's time in the bot: how long, then when it was written, booked where it was done.

Reports are written after the control, usually the next working morning, and
logged whenever the writer gets to it. Booking them as ending at the tap put a
morning's writing into evening bands, so the bot asks for the day and start of
the writing: one tap for the next working day at 09:00 (for the reported
duration), or another day and hour. The choices travel in the callback data
("r:<report>:<minutes>[:a | :<day>[:<start>]]": days after the control's last
day, minutes after local midnight), so nothing is kept between taps. Only
offered choices are accepted; the writing starts after the control ended and
has ended by the tap.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy.orm import Session

from backend.models import HourCategory, Inspector, Report, ReportStatus, Shift
from backend.services import ledger, outbox, planning
from backend.services.errors import Refused
from backend.services.outbox import Button, Message
from scheduling.calendar import local_date, local_instant, municipal_holidays, team_zone
from scheduling.ort import Span

DURATIONS = (30, 60, 90, 120, 180, 240)
USUAL_START = time(9, 0)
"""A report is usually written on the next working morning."""
START_HOURS = range(7, 23)
"""Hours offered when the writer picks another time."""
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


def buttons(report: Report) -> list[list[Button]]:
    """How long it took: one tap per usual duration."""
    made = [Button("button.duration", f"r:{report.id}:{m}", {"duration": _hours_text(m)}) for m in DURATIONS]
    return [made[:3], made[3:]]


def press(session: Session, now: datetime, inspector: Inspector, report_id: int, minutes: int,
          steps: list[str]) -> str:
    """One tap in the report walk (duration, then when); returns the callback answer's template key."""
    report = session.get(Report, report_id)
    if report is None or report.writer_id != inspector.id or minutes not in DURATIONS:
        return "callback.stale"
    shift = session.get_one(Shift, report.shift_id)
    if not steps:
        return _ask_when(session, now, inspector, report, shift, minutes)
    if steps == ["a"]:
        if not _days(shift, now, minutes):
            return "callback.report_too_early"
        days = [Button("button.date", _data(report, minutes, (d - _control_day(shift)).days),
                       {"written_date": d.isoformat()}) for d in _days(shift, now, minutes)]
        _edit(session, now, inspector, report, "report.pick_day", {"date": _date(shift)}, _rows(days))
        return "callback.noted"
    numbers = _numbers(steps)
    if numbers is None:
        return "callback.stale"
    day = _control_day(shift) + timedelta(days=numbers[0])
    if len(numbers) == 1:
        if day not in _days(shift, now, minutes):
            return "callback.stale"
        starts = [Button("button.time", _data(report, minutes, numbers[0], s), {"time": _clock(s)})
                  for s in _starts(shift, now, minutes, day)]
        _edit(session, now, inspector, report, "report.pick_start",
              {"date": _date(shift), "written_date": day.isoformat()}, _rows(starts))
        return "callback.noted"
    writing = Writing(day, numbers[1])
    if not _is_possible(shift, now, minutes, writing):
        return "callback.stale"
    return _record(session, now, inspector, report, shift, minutes, writing)


def default_writing(shift: Shift, now: datetime, minutes: int) -> Writing | None:
    """The next working day after the control at 09:00; if that has not yet passed (logged the same
    night), the writing that ended at the tap; None if even that would start before the control ended."""
    usual = Writing(next_working_day(_control_day(shift)), USUAL_START.hour * 60)
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


def _ask_when(session: Session, now: datetime, inspector: Inspector, report: Report, shift: Shift,
              minutes: int) -> str:
    usual = default_writing(shift, now, minutes)
    if usual is None:
        return "callback.report_too_early"
    starts_at, ends_at = usual.span(minutes)
    offset = (usual.day - _control_day(shift)).days
    choices = [[Button("button.written_at", _data(report, minutes, offset, usual.start_minute),
                       {"written_date": usual.day.isoformat(), "start": _clock_of(starts_at),
                        "end": _clock_of(ends_at)})],
               [Button("button.other", _data(report, minutes, "a"))]]
    _edit(session, now, inspector, report, "report.when",
          {"date": _date(shift), "duration": _hours_text(minutes)}, choices)
    return "callback.noted"


def uncountable(session: Session, starts_at: datetime, ends_at: datetime,
                breaks: Sequence[Span] = ()) -> str | None:
    """The bot's answer when the core cannot count these hours (no ORT table for the day), else None
    (for the shift's hours too). Said apart from "already approved", which any refusal read as before."""
    try:
        ledger.count_bands(session, starts_at, ends_at, breaks)
    except Refused as refused:
        return "callback.no_table" if refused.code == "no_ort_table" else "callback.not_counted"
    return None


def _record(session: Session, now: datetime, inspector: Inspector, report: Report, shift: Shift,
            minutes: int, writing: Writing) -> str:
    starts_at, ends_at = writing.span(minutes)
    if (answer := uncountable(session, starts_at, ends_at)) is not None:
        return answer
    actor = f"inspector:{inspector.id}"
    current = ledger.current_entry(session, inspector.id, shift.id, HourCategory.REPORT)
    try:
        if current is None:
            ledger.record(session, now, actor, inspector_id=inspector.id,
                          municipality_id=shift.municipality_id, category=HourCategory.REPORT,
                          starts_at=starts_at, ends_at=ends_at, shift_id=shift.id)
        else:
            ledger.correct(session, now, actor, current.id, starts_at=starts_at, ends_at=ends_at, breaks=(),
                           by_coordinator=False)
    except Refused:
        return "callback.approved"
    report.status, report.written_at = ReportStatus.WRITTEN, now
    _edit(session, now, inspector, report, "report.recorded", {
        "date": _date(shift), "worked": _hours_text(minutes), "written_date": writing.day.isoformat(),
        "start": _clock_of(starts_at), "end": _clock_of(ends_at)}, buttons(report))
    return "callback.recorded"


def _is_possible(shift: Shift, now: datetime, minutes: int, writing: Writing) -> bool:
    """Within the last week, after the control ended and over by the tap. Checked rather than matched
    against the offered buttons: the default that ends at the tap moves with the clock."""
    starts_at, ends_at = writing.span(minutes)
    recent = local_date(now) - timedelta(days=DAYS_BACK - 1)
    return writing.day >= recent and starts_at >= shift.ends_at and ends_at <= now


def _days(shift: Shift, now: datetime, minutes: int) -> list[date]:
    """Days of the last week since the control on which some offered start fits."""
    today = local_date(now)
    first = max(_control_day(shift), today - timedelta(days=DAYS_BACK - 1))
    days = [first + timedelta(days=n) for n in range((today - first).days + 1)]
    return [d for d in days if _starts(shift, now, minutes, d)]


def _starts(shift: Shift, now: datetime, minutes: int, day: date) -> list[int]:
    """Whole hours of `day` at which writing for `minutes` starts after the control and ends by now."""
    found = []
    for hour in START_HOURS:
        starts_at, ends_at = Writing(day, hour * 60).span(minutes)
        if starts_at >= shift.ends_at and ends_at <= now:
            found.append(hour * 60)
    return found


def _numbers(steps: list[str]) -> list[int] | None:
    if not 1 <= len(steps) <= 2 or not all(s.isdigit() and len(s) <= 4 for s in steps):
        return None
    numbers = [int(s) for s in steps]
    return numbers if numbers[0] <= DAYS_BACK * 2 and numbers[1:2] <= [24 * 60 - 1] else None


def _control_day(shift: Shift) -> date:
    """The local day the control ended (a night control ends the next day)."""
    return local_date(shift.ends_at - timedelta(minutes=1))


def _edit(session: Session, now: datetime, inspector: Inspector, report: Report, template: str,
          params: dict[str, str], rows: list[list[Button]]) -> None:
    outbox.edit(session, now, inspector, f"report:{report.id}", Message(template, params, buttons=rows))


def _data(report: Report, minutes: int, *steps: int | str) -> str:
    return ":".join(["r", str(report.id), str(minutes), *map(str, steps)])


def _rows(buttons: list[Button], per_row: int = 4) -> list[list[Button]]:
    return [buttons[i:i + per_row] for i in range(0, len(buttons), per_row)]


def _date(shift: Shift) -> str:
    return planning.when(shift)["date"]


def _clock(minute_of_day: int) -> str:
    return f"{minute_of_day // 60:02d}:{minute_of_day % 60:02d}"


def _clock_of(instant: datetime) -> str:
    return f"{instant.astimezone(team_zone()):%H:%M}"


def _hours_text(minutes: int) -> str:
    whole, rest = divmod(minutes, 60)
    return f"{whole}:{rest:02d}"

"""The report writer's time in the chat: how long, then when it was written.

One tap for the usual moment (`report_hours.default_writing`: the next working
day at 09:00 for the reported duration), or another day and hour. The choices
travel in the callback data (`ReportStep`: days after the control's last day,
minutes after local midnight), so nothing is kept between taps. Only offered
durations are accepted; `report_hours.record_writing` checks the moment.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from backend.models import Inspector, Report, Shift
from backend.services import outbox, planning
from backend.services.outbox import Message
from backend.services.report_hours import DAYS_BACK, Writing, control_day, default_writing, record_writing
from bot.callbacks import ReportStep
from bot.keyboards import REPORT_DURATIONS, Button, Rows, hours_text, in_rows
from scheduling.calendar import local_date, team_zone

START_HOURS = range(7, 23)
"""Hours offered when the writer picks another time."""


def press(session: Session, now: datetime, inspector: Inspector, tap: ReportStep) -> str:
    """One tap in the report walk (duration, then when); returns the callback answer's template key."""
    report, minutes, steps = session.get(Report, tap.report_id), tap.minutes, list(tap.steps)
    if report is None or report.writer_id != inspector.id or minutes not in REPORT_DURATIONS:
        return "callback.stale"
    shift = session.get_one(Shift, report.shift_id)
    if not steps:
        return _ask_when(session, now, inspector, report, shift, minutes)
    if steps == ["a"]:
        if not _days(shift, now, minutes):
            return "callback.report_too_early"
        days = [
            Button(
                "button.date",
                _data(report, minutes, (d - control_day(shift)).days),
                {"written_date": d.isoformat()},
            )
            for d in _days(shift, now, minutes)
        ]
        _edit(session, now, inspector, report, "report.pick_day", {"date": _date(shift)}, in_rows(days, 4))
        return "callback.noted"
    numbers = _numbers(steps)
    if numbers is None:
        return "callback.stale"
    day = control_day(shift) + timedelta(days=numbers[0])
    if len(numbers) == 1:
        if day not in _days(shift, now, minutes):
            return "callback.stale"
        starts = [
            Button("button.time", _data(report, minutes, numbers[0], s), {"time": _clock(s)})
            for s in _starts(shift, now, minutes, day)
        ]
        _edit(
            session,
            now,
            inspector,
            report,
            "report.pick_start",
            {"date": _date(shift), "written_date": day.isoformat()},
            in_rows(starts, 4),
        )
        return "callback.noted"
    return record_writing(session, now, inspector, report.id, minutes, Writing(day, numbers[1]))


def _ask_when(
    session: Session, now: datetime, inspector: Inspector, report: Report, shift: Shift, minutes: int
) -> str:
    usual = default_writing(shift, now, minutes)
    if usual is None:
        return "callback.report_too_early"
    starts_at, ends_at = usual.span(minutes)
    offset = (usual.day - control_day(shift)).days
    choices = [
        [
            Button(
                "button.written_at",
                _data(report, minutes, offset, usual.start_minute),
                {
                    "written_date": usual.day.isoformat(),
                    "start": _clock_of(starts_at),
                    "end": _clock_of(ends_at),
                },
            )
        ],
        [Button("button.other", _data(report, minutes, "a"))],
    ]
    _edit(
        session,
        now,
        inspector,
        report,
        "report.when",
        {"date": _date(shift), "duration": hours_text(minutes)},
        choices,
    )
    return "callback.noted"


def _days(shift: Shift, now: datetime, minutes: int) -> list[date]:
    """Days of the last week since the control on which some offered start fits."""
    today = local_date(now)
    first = max(control_day(shift), today - timedelta(days=DAYS_BACK - 1))
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


def _edit(
    session: Session,
    now: datetime,
    inspector: Inspector,
    report: Report,
    template: str,
    params: dict[str, str],
    rows: Rows,
) -> None:
    outbox.edit(session, now, inspector, f"report:{report.id}", Message(template, params, buttons=rows))


def _data(report: Report, minutes: int, *steps: int | str) -> ReportStep:
    return ReportStep(report.id, minutes, tuple(map(str, steps)))


def _date(shift: Shift) -> str:
    return planning.when(shift)["date"]


def _clock(minute_of_day: int) -> str:
    return f"{minute_of_day // 60:02d}:{minute_of_day % 60:02d}"


def _clock_of(instant: datetime) -> str:
    return f"{instant.astimezone(team_zone()):%H:%M}"

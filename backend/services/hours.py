"""An inspector's hours in the bot: asked when a shift ends, confirmed with one tap or corrected
step by step, naming the report writer (whose time is `report_hours`), and the month's summary.

The correction is a short walk through buttons (start, end, break, check) whose
choices travel in the callback data ("h:<assignment>:<version>:<start>:<end>:<break
from>:<break length>", minutes from the planned times), so nothing is kept between
taps and a restart loses nothing. The break is asked as a time, since where it
falls decides the allowance: one tap for the planned break shown as its clock
times, or its start and length. Only the offered choices are accepted; anything
else is a stale or forged button.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from backend.db import rows_changed
from backend.models import (
    Assignment,
    HourApproval,
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
from backend.services.outbox import Button, Message
from scheduling import ort
from scheduling.calendar import local_day_start, team_zone

ASK_WITHIN = timedelta(days=3)
"""A shift that ended longer ago (the bot was down for days) is left to the coordinator."""
START_STEPS = (-60, -30, -15, 0, 15, 30, 60)
END_STEPS = (-60, -30, -15, 0, 15, 30, 60, 120)
BREAK_LENGTHS = (15, 30, 45, 60, 90, 120)
BREAK_GRID = 30
"""Break starts are offered on the whole and half hour: one screen of buttons for a long shift."""
BREAK_MARGIN = 30
CATEGORY = {ShiftKind.CONTROL: HourCategory.CONTROL, ShiftKind.CALLOUT: HourCategory.CALLOUT,
            ShiftKind.COORDINATION: HourCategory.COORDINATION}


def ask_after_shifts(session: Session, now: datetime) -> int:
    """The job: ask everyone on a shift that has just ended for their hours, and name the report writer."""
    rows = session.execute(
        select(Assignment, Shift).join(Shift, Shift.id == Assignment.shift_id)
        .where(Shift.ends_at <= now, Shift.ends_at > now - ASK_WITHIN, Shift.status != ShiftStatus.CANCELLED,
               Assignment.status.in_(planning.LIVE_ASSIGNMENTS), Assignment.hours_asked_at.is_(None))
        .order_by(Shift.id, Assignment.id)).all()
    asked = 0
    ended: dict[int, Shift] = {}
    for assignment, shift in rows:
        claimed = rows_changed(session, update(Assignment).where(
            Assignment.id == assignment.id, Assignment.hours_asked_at.is_(None)).values(hours_asked_at=now))
        if claimed != 1:
            continue
        shift.status = ShiftStatus.DONE
        inspector = session.get_one(Inspector, assignment.inspector_id)
        planned = _planned(shift)
        outbox.send(session, now, inspector, Message(
            "hours.ask", {"date": planned["date"], "municipality": offers.municipality_name(session, shift)},
            buttons=[[Button("button.hours_ok", _data(assignment, "ok"), planned)],
                     [Button("button.correct", _data(assignment, "fix"))]],
            heads_up="hours.ask_alert"), ref=_ref(assignment))
        asked += 1
        ended[shift.id] = shift
    for shift in ended.values():
        _name_report_writer(session, now, shift)
    return asked


def press(session: Session, now: datetime, inspector: Inspector, assignment_id: int, version: int,
          steps: list[str]) -> str:
    """One tap in the hours walk; returns the callback answer's template key."""
    assignment = session.get(Assignment, assignment_id)
    if (assignment is None or assignment.inspector_id != inspector.id or assignment.version != version
            or assignment.hours_asked_at is None):
        return "callback.stale"
    shift = session.get_one(Shift, assignment.shift_id)
    walk = _walk(shift, steps)
    if walk is None:
        return "callback.stale"
    if walk.is_done:
        return _record(session, now, inspector, assignment, shift, walk)
    template, params, buttons = _next_step(assignment, shift, walk)
    _step(session, now, inspector, assignment, shift, template, buttons, params)
    return "callback.noted"


@dataclass(frozen=True)
class Walk:
    """The taps so far: minutes off the planned start and end, then the break as minutes from the
    planned start and its length (0 for none); `other` while the break's start is being picked."""

    start: int | None = None
    end: int | None = None
    break_from: int | None = None
    break_length: int | None = None
    other: bool = False
    is_done: bool = False


def _walk(shift: Shift, steps: list[str]) -> Walk | None:
    """The taps, if every one is among the choices offered at its step (else a stale or forged button)."""
    if steps == ["ok"]:
        return Walk(0, 0, *_planned_break(shift, 0, 0), is_done=True)
    if steps == ["fix"]:
        return Walk()
    is_done = steps[-1:] == ["ok"]
    taps = steps[:-1] if is_done else steps
    other = taps[2:] == ["a"]
    try:
        numbers = [int(t) for t in (taps[:2] if other else taps)]
    except ValueError:
        return None
    if not 1 <= len(numbers) <= 4 or (is_done and len(numbers) != 4) or (other and len(numbers) != 2):
        return None
    start, end, break_from, break_length = [*numbers, None, None, None][:4]  # the taps so far
    walk = Walk(start, end, break_from, break_length, other=other, is_done=is_done)
    return walk if _is_offered(shift, walk) else None


def _is_offered(shift: Shift, walk: Walk) -> bool:
    if walk.start not in START_STEPS or (walk.end is not None and walk.end not in END_STEPS):
        return False
    if walk.end is None:
        return True
    if _worked(shift, walk.start, walk.end, 0) <= 0:
        return False
    if walk.break_from is None:
        return True
    if walk.break_length is None:
        return walk.break_from in _break_starts(shift, walk.start, walk.end)
    chosen = (walk.break_from, walk.break_length)
    return (chosen == (0, 0) or chosen == _planned_break(shift, walk.start, walk.end)
            or (walk.break_from in _break_starts(shift, walk.start, walk.end)
                and walk.break_length in _break_lengths(shift, walk.start, walk.end, walk.break_from)))


def _next_step(assignment: Assignment, shift: Shift,
               walk: Walk) -> tuple[str, dict[str, str], list[list[Button]]]:
    """The question after these taps and its buttons: start, end, when the break was (the planned one,
    none, or another: its start, then its length), then the check."""
    if walk.start is None:
        return "hours.pick_start", {}, _rows([
            Button("button.time", _data(assignment, s), {"time": _clock(shift.starts_at, s)})
            for s in START_STEPS])
    start = walk.start
    if walk.end is None:
        return "hours.pick_end", {"start": _clock(shift.starts_at, start)}, _rows([
            Button("button.time", _data(assignment, start, e), {"time": _clock(shift.ends_at, e)})
            for e in END_STEPS if _worked(shift, start, e, 0) > 0])
    end = walk.end
    worked_span = {"start": _clock(shift.starts_at, start), "end": _clock(shift.ends_at, end)}
    if walk.other:
        return "hours.pick_break_start", worked_span, _rows([
            Button("button.time", _data(assignment, start, end, b), {"time": _clock(shift.starts_at, b)})
            for b in _break_starts(shift, start, end)])
    if walk.break_from is None:
        return "hours.pick_break", worked_span, [[b] for b in _break_choices(assignment, shift, start, end)]
    if walk.break_length is None:
        return "hours.pick_break_length", {"break_start": _clock(shift.starts_at, walk.break_from)}, _rows([
            Button("button.minutes", _data(assignment, start, end, walk.break_from, m), {"minutes": m})
            for m in _break_lengths(shift, start, end, walk.break_from)])
    pause = (walk.break_from, walk.break_length)
    return "hours.check", {**_shown(shift, start, end, pause),
                           "worked": _hours_text(_worked(shift, start, end, walk.break_length))}, [[
        Button("button.confirm", _data(assignment, start, end, *pause, "ok")),
        Button("button.again", _data(assignment, "fix"))]]


def _break_choices(assignment: Assignment, shift: Shift, start: int, end: int) -> list[Button]:
    """One tap for the planned break (shown as the time it was planned), one for none, one for another."""
    planned = _planned_break(shift, start, end)
    choices = [Button("button.no_break", _data(assignment, start, end, 0, 0)),
               Button("button.other", _data(assignment, start, end, "a"))]
    if planned != (0, 0):
        choices.insert(0, Button("button.planned_break", _data(assignment, start, end, *planned),
                                 {"span": _break_span(shift, planned)}))
    return choices


def send_month_summary(session: Session, now: datetime, inspector: Inspector) -> None:
    """Queue this month's worked hours and how much of them still waits for approval."""
    local = now.astimezone(team_zone()).date()
    month_start = local_day_start(local.replace(day=1))
    base = select(func.coalesce(func.sum(HourEntry.worked_minutes), 0)).where(
        HourEntry.inspector_id == inspector.id, HourEntry.starts_at >= month_start)
    worked = session.execute(base).scalar_one()
    waiting = session.execute(base.where(~HourEntry.id.in_(select(HourApproval.entry_id)))).scalar_one()
    outbox.send(session, now, inspector, Message("hours.summary", {
        "month": f"{local:%Y-%m}", "worked": _hours_text(worked), "waiting": _hours_text(waiting)},
        disable_notification=True))


def _record(session: Session, now: datetime, inspector: Inspector, assignment: Assignment, shift: Shift,
            walk: Walk) -> str:
    start, end, pause = walk.start or 0, walk.end or 0, (walk.break_from or 0, walk.break_length or 0)
    if _worked(shift, start, end, pause[1]) <= 0:
        return "callback.stale"
    starts_at = shift.starts_at + timedelta(minutes=start)
    ends_at = shift.ends_at + timedelta(minutes=end)
    breaks = _break_interval(shift, pause)
    if (uncountable := report_hours.uncountable(session, starts_at, ends_at, breaks)) is not None:
        return uncountable  # before the claim: the buttons stay valid for a tap once it can be counted
    claimed = rows_changed(session, update(Assignment).where(
        Assignment.id == assignment.id, Assignment.version == assignment.version)
        .values(version=Assignment.version + 1))
    if claimed != 1:
        return "callback.stale"
    session.refresh(assignment)
    actor = f"inspector:{inspector.id}"
    current = ledger.current_entry(session, inspector.id, shift.id)
    try:
        if current is None:
            entry = ledger.record(session, now, actor, inspector_id=inspector.id,
                                  municipality_id=shift.municipality_id, category=CATEGORY[shift.kind],
                                  starts_at=starts_at, ends_at=ends_at, breaks=breaks,
                                  shift_id=shift.id)
        else:
            entry = ledger.correct(session, now, actor, current.id, starts_at=starts_at, ends_at=ends_at,
                                   breaks=breaks, by_coordinator=False)
    except Refused:
        return "callback.approved"
    outbox.edit(session, now, inspector, _ref(assignment), Message(
        "hours.recorded", {**_shown(shift, start, end, pause), "worked": _hours_text(entry.worked_minutes)},
        buttons=[[Button("button.correct", _data(assignment, "fix"))]]))
    return "callback.recorded"


def _name_report_writer(session: Session, now: datetime, shift: Shift) -> None:
    """Once per shift: the marked writer, else the first trained inspector on it, writes the report."""
    if shift.kind is ShiftKind.COORDINATION or session.execute(
            select(Report.id).where(Report.shift_id == shift.id)).first():
        return
    people = session.execute(
        select(Assignment, Inspector).join(Inspector, Inspector.id == Assignment.inspector_id)
        .where(Assignment.shift_id == shift.id, Assignment.status.in_(planning.LIVE_ASSIGNMENTS))
        .order_by(Assignment.is_report_writer.desc(), Inspector.trained_since.is_(None), Assignment.id)).all()
    if not people:
        return
    writer = people[0][1]
    report = Report(shift_id=shift.id, writer_id=writer.id)
    session.add(report)
    session.flush()
    details = {"date": planning.when(shift)["date"], "municipality": offers.municipality_name(session, shift)}
    outbox.send(session, now, writer, Message("report.ask", details, buttons=report_hours.buttons(report),
                                              heads_up="report.ask_alert"), ref=f"report:{report.id}")


def _step(session: Session, now: datetime, inspector: Inspector, assignment: Assignment, shift: Shift,
          template: str, rows: list[list[Button]], params: dict[str, str]) -> None:
    outbox.edit(session, now, inspector, _ref(assignment), Message(
        template, {"date": planning.when(shift)["date"], **params}, buttons=rows))


def _worked(shift: Shift, start: int, end: int, pause: int) -> int:
    span = shift.ends_at + timedelta(minutes=end) - shift.starts_at - timedelta(minutes=start)
    return int(span.total_seconds() // 60) - pause


def _planned_break(shift: Shift, start: int, end: int) -> tuple[int, int]:
    """The plan's break as (minutes from the planned start, length), if it lies inside this work;
    else (0, 0). Shown as a time, so the inspector sees where it would be booked."""
    planned = ort.planned_break(shift.starts_at, shift.ends_at, shift.planned_break_minutes)
    if not planned:
        return 0, 0
    (pause_from, pause_to), = planned
    work_from, work_to = shift.starts_at + timedelta(minutes=start), shift.ends_at + timedelta(minutes=end)
    if pause_from < work_from or pause_to > work_to:
        return 0, 0
    return _minutes(pause_from - shift.starts_at), _minutes(pause_to - pause_from)


def _break_starts(shift: Shift, start: int, end: int) -> list[int]:
    """Whole and half hours at least half an hour into the work and half an hour before its end
    (as minutes from the planned start). The team's zone is whole hours off UTC, so UTC alignment is
    local alignment."""
    first, last = start + BREAK_MARGIN, _minutes(shift.ends_at - shift.starts_at) + end - BREAK_MARGIN
    offset = -_minutes(shift.starts_at - datetime(2000, 1, 1, tzinfo=UTC)) % BREAK_GRID
    return list(range(first + (offset - first) % BREAK_GRID, last + 1, BREAK_GRID))


def _break_lengths(shift: Shift, start: int, end: int, break_from: int) -> list[int]:
    work_end = _minutes(shift.ends_at - shift.starts_at) + end
    return [m for m in BREAK_LENGTHS if break_from + m < work_end and _worked(shift, start, end, m) > 0]


def _break_interval(shift: Shift, pause: tuple[int, int]) -> list[tuple[datetime, datetime]]:
    break_from, length = pause
    if not length:
        return []
    at = shift.starts_at + timedelta(minutes=break_from)
    return [(at, at + timedelta(minutes=length))]


def _break_span(shift: Shift, pause: tuple[int, int]) -> str:
    """The break as local clock times, "18:00-19:00"; empty for none."""
    if not pause[1]:
        return ""
    return f"{_clock(shift.starts_at, pause[0])}-{_clock(shift.starts_at, pause[0] + pause[1])}"


def _planned(shift: Shift) -> dict[str, str]:
    return {**planning.when(shift), "break": _break_span(shift, _planned_break(shift, 0, 0))}


def _shown(shift: Shift, start: int, end: int, pause: tuple[int, int]) -> dict[str, str]:
    return {"date": planning.when(shift)["date"], "start": _clock(shift.starts_at, start),
            "end": _clock(shift.ends_at, end), "break": _break_span(shift, pause)}


def _minutes(span: timedelta) -> int:
    return int(span.total_seconds()) // 60


def _rows(buttons: list[Button], per_row: int = 4) -> list[list[Button]]:
    return [buttons[i:i + per_row] for i in range(0, len(buttons), per_row)]


def _clock(instant: datetime, offset: int) -> str:
    return f"{(instant + timedelta(minutes=offset)).astimezone(team_zone()):%H:%M}"


def _data(assignment: Assignment, *steps: int | str) -> str:
    return ":".join(["h", str(assignment.id), str(assignment.version), *map(str, steps)])


def _ref(assignment: Assignment) -> str:
    return f"hours:{assignment.id}"


def _hours_text(minutes: int) -> str:
    sign = "-" if minutes < 0 else ""
    whole, rest = divmod(abs(int(minutes)), 60)
    return f"{sign}{whole}:{rest:02d}"

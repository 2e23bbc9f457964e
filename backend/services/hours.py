"""An inspector's hours in the bot: asked when a shift ends, confirmed with one tap or corrected
step by step, the report writer's time, and the month's summary.

The correction is a short walk through buttons (start, end, break, check) whose
choices travel in the callback data ("h:<assignment>:<version>:<start>:<end>:<break>"),
so nothing is kept between taps and a restart loses nothing. Only the offered
choices are accepted; anything else is a stale or forged button.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from backend.models import (
    Assignment,
    HourApproval,
    HourCategory,
    HourEntry,
    Inspector,
    Report,
    ReportStatus,
    Shift,
    ShiftKind,
    ShiftStatus,
)
from backend.services import ledger, offers, outbox, planning
from backend.services.errors import Refused
from backend.services.outbox import Button, Message
from scheduling.calendar import local_day_start, team_zone

ASK_WITHIN = timedelta(days=3)
"""A shift that ended longer ago (the bot was down for days) is left to the coordinator."""
START_STEPS = (-60, -30, -15, 0, 15, 30, 60)
END_STEPS = (-60, -30, -15, 0, 15, 30, 60, 120)
BREAK_STEPS = (0, 15, 30, 45, 60, 90)
REPORT_STEPS = (30, 60, 90, 120, 180, 240)
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
        claimed = session.execute(update(Assignment).where(
            Assignment.id == assignment.id, Assignment.hours_asked_at.is_(None)).values(hours_asked_at=now))
        if claimed.rowcount != 1:
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
    choice = _choice(steps)
    if choice is None:
        return "callback.stale"
    if choice == ("ok",):
        return _record(session, now, inspector, assignment, shift, 0, 0, shift.planned_break_minutes)
    if choice == ("fix",):
        _step(session, now, inspector, assignment, shift, "hours.pick_start",
              [Button("button.time", _data(assignment, s), {"time": _clock(shift.starts_at, s)})
               for s in START_STEPS], {})
        return "callback.noted"
    numbers = [c for c in choice if isinstance(c, int)]
    if choice[-1] == "ok":
        start, end, pause = numbers
        return _record(session, now, inspector, assignment, shift, start, end, pause)
    if len(numbers) == 1:
        (start,) = numbers
        ends = [e for e in END_STEPS if _worked(shift, start, e, 0) > 0]
        _step(session, now, inspector, assignment, shift, "hours.pick_end",
              [Button("button.time", _data(assignment, start, e), {"time": _clock(shift.ends_at, e)})
               for e in ends], {"start": _clock(shift.starts_at, start)})
        return "callback.noted"
    if len(numbers) == 2:
        start, end = numbers
        _step(session, now, inspector, assignment, shift, "hours.pick_break",
              [Button("button.minutes", _data(assignment, start, end, b), {"minutes": b})
               for b in BREAK_STEPS if _worked(shift, start, end, b) > 0],
              {"start": _clock(shift.starts_at, start), "end": _clock(shift.ends_at, end)})
        return "callback.noted"
    start, end, pause = numbers
    worked = _worked(shift, start, end, pause)
    if worked <= 0:
        return "callback.stale"
    outbox.edit(session, now, inspector, _ref(assignment), Message(
        "hours.check", {**_shown(shift, start, end, pause), "worked": _hours_text(worked)},
        buttons=[[Button("button.confirm", _data(assignment, start, end, pause, "ok")),
                  Button("button.again", _data(assignment, "fix"))]]))
    return "callback.noted"


def press_report(session: Session, now: datetime, inspector: Inspector, report_id: int, minutes: int) -> str:
    """The report writer says how long the report took: recorded, or corrected until approved."""
    report = session.get(Report, report_id)
    if report is None or report.writer_id != inspector.id or minutes not in REPORT_STEPS:
        return "callback.stale"
    shift = session.get_one(Shift, report.shift_id)
    ends_at = now.replace(second=0, microsecond=0)
    starts_at = ends_at - timedelta(minutes=minutes)
    if (uncountable := _uncountable(session, starts_at, ends_at, 0)) is not None:
        return uncountable
    actor = f"inspector:{inspector.id}"
    current = ledger.current_entry(session, inspector.id, shift.id, HourCategory.REPORT)
    try:
        if current is None:
            ledger.record(session, now, actor, inspector_id=inspector.id,
                          municipality_id=shift.municipality_id, category=HourCategory.REPORT,
                          starts_at=starts_at, ends_at=ends_at, break_minutes=0, shift_id=shift.id)
        else:
            ledger.correct(session, now, actor, current.id, starts_at=starts_at, ends_at=ends_at,
                           break_minutes=0, by_coordinator=False)
    except Refused:
        return "callback.approved"
    report.status, report.written_at = ReportStatus.WRITTEN, now
    outbox.edit(session, now, inspector, f"report:{report.id}", Message(
        "report.recorded", {"date": planning.when(shift)["date"], "worked": _hours_text(minutes)},
        buttons=_report_buttons(report)))
    return "callback.recorded"


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
            start: int, end: int, pause: int) -> str:
    if _worked(shift, start, end, pause) <= 0:
        return "callback.stale"
    starts_at = shift.starts_at + timedelta(minutes=start)
    ends_at = shift.ends_at + timedelta(minutes=end)
    if (uncountable := _uncountable(session, starts_at, ends_at, pause)) is not None:
        return uncountable  # before the claim: the buttons stay valid for a tap once it can be counted
    claimed = session.execute(update(Assignment).where(
        Assignment.id == assignment.id, Assignment.version == assignment.version)
        .values(version=Assignment.version + 1)).rowcount
    if claimed != 1:
        return "callback.stale"
    session.refresh(assignment)
    actor = f"inspector:{inspector.id}"
    current = ledger.current_entry(session, inspector.id, shift.id)
    try:
        if current is None:
            entry = ledger.record(session, now, actor, inspector_id=inspector.id,
                                  municipality_id=shift.municipality_id, category=CATEGORY[shift.kind],
                                  starts_at=starts_at, ends_at=ends_at, break_minutes=pause,
                                  shift_id=shift.id)
        else:
            entry = ledger.correct(session, now, actor, current.id, starts_at=starts_at, ends_at=ends_at,
                                   break_minutes=pause, by_coordinator=False)
    except Refused:
        return "callback.approved"
    outbox.edit(session, now, inspector, _ref(assignment), Message(
        "hours.recorded", {**_shown(shift, start, end, pause), "worked": _hours_text(entry.worked_minutes)},
        buttons=[[Button("button.correct", _data(assignment, "fix"))]]))
    return "callback.recorded"


def _uncountable(session: Session, starts_at: datetime, ends_at: datetime, pause: int) -> str | None:
    """The answer when the core cannot count these hours (no ORT table for the day), else None.

    Said apart from "already approved", which is what any refusal of the ledger read as before."""
    try:
        ledger.count_bands(session, starts_at, ends_at, pause)
    except Refused as refused:
        return "callback.no_table" if refused.code == "no_ort_table" else "callback.not_counted"
    return None


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
    outbox.send(session, now, writer, Message("report.ask", details, buttons=_report_buttons(report),
                                              heads_up="report.ask_alert"), ref=f"report:{report.id}")


def _report_buttons(report: Report) -> list[list[Button]]:
    buttons = [Button("button.duration", f"r:{report.id}:{m}", {"duration": _hours_text(m)})
               for m in REPORT_STEPS]
    return [buttons[:3], buttons[3:]]


def _step(session: Session, now: datetime, inspector: Inspector, assignment: Assignment, shift: Shift,
          template: str, choices: list[Button], params: dict[str, str]) -> None:
    rows = [choices[i:i + 4] for i in range(0, len(choices), 4)]
    outbox.edit(session, now, inspector, _ref(assignment), Message(
        template, {"date": planning.when(shift)["date"], **params}, buttons=rows))


def _choice(steps: list[str]) -> tuple[int | str, ...] | None:
    """The taps so far, if every one is among the offered choices."""
    if steps in (["ok"], ["fix"]):
        return (steps[0],)
    final = steps[-1:] == ["ok"]
    numbers = steps[:-1] if final else steps
    if (final and len(numbers) != 3) or not 1 <= len(numbers) <= 3:
        return None
    try:
        values = [int(n) for n in numbers]
    except ValueError:
        return None
    offered = (START_STEPS, END_STEPS, BREAK_STEPS)
    if any(v not in allowed for v, allowed in zip(values, offered, strict=False)):
        return None
    return (*values, "ok") if final else tuple(values)


def _worked(shift: Shift, start: int, end: int, pause: int) -> int:
    span = shift.ends_at + timedelta(minutes=end) - shift.starts_at - timedelta(minutes=start)
    return int(span.total_seconds() // 60) - pause


def _planned(shift: Shift) -> dict[str, str]:
    return {**planning.when(shift), "break": str(shift.planned_break_minutes)}


def _shown(shift: Shift, start: int, end: int, pause: int) -> dict[str, str]:
    return {"date": planning.when(shift)["date"], "start": _clock(shift.starts_at, start),
            "end": _clock(shift.ends_at, end), "break": str(pause)}


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

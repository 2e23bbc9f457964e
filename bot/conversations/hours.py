"""Correcting one's hours after a shift: a short walk through buttons (start, end, break, check).

The choices travel in the callback data (`HoursStep`: minutes off the planned
start and end, then the break as minutes from the planned start and its
length), so nothing is kept between taps and a restart loses nothing. The break
is asked as a time, since where it falls decides the allowance: one tap for the
planned break shown as its clock times, or its start and length. Only the
offered choices are accepted; anything else is a stale or forged button. The
hours are recorded by `hours.record_hours`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from backend.models import Assignment, Inspector, Shift
from backend.services import outbox, planning
from backend.services.hours import (
    Worked,
    break_span,
    clock,
    hours_text,
    minutes_of,
    planned_break,
    record_hours,
)
from backend.services.outbox import Message
from bot.callbacks import HoursStep
from bot.keyboards import Button, Rows, in_rows

START_STEPS = (-60, -30, -15, 0, 15, 30, 60)
END_STEPS = (-60, -30, -15, 0, 15, 30, 60, 120)
BREAK_LENGTHS = (15, 30, 45, 60, 90, 120)
BREAK_GRID = 30
"""Break starts are offered on the whole and half hour: one screen of buttons for a long shift."""
BREAK_MARGIN = 30


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


def press(session: Session, now: datetime, inspector: Inspector, tap: HoursStep) -> str:
    """One tap in the hours walk; returns the callback answer's template key."""
    assignment = session.get(Assignment, tap.assignment_id)
    if (
        assignment is None
        or assignment.inspector_id != inspector.id
        or assignment.version != tap.version
        or assignment.hours_asked_at is None
    ):
        return "callback.stale"
    shift = session.get_one(Shift, assignment.shift_id)
    walk = _walk(shift, list(tap.steps))
    if walk is None:
        return "callback.stale"
    if walk.is_done:
        return record_hours(session, now, inspector, assignment, _worked_as_given(shift, walk))
    template, params, rows = _next_step(assignment, shift, walk)
    outbox.edit(
        session,
        now,
        inspector,
        f"hours:{assignment.id}",
        Message(template, {"date": planning.when(shift)["date"], **params}, buttons=rows),
    )
    return "callback.noted"


def _walk(shift: Shift, steps: list[str]) -> Walk | None:
    """The taps, if every one is among the choices offered at its step (else a stale or forged button)."""
    if steps == ["ok"]:
        return Walk(0, 0, *planned_break(shift, 0, 0), is_done=True)
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
    start, end, break_from, break_length = [*numbers, None, None, None][:4]
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
    return (
        chosen == (0, 0)
        or chosen == planned_break(shift, walk.start, walk.end)
        or (
            walk.break_from in _break_starts(shift, walk.start, walk.end)
            and walk.break_length in _break_lengths(shift, walk.start, walk.end, walk.break_from)
        )
    )


def _next_step(assignment: Assignment, shift: Shift, walk: Walk) -> tuple[str, dict[str, str], Rows]:
    """The question after these taps and its buttons: start, end, when the break was (the planned one,
    none, or another: its start, then its length), then the check."""
    if walk.start is None:
        return (
            "hours.pick_start",
            {},
            in_rows(
                [
                    Button("button.time", _data(assignment, s), {"time": clock(shift.starts_at, s)})
                    for s in START_STEPS
                ],
                4,
            ),
        )
    start = walk.start
    if walk.end is None:
        return (
            "hours.pick_end",
            {"start": clock(shift.starts_at, start)},
            in_rows(
                [
                    Button("button.time", _data(assignment, start, e), {"time": clock(shift.ends_at, e)})
                    for e in END_STEPS
                    if _worked(shift, start, e, 0) > 0
                ],
                4,
            ),
        )
    end = walk.end
    worked_span = {"start": clock(shift.starts_at, start), "end": clock(shift.ends_at, end)}
    if walk.other:
        return (
            "hours.pick_break_start",
            worked_span,
            in_rows(
                [
                    Button(
                        "button.time", _data(assignment, start, end, b), {"time": clock(shift.starts_at, b)}
                    )
                    for b in _break_starts(shift, start, end)
                ],
                4,
            ),
        )
    if walk.break_from is None:
        return "hours.pick_break", worked_span, [[b] for b in _break_choices(assignment, shift, start, end)]
    if walk.break_length is None:
        return (
            "hours.pick_break_length",
            {"break_start": clock(shift.starts_at, walk.break_from)},
            in_rows(
                [
                    Button(
                        "button.minutes", _data(assignment, start, end, walk.break_from, m), {"minutes": m}
                    )
                    for m in _break_lengths(shift, start, end, walk.break_from)
                ],
                4,
            ),
        )
    pause = (walk.break_from, walk.break_length)
    return (
        "hours.check",
        {
            **_shown(shift, start, end, pause),
            "worked": hours_text(_worked(shift, start, end, walk.break_length)),
        },
        [
            [
                Button("button.confirm", _data(assignment, start, end, *pause, "ok")),
                Button("button.again", _data(assignment, "fix")),
            ]
        ],
    )


def _break_choices(assignment: Assignment, shift: Shift, start: int, end: int) -> list[Button]:
    """One tap for the planned break (shown as the time it was planned), one for none, one for another."""
    planned = planned_break(shift, start, end)
    choices = [
        Button("button.no_break", _data(assignment, start, end, 0, 0)),
        Button("button.other", _data(assignment, start, end, "a")),
    ]
    if planned != (0, 0):
        choices.insert(
            0,
            Button(
                "button.planned_break",
                _data(assignment, start, end, *planned),
                {"span": break_span(shift, planned)},
            ),
        )
    return choices


def _worked_as_given(shift: Shift, walk: Walk) -> Worked:
    start, end, pause = walk.start or 0, walk.end or 0, (walk.break_from or 0, walk.break_length or 0)
    at = shift.starts_at + timedelta(minutes=pause[0])
    return Worked(
        starts_at=shift.starts_at + timedelta(minutes=start),
        ends_at=shift.ends_at + timedelta(minutes=end),
        pause=(at, at + timedelta(minutes=pause[1])) if pause[1] else None,
        shown=_shown(shift, start, end, pause),
    )


def _worked(shift: Shift, start: int, end: int, pause: int) -> int:
    span = shift.ends_at + timedelta(minutes=end) - shift.starts_at - timedelta(minutes=start)
    return int(span.total_seconds() // 60) - pause


def _break_starts(shift: Shift, start: int, end: int) -> list[int]:
    """Whole and half hours at least half an hour into the work and half an hour before its end
    (as minutes from the planned start). The team's zone is whole hours off UTC, so UTC alignment is
    local alignment."""
    first, last = start + BREAK_MARGIN, minutes_of(shift.ends_at - shift.starts_at) + end - BREAK_MARGIN
    offset = -minutes_of(shift.starts_at - datetime(2000, 1, 1, tzinfo=UTC)) % BREAK_GRID
    return list(range(first + (offset - first) % BREAK_GRID, last + 1, BREAK_GRID))


def _break_lengths(shift: Shift, start: int, end: int, break_from: int) -> list[int]:
    work_end = minutes_of(shift.ends_at - shift.starts_at) + end
    return [m for m in BREAK_LENGTHS if break_from + m < work_end and _worked(shift, start, end, m) > 0]


def _shown(shift: Shift, start: int, end: int, pause: tuple[int, int]) -> dict[str, str]:
    return {
        "date": planning.when(shift)["date"],
        "start": clock(shift.starts_at, start),
        "end": clock(shift.ends_at, end),
        "break": break_span(shift, pause),
    }


def _data(assignment: Assignment, *steps: int | str) -> HoursStep:
    return HoursStep(assignment.id, assignment.version, tuple(map(str, steps)))

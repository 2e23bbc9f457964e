"""Work outside shifts in the bot: /werk, then a few taps (what, which day, from when, how long, check).

The choices travel in the callback data (`WorkStep`: the kind's letter, days before today, the
starting hour, the length, "ok"), so nothing is kept between taps, and only
offered choices are accepted. Every message is silent and names no place. The hours are booked by
`work_hours.record_work`, which refuses an overlap: a second tap on "correct" books nothing twice.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy.orm import Session

from backend.models import HourCategory, Inspector
from backend.services import outbox, report_hours, work_hours
from backend.services.errors import Refused
from backend.services.outbox import Message
from bot.callbacks import WorkStep
from bot.keyboards import Button, in_rows
from scheduling.calendar import local_date, local_instant, team_zone

KINDS = {
    "p": HourCategory.PREPARATION,
    "t": HourCategory.TRAINING,
    "i": HourCategory.PEER_REVIEW,
    "c": HourCategory.COORDINATION,
}
"""The kinds by their letter in the callback data; coordination is offered to the coordinator only."""
DAYS_BACK = 7
"""Today and the six days before: older work is for the coordinator to book on the web."""
START_HOURS = range(7, 22)
LENGTHS = (30, 60, 90, 120, 180, 240, 360, 480)


def begin(session: Session, now: datetime, inspector: Inspector) -> None:
    """/werk: ask what kind of work."""
    kinds = [
        letter
        for letter, kind in KINDS.items()
        if kind is not HourCategory.COORDINATION or inspector.is_coordinator
    ]
    outbox.send(
        session,
        now,
        inspector,
        Message(
            "work.pick_kind",
            buttons=[
                [Button("button.kind", WorkStep(letter), {"kind": KINDS[letter].value})] for letter in kinds
            ],
            disable_notification=True,
        ),
        ref=_ref(inspector),
    )


def press(session: Session, now: datetime, inspector: Inspector, tap: WorkStep) -> str:
    """One tap in the walk; returns the callback answer's template key."""
    steps = [tap.kind, *tap.steps]
    chosen = _read(inspector, now, steps)
    if chosen is None:
        return "callback.stale"
    kind, numbers, is_done = chosen
    data = WorkStep(steps[0], tuple(map(str, numbers)))
    if len(numbers) < 3:
        template, params, buttons = _next_question(now, kind, numbers, data)
        _edit(session, now, inspector, template, params, buttons)
        return "callback.noted"
    day = local_date(now) - timedelta(days=numbers[0])
    starts_at = local_instant(day, time(numbers[1]))
    ends_at = starts_at + timedelta(minutes=numbers[2])
    shown = {**_shown(kind, day, starts_at), "end": _clock(ends_at), "worked": _hours(numbers[2])}
    if not is_done:
        _edit(
            session,
            now,
            inspector,
            "work.check",
            shown,
            [Button("button.confirm", _then(data, "ok")), Button("button.again", WorkStep(steps[0]))],
            per_row=2,
        )
        return "callback.noted"
    return _record(session, now, inspector, kind, starts_at, ends_at, shown)


def _next_question(
    now: datetime, kind: HourCategory, numbers: list[int], data: WorkStep
) -> tuple[str, dict[str, str], list[Button]]:
    """Which day (today and the days before), from what hour, then how long."""
    if not numbers:
        days = [(n, local_date(now) - timedelta(days=n)) for n in range(DAYS_BACK)]
        return (
            "work.pick_day",
            {"kind": kind.value},
            [
                Button("button.date", _then(data, n), {"written_date": d.isoformat()})
                for n, d in days
                if _starts(now, d)
            ],
        )
    day = local_date(now) - timedelta(days=numbers[0])
    if len(numbers) == 1:
        return (
            "work.pick_start",
            {"kind": kind.value, "date": day.isoformat()},
            [Button("button.time", _then(data, h), {"time": f"{h:02d}:00"}) for h in _starts(now, day)],
        )
    starts_at = local_instant(day, time(numbers[1]))
    return (
        "work.pick_length",
        _shown(kind, day, starts_at),
        [
            Button("button.duration", _then(data, m), {"duration": _hours(m)})
            for m in _lengths(now, starts_at)
        ],
    )


def _record(
    session: Session,
    now: datetime,
    inspector: Inspector,
    kind: HourCategory,
    starts_at: datetime,
    ends_at: datetime,
    shown: dict[str, str],
) -> str:
    if (uncountable := report_hours.uncountable(session, starts_at, ends_at)) is not None:
        return uncountable
    try:
        work_hours.record_work(
            session,
            now,
            f"inspector:{inspector.id}",
            inspector_id=inspector.id,
            category=kind,
            starts_at=starts_at,
            ends_at=ends_at,
        )
    except Refused:
        return "callback.work_overlap"
    _edit(session, now, inspector, "work.recorded", shown, [])
    return "callback.recorded"


def _read(
    inspector: Inspector, now: datetime, steps: list[str]
) -> tuple[HourCategory, list[int], bool] | None:
    """The kind, the numbers tapped and whether "correct" was tapped, if each was offered."""
    kind = KINDS.get(steps[0]) if steps else None
    if kind is None or (kind is HourCategory.COORDINATION and not inspector.is_coordinator):
        return None
    is_done = steps[-1] == "ok"
    taps = steps[1:-1] if is_done else steps[1:]
    if len(taps) > 3 or (is_done and len(taps) != 3) or not all(t.isdigit() and len(t) <= 3 for t in taps):
        return None
    numbers = [int(t) for t in taps]
    if numbers and numbers[0] >= DAYS_BACK:
        return None
    day = local_date(now) - timedelta(days=numbers[0]) if numbers else None
    if len(numbers) >= 2 and (day is None or numbers[1] not in _starts(now, day)):
        return None
    if (
        len(numbers) == 3
        and day is not None
        and numbers[2] not in _lengths(now, local_instant(day, time(numbers[1])))
    ):
        return None
    return kind, numbers, is_done


def _starts(now: datetime, day: date) -> list[int]:
    """Hours of the day at which some offered length has ended by now."""
    return [h for h in START_HOURS if local_instant(day, time(h)) + timedelta(minutes=LENGTHS[0]) <= now]


def _lengths(now: datetime, starts_at: datetime) -> list[int]:
    """Lengths that have ended by now (hours are booked once worked)."""
    return [m for m in LENGTHS if starts_at + timedelta(minutes=m) <= now]


def _shown(kind: HourCategory, day: date, starts_at: datetime) -> dict[str, str]:
    return {"kind": kind.value, "date": day.isoformat(), "start": _clock(starts_at)}


def _edit(
    session: Session,
    now: datetime,
    inspector: Inspector,
    template: str,
    params: dict[str, str],
    buttons: list[Button],
    per_row: int = 4,
) -> None:
    outbox.edit(
        session, now, inspector, _ref(inspector), Message(template, params, buttons=in_rows(buttons, per_row))
    )


def _then(data: WorkStep, choice: int | str) -> WorkStep:
    """The walk so far and one more choice."""
    return WorkStep(data.kind, (*data.steps, str(choice)))


def _ref(inspector: Inspector) -> str:
    return f"work:{inspector.id}"


def _clock(instant: datetime) -> str:
    return f"{instant.astimezone(team_zone()):%H:%M}"


def _hours(minutes: int) -> str:
    return f"{minutes // 60}:{minutes % 60:02d}"

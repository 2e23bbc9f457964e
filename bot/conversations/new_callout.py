"""The coordinator's guided call-out in the bot (/oproep).

Source, municipality, day and window are buttons whose choices travel in the
callback data (`DraftStep`: "n:<source>:<municipality>:<yyyymmdd>:<hour>"), so nothing is
kept between those taps. The address and the notes are typed; the bot holds
them in its process memory only until the call-out is made, and deletes the
typed messages from the chat. A restart drops a half-made draft, address and
all, which is the safe way to lose it. The call-out itself is made by
`callouts.create_callout`, exactly as from the web.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend import text
from backend.models import CalloutSource, Inspector, Municipality
from backend.services import callouts, findings, offers, outbox, profile
from backend.services.errors import ServiceError
from backend.services.outbox import Message
from bot.callbacks import DraftStep
from bot.keyboards import Button
from scheduling.calendar import local_date, local_instant, team_zone

WINDOW_STARTS = (14, 16, 10)
"""Start hours on offer; a call-out lasts nine hours with an hour's break, as a control day."""
WINDOW = timedelta(hours=9)
DAYS_AHEAD = 7


@dataclass(frozen=True)
class Draft:
    source: CalloutSource
    municipality_id: int
    day: date
    start_hour: int

    @property
    def starts_at(self) -> datetime:
        return local_instant(self.day, time(self.start_hour))


@dataclass
class Progress:
    """A draft between messages, held by the bot in memory: the address, then the notes, then Send."""

    draft: Draft
    stage: str = "location"
    """location -> notes -> confirm -> sent."""
    location: str = ""
    notes: str = ""
    repeat: findings.RecentControl | None = None
    """The address's last control in the team's warning period, shown with the summary."""

    @property
    def awaits_text(self) -> bool:
        return self.stage in ("location", "notes")


def begin(session: Session, now: datetime, coordinator: Inspector) -> bool:
    """Ask for the source; False (nothing sent) when this is not a coordinator."""
    if not coordinator.is_coordinator:
        return False
    buttons = [[Button(f"source.{s.value}", DraftStep((s.value,)))] for s in profile.callout_sources(session)]
    outbox.send(
        session,
        now,
        coordinator,
        Message("draft.source", buttons=[*buttons, _cancel()], disable_notification=True),
        ref=_ref(coordinator),
    )
    return True


def press(
    session: Session, now: datetime, coordinator: Inspector, steps: list[str]
) -> tuple[str, Progress | None]:
    """A tap in the button part; returns the callback answer's key and, once the window is chosen,
    the draft's progress for the bot to hold (it then waits for the address)."""
    if not coordinator.is_coordinator:
        return "callback.stale", None
    if steps == ["x"]:
        outbox.edit(session, now, coordinator, _ref(coordinator), Message("draft.cancelled"))
        return "callback.done", None
    choice = _choice(session, now, steps)
    if choice is None:
        return "callback.stale", None
    source, municipality, day, hour = choice
    if municipality is None:
        rows = _participating(session)
        buttons = [Button("button.label", _then(steps, m.id), {"label": m.name}) for m in rows]
        _edit(session, now, coordinator, "draft.municipality", buttons, 2)
    elif day is None:
        today = local_date(now)
        days = [today + timedelta(days=n) for n in range(DAYS_AHEAD)]
        buttons = [
            Button("button.day", _then(steps, f"{d:%Y%m%d}"), {"date": d.isoformat()})
            for d in days
            if _open_windows(now, d)
        ]
        _edit(session, now, coordinator, "draft.day", buttons, 3)
    elif hour is None:
        buttons = [
            Button("button.window", _then(steps, h), {"start": f"{h:02d}:00", "end": _end(day, h)})
            for h in _open_windows(now, day)
        ]
        _edit(session, now, coordinator, "draft.window", buttons, 3)
    else:
        outbox.edit(session, now, coordinator, _ref(coordinator), Message("draft.location"))
        return "callback.noted", Progress(Draft(CalloutSource(source), municipality, day, hour))
    return "callback.noted", None


def take_text(
    session: Session, now: datetime, coordinator: Inspector, progress: Progress, typed: str
) -> None:
    """The address, then the notes; text that is empty (once cleaned) or too long is asked for again."""
    typed = text.clean(typed)
    stage = progress.stage
    limit = callouts.MAX_LOCATION if stage == "location" else callouts.MAX_NOTES
    if not 0 < len(typed) <= limit:
        outbox.send(
            session,
            now,
            coordinator,
            Message(f"draft.{stage}_unusable", disable_notification=True),
            ref=_ref(coordinator),
        )
    elif stage == "location":
        progress.location, progress.stage = typed, "notes"
        progress.repeat = findings.recent_control(session, now, typed)
        outbox.send(
            session,
            now,
            coordinator,
            Message(
                "draft.notes",
                buttons=[[Button("button.no_notes", DraftStep(("none",)))], _cancel()],
                disable_notification=True,
            ),
            ref=_ref(coordinator),
        )
    else:
        progress.notes, progress.stage = typed, "confirm"
        _summarise(session, now, coordinator, progress)


def skip_notes(session: Session, now: datetime, coordinator: Inspector, progress: Progress | None) -> str:
    """ "No notes": on to the summary; the callback answer's key."""
    if progress is None or progress.stage != "notes":
        return "callback.stale"
    progress.stage = "confirm"
    _summarise(session, now, coordinator, progress)
    return "callback.noted"


def send(session: Session, now: datetime, coordinator: Inspector, progress: Progress | None) -> str:
    """Make the call-out; returns the callback answer's key (a refusal is told in the chat).
    The draft is used up either way: its stage becomes "sent"."""
    if progress is None or progress.stage != "confirm" or not coordinator.is_coordinator:
        return "callback.stale"
    progress.stage = "sent"
    draft = progress.draft
    new = callouts.NewCallout(
        draft.municipality_id,
        draft.source,
        draft.starts_at,
        draft.starts_at + WINDOW,
        progress.location,
        progress.notes,
    )
    try:
        made = callouts.create_callout(session, now, f"inspector:{coordinator.id}", new, coordinator.id)
    except ServiceError as refused:
        outbox.edit(
            session,
            now,
            coordinator,
            _ref(coordinator),
            Message("draft.refused", {"field": refused.field or "-"}),
        )
        return "callback.stale"
    offered = {"offered": offers.offered(session, made.shift_id)}
    outbox.edit(session, now, coordinator, _ref(coordinator), Message("draft.sent", offered))
    return "callback.done"


def _summarise(session: Session, now: datetime, coordinator: Inspector, progress: Progress) -> None:
    """The draft in one message (without the address), with Send and Cancel; with the address's last
    control when that was recent (Send then goes ahead knowingly)."""
    draft, repeat = progress.draft, progress.repeat
    municipality = session.get_one(Municipality, draft.municipality_id)
    known = (
        {}
        if repeat is None
        else {"controlled_date": repeat.controlled_on.isoformat(), "control": repeat.label}
    )
    outbox.send(
        session,
        now,
        coordinator,
        Message(
            "draft.summary" if repeat is None else "draft.summary_repeat",
            {
                "date": draft.day.isoformat(),
                "start": f"{draft.start_hour:02d}:00",
                "end": _end(draft.day, draft.start_hour),
                "municipality": municipality.name,
                "source": draft.source.value,
                **known,
            },
            buttons=[[Button("button.send", DraftStep(("go",)))], _cancel()],
            disable_notification=True,  # every step of /oproep answers the coordinator's own message
        ),
        ref=_ref(coordinator),
    )


def _choice(
    session: Session, now: datetime, steps: list[str]
) -> tuple[str, int | None, date | None, int | None] | None:
    """The taps so far (source, municipality, day, hour), if each is one that was offered."""
    if not 1 <= len(steps) <= 4 or steps[0] not in {s.value for s in profile.callout_sources(session)}:
        return None
    municipality = day = hour = None
    try:
        if len(steps) > 1:
            municipality = int(steps[1])
            if municipality not in {m.id for m in _participating(session)}:
                return None
        if len(steps) > 2:
            day = datetime.strptime(steps[2], "%Y%m%d").date()
            if not 0 <= (day - local_date(now)).days < DAYS_AHEAD:
                return None
        if len(steps) > 3:
            hour = int(steps[3])
            if day is None or hour not in _open_windows(now, day):
                return None
    except ValueError:
        return None
    return steps[0], municipality, day, hour


def _end(day: date, hour: int) -> str:
    """The window's end on the clock (nine real hours, also across a change to or from summer time)."""
    return f"{(local_instant(day, time(hour)) + WINDOW).astimezone(team_zone()):%H:%M}"


def _open_windows(now: datetime, day: date) -> list[int]:
    """Start hours whose window has not ended yet."""
    return [h for h in WINDOW_STARTS if local_instant(day, time(h)) + WINDOW > now]


def _participating(session: Session) -> list[Municipality]:
    return list(
        session.execute(
            select(Municipality).where(Municipality.is_participating.is_(True)).order_by(Municipality.name)
        ).scalars()
    )


def _edit(
    session: Session,
    now: datetime,
    coordinator: Inspector,
    template: str,
    buttons: list[Button],
    per_row: int,
) -> None:
    rows = [buttons[i : i + per_row] for i in range(0, len(buttons), per_row)]
    outbox.edit(session, now, coordinator, _ref(coordinator), Message(template, buttons=[*rows, _cancel()]))


def _cancel() -> list[Button]:
    return [Button("button.stop", DraftStep(("x",)))]


def _then(steps: list[str], choice: int | str) -> DraftStep:
    """The choices so far and one more."""
    return DraftStep((*steps, str(choice)))


def _ref(coordinator: Inspector) -> str:
    return f"draft:{coordinator.id}"

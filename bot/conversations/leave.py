"""Days off in the chat (/afwezig): the marked periods, each with a button to remove it, and a
walk to mark new ones.

The walk is a few taps whose choices travel in the callback data (`LeaveStep`), as in the hours
walk, so nothing is kept between taps: `n` (new) then the first day, the last day and a reason;
`x:<id>` removes one. Days are offered two weeks to a screen, with a button for later. The
periods are marked and removed by `leave.mark` and `leave.remove`, as on the web.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from backend.models import Inspector
from backend.services import outbox
from backend.services.errors import NotFound
from backend.services.leave import LONGEST, clashes, mark, remove, upcoming
from backend.services.outbox import Message
from bot.callbacks import LeaveStep
from bot.keyboards import Button, Rows
from scheduling.calendar import local_date

DAYS_A_SCREEN = 14
PAGES = 13
"""First days are offered up to half a year ahead (13 screens of two weeks)."""
BOT_REASONS = {"leave": "leave", "training": "training", "work": "other work"}
"""What the bot offers as a reason: its code in the button, the words stored (the web translates them)."""
REF = "leave"


def send_menu(session: Session, now: datetime, inspector: Inspector) -> None:
    """/afwezig: their marked days off, each with a button to remove it, and one to mark new ones.
    Silent: it is their answer, and nothing for a lock screen."""
    marked = upcoming(session, now, inspector.id)
    items = [
        {"template": "leave.item", "first_date": m.first.isoformat(), "last_date": m.last.isoformat()}
        for m in marked
    ]
    rows = [[Button("button.leave_new", LeaveStep(("n",)))]] + [
        [
            Button(
                "button.leave_remove",
                LeaveStep(("x", str(m.id))),
                {"first_date": m.first.isoformat(), "last_date": m.last.isoformat()},
            )
        ]
        for m in marked
    ]
    template = "leave.menu" if marked else "leave.menu_empty"
    outbox.send(
        session,
        now,
        inspector,
        Message(template, {"items": items}, buttons=rows, protect_content=True, disable_notification=True),
        ref=REF,
    )


def press(session: Session, now: datetime, inspector: Inspector, tap: LeaveStep) -> str:
    """One tap of the walk; returns the callback answer's template key."""
    steps = list(tap.steps)
    if steps[:1] == ["x"] and len(steps) == 2 and steps[1].isdigit():
        try:
            remove(session, now, f"inspector:{inspector.id}", int(steps[1]), own=inspector.id)
        except NotFound:
            return "callback.stale"
        _edit(session, now, inspector, "leave.removed", {}, [])
        return "callback.done"
    walk = _walk(now, steps)
    if walk is None:
        return "callback.stale"
    first, last, page, reason = walk
    if reason is not None and first is not None and last is not None:
        return _record(session, now, inspector, first, last, reason)
    if first is None:
        _edit(session, now, inspector, "leave.pick_first", {}, _days(("n",), local_date(now), page))
    elif last is None:
        _edit(
            session,
            now,
            inspector,
            "leave.pick_last",
            {"first_date": first.isoformat()},
            _days(("n", f"{first:%Y%m%d}"), first, page),
        )
    else:
        _edit(
            session,
            now,
            inspector,
            "leave.pick_reason",
            {"first_date": first.isoformat(), "last_date": last.isoformat()},
            _reasons(first, last),
        )
    return "callback.noted"


Walk = tuple["date | None", "date | None", int, "str | None"]
"""First day, last day, the screen of days shown, the reason (`-` for none)."""


def _walk(now: datetime, steps: list[str]) -> Walk | None:
    """The taps, if each is one the walk offers (else a stale or forged button)."""
    if steps[:1] != ["n"]:
        return None
    rest, page = steps[1:], 0
    if rest[-1:] and rest[-1].startswith("p"):
        later = _page(rest.pop()[1:])
        if later is None or len(rest) > 1:
            return None
        page = later
    days = [_day(text) for text in rest[:2]]
    if None in days or len(rest) > 3:
        return None
    first, last = [*days, None, None][:2]
    today = local_date(now)
    if first is not None and not today <= first < today + timedelta(days=DAYS_A_SCREEN * PAGES):
        return None
    if first is not None and last is not None and not first <= last < first + LONGEST:
        return None
    reason = rest[2] if len(rest) == 3 else None
    if reason is not None and reason not in (*BOT_REASONS, "-"):
        return None
    return first, last, page, reason


def _page(text: str) -> int | None:
    return int(text) if text.isdigit() and int(text) < PAGES * 2 else None


def _day(text: str) -> date | None:
    try:
        return datetime.strptime(text, "%Y%m%d").date() if len(text) == 8 else None
    except ValueError:
        return None


def _days(prefix: tuple[str, ...], since: date, page: int) -> Rows:
    """Two weeks of day buttons from `since` (screen `page`), a week a row, and "later"."""
    first = since + timedelta(days=DAYS_A_SCREEN * page)
    days = [first + timedelta(days=n) for n in range(DAYS_A_SCREEN)]
    rows = [
        [
            Button("button.leave_day", LeaveStep((*prefix, f"{d:%Y%m%d}")), {"date": d.isoformat()})
            for d in week
        ]
        for week in (days[:7], days[7:])
    ]
    if page + 1 < PAGES:
        rows.append([Button("button.leave_later", LeaveStep((*prefix, f"p{page + 1}")))])
    return rows


def _reasons(first: date, last: date) -> Rows:
    chosen = ("n", f"{first:%Y%m%d}", f"{last:%Y%m%d}")
    return [
        [Button(f"button.leave_{code}", LeaveStep((*chosen, code))) for code in BOT_REASONS],
        [Button("button.leave_no_reason", LeaveStep((*chosen, "-")))],
    ]


def _record(
    session: Session, now: datetime, inspector: Inspector, first: date, last: date, reason: str
) -> str:
    marked = mark(
        session, now, f"inspector:{inspector.id}", inspector.id, first, last, BOT_REASONS.get(reason)
    )
    still_on = len(clashes(session, marked))
    template = "leave.marked_clash" if still_on else "leave.marked"
    _edit(
        session,
        now,
        inspector,
        template,
        {"first_date": first.isoformat(), "last_date": last.isoformat(), "shifts": still_on},
        [],
    )
    return "callback.done"


def _edit(
    session: Session,
    now: datetime,
    inspector: Inspector,
    template: str,
    params: dict[str, object],
    rows: Rows,
) -> None:
    outbox.edit(session, now, inspector, REF, Message(template, params, buttons=rows))

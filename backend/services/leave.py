"""Leave and other days off: marked by the inspector in the bot (/afwezig) or by the coordinator on
the web and the API, in whole local days. The roster proposal, call-out offers and cover requests
read them through `planning.team` and leave the inspector out; a widened call-out still asks them
(their choice, as before).

The reason is optional and sealed; the audit log holds ids and days only. A period is erased
`retention` after it ended (`purge_ended`): the evaluation does not need it.

In the bot the walk is a few taps whose choices travel in the callback data ("l:<steps>"), as in
the hours walk, so nothing is kept between taps: `n` (new) then the first day, the last day and
a reason; `x:<id>` removes one. Days are offered two weeks to a screen, with a button for later.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from backend.db import rows_changed
from backend.models import Assignment, Inspector, Shift, ShiftStatus, Unavailability
from backend.services import audit, outbox, planning
from backend.services.errors import NotFound, Refused
from backend.services.outbox import Button, Message
from scheduling.calendar import local_date, local_day_start

LONGEST = timedelta(days=366)
"""One period at most this long: a year's leave; longer is an inspector leaving the team."""
REASON_LENGTH = 200
DAYS_A_SCREEN = 14
PAGES = 13
"""The bot offers first days up to half a year ahead (13 screens of two weeks)."""
BOT_REASONS = {"leave": "leave", "training": "training", "work": "other work"}
"""What the bot offers as a reason: its code in the button, the words stored (the web translates them)."""
REF = "leave"


@dataclass(frozen=True)
class Leave:
    """A marked period as pages, the API and the bot show it."""

    id: int
    inspector_id: int
    first: date
    last: date
    reason: str | None
    created_by: str


def mark(session: Session, now: datetime, actor: str, inspector_id: int, first: date, last: date,
         reason: str | None = None) -> Leave:
    """Mark `inspector_id` unavailable from `first` to `last` (both included, local days)."""
    person = session.get(Inspector, inspector_id)
    if person is None or not person.is_active:
        raise NotFound("inspector_id", "no active inspector with this id")
    if last < first:
        raise Refused("the last day is before the first", field="last")
    if first < local_date(now):
        raise Refused("days off are marked from today on", field="first")
    if last - first >= LONGEST:
        raise Refused("one period is at most a year", field="last")
    reason = (reason or "").strip() or None
    if reason is not None and len(reason) > REASON_LENGTH:
        raise Refused("the reason is at most 200 characters", field="reason")
    row = Unavailability(inspector_id=inspector_id, starts_at=local_day_start(first),
                         ends_at=local_day_start(last + timedelta(days=1)), reason=reason,
                         created_by=actor, created_at=now)
    session.add(row)
    session.flush()
    audit.record(session, now, actor, "leave.marked", f"inspector:{inspector_id}",
                 {"leave": row.id, "first": first.isoformat(), "last": last.isoformat()})
    return _view(row)


def remove(session: Session, now: datetime, actor: str, leave_id: int, own: int | None = None) -> None:
    """Remove a marked period; with `own`, only if it is that inspector's."""
    row = session.get(Unavailability, leave_id)
    if row is None or (own is not None and row.inspector_id != own):
        raise NotFound("leave_id", "no days off with this id")
    audit.record(session, now, actor, "leave.removed", f"inspector:{row.inspector_id}", {"leave": row.id})
    session.delete(row)
    session.flush()


def upcoming(session: Session, now: datetime, inspector_id: int | None = None) -> list[Leave]:
    """Periods not yet over, soonest first; everyone's, or one inspector's."""
    query = select(Unavailability).where(Unavailability.ends_at > now)
    if inspector_id is not None:
        query = query.where(Unavailability.inspector_id == inspector_id)
    rows = session.execute(query.order_by(Unavailability.starts_at, Unavailability.id)).scalars()
    return [_view(row) for row in rows]


def clashes(session: Session, leave: Leave) -> list[Shift]:
    """Shifts the inspector is still on during the period: they ask for cover, as before."""
    return list(session.execute(
        select(Shift).join(Assignment, Assignment.shift_id == Shift.id)
        .where(Assignment.inspector_id == leave.inspector_id,
               Assignment.status.in_(planning.LIVE_ASSIGNMENTS), Shift.status != ShiftStatus.CANCELLED,
               Shift.starts_at < local_day_start(leave.last + timedelta(days=1)),
               Shift.ends_at > local_day_start(leave.first))
        .order_by(Shift.starts_at)).scalars())


def purge_ended(session: Session, now: datetime, retention: timedelta) -> int:
    """Erase periods that ended longer than `retention` ago; returns how many."""
    return rows_changed(session, delete(Unavailability).where(Unavailability.ends_at < now - retention))


def _view(row: Unavailability) -> Leave:
    last = local_date(row.ends_at - timedelta(seconds=1))
    return Leave(row.id, row.inspector_id, local_date(row.starts_at), last, row.reason, row.created_by)


# The bot's walk (/afwezig).

def send_menu(session: Session, now: datetime, inspector: Inspector) -> None:
    """/afwezig: their marked days off, each with a button to remove it, and one to mark new ones.
    Silent: it is their answer, and nothing for a lock screen."""
    marked = upcoming(session, now, inspector.id)
    items = [{"template": "leave.item", "first_date": m.first.isoformat(), "last_date": m.last.isoformat()}
             for m in marked]
    rows = [[Button("button.leave_new", "l:n")]] + [
        [Button("button.leave_remove", f"l:x:{m.id}", {"first_date": m.first.isoformat(),
                                                      "last_date": m.last.isoformat()})] for m in marked]
    template = "leave.menu" if marked else "leave.menu_empty"
    outbox.send(session, now, inspector, Message(template, {"items": items}, buttons=rows,
                                                 protect_content=True, disable_notification=True), ref=REF)


def press(session: Session, now: datetime, inspector: Inspector, steps: list[str]) -> str:
    """One tap of the walk; returns the callback answer's template key."""
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
        _edit(session, now, inspector, "leave.pick_first", {}, _days("l:n", local_date(now), page))
    elif last is None:
        _edit(session, now, inspector, "leave.pick_last", {"first_date": first.isoformat()},
              _days(f"l:n:{first:%Y%m%d}", first, page))
    else:
        _edit(session, now, inspector, "leave.pick_reason",
              {"first_date": first.isoformat(), "last_date": last.isoformat()}, _reasons(first, last))
    return "callback.noted"


Walk = tuple["date | None", "date | None", int, "str | None"]
"""First day, last day, the screen of days shown, the reason (`-` for none)."""


def _walk(now: datetime, steps: list[str]) -> Walk | None:
    """The taps, if each is one the walk offers (else a stale or forged button)."""
    if steps[:1] != ["n"]:
        return None
    rest, page = steps[1:], 0
    if rest[-1:] and rest[-1].startswith("p"):
        shown = _page(rest.pop()[1:])
        if shown is None or len(rest) > 1:
            return None
        page = shown
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


def _days(prefix: str, since: date, page: int) -> list[list[Button]]:
    """Two weeks of day buttons from `since` (screen `page`), a week a row, and "later"."""
    first = since + timedelta(days=DAYS_A_SCREEN * page)
    days = [first + timedelta(days=n) for n in range(DAYS_A_SCREEN)]
    rows = [[Button("button.leave_day", f"{prefix}:{d:%Y%m%d}", {"date": d.isoformat()}) for d in week]
            for week in (days[:7], days[7:])]
    if page + 1 < PAGES:
        rows.append([Button("button.leave_later", f"{prefix}:p{page + 1}")])
    return rows


def _reasons(first: date, last: date) -> list[list[Button]]:
    data = f"l:n:{first:%Y%m%d}:{last:%Y%m%d}"
    return [[Button(f"button.leave_{code}", f"{data}:{code}") for code in BOT_REASONS],
            [Button("button.leave_no_reason", f"{data}:-")]]


def _record(session: Session, now: datetime, inspector: Inspector, first: date, last: date,
            reason: str) -> str:
    marked = mark(session, now, f"inspector:{inspector.id}", inspector.id, first, last,
                  BOT_REASONS.get(reason))
    still_on = len(clashes(session, marked))
    template = "leave.marked_clash" if still_on else "leave.marked"
    _edit(session, now, inspector, template, {"first_date": first.isoformat(), "last_date": last.isoformat(),
                                              "shifts": still_on}, [])
    return "callback.done"


def _edit(session: Session, now: datetime, inspector: Inspector, template: str, params: dict[str, object],
          rows: list[list[Button]]) -> None:
    outbox.edit(session, now, inspector, REF, Message(template, params, buttons=rows))

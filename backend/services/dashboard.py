"""What the coordinator sees: call-outs with their live state, shifts with their pair, what waits on her.

Read-only views as plain data (first names only; never a location), shared by
the web page, its JSON twin and the calendar.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, literal, or_, select
from sqlalchemy.orm import Session, load_only

from backend.db import among
from backend.models import (
    Assignment,
    Callout,
    CalloutStatus,
    Inspector,
    Municipality,
    Offer,
    Report,
    ReportStatus,
    Shift,
    ShiftStatus,
)
from backend.services import ledger, work_hours
from backend.services.planning import LIVE_ASSIGNMENTS
from scheduling import pairing
from scheduling.calendar import local_date

RECENT_CALLOUTS = timedelta(hours=24)
"""A filled or closed call-out stays on the board this long."""


@dataclass(frozen=True)
class Person:
    inspector_id: int
    first_name: str
    is_trained: bool
    status: str
    """Offer status (pending, accepted, ...) or assignment status (proposed, confirmed, ...)."""
    is_reachable: bool = True
    """Has a linked phone (not cut off): the bot can ask and remind them."""


@dataclass(frozen=True)
class ShiftView:
    shift_id: int
    kind: str
    municipality: str
    starts_at: datetime
    ends_at: datetime
    status: str
    people: tuple[Person, ...]
    is_staffed: bool
    """At least two, one of them trained: the pair rule without the mixed-gender preference."""
    callout_id: int | None = None


@dataclass(frozen=True)
class CalloutView:
    callout_id: int
    source: str
    status: str
    shift: ShiftView
    created_at: datetime
    minutes_open: int
    escalated_at: datetime | None
    widened_at: datetime | None
    offers: tuple[Person, ...]


@dataclass(frozen=True)
class Named:
    """An inspector as a page shows them: a first name, and whether trained (on a day)."""

    id: int
    first_name: str
    trained_since: date | None
    is_reachable: bool = True

    def person(self, status: str, at: datetime) -> Person:
        is_trained = pairing.is_trained(self.trained_since, local_date(at))
        return Person(self.id, self.first_name, is_trained, status, self.is_reachable)


NAMED = (
    Inspector.id,
    Inspector.first_name,
    Inspector.trained_since,
    and_(Inspector.telegram_index.is_not(None), Inspector.revoked_at.is_(None)),
)


def first_names(session: Session, ids: Iterable[int]) -> dict[int, Named]:
    """Inspectors by id with only their first name opened (one query; full names stay sealed)."""
    wanted = set(ids)
    if not wanted:
        return {}
    return {
        row[0]: Named(*row)
        for row in session.execute(select(*NAMED).where(among(session, Inspector.id, wanted)))
    }


ShiftRow = tuple[Shift, str, "int | None"]
"""A shift with its municipality's name and its call-out's id, if it is one."""


def shift_rows(session: Session, *conditions: Any) -> list[ShiftRow]:
    query = (
        select(Shift, Municipality.name, Callout.id)
        .join(Municipality, Municipality.id == Shift.municipality_id)
        .outerjoin(Callout, Callout.shift_id == Shift.id)
        .where(*conditions)
        .order_by(Shift.starts_at, Shift.id)
    )
    return [(shift, name, callout_id) for shift, name, callout_id in session.execute(query)]


def shifts_between(session: Session, start: datetime, end: datetime) -> list[ShiftView]:
    """Every shift starting in [start, end) that is not cancelled, with the people on it (two queries)."""
    return views(
        session,
        shift_rows(
            session, Shift.starts_at >= start, Shift.starts_at < end, Shift.status != ShiftStatus.CANCELLED
        ),
    )


def views(session: Session, rows: Sequence[ShiftRow]) -> list[ShiftView]:
    """The shifts with the people standing on them, read in one query."""
    ids = [shift.id for shift, _, _ in rows]
    on: dict[int, list[tuple[str, Named]]] = {}
    if ids:
        for shift_id, status, inspector_id, first_name, trained_since, is_reachable in session.execute(
            select(Assignment.shift_id, Assignment.status, *NAMED)
            .join(Inspector, Inspector.id == Assignment.inspector_id)
            .where(among(session, Assignment.shift_id, ids), Assignment.status.in_(LIVE_ASSIGNMENTS))
            .order_by(Assignment.id)
        ):
            named = Named(inspector_id, first_name, trained_since, is_reachable)
            on.setdefault(shift_id, []).append((status.value, named))
    made = []
    for shift, municipality, callout_id in rows:
        people = tuple(named.person(status, shift.starts_at) for status, named in on.get(shift.id, []))
        made.append(
            ShiftView(
                shift_id=shift.id,
                kind=shift.kind.value,
                municipality=municipality,
                starts_at=shift.starts_at,
                ends_at=shift.ends_at,
                status=shift.status.value,
                people=people,
                is_staffed=len(people) >= 2 and any(p.is_trained for p in people),
                callout_id=callout_id,
            )
        )
    return made


def gaps(views: Iterable[ShiftView]) -> list[ShiftView]:
    """Shifts without a valid pair yet."""
    return [v for v in views if not v.is_staffed]


def callouts(
    session: Session, now: datetime, callout_ids: Sequence[int] | None = None, since: datetime | None = None
) -> list[CalloutView]:
    """Open call-outs and those filled or closed since `since` (or just these ids), newest first."""
    # The location and notes stay sealed: no page of the board shows them.
    query = (
        select(Callout)
        .options(load_only(*SHOWN_CALLOUT))
        .order_by(Callout.created_at.desc(), Callout.id.desc())
    )
    if callout_ids is not None:
        query = query.where(Callout.id.in_(callout_ids))
    else:
        since = since or now - RECENT_CALLOUTS
        query = query.where(or_(_OPEN, Callout.created_at >= since))
    found = list(session.execute(query).scalars())
    shift_ids = [c.shift_id for c in found]
    shifts = {v.shift_id: v for v in views(session, shift_rows(session, among(session, Shift.id, shift_ids)))}
    offers = (
        session.execute(
            select(Offer.shift_id, Offer.inspector_id, Offer.status)
            .where(among(session, Offer.shift_id, shifts))
            .order_by(Offer.id)
        ).all()
        if shifts
        else []
    )
    names = first_names(session, (o.inspector_id for o in offers))
    people: dict[int, list[Person]] = {}
    for offer in offers:
        people.setdefault(offer.shift_id, []).append(
            names[offer.inspector_id].person(offer.status.value, shifts[offer.shift_id].starts_at)
        )
    return [
        CalloutView(
            callout_id=c.id,
            source=c.source.value,
            status=c.status.value,
            shift=shifts[c.shift_id],
            created_at=c.created_at,
            minutes_open=_minutes_open(c, now),
            escalated_at=c.escalated_at,
            widened_at=c.widened_at,
            offers=tuple(people.get(c.shift_id, ())),
        )
        for c in found
    ]


_OPEN = Callout.status == literal(CalloutStatus.OPEN, Callout.status.type, literal_execute=True)
"""In the statement's text, not a parameter: the partial index of open call-outs serves only a
condition it can see is its own, and a prepared statement's generic plan cannot."""

SHOWN_CALLOUT = (
    Callout.id,
    Callout.shift_id,
    Callout.source,
    Callout.status,
    Callout.created_at,
    Callout.filled_at,
    Callout.closed_at,
    Callout.escalated_at,
    Callout.widened_at,
)


def _minutes_open(callout: Callout, now: datetime) -> int:
    end = callout.filled_at or callout.closed_at or now
    return max(0, int((end - callout.created_at).total_seconds() // 60))


@dataclass(frozen=True)
class Waiting:
    hour_entries: int
    reports_to_write: int
    reports_to_review: int


def waiting(session: Session, heads: Sequence[Any] | None = None) -> Waiting:
    """Lines of the hour approval list (their `heads`, as `ledger.pending_heads` reads them, if read
    already) the coordinator approves (her own are finance's), and reports not yet written or not yet
    reviewed."""
    theirs = work_hours.coordinator_ids(session)
    heads = ledger.pending_heads(session) if heads is None else heads
    unapproved = sum(head.inspector_id not in theirs for head in heads)
    reports = dict(
        session.execute(select(Report.status, func.count(Report.id)).group_by(Report.status)).all()
    )
    return Waiting(unapproved, reports.get(ReportStatus.PENDING, 0), reports.get(ReportStatus.WRITTEN, 0))


def month_days(year: int, month: int) -> list[date]:
    """The days of a month, for the calendar grid."""
    first = date(year, month, 1)
    following = date(year + month // 12, month % 12 + 1, 1)
    return [date.fromordinal(d) for d in range(first.toordinal(), following.toordinal())]

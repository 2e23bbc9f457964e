"""Safety alerts and their ladder: the coordinator, then the back-up, then everyone at once.

An alert (a missed check-out, an alarm, a duress check-out) goes first to the coordinator: the
first enrolled coordinator not on the shift. Nobody takes it within the team's
`coordinator_alert_minutes`: the back-up hears of it (the other coordinators, not on the shift),
and after `backup_alert_minutes` every coordinator and every admin with a phone, at once. It then
stays open on the dispatch board until someone resolves it: there is no silent end.

Each climb is a compare-and-set on (id, stage, version) in the transaction that queues its messages,
so a sweep that runs twice, on two instances or again after a restart, tells nobody twice. Taking an
alert is a conditional UPDATE that must touch exactly one row: of two taps at once, one owns it.

Names and places go only in silent, protected messages; what rings shows the day and the time.
The alert's recipients are found back through the outbox (`ref` "safety:<id>"), to edit their copy.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.db import rows_changed
from backend.models import (
    AlertKind,
    AlertOutcome,
    AlertStage,
    Assignment,
    Callout,
    Inspector,
    OutboxMessage,
    Role,
    SafetyAlert,
    SafetyWatch,
    Shift,
    ShiftStatus,
    WebUser,
)
from backend.services import audit, offers, outbox, planning, profile
from backend.services.errors import NotFound, Refused
from backend.services.outbox import Message
from scheduling.calendar import team_zone

OPEN_UP_TO = timedelta(days=1)
"""A shift that ended longer ago than this before its alert was due (the scheduler was down for a
day) still gets its alert: the point is that nobody is forgotten."""


@dataclass(frozen=True)
class OpenAlert:
    """An alert as the dispatch board shows it."""

    id: int
    kind: AlertKind
    municipality: str
    since_at: datetime
    stage: AlertStage
    taken_by: str | None
    """Who took it, as a person reads it (a name, or the web account)."""
    who: tuple[str, ...]


def ref(alert_id: int) -> str:
    return f"safety:{alert_id}"


def raise_missed(session: Session, now: datetime) -> int:
    """The job: a missed-check-out alert for every shift whose pair is not all checked out by the
    planned end plus the team's `checkout_alert_minutes`; returns how many were raised."""
    grace = timedelta(minutes=profile.safety_minutes(session).checkout_alert)
    shifts = (
        session.execute(
            select(Shift)
            .join(SafetyWatch, SafetyWatch.shift_id == Shift.id)
            .join(Assignment, Assignment.id == SafetyWatch.assignment_id)
            .where(
                SafetyWatch.checked_out_at.is_(None),
                Shift.ends_at <= now - grace,
                Shift.status != ShiftStatus.CANCELLED,
                Assignment.status.in_(planning.LIVE_ASSIGNMENTS),
            )
            .distinct()
            .order_by(Shift.id)
        )
        .scalars()
        .all()
    )
    raised = 0
    for shift in shifts:
        missing = _missing(session, shift)
        if missing and _raise(
            session, now, shift, AlertKind.MISSED_CHECKOUT, None, shift.ends_at, once_key=f"missed:{shift.id}"
        ):
            raised += 1
    return raised


def raise_now(
    session: Session, now: datetime, shift: Shift, kind: AlertKind, by: Inspector
) -> SafetyAlert | None:
    """An alarm or a duress check-out: straight to the coordinator, ringing."""
    return _raise(session, now, shift, kind, by, now)


def climb(session: Session, now: datetime) -> int:
    """The job: every alert nobody took in time goes one step up; returns how many climbed."""
    due = (
        session.execute(
            select(SafetyAlert)
            .where(
                SafetyAlert.next_step_at <= now,
                SafetyAlert.taken_at.is_(None),
                SafetyAlert.resolved_at.is_(None),
            )
            .order_by(SafetyAlert.id)
        )
        .scalars()
        .all()
    )
    return sum(_climb(session, now, alert) for alert in due)


def take(
    session: Session, now: datetime, alert_id: int, taker: str, inspector: Inspector | None = None
) -> str:
    """Own the alert: the first to take it has it (compare-and-set); returns the answer's key."""
    alert = session.get(SafetyAlert, alert_id)
    if alert is None:
        return "callback.safety_stale"
    if inspector is not None and (not may_handle(session, inspector) or _is_on(session, alert, inspector)):
        return "callback.safety_not_yours"
    owned = rows_changed(
        session,
        update(SafetyAlert)
        .where(SafetyAlert.id == alert_id, SafetyAlert.taken_at.is_(None), SafetyAlert.resolved_at.is_(None))
        .values(taken_by=taker, taken_at=now, next_step_at=None, version=SafetyAlert.version + 1)
        .execution_options(synchronize_session=False),
    )
    if owned != 1:
        return "callback.safety_taken"
    session.refresh(alert)
    audit.record(session, now, taker, "safety.alert_taken", f"safety_alert:{alert_id}")
    _tell_taken(session, now, alert, inspector)
    return "callback.safety_yours"


def resolve(
    session: Session,
    now: datetime,
    alert_id: int,
    actor: str,
    outcome: AlertOutcome,
    inspector: Inspector | None = None,
) -> str:
    """Close the alert with what happened. In the bot only its owner can (a coordinator, or an admin
    with a linked phone); on the web any coordinator, who then takes it in the same step (it may have
    climbed to everyone). Admins have no dispatch board: they take and resolve in the bot."""
    alert = session.get(SafetyAlert, alert_id)
    if alert is None:
        if inspector is not None:
            return "callback.safety_stale"
        raise NotFound("alert", "there is no such safety alert", code="safety.no_alert")
    if alert.resolved_at is not None:
        return "callback.safety_resolved_before"
    if inspector is not None and not may_handle(session, inspector):
        return "callback.safety_not_yours"
    if inspector is not None and alert.taken_by != actor:  # the outcomes are shown to the owner only
        return "callback.safety_stale" if alert.taken_by is None else "callback.safety_taken"
    done = rows_changed(
        session,
        update(SafetyAlert)
        .where(SafetyAlert.id == alert_id, SafetyAlert.resolved_at.is_(None))
        .values(
            resolved_by=actor,
            resolved_at=now,
            outcome=outcome,
            next_step_at=None,
            taken_by=alert.taken_by or actor,
            taken_at=alert.taken_at or now,
            version=SafetyAlert.version + 1,
        )
        .execution_options(synchronize_session=False),
    )
    if done != 1:
        return "callback.safety_resolved_before"
    session.refresh(alert)
    audit.record(
        session, now, actor, "safety.alert_resolved", f"safety_alert:{alert_id}", {"outcome": outcome.value}
    )
    _tell_resolved(session, now, alert)
    return "callback.safety_resolved"


def may_handle(session: Session, inspector: Inspector) -> bool:
    """Coordinators and admins with a phone take and resolve alerts; nobody else sees them."""
    return inspector.is_coordinator or inspector.id in _admin_inspector_ids(session)


def open_alerts(session: Session) -> list[OpenAlert]:
    """Every unresolved alert, oldest first, for the dispatch board (coordinators see names)."""
    alerts = (
        session.execute(
            select(SafetyAlert)
            .where(SafetyAlert.resolved_at.is_(None))
            .order_by(SafetyAlert.raised_at, SafetyAlert.id)
        )
        .scalars()
        .all()
    )
    shown = []
    for alert in alerts:
        shift = session.get_one(Shift, alert.shift_id)
        shown.append(
            OpenAlert(
                alert.id,
                alert.kind,
                offers.municipality_name(session, shift),
                alert.since_at,
                alert.stage,
                _taker_name(session, alert.taken_by) if alert.taken_by else None,
                tuple(_names(session, _who(session, alert))),
            )
        )
    return shown


# -- raising and climbing ----------------------------------------------------------------


def _raise(
    session: Session,
    now: datetime,
    shift: Shift,
    kind: AlertKind,
    by: Inspector | None,
    since: datetime,
    once_key: str | None = None,
) -> SafetyAlert | None:
    """Write the alert and tell the coordinator, in one savepoint: a second sweep that raced this one
    (the once_key is unique) leaves no trace."""
    if once_key and session.execute(select(SafetyAlert.id).where(SafetyAlert.once_key == once_key)).first():
        return None
    minutes = profile.safety_minutes(session)
    alert = SafetyAlert(
        shift_id=shift.id,
        kind=kind,
        once_key=once_key,
        raised_by_id=by.id if by else None,
        raised_at=now,
        since_at=since,
        stage=AlertStage.COORDINATOR,
        next_step_at=now + timedelta(minutes=minutes.coordinator),
    )
    try:
        with session.begin_nested():
            session.add(alert)
            session.flush()
    except IntegrityError:  # another sweep raised it a moment ago; that one told the coordinator
        return None
    audit.record(
        session,
        now,
        "job:safety" if by is None else f"inspector:{by.id}",
        f"safety.{kind.value}",
        f"safety_alert:{alert.id}",
    )
    if not _notify(session, now, alert, AlertStage.COORDINATOR):
        _climb(session, now, alert)  # nobody to tell at this step: straight on up
    return alert


def _climb(session: Session, now: datetime, alert: SafetyAlert) -> bool:
    """One step up, by compare-and-set; steps without anyone to tell are passed at once."""
    minutes = profile.safety_minutes(session)
    stage = alert.stage
    while stage is not AlertStage.EVERYONE:
        higher = AlertStage.BACKUP if stage is AlertStage.COORDINATOR else AlertStage.EVERYONE
        next_at = now + timedelta(minutes=minutes.backup) if higher is AlertStage.BACKUP else None
        moved = rows_changed(
            session,
            update(SafetyAlert)
            .where(
                SafetyAlert.id == alert.id,
                SafetyAlert.stage == alert.stage,
                SafetyAlert.version == alert.version,
                SafetyAlert.taken_at.is_(None),
            )
            .values(stage=higher, next_step_at=next_at, version=SafetyAlert.version + 1)
            .execution_options(synchronize_session=False),
        )
        if moved != 1:
            return False  # taken meanwhile, or another run climbed it
        session.refresh(alert)
        audit.record(
            session,
            now,
            "job:safety",
            "safety.alert_climbed",
            f"safety_alert:{alert.id}",
            {"stage": higher.value},
        )
        if _notify(session, now, alert, higher) or higher is AlertStage.EVERYONE:
            return True
        stage = higher
    return False


def _recipients(session: Session, alert: SafetyAlert, stage: AlertStage) -> list[Inspector]:
    """Who hears of the alert at `stage`; never the people on the shift itself."""
    on_shift = set(
        session.execute(
            select(Assignment.inspector_id).where(Assignment.shift_id == alert.shift_id)
        ).scalars()
    )
    enrolled = session.execute(
        select(Inspector)
        .where(
            Inspector.is_coordinator.is_(True),
            Inspector.is_active.is_(True),
            Inspector.telegram_index.is_not(None),
            Inspector.revoked_at.is_(None),
        )
        .order_by(Inspector.id)
    ).scalars()
    coordinators = [c for c in enrolled if c.id not in on_shift]
    if stage is AlertStage.COORDINATOR:
        return coordinators[:1]
    if stage is AlertStage.BACKUP:
        return coordinators[1:]
    admins = [
        i
        for i in session.execute(
            select(Inspector).where(
                Inspector.id.in_(_admin_inspector_ids(session)), Inspector.telegram_index.is_not(None)
            )
        ).scalars()
        if i.id not in on_shift and i not in coordinators
    ]
    return coordinators + admins


def _notify(session: Session, now: datetime, alert: SafetyAlert, stage: AlertStage) -> int:
    """Queue the alert to the stage's people, a ringing heads-up before each; returns how many. At the top
    everyone hears it again at once, also who was told before: nobody reacted, so it rings anew, and
    their older copy leaves the chat first (one copy each, which taking and resolving then edit)."""
    already = _told(session, alert.id)
    message = _message(session, now, alert)
    told = 0
    for person in _recipients(session, alert, stage):
        if person.id in already and stage is not AlertStage.EVERYONE:
            continue
        if person.id in already:
            outbox.delete(session, now, person, ref(alert.id))
        told += outbox.send(session, now, person, message, ref=ref(alert.id))
    return told


def _message(session: Session, now: datetime, alert: SafetyAlert) -> Message:
    shift = session.get_one(Shift, alert.shift_id)
    when = planning.when(shift)
    params = {
        "date": when["date"],
        "start": when["start"],
        "end": when["end"],
        "municipality": offers.municipality_name(session, shift),
        "place": _place(session, shift),
        "who": ", ".join(_names(session, _who(session, alert))),
        "since": clock_time(alert.since_at),
        "minutes": max(0, int((now - alert.since_at).total_seconds()) // 60),
    }
    return Message(
        f"safety.{alert.kind.value}",
        params,
        about={"alert": alert.id},
        protect_content=True,
        heads_up=f"safety.{alert.kind.value}_alert",
    )


def _tell_taken(session: Session, now: datetime, alert: SafetyAlert, taker: Inspector | None) -> None:
    """The owner's copy asks what happened; everyone else's says who has it (no buttons left)."""
    owner = _taker_name(session, alert.taken_by)
    for person in _people(session, _told(session, alert.id)):
        if taker is not None and person.id == taker.id:
            outbox.edit(
                session,
                now,
                person,
                ref(alert.id),
                Message("safety.what_happened", about={"alert": alert.id}),
            )
        else:
            outbox.edit(session, now, person, ref(alert.id), Message("safety.taken_by", {"taker": owner}))


def _tell_resolved(session: Session, now: datetime, alert: SafetyAlert) -> None:
    for person in _people(session, _told(session, alert.id)):
        outbox.edit(
            session,
            now,
            person,
            ref(alert.id),
            Message(
                "safety.resolved",
                {
                    "outcome": alert.outcome.value if alert.outcome else "",
                    "taker": _taker_name(session, alert.resolved_by),
                },
            ),
        )


# -- small look-ups --------------------------------------------------------------------


def _missing(session: Session, shift: Shift) -> list[int]:
    """Who is still on the shift and has not checked out (someone released after the start is not)."""
    return list(
        session.execute(
            select(SafetyWatch.inspector_id)
            .join(Assignment, Assignment.id == SafetyWatch.assignment_id)
            .where(
                SafetyWatch.shift_id == shift.id,
                SafetyWatch.checked_out_at.is_(None),
                Assignment.status.in_(planning.LIVE_ASSIGNMENTS),
            )
            .order_by(SafetyWatch.inspector_id)
        ).scalars()
    )


def _is_on(session: Session, alert: SafetyAlert, inspector: Inspector) -> bool:
    """Whether the inspector works the alert's shift: nobody takes an alert about themselves."""
    return (
        session.execute(
            select(Assignment.id).where(
                Assignment.shift_id == alert.shift_id, Assignment.inspector_id == inspector.id
            )
        ).first()
        is not None
    )


def _who(session: Session, alert: SafetyAlert) -> list[int]:
    if alert.raised_by_id is not None:
        return [alert.raised_by_id]
    return list(
        session.execute(
            select(SafetyWatch.inspector_id)
            .where(
                SafetyWatch.shift_id == alert.shift_id,
                SafetyWatch.checked_out_at.is_(None) | (SafetyWatch.checked_out_at > alert.raised_at),
            )
            .order_by(SafetyWatch.inspector_id)
        ).scalars()
    )


def _names(session: Session, ids: list[int]) -> list[str]:
    return [session.get_one(Inspector, i).name for i in ids]


def _people(session: Session, ids: set[int]) -> list[Inspector]:
    return [session.get_one(Inspector, i) for i in sorted(ids)]


def _told(session: Session, alert_id: int) -> set[int]:
    return {
        i
        for i in session.execute(
            select(OutboxMessage.inspector_id).where(
                OutboxMessage.ref == ref(alert_id), OutboxMessage.method == outbox.SEND
            )
        ).scalars()
        if i is not None
    }


def _admin_inspector_ids(session: Session) -> list[int]:
    return [
        i
        for i in session.execute(
            select(WebUser.inspector_id).where(WebUser.role == Role.ADMIN, WebUser.is_active.is_(True))
        ).scalars()
        if i is not None
    ]


def _place(session: Session, shift: Shift) -> str:
    """The call-out's address while it is kept; a control day's municipality says where."""
    callout = session.execute(select(Callout).where(Callout.shift_id == shift.id)).scalar_one_or_none()
    return callout.location if callout is not None and callout.location else "-"


def _taker_name(session: Session, taker: str | None) -> str:
    kind, _, key = (taker or "").partition(":")
    if kind == "inspector" and key.isdigit():
        found = session.get(Inspector, int(key))
        return found.name if found is not None else "?"
    return key or "?"


def clock_time(at: datetime) -> str:
    """An instant as the team's clock shows it ("23:30")."""
    return at.astimezone(team_zone()).strftime("%H:%M")


def refuse_unknown_outcome(value: str) -> AlertOutcome:
    try:
        return AlertOutcome(value)
    except ValueError:
        raise Refused("unknown outcome", field="outcome", code="safety.unknown_outcome") from None

"""Ad-hoc call-outs: create, offer, answer, fill the pair atomically, remind, escalate, widen, cancel.

Every entry point takes the acting party and the time, changes state with
compare-and-set updates, and queues its messages in the same transaction.
Acceptances of one call-out are serialised on the call-out's row (SELECT ...
FOR UPDATE on PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises
writers), so twenty taps at once still make exactly one pair.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, undefer

from backend.models import (
    Assignment,
    AssignmentStatus,
    Callout,
    CalloutSource,
    CalloutStatus,
    Inspector,
    Municipality,
    Offer,
    OfferStatus,
    Shift,
    ShiftKind,
    ShiftStatus,
)
from backend.services import audit, outbox, planning
from backend.services.errors import NotFound, Refused
from backend.services.outbox import Button, Message
from scheduling import pairing

MAX_LOCATION, MAX_NOTES = 300, 2000
# A bot may delete its own messages for 48 hours; a location sent earlier than
# this before the shift ends is held back until closer to the start.
LOCATION_LEAD = timedelta(hours=40)


@dataclass(frozen=True)
class NewCallout:
    municipality_id: int
    source: CalloutSource
    starts_at: datetime
    ends_at: datetime
    location: str
    notes: str = ""
    break_minutes: int = 60


class Answer(enum.StrEnum):
    STALE = "stale"
    DECLINED = "declined"
    WAITING = "waiting"
    STANDBY = "standby"
    CONFIRMED = "confirmed"
    FILLED = "filled"
    CANCELLED = "cancelled"


def create_callout(session: Session, now: datetime, actor: str, new: NewCallout) -> Callout:
    """Record the call-out and offer it to everyone who may go."""
    municipality = _validated(session, now, new)
    shift = Shift(
        kind=ShiftKind.CALLOUT,
        municipality_id=municipality.id,
        starts_at=new.starts_at,
        ends_at=new.ends_at,
        planned_break_minutes=new.break_minutes,
        created_at=now,
    )
    session.add(shift)
    session.flush()
    callout = Callout(
        shift_id=shift.id,
        source=new.source,
        location=new.location.strip(),
        notes=new.notes.strip() or None,
        created_by=actor,
        created_at=now,
    )
    session.add(callout)
    session.flush()
    offered = _offer(session, now, callout, shift, widen=False)
    audit.record(
        session,
        now,
        actor,
        "callout.created",
        f"callout:{callout.id}",
        {"municipality": municipality.id, "source": new.source.value, "offered": offered},
    )
    outbox.to_coordinators(
        session,
        now,
        Message(
            "coordinator.callout_created",
            {**planning.when(shift), "municipality": municipality.name, "offered": offered},
        ),
    )
    return callout


def answer_offer(
    session: Session, now: datetime, inspector_id: int, offer_id: int, version: int, accept: bool
) -> Answer:
    """One tap on Accept or Decline; a stale, repeated or forged tap changes nothing."""
    offer = session.get(Offer, offer_id)
    if offer is None or offer.inspector_id != inspector_id:
        return Answer.STALE
    callout = _locked_callout(session, offer.shift_id)
    if callout.status is not CalloutStatus.OPEN:
        return Answer.CANCELLED if callout.status is CalloutStatus.CANCELLED else Answer.FILLED
    new_status = OfferStatus.ACCEPTED if accept else OfferStatus.DECLINED
    changed = session.execute(
        update(Offer)
        .where(Offer.id == offer_id, Offer.status == OfferStatus.PENDING, Offer.version == version)
        .values(status=new_status, answered_at=now, version=Offer.version + 1)
    ).rowcount
    if changed != 1:
        return Answer.STALE
    session.refresh(offer)
    inspector = session.get_one(Inspector, inspector_id)
    if not accept:
        outbox.edit(
            session,
            now,
            inspector,
            f"offer:{offer.id}",
            Message("offer.declined", planning.when(offer_shift(session, offer))),
        )
        audit.record(session, now, f"inspector:{inspector_id}", "offer.declined", f"offer:{offer.id}")
        return Answer.DECLINED
    audit.record(session, now, f"inspector:{inspector_id}", "offer.accepted", f"offer:{offer.id}")
    return _settle(session, now, callout, inspector_id)


def remind_and_escalate(
    session: Session, now: datetime, remind_after: timedelta, escalate_after: timedelta
) -> tuple[int, int]:
    """The job: remind who has not answered, alert the coordinator about what is still open.

    Each step is a compare-and-set on a timestamp, so running the job twice (two
    instances, a restart) sends nothing twice. Returns (reminders, escalations).
    """
    reminders = 0
    stale = (
        session.execute(
            select(Offer)
            .join(Callout, Callout.shift_id == Offer.shift_id)
            .where(
                Offer.status == OfferStatus.PENDING,
                Offer.reminded_at.is_(None),
                Offer.sent_at <= now - remind_after,
                Callout.status == CalloutStatus.OPEN,
            )
        )
        .scalars()
        .all()
    )
    for offer in stale:
        if (
            session.execute(
                update(Offer).where(Offer.id == offer.id, Offer.reminded_at.is_(None)).values(reminded_at=now)
            ).rowcount
            == 1
        ):
            inspector = session.get_one(Inspector, offer.inspector_id)
            outbox.send(
                session,
                now,
                inspector,
                Message("offer.reminder", planning.when(offer_shift(session, offer))),
                ref=f"reminder:{offer.id}",
            )
            reminders += 1
    escalations = 0
    open_ones = (
        session.execute(
            select(Callout).where(
                Callout.status == CalloutStatus.OPEN,
                Callout.escalated_at.is_(None),
                Callout.created_at <= now - escalate_after,
            )
        )
        .scalars()
        .all()
    )
    for callout in open_ones:
        if (
            session.execute(
                update(Callout)
                .where(Callout.id == callout.id, Callout.escalated_at.is_(None))
                .values(escalated_at=now)
            ).rowcount
            == 1
        ):
            _escalate(session, now, callout)
            escalations += 1
    return reminders, escalations


def coordinator_action(
    session: Session, now: datetime, coordinator: Inspector, callout_id: int, version: int, action: str
) -> bool:
    """A coordinator's button on an escalation: widen ("w") or cancel ("x"), only while the
    call-out is as the button saw it. False when it is not a coordinator, or the button is stale."""
    callout = session.get(Callout, callout_id)
    if not coordinator.is_coordinator or callout is None or callout.version != version:
        return False
    actor = f"inspector:{coordinator.id}"
    try:
        if action == "w":
            widen(session, now, actor, callout_id)
        else:
            cancel(session, now, actor, callout_id)
    except Refused:
        return False
    return True


def widen(session: Session, now: datetime, actor: str, callout_id: int) -> int:
    """Offer to every designated inspector not yet asked, and stop waiting for a mixed pair."""
    callout = _locked_callout_by_id(session, callout_id)
    if callout.status is not CalloutStatus.OPEN:
        raise Refused("this call-out is no longer open")
    callout.widened_at = now
    callout.version += 1
    shift = session.get_one(Shift, callout.shift_id)
    offered = _offer(session, now, callout, shift, widen=True)
    audit.record(session, now, actor, "callout.widened", f"callout:{callout.id}", {"offered": offered})
    accepted = _offers(session, callout.shift_id, OfferStatus.ACCEPTED)
    if accepted:
        _settle(session, now, callout, accepted[-1].inspector_id)
    return offered


def cancel(session: Session, now: datetime, actor: str, callout_id: int) -> None:
    """Cancel: every offer withdrawn, the pair (if any) released and told, the location deleted."""
    callout = _locked_callout_by_id(session, callout_id)
    if callout.status is CalloutStatus.CANCELLED:
        return
    shift = session.get_one(Shift, callout.shift_id)
    callout.status, callout.closed_at, callout.version = CalloutStatus.CANCELLED, now, callout.version + 1
    shift.status = ShiftStatus.CANCELLED
    for offer in _offers(session, shift.id, OfferStatus.PENDING, OfferStatus.ACCEPTED, OfferStatus.STANDBY):
        offer.status, offer.version = OfferStatus.WITHDRAWN, offer.version + 1
        outbox.edit(
            session,
            now,
            _inspector(session, offer.inspector_id),
            f"offer:{offer.id}",
            Message("offer.cancelled", planning.when(shift)),
        )
    for assignment in _assignments(session, shift.id):
        assignment.status = AssignmentStatus.RELEASED
        inspector = _inspector(session, assignment.inspector_id)
        outbox.send(
            session, now, inspector, Message("pair.cancelled", planning.when(shift)), ref=f"cancel:{shift.id}"
        )
        outbox.delete(session, now, inspector, f"location:{shift.id}:{inspector.id}")
    audit.record(session, now, actor, "callout.cancelled", f"callout:{callout.id}")


def offer_shift(session: Session, offer: Offer) -> Shift:
    return session.get_one(Shift, offer.shift_id)


def _settle(session: Session, now: datetime, callout: Callout, inspector_id: int) -> Answer:
    """Apply the pairing rule to everyone who has said yes so far."""
    shift = session.get_one(Shift, callout.shift_id)
    offered = [o.inspector_id for o in _offers(session, shift.id, *OfferStatus)]
    involved = offered + [a.inspector_id for a in _assignments(session, shift.id)]
    members = {
        m.inspector_id: m for m in planning.team(session, now, exclude_shift_id=shift.id, only=involved)
    }
    confirmed = [members[a.inspector_id] for a in _assignments(session, shift.id)]
    accepted = [members[o.inspector_id] for o in _offers(session, shift.id, OfferStatus.ACCEPTED)]
    pending = [members[o.inspector_id] for o in _offers(session, shift.id, OfferStatus.PENDING)]
    decision = pairing.decide_acceptance(
        planning.slot_of(shift).day, confirmed, accepted, pending, prefer_mixed=callout.widened_at is None
    )
    if decision.outcome is pairing.Outcome.COMPLETE:
        _confirm_pair(session, now, callout, shift, decision)
        return Answer.CONFIRMED if inspector_id in decision.pair else Answer.STANDBY
    waiting = _offers(session, shift.id, OfferStatus.ACCEPTED)
    for offer in waiting:
        if offer.inspector_id == inspector_id:
            outbox.edit(
                session,
                now,
                _inspector(session, inspector_id),
                f"offer:{offer.id}",
                Message(f"offer.{decision.outcome.value}", planning.when(shift)),
            )
    if decision.no_trained_left:
        outbox.to_coordinators(
            session,
            now,
            Message(
                "coordinator.no_trained_left",
                {**planning.when(shift), "municipality": _municipality_name(session, shift)},
            ),
        )
    return Answer.WAITING


def _confirm_pair(
    session: Session, now: datetime, callout: Callout, shift: Shift, decision: pairing.PairDecision
) -> None:
    callout.status, callout.filled_at, callout.version = CalloutStatus.FILLED, now, callout.version + 1
    shift.status = ShiftStatus.CONFIRMED
    pair = [_inspector(session, i, first_name=True) for i in decision.pair]
    for offer in _offers(session, shift.id, OfferStatus.ACCEPTED, OfferStatus.PENDING):
        if offer.inspector_id in decision.pair:
            continue
        offer.status = OfferStatus.STANDBY if offer.status is OfferStatus.ACCEPTED else OfferStatus.WITHDRAWN
        offer.version += 1
        template = "offer.standby" if offer.status is OfferStatus.STANDBY else "offer.filled"
        outbox.edit(
            session,
            now,
            _inspector(session, offer.inspector_id),
            f"offer:{offer.id}",
            Message(template, planning.when(shift)),
        )
    existing = {a.inspector_id for a in _assignments(session, shift.id)}
    details = {**planning.when(shift), "municipality": _municipality_name(session, shift)}
    for member, colleague in ((pair[0], pair[1]), (pair[1], pair[0])):
        if member.id not in existing:
            session.add(
                Assignment(
                    shift_id=shift.id,
                    inspector_id=member.id,
                    status=AssignmentStatus.CONFIRMED,
                    confirmed_at=now,
                    created_at=now,
                )
            )
        offer = _offer_of(session, shift.id, member.id)
        if offer is not None:
            outbox.edit(
                session, now, member, f"offer:{offer.id}", Message("offer.confirmed", planning.when(shift))
            )
        outbox.send(
            session,
            now,
            member,
            Message("pair.confirmed", {**details, "colleague": colleague.first_name}, protect_content=True),
            ref=f"confirm:{shift.id}:{member.id}",
        )
        _reveal_location(session, now, member, shift, callout)
    session.flush()
    audit.record(
        session, now, "system", "callout.filled", f"callout:{callout.id}", {"pair": list(decision.pair)}
    )
    outbox.to_coordinators(
        session,
        now,
        Message(
            "coordinator.callout_filled",
            {**details, "first": pair[0].first_name, "second": pair[1].first_name},
            protect_content=True,
        ),
    )


def _reveal_location(
    session: Session, now: datetime, member: Inspector, shift: Shift, callout: Callout
) -> None:
    """The location goes to the pair only, protected, and is deleted when the shift ends."""
    ref = f"location:{shift.id}:{member.id}"
    send_at = max(now, shift.ends_at - LOCATION_LEAD)
    outbox.send(
        session,
        now,
        member,
        Message(
            "pair.location",
            {"location": callout.location or "", "notes": callout.notes or ""},
            protect_content=True,
            disable_notification=True,
        ),
        ref=ref,
        not_before=send_at,
    )
    outbox.delete(session, now, member, ref, not_before=shift.ends_at)


def _offer(session: Session, now: datetime, callout: Callout, shift: Shift, widen: bool) -> int:
    """Offer the call-out to everyone eligible (widened: everyone designated) not yet asked."""
    slot = planning.slot_of(shift)
    candidates = pairing.eligibility(
        slot, planning.team(session, now), planning.municipality_load(session, now), ignore_unavailable=widen
    ).ranked
    details = {
        **planning.when(shift),
        "municipality": _municipality_name(session, shift),
        "source": callout.source.value,
    }
    asked = {o.inspector_id for o in _offers(session, shift.id, *OfferStatus)}
    enrolled = {
        i.id: i
        for i in session.execute(
            select(Inspector).where(Inspector.telegram_index.is_not(None), Inspector.revoked_at.is_(None))
        ).scalars()
    }
    count = 0
    for member in candidates:
        inspector = enrolled.get(member.inspector_id)
        if inspector is None or member.inspector_id in asked:
            continue
        offer = Offer(shift_id=shift.id, inspector_id=inspector.id, sent_at=now)
        session.add(offer)
        session.flush()
        _send_offer(session, now, inspector, offer, details)
        count += 1
    return count


def _send_offer(
    session: Session, now: datetime, inspector: Inspector, offer: Offer, details: dict[str, str]
) -> None:
    """Two messages: the first (with a notification) says only that there is a call-out and when,
    so the lock screen shows nothing more; the second, silent, has the municipality and the buttons."""
    alert = {key: details[key] for key in ("date", "start", "end")}
    outbox.send(session, now, inspector, Message("offer.alert", alert), ref=f"alert:{offer.id}")
    buttons = [
        [
            Button("button.accept", f"o:{offer.id}:{offer.version}:a"),
            Button("button.decline", f"o:{offer.id}:{offer.version}:d"),
        ]
    ]
    outbox.send(
        session,
        now,
        inspector,
        Message(
            "offer.details",
            details,
            buttons=buttons,
            disable_notification=True,
        ),
        ref=f"offer:{offer.id}",
    )


def _escalate(session: Session, now: datetime, callout: Callout) -> None:
    shift = session.get_one(Shift, callout.shift_id)
    counts = {status.value: len(_offers(session, shift.id, status)) for status in OfferStatus}
    buttons = [
        [
            Button("button.widen", f"c:{callout.id}:{callout.version}:w"),
            Button("button.cancel", f"c:{callout.id}:{callout.version}:x"),
        ]
    ]
    outbox.to_coordinators(
        session,
        now,
        Message(
            "coordinator.escalation",
            {
                **planning.when(shift),
                "municipality": _municipality_name(session, shift),
                "minutes": int((now - callout.created_at).total_seconds() // 60),
                **counts,
            },
            buttons=buttons,
        ),
    )
    audit.record(session, now, "system", "callout.escalated", f"callout:{callout.id}", counts)


def _validated(session: Session, now: datetime, new: NewCallout) -> Municipality:
    municipality = session.get(Municipality, new.municipality_id)
    if municipality is None or not municipality.is_participating:
        raise NotFound("municipality_id", "no participating municipality with this id")
    if new.starts_at.tzinfo is None or new.ends_at.tzinfo is None:
        raise Refused("times must carry a timezone", field="starts_at")
    if new.ends_at <= new.starts_at or new.ends_at - new.starts_at > timedelta(hours=12):
        raise Refused("the window must end after it starts and last at most 12 hours", field="ends_at")
    if new.ends_at <= now:
        raise Refused("the window has already passed", field="ends_at")
    if not new.location.strip() or len(new.location) > MAX_LOCATION:
        raise Refused(f"a location is required, at most {MAX_LOCATION} characters", field="location")
    if len(new.notes) > MAX_NOTES:
        raise Refused(f"notes are at most {MAX_NOTES} characters", field="notes")
    return municipality


def _locked_callout(session: Session, shift_id: int) -> Callout:
    return session.execute(select(Callout).where(Callout.shift_id == shift_id).with_for_update()).scalar_one()


def _locked_callout_by_id(session: Session, callout_id: int) -> Callout:
    found = session.execute(
        select(Callout).where(Callout.id == callout_id).with_for_update()
    ).scalar_one_or_none()
    if found is None:
        raise NotFound("callout_id", "no such call-out")
    return found


def _offers(session: Session, shift_id: int, *statuses: OfferStatus) -> list[Offer]:
    return list(
        session.execute(
            select(Offer)
            .where(Offer.shift_id == shift_id, Offer.status.in_(statuses))
            .order_by(Offer.answered_at, Offer.id)
        ).scalars()
    )


def _offer_of(session: Session, shift_id: int, inspector_id: int) -> Offer | None:
    return session.execute(
        select(Offer).where(Offer.shift_id == shift_id, Offer.inspector_id == inspector_id)
    ).scalar_one_or_none()


def _assignments(session: Session, shift_id: int) -> list[Assignment]:
    return list(
        session.execute(
            select(Assignment)
            .where(Assignment.shift_id == shift_id, Assignment.status.in_(planning.LIVE_ASSIGNMENTS))
            .order_by(Assignment.id)
        ).scalars()
    )


def _inspector(session: Session, inspector_id: int, first_name: bool = False) -> Inspector:
    query = select(Inspector).where(Inspector.id == inspector_id)
    if first_name:
        query = query.options(undefer(Inspector.first_name))
    return session.execute(query).scalar_one()


def _municipality_name(session: Session, shift: Shift) -> str:
    return session.get_one(Municipality, shift.municipality_id).name

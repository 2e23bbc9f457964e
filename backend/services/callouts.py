"""Ad-hoc call-outs: create, offer, answer, fill the pair atomically, remind, escalate, widen, cancel.

Every entry point takes the acting party and the time, changes state with
compare-and-set updates, and queues its messages in the same transaction.
Acceptances for one shift (a call-out or a cover) are serialised on the shift row (SELECT ...
FOR UPDATE on PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises
writers), so twenty taps at once still make exactly one pair.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol, cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.orm import Session

from backend.db import read_values, rows_changed, sync_held, table_rows_changed, write_by_key
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
from backend.services import audit, control_changes, controls, findings, offers, outbox, planning, profile
from backend.services.errors import N_, NotFound, Refused
from backend.services.offers import OfferState
from backend.services.outbox import Message, Recipient
from backend.services.planning import ShiftView
from scheduling import pairing
from scheduling.calendar import team_zone
from scheduling.ort import on_whole_minutes

ASSIGNMENTS, OFFERS = cast(Table, Assignment.__table__), cast(Table, Offer.__table__)
_INSERT_ASSIGNMENTS = insert(ASSIGNMENTS)
MAX_LOCATION, MAX_NOTES = 300, 2000
SOURCE_NOT_LISTED = N_("the team's profile does not list this source")
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


class CalloutView(Protocol):
    """A call-out as an answer to its offers needs it: loaded (`Callout`) or read as values
    (`CalloutState`)."""

    @property
    def id(self) -> int: ...

    @property
    def status(self) -> CalloutStatus: ...

    @property
    def widened_at(self) -> datetime | None: ...

    @property
    def version(self) -> int: ...

    @property
    def location(self) -> str | None: ...

    @property
    def notes(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class CalloutState:
    """A call-out read as values by a tap on one of its offers (loaded as an object, it cost the
    tap more than its query); the pair's confirmation writes it by key (`write_by_key`)."""

    id: int
    status: CalloutStatus
    widened_at: datetime | None
    version: int
    location: str | None
    notes: str | None


@dataclass(frozen=True, slots=True)
class ShiftState:
    """A shift read as values by a tap on one of its offers (loaded as an object, with the offer, it
    cost the tap more than their query); the pair's confirmation writes it by key (`write_by_key`)."""

    id: int
    municipality_id: int
    starts_at: datetime
    ends_at: datetime
    planned_break_minutes: int
    status: ShiftStatus


class Answer(enum.StrEnum):
    STALE = "stale"
    DECLINED = "declined"
    WAITING = "waiting"
    STANDBY = "standby"
    CONFIRMED = "confirmed"
    FILLED = "filled"
    CANCELLED = "cancelled"


def create_callout(
    session: Session, now: datetime, actor: str, new: NewCallout, maker_phone: int | None = None
) -> Callout:
    """Record the call-out and offer it to everyone who may go; the coordinators are told, but for
    `maker_phone` (the inspector id of a coordinator who made it in the chat, which says so there)."""
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
    findings.remember_address(session, now, shift, new.location)
    session.flush()
    offered = offers.offer_shift(session, now, shift, _details(session, shift, callout))
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
            disable_notification=True,  # the coordinator has just made it
        ),
        ref=_created_ref(callout),
        except_id=maker_phone,
    )
    return callout


def answer_offer(
    session: Session, now: datetime, inspector_id: int, offer_id: int, version: int, accept: bool
) -> Answer:
    """One tap on Accept or Decline (a call-out or a cover request); a stale, repeated or forged
    tap changes nothing."""
    found = read_values(session, _OFFER_AND_LOCKED_SHIFT, {"offer_id": offer_id}).one_or_none()
    if found is None or found.inspector_id != inspector_id:
        return Answer.STALE
    offer, shift = _offer_and_shift(found)
    offers.remember_municipality_name(session, shift.municipality_id, found.name)
    row = read_values(session, _CALLOUT_OF_SHIFT, {"shift_id": shift.id}).one_or_none()
    callout = (
        None
        if row is None
        else CalloutState(row.id, row.status, row.widened_at, row.version, row.location, row.notes)
    )
    closed = _closed(session, now, shift, callout)
    if closed is not None:
        return closed
    new_status = OfferStatus.ACCEPTED if accept else OfferStatus.DECLINED
    if not _answered(session, now, offer, version, new_status):
        return Answer.STALE
    if not accept:
        offers.tell(session, now, offer, Message("offer.declined", planning.when(shift)))
        audit.record(session, now, f"inspector:{inspector_id}", "offer.declined", f"offer:{offer.id}")
        return Answer.DECLINED
    with audit.batched(session):  # a pair's confirmation appends a second record
        audit.record(session, now, f"inspector:{inspector_id}", "offer.accepted", f"offer:{offer.id}")
        return _settle(session, now, shift, callout, inspector_id)


def _offer_and_shift(row: Any) -> tuple[OfferState, ShiftState]:
    offer = OfferState(row.id, row.inspector_id, row.status, row.version, row.is_cover, row.reminded_at)
    shift = ShiftState(
        row.shift_id,
        row.municipality_id,
        row.starts_at,
        row.ends_at,
        row.planned_break_minutes,
        row.shift_status,
    )
    return offer, shift


_OFFER_AND_LOCKED_SHIFT = (
    select(
        Offer.id,
        Offer.inspector_id,
        Offer.status,
        Offer.version,
        Offer.is_cover,
        Offer.reminded_at,
        Shift.id.label("shift_id"),
        Shift.municipality_id,
        Shift.starts_at,
        Shift.ends_at,
        Shift.planned_break_minutes,
        Shift.status.label("shift_status"),
        Municipality.name,
    )
    .join(Shift, Shift.id == Offer.shift_id)
    .join(Municipality, Municipality.id == Shift.municipality_id)
    .where(Offer.id == bindparam("offer_id"))
    .with_for_update(of=Shift)
)
"""The offer, its shift and the name of the shift's municipality (a confirmation names it) in one
statement, as values, the shift's row locked (acceptances of one shift are
serialised on it). The offer's row is not locked, as it was not when it was read before the lock: its
answer is a compare-and-set on its version (`_answered`)."""
_CALLOUT_OF_SHIFT = select(
    Callout.id, Callout.status, Callout.widened_at, Callout.version, Callout.location, Callout.notes
).where(Callout.shift_id == bindparam("shift_id"))
"""Read after the lock, by a statement of its own. Joined into the locking one it would save a query
and be wrong: on PostgreSQL, a SELECT ... FOR UPDATE that waited for the lock reads the locked row
anew but the joined rows as they were before the wait, so a call-out filled by the acceptance that
held the lock would still read as open."""
# Built once, as are the statements below them: an accept runs a dozen, and building one costs more
# than running it.
_ANSWER = (
    update(OFFERS)
    .where(
        OFFERS.c.id == bindparam("offer_id"),
        OFFERS.c.status == OfferStatus.PENDING,
        OFFERS.c.version == bindparam("seen"),
    )
    .values(status=bindparam("new_status"), answered_at=bindparam("now"), version=OFFERS.c.version + 1)
)


def _answered(session: Session, now: datetime, offer: OfferState, version: int, status: OfferStatus) -> bool:
    """The answer, by compare-and-set on the offer's version (a stale or repeated tap changes nothing);
    an offer the session holds loaded then holds it too."""
    row = {"offer_id": offer.id, "seen": version, "new_status": status, "now": now}
    if table_rows_changed(session, _ANSWER, row) != 1:
        return False
    sync_held(session, Offer, offer.id, {"status": status, "answered_at": now, "version": version + 1})
    return True


def remind_and_escalate(
    session: Session, now: datetime, remind_after: timedelta, escalate_after: timedelta
) -> tuple[int, int]:
    """The job: remind who has not answered an offer (a filled or cancelled shift has no open
    offers left), and alert the coordinator about call-outs that are still open.

    Each step is a compare-and-set on a timestamp, so running the job twice (two
    instances, a restart) sends nothing twice. Returns (reminders, escalations).
    """
    reminders = 0
    stale = (
        session.execute(
            select(Offer)
            .join(Shift, Shift.id == Offer.shift_id)
            .where(
                Offer.status == OfferStatus.PENDING,
                Offer.reminded_at.is_(None),
                Offer.sent_at <= now - remind_after,
                Shift.starts_at > now,
            )
        )
        .scalars()
        .all()
    )
    for offer in stale:
        if (
            rows_changed(
                session,
                update(Offer)
                .where(Offer.id == offer.id, Offer.reminded_at.is_(None))
                .values(reminded_at=now),
            )
            == 1
        ):
            inspector = session.get_one(Inspector, offer.inspector_id)
            outbox.send(
                session,
                now,
                inspector,
                Message(
                    "offer.reminder",
                    planning.when(session.get_one(Shift, offer.shift_id)),
                    about=offers.answer_about(offer),
                ),
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
            rows_changed(
                session,
                update(Callout)
                .where(Callout.id == callout.id, Callout.escalated_at.is_(None))
                .values(escalated_at=now),
            )
            == 1
        ):
            _escalate(session, now, callout)
            escalations += 1
    return reminders, escalations


def is_as_seen(session: Session, callout_id: int, version: int) -> bool:
    """Whether the call-out is still as a coordinator's screen showed it (at this version): the
    verbs below are for a call-out as it stands, a stale screen changes nothing."""
    callout = session.get(Callout, callout_id)
    return callout is not None and callout.version == version


def assign(session: Session, now: datetime, actor: str, callout_id: int, inspector_id: int) -> Answer:
    """The coordinator puts someone on the call-out, as if they had accepted (leave does not stop
    it; designation and working-time law do). The pairing rule then decides as for any accept,
    without waiting for a mixed pair."""
    callout = _locked_callout_by_id(session, callout_id)
    shift = session.get_one(Shift, callout.shift_id)
    if callout.status is not CalloutStatus.OPEN:
        raise Refused("this call-out is no longer open", code="callout_closed")
    if inspector_id not in {m.inspector_id for m in _assignable(session, now, shift)}:
        raise Refused("this inspector may not go", field="inspector_id", code="may_not_go")
    offer = offers.offer_of(session, shift.id, inspector_id)
    if offer is None:
        offer = Offer(shift_id=shift.id, inspector_id=inspector_id, sent_at=now)
        session.add(offer)
    offer.status, offer.answered_at = OfferStatus.ACCEPTED, now
    offer.version = (offer.version or 1) + 1
    callout.widened_at = callout.widened_at or now
    session.flush()
    outbox.send(
        session,
        now,
        offers.inspector(session, inspector_id),
        Message(
            "pair.assigned",
            {**planning.when(shift), "municipality": offers.municipality_name(session, shift)},
            heads_up="pair.assigned_alert",
        ),
    )
    audit.record(
        session, now, actor, "callout.assigned", f"callout:{callout.id}", {"inspector": inspector_id}
    )
    return _settle(session, now, shift, callout, inspector_id)


def widen(session: Session, now: datetime, actor: str, callout_id: int) -> int:
    """Offer to every designated inspector not yet asked, and stop waiting for a mixed pair.
    Returns how many more were asked; the coordinators' alert then says so and gets buttons
    that work again (widening moved the call-out's version on)."""
    callout = _locked_callout_by_id(session, callout_id)
    if callout.status is not CalloutStatus.OPEN:
        raise Refused("this call-out is no longer open", code="callout_closed")
    callout.widened_at = now
    callout.version += 1
    shift = session.get_one(Shift, callout.shift_id)
    offered = offers.offer_shift(session, now, shift, _details(session, shift, callout), widen=True)
    audit.record(session, now, actor, "callout.widened", f"callout:{callout.id}", {"offered": offered})
    accepted = offers.offers_of(session, callout.shift_id, OfferStatus.ACCEPTED)
    if accepted:
        _settle(session, now, shift, callout, accepted[-1].inspector_id)
    if callout.status is CalloutStatus.OPEN:
        _renew_alert(session, now, shift, callout, offered)
    return offered


def _renew_alert(session: Session, now: datetime, shift: Shift, callout: Callout, more: int) -> None:
    """The escalation alert after widening: how many more were asked, and buttons of the new version."""
    counts = {status.value: len(offers.offers_of(session, shift.id, status)) for status in OfferStatus}
    params = {
        **planning.when(shift),
        "municipality": offers.municipality_name(session, shift),
        "more": more,
        **counts,
    }
    outbox.edit_for_coordinators(
        session,
        now,
        f"escalation:{callout.id}",
        Message("coordinator.widened", params, about=_about(callout)),
    )


def cancel(session: Session, now: datetime, actor: str, callout_id: int, reason: str | None = None) -> None:
    """Cancel: every offer withdrawn, the pair (if any) released and told, the location deleted; the
    reason (if given) kept in the shift's history."""
    callout = _locked_callout_by_id(session, callout_id)
    if callout.status is CalloutStatus.CANCELLED:
        return
    shift = session.get_one(Shift, callout.shift_id)
    control_changes.record_callout_cancel(session, now, actor, shift, reason)
    callout.status, callout.closed_at, callout.version = CalloutStatus.CANCELLED, now, callout.version + 1
    shift.status = ShiftStatus.CANCELLED
    offers.withdraw_all(session, now, shift)
    for assignment in offers.assignments_of(session, shift.id):
        assignment.status = AssignmentStatus.RELEASED
        inspector = offers.inspector(session, assignment.inspector_id)
        outbox.send(
            session, now, inspector, Message("pair.cancelled", planning.when(shift)), ref=f"cancel:{shift.id}"
        )
        outbox.delete(session, now, inspector, f"location:{shift.id}:{inspector.id}")
    audit.record(session, now, actor, "callout.cancelled", f"callout:{callout.id}")


def _settle(
    session: Session, now: datetime, shift: ShiftView, callout: CalloutView | None, inspector_id: int
) -> Answer:
    """Apply the pairing rule to who stays on the shift and everyone who has said yes so far."""
    answers, on_shift_rows = offers.answers_and_places(session, shift.id)  # sorted by status below
    all_offers = [offer for offer, _ in answers]
    confirmed = [m for status, m in on_shift_rows if status is not AssignmentStatus.COVER_REQUESTED]
    on_it = {m.inspector_id for m in confirmed}
    on_shift = {m.inspector_id for _, m in on_shift_rows}
    accepted = [
        member
        for offer, member in answers
        if offer.status is OfferStatus.ACCEPTED
        and offer.inspector_id not in on_shift  # the pair's own yes, on a staffed call-out seeking cover
    ]
    pending = [member for offer, member in answers if offer.status is OfferStatus.PENDING]
    prefer_mixed = callout is None or callout.widened_at is None
    decision = pairing.decide_acceptance(
        planning.slot_of(shift).day, confirmed, accepted, pending, prefer_mixed
    )
    if decision.outcome is pairing.Outcome.COMPLETE:
        if callout is None or callout.status is CalloutStatus.FILLED:
            concerned = offers.close_others(session, now, shift, decision.pair, all_offers)
            controls.complete_cover(session, now, shift, decision.pair)
            if callout is not None:  # a staffed call-out that lost someone: the newcomer needs the place
                for member in (i for i in decision.pair if i not in on_it):
                    _reveal_location(session, now, concerned[member], shift, callout)
        else:
            _confirm_pair(session, now, callout, shift, decision.pair, all_offers, on_shift)
        return Answer.CONFIRMED if inspector_id in decision.pair else Answer.STANDBY
    mine = next((o for o in all_offers if o.inspector_id == inspector_id), None)
    if mine is not None and mine.status is OfferStatus.ACCEPTED:
        offers.tell(session, now, mine, Message(f"offer.{decision.outcome.value}", planning.when(shift)))
    if decision.no_trained_left:
        outbox.to_coordinators(
            session,
            now,
            Message(
                "coordinator.no_trained_left",
                {**planning.when(shift), "municipality": offers.municipality_name(session, shift)},
                heads_up="coordinator.attention",
            ),
        )
    return Answer.WAITING


def _confirm_pair(
    session: Session,
    now: datetime,
    callout: CalloutView,
    shift: ShiftView,
    pair_ids: tuple[int, ...],
    shift_offers: list[OfferState],
    existing: set[int],
) -> None:
    """The pair stands: the others' offers closed, the pair on the shift and told (with the place),
    the coordinators told who. `shift_offers` and `existing` (who is on it) come from the read that
    decided, under the shift's lock. Everything is read before anything is written (the people
    concerned and the coordinators by one query); the changed
    rows go by one UPDATE per table (`write_by_key`), the pair's places by one INSERT, and the
    messages by one INSERT when the batch ends."""
    when = planning.when(shift)
    details = {**when, "municipality": offers.municipality_name(session, shift)}
    with outbox.batched(session):
        concerned = offers.close_others(session, now, shift, pair_ids, shift_offers, coordinators=True)
        pair = [concerned[i] for i in pair_ids]
        filled = {"status": CalloutStatus.FILLED, "filled_at": now, "version": callout.version + 1}
        write_by_key(session, Callout, [(callout.id, filled)])
        write_by_key(session, Shift, [(shift.id, {"status": ShiftStatus.CONFIRMED})])
        _put_on(session, now, shift, [member.id for member in pair if member.id not in existing])
        offer_of = {o.inspector_id: o for o in shift_offers}
        for member, colleague in ((pair[0], pair[1]), (pair[1], pair[0])):
            offer = offer_of.get(member.id)
            if offer is not None:
                offers.tell(session, now, offer, Message("offer.confirmed", when), to=member)
            _tell_pair_member(session, now, member, colleague.first_name, shift, details)
            _reveal_location(session, now, member, shift, callout)
        told = Message(
            "coordinator.callout_filled",
            {**details, "first": pair[0].first_name, "second": pair[1].first_name},
            protect_content=True,
            heads_up="coordinator.callout_filled_alert",
        )
        for coordinator in outbox.enrolled_coordinators(concerned.values()):
            outbox.withdraw(session, coordinator, _created_ref(callout))  # "offered to 5": no news now
            outbox.send(session, now, coordinator, told)
    audit.record(session, now, "system", "callout.filled", f"callout:{callout.id}", {"pair": list(pair_ids)})


def _created_ref(callout: CalloutView) -> str:
    """The coordinators' message that the call-out was made and offered."""
    return f"created:{callout.id}"


def _put_on(session: Session, now: datetime, shift: ShiftView, inspector_ids: list[int]) -> None:
    """The pair's newcomers on the shift, confirmed: one INSERT for both (no one reads them back)."""
    if inspector_ids:
        confirmed = {"status": AssignmentStatus.CONFIRMED, "confirmed_at": now, "created_at": now}
        rows = [{"shift_id": shift.id, "inspector_id": i, **confirmed} for i in inspector_ids]
        session.connection().execute(_INSERT_ASSIGNMENTS, rows)


def _tell_pair_member(
    session: Session,
    now: datetime,
    member: Recipient,
    colleague: str,
    shift: ShiftView,
    details: dict[str, str],
) -> None:
    """Confirmed: the day and time ring; where and with whom follow silently, with when the location
    comes if it is held back (see LOCATION_LEAD)."""
    location_at = _location_at(now, shift)
    params = {**details, "colleague": colleague}
    template = "pair.confirmed"
    if location_at > now:
        shown = location_at.astimezone(team_zone())
        params |= {"location_date": shown.date().isoformat(), "location_time": f"{shown:%H:%M}"}
        template = "pair.confirmed_later"
    outbox.send(
        session,
        now,
        member,
        Message(template, params, protect_content=True, heads_up="pair.confirmed_alert"),
        ref=f"confirm:{shift.id}:{member.id}",
    )


def _location_at(now: datetime, shift: ShiftView) -> datetime:
    """When the location may be sent: a bot can delete it for 48 hours, so not long before the end."""
    return max(now, shift.ends_at - LOCATION_LEAD)


def _reveal_location(
    session: Session, now: datetime, member: Recipient, shift: ShiftView, callout: CalloutView
) -> None:
    """The location goes to the pair only, protected, and is deleted when the shift ends."""
    ref = f"location:{shift.id}:{member.id}"
    send_at = _location_at(now, shift)
    params = {"location": callout.location or ""}
    if callout.notes:
        params["notes"] = callout.notes
    outbox.send(
        session,
        now,
        member,
        Message(
            "pair.location_notes" if callout.notes else "pair.location",
            params,
            protect_content=True,
            disable_notification=True,
        ),
        ref=ref,
        not_before=send_at,
    )
    outbox.delete(session, now, member, ref, not_before=shift.ends_at)


def _details(session: Session, shift: Shift, callout: Callout) -> dict[str, str]:
    return {
        **planning.when(shift),
        "municipality": offers.municipality_name(session, shift),
        "source": callout.source.value,
    }


def _assignable(session: Session, now: datetime, shift: Shift) -> list[pairing.Member]:
    """Who the coordinator may put on it: designated and within working-time law, leave or not,
    and neither on it nor already said yes."""
    on_it = {a.inspector_id for a in offers.assignments_of(session, shift.id)}
    accepted = {o.inspector_id for o in offers.offers_of(session, shift.id, OfferStatus.ACCEPTED)}
    return offers.candidates(session, now, shift, ignore_unavailable=True, excluding=on_it | accepted)


def send_assign_choices(session: Session, now: datetime, coordinator: Inspector, callout_id: int) -> None:
    """Tell the coordinator whom they may assign (at most twelve, first names, who is trained),
    silently and protected: the answer to their own request."""
    callout = session.get_one(Callout, callout_id)
    shift = session.get_one(Shift, callout.shift_id)
    people = [
        [
            m.inspector_id,
            offers.inspector(session, m.inspector_id, first_name=True).first_name,
            m.trained_since is not None,
        ]
        for m in _assignable(session, now, shift)[:12]
    ]
    outbox.send(
        session,
        now,
        coordinator,
        Message(
            "coordinator.assign_whom" if people else "coordinator.assign_nobody",
            planning.when(shift),
            about={**_about(callout), "people": people},
            protect_content=True,
            disable_notification=True,  # the answer to the coordinator's own tap
        ),
    )


def _about(callout: Callout) -> dict[str, int]:
    """What a coordinator's answer refers to: the call-out as it stands (its version)."""
    return {"callout": callout.id, "version": callout.version}


def _escalate(session: Session, now: datetime, callout: Callout) -> None:
    shift = session.get_one(Shift, callout.shift_id)
    counts = {status.value: len(offers.offers_of(session, shift.id, status)) for status in OfferStatus}
    outbox.to_coordinators(
        session,
        now,
        Message(
            "coordinator.escalation",
            {
                **planning.when(shift),
                "municipality": offers.municipality_name(session, shift),
                "minutes": int((now - callout.created_at).total_seconds() // 60),
                **counts,
            },
            about=_about(callout),
            heads_up="coordinator.escalation_alert",
        ),
        ref=f"escalation:{callout.id}",
    )
    audit.record(session, now, "system", "callout.escalated", f"callout:{callout.id}", counts)


def _validated(session: Session, now: datetime, new: NewCallout) -> Municipality:
    municipality = session.get(Municipality, new.municipality_id)
    if municipality is None or not municipality.is_participating:
        raise NotFound("municipality_id", "no participating municipality with this id", "not_participating")
    if new.starts_at.tzinfo is None or new.ends_at.tzinfo is None:
        raise Refused("times must carry a timezone", field="starts_at")
    if new.ends_at <= new.starts_at or new.ends_at - new.starts_at > timedelta(hours=12):
        raise Refused(
            "the window must end after it starts and last at most 12 hours",
            field="ends_at",
            code="window_length",
        )
    if new.ends_at <= now:
        raise Refused("the window has already passed", field="ends_at", code="window_passed")
    if not on_whole_minutes(new.starts_at, new.ends_at):
        raise Refused("times are kept to the minute", field="starts_at", code="whole_minutes")
    if not new.location.strip() or len(new.location) > MAX_LOCATION:
        raise Refused(
            "a location is required, at most %(limit)s characters",
            field="location",
            code="location_length",
            details={"limit": MAX_LOCATION},
            params={"limit": MAX_LOCATION},
        )
    if len(new.notes) > MAX_NOTES:
        raise Refused(
            "notes are at most %(limit)s characters",
            field="notes",
            code="notes_length",
            details={"limit": MAX_NOTES},
            params={"limit": MAX_NOTES},
        )
    if new.source not in profile.callout_sources(session):
        raise Refused(SOURCE_NOT_LISTED, field="source", code="source_not_listed")
    return municipality


def _closed(session: Session, now: datetime, shift: ShiftView, callout: CalloutView | None) -> Answer | None:
    """Why this shift takes no more answers, or None while it is still looking for people."""
    if shift.status is ShiftStatus.CANCELLED or (
        callout is not None and callout.status is CalloutStatus.CANCELLED
    ):
        return Answer.CANCELLED
    if callout is not None and callout.status is CalloutStatus.OPEN:
        return None
    covering = [
        m for status, m in offers.on_shift(session, shift.id) if status is AssignmentStatus.COVER_REQUESTED
    ]
    return None if covering and shift.starts_at > now else Answer.FILLED


def _locked_callout_by_id(session: Session, callout_id: int) -> Callout:
    found = session.execute(
        select(Callout).where(Callout.id == callout_id).with_for_update()
    ).scalar_one_or_none()
    if found is None:
        raise NotFound("callout_id", "no such call-out", "no_callout")
    return found

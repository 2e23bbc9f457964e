"""Offers of a shift to inspectors, shared by call-outs and cover requests: who is asked, the two
discreet messages each gets, and what the others hear once a pair stands.

An offer's message asks about the offer at its version (`answer_about`); the
bot offers accept and decline, and `callouts.answer_offer` takes the answer,
whatever the offer is for.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, defer, undefer
from sqlalchemy.orm.util import identity_key

from backend.db import read_values, write_loaded
from backend.models import (
    Assignment,
    AssignmentStatus,
    Inspector,
    Municipality,
    Offer,
    OfferStatus,
    Shift,
)
from backend.services import outbox, planning, profile
from backend.services.outbox import Message
from scheduling import pairing


def offer_shift(
    session: Session,
    now: datetime,
    shift: Shift,
    details: dict[str, str],
    *,
    widen: bool = False,
    cover: bool = False,
) -> int:
    """Offer the shift to everyone eligible (widened: everyone designated) who is neither asked
    already nor on it; returns how many were asked. A cover asks again those whose earlier offer
    of this shift was withdrawn or left them on standby (the place is open once more)."""
    again = (OfferStatus.STANDBY, OfferStatus.WITHDRAWN) if cover else ()
    earlier = {o.inspector_id: o for o in offers_of(session, shift.id, *OfferStatus)}
    taken = {i for i, o in earlier.items() if o.status not in again}
    taken |= {
        a.inspector_id
        for a in session.execute(select(Assignment).where(Assignment.shift_id == shift.id)).scalars()
    }
    enrolled = {
        i.id: i
        for i in session.execute(
            select(Inspector).where(Inspector.telegram_index.is_not(None), Inspector.revoked_at.is_(None))
        ).scalars()
    }
    asked = [
        enrolled[m.inspector_id]
        for m in candidates(session, now, shift, ignore_unavailable=widen, excluding=taken)
        if m.inspector_id in enrolled
    ]
    made = []
    for inspector in asked:
        offer = earlier.get(inspector.id)
        if offer is None:
            offer = Offer(shift_id=shift.id, inspector_id=inspector.id, sent_at=now, is_cover=cover)
            session.add(offer)
        else:
            offer.status, offer.is_cover, offer.version = OfferStatus.PENDING, cover, offer.version + 1
            offer.sent_at, offer.answered_at, offer.reminded_at = now, None, None
        made.append((inspector, offer))
    session.flush()  # once for all: the buttons need the offers' ids
    outbox.open_chat_ids(session, [inspector.id for inspector in asked])
    for inspector, offer in made:
        _send(session, now, inspector, offer, details)
    return len(made)


def candidates(
    session: Session, now: datetime, shift: Shift, *, ignore_unavailable: bool, excluding: Collection[int]
) -> list[pairing.Member]:
    """Who may go on the shift, best first (designated, within working-time law, and, unless
    `ignore_unavailable`, not on leave), leaving out `excluding`."""
    ranked = eligibility(session, now, shift, ignore_unavailable=ignore_unavailable).ranked
    return [m for m in ranked if m.inspector_id not in excluding]


def eligibility(
    session: Session, now: datetime, shift: Shift, *, ignore_unavailable: bool
) -> pairing.Eligibility:
    """Who may go on the shift, and why each of the others may not."""
    return pairing.eligibility(
        planning.slot_of(shift),
        planning.team(session, now, exclude_shift_id=shift.id),
        planning.municipality_load(session, now),
        ignore_unavailable=ignore_unavailable,
        preference=profile.preference(session),
    )


def close_others(
    session: Session,
    now: datetime,
    shift: Shift,
    pair: Collection[int],
    shift_offers: Sequence[Offer] | None = None,
    *,
    coordinators: bool = False,
) -> dict[int, Inspector]:
    """Everyone not in the pair: a yes becomes standby, an open question is withdrawn; both are told.
    `shift_offers` are the shift's offers as `offers_of` reads them, if read already since the
    shift was locked. Returns everyone concerned, the pair too, as `people` loads them (with
    `coordinators`, every enrolled coordinator too)."""
    if shift_offers is None:
        shift_offers = offers_of(session, shift.id, OfferStatus.ACCEPTED, OfferStatus.PENDING)
    others = [
        o
        for o in shift_offers
        if o.status in (OfferStatus.ACCEPTED, OfferStatus.PENDING) and o.inspector_id not in pair
    ]
    concerned = people(session, [*pair, *(offer.inspector_id for offer in others)], coordinators=coordinators)
    told = [o for o in shift_offers if o.status in (OfferStatus.ACCEPTED, OfferStatus.PENDING)]
    outbox.expect_edits(session, [ref for offer in told for ref in _refs(offer)])  # the pair's too
    closed = [
        (o, OfferStatus.STANDBY if o.status is OfferStatus.ACCEPTED else OfferStatus.WITHDRAWN)
        for o in others
    ]
    write_loaded(session, [(o, {"status": status, "version": o.version + 1}) for o, status in closed])
    when = planning.when(shift)  # once for all: a call-out offered to sixty closes fifty-eight
    for offer, status in closed:
        kind = "offer.cover_" if offer.is_cover else "offer."
        template = kind + ("standby" if status is OfferStatus.STANDBY else "filled")
        tell(session, now, offer, Message(template, when), again=True)
    return concerned


def withdraw_all(session: Session, now: datetime, shift: Shift) -> None:
    """Every open, accepted or standby offer withdrawn, and its message says the shift is off."""
    withdrawn = offers_of(session, shift.id, OfferStatus.PENDING, OfferStatus.ACCEPTED, OfferStatus.STANDBY)
    outbox.expect_edits(session, [ref for offer in withdrawn for ref in _refs(offer)])
    when = planning.when(shift)
    for offer in withdrawn:
        offer.status, offer.version = OfferStatus.WITHDRAWN, offer.version + 1
        tell(session, now, offer, Message("offer.cancelled", when), again=True)


def tell(session: Session, now: datetime, offer: Offer, message: Message, *, again: bool = False) -> None:
    """The offer's message now says `message` (its buttons gone). An inspector who was reminded has
    the reminder (with buttons) as a newer message: it is edited too, and with `again` (the call-out
    is off or staffed) the news also comes as a new short message, so the newest one is true."""
    to = inspector(session, offer.inspector_id)
    offer_ref, *reminder_ref = _refs(offer)
    outbox.edit(session, now, to, offer_ref, message, withdraw_unsent=True)
    if not reminder_ref:
        return
    outbox.edit(session, now, to, reminder_ref[0], message, withdraw_unsent=True)
    if again:
        outbox.send(session, now, to, message)


def _refs(offer: Offer) -> list[str]:
    """The offer's message, and the reminder if it got one."""
    return [f"offer:{offer.id}", *([f"reminder:{offer.id}"] if offer.reminded_at is not None else [])]


def answer_about(offer: Offer) -> dict[str, int]:
    """What an answer to the offer refers to: the offer as it stands (its version)."""
    return {"offer": offer.id, "version": offer.version}


def offers_of(session: Session, shift_id: int, *statuses: OfferStatus) -> list[Offer]:
    """The shift's offers in these states, in the order they were answered."""
    return list(session.execute(_OFFERS_OF, {"shift_id": shift_id, "statuses": statuses}).scalars())


def offered(session: Session, shift_id: int) -> int:
    """How many the shift was offered to, whatever they answered."""
    return len(offers_of(session, shift_id, *OfferStatus))


# Built once, as are the statements below: a pair's confirmation runs each (building a statement
# costs more than running it).
_OFFERS_OF = (
    select(Offer)
    .where(Offer.shift_id == bindparam("shift_id"), Offer.status.in_(bindparam("statuses", expanding=True)))
    .order_by(Offer.answered_at, Offer.id)
)


def offers_and_members(session: Session, shift_id: int) -> list[tuple[Offer, pairing.Member]]:
    """Every offer of the shift, in the order answered, with its inspector as the pairing rule sees an
    answer (`planning.ANSWERING`), in one query."""
    rows = session.execute(_OFFERS_AND_MEMBERS, {"shift_id": shift_id})
    return [(row.Offer, planning.answering_member(row.Offer.inspector_id, row)) for row in rows]


_OFFERS_AND_MEMBERS = (
    select(Offer, *planning.ANSWERING)
    .join(Inspector, Inspector.id == Offer.inspector_id)
    .where(Offer.shift_id == bindparam("shift_id"))
    .order_by(Offer.answered_at, Offer.id)
)


def offer_of(session: Session, shift_id: int, inspector_id: int) -> Offer | None:
    return session.execute(
        select(Offer).where(Offer.shift_id == shift_id, Offer.inspector_id == inspector_id)
    ).scalar_one_or_none()


def assignments_of(session: Session, shift_id: int, *, standing: bool = False) -> list[Assignment]:
    """Who is on the shift; with `standing`, not those who asked to be covered."""
    statuses = [
        s for s in planning.LIVE_ASSIGNMENTS if not (standing and s is AssignmentStatus.COVER_REQUESTED)
    ]
    return list(session.execute(_ASSIGNMENTS_OF, {"shift_id": shift_id, "statuses": statuses}).scalars())


_ASSIGNMENTS_OF = (
    select(Assignment)
    .where(
        Assignment.shift_id == bindparam("shift_id"),
        Assignment.status.in_(bindparam("statuses", expanding=True)),
    )
    .order_by(Assignment.id)
)


def on_shift(session: Session, shift_id: int) -> list[tuple[AssignmentStatus, pairing.Member]]:
    """Who is on the shift (as `assignments_of`): how (the assignment's status), and who, as the pairing
    rule sees them (`planning.ANSWERING`). Values, for a decision that changes none of these rows (an
    accept: loaded as objects, they cost it more than the query)."""
    rows = read_values(session, _ON_SHIFT, {"shift_id": shift_id, "statuses": _LIVE})
    return [(row.status, planning.answering_member(row.inspector_id, row)) for row in rows]


_LIVE = list(planning.LIVE_ASSIGNMENTS)
_ON_SHIFT = (
    select(Assignment.inspector_id, Assignment.status, *planning.ANSWERING)
    .join(Inspector, Inspector.id == Assignment.inspector_id)
    .where(
        Assignment.shift_id == bindparam("shift_id"),
        Assignment.status.in_(bindparam("statuses", expanding=True)),
    )
    .order_by(Assignment.id)
)


def inspector(session: Session, inspector_id: int, first_name: bool = False) -> Inspector:
    """The inspector from the session if it holds them (no query), with the first name opened if asked."""
    if not first_name:
        return session.get_one(Inspector, inspector_id)
    query = select(Inspector).where(Inspector.id == inspector_id).options(undefer(Inspector.first_name))
    return session.execute(query).scalar_one()


def people(
    session: Session, inspector_ids: Collection[int], *, coordinators: bool = False
) -> dict[int, Inspector]:
    """These inspectors with their first names and chat ids opened, in one query for all (their full
    names stay closed: no message shows one, so each row opens two values, as before); with
    `coordinators`, every enrolled coordinator too (`outbox.coordinators` without a query of its own). The
    caller holds the result while it works: the session keeps unchanged objects only while they are
    referenced, and `inspector` finds them there without a query."""
    query = _PEOPLE_AND_COORDINATORS if coordinators else _PEOPLE
    found = {i.id: i for i in session.execute(query, {"ids": list(set(inspector_ids))}).scalars()}
    outbox.remember_chat_ids(session, {i: person.telegram_id for i, person in found.items()})
    return found


_IDS = Inspector.id.in_(bindparam("ids", expanding=True))
_PEOPLE, _PEOPLE_AND_COORDINATORS = (
    select(Inspector)
    .where(which)
    .options(defer(Inspector.name), undefer(Inspector.first_name), undefer(Inspector.telegram_id))
    for which in (_IDS, _IDS | outbox.ENROLLED_COORDINATOR)
)


def municipality_name(session: Session, shift: Shift) -> str:
    """From the session when it holds the municipality (a new call-out), else its name alone: a whole
    municipality loaded by `session.get` cost an accept more than this query does."""
    held = session.identity_map.get(identity_key(Municipality, shift.municipality_id))
    if held is not None:
        return str(held.name)
    known: dict[int, str] = session.info.get(MUNICIPALITY_NAMES, {})
    if shift.municipality_id in known:
        return known[shift.municipality_id]
    name: str = read_values(session, _MUNICIPALITY_NAME, {"id": shift.municipality_id}).scalar_one()
    return name


_MUNICIPALITY_NAME = select(Municipality.name).where(Municipality.id == bindparam("id"))
MUNICIPALITY_NAMES = "piket.municipality_names"
"""session.info key: municipality names read along with something else, by id (`municipality_name`)."""


def remember_municipality_name(session: Session, municipality_id: int, name: str) -> None:
    """A municipality's name read along with its shift: `municipality_name` then needs no query (an
    accept that completes a pair names it)."""
    session.info.setdefault(MUNICIPALITY_NAMES, {})[municipality_id] = name


def _send(session: Session, now: datetime, to: Inspector, offer: Offer, details: dict[str, str]) -> None:
    """Two messages: the heads-up (with a notification) says only that there is a call-out and when,
    so the lock screen shows nothing more; the offer, silent, has the municipality and the buttons."""
    lock_screen, chat = (
        ("offer.cover_alert", "offer.cover_details") if offer.is_cover else ("offer.alert", "offer.details")
    )
    outbox.send(
        session,
        now,
        to,
        Message(chat, details, about=answer_about(offer), heads_up=lock_screen),
        ref=f"offer:{offer.id}",
    )

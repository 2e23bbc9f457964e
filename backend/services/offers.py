"""Offers of a shift to inspectors, shared by call-outs and cover requests: who is asked, the two
discreet messages each gets, and what the others hear once a pair stands.

An offer's message asks about the offer at its version (`answer_about`); the
bot offers accept and decline, and `callouts.answer_offer` takes the answer,
whatever the offer is for.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import (
    CompoundSelect,
    Integer,
    String,
    bindparam,
    literal_column,
    null,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import Session, undefer
from sqlalchemy.orm.util import identity_key

from backend.db import read_values, write_by_key
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
from backend.services.outbox import Message, Recipient
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
    shift: planning.ShiftView,
    pair: Collection[int],
    shift_offers: Sequence[OfferState] | None = None,
    *,
    coordinators: bool = False,
) -> dict[int, Person]:
    """Everyone not in the pair: a yes becomes standby, an open question is withdrawn; both are told.
    `shift_offers` are the shift's offers as `offers_and_members` reads them, if read already since
    the shift was locked. Returns everyone concerned, the pair too, as `people` reads them (with
    `coordinators`, every enrolled coordinator too)."""
    if shift_offers is None:
        shift_offers = [offer for offer, _ in offers_and_members(session, shift.id)]
    told = [o for o in shift_offers if o.status in (OfferStatus.ACCEPTED, OfferStatus.PENDING)]
    others = [o for o in told if o.inspector_id not in pair]
    concerned = people(session, [*pair, *(offer.inspector_id for offer in others)], coordinators=coordinators)
    outbox.expect_edits(session, [ref for offer in told for ref in _refs(offer)])  # the pair's too
    closed = [
        (o, OfferStatus.STANDBY if o.status is OfferStatus.ACCEPTED else OfferStatus.WITHDRAWN)
        for o in others
    ]
    changes = [(o.id, {"status": status, "version": o.version + 1}) for o, status in closed]
    write_by_key(session, Offer, changes)
    when = planning.when(shift)  # once for all: a call-out offered to sixty closes fifty-eight
    for offer, status in closed:
        kind = "offer.cover_" if offer.is_cover else "offer."
        template = kind + ("standby" if status is OfferStatus.STANDBY else "filled")
        tell(session, now, offer, Message(template, when), again=True, to=concerned[offer.inspector_id])
    return concerned


def withdraw_all(session: Session, now: datetime, shift: Shift) -> None:
    """Every open, accepted or standby offer withdrawn, and its message says the shift is off."""
    withdrawn = offers_of(session, shift.id, OfferStatus.PENDING, OfferStatus.ACCEPTED, OfferStatus.STANDBY)
    outbox.expect_edits(session, [ref for offer in withdrawn for ref in _refs(offer)])
    when = planning.when(shift)
    for offer in withdrawn:
        offer.status, offer.version = OfferStatus.WITHDRAWN, offer.version + 1
        tell(session, now, offer, Message("offer.cancelled", when), again=True)


class Told(Protocol):
    """An offer as its messages need it: loaded (`Offer`) or read as values (`OfferState`)."""

    @property
    def id(self) -> int: ...

    @property
    def inspector_id(self) -> int: ...

    @property
    def reminded_at(self) -> datetime | None: ...


def tell(
    session: Session,
    now: datetime,
    offer: Told,
    message: Message,
    *,
    again: bool = False,
    to: Recipient | None = None,
) -> None:
    """The offer's message now says `message` (its buttons gone). An inspector who was reminded has
    the reminder (with buttons) as a newer message: it is edited too, and with `again` (the call-out
    is off or staffed) the news also comes as a new short message, so the newest one is true. `to` is
    the offer's inspector, if read already (`people`)."""
    if to is None:
        to = recipient(session, offer.inspector_id)
    offer_ref, *reminder_ref = _refs(offer)
    outbox.edit(session, now, to, offer_ref, message, withdraw_unsent=True)
    if not reminder_ref:
        return
    outbox.edit(session, now, to, reminder_ref[0], message, withdraw_unsent=True)
    if again:
        outbox.send(session, now, to, message)


def _refs(offer: Told) -> list[str]:
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


@dataclass(frozen=True, slots=True)
class OfferState:
    """An offer read as values, for a decision under the shift's lock that writes the few it changes
    by key (`write_by_key`): loaded as objects, an accept's offers cost it more than their query."""

    id: int
    inspector_id: int
    status: OfferStatus
    version: int
    is_cover: bool
    reminded_at: datetime | None


Answers = list[tuple[OfferState, pairing.Member]]
"""A shift's offers, in the order answered, each with its inspector as the pairing rule sees an answer
(`planning.ANSWERING`)."""
Places = list[tuple[AssignmentStatus, pairing.Member]]
"""Who is on a shift (as `assignments_of`): how (the assignment's status), and who, as the pairing rule
sees them."""


def offers_and_members(session: Session, shift_id: int) -> Answers:
    """Every offer of the shift with its inspector (`Answers`), in one query."""
    return [_answer(row) for row in read_values(session, _OFFERS_AND_MEMBERS, {"shift_id": shift_id})]


def answers_and_places(session: Session, shift_id: int) -> tuple[Answers, Places]:
    """`offers_and_members` and `on_shift` by one statement: an accept decides on both under the
    shift's lock, and each statement cost it more than its rows."""
    rows = read_values(session, _ANSWERS_AND_PLACES, {"shift_id": shift_id, "statuses": _LIVE})
    answers: Answers = []
    places: Places = []
    for row in rows:
        if row.is_offer:
            answers.append(_answer(row))
        else:
            places.append(_place(row))
    return answers, places


def _answer(row: Any) -> tuple[OfferState, pairing.Member]:
    offer = OfferState(
        row.id, row.inspector_id, OfferStatus(row.status), row.version, row.is_cover, row.reminded_at
    )
    return offer, planning.answering_member(row.inspector_id, row)


def _place(row: Any) -> tuple[AssignmentStatus, pairing.Member]:
    return AssignmentStatus(row.status), planning.answering_member(row.inspector_id, row)


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


def on_shift(session: Session, shift_id: int) -> Places:
    """Who is on the shift (`Places`). Values, for a decision that changes none of these rows (an
    accept: loaded as objects, they cost it more than the query)."""
    return [_place(row) for row in read_values(session, _ON_SHIFT, {"shift_id": shift_id, "statuses": _LIVE})]


_LIVE = list(planning.LIVE_ASSIGNMENTS)
# An offer's row and a place's have the same columns (a place has no offer's: NULL), so that one
# statement reads both (`answers_and_places`); the statuses as text, as the two kinds differ.
_ANSWERS = select(
    literal_column("1", Integer).label("is_offer"),
    Offer.id.label("id"),  # named, for the ORDER BY of both
    Offer.inspector_id,
    type_coerce(Offer.status, String).label("status"),
    Offer.version,
    Offer.is_cover,
    Offer.reminded_at,
    Offer.answered_at,
    *planning.ANSWERING,
).join(Inspector, Inspector.id == Offer.inspector_id)
_PLACES = select(
    literal_column("0", Integer),
    Assignment.id,
    Assignment.inspector_id,
    type_coerce(Assignment.status, String),
    *(null() for _ in range(4)),
    *planning.ANSWERING,
).join(Inspector, Inspector.id == Assignment.inspector_id)
_OF_SHIFT = Offer.shift_id == bindparam("shift_id")
_LIVE_ON_SHIFT = (
    Assignment.shift_id == bindparam("shift_id"),
    Assignment.status.in_(bindparam("statuses", expanding=True)),
)
_OFFERS_AND_MEMBERS = _ANSWERS.where(_OF_SHIFT).order_by(Offer.answered_at, Offer.id)
_ON_SHIFT = _PLACES.where(*_LIVE_ON_SHIFT).order_by(Assignment.id)
_BOTH: CompoundSelect[*tuple[Any, ...]] = union_all(_ANSWERS.where(_OF_SHIFT), _PLACES.where(*_LIVE_ON_SHIFT))
_ANSWERS_AND_PLACES = _BOTH.order_by(
    *(_BOTH.selected_columns[name] for name in ("is_offer", "answered_at", "id"))
)


def inspector(session: Session, inspector_id: int, first_name: bool = False) -> Inspector:
    """The inspector from the session if it holds them (no query), with the first name opened if asked."""
    if not first_name:
        return session.get_one(Inspector, inspector_id)
    query = select(Inspector).where(Inspector.id == inspector_id).options(undefer(Inspector.first_name))
    return session.execute(query).scalar_one()


def recipient(session: Session, inspector_id: int) -> Recipient:
    """The inspector as a message to them needs them: from the session if it holds them (no query),
    else read as plain values (a tap on an offer loads no inspector as an object). Nothing sealed is
    opened here: the message's chat id is opened by the outbox, once a transaction (a tap's was, by
    `enrolment.tapper_for`)."""
    held = session.identity_map.get(identity_key(Inspector, inspector_id))
    if held is not None:
        return held
    row = read_values(session, _ADDRESSEE, {"id": inspector_id}).one()
    return outbox.Addressee(row.id, row.language, row.revoked_at)


_ADDRESSEE = select(Inspector.id, Inspector.language, Inspector.revoked_at).where(
    Inspector.id == bindparam("id")
)


@dataclass(frozen=True, slots=True)
class Person:
    """An inspector as messages to them need them (an `outbox.Recipient`), read as values: loaded as
    objects, the people a confirmation tells cost it more than their query."""

    id: int
    first_name: str
    language: str
    revoked_at: datetime | None
    is_coordinator: bool
    telegram_index: str | None


def people(
    session: Session, inspector_ids: Collection[int], *, coordinators: bool = False
) -> dict[int, Person]:
    """These inspectors with their first names and chat ids opened, in one query for all (their full
    names stay closed: no message shows one, so each row opens two values); with `coordinators`,
    every enrolled coordinator too (`outbox.coordinators` without a query of its own)."""
    query = _PEOPLE_AND_COORDINATORS if coordinators else _PEOPLE
    rows = read_values(session, query, {"ids": list(set(inspector_ids))}).all()
    outbox.remember_chat_ids(session, {row.id: row.telegram_id for row in rows})
    return {
        row.id: Person(
            row.id, row.first_name, row.language, row.revoked_at, row.is_coordinator, row.telegram_index
        )
        for row in rows
    }


_IDS = Inspector.id.in_(bindparam("ids", expanding=True))
_PEOPLE, _PEOPLE_AND_COORDINATORS = (
    select(
        Inspector.id,
        Inspector.first_name,
        Inspector.telegram_id,
        Inspector.language,
        Inspector.revoked_at,
        Inspector.is_coordinator,
        Inspector.telegram_index,
    ).where(which)
    for which in (_IDS, _IDS | outbox.ENROLLED_COORDINATOR)
)


def municipality_name(session: Session, shift: planning.ShiftView) -> str:
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

"""Offers of a shift, straight on the service (the bot and the web reach it through call-outs and
cover requests): who is asked and how often, and what each of the others hears once a pair stands."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.models import (
    Assignment,
    AssignmentStatus,
    Gender,
    Offer,
    OfferStatus,
    OutboxMessage,
    Shift,
)
from backend.services import offers
from tests.factories import NOW, designate, inspector, region
from tests.support.controls import control_on

DAY = date(2027, 3, 16)
DETAILS = {
    "date": "2027-03-16",
    "start": "14:00",
    "end": "23:00",
    "municipality": "Leeuwarden",
    "source": "MMA-melding",
}
TEAM = (
    ("Anna Visser", Gender.FEMALE, "500"),
    ("Bauke Bos", Gender.MALE, "501"),
    ("Ciska Mulder", Gender.FEMALE, "502"),
    ("Eelke Zijlstra", Gender.MALE, None),
)
"""Name, gender, linked phone (Eelke has none)."""


def shift_and_people(session: Session) -> tuple[Shift, dict[str, int]]:
    """A control on DAY, 14:00-23:00, nobody on it yet; the people of TEAM designated for it."""
    _, home = region(session)
    people = {}
    for name, gender, phone in TEAM:
        made = inspector(session, home, name, gender, telegram_id=phone)
        designate(session, made, home)
        people[name.split()[0]] = made.id
    return control_on(session, home.id, DAY), people


def statuses(session: Session, shift: Shift) -> dict[int, OfferStatus]:
    rows = session.execute(select(Offer.inspector_id, Offer.status).where(Offer.shift_id == shift.id))
    return {inspector_id: status for inspector_id, status in rows}


def templates_to(session: Session, inspector_id: int) -> list[str]:
    rows = session.scalars(
        select(OutboxMessage).where(OutboxMessage.inspector_id == inspector_id).order_by(OutboxMessage.id)
    )
    return [json.loads(row.payload)["template"] for row in rows]


def test_everyone_with_a_phone_is_asked_once_with_a_bare_alert_and_then_the_details(session: Session) -> None:
    shift, people = shift_and_people(session)
    assert offers.offer_shift(session, NOW, shift, DETAILS) == 3
    assert statuses(session, shift) == {people[n]: OfferStatus.PENDING for n in ("Anna", "Bauke", "Ciska")}
    assert templates_to(session, people["Anna"]) == ["offer.alert", "offer.details"]
    assert templates_to(session, people["Eelke"]) == [], "no phone, no offer"
    assert offers.offer_shift(session, NOW, shift, DETAILS) == 0, "nobody is asked twice"
    assert templates_to(session, people["Anna"]) == ["offer.alert", "offer.details"]


def test_who_is_on_the_shift_already_is_not_asked(session: Session) -> None:
    shift, people = shift_and_people(session)
    session.add(
        Assignment(
            shift_id=shift.id, inspector_id=people["Bauke"], status=AssignmentStatus.CONFIRMED, created_at=NOW
        )
    )
    session.flush()
    assert offers.offer_shift(session, NOW, shift, DETAILS) == 2
    assert people["Bauke"] not in statuses(session, shift)


def test_once_a_pair_stands_a_yes_waits_on_standby_and_an_open_question_is_withdrawn(
    session: Session,
) -> None:
    shift, people = shift_and_people(session)
    offers.offer_shift(session, NOW, shift, DETAILS)
    for name in ("Anna", "Bauke", "Ciska"):
        offer = offers.offer_of(session, shift.id, people[name])
        assert offer is not None
        offer.status = OfferStatus.PENDING if name == "Ciska" else OfferStatus.ACCEPTED
    ciska = offers.offer_of(session, shift.id, people["Ciska"])
    assert ciska is not None
    version = ciska.version
    offers.close_others(session, NOW, shift, {people["Anna"]})
    assert statuses(session, shift) == {
        people["Anna"]: OfferStatus.ACCEPTED,
        people["Bauke"]: OfferStatus.STANDBY,
        people["Ciska"]: OfferStatus.WITHDRAWN,
    }
    assert ciska.version == version + 1, "her old buttons are stale now"
    edited = session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.inspector_id == people["Bauke"])
        .order_by(OutboxMessage.id.desc())
    ).first()
    assert edited is not None and json.loads(edited.payload)["template"] == "offer.standby"


def test_a_cover_asks_again_whoever_was_withdrawn_and_a_cancelled_shift_withdraws_everyone(
    session: Session,
) -> None:
    shift, people = shift_and_people(session)
    offers.offer_shift(session, NOW, shift, DETAILS)
    offers.withdraw_all(session, NOW, shift)
    assert set(statuses(session, shift).values()) == {OfferStatus.WITHDRAWN}
    assert offers.offer_shift(session, NOW, shift, DETAILS) == 0, "a plain offer leaves them be"
    assert offers.offer_shift(session, NOW, shift, DETAILS, cover=True) == 3
    assert set(statuses(session, shift).values()) == {OfferStatus.PENDING}
    assert templates_to(session, people["Anna"])[-2:] == ["offer.cover_alert", "offer.cover_details"]

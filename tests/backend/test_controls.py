"""Planned control days, straight on the service (the bot reaches it through the confirm buttons, the
jobs through their sweep): asked once two weeks ahead, reminded the day before and on the morning, and
an answer that confirms or asks for cover, refused when it is stale."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.models import Assignment, AssignmentStatus, Offer, OutboxMessage, Shift
from backend.services import controls
from scheduling.calendar import local_instant
from tests.factories import NOW
from tests.support.controls import control_on, pair_on, team_of_four

DAY = date(2027, 3, 16)
START = local_instant(DAY, time(14))


def day_with_pair(session: Session, day: date = DAY) -> tuple[Shift, dict[str, Assignment], dict[str, int]]:
    """A control day, 14:00-23:00, with Anna and Bauke proposed; Ciska and Douwe free. All have phones."""
    home, people = team_of_four(session)
    shift = control_on(session, home, day)
    return shift, pair_on(session, shift, people, AssignmentStatus.PROPOSED), people


def templates_to(session: Session, inspector_id: int) -> list[str]:
    rows = session.scalars(
        select(OutboxMessage).where(OutboxMessage.inspector_id == inspector_id).order_by(OutboxMessage.id)
    )
    return [json.loads(row.payload)["template"] for row in rows]


def test_a_day_within_two_weeks_is_put_to_its_people_once(session: Session) -> None:
    _, pair, people = day_with_pair(session)
    assert controls.ask_and_remind(session, NOW) == (2, 0)
    assert controls.ask_and_remind(session, NOW + timedelta(hours=1)) == (0, 0), "asked once only"
    assert "control.ask" in templates_to(session, people["Anna"])
    assert templates_to(session, people["Ciska"]) == []
    session.refresh(pair["Anna"])
    assert pair["Anna"].asked_at is not None


def test_a_day_further_off_than_two_weeks_waits(session: Session) -> None:
    day_with_pair(session, day=DAY + timedelta(days=14))
    assert controls.ask_and_remind(session, NOW) == (0, 0)


def test_the_day_before_a_confirmed_person_is_reminded_and_an_unconfirmed_one_asked_again(
    session: Session,
) -> None:
    _, pair, people = day_with_pair(session)
    controls.ask_and_remind(session, NOW)
    assert (
        controls.answer(session, NOW, people["Anna"], pair["Anna"].id, pair["Anna"].version, can_go=True)
        == "callback.confirmed"
    )
    day_before = START - timedelta(hours=23)
    assert controls.ask_and_remind(session, day_before) == (0, 2)
    assert controls.ask_and_remind(session, day_before + timedelta(minutes=5)) == (0, 0), "once only"
    assert "shift.tomorrow" in templates_to(session, people["Anna"])
    assert "control.unconfirmed" in templates_to(session, people["Bauke"])
    morning: datetime = local_instant(DAY, time(8, 30))
    assert controls.ask_and_remind(session, morning) == (0, 2)
    assert "shift.today" in templates_to(session, people["Anna"])


def test_an_answer_with_an_old_version_or_from_someone_else_is_stale(session: Session) -> None:
    _, pair, people = day_with_pair(session)
    anna = pair["Anna"]
    version = anna.version
    assert controls.answer(session, NOW, people["Bauke"], anna.id, version, can_go=True) == "callback.stale"
    confirmed = controls.answer(session, NOW, people["Anna"], anna.id, version, can_go=True)
    assert confirmed == "callback.confirmed"
    assert controls.answer(session, NOW, people["Anna"], anna.id, version, can_go=False) == "callback.stale"
    assert anna.status is AssignmentStatus.CONFIRMED
    assert (
        controls.answer(session, START, people["Anna"], anna.id, anna.version, can_go=False)
        == "callback.stale"
    ), "the day has begun"


def test_who_cannot_go_asks_for_cover_and_the_free_colleagues_are_offered_the_place(session: Session) -> None:
    shift, pair, people = day_with_pair(session)
    anna = pair["Anna"]
    answered = controls.answer(session, NOW, people["Anna"], anna.id, anna.version, can_go=False)
    assert answered == "callback.cover"
    assert anna.status is AssignmentStatus.COVER_REQUESTED
    offered = set(session.scalars(select(Offer.inspector_id).where(Offer.shift_id == shift.id)))
    assert offered == {people["Ciska"], people["Douwe"]}, "not Bauke, who is on it already"
    assert templates_to(session, people["Ciska"]) == ["offer.cover_alert", "offer.cover_details"]

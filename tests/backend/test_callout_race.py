"""Twenty inspectors press Accept at the same moment: exactly one valid pair, everyone else told."""

import threading
from datetime import timedelta

from sqlalchemy import select

from backend.db import Database
from backend.models import (
    Assignment,
    Callout,
    CalloutSource,
    CalloutStatus,
    Gender,
    Inspector,
    Offer,
)
from backend.services import callouts
from backend.services.callouts import Answer, NewCallout
from tests.factories import NOW, designate, inspector, region


def test_twenty_simultaneous_accepts_make_exactly_one_pair(migrated_copy: Database) -> None:
    with migrated_copy.transaction() as session:
        _, home = region(session)
        for number in range(20):
            made = inspector(
                session,
                home,
                f"Person{number} Test",
                (Gender.FEMALE, Gender.MALE)[number % 2],
                telegram_id=str(2000 + number),
                is_trained=number % 3 == 0,
            )
            designate(session, made, home)
        start = NOW + timedelta(hours=2)
        callout = callouts.create_callout(
            session,
            NOW,
            "web:coordinator",
            NewCallout(home.id, CalloutSource.POLICE, start, start + timedelta(hours=9), "Somewhere 1"),
        )
        offers = [(o.id, o.inspector_id, o.version) for o in session.scalars(select(Offer))]
    assert len(offers) == 20

    barrier, answers, errors = threading.Barrier(20), [], []

    def press(offer_id: int, inspector_id: int, version: int) -> None:
        barrier.wait()
        try:
            with migrated_copy.transaction() as session:
                answers.append(
                    callouts.answer_offer(
                        session, NOW + timedelta(seconds=1), inspector_id, offer_id, version, accept=True
                    )
                )
        except Exception as error:  # collected, so the test names it instead of a thread dying quietly
            errors.append(repr(error))

    threads = [threading.Thread(target=press, args=offer) for offer in offers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert len(answers) == 20
    assert set(answers) <= {Answer.WAITING, Answer.CONFIRMED, Answer.STANDBY, Answer.FILLED}
    with migrated_copy.transaction() as session:
        pair = session.scalars(select(Assignment).where(Assignment.shift_id == callout.shift_id)).all()
        assert len(pair) == 2
        people = [session.get(Inspector, a.inspector_id) for a in pair]
        assert any(p.trained_since for p in people)
        assert session.get(Callout, callout.id).status is CalloutStatus.FILLED
        statuses = sorted(o.status.value for o in session.scalars(select(Offer)))
        assert statuses.count("accepted") == 2
        assert set(statuses) - {"accepted"} <= {"standby", "withdrawn"}

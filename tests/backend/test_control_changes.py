"""Control days move and are cancelled with a reason, and a call-out's cancellation keeps its reason:
the people on it are told, open offers withdrawn, the history kept, the evaluation counts what happened."""

import json
from datetime import date, time, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from backend.models import (
    Assignment,
    AssignmentStatus,
    AuditRecord,
    CalloutSource,
    Offer,
    OfferStatus,
    OutboxMessage,
    Shift,
    ShiftChange,
    ShiftStatus,
)
from backend.services import callouts, control_changes, controls, evaluation
from backend.services.callouts import NewCallout
from backend.services.errors import NotFound, Refused
from scheduling.calendar import local_instant
from tests.factories import NOW
from tests.support.controls import control_on, pair_on, team_of_four

DAY, NEW_DAY = date(2027, 3, 16), date(2027, 3, 23)


def day_with_pair(session: Session) -> tuple[Shift, dict[str, Assignment], int]:
    """A control day on DAY, 14:00-23:00, with Anna and Bauke confirmed; Ciska and Douwe free."""
    home, people = team_of_four(session)
    shift = control_on(session, home, DAY)
    return shift, pair_on(session, shift, people, AssignmentStatus.CONFIRMED), home


def queued(session: Session, inspector_id: int) -> list[dict]:
    rows = session.scalars(
        select(OutboxMessage).where(OutboxMessage.inspector_id == inspector_id).order_by(OutboxMessage.id)
    )
    return [json.loads(row.payload) for row in rows]


def people_offered(session: Session, shift: Shift) -> list[int]:
    return list(
        session.scalars(select(Offer.inspector_id).where(Offer.shift_id == shift.id).order_by(Offer.id))
    )


def move(session: Session, shift: Shift, reason: str = "politie verzet de datum") -> ShiftChange:
    return control_changes.move_control(
        session,
        NOW,
        "web:coordinator",
        shift.id,
        local_instant(NEW_DAY, time(15)),
        local_instant(NEW_DAY, time(23)),
        reason,
    )


def test_a_moved_day_keeps_its_old_date_and_asks_its_people_again(session: Session) -> None:
    shift, pair, _ = day_with_pair(session)
    old_start = shift.starts_at
    change = move(session, shift)
    assert (change.old_starts_at, change.new_starts_at) == (old_start, local_instant(NEW_DAY, time(15)))
    assert shift.starts_at == local_instant(NEW_DAY, time(15))
    for assignment in pair.values():
        assert (assignment.status, assignment.asked_at, assignment.confirmed_at) == (
            AssignmentStatus.PROPOSED,
            None,
            None,
        )
    heads_up, told = queued(session, pair["Anna"].inspector_id)
    assert heads_up["template"] == "control.moved_alert" and not heads_up["disable_notification"]
    assert set(heads_up["params"]) == {"date", "start", "end"}
    assert heads_up["params"]["date"] == "2027-03-23"
    assert told["template"] == "control.moved" and told["disable_notification"]
    assert told["params"]["old_date"] == "2027-03-16" and told["params"]["municipality"] == "Leeuwarden"
    assert session.scalars(select(AuditRecord.action)).all()[-1] == "control.moved"


def test_a_tap_on_the_old_days_button_is_stale_and_the_sweep_asks_for_the_new_day(session: Session) -> None:
    shift, pair, _ = day_with_pair(session)
    version = pair["Anna"].version
    move(session, shift)
    assert (
        controls.answer(session, NOW, pair["Anna"].inspector_id, pair["Anna"].id, version, can_go=False)
        == "callback.stale"
    )
    requests, _ = controls.ask_and_remind(session, NOW + timedelta(days=1))
    assert requests == 2


def test_moving_withdraws_the_open_cover_request(session: Session) -> None:
    shift, pair, _ = day_with_pair(session)
    controls.answer(session, NOW, pair["Anna"].inspector_id, pair["Anna"].id, pair["Anna"].version, False)
    assert session.scalars(select(Offer.status).where(Offer.shift_id == shift.id)).all()
    move(session, shift)
    statuses = set(session.scalars(select(Offer.status).where(Offer.shift_id == shift.id)))
    assert statuses == {OfferStatus.WITHDRAWN}
    withdrawn = [
        m for m in queued(session, people_offered(session, shift)[0]) if m["template"] == "offer.cancelled"
    ]
    assert [m["params"]["date"] for m in withdrawn] == ["2027-03-16"], "the day they were asked for"
    assert pair["Anna"].status is AssignmentStatus.PROPOSED


@pytest.mark.parametrize(
    ("reason", "day", "start", "field"),
    [
        ("", NEW_DAY, time(15), "reason"),
        ("x" * 301, NEW_DAY, time(15), "reason"),
        ("datum", DAY, time(14), "day"),  # the same time
        ("datum", date(2027, 3, 1), time(14), "day"),  # in the past
    ],
)
def test_a_move_without_a_reason_or_to_no_new_time_is_refused(
    session: Session, reason: str, day: date, start: time, field: str
) -> None:
    shift, _, _ = day_with_pair(session)
    with pytest.raises(Refused) as refused:
        control_changes.move_control(
            session,
            NOW,
            "web:coordinator",
            shift.id,
            local_instant(day, start),
            local_instant(day, time(23)),
            reason,
        )
    assert refused.value.field == field
    assert session.scalars(select(ShiftChange)).all() == []


def test_a_day_that_has_begun_or_is_cancelled_cannot_change(session: Session) -> None:
    shift, _, _ = day_with_pair(session)
    with pytest.raises(Refused):
        control_changes.cancel_control(session, shift.starts_at, "web:coordinator", shift.id, "te laat")
    control_changes.cancel_control(session, NOW, "web:coordinator", shift.id, "onderzoek politie")
    with pytest.raises(NotFound):
        move(session, shift)


def test_a_cancelled_day_tells_its_people_and_is_counted_apart_not_held(session: Session) -> None:
    shift, pair, _ = day_with_pair(session)
    change = control_changes.cancel_control(session, NOW, "web:coordinator", shift.id, "onderzoek politie")
    assert (shift.status, change.old_starts_at, change.new_starts_at) == (
        ShiftStatus.CANCELLED,
        shift.starts_at,
        None,
    )
    heads_up, told = queued(session, pair["Bauke"].inspector_id)
    assert (heads_up["template"], told["template"]) == ("control.cancelled_alert", "control.cancelled")
    assert set(heads_up["params"]) == {"date", "start", "end"}
    [counts] = [
        c
        for c in evaluation.evaluate(session, NOW + timedelta(days=30), 2027).control_counts
        if c.label == "Leeuwarden"
    ]
    assert (counts.held, counts.ahead, counts.not_held, counts.cancelled) == (0, 0, 0, 1)


def test_a_cancelled_call_out_keeps_its_reason_in_the_history(session: Session) -> None:
    _, _, home = day_with_pair(session)
    start = NOW + timedelta(hours=3)
    made = callouts.create_callout(
        session,
        NOW,
        "web:coordinator",
        NewCallout(home, CalloutSource.MMA, start, start + timedelta(hours=8), "Somewhere 1"),
    )
    callouts.cancel(session, NOW, "web:coordinator", made.id, "melding bleek oud")
    [change] = control_changes.changes_between(session, start - timedelta(days=1), start + timedelta(days=1))
    assert (change.kind, change.shift_kind, change.reason, change.changed_by) == (
        "cancelled",
        "callout",
        "melding bleek oud",
        "web:coordinator",
    )


def test_the_reason_is_sealed_and_erased_after_the_retention(session: Session) -> None:
    shift, _, _ = day_with_pair(session)
    control_changes.cancel_control(session, NOW, "web:coordinator", shift.id, "onderzoek Stationsweg")
    assert "Stationsweg" not in session.execute(text("SELECT reason FROM shift_changes")).scalar_one()
    assert all("Stationsweg" not in d for d in session.scalars(select(AuditRecord.details)))
    kept = timedelta(days=30)
    assert control_changes.purge_reasons(session, shift.ends_at + timedelta(days=29), kept) == 0
    assert control_changes.purge_reasons(session, shift.ends_at + timedelta(days=31), kept) == 1
    [change] = session.scalars(select(ShiftChange)).all()
    session.refresh(change)
    assert change.reason is None and change.old_starts_at == shift.starts_at

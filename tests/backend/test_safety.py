"""The safety services without the bot: the team's time-outs from its profile, the evaluation's counts,
what retention erases, and what the privacy register says."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend import jobs
from backend.config import load_settings
from backend.db import Database
from backend.models import (
    AlertKind,
    AlertOutcome,
    Assignment,
    AssignmentStatus,
    Inspector,
    Municipality,
    RegionSettings,
    RiskNote,
    SafetyAlert,
    SafetyCheckIn,
    SafetyWatch,
    Shift,
    ShiftKind,
)
from backend.profile_file import ProfileError, read_profile, write_profile
from backend.services import enrolment, privacy, profile, safety, safety_ladder
from backend.services.errors import Refused
from scheduling.clock import FrozenClock
from tests.factories import inspector, region
from tests.support.profiles import load, shipped_text


@pytest.fixture
def team(migrated_copy: Database) -> tuple[int, int, int]:
    """Leeuwarden, a coordinator with a phone and two inspectors: (municipality, first, second)."""
    with migrated_copy.transaction() as session:
        _, home = region(session)
        chief = inspector(session, home, "Wytske Testsma", telegram_id="100")
        chief.is_coordinator = True
        first = inspector(session, home, "Anna Testsma", telegram_id="101")
        second = inspector(session, home, "Bauke Testsma", telegram_id="102")
        return home.id, first.id, second.id


def shift_for(
    session: Session,
    clock: FrozenClock,
    municipality_id: int,
    people: tuple[int, ...],
    hours_ago: int = 0,
    kind: ShiftKind = ShiftKind.CONTROL,
) -> Shift:
    start = clock.now() - timedelta(hours=hours_ago)
    shift = Shift(
        kind=kind,
        municipality_id=municipality_id,
        starts_at=start,
        ends_at=start + timedelta(hours=8),
        created_at=clock.now(),
    )
    session.add(shift)
    session.flush()
    session.add_all(
        Assignment(
            shift_id=shift.id, inspector_id=person, status=AssignmentStatus.CONFIRMED, created_at=clock.now()
        )
        for person in people
    )
    session.flush()
    return shift


def test_the_check_out_grace_and_each_steps_time_out_are_team_settings_in_the_profile(
    migrated_copy: Database,
) -> None:
    text = shipped_text("hilversum")
    load(migrated_copy, text)
    with migrated_copy.transaction() as session:
        assert profile.safety_minutes(session) == profile.SafetyMinutes(30, 10, 10)
    set_ = text.replace(
        'coordinating = "Hilversum"\n',
        'coordinating = "Hilversum"\n'
        "checkout_alert_minutes = 45\ncoordinator_alert_minutes = 5\n"
        "backup_alert_minutes = 15\n",
    )
    changes = [str(c) for c in load(migrated_copy, set_)]
    assert changes == [
        "~ region\n    checkout_alert_minutes: 30 → 45\n"
        "    coordinator_alert_minutes: 10 → 5\n    backup_alert_minutes: 10 → 15"
    ]
    with migrated_copy.transaction() as session:
        assert profile.safety_minutes(session) == profile.SafetyMinutes(45, 5, 15)
        dumped = write_profile(profile.current_profile(session))  # type: ignore[arg-type]
    assert "checkout_alert_minutes = 45" in dumped and load(migrated_copy, dumped) == []
    with pytest.raises(ProfileError, match=r"region\.checkout_alert_minutes"):
        read_profile(set_.replace("checkout_alert_minutes = 45", "checkout_alert_minutes = 0"))


def test_a_longer_grace_moves_the_alert(
    migrated_copy: Database, team: tuple[int, int, int], clock: FrozenClock
) -> None:
    municipality, anna, bauke = team
    with migrated_copy.transaction() as session:
        region_id = session.get_one(Municipality, municipality).region_id
        session.add(
            RegionSettings(
                region_id=region_id,
                repeat_warning_months=6,
                checkout_alert_minutes=45,
                coordinator_alert_minutes=10,
                backup_alert_minutes=10,
            )
        )
        shift_for(session, clock, municipality, (anna, bauke))
        assert safety.ask_at_start(session, clock.now()) == 2
    for minutes, expected in ((8 * 60 + 44, 0), (8 * 60 + 45, 1)):
        with migrated_copy.transaction() as session:
            later = clock.now() + timedelta(minutes=minutes)
            assert safety_ladder.raise_missed(session, later) == expected


def test_the_evaluation_counts_alerts_per_municipality_and_outcome_without_names(
    migrated_copy: Database, team: tuple[int, int, int], clock: FrozenClock
) -> None:
    municipality, anna, bauke = team
    with migrated_copy.transaction() as session:
        missed = shift_for(session, clock, municipality, (anna, bauke))
        alarmed = shift_for(session, clock, municipality, (anna, bauke), hours_ago=24)
        earlier = shift_for(session, clock, municipality, (anna, bauke), hours_ago=24 * 40)
        safety.ask_at_start(session, clock.now())
        for shift in (alarmed, earlier):
            for person in (anna, bauke):
                session.add(
                    SafetyWatch(
                        assignment_id=session.execute(
                            select(Assignment.id).where(
                                Assignment.shift_id == shift.id, Assignment.inspector_id == person
                            )
                        ).scalar_one(),
                        shift_id=shift.id,
                        inspector_id=person,
                        asked_at=shift.starts_at,
                    )
                )
        session.flush()
        later = clock.now() + timedelta(hours=9)
        assert safety_ladder.raise_missed(session, later) == 3
        chief = session.execute(select(Inspector).where(Inspector.is_coordinator)).scalar_one()
        first = session.execute(select(SafetyAlert.id).where(SafetyAlert.shift_id == missed.id)).scalar_one()
        assert safety.take_alert(session, later, chief, first) == "callback.safety_yours"
        assert (
            safety.resolve_alert(session, later, f"inspector:{chief.id}", first, AlertOutcome.FORGOT, chief)
            == "callback.safety_resolved"
        )
        person = session.get_one(Inspector, anna)
        safety_ladder.raise_now(session, later, alarmed, AlertKind.ALARM, person)
        safety_ladder.raise_now(session, later, alarmed, AlertKind.DURESS, person)
    with migrated_copy.transaction() as session:
        day = clock.now().date()
        counted = safety.summary(session, day - timedelta(days=7), day)
    assert counted == {
        "Leeuwarden": safety.Counts(missed_checkouts=2, alarms=1, duress=1, resolved={"forgot": 1})
    }
    assert "Testsma" not in repr(counted)
    with migrated_copy.transaction() as session:
        assert safety.summary(session, date(2020, 1, 1), date(2020, 12, 31)) == {}


def test_retention_erases_risk_notes_and_taps_but_keeps_an_open_alerts_and_what_is_to_come(
    migrated_copy: Database, team: tuple[int, int, int], clock: FrozenClock, tmp_path: Path
) -> None:
    municipality, anna, bauke = team
    with migrated_copy.transaction() as session:
        old = shift_for(session, clock, municipality, (anna, bauke), hours_ago=24 * 40)
        coming = shift_for(session, clock, municipality, (anna, bauke), hours_ago=-24)
        for shift in (old, coming):
            safety.set_risk_note(session, clock.now(), "web:coordinator", shift.id, "low", "Let op de hond.")
        for assignment in session.execute(select(Assignment).where(Assignment.shift_id == old.id)).scalars():
            session.add(
                SafetyWatch(
                    assignment_id=assignment.id,
                    shift_id=old.id,
                    inspector_id=assignment.inspector_id,
                    asked_at=old.starts_at,
                    checked_out_at=old.ends_at,
                )
            )
        session.add(SafetyCheckIn(shift_id=old.id, inspector_id=anna, checked_in_at=old.starts_at))
        old_id, coming_id = old.id, coming.id
    jobs.bind(jobs.JobContext(migrated_copy, clock, load_settings({"PIKET_DATA_DIR": str(tmp_path)})))
    jobs.retain()
    with migrated_copy.transaction() as session:
        notes = {n.shift_id: n.note for n in session.execute(select(RiskNote)).scalars()}
        assert notes == {old_id: None, coming_id: "Let op de hond."}
        assert session.scalar(select(func.count()).select_from(SafetyCheckIn)) == 0
        assert session.scalar(select(func.count()).select_from(SafetyWatch)) == 0


def test_a_risk_note_is_refused_clearly_when_it_is_not_for_a_control(
    migrated_copy: Database, team: tuple[int, int, int], clock: FrozenClock
) -> None:
    from backend.services.errors import NotFound, Refused

    municipality, anna, bauke = team
    with migrated_copy.transaction() as session:
        shift = shift_for(session, clock, municipality, (anna, bauke))
        with pytest.raises(NotFound):
            safety.set_risk_note(session, clock.now(), "web:coordinator", shift.id + 99, "low", "")
        with pytest.raises(Refused, match="risk level"):
            safety.set_risk_note(session, clock.now(), "web:coordinator", shift.id, "extreme", "")
        with pytest.raises(Refused, match="too long"):
            safety.set_risk_note(session, clock.now(), "web:coordinator", shift.id, "low", "x" * 501)


def test_the_privacy_register_says_taps_and_times_only(tmp_path: Path) -> None:
    settings = load_settings({"PIKET_DATA_DIR": str(tmp_path)})
    dutch, english = privacy.register(settings), privacy.register(settings, "en")
    assert "piket slaat geen locatie op en volgt geen telefoon" in dutch
    assert "stores no position and follows no phone" in english
    for table in ("risk_notes", "safety_watches", "safety_check_ins", "safety_alerts", "duress_words"):
        assert f"## Table `{table}`" in english


def test_a_revoked_phone_loses_the_safety_messages_too() -> None:
    """Alerts name the pair and the place, the start message the municipality, the risk note the premises."""
    for ref in (safety_ladder.ref(1), safety._start_ref(1), safety._risk_ref(1)):
        assert ref.startswith(enrolment.SENSITIVE_PREFIXES), ref


def test_a_risk_note_erased_by_retention_is_not_entered_again(
    migrated_copy: Database, team: tuple[int, int, int], clock: FrozenClock, tmp_path: Path
) -> None:
    municipality, anna, bauke = team
    with migrated_copy.transaction() as session:
        old = shift_for(session, clock, municipality, (anna, bauke), hours_ago=24 * 40)
        safety.set_risk_note(session, clock.now(), "web:coordinator", old.id, "low", "Let op de hond.")
        old_id = old.id
    jobs.bind(jobs.JobContext(migrated_copy, clock, load_settings({"PIKET_DATA_DIR": str(tmp_path)})))
    jobs.retain()
    with migrated_copy.transaction() as session, pytest.raises(Refused) as refused:
        safety.set_risk_note(session, clock.now(), "web:coordinator", old_id, "high", "Opnieuw ingevoerd.")
    assert refused.value.code == "safety.note_erased"

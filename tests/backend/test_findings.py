"""Controls are addresses: what a control found is recorded as counts per numbered address, who went
along is recorded per control, and a second control of an address soon after the first is warned of
from a keyed hash that retention erases; the evaluation counts all of it (both databases)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from backend.config import load_settings
from backend.models import (
    AddressFinding,
    ControlledAddress,
    HourCategory,
    Municipality,
    Outcome,
    RegionSettings,
    Shift,
    ShiftKind,
    ShiftStatus,
)
from backend.services import callouts, evaluation, findings, ledger, privacy, settlement
from backend.services.errors import NotFound, Refused
from backend.services.findings import AddressIn
from scheduling.calendar import team_zone
from scheduling.ort import planned_break
from tests.factories import NOW, inspector, region

TMM = "Politie Noord-Nederland, Team Migratiecriminaliteit en Mensenhandel (TMM)"
DAY_AFTER = NOW + timedelta(days=1)


def control(
    session: Session,
    municipality: Municipality,
    starts_at: datetime = NOW - timedelta(hours=9),
    kind: ShiftKind = ShiftKind.CONTROL,
) -> Shift:
    shift = Shift(
        kind=kind,
        municipality_id=municipality.id,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=9),
        created_at=NOW,
    )
    session.add(shift)
    session.flush()
    return shift


def other_municipality(session: Session, name: str = "Harlingen") -> Municipality:
    home = session.execute(select(Municipality)).scalars().first()
    made = Municipality(
        region_id=home.region_id,
        name=name,
        population=16000,  # type: ignore[union-attr]
        population_date=date(2025, 1, 1),
        is_participating=True,
    )
    session.add(made)
    session.flush()
    return made


def test_a_control_day_is_recorded_as_numbered_addresses_with_their_outcomes(session: Session) -> None:
    _, home = region(session)
    harlingen = other_municipality(session)
    day = control(session, home)
    signal = NOW - timedelta(hours=2)
    record = findings.record_control(
        session,
        NOW,
        "web:coordinator",
        day.id,
        is_with_police=False,
        partners=[TMM],
        addresses=[
            AddressIn(home.id, Outcome.NOBODY_PRESENT),
            AddressIn(home.id, Outcome.NO_VIOLATION, is_care_offered=True),
            AddressIn(harlingen.id, Outcome.VIOLATION, police_signal_at=signal, address="Voorstraat 1"),
        ],
    )
    assert [(a.number, a.outcome, a.municipality_id) for a in record.addresses] == [
        (1, Outcome.NOBODY_PRESENT, home.id),
        (2, Outcome.NO_VIOLATION, home.id),
        (3, Outcome.VIOLATION, harlingen.id),
    ]
    assert record.addresses[2].police_signal_at == signal and record.addresses[1].is_care_offered
    assert (record.is_with_police, record.partners, day.is_with_police) == (False, [TMM], False)


def test_recording_again_replaces_the_addresses(session: Session) -> None:
    _, home = region(session)
    day = control(session, home)
    for outcomes in ([Outcome.VIOLATION] * 3, [Outcome.NO_VIOLATION]):
        findings.record_control(
            session,
            NOW,
            "web:coordinator",
            day.id,
            is_with_police=True,
            partners=[],
            addresses=[AddressIn(home.id, o) for o in outcomes],
        )
    assert session.execute(select(AddressFinding.outcome)).scalars().all() == [Outcome.NO_VIOLATION]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"partners": ["Someone's cousin"]}, "partners"),
        ({"addresses": [AddressIn(999, Outcome.VIOLATION)]}, "addresses.0.municipality_id"),
        ({"signal": DAY_AFTER}, "addresses.0.police_signal_at"),
        ({"signal": NOW - timedelta(days=2)}, "addresses.0.police_signal_at"),
    ],
)
def test_a_wrong_record_is_refused_naming_the_field(session: Session, change: dict, field: str) -> None:
    _, home = region(session)
    day = control(session, home)
    addresses = change.get("addresses") or [
        AddressIn(home.id, Outcome.VIOLATION, police_signal_at=change.get("signal"))
    ]
    with pytest.raises(Refused) as refused:
        findings.record_control(
            session,
            NOW,
            "web:coordinator",
            day.id,
            is_with_police=True,
            partners=change.get("partners", []),
            addresses=addresses,
        )
    assert refused.value.field == field


def test_a_control_ahead_cancelled_or_unknown_cannot_be_recorded(session: Session) -> None:
    _, home = region(session)
    ahead = control(session, home, NOW + timedelta(hours=1))
    cancelled = control(session, home)
    cancelled.status = ShiftStatus.CANCELLED
    for shift_id, error in ((ahead.id, Refused), (cancelled.id, Refused), (9999, NotFound)):
        with pytest.raises(error):
            findings.record_control(
                session, NOW, "web:coordinator", shift_id, is_with_police=True, partners=[], addresses=[]
            )


def test_the_same_address_spelled_otherwise_is_one_address() -> None:
    same = findings.normalise("Nieuwestad 12-A, Leeuwarden")
    assert same == findings.normalise("nieuwestad 12a leeuwarden")
    assert findings.normalise("Séminarie 1") == findings.normalise("SEMINARIE 1")
    assert findings.normalise("Nieuwestad 12") != findings.normalise("Nieuwestad 13")


def callout_at(session: Session, home: Municipality, starts_at: datetime, location: str) -> Shift:
    made = callouts.create_callout(
        session,
        starts_at - timedelta(hours=2),
        "web:coordinator",
        callouts.NewCallout(
            home.id, callouts.CalloutSource.MMA, starts_at, starts_at + timedelta(hours=9), location
        ),
    )
    return session.get_one(Shift, made.shift_id)


def test_a_call_out_for_an_address_controlled_months_ago_is_warned_of_with_day_and_number(
    session: Session,
) -> None:
    _, home = region(session)
    first = callout_at(session, home, datetime(2027, 3, 12, 14, 0, tzinfo=team_zone()), "Nieuwestad 12")
    in_june = datetime(2027, 6, 1, 10, 0, tzinfo=team_zone())
    found = findings.recent_control(session, in_june, "  NIEUWESTAD 12 ")
    assert found == findings.RecentControl(date(2027, 3, 12), f"2027-{first.id:03d}")
    assert findings.recent_control(session, in_june, "Nieuwestad 14") is None
    assert (
        findings.recent_control(session, datetime(2027, 9, 13, 10, 0, tzinfo=team_zone()), "Nieuwestad 12")
        is None
    ), "six months (the default) have passed"


def test_only_a_hash_of_the_address_is_kept_and_a_cancelled_control_does_not_warn(session: Session) -> None:
    _, home = region(session)
    shift = callout_at(session, home, NOW + timedelta(hours=3), "Nieuwestad 12")
    marks = session.execute(text("SELECT address_mark FROM controlled_addresses")).scalars().all()
    assert len(marks) == 1 and "nieuwestad" not in marks[0].lower() and len(marks[0]) == 64
    shift.status = ShiftStatus.CANCELLED
    assert findings.recent_control(session, NOW, "Nieuwestad 12") is None


def test_the_team_setting_sets_the_period_and_retention_erases_older_hashes(session: Session) -> None:
    made, home = region(session)
    session.add(RegionSettings(region_id=made.id, repeat_warning_months=2))
    findings.record_control(
        session,
        NOW,
        "web:coordinator",
        control(session, home).id,
        is_with_police=True,
        partners=[],
        addresses=[AddressIn(home.id, Outcome.NO_VIOLATION, address="Nieuwestad 12")],
    )
    later = NOW + timedelta(days=50)
    assert findings.recent_control(session, later, "Nieuwestad 12") is not None
    assert findings.forget_old_addresses(session, later) == 0
    two_months_on = NOW + timedelta(days=62)
    assert findings.recent_control(session, two_months_on, "Nieuwestad 12") is None
    assert findings.forget_old_addresses(session, two_months_on) == 1
    assert session.execute(select(func.count(ControlledAddress.id))).scalar_one() == 0


def test_months_before_keeps_the_day_or_takes_the_months_last() -> None:
    assert findings.months_before(date(2027, 8, 31), 6) == date(2027, 2, 28)
    assert findings.months_before(date(2027, 3, 12), 6) == date(2026, 9, 12)


def test_the_evaluation_counts_addresses_outcomes_police_and_partners_and_its_totals_add_up(
    session: Session,
) -> None:
    _, home = region(session)
    harlingen = other_municipality(session)
    sjoerd, anna = inspector(session, home), inspector(session, home, "Anna de Vries")
    days = [control(session, home, NOW - timedelta(days=d)) for d in (1, 8, 15)]
    callout = control(session, harlingen, NOW - timedelta(days=3), ShiftKind.CALLOUT)
    lines = {
        days[0].id: [AddressIn(home.id, Outcome.VIOLATION, police_signal_at=days[0].ends_at)] * 2
        + [AddressIn(home.id, Outcome.NOBODY_PRESENT)] * 3,
        days[1].id: [AddressIn(home.id, Outcome.NO_VIOLATION, is_care_offered=True)] * 4,
        callout.id: [AddressIn(harlingen.id, Outcome.VIOLATION)],
    }
    for shift_id, addresses in lines.items():
        findings.record_control(
            session,
            NOW,
            "web:coordinator",
            shift_id,
            addresses=addresses,
            is_with_police=shift_id != callout.id,
            partners=[TMM] if shift_id == days[0].id else [],
        )
    for person in (sjoerd, anna):  # a pair worked the third day: held, not recorded yet
        entry = ledger.record(
            session,
            NOW,
            "bot",
            inspector_id=person.id,
            municipality_id=home.id,
            category=HourCategory.CONTROL,
            starts_at=days[2].starts_at,
            ends_at=days[2].ends_at,
            shift_id=days[2].id,
            breaks=planned_break(days[2].starts_at, days[2].ends_at, 60),
        )
        ledger.approve_many(session, NOW, "web:coordinator", [entry.id])

    result = evaluation.evaluate(session, NOW, 2027)
    by_name = {a.label: a for a in result.addresses}
    leeuwarden, harlingen_count = by_name["Leeuwarden"], by_name["Harlingen"]
    assert (
        leeuwarden.visited,
        leeuwarden.nobody_present,
        leeuwarden.no_violation,
        leeuwarden.violation,
        leeuwarden.police_signals,
        leeuwarden.care_offered,
    ) == (9, 3, 4, 2, 2, 4)
    assert (harlingen_count.visited, harlingen_count.violation) == (1, 1)
    total = result.address_total
    assert (
        total.visited
        == sum(a.visited for a in result.addresses)
        == session.execute(select(func.count(AddressFinding.id))).scalar_one()
        == 10
    )
    assert total.target == sum(a.target for a in result.addresses) == 69, "the plan's addresses, apportioned"
    assert [b.value for b in result.address_bars] == [a.visited for a in result.addresses]
    assert result.accompaniment == evaluation.Accompaniment(
        recorded=3, with_police=2, administrative=1, partners={TMM: 1}, unrecorded=0
    )
    approved = sum(e.worked_minutes for e in ledger_entries(session))
    assert result.approved_minutes == approved == 2 * 8 * 60
    assert result.spent_cents == settlement.settle(session, 2027).totals["delivered_cents"]


def ledger_entries(session: Session) -> list:
    from backend.models import HourApproval, HourEntry

    return list(
        session.execute(select(HourEntry).join(HourApproval, HourApproval.entry_id == HourEntry.id)).scalars()
    )


def test_the_privacy_register_describes_the_address_hashes(tmp_path: Path) -> None:
    settings = load_settings({"PIKET_DATA_DIR": str(tmp_path)})
    dutch, english = privacy.register(settings), privacy.register(settings, "en")
    assert "## Tabel `controlled_addresses`" in dutch and "sleutel-hash" in dutch
    assert "repeat_warning_months" in english and "`address_mark`" in english

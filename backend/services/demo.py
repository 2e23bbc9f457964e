"""The demo dataset: the Fryslân pilot (the seed's scenario 3 municipalities, 11 taking part).

The region, municipalities, pledges, plan, budget and ORT tables are the shipped
Fryslân profile (`profiles/fryslan-rts.toml`), loaded as any team loads its own;
the people, control days and the call-out are invented here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.models import (
    Assignment,
    AssignmentStatus,
    Callout,
    CalloutSource,
    CalloutStatus,
    Designation,
    Gender,
    Inspector,
    Municipality,
    Outcome,
    Region,
    Role,
    Shift,
    ShiftKind,
    ShiftStatus,
)
from backend.profile_file import read_file
from backend.services import audit, findings, planning, profile
from backend.services.accounts import create_web_user
from backend.services.installation import DEMO_ACTION
from scheduling.calendar import team_zone

PROFILE = Path(__file__).resolve().parents[2] / "profiles" / "fryslan-rts.toml"
PILOT_START = date(2027, 1, 1)


@dataclass(frozen=True)
class DemoPerson:
    first_name: str
    surname: str
    gender: Gender
    employer: str
    is_trained: bool
    is_coordinator: bool = False


PEOPLE = [
    DemoPerson("Wytske", "Hoekstra", Gender.FEMALE, "Leeuwarden", True, is_coordinator=True),
    DemoPerson("Sjoerd", "Dijkstra", Gender.MALE, "Leeuwarden", True),
    DemoPerson("Jildou", "Postma", Gender.FEMALE, "Leeuwarden", False),
    DemoPerson("Tjeerd", "Bosma", Gender.MALE, "Súdwest-Fryslân", True),
    DemoPerson("Hiltsje", "Terpstra", Gender.FEMALE, "Súdwest-Fryslân", True),
    DemoPerson("Durk", "Wijnstra", Gender.MALE, "Smallingerland", False),
    DemoPerson("Sytske", "Haisma", Gender.FEMALE, "Smallingerland", True),
    DemoPerson("Auke", "Sikkema", Gender.MALE, "De Fryske Marren", True),
    DemoPerson("Baukje", "Zijlstra", Gender.FEMALE, "De Fryske Marren", False),
    DemoPerson("Gerben", "Kuipers", Gender.MALE, "Heerenveen", False),
    DemoPerson("Froukje", "Visser", Gender.FEMALE, "Heerenveen", True),
    DemoPerson("Hessel", "de Boer", Gender.MALE, "Waadhoeke", True),
]


PAST_LOCATION = "Wilhelminastraat 12, Drachten (bovenwoning)"
"""The demo's past call-out: a new call-out there is warned of (controlled three days ago)."""


class DemoError(Exception):
    """The demo cannot be loaded here."""


def is_empty(session: Session) -> bool:
    return session.execute(select(Region.id).limit(1)).first() is None


def load_demo(session: Session, now: datetime) -> dict[str, str]:
    """Fill an empty database with the pilot; returns the web accounts' one-time passwords."""
    if not is_empty(session):
        raise DemoError("the database already holds data; the demo only loads into an empty one")
    profile.load(session, now, "cli:demo", read_file(PROFILE))
    municipalities = {m.name: m for m in session.execute(select(Municipality)).scalars()}
    inspectors = _inspectors(session, municipalities, now)
    _designations(session, inspectors, municipalities, now)
    _control_days(session, inspectors, municipalities, now)
    _past_callout(session, inspectors, municipalities, now)
    passwords = {}
    for username, role in (
        ("admin", Role.ADMIN),
        ("coordinator", Role.COORDINATOR),
        ("finance", Role.FINANCE),
    ):
        coordinator_id = inspectors[0].id if role is Role.COORDINATOR else None
        _, passwords[username] = create_web_user(session, now, "cli:demo", username, role, coordinator_id)
    audit.record(
        session,
        now,
        "cli:demo",
        DEMO_ACTION,
        "database",
        {"inspectors": len(inspectors), "municipalities": len(municipalities)},
    )
    return passwords


def _inspectors(session: Session, municipalities: dict[str, Municipality], now: datetime) -> list[Inspector]:
    made = []
    for number, person in enumerate(PEOPLE, start=1):
        made.append(
            Inspector(
                name=f"{person.first_name} {person.surname}",
                first_name=person.first_name,
                phone=f"+31 6 {40_000_000 + number * 1_234_567:08d}"[:16],
                employer_id=municipalities[person.employer].id,
                salary_scale=10 if person.is_coordinator else 7,
                salary_step=11,
                trained_since=date(2026, 10, 1) if person.is_trained else None,
                gender=person.gender,
                is_coordinator=person.is_coordinator,
                created_at=now,
            )
        )
    session.add_all(made)
    session.flush()
    return made


def _designations(
    session: Session, inspectors: list[Inspector], municipalities: dict[str, Municipality], now: datetime
) -> None:
    """Every participating municipality designates the whole team (by function, not by person).

    From the pilot's start, or two months back when the demo runs before it, so
    that the demo always shows a team at work.
    """
    valid_from = min(PILOT_START, now.astimezone(team_zone()).date() - timedelta(days=60))
    for municipality in municipalities.values():
        if not municipality.is_participating:
            continue
        reference = f"RTS-{valid_from.year}-{municipality.id:02d}"
        session.add_all(
            Designation(
                inspector_id=i.id,
                municipality_id=municipality.id,
                decision_reference=reference,
                valid_from=valid_from,
            )
            for i in inspectors
        )
    session.flush()


def _window(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(14, 0), team_zone()).astimezone(UTC)
    return start, datetime.combine(day, time(23, 0), team_zone()).astimezone(UTC)


def _control_days(
    session: Session, inspectors: list[Inspector], municipalities: dict[str, Municipality], now: datetime
) -> None:
    """Control days over the coming four weeks: Tuesdays and Fridays, by population weight."""
    hosts = [
        "Leeuwarden",
        "Súdwest-Fryslân",
        "Smallingerland",
        "Leeuwarden",
        "Heerenveen",
        "De Fryske Marren",
        "Leeuwarden",
        "Waadhoeke",
    ]
    today = now.astimezone(team_zone()).date()
    days = [
        today + timedelta(days=d) for d in range(1, 29) if (today + timedelta(days=d)).weekday() in (1, 4)
    ]
    shifts = []
    for turn, day in enumerate(days):
        starts_at, ends_at = _window(day)
        shifts.append(
            Shift(
                kind=ShiftKind.CONTROL,
                municipality_id=municipalities[hosts[turn % 8]].id,
                starts_at=starts_at,
                ends_at=ends_at,
                created_at=now,
            )
        )
    session.add_all(shifts)
    session.flush()
    planning.assign_proposal(session, shifts, planning.propose_roster(session, shifts, now), now)


def _past_callout(
    session: Session, inspectors: list[Inspector], municipalities: dict[str, Municipality], now: datetime
) -> None:
    """One call-out from three days ago, filled, so the dashboard and the ledger have history."""
    starts_at, ends_at = _window(now.astimezone(team_zone()).date() - timedelta(days=3))
    shift = Shift(
        kind=ShiftKind.CALLOUT,
        municipality_id=municipalities["Smallingerland"].id,
        starts_at=starts_at,
        ends_at=ends_at,
        status=ShiftStatus.DONE,
        created_at=starts_at - timedelta(hours=2),
    )
    session.add(shift)
    session.flush()
    session.add(
        Callout(
            shift_id=shift.id,
            source=CalloutSource.MMA,
            location=PAST_LOCATION,
            notes="Melding via MMA: wisselende bezoekers in de avond. Politie op de hoogte.",
            status=CalloutStatus.FILLED,
            created_by="web:coordinator",
            created_at=starts_at - timedelta(hours=2),
            filled_at=starts_at - timedelta(hours=1),
        )
    )
    # Sytske (trained) and Durk, both of Smallingerland, went.
    for inspector in (inspectors[6], inspectors[5]):
        session.add(
            Assignment(
                shift_id=shift.id,
                inspector_id=inspector.id,
                status=AssignmentStatus.CONFIRMED,
                confirmed_at=starts_at,
                created_at=starts_at,
            )
        )
    session.flush()
    # What they found, as counts (the address only as the repeat warning's hash).
    findings.remember_address(session, now, shift, PAST_LOCATION)
    findings.record_control(
        session,
        now,
        "cli:demo",
        shift.id,
        is_with_police=True,
        partners=list(profile.organisations(session))[:1],
        addresses=[findings.AddressIn(shift.municipality_id, Outcome.NO_VIOLATION, is_care_offered=True)],
    )

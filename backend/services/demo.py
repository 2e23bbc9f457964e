"""The demo dataset: the Fryslân pilot (the seed's scenario 3 municipalities, 11 taking part).

Everyone in it is invented. Populations are those of 1 January 2025 from the
team's plan; pledges follow the plan's rule (hours by population share, at
least 100 hours a year, otherwise money).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.models import (
    Assignment,
    AssignmentStatus,
    Callout,
    CalloutSource,
    CalloutStatus,
    Contribution,
    Designation,
    Gender,
    Inspector,
    Municipality,
    Region,
    Role,
    Shift,
    ShiftKind,
    ShiftStatus,
)
from backend.services import audit, planning
from backend.services.accounts import create_web_user
from backend.services.installation import DEMO_ACTION
from scheduling.apportion import largest_remainder
from scheduling.calendar import team_zone
from scheduling.contributions import MINIMUM_PLEDGE_HOURS, pledged_hours

POPULATION_DATE = date(2025, 1, 1)
YEARLY_HOURS = 1223
PILOT_START = date(2027, 1, 1)

# (name, population 1-1-2025, participating)
MUNICIPALITIES = [
    ("Achtkarspelen", 28200, False), ("Harlingen", 16210, False), ("Heerenveen", 51863, True),
    ("Leeuwarden", 129973, True), ("Ooststellingwerf", 25925, True), ("Opsterland", 30012, True),
    ("Smallingerland", 57084, True), ("Weststellingwerf", 26596, True),
    ("Tytsjerksteradiel", 32821, True), ("Dantumadiel", 19137, False),
    ("Súdwest-Fryslân", 90534, True), ("De Fryske Marren", 52235, True),
    ("Waadhoeke", 46857, True), ("Noardeast-Fryslân", 45864, True),
]
# Under 100 hours by share, but chose to pledge the minimum rather than pay.
PLEDGES_MINIMUM = {"Waadhoeke"}


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


class DemoError(Exception):
    """The demo cannot be loaded here."""


def is_empty(session: Session) -> bool:
    return session.execute(select(Region.id).limit(1)).first() is None


def load_demo(session: Session, now: datetime) -> dict[str, str]:
    """Fill an empty database with the pilot; returns the web accounts' one-time passwords."""
    if not is_empty(session):
        raise DemoError("the database already holds data; the demo only loads into an empty one")
    region = Region(name="Regionaal Toezicht Sekswerk Fryslân", timezone=team_zone().key)
    session.add(region)
    session.flush()
    municipalities = _municipalities(session, region)
    inspectors = _inspectors(session, municipalities, now)
    _designations(session, inspectors, municipalities, now)
    _control_days(session, inspectors, municipalities, now)
    _past_callout(session, inspectors, municipalities, now)
    passwords = {}
    for username, role in (("admin", Role.ADMIN), ("coordinator", Role.COORDINATOR),
                           ("finance", Role.FINANCE)):
        coordinator_id = inspectors[0].id if role is Role.COORDINATOR else None
        _, passwords[username] = create_web_user(session, now, "cli:demo", username, role,
                                                 coordinator_id)
    audit.record(session, now, "cli:demo", DEMO_ACTION, "database",
                 {"inspectors": len(inspectors), "municipalities": len(municipalities)})
    return passwords


def _municipalities(session: Session, region: Region) -> dict[str, Municipality]:
    participants = [(n, p) for n, p, taking_part in MUNICIPALITIES if taking_part]
    hours = dict(zip([n for n, _ in participants],
                     largest_remainder(YEARLY_HOURS, [p for _, p in participants]), strict=True))
    made = {}
    for name, population, taking_part in MUNICIPALITIES:
        share = hours.get(name, 0)
        in_hours = taking_part and (share >= MINIMUM_PLEDGE_HOURS or name in PLEDGES_MINIMUM)
        made[name] = Municipality(
            region_id=region.id, name=name, population=population,
            population_date=POPULATION_DATE, is_participating=taking_part,
            is_coordinating=name == "Leeuwarden",
            contribution=Contribution.HOURS if in_hours else Contribution.MONEY,
            pledged_minutes=pledged_hours(share, in_hours) * 60)
    session.add_all(made.values())
    session.flush()
    return made


def _inspectors(session: Session, municipalities: dict[str, Municipality],
                now: datetime) -> list[Inspector]:
    made = []
    for number, person in enumerate(PEOPLE, start=1):
        made.append(Inspector(
            name=f"{person.first_name} {person.surname}", first_name=person.first_name,
            phone=f"+31 6 {40_000_000 + number * 1_234_567:08d}"[:16],
            employer_id=municipalities[person.employer].id,
            salary_scale=10 if person.is_coordinator else 7, salary_step=11,
            trained_since=date(2026, 10, 1) if person.is_trained else None,
            gender=person.gender, is_coordinator=person.is_coordinator, created_at=now))
    session.add_all(made)
    session.flush()
    return made


def _designations(session: Session, inspectors: list[Inspector],
                  municipalities: dict[str, Municipality], now: datetime) -> None:
    """Every participating municipality designates the whole team (by function, not by person).

    From the pilot's start, or two months back when the demo runs before it, so
    that the demo always shows a team at work.
    """
    valid_from = min(PILOT_START, now.astimezone(team_zone()).date() - timedelta(days=60))
    for municipality in municipalities.values():
        if not municipality.is_participating:
            continue
        reference = f"RTS-{valid_from.year}-{municipality.id:02d}"
        session.add_all(Designation(inspector_id=i.id, municipality_id=municipality.id,
                                    decision_reference=reference, valid_from=valid_from)
                        for i in inspectors)
    session.flush()


def _window(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(14, 0), team_zone()).astimezone(UTC)
    return start, datetime.combine(day, time(23, 0), team_zone()).astimezone(UTC)


def _control_days(session: Session, inspectors: list[Inspector],
                  municipalities: dict[str, Municipality], now: datetime) -> None:
    """Control days over the coming four weeks: Tuesdays and Fridays, by population weight."""
    hosts = ["Leeuwarden", "Súdwest-Fryslân", "Smallingerland", "Leeuwarden", "Heerenveen",
             "De Fryske Marren", "Leeuwarden", "Waadhoeke"]
    today = now.astimezone(team_zone()).date()
    days = [today + timedelta(days=d) for d in range(1, 29)
            if (today + timedelta(days=d)).weekday() in (1, 4)]
    shifts = []
    for turn, day in enumerate(days):
        starts_at, ends_at = _window(day)
        shifts.append(Shift(kind=ShiftKind.CONTROL, municipality_id=municipalities[hosts[turn % 8]].id,
                            starts_at=starts_at, ends_at=ends_at, created_at=now))
    session.add_all(shifts)
    session.flush()
    planning.assign_proposal(session, shifts, planning.propose_roster(session, shifts, now), now)


def _past_callout(session: Session, inspectors: list[Inspector],
                  municipalities: dict[str, Municipality], now: datetime) -> None:
    """One call-out from three days ago, filled, so the dashboard and the ledger have history."""
    starts_at, ends_at = _window(now.astimezone(team_zone()).date() - timedelta(days=3))
    shift = Shift(kind=ShiftKind.CALLOUT, municipality_id=municipalities["Smallingerland"].id,
                  starts_at=starts_at, ends_at=ends_at, status=ShiftStatus.DONE,
                  created_at=starts_at - timedelta(hours=2))
    session.add(shift)
    session.flush()
    session.add(Callout(shift_id=shift.id, source=CalloutSource.MMA,
                        location="Wilhelminastraat 12, Drachten (bovenwoning)",
                        notes="Melding via MMA: wisselende bezoekers in de avond. Politie op de hoogte.",
                        status=CalloutStatus.FILLED, created_by="web:coordinator",
                        created_at=starts_at - timedelta(hours=2),
                        filled_at=starts_at - timedelta(hours=1)))
    # Sytske (trained) and Durk, both of Smallingerland, went.
    for inspector in (inspectors[6], inspectors[5]):
        session.add(Assignment(shift_id=shift.id, inspector_id=inspector.id,
                               status=AssignmentStatus.CONFIRMED, confirmed_at=starts_at,
                               created_at=starts_at))
    session.flush()


"""A small team on a migrated database of its own, and the bot harness around it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from backend.db import Database
from backend.models import Assignment, AssignmentStatus, Gender, Municipality, Shift, ShiftKind
from scheduling.clock import FrozenClock
from tests.bot.harness import Harness
from tests.factories import designate, inspector, region


@dataclass
class Team:
    leeuwarden: int
    smallingerland: int
    people: dict[str, int]
    """First name to inspector id."""
    phones: dict[str, int]
    """First name to Telegram user id (enrolled phones only)."""


PEOPLE = [  # first name, gender, trained, coordinator, enrolled
    ("Wytske", Gender.FEMALE, True, True, True),
    ("Anna", Gender.FEMALE, True, False, True),
    ("Bauke", Gender.MALE, True, False, True),
    ("Ciska", Gender.FEMALE, False, False, True),
    ("Douwe", Gender.MALE, False, False, True),
    ("Eelke", Gender.MALE, True, False, False),
]


@pytest.fixture
def bot_database(migrated_copy: Database) -> Database:
    return migrated_copy


@pytest.fixture
def team(bot_database: Database) -> Team:
    return make_team(bot_database)


def make_team(database: Database) -> Team:
    """Two municipalities and the six people of PEOPLE, each designated for both."""
    with database.transaction() as session:
        made_region, leeuwarden = region(session)
        smallingerland = Municipality(
            region_id=made_region.id,
            name="Smallingerland",
            population=57084,
            population_date=date(2025, 1, 1),
            is_participating=True,
            contribution=leeuwarden.contribution,
            pledged_minutes=107 * 60,
        )
        session.add(smallingerland)
        session.flush()
        people, phones = {}, {}
        for number, (first, gender, trained, coordinator, enrolled) in enumerate(PEOPLE):
            phone = 100 + number if enrolled else None
            made = inspector(
                session,
                leeuwarden,
                f"{first} Testsma",
                gender,
                telegram_id=str(phone) if phone else None,
                is_trained=trained,
            )
            made.is_coordinator = coordinator
            designate(session, made, leeuwarden, smallingerland)
            people[first] = made.id
            if phone:
                phones[first] = phone
        return Team(leeuwarden.id, smallingerland.id, people, phones)


@pytest.fixture
def harness(bot_database: Database, clock: FrozenClock) -> Harness:
    return Harness(bot_database, clock)


def control_day(
    harness: Harness,
    team: Team,
    *names: str,
    hours_ahead: int = 0,
    status: AssignmentStatus = AssignmentStatus.CONFIRMED,
) -> int:
    """A control in Smallingerland for these people: 9 hours from `hours_ahead` on (14:00-23:00 at 0),
    60 min break."""
    start = harness.clock.now() + timedelta(hours=hours_ahead)
    with harness.database.transaction() as session:
        shift = Shift(
            kind=ShiftKind.CONTROL,
            municipality_id=team.smallingerland,
            starts_at=start,
            ends_at=start + timedelta(hours=9),
            created_at=harness.clock.now(),
        )
        session.add(shift)
        session.flush()
        session.add_all(
            Assignment(
                shift_id=shift.id,
                inspector_id=team.people[name],
                status=status,
                created_at=harness.clock.now(),
            )
            for name in names
        )
        return shift.id

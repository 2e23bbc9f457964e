"""Small builders for tests: a region with municipalities, and named inspectors."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from backend.models import Contribution, Designation, Gender, Inspector, Municipality, Region
from backend.services.profile import load_knobs
from tests.profiles import FRYSLAN

NOW = datetime(2027, 3, 9, 13, 0, tzinfo=UTC)


def region(session: Session) -> tuple[Region, Municipality]:
    """A region with the Fryslân profile's plan, budget and ORT tables, and Leeuwarden coordinating."""
    made = Region(name="Test region")
    session.add(made)
    session.flush()
    load_knobs(session, made, FRYSLAN)
    home = Municipality(
        region_id=made.id,
        name="Leeuwarden",
        population=129973,
        population_date=date(2025, 1, 1),
        is_participating=True,
        is_coordinating=True,
        contribution=Contribution.HOURS,
        pledged_minutes=243 * 60,
    )
    session.add(home)
    session.flush()
    return made, home


def inspector(
    session: Session,
    employer: Municipality,
    name: str = "Sjoerd Dijkstra",
    gender: Gender = Gender.MALE,
    telegram_id: str | None = None,
    is_trained: bool = True,
) -> Inspector:
    from secure_store.types import blind_index

    made = Inspector(
        name=name,
        first_name=name.split()[0],
        employer_id=employer.id,
        salary_scale=7,
        salary_step=11,
        gender=gender,
        trained_since=date(2026, 10, 1) if is_trained else None,
        telegram_id=telegram_id,
        telegram_index=blind_index(telegram_id, "telegram") if telegram_id else None,
        created_at=NOW,
    )
    session.add(made)
    session.flush()
    return made


def designate(session: Session, made: Inspector, *municipalities: Municipality) -> None:
    """Designation decisions of these municipalities for the inspector, in force from the pilot's start."""
    session.add_all(
        Designation(
            inspector_id=made.id,
            municipality_id=m.id,
            decision_reference="RTS-2027",
            valid_from=date(2027, 1, 1),
        )
        for m in municipalities
    )
    session.flush()

"""A designation ends by law when the inspector leaves the team: deactivating them ends each one still
in force on that day; the rows and their decision references stay."""

import json
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.models import AuditRecord, Designation, Inspector, Municipality
from backend.services import team
from tests.factories import NOW, inspector, region


def fields(person: Inspector) -> dict[str, object]:
    """What the admin's form changes here, as the service takes it."""
    return {"employer_id": person.employer_id, "is_active": False}


def designations(session: Session, inspector_id: int) -> list[tuple[str, date, date | None]]:
    rows = session.scalars(
        select(Designation).where(Designation.inspector_id == inspector_id).order_by(Designation.id)
    )
    return [(d.decision_reference, d.valid_from, d.valid_until) for d in rows]


def test_leaving_ends_the_designations_in_force_that_day_and_keeps_them(session: Session) -> None:
    made_region, home = region(session)
    other = Municipality(
        region_id=made_region.id,
        name="Harlingen",
        population=16210,
        population_date=date(2025, 1, 1),
        contribution=home.contribution,
    )
    session.add(other)
    session.flush()
    person = inspector(session, home)
    session.add_all(
        [
            Designation(
                inspector_id=person.id,
                municipality_id=home.id,
                decision_reference="LWD-2027-01",
                valid_from=date(2027, 1, 1),
            ),
            Designation(
                inspector_id=person.id,
                municipality_id=other.id,
                decision_reference="HAR-2026-07",
                valid_from=date(2026, 7, 1),
                valid_until=date(2026, 12, 31),
            ),  # ended before
            Designation(
                inspector_id=person.id,
                municipality_id=other.id,
                decision_reference="HAR-2027-09",
                valid_from=date(2027, 9, 1),
            ),  # not yet begun
        ]
    )
    session.flush()
    team.change_inspector(session, NOW, "web:admin", person.id, fields(person))
    assert designations(session, person.id) == [
        ("LWD-2027-01", date(2027, 1, 1), date(2027, 3, 9)),
        ("HAR-2026-07", date(2026, 7, 1), date(2026, 12, 31)),
        ("HAR-2027-09", date(2027, 9, 1), date(2027, 9, 1)),
    ]
    audited = session.scalars(select(AuditRecord.details).where(AuditRecord.action == "designation.ended"))
    assert [json.loads(d)["because"] for d in audited] == ["left_the_team", "left_the_team"]


def test_saving_someone_who_already_left_changes_no_designation(session: Session) -> None:
    _, home = region(session)
    person = inspector(session, home)
    session.add(
        Designation(
            inspector_id=person.id,
            municipality_id=home.id,
            decision_reference="LWD-2027-01",
            valid_from=date(2027, 1, 1),
        )
    )
    session.flush()
    team.change_inspector(session, NOW, "web:admin", person.id, fields(person))
    later = NOW.replace(month=6)
    team.change_inspector(session, later, "web:admin", person.id, fields(person))
    assert designations(session, person.id) == [("LWD-2027-01", date(2027, 1, 1), date(2027, 3, 9))]
    team.change_inspector(session, later, "web:admin", person.id, {**fields(person), "is_active": True})
    assert designations(session, person.id)[0][2] == date(2027, 3, 9), "a return needs new decisions"

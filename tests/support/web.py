"""Shared steps of the web tests: API tokens, call-outs and planned days made through the pages,
hours booked for the finance pages, and reading what an export holds."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from sqlalchemy import select

from backend.models import (
    Assignment,
    AssignmentStatus,
    Callout,
    HourCategory,
    Inspector,
    Municipality,
    Role,
    SafetyAlert,
    Shift,
    ShiftKind,
)
from backend.services import accounts, ledger, safety, safety_ladder
from backend.web import export_words
from tests.web.conftest import Site, WebClient, book

TIP = {
    "source": "mma",
    "day": "2027-03-09",
    "start": "20:00",
    "end": "23:00",
    "location": "Dorpsstraat 1",
    "notes": "achteringang",
}
"""A call-out form as the coordinator fills it in after a tip."""

YEAR = {"period_start": "2027-03-01", "period_end": "2027-03-31"}
SHARED = {"receiver": "controller of the coordinating municipality", "purpose": "year-end settlement"}
"""Who receives an export and why: asked before every download, recorded in the register."""
SHARE = "receiver=controller&purpose=year-end"

BROKEN_AUTHORIZATION = ("Basic eDp4", "", "Bearer", "Bearer ", "Bearer pkt_wrong", "Token pkt_x", "bearer x")
"""Authorization headers that name no valid API token."""


def token(site: Site, role: Role, read_only: bool = False) -> str:
    """A new API token of this role."""
    with site.database.transaction() as session:
        _, value = accounts.create_api_token(
            session, site.clock.now(), "test", f"test {role}", role, read_only
        )
    return value


def municipality(site: Site, name: str) -> int:
    with site.database.transaction() as session:
        return session.execute(select(Municipality.id).where(Municipality.name == name)).scalar_one()


def make_callout(site: Site, client: WebClient) -> int:
    """A call-out made on the coordinator's page from TIP, in Smallingerland; its id."""
    response = client.post(
        "/coordinator/callouts/new", data={**TIP, "municipality_id": municipality(site, "Smallingerland")}
    )
    assert response.status_code == 302, response.text
    with site.database.transaction() as session:
        return session.execute(select(Callout.id).order_by(Callout.id.desc())).scalars().first()  # type: ignore[return-value]


def record_week(site: Site) -> list[int]:
    """Two inspectors' hours on Tuesday 2 March 2027 (last week), not yet approved."""
    place = municipality(site, "Heerenveen")
    with site.database.transaction() as session:
        return [book(session, site, inspector, place, date(2027, 3, 2)) for inspector in (2, 3)]


def people_on(site: Site, shift_id: int) -> dict[int, AssignmentStatus]:
    with site.database.transaction() as session:
        rows = session.execute(
            select(Assignment.inspector_id, Assignment.status).where(Assignment.shift_id == shift_id)
        ).all()
    return {inspector: status for inspector, status in rows}


def plan_day(site: Site, client: object) -> int:
    """A control day in Heerenveen on 20 April 2027, planned on the page; its shift's id."""
    response = client.post(
        "/coordinator/planning/days",
        data={  # type: ignore[attr-defined]
            "municipality_id": municipality(site, "Heerenveen"),
            "day": "2027-04-20",
        },
    )
    assert response.status_code == 302, response.text
    with site.database.transaction() as session:
        return (
            session.execute(select(Shift.id).where(Shift.kind == ShiftKind.CONTROL).order_by(Shift.id.desc()))
            .scalars()
            .first()
        )  # type: ignore[return-value]


def book_hours(site: Site, approve: bool = True) -> list[int]:
    """A Tuesday, a Saturday and a Sunday control for two inspectors of different employers, and a report."""
    ids = []
    with site.database.transaction() as session:
        place = session.execute(select(Municipality.id).where(Municipality.name == "Heerenveen")).scalar_one()
        for day, inspector in ((date(2027, 3, 2), 2), (date(2027, 3, 6), 4), (date(2027, 3, 7), 2)):
            ids.append(book(session, site, inspector, place, day))
        ids.append(
            book(
                session,
                site,
                4,
                place,
                date(2027, 3, 3),
                hour=10,
                minutes=90,
                break_minutes=0,
                category=HourCategory.REPORT,
            )
        )
        if approve:
            ledger.approve_many(session, site.clock.now(), "web:coordinator", ids)
    return ids


def read_csv(text: str) -> tuple[str, list[str], list[list[str]], list[str]]:
    """An export's CSV as (column set line, header, lines, total line); the header as column names where
    it is a Dutch label a controller reads (the tests look columns up by name)."""
    assert text.startswith("\ufeff"), "a byte-order mark tells Excel it is UTF-8"
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))
    return rows[0][0], [CODE_NAMES.get(label, label) for label in rows[1]], rows[2:-1], rows[-1]


CODE_NAMES = {export_words.wording("nl").label(name): name for name in export_words.LABELS}
"""The Dutch headers a controller reads, back to the column names the tests look columns up by."""


def control_with_pair(site: Site, hours_ago: int) -> int:
    """A control day in Leeuwarden that started `hours_ago` hours ago, with two inspectors."""
    with site.database.transaction() as session:
        start = site.clock.now() - timedelta(hours=hours_ago)
        shift = Shift(
            kind=ShiftKind.CONTROL,
            municipality_id=municipality(site, "Leeuwarden"),
            starts_at=start,
            ends_at=start + timedelta(hours=8),
            created_at=start,
        )
        session.add(shift)
        session.flush()
        pair = (
            session.execute(
                select(Inspector.id)
                .where(Inspector.is_coordinator.is_(False))
                .order_by(Inspector.id)
                .limit(2)
            )
            .scalars()
            .all()
        )
        session.add_all(
            Assignment(
                shift_id=shift.id, inspector_id=person, status=AssignmentStatus.CONFIRMED, created_at=start
            )
            for person in pair
        )
        return shift.id


def missed_alert(site: Site) -> int:
    shift_id = control_with_pair(site, hours_ago=1)
    with site.database.transaction() as session:
        safety.ask_at_start(session, site.clock.now())
    with site.database.transaction() as session:
        safety_ladder.raise_missed(session, site.clock.now() + timedelta(hours=8))
        return session.execute(select(SafetyAlert.id).where(SafetyAlert.shift_id == shift_id)).scalar_one()

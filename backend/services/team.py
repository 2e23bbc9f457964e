"""The team's records, kept by the admin: municipalities, inspectors and designations.

Each change is audited; names and phone numbers never go into the audit details.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from backend.models import Designation, Inspector, Municipality
from backend.services import audit
from backend.services.errors import N_, NotFound, Refused
from scheduling.calendar import local_date

SEALED = frozenset({"name", "first_name", "phone"})
"""Inspector fields kept out of the audit log."""

M = TypeVar("M", Municipality, Inspector, Designation)

NOT_FOUND = {
    Municipality: N_("no municipality with this id"),
    Inspector: N_("no inspector with this id"),
    Designation: N_("no designation with this id"),
}


def existing(session: Session, model: type[M], key: int, field: str) -> M:
    """The row with this id, or NotFound naming the input field."""
    found = session.get(model, key)
    if found is None:
        raise NotFound(field, NOT_FOUND[model])
    return found


def add_inspector(session: Session, now: datetime, actor: str, fields: Mapping[str, Any]) -> Inspector:
    existing(session, Municipality, fields["employer_id"], "employer_id")
    made = Inspector(**fields, created_at=now)
    session.add(made)
    session.flush()
    audit.record(session, now, actor, "inspector.created", f"inspector:{made.id}")
    return made


def change_inspector(
    session: Session, now: datetime, actor: str, inspector_id: int, changes: Mapping[str, Any]
) -> Inspector:
    """Names, phone, employer, scale, training, coordinator, or leaving the team (no more offers)."""
    found = existing(session, Inspector, inspector_id, "inspector_id")
    existing(session, Municipality, changes["employer_id"], "employer_id")
    leaves = found.is_active and changes.get("is_active") is False
    _apply(found, changes)
    audit.record(
        session,
        now,
        actor,
        "inspector.changed",
        f"inspector:{found.id}",
        _plain({k: v for k, v in changes.items() if k not in SEALED}),
    )
    if leaves:
        end_designations_on_leaving(session, now, actor, found)
    return found


def end_designations_on_leaving(session: Session, now: datetime, actor: str, leaving: Inspector) -> int:
    """A designation ends by law when the inspector leaves the team (seed 000, annex 3): each one still
    in force ends today (one not yet begun, on its first day: the constraint keeps a period non-empty,
    and an inactive inspector is offered nothing anyway). The rows and their decision references
    stay as history; a return to the team needs new decisions. Returns how many ended."""
    today = local_date(now)
    ended = 0
    for designation in session.scalars(
        select(Designation).where(
            Designation.inspector_id == leaving.id,
            or_(Designation.valid_until.is_(None), Designation.valid_until > today),
        )
    ):
        designation.valid_until = max(today, designation.valid_from)
        audit.record(
            session,
            now,
            actor,
            "designation.ended",
            f"designation:{designation.id}",
            {"valid_until": designation.valid_until.isoformat(), "because": "left_the_team"},
        )
        ended += 1
    return ended


def add_designation(session: Session, now: datetime, actor: str, fields: Mapping[str, Any]) -> Designation:
    existing(session, Inspector, fields["inspector_id"], "inspector_id")
    existing(session, Municipality, fields["municipality_id"], "municipality_id")
    made = Designation(**fields)
    session.add(made)
    session.flush()
    audit.record(
        session,
        now,
        actor,
        "designation.created",
        f"designation:{made.id}",
        {"inspector": made.inspector_id, "municipality": made.municipality_id},
    )
    return made


def end_designation(
    session: Session, now: datetime, actor: str, designation_id: int, valid_until: date
) -> Designation:
    found = existing(session, Designation, designation_id, "designation_id")
    if valid_until < found.valid_from:
        raise Refused(
            "a designation cannot end before it starts", field="valid_until", code="designation_order"
        )
    found.valid_until = valid_until
    audit.record(
        session,
        now,
        actor,
        "designation.ended",
        f"designation:{found.id}",
        {"valid_until": valid_until.isoformat()},
    )
    return found


def _apply(row: Any, changes: Mapping[str, Any]) -> None:
    for name, value in changes.items():
        setattr(row, name, value)


def _plain(values: Mapping[str, Any]) -> dict[str, Any]:
    """Values as the audit log's JSON takes them (dates as ISO text, enums as their value)."""
    return {k: v.isoformat() if isinstance(v, date) else getattr(v, "value", v) for k, v in values.items()}


DESIGNATIONS_PAGE = 100
"""Designations on one page of the admin's overview: every inspector by every municipality is
thousands at ten times the pilot, each with a sealed decision to open."""


def designations_page(session: Session, page: int) -> tuple[list[Designation], int]:
    """One page of the designations, by inspector and municipality, and how many there are in all."""
    rows = session.execute(
        select(Designation)
        .order_by(Designation.inspector_id, Designation.municipality_id, Designation.id)
        .offset((page - 1) * DESIGNATIONS_PAGE)
        .limit(DESIGNATIONS_PAGE)
    ).scalars()
    return list(rows), session.execute(select(func.count(Designation.id))).scalar_one()

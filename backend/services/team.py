"""The team's records, kept by the admin: municipalities, inspectors and designations.

Each change is audited; names and phone numbers never go into the audit details.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from backend.models import Designation, Inspector, Municipality
from backend.services import audit
from backend.services.errors import NotFound, Refused

SEALED = frozenset({"name", "first_name", "phone"})
"""Inspector fields kept out of the audit log."""

M = TypeVar("M", Municipality, Inspector, Designation)


def existing(session: Session, model: type[M], key: int, field: str) -> M:
    """The row with this id, or NotFound naming the input field."""
    found = session.get(model, key)
    if found is None:
        raise NotFound(field, f"no {model.__tablename__.removesuffix('s')} with this id")
    return found


def add_inspector(session: Session, now: datetime, actor: str, fields: Mapping[str, Any]) -> Inspector:
    existing(session, Municipality, fields["employer_id"], "employer_id")
    made = Inspector(**fields, created_at=now)
    session.add(made)
    session.flush()
    audit.record(session, now, actor, "inspector.created", f"inspector:{made.id}")
    return made


def change_inspector(session: Session, now: datetime, actor: str, inspector_id: int,
                     changes: Mapping[str, Any]) -> Inspector:
    """Names, phone, employer, scale, training, coordinator, or leaving the team (no more offers)."""
    found = existing(session, Inspector, inspector_id, "inspector_id")
    existing(session, Municipality, changes["employer_id"], "employer_id")
    _apply(found, changes)
    audit.record(session, now, actor, "inspector.changed", f"inspector:{found.id}",
                 _plain({k: v for k, v in changes.items() if k not in SEALED}))
    return found


def add_designation(session: Session, now: datetime, actor: str, fields: Mapping[str, Any]) -> Designation:
    existing(session, Inspector, fields["inspector_id"], "inspector_id")
    existing(session, Municipality, fields["municipality_id"], "municipality_id")
    made = Designation(**fields)
    session.add(made)
    session.flush()
    audit.record(session, now, actor, "designation.created", f"designation:{made.id}",
                 {"inspector": made.inspector_id, "municipality": made.municipality_id})
    return made


def end_designation(session: Session, now: datetime, actor: str, designation_id: int,
                    valid_until: date) -> Designation:
    found = existing(session, Designation, designation_id, "designation_id")
    if valid_until < found.valid_from:
        raise Refused("a designation cannot end before it starts", field="valid_until",
                      code="designation_order")
    found.valid_until = valid_until
    audit.record(session, now, actor, "designation.ended", f"designation:{found.id}",
                 {"valid_until": valid_until.isoformat()})
    return found


def _apply(row: Any, changes: Mapping[str, Any]) -> None:
    for name, value in changes.items():
        setattr(row, name, value)


def _plain(values: Mapping[str, Any]) -> dict[str, Any]:
    """Values as the audit log's JSON takes them (dates as ISO text, enums as their value)."""
    return {k: v.isoformat() if isinstance(v, date) else getattr(v, "value", v) for k, v in values.items()}

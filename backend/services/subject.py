"""A person's own data: everything piket holds about one inspector, opened, for an access request
under the AVG (art. 15), and the hand-over recorded in the register of disclosures.

The tables are found from the model (every table with an `inspector_id`), so a
table added later is in the answer without a change here. Secrets that say
nothing about the person (password and code hashes, the second factor, the
blind index) stay out.
"""

from __future__ import annotations

import enum
import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, undefer

from backend.models import (
    AuditRecord,
    Base,
    HourApproval,
    HourBreak,
    HourEntry,
    Inspector,
    Report,
    Shift,
)
from backend.services import disclosures
from backend.services.errors import NotFound

LEFT_OUT = {"password_hash", "totp_secret", "code_hash", "telegram_index", "token_hash"}
"""Secrets or derived keys: not information about the person, and dangerous in a file."""


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value


def _as_dict(row: Any) -> dict[str, Any]:
    return {c.key: _plain(getattr(row, c.key)) for c in row.__mapper__.column_attrs if c.key not in LEFT_OUT}


def _all(session: Session, model: Any, *conditions: Any) -> list[dict[str, Any]]:
    rows = session.execute(
        select(model).options(undefer("*")).where(*conditions).order_by(*model.__table__.primary_key.columns)
    ).scalars()
    return [_as_dict(row) for row in rows]


def _models_with_inspector() -> list[Any]:
    """Every mapped class whose table points at an inspector, but the inspector itself."""
    return sorted(
        (m.class_ for m in Base.registry.mappers if "inspector_id" in m.columns),
        key=lambda cls: cls.__tablename__,
    )


def subject_data(session: Session, inspector_id: int) -> dict[str, Any]:
    """Everything about one inspector, table by table, values opened."""
    if session.get(Inspector, inspector_id) is None:
        raise NotFound("inspector_id", "no inspector with this id")
    held: dict[str, Any] = {"inspectors": _all(session, Inspector, Inspector.id == inspector_id)}
    for model in _models_with_inspector():
        held[model.__tablename__] = _all(session, model, model.inspector_id == inspector_id)
    entries = select(HourEntry.id).where(HourEntry.inspector_id == inspector_id)
    held["hour_breaks"] = _all(session, HourBreak, HourBreak.entry_id.in_(entries))
    held["hour_approvals"] = _all(session, HourApproval, HourApproval.entry_id.in_(entries))
    held["reports"] = _all(session, Report, Report.writer_id == inspector_id)
    shifts = {
        row["shift_id"]
        for table in ("assignments", "offers", "hour_entries")
        for row in held[table]
        if row.get("shift_id")
    }
    held["shifts"] = _all(session, Shift, Shift.id.in_(shifts))
    held["audit_records"] = _audit_about(session, inspector_id)
    return held


def _audit_about(session: Session, inspector_id: int) -> list[dict[str, Any]]:
    """Records whose subject is the inspector, or that the inspector's own phone made."""
    me = f"inspector:{inspector_id}"
    return _all(
        session,
        AuditRecord,
        or_(AuditRecord.subject == me, AuditRecord.actor == me, AuditRecord.actor.like(f"%:{me}")),
    )


def hand_over(
    session: Session, now: datetime, actor: str, inspector_id: int, receiver: str | None, purpose: str | None
) -> str:
    """The inspector's data as JSON, recorded in the register (refused without receiver and purpose)."""
    held = subject_data(session, inspector_id)
    disclosures.record(
        session,
        at=now,
        actor=actor,
        kind="subject",
        receiver=receiver,
        purpose=purpose,
        scope={"inspector_id": inspector_id},
    )
    document = {
        "format": "piket-subject-v1",
        "inspector_id": inspector_id,
        "written_at": now.isoformat(),
        "data": held,
    }
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True)

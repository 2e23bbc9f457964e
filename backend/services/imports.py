"""The team list into piket: inspectors and their designations, all or nothing and idempotent.

All or nothing: every row is checked first (backend.services.team_list reads the
file), and one rejected row (reported with its line number and reason) imports
nothing. Idempotent: an inspector is recognised by the full name (compared after
opening the sealed names), so a second run of the same file changes nothing. The
import adds and changes; it never removes an inspector or a designation (leaving
is done on the admin page).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload, undefer

from backend.models import Designation, Inspector, Municipality
from backend.services import audit, team
from backend.services.errors import N_
from backend.services.team_list import MAX_BYTES, ImportRefused, Rejection, Row, name_key, read_rows

__all__ = ["MAX_BYTES", "ImportRefused", "ImportReport", "Rejection", "import_inspectors"]

NO_REFERENCE = "(geen kenmerk)"
"""The decision reference of a designation the file gives none for."""


@dataclass
class ImportReport:
    """What the import did (or, on a dry run or a rejection, would do)."""

    added: int = 0
    changed: int = 0
    unchanged: int = 0
    designations_added: int = 0
    designations_changed: int = 0
    rejections: list[Rejection] = field(default_factory=list)
    applied: bool = False

    @property
    def is_accepted(self) -> bool:
        return not self.rejections

    @property
    def changes_anything(self) -> bool:
        return any((self.added, self.changed, self.designations_added, self.designations_changed))


def import_inspectors(
    session: Session, now: datetime, actor: str, data: bytes, *, dry_run: bool = False
) -> ImportReport:
    """Check every row, then (unless a row is rejected or this is a dry run) add and change."""
    municipalities = {name_key(m.name): m for m in session.execute(select(Municipality)).scalars()}
    report = ImportReport()
    rows = read_rows(data, municipalities, report.rejections)
    plans = _plans(session, rows, report)
    if not report.is_accepted:
        report.rejections.sort(key=lambda rejection: rejection.line)
        return report
    _count(plans, report)
    if dry_run:
        return report
    for plan in plans:
        _apply(session, now, actor, plan)
    report.applied = True
    if report.changes_anything:
        audit.record(
            session,
            now,
            actor,
            "inspectors.imported",
            "inspectors",
            {
                "added": report.added,
                "changed": report.changed,
                "designations_added": report.designations_added,
                "designations_changed": report.designations_changed,
            },
        )
    return report


# -- merging into the team -----------------------------------------------------------------


@dataclass
class Plan:
    """What one row does: add an inspector, or change one; add or change designations."""

    row: Row
    inspector: Inspector | None
    changes: dict[str, Any]
    new_designations: list[dict[str, Any]]
    changed_designations: list[tuple[Designation, date | None, str]]


def _plans(session: Session, rows: list[Row], report: ImportReport) -> list[Plan]:
    known = _inspectors_by_name(session)
    plans = []
    for row in rows:
        key = name_key(row.fields["name"])
        if key in known and known[key] is None:
            report.rejections.append(
                Rejection(
                    row.line,
                    N_("naam: two inspectors in piket have this name; change this one on the admin page"),
                )
            )
            continue
        inspector = known.get(key)
        missing = [
            c for n, c in (("salary_scale", "schaal"), ("salary_step", "trede")) if n not in row.fields
        ]
        if inspector is None and missing:
            report.rejections.append(
                Rejection(
                    row.line,
                    N_("%(columns)s: needed for a new inspector (the allowance follows from the salary)"),
                    {"columns": " and ".join(missing)},
                )
            )
            continue
        plans.append(_plan(row, inspector))
    return plans


def _plan(row: Row, inspector: Inspector | None) -> Plan:
    if inspector is None:
        return Plan(row, None, row.fields, [_with_reference(d) for d in row.designations], [])
    changes = {k: v for k, v in row.fields.items() if getattr(inspector, k) != v}
    plan = Plan(row, inspector, changes, [], [])
    for wanted in row.designations:
        same = next(
            (
                d
                for d in inspector.designations
                if d.municipality_id == wanted["municipality_id"] and d.valid_from == wanted["valid_from"]
            ),
            None,
        )
        if same is None:  # the same municipality and start date is the same designation
            plan.new_designations.append(_with_reference(wanted))
            continue
        reference = wanted["decision_reference"] or same.decision_reference
        if (same.valid_until, same.decision_reference) != (wanted["valid_until"], reference):
            plan.changed_designations.append((same, wanted["valid_until"], reference))
    return plan


def _with_reference(designation: dict[str, Any]) -> dict[str, Any]:
    return {**designation, "decision_reference": designation["decision_reference"] or NO_REFERENCE}


def _count(plans: list[Plan], report: ImportReport) -> None:
    for plan in plans:
        if plan.inspector is None:
            report.added += 1
        elif plan.changes:
            report.changed += 1
        else:
            report.unchanged += 1
        report.designations_added += len(plan.new_designations)
        report.designations_changed += len(plan.changed_designations)


def _apply(session: Session, now: datetime, actor: str, plan: Plan) -> None:
    inspector = plan.inspector
    if inspector is None:
        inspector = team.add_inspector(session, now, actor, plan.changes)
    elif plan.changes:
        team.change_inspector(
            session, now, actor, inspector.id, {**plan.changes, "employer_id": plan.row.fields["employer_id"]}
        )
    for wanted in plan.new_designations:
        team.add_designation(session, now, actor, {**wanted, "inspector_id": inspector.id})
    for designation, valid_until, reference in plan.changed_designations:
        designation.valid_until, designation.decision_reference = valid_until, reference
        audit.record(
            session,
            now,
            actor,
            "designation.changed",
            f"designation:{designation.id}",
            {"valid_until": valid_until.isoformat() if valid_until else None},
        )


def _inspectors_by_name(session: Session) -> dict[str, Inspector | None]:
    """Every inspector by full name; the names are sealed, so they are opened here, not queried."""
    inspectors = session.execute(
        select(Inspector).options(
            undefer(Inspector.first_name), undefer(Inspector.phone), selectinload(Inspector.designations)
        )
    ).scalars()
    found: dict[str, Inspector | None] = {}
    for inspector in inspectors:
        key = name_key(inspector.name)
        found[key] = None if key in found else inspector  # None: two share the name
    return found

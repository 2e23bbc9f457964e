"""The team list from a spreadsheet: inspectors and their designations, from CSV as Dutch Excel writes it.

All or nothing: every row is checked first, and one rejected row (reported with
its line number and reason) imports nothing. Idempotent: an inspector is
recognised by the full name (compared after opening the sealed names), so a
second run of the same file changes nothing. The import adds and changes; it
never removes an inspector or a designation (leaving is done on the admin page).

The format (a header row; Dutch or English column names, in any order; telefoon and
coordinator are optional):

    naam;voornaam;geslacht;opgeleid_sinds;werkgever;schaal;trede;aanwijzingen;telefoon;coordinator

`aanwijzingen` holds one or more designations, separated by a comma or a line
break inside the cell: `Leeuwarden 1-1-2027`, `Heerenveen (RTS-2027-04) 1-1-2027 t/m 31-12-2028`.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload, undefer

from backend.models import Designation, Gender, Inspector, Municipality
from backend.services import audit, team

MAX_BYTES = 1_000_000
"""The web takes a request of 1 MB at most; a team list is a few kB."""
COLUMNS = {
    "name": ("naam", "name", "volledige naam", "full name"),
    "first_name": ("voornaam", "first name", "first_name", "roepnaam"),
    "gender": ("geslacht", "gender"),
    "trained_since": ("opgeleid sinds", "opgeleid_sinds", "trained since", "trained_since", "opgeleid"),
    "employer": ("werkgever", "employer"),
    "salary_scale": ("schaal", "salary scale", "salary_scale", "scale"),
    "salary_step": ("trede", "salary step", "salary_step", "step"),
    "designations": ("aanwijzingen", "aanwijzing", "designations", "designation"),
    "phone": ("telefoon", "telefoonnummer", "phone", "mobiel"),
    "is_coordinator": ("coordinator", "coördinator", "is coordinator", "is_coordinator"),
}
REQUIRED = ("name", "first_name", "gender", "employer", "designations")
GENDERS = {"v": Gender.FEMALE, "vrouw": Gender.FEMALE, "f": Gender.FEMALE, "female": Gender.FEMALE,
           "m": Gender.MALE, "man": Gender.MALE, "male": Gender.MALE,
           "x": Gender.OTHER, "anders": Gender.OTHER, "other": Gender.OTHER}
YES_NO = {"ja": True, "j": True, "yes": True, "y": True, "1": True, "x": True,
          "nee": False, "n": False, "no": False, "0": False, "": False}
NO_REFERENCE = "(geen kenmerk)"
_DATE = r"\d{1,2}[-/.]\d{1,2}[-/.]\d{4}|\d{4}-\d{2}-\d{2}"
_DESIGNATION = re.compile(
    rf"^(?P<municipality>.+?)\s+(?:\((?P<reference>[^)]{{1,120}})\)\s+)?(?:vanaf\s+|from\s+)?"
    rf"(?P<valid_from>{_DATE})(?:\s*(?:t/m|tot en met|tot|until|-|–)\s*(?P<valid_until>{_DATE}))?$",
    re.IGNORECASE)
_PHONE = re.compile(r"^\+?[0-9 ]{6,30}$")


class ImportRefused(Exception):
    """The file as a whole cannot be read (encoding, header); nothing was imported."""


@dataclass(frozen=True)
class Rejection:
    line: int
    reason: str


@dataclass
class Row:
    """One checked line of the file, as the model takes it."""

    line: int
    fields: dict[str, Any]
    designations: list[dict[str, Any]]


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


def import_inspectors(session: Session, now: datetime, actor: str, data: bytes, *,
                      dry_run: bool = False) -> ImportReport:
    """Check every row, then (unless a row is rejected or this is a dry run) add and change."""
    municipalities = {_key(m.name): m for m in session.execute(select(Municipality)).scalars()}
    report = ImportReport()
    rows = list(_checked_rows(_records(data), municipalities, report))
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
        audit.record(session, now, actor, "inspectors.imported", "inspectors",
                     {"added": report.added, "changed": report.changed,
                      "designations_added": report.designations_added,
                      "designations_changed": report.designations_changed})
    return report


# -- reading the file ----------------------------------------------------------------------


def _text(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise ImportRefused("the file is larger than 1 MB")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="strict")  # Excel's "CSV (gescheiden door lijstscheidingsteken)"


def _records(data: bytes) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number where the record starts, values by our column name)."""
    try:
        text = _text(data)
    except UnicodeDecodeError:
        raise ImportRefused("the file is neither UTF-8 nor Windows-1252 text; save it as CSV") from None
    first_line = text.split("\n", 1)[0]
    delimiter = max(";,\t", key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = next(reader, None)
    if header is None:
        raise ImportRefused("the file is empty")
    columns = _columns(header)
    start = reader.line_num + 1
    for values in reader:
        if any(v.strip() for v in values):
            yield start, {name: values[i].strip() if i < len(values) else "" for name, i in columns.items()}
        start = reader.line_num + 1


def _columns(header: list[str]) -> dict[str, int]:
    aliases = {alias: name for name, names in COLUMNS.items() for alias in names}
    found: dict[str, int] = {}
    for index, title in enumerate(header):
        name = aliases.get(" ".join(title.strip().lower().replace("_", " ").split()))
        if name is None:
            name = aliases.get(title.strip().lower())
        if name is not None:
            found.setdefault(name, index)
    missing = [COLUMNS[n][0] for n in REQUIRED if n not in found]
    if missing:
        raise ImportRefused(f"line 1: the header lacks the column(s) {', '.join(missing)} "
                            f"(found: {', '.join(h.strip() for h in header) or 'nothing'})")
    return found


# -- checking a row ------------------------------------------------------------------------


class _Bad(Exception):
    """One reason a row is rejected."""


def _checked_rows(records: Iterator[tuple[int, dict[str, str]]], municipalities: Mapping[str, Municipality],
                  report: ImportReport) -> Iterator[Row]:
    seen: dict[str, int] = {}
    for line, values in records:
        try:
            row = _row(line, values, municipalities)
        except _Bad as reason:
            report.rejections.append(Rejection(line, str(reason)))
            continue
        name = _key(row.fields["name"])
        if name in seen:
            report.rejections.append(Rejection(line, f"the same name as on line {seen[name]}"))
            continue
        seen[name] = line
        yield row


def _row(line: int, values: Mapping[str, str], municipalities: Mapping[str, Municipality]) -> Row:
    fields: dict[str, Any] = {
        "name": _bounded(values["name"], "naam", 2, 120),
        "first_name": _bounded(values["first_name"], "voornaam", 1, 60),
        "gender": _gender(values["gender"]),
        "trained_since": _day(values.get("trained_since", ""), "opgeleid_sinds", optional=True),
        "employer_id": _municipality(values["employer"], municipalities, "werkgever").id,
    }
    for name, column, top in (("salary_scale", "schaal", 18), ("salary_step", "trede", 20)):
        if values.get(name):
            fields[name] = _number(values[name], column, top)
    if "is_coordinator" in values:
        if values["is_coordinator"].lower() not in YES_NO:
            raise _Bad("coordinator: ja or nee (empty: nee)")
        fields["is_coordinator"] = YES_NO[values["is_coordinator"].lower()]
    if values.get("phone"):
        if not _PHONE.match(values["phone"]):
            raise _Bad("telefoon: digits and spaces, optionally starting with +")
        fields["phone"] = values["phone"]
    designations = [_designation(part, municipalities) for part in re.split(r"[,\n|]", values["designations"])
                    if part.strip()]
    if not designations:
        raise _Bad("aanwijzingen: at least one designation (municipality and start date)")
    return Row(line, fields, designations)


def _bounded(value: str, column: str, shortest: int, longest: int) -> str:
    if not shortest <= len(value) <= longest:
        raise _Bad(f"{column}: {shortest} to {longest} characters")
    return value


def _gender(value: str) -> Gender:
    found = GENDERS.get(value.strip().lower())
    if found is None:
        raise _Bad("geslacht: v, m or x")
    return found


def _day(value: str, column: str, optional: bool = False) -> date | None:
    value = value.strip()
    if not value:
        if optional:
            return None
        raise _Bad(f"{column}: a date is required")
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return date.fromisoformat(value)
        day, month, year = (int(p) for p in re.split(r"[-/.]", value))
        if year >= 1900:
            return date(year, month, day)
    except ValueError:
        pass
    raise _Bad(f"{column}: {value!r} is not a date (dd-mm-jjjj or jjjj-mm-dd)")


def _number(value: str, column: str, top: int) -> int:
    if not value.isdigit() or not 0 <= int(value) <= top:
        raise _Bad(f"{column}: a whole number from 0 to {top}")
    return int(value)


def _municipality(name: str, municipalities: Mapping[str, Municipality], column: str) -> Municipality:
    found = municipalities.get(_key(name))
    if found is None:
        raise _Bad(f"{column}: no municipality named {name!r} (add it to the profile first)")
    return found


def _designation(text: str, municipalities: Mapping[str, Municipality]) -> dict[str, Any]:
    match = _DESIGNATION.match(" ".join(text.split()))
    if match is None:
        raise _Bad(f"aanwijzingen: {text.strip()!r} is not 'Municipality dd-mm-jjjj' "
                   "(optionally '(kenmerk)' before the date and 't/m dd-mm-jjjj' after it)")
    municipality = _municipality(match["municipality"], municipalities, "aanwijzingen")
    valid_from = _day(match["valid_from"], "aanwijzingen")
    valid_until = _day(match["valid_until"] or "", "aanwijzingen", optional=True)
    if valid_until is not None and valid_from is not None and valid_until < valid_from:
        raise _Bad(f"aanwijzingen: {municipality.name} ends before it starts")
    return {"municipality_id": municipality.id, "valid_from": valid_from, "valid_until": valid_until,
            "decision_reference": (match["reference"] or "").strip() or None}


def _key(name: str) -> str:
    return " ".join(name.casefold().split())


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
        key = _key(row.fields["name"])
        if key in known and known[key] is None:
            report.rejections.append(Rejection(row.line, "naam: two inspectors in piket have this name; "
                                                         "change this one on the admin page"))
            continue
        inspector = known.get(key)
        missing = [c for n, c in (("salary_scale", "schaal"), ("salary_step", "trede"))
                   if n not in row.fields]
        if inspector is None and missing:
            report.rejections.append(Rejection(row.line, f"{' and '.join(missing)}: needed for a new "
                                                         "inspector (the allowance follows from the salary)"))
            continue
        plans.append(_plan(row, inspector))
    return plans


def _plan(row: Row, inspector: Inspector | None) -> Plan:
    if inspector is None:
        return Plan(row, None, row.fields, [_with_reference(d) for d in row.designations], [])
    changes = {k: v for k, v in row.fields.items() if getattr(inspector, k) != v}
    plan = Plan(row, inspector, changes, [], [])
    for wanted in row.designations:
        same = next((d for d in inspector.designations if d.municipality_id == wanted["municipality_id"]
                     and d.valid_from == wanted["valid_from"]), None)
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
        team.change_inspector(session, now, actor, inspector.id,
                              {**plan.changes, "employer_id": plan.row.fields["employer_id"]})
    for wanted in plan.new_designations:
        team.add_designation(session, now, actor, {**wanted, "inspector_id": inspector.id})
    for designation, valid_until, reference in plan.changed_designations:
        designation.valid_until, designation.decision_reference = valid_until, reference
        audit.record(session, now, actor, "designation.changed", f"designation:{designation.id}",
                     {"valid_until": valid_until.isoformat() if valid_until else None})


def _inspectors_by_name(session: Session) -> dict[str, Inspector | None]:
    """Every inspector by full name; the names are sealed, so they are opened here, not queried."""
    inspectors = session.execute(
        select(Inspector).options(undefer(Inspector.first_name), undefer(Inspector.phone),
                                  selectinload(Inspector.designations))).scalars()
    found: dict[str, Inspector | None] = {}
    for inspector in inspectors:
        key = _key(inspector.name)
        found[key] = None if key in found else inspector  # None: two share the name
    return found

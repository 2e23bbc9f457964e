"""The team list as Dutch Excel writes it: CSV (UTF-8 with BOM or Windows-1252, semicolons or
commas), read and checked row by row into what the model takes.

The format (a header row; Dutch or English column names, in any order; telefoon and
coordinator are optional):

    naam;voornaam;geslacht;opgeleid_sinds;werkgever;schaal;trede;aanwijzingen;telefoon;coordinator

`aanwijzingen` holds one or more designations, separated by a comma or a line
break inside the cell: `Leeuwarden 1-1-2027`, `Heerenveen (RTS-2027-04) 1-1-2027 t/m 31-12-2028`.
docs/operations.md describes it for the admin.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from backend.models import Gender, Municipality
from backend.services.errors import N_
from backend.text import clean_lines

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
GENDERS = {
    "v": Gender.FEMALE,
    "vrouw": Gender.FEMALE,
    "f": Gender.FEMALE,
    "female": Gender.FEMALE,
    "m": Gender.MALE,
    "man": Gender.MALE,
    "male": Gender.MALE,
    "x": Gender.OTHER,
    "anders": Gender.OTHER,
    "other": Gender.OTHER,
}
YES_NO = {
    "ja": True,
    "j": True,
    "yes": True,
    "y": True,
    "1": True,
    "x": True,
    "nee": False,
    "n": False,
    "no": False,
    "0": False,
    "": False,
}
_DATE = r"\d{1,2}[-/.]\d{1,2}[-/.]\d{4}|\d{4}-\d{2}-\d{2}"
_DESIGNATION = re.compile(
    rf"^(?P<municipality>.+?)\s+(?:\((?P<reference>[^)]{{1,120}})\)\s+)?(?:vanaf\s+|from\s+)?"
    rf"(?P<valid_from>{_DATE})(?:\s*(?:t/m|tot en met|tot|until|-|–)\s*(?P<valid_until>{_DATE}))?$",
    re.IGNORECASE,
)
_PHONE = re.compile(r"^\+?[0-9 ]{6,30}$")


class ImportRefused(Exception):
    """The file as a whole cannot be read (encoding, header); nothing was imported.

    `message` is a message id (English; babel.cfg's keywords name this class) with `params` for its
    placeholders; `str()` is the English, the pages translate."""

    def __init__(self, message: str, **params: Any) -> None:
        self.message, self.params = message, params
        super().__init__(message % params if params else message)


@dataclass(frozen=True)
class Rejection:
    """Why one line of the file is not imported: a message id with its parameters, the file's own
    column name (Dutch, as the file is written) among them."""

    line: int
    message: str
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def reason(self) -> str:
        """In English, for the command line and logs."""
        return self.message % self.params if self.params else self.message


@dataclass
class Row:
    """One checked line of the file, as the model takes it."""

    line: int
    fields: dict[str, Any]
    designations: list[dict[str, Any]]


def read_rows(
    data: bytes, municipalities: Mapping[str, Municipality], rejections: list[Rejection]
) -> list[Row]:
    """The rows that pass their checks; each that does not is added to `rejections` with its line.

    ImportRefused when the file as a whole cannot be read (encoding, size, header)."""
    return list(_checked_rows(_records(data), municipalities, rejections))


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
            yield (
                start,
                {name: clean_lines(values[i]) if i < len(values) else "" for name, i in columns.items()},
            )
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
        found_titles = ", ".join(h.strip() for h in header)
        if found_titles:
            raise ImportRefused(
                "line 1: the header lacks the column(s) %(missing)s (found: %(found)s)",
                missing=", ".join(missing),
                found=found_titles,
            )
        raise ImportRefused(
            "line 1: the header lacks the column(s) %(missing)s (found: nothing)", missing=", ".join(missing)
        )
    return found


# -- checking a row ------------------------------------------------------------------------


class _Bad(Exception):
    """One reason a row is rejected: a message id and its parameters."""

    def __init__(self, message: str, **params: Any) -> None:
        self.message, self.params = message, params
        super().__init__(message % params if params else message)


def _checked_rows(
    records: Iterator[tuple[int, dict[str, str]]],
    municipalities: Mapping[str, Municipality],
    rejections: list[Rejection],
) -> Iterator[Row]:
    seen: dict[str, int] = {}
    for line, values in records:
        try:
            row = _row(line, values, municipalities)
        except _Bad as reason:
            rejections.append(Rejection(line, reason.message, reason.params))
            continue
        name = name_key(row.fields["name"])
        if name in seen:
            rejections.append(Rejection(line, N_("the same name as on line %(line)s"), {"line": seen[name]}))
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
    designations = [
        _designation(part, municipalities)
        for part in re.split(r"[,\n|]", values["designations"])
        if part.strip()
    ]
    if not designations:
        raise _Bad("aanwijzingen: at least one designation (municipality and start date)")
    return Row(line, fields, designations)


def _bounded(value: str, column: str, shortest: int, longest: int) -> str:
    if not shortest <= len(value) <= longest:
        raise _Bad(
            "%(column)s: %(shortest)s to %(longest)s characters",
            column=column,
            shortest=shortest,
            longest=longest,
        )
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
        raise _Bad("%(column)s: a date is required", column=column)
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return date.fromisoformat(value)
        day, month, year = (int(p) for p in re.split(r"[-/.]", value))
        if year >= 1900:
            return date(year, month, day)
    except ValueError:
        pass
    raise _Bad("%(column)s: %(value)r is not a date (dd-mm-jjjj or jjjj-mm-dd)", column=column, value=value)


def _number(value: str, column: str, top: int) -> int:
    if not value.isdigit() or not 0 <= int(value) <= top:
        raise _Bad("%(column)s: a whole number from 0 to %(top)s", column=column, top=top)
    return int(value)


def _municipality(name: str, municipalities: Mapping[str, Municipality], column: str) -> Municipality:
    found = municipalities.get(name_key(name))
    if found is None:
        raise _Bad(
            "%(column)s: no municipality named %(name)r (add it to the profile first)",
            column=column,
            name=name,
        )
    return found


def _designation(text: str, municipalities: Mapping[str, Municipality]) -> dict[str, Any]:
    match = _DESIGNATION.match(" ".join(text.split()))
    if match is None:
        raise _Bad(
            "aanwijzingen: %(text)r is not 'Municipality dd-mm-jjjj' "
            "(optionally '(kenmerk)' before the date and 't/m dd-mm-jjjj' after it)",
            text=text.strip(),
        )
    municipality = _municipality(match["municipality"], municipalities, "aanwijzingen")
    valid_from = _day(match["valid_from"], "aanwijzingen")
    valid_until = _day(match["valid_until"] or "", "aanwijzingen", optional=True)
    if valid_until is not None and valid_from is not None and valid_until < valid_from:
        raise _Bad("aanwijzingen: %(municipality)s ends before it starts", municipality=municipality.name)
    return {
        "municipality_id": municipality.id,
        "valid_from": valid_from,
        "valid_until": valid_until,
        "decision_reference": (match["reference"] or "").strip() or None,
    }


def name_key(name: str) -> str:
    """A name as compared: case and spacing do not matter."""
    return " ".join(name.casefold().split())

"""The files finance opens: each column's kind, the words of one language, and the CSV and XLSX writers.

A table is a column set (its version name on the first line), a header, its rows
and a closing total line that is the sum of the lines above it. The rows hold
plain values (ints, cents, minutes, dates, local date-times, codes); how a
value is written follows from its column's kind, so the two files agree:

- CSV for Dutch Excel: semicolons, decimal commas, UTF-8 with a byte-order
  mark, text that Excel would run as a formula guarded by an apostrophe.
- XLSX: numbers, dates and date-times as such with number formats (euros, hours
  as [h]:mm, percentages), text stored as it is (a string cell is never a formula;
  text that looks like one gets Excel's quote prefix style, not an apostrophe).

Headers, code values, yes/no and the total line are in one language: the
`Wording` the caller gives (the web gives the user's; `PLAIN` keeps code names).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from backend import text

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

TEXT, CODE, ID, COUNT, MINUTES, HOURS, CENTS, SHARE, DATE, DATETIME, FLAG = (
    "text",
    "code",
    "id",
    "count",
    "minutes",
    "hours",
    "cents",
    "share",
    "date",
    "datetime",
    "flag",
)
KINDS: dict[str, str] = {
    # ledger and payroll
    "entry": ID,
    "date": DATE,
    "start": DATETIME,
    "end": DATETIME,
    "inspector": TEXT,
    "name": TEXT,
    "employer": TEXT,
    "municipality": TEXT,
    "category": CODE,
    "break_minutes": MINUTES,
    "worked_minutes": MINUTES,
    "plain_minutes": MINUTES,
    "weekday_20_minutes": MINUTES,
    "weekday_40_minutes": MINUTES,
    "saturday_minutes": MINUTES,
    "sunday_holiday_minutes": MINUTES,
    "approved": FLAG,
    "reverses": ID,
    "booked_on": DATE,
    "allowance_minutes": MINUTES,
    "allowance_exempt_week": DATE,
    # settlement
    "population": COUNT,
    "share": SHARE,
    "cost_share": CENTS,
    "cap_shortfall": CENTS,
    "pledged_minutes": HOURS,
    "minutes": HOURS,
    "salary": CENTS,
    "ort": CENTS,
    "overhead": CENTS,
    "fixed": CENTS,
    "delivered": CENTS,
    "balance": CENTS,
    # register of disclosures
    "id": ID,
    "at": TEXT,
    "actor": TEXT,
    "kind": TEXT,
    "receiver": TEXT,
    "purpose": TEXT,
    "scope": TEXT,
}
"""How each column's values are written; one kind per name wherever the name is used."""

XLSX_FORMATS = {
    "nl": {
        CENTS: "[$€-413] #,##0.00;[$€-413] -#,##0.00",
        DATE: "dd-mm-yyyy",
        DATETIME: "dd-mm-yyyy hh:mm",
        HOURS: "[h]:mm",
        SHARE: "0.000000%",
        COUNT: "#,##0",
        MINUTES: "0",
    },
    "en": {
        CENTS: "[$€-809]#,##0.00;-[$€-809]#,##0.00",
        DATE: "yyyy-mm-dd",
        DATETIME: "yyyy-mm-dd hh:mm",
        HOURS: "[h]:mm",
        SHARE: "0.000000%",
        COUNT: "#,##0",
        MINUTES: "0",
    },
}
"""Number formats by language (the file shows what the pages show: € with two decimals, hours as
hours:minutes, dates as dates); the values themselves are numbers either way."""
SHARE_DECIMALS = 6
"""A share as a percentage with six decimals: recomputing a cost share of up to a million euros from it
is off by less than a cent (the population columns give the exact ratio)."""


def neutralised(value: str) -> str:
    """Text as text in a CSV: a leading apostrophe stops Excel from reading =, +, -, @ as a formula.

    A control character stored before input was cleaned at the door would make
    the XLSX writer fail; it is cleaned here too.
    """
    value = text.clean(value)
    return "'" + value if value.startswith(FORMULA_STARTS) else value


@dataclass(frozen=True)
class Wording:
    """One language for a whole file: headers, code values, yes/no and the total line."""

    language: str
    label: Callable[[str], str]
    """A column's name as its header."""
    word: Callable[[str], str]
    """A code value (a category, yes, no) in words."""
    total: Callable[[int], str]
    """The total line's label for this many lines."""


PLAIN = Wording(
    "nl", lambda name: name, lambda code: code, lambda n: f"totaal ({n} {'regel' if n == 1 else 'regels'})"
)
"""Code names, for callers without a reader's language (tests, the benchmark)."""


class Totals:
    """Sums of the numeric columns of the rows that went by."""

    def __init__(self, header: Sequence[str], summed: Sequence[str]) -> None:
        self.positions = [header.index(name) for name in summed]
        self.sums: list[Any] = [0] * len(summed)
        self.count = 0

    def add(self, row: Sequence[Any]) -> None:
        self.count += 1
        for i, position in enumerate(self.positions):
            self.sums[i] += row[position]

    def row(self, width: int, label: str) -> list[Any]:
        line: list[Any] = [None] * width
        line[0] = label
        for position, total in zip(self.positions, self.sums, strict=True):
            line[position] = total
        return line


def euros(cents: int) -> str:
    """Whole cents as euros with two decimals, without a float on the way."""
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


def hours(minutes: int) -> str:
    """Minutes as hours:minutes, 892:00; negative for a reversal."""
    sign = "-" if minutes < 0 else ""
    return f"{sign}{abs(minutes) // 60}:{abs(minutes) % 60:02d}"


def percentage(share: Fraction) -> str:
    """A share (0..1) as a percentage with SHARE_DECIMALS decimals and a decimal comma, rounded exactly."""
    scaled = round(share * 100 * 10**SHARE_DECIMALS)
    sign = "-" if scaled < 0 else ""
    whole, part = divmod(abs(scaled), 10**SHARE_DECIMALS)
    return f"{sign}{whole},{part:0{SHARE_DECIMALS}d}"


def csv_cell(kind: str, value: Any, words: Wording) -> Any:
    """A value as its CSV cell (the csv module writes an int or a date as str() does)."""
    if value is None or value == "":
        return ""
    writers: dict[str, Callable[[Any], Any]] = {
        TEXT: lambda v: neutralised(str(v)),
        CODE: lambda v: neutralised(words.word(str(v))),
        FLAG: lambda v: words.word("yes" if v else "no"),
        CENTS: lambda v: euros(v).replace(".", ","),
        HOURS: hours,
        SHARE: percentage,
        DATETIME: lambda v: f"{v:%Y-%m-%d %H:%M}",
    }
    write = writers.get(kind)
    return write(value) if write else value


def _kinds(header: Sequence[str]) -> list[str]:
    return [KINDS[name] for name in header]


def csv_lines(
    column_set: str,
    header: Sequence[str],
    rows: Iterator[Sequence[Any]],
    summed: Sequence[str],
    notes: Sequence[str] = (),
    words: Wording = PLAIN,
) -> Iterator[str]:
    """The CSV as text chunks: BOM, column set (and notes beside it), header, the rows, and their total."""
    buffer = io.StringIO()
    writer = _writer(buffer)
    totals = Totals(header, summed)
    kinds = _kinds(header)
    yield csv_head(column_set, header, notes, words)
    for number, row in enumerate(rows, 1):
        totals.add(row)
        writer.writerow([csv_cell(kind, value, words) for kind, value in zip(kinds, row, strict=True)])
        if number % 1000 == 0:
            yield _take(buffer)
    yield _take(buffer) + csv_total(header, totals, words)


def csv_head(column_set: str, header: Sequence[str], notes: Sequence[str], words: Wording) -> str:
    """The CSV's first lines: BOM, column set (and notes beside it), header."""
    first = csv_line([f"# {column_set}", *map(neutralised, notes)])
    return "\ufeff" + first + csv_line([neutralised(words.label(name)) for name in header])


def csv_total(header: Sequence[str], totals: Totals, words: Wording) -> str:
    """The CSV's last line: the total of the lines above it, its label in the first column."""
    total, kinds = totals.row(len(header), words.total(totals.count)), [TEXT, *_kinds(header)[1:]]
    return csv_line([csv_cell(kind, value, words) for kind, value in zip(kinds, total, strict=True)])


def csv_line(cells: Iterable[Any]) -> str:
    """One line of cells as they are (see `csv_cell`)."""
    buffer = io.StringIO()
    _writer(buffer).writerow(cells)
    return buffer.getvalue()


def _writer(buffer: io.StringIO) -> Any:
    return csv.writer(buffer, delimiter=";", lineterminator="\r\n")


def _take(buffer: io.StringIO) -> str:
    taken = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return taken


class _Cells:
    """XLSX cells of one sheet: values by kind, number formats by the file's language."""

    def __init__(self, sheet: WriteOnlyWorksheet, words: Wording) -> None:
        self.sheet, self.words = sheet, words
        self.formats = XLSX_FORMATS.get(words.language, XLSX_FORMATS["nl"])

    def text(self, value: str, bold: bool = False) -> WriteOnlyCell:
        cell = WriteOnlyCell(self.sheet, value=text.clean(value))
        cell.data_type = "s"  # a string is never a formula, whatever it starts with
        if value.startswith(FORMULA_STARTS):
            cell.quotePrefix = True  # Excel's own mark for "typed as text"
        if bold:
            cell.font = Font(bold=True)
        return cell

    def value(self, kind: str, value: Any) -> Any:
        if value is None or value == "":
            return None
        if kind == FLAG:
            return self.text(self.words.word("yes" if value else "no"))
        if kind in (TEXT, CODE):
            return self.text(self.words.word(value) if kind == CODE else str(value))
        cell = WriteOnlyCell(self.sheet, value=self._number(kind, value))
        if kind in self.formats:
            cell.number_format = self.formats[kind]
        return cell

    @staticmethod
    def _number(kind: str, value: Any) -> Any:
        if kind == CENTS:
            return value / 100
        if kind == HOURS:
            return value / (24 * 60)  # a spreadsheet's time is a fraction of a day
        if kind == SHARE:
            return float(value)
        return value  # ints, dates and date-times as they are


def xlsx(
    out: IO[bytes],
    column_set: str,
    header: Sequence[str],
    rows: Iterator[Sequence[Any]],
    summed: Sequence[str],
    notes: Sequence[str] = (),
    words: Wording = PLAIN,
) -> None:
    """The same table as an XLSX sheet (written row by row), values typed and formatted by their kind."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("piket")
    sheet.freeze_panes = "B3"  # the header and the first column stay in view
    cells = _Cells(sheet, words)
    kinds = _kinds(header)
    sheet.append([cells.text(column_set), *(cells.text(note) for note in notes)])
    sheet.append([cells.text(words.label(name), bold=True) for name in header])
    totals = Totals(header, summed)
    for row in rows:
        totals.add(row)
        sheet.append([cells.value(kind, value) for kind, value in zip(kinds, row, strict=True)])
    total = totals.row(len(header), words.total(totals.count))
    sheet.append(
        [
            cells.text(total[0], bold=True),
            *(cells.value(kind, value) for kind, value in zip(kinds[1:], total[1:], strict=True)),
        ]
    )
    book.save(out)

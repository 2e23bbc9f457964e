"""The export writers, straight on the service (the finance pages reach them through downloads): text
that Excel would run is neutralised, amounts are exact, and the CSV and XLSX tables close on their sum."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest

from backend.services import exports

HEADER = ("municipality", "worked_minutes", "delivered", "approved")
ROWS = [("Leeuwarden", 540, 12_345, True), ('=HYPERLINK("x")', 60, -5, False)]
"""Rows as the queries give them: plain values, text as typed (each writer guards it its own way), and
each column written by its kind (sheets.KINDS: minutes, cents, a flag)."""


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("=1+1", "'=1+1"),
        ("+31 6", "'+31 6"),
        ("-3", "'-3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("Leeuwarden", "Leeuwarden"),
        ("a=b", "a=b"),
    ],
)
def test_text_that_excel_would_run_as_a_formula_is_kept_as_text(value: str, shown: str) -> None:
    assert exports.neutralised(value) == shown


@pytest.mark.parametrize(
    ("cents", "shown"),
    [
        (0, "0.00"),
        (5, "0.05"),
        (12_345, "123.45"),
        (-5, "-0.05"),
        (-100, "-1.00"),
        (10**12 + 1, "10000000000.01"),
    ],
)
def test_euros_are_whole_cents_without_a_float_on_the_way(cents: int, shown: str) -> None:
    assert exports.euros(cents) == shown


def test_the_csv_is_dutch_excel_and_closes_on_the_sum_of_its_lines() -> None:
    text = "".join(
        exports.csv_lines(
            "test-v1", HEADER, iter(ROWS), summed=("worked_minutes", "delivered"), notes=("=note",)
        )
    )
    assert text.startswith("\ufeff"), "a byte-order mark tells Excel it is UTF-8"
    lines = list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))
    assert lines[0] == ["# test-v1", "'=note"]
    assert lines[1] == list(HEADER)
    assert lines[2] == ["Leeuwarden", "540", "123,45", "yes"]
    assert lines[3] == ['\'=HYPERLINK("x")', "60", "-0,05", "no"], "text that Excel would run is guarded"
    assert lines[4][1:3] == ["600", "123,40"] and lines[4][0] == "totaal (2 regels)"


def test_the_xlsx_holds_the_same_table_with_amounts_as_numbers_in_euros() -> None:
    out = io.BytesIO()
    exports.xlsx(out, "test-v1", HEADER, iter(ROWS), summed=("worked_minutes", "delivered"))
    sheet = openpyxl.load_workbook(io.BytesIO(out.getvalue())).active
    assert sheet is not None
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0][0] == "test-v1"
    assert values[1] == list(HEADER)
    assert values[2] == ["Leeuwarden", 540, 123.45, "yes"]
    assert values[3] == ['=HYPERLINK("x")', 60, -0.05, "no"], "stored as typed: a string cell is no formula"
    assert sheet.cell(4, 1).data_type == "s" and sheet.cell(4, 1).quotePrefix
    assert values[4][1:3] == [600, 123.40]
    assert sheet.cell(3, 3).number_format.startswith("[$€")

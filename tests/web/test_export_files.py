"""Every file finance opens, opened as finance would: the XLSX with openpyxl (and, where it is installed,
LibreOffice Calc's own SUM), the CSV as Dutch Excel reads it (semicolons, decimal commas). Numbers are
numbers with formats, dates are dates, shifts over midnight end the next day, no text carries the CSV's
formula guard, every file speaks one language, and every total line is the sum of its lines."""

from __future__ import annotations

import csv
import html
import io
import re
import shutil
import subprocess
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import select

from backend.models import HourCategory, Inspector, Municipality
from backend.services import ledger
from tests.support.web import SHARE, SHARED, YEAR
from tests.web.conftest import Site, book

CODE_NAME = re.compile(r"^[a-z]+(_[a-z0-9]+)+$")
DUTCH_CATEGORIES = {"controle", "oproep", "rapport", "coördinatie"}


def book_a_month(site: Site) -> dict[str, int]:
    """Controls, a call-out over midnight, a report, and a name Excel would run: all approved."""
    with site.database.transaction() as session:
        place = session.execute(select(Municipality.id).where(Municipality.name == "Heerenveen")).scalar_one()
        session.get_one(Inspector, 2).name = "+Anne Kok"
        ids = [
            book(session, site, 2, place, date(2027, 3, 2)),
            book(session, site, 4, place, date(2027, 3, 6)),
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
            ),
            book(
                session,
                site,
                2,
                place,
                date(2027, 3, 12),
                hour=22,
                minutes=8 * 60,
                break_minutes=0,
                category=HourCategory.CALLOUT,
            ),
        ]
        ledger.approve_many(session, site.clock.now(), "web:coordinator", ids)
        employer = session.get_one(Inspector, 2).employer_id
    return {"place": place, "employer": employer, "overnight": ids[-1]}


def workbook(data: bytes) -> tuple[Any, list[Any], list[list[Any]], list[Any]]:
    """The sheet, its header, its lines and its total line (cells, not values: formats count)."""
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    rows = [list(row) for row in sheet.iter_rows()]
    return sheet, [c.value for c in rows[1]], rows[2:-1], rows[-1]


def excel_nl(data: bytes) -> tuple[list[str], list[list[str]], list[str]]:
    """Header, lines and total line as Dutch Excel reads the CSV."""
    text = data.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))
    return rows[1], rows[2:-1], rows[-1]


def dutch_number(cell: str) -> Decimal:
    """A CSV figure as Excel-NL reads it: decimal comma, hours as h:mm (in minutes)."""
    if ":" in cell:
        sign = -1 if cell.startswith("-") else 1
        hours, minutes = cell.lstrip("-").split(":")
        return Decimal(sign * (int(hours) * 60 + int(minutes)))
    return Decimal(cell.replace(",", "."))


def assert_one_language(header: list[Any], cells: list[Any], dutch: bool = True) -> None:
    for value in [*header, *cells]:
        if isinstance(value, str):
            assert not CODE_NAME.match(value), f"a code name in the file: {value!r}"
            assert not value.startswith("'"), f"the CSV's formula guard in an XLSX cell: {value!r}"
    words = {v for v in cells if isinstance(v, str)}
    if dutch:
        assert not words & {"yes", "no", "control", "callout", "report"}, words
    else:
        assert not words & {"ja", "nee", "controle", "oproep", "rapport"}, words


def figure(value: Any) -> float:
    """A cell's number; a duration (hours as [h]:mm, read back by openpyxl as a timedelta) in minutes."""
    if isinstance(value, timedelta):
        return value.total_seconds() / 60
    assert isinstance(value, int | float), value
    return value


def assert_xlsx_totals(
    header: list[Any], lines: list[list[Any]], total: list[Any], summed: list[str]
) -> None:
    for name in summed:
        at = header.index(name)
        values = [figure(line[at].value) for line in lines]
        assert round(sum(values), 6) == round(figure(total[at].value), 6), name


def test_the_ledger_xlsx_has_real_date_times_formats_and_dutch_words(site: Site) -> None:
    booked = book_a_month(site)
    data = site.client("finance").get("/finance/ledger.xlsx", query_string=YEAR | SHARED).data
    sheet, header, lines, total = workbook(data)
    assert sheet["A1"].value == "piket-ledger-v5 2027-03-01..2027-03-31"
    assert header[:4] == ["Regel", "Dag", "Begin (datum en tijd)", "Einde (datum en tijd)"]
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row), "no cell is a formula"
    by_entry = {line[0].value: line for line in lines}
    night = by_entry[booked["overnight"]]
    start, end = night[header.index("Begin (datum en tijd)")], night[header.index("Einde (datum en tijd)")]
    assert isinstance(start.value, datetime) and isinstance(end.value, datetime)
    assert (start.value, end.value) == (datetime(2027, 3, 12, 22, 0), datetime(2027, 3, 13, 6, 0))
    assert start.number_format == end.number_format == "dd-mm-yyyy hh:mm"
    day = night[header.index("Dag")]
    assert isinstance(day.value, datetime) and day.number_format == "dd-mm-yyyy"
    assert night[header.index("Categorie")].value == "oproep"
    assert {line[header.index("Goedgekeurd")].value for line in lines} == {"ja"}
    assert total[0].value == "totaal (4 regels)"
    minutes = [h for h in header if h.endswith("(min)")]
    assert_xlsx_totals(header, lines, total, minutes)
    assert_one_language(header, [c.value for line in [*lines, total] for c in line])


def test_the_payroll_xlsx_keeps_a_name_as_typed_and_the_csv_guards_it(site: Site) -> None:
    booked = book_a_month(site)
    client = site.client("finance")
    path = f"/finance/payroll/{booked['employer']}"
    sheet, header, lines, _ = workbook(client.get(f"{path}.xlsx", query_string=YEAR | SHARED).data)
    assert sheet["A1"].value.startswith("piket-payroll-v2 ")
    names = [line[header.index("Naam")] for line in lines]
    assert {n.value for n in names} == {"+Anne Kok"}, "the text as it is, no apostrophe"
    assert all(n.data_type == "s" and n.quotePrefix for n in names), "Excel's own text mark"
    csv_header, csv_lines, csv_total = excel_nl(client.get(f"{path}.csv", query_string=YEAR | SHARED).data)
    assert {line[csv_header.index("Naam")] for line in csv_lines} == {"'+Anne Kok"}
    night = next(line for line in csv_lines if line[csv_header.index("Categorie")] == "oproep")
    assert night[csv_header.index("Einde (datum en tijd)")] == "2027-03-13 06:00"
    worked = csv_header.index("Gewerkt (min)")
    assert int(csv_total[worked]) == sum(int(line[worked]) for line in csv_lines)


@pytest.mark.parametrize("mode", ["actual", "budget"])
def test_the_settlement_xlsx_has_euros_hours_and_a_share_that_recomputes_the_amount(
    site: Site, mode: str
) -> None:
    book_a_month(site)
    data = site.client("finance").get(f"/finance/settlement.xlsx?year=2027&mode={mode}&{SHARE}").data
    sheet, header, lines, total = workbook(data)
    assert sheet["A1"].value.startswith(f"piket-settlement-v4 {mode} ")
    money = [
        "Aandeel in de kosten",
        "Salaris",
        "ORT",
        "Overhead",
        "Betaalde vaste kosten",
        "Geleverd",
        "Saldo (positief: betaalt; negatief: ontvangt)",
    ]
    for name in money:
        cells = [line[header.index(name)] for line in [*lines, total]]
        assert all("€" in c.number_format and "0.00" in c.number_format for c in cells), name
    hours = header.index("Gecrediteerde uren")
    assert all(line[hours].number_format == "[h]:mm" for line in lines)
    assert_xlsx_totals(header, lines, total, [*money, "Inwoners", "Gecrediteerde uren", "Toegezegde uren"])
    assert abs(total[header.index("Saldo (positief: betaalt; negatief: ontvangt)")].value) < 0.005
    share, cost = header.index("Aandeel in de inwoners"), header.index("Aandeel in de kosten")
    everyone = total[header.index("Inwoners")].value
    for line in lines:
        assert line[share].number_format == "0.000000%"
        assert line[share].value == pytest.approx(line[header.index("Inwoners")].value / everyone)
        if not line[header.index("waarvan tekort door plafond")].value:
            recomputed = round(total[cost].value * round(line[share].value, 8), 2)
            assert abs(recomputed - line[cost].value) <= 0.011, "within the cent that largest remainder moves"
    assert_one_language(header, [c.value for line in [*lines, total] for c in line])


def test_the_settlement_csv_is_excel_nl_and_every_total_is_the_sum_of_its_lines(site: Site) -> None:
    book_a_month(site)
    answer = site.client("finance").get(f"/finance/settlement.csv?year=2027&mode=actual&{SHARE}")
    assert answer.headers["Content-Type"] == "text/csv; charset=utf-8", "one charset, not two"
    header, lines, total = excel_nl(answer.data)
    for name in header[1:]:
        at = header.index(name)
        assert (
            dutch_number(total[at]) == sum(dutch_number(line[at]) for line in lines)
            or name == "Aandeel in de inwoners"
        ), name
    shares = [dutch_number(line[header.index("Aandeel in de inwoners")]) for line in lines]
    assert abs(sum(shares) - 100) < Decimal("0.00001") and all(len(str(s).split(".")[1]) == 6 for s in shares)
    assert total[header.index("Gecrediteerde uren")].count(":") == 1, "hours as the page shows them"
    assert_one_language(header, [c for line in lines for c in line])


def test_an_english_user_gets_an_english_file_throughout(site: Site) -> None:
    book_a_month(site)
    client = site.client("finance")
    client.set_cookie("piket_lang", "en")
    data = client.get("/finance/ledger.xlsx", query_string=YEAR | SHARED).data
    _, header, lines, total = workbook(data)
    assert header[:4] == ["Entry", "Day", "Start (date and time)", "End (date and time)"]
    assert {line[header.index("Category")].value for line in lines} >= {"call-out", "report"}
    assert {line[header.index("Approved")].value for line in lines} == {"yes"}
    assert total[0].value == "total (4 lines)"
    assert_one_language(header, [c.value for line in [*lines, total] for c in line], dutch=False)
    csv_header, _, csv_total = excel_nl(client.get(f"/finance/settlement.csv?year=2027&{SHARE}").data)
    assert csv_header[0] == "Municipality" and csv_total[0].startswith("total (")


def test_the_register_of_disclosures_csv_has_headers_a_person_reads(site: Site) -> None:
    book_a_month(site)
    site.client("finance").get("/finance/ledger.csv", query_string=YEAR | SHARED)
    answer = site.client("admin").get("/admin/disclosures.csv", query_string=SHARED)
    assert answer.headers["Content-Type"] == "text/csv; charset=utf-8"
    header, lines, _ = excel_nl(answer.data)
    assert header == ["Nummer", "Wanneer (UTC)", "Wie", "Wat", "Ontvanger", "Doel", "Selectie"]
    assert lines and all(not line[header.index("Ontvanger")].startswith("'") for line in lines)


SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed (Debian: libreoffice-calc-nogui)")
@pytest.mark.parametrize("export", ["ledger", "settlement"])
def test_libreoffice_calc_sums_each_column_to_the_files_own_total(
    site: Site, tmp_path: Path, export: str
) -> None:
    """Calc opens the XLSX, computes its own SUM under each summed column, and shows it as the file's
    total line is shown (the same number format): the two must read the same."""
    book_a_month(site)
    client = site.client("finance")
    path = (
        ("/finance/ledger.xlsx", YEAR | SHARED)
        if export == "ledger"
        else ("/finance/settlement.xlsx", {"year": "2027", "mode": "actual"} | SHARED)
    )
    book = openpyxl.load_workbook(io.BytesIO(client.get(path[0], query_string=path[1]).data))
    sheet = book.active
    last = sheet.max_row
    summed = [c.column_letter for c in sheet[last] if isinstance(c.value, int | float)]
    for letter in summed:
        sheet[f"{letter}{last + 1}"] = f"=SUM({letter}3:{letter}{last - 1})"
        sheet[f"{letter}{last + 1}"].number_format = sheet[f"{letter}{last}"].number_format
    book.save(tmp_path / "export.xlsx")
    subprocess.run(
        [
            SOFFICE,
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):59,34,76,1,,1043,false,true,true",
            "--outdir",
            str(tmp_path),
            str(tmp_path / "export.xlsx"),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    rows = list(csv.reader(io.StringIO((tmp_path / "export.csv").read_text("utf-8")), delimiter=";"))
    total, sums = rows[last - 1], rows[last]
    assert summed and len(summed) >= (8 if export == "ledger" else 10)
    for letter in summed:
        at = openpyxl.utils.column_index_from_string(letter) - 1
        assert sums[at] == total[at] != "", (letter, rows[1][at], sums[at], total[at])
    if export == "settlement":
        assert "€" in total[rows[1].index("Salaris")], "Calc shows euros"


def statement_of(site: Site, client: Any, place: int, query: str = "year=2027&mode=actual") -> str:
    answer = client.get(f"/finance/settlement/{place}?{query}&{SHARE}")
    assert answer.status_code == 200
    return html.unescape(answer.text)


def test_a_statement_says_who_sends_it_to_whom_and_that_an_open_period_is_provisional(site: Site) -> None:
    booked = book_a_month(site)
    client = site.client("finance")
    text = statement_of(site, client, booked["place"])
    assert "Afrekening bijdrage regionaal toezichtteam" in text and "Afrekening verrekening" not in text
    assert "Gemeente Leeuwarden, coördinerende gemeente" in text and "Gemeente Heerenveen" in text
    assert "Voorlopig" in text and "Definitief" not in text
    reference = f"PIKET-2027-Y-A-{booked['place']:04d}"
    assert reference in text and statement_of(site, client, booked["place"]).count(reference) >= 2
    assert re.search(r"Afgedrukt \w+ \d+ \w+\.? 20\d\d", text), "the print date has its year"
    assert "Inwoners per 1 januari" in text and "Uurtarief" in text and "ORT-tabel geldig" in text
    assert "binnen 30 dagen" in text


def test_the_share_on_a_statement_recomputes_its_amount(site: Site) -> None:
    booked = book_a_month(site)
    client = site.client("finance")
    body = client.get(f"/api/v1/settlement?year=2027&mode=budget&{SHARE}").json
    line = next(line for line in body["lines"] if line["municipality_id"] == booked["place"])
    text = statement_of(site, client, booked["place"], "year=2027&mode=budget")
    mine, everyone, percent = re.search(r"([\d.]+) / ([\d.]+) = ([\d,]+)\s*%", text).groups()  # type: ignore[union-attr]
    assert int(mine.replace(".", "")) == line["population"]
    assert int(everyone.replace(".", "")) == body["totals"]["population"]
    share = Decimal(percent.replace(",", ".")) / 100
    assert len(percent.split(",")[1]) == 6
    total = Decimal(body["totals"]["cost_share_cents"])
    plain = line["cost_share_cents"] - line["cap_shortfall_cents"]
    assert abs(total * share - plain) <= 1, "recomputed from the printed share, within the cent"


def test_a_closed_period_gives_a_final_statement_with_finances_payment_terms(site: Site) -> None:
    booked = book_a_month(site)
    site.clock.set(datetime(2028, 1, 2, 9, 0, tzinfo=UTC))
    finance = site.client("finance")
    assert (
        finance.post(
            "/coordinator/periods/lock", data={"period_start": "2027-01-01", "period_end": "2027-12-31"}
        ).status_code
        == 302
    )
    refused = finance.post(
        "/finance/budget/statement",
        data={
            "issuer_department": "Afdeling Financiën",
            "iban": "NL00 FOUT",
            "payment_days": "45",
            "source": "brief van de controller",
        },
    )
    assert refused.status_code == 422
    assert "moet een IBAN zijn" in refused.text and 'value="NL00 FOUT"' in refused.text, "typed input kept"
    assert 'value="Afdeling Financiën"' in html.unescape(refused.text)
    saved = finance.post(
        "/finance/budget/statement",
        data={
            "issuer_department": "Afdeling Financiën",
            "iban": "NL91 ABNA 0417 1643 00",
            "payment_days": "45",
            "source": "brief van de controller",
        },
    )
    assert saved.status_code == 302
    text = statement_of(site, finance, booked["place"])
    assert "Definitief" in text and "Voorlopig" not in text
    assert "Afdeling Financiën" in text and "binnen 45 dagen" in text
    assert "NL91ABNA0417164300" in text or "Gemeente Heerenveen betaalt u" not in text
    assert "16 februari 2028" in text, "45 days after the statement's date"


def test_the_api_ledger_gives_start_and_end_with_their_day_so_a_night_ends_next_morning(site: Site) -> None:
    booked = book_a_month(site)
    body = site.client("finance").get("/api/v1/ledger", query_string=YEAR | SHARED).json
    (night,) = [line for line in body["items"] if line["entry"] == booked["overnight"]]
    assert night["date"] == "2027-03-12"
    assert (night["start"], night["end"]) == ("2027-03-12T22:00", "2027-03-13T06:00")

"""Finance at year end: the ledger and its exports add up to the cent, the settlement balances, Excel
reads the files, and nothing in them can run as a formula or show where a control was."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime
from fractions import Fraction

import openpyxl
from sqlalchemy import select

from backend.models import HourCategory, Inspector, Municipality
from backend.services import ledger
from scheduling.contributions import contribution_table
from scheduling.money import Budget, BudgetLine
from tests.profiles import PLAN_BUDGET
from tests.web.conftest import Site, book

YEAR = {"period_start": "2027-03-01", "period_end": "2027-03-31"}


def book_hours(site: Site, approve: bool = True) -> list[int]:
    """A Tuesday, a Saturday and a Sunday control for two inspectors of different employers, and a report."""
    ids = []
    with site.database.transaction() as session:
        place = session.execute(select(Municipality.id).where(Municipality.name == "Heerenveen")).scalar_one()
        for day, inspector in ((date(2027, 3, 2), 2), (date(2027, 3, 6), 4), (date(2027, 3, 7), 2)):
            ids.append(book(session, site, inspector, place, day))
        ids.append(book(session, site, 4, place, date(2027, 3, 3), hour=10, minutes=90, break_minutes=0,
                        category=HourCategory.REPORT))
        if approve:
            ledger.approve_many(session, site.clock.now(), "web:coordinator", ids)
    return ids


def read_csv(text: str) -> tuple[str, list[str], list[list[str]], list[str]]:
    assert text.startswith("\ufeff"), "a byte-order mark tells Excel it is UTF-8"
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))
    return rows[0][0], rows[1], rows[2:-1], rows[-1]


def test_the_ledger_csv_is_dutch_excel_and_its_total_is_the_sum_of_its_lines(site: Site) -> None:
    book_hours(site)
    response = site.client("finance").get("/finance/ledger.csv", query_string=YEAR)
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    column_set, header, lines, total = read_csv(response.data.decode("utf-8"))
    assert column_set == "# piket-ledger-v2 2027-03-01..2027-03-31"
    assert len(lines) == 4 and total[0] == "totaal (4 regels)"
    for name in (
        "worked_minutes",
        "plain_minutes",
        "weekday_20_minutes",
        "weekday_40_minutes",
        "saturday_minutes",
        "sunday_holiday_minutes",
        "break_minutes",
    ):
        column = header.index(name)
        assert int(total[column]) == sum(int(line[column]) for line in lines), name
    worked = header.index("worked_minutes")
    assert int(total[worked]) == 3 * 480 + 90
    assert all(line[header.index("approved")] == "ja" for line in lines)


def test_the_settlement_csv_writes_euros_with_a_decimal_comma_and_its_totals_add_up(site: Site) -> None:
    book_hours(site)
    text = site.client("finance").get("/finance/settlement.csv?year=2027&mode=actual").data.decode("utf-8")
    column_set, header, lines, total = read_csv(text)
    assert column_set.startswith("# piket-settlement-v2 actual 2027-01-01..2027-12-31")
    for name in ("cost_share", "cap_shortfall", "salary", "ort", "overhead", "fixed", "delivered", "balance"):
        column = header.index(name)
        cents = [int(line[column].replace(",", "")) for line in lines]
        assert all("," in line[column] and "." not in line[column] for line in lines), name
        assert int(total[column].replace(",", "")) == sum(cents), name
    assert total[header.index("balance")] == "0,00", "what some pay, others receive"


def test_the_xlsx_export_reads_back_with_the_same_lines_and_totals(site: Site) -> None:
    ids = book_hours(site)
    response = site.client("finance").get("/finance/ledger.xlsx", query_string=YEAR)
    sheet = openpyxl.load_workbook(io.BytesIO(response.data), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "piket-ledger-v2 2027-03-01..2027-03-31"
    header, lines, total = rows[1], rows[2:-1], rows[-1]
    assert sorted(line[0] for line in lines) == ids, "in date order, every entry once"
    worked = header.index("worked_minutes")
    assert total[worked] == sum(line[worked] for line in lines) == 3 * 480 + 90


def test_a_value_that_excel_would_run_is_neutralised(site: Site) -> None:
    with site.database.transaction() as session:
        session.get_one(Inspector, 2).name = '=HYPERLINK("http://evil")'
    book_hours(site)
    client = site.client("finance")
    _, header, lines, _ = read_csv(client.get("/finance/ledger.csv", query_string=YEAR).data.decode("utf-8"))
    names = {line[header.index("inspector")] for line in lines}
    assert '\'=HYPERLINK("http://evil")' in names
    sheet = openpyxl.load_workbook(
        io.BytesIO(client.get("/finance/ledger.xlsx", query_string=YEAR).data)
    ).active
    cells = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert not any(value.startswith(("=", "+", "-", "@")) for value in cells)


def test_finance_never_sees_a_call_out_location(site: Site) -> None:
    book_hours(site)
    client = site.client("finance")
    for path in (
        "/finance/ledger",
        "/finance/ledger.csv",
        "/finance/settlement",
        "/api/v1/ledger?period_start=2027-01-01&period_end=2027-12-31",
    ):
        body = client.get(path).data.decode("utf-8")
        assert "Wilhelminastraat" not in body and "bovenwoning" not in body, path


def test_the_actual_settlement_balances_to_zero_and_credits_the_employers(site: Site) -> None:
    book_hours(site)
    body = site.client("finance").get("/api/v1/settlement?year=2027&mode=actual").json
    lines = {line["name"]: line for line in body["lines"]}
    assert sum(line["balance_cents"] for line in body["lines"]) == 0
    for name, total in body["totals"].items():
        assert total == sum(line[name] for line in body["lines"]), name
    assert sum(line["minutes"] for line in lines.values()) == 3 * 480 + 90
    coordinating = [line for line in lines.values() if line["fixed_cents"]]
    assert len(coordinating) == 1 and coordinating[0]["fixed_cents"] == 30_000_00


def test_unapproved_hours_are_not_settled(site: Site) -> None:
    book_hours(site, approve=False)
    body = site.client("finance").get("/api/v1/settlement?year=2027&mode=actual").json
    assert body["totals"]["minutes"] == 0


def test_budget_mode_is_the_plans_contribution_table(site: Site) -> None:
    body = site.client("finance").get("/api/v1/settlement?year=2027&mode=budget").json
    with site.database.transaction() as session:
        members = session.execute(
            select(Municipality.name, Municipality.population)
            .where(Municipality.is_participating)
            .order_by(Municipality.name)
        ).all()
    table = contribution_table([(name, population) for name, population in members], PLAN_BUDGET, years=2,
                               controls=69, fte_hundredths=91)
    expected = {row.name: row.yearly_cents for row in table.rows}
    assert {line["name"]: line["cost_share_cents"] for line in body["lines"]} == expected
    quarters = [
        site.client("finance").get(f"/api/v1/settlement?year=2027&mode=budget&quarter={q}").json
        for q in range(1, 5)
    ]
    assert sum(q["totals"]["cost_share_cents"] for q in quarters) == body["totals"]["cost_share_cents"]


def test_exporting_a_closed_period_is_recorded_and_a_statement_prints(site: Site) -> None:
    book_hours(site)
    client = site.client("finance")
    assert client.post("/coordinator/periods/lock", data=YEAR).status_code == 302
    client.get("/finance/ledger.csv", query_string=YEAR)
    with site.database.transaction() as session:
        assert ledger.locks(session)[0].exported_at is not None
    with site.database.transaction() as session:
        heerenveen = session.execute(
            select(Municipality.id).where(Municipality.name == "Heerenveen")
        ).scalar_one()
    statement = client.get(f"/finance/settlement/{heerenveen}?year=2027").text
    assert "Afrekening verrekening: Heerenveen" in statement and (
        "Te betalen" in statement or "Te ontvangen" in statement
    )


def test_the_evaluation_draws_hours_against_pledges_and_the_budget(site: Site) -> None:
    book_hours(site)
    page = site.client("coordinator").get("/finance/evaluation?year=2027")
    assert page.status_code == 200
    text = page.text
    assert text.count("<svg") == 3 and not re.search(r"<script(?![^>]*\bsrc=)", text)
    assert "Oproepen per bron en maand" in text and "van een begroting van €\xa0122.399,10" in text


def test_a_correction_after_export_shows_in_the_open_period_and_the_closed_one_stays(site: Site) -> None:
    ids = book_hours(site)
    finance, coordinator = site.client("finance"), site.client("coordinator")
    assert finance.post("/coordinator/periods/lock", data=YEAR).status_code == 302
    exported = finance.get("/finance/ledger.csv", query_string=YEAR).data
    site.clock.set(datetime(2027, 4, 6, 9, 0, tzinfo=UTC))
    page = coordinator.get(f"/coordinator/hours/{ids[0]}/correct").text
    assert "Deze periode is afgesloten" in page
    done = coordinator.post(
        f"/coordinator/hours/{ids[0]}/correct",
        data={
            "day": "2027-03-02",
            "start": "14:00",
            "end": "22:00",
            "break_minutes": "60",
            "reason": "eerder klaar",
        },
    )
    assert done.status_code == 302
    assert finance.get("/finance/ledger.csv", query_string=YEAR).data == exported, "March is as exported"
    april = {"period_start": "2027-04-01", "period_end": "2027-04-30"}
    _, header, lines, total = read_csv(finance.get("/finance/ledger.csv", query_string=april).data.decode())
    booked = header.index("booked_on")
    assert [line[booked] for line in lines] == ["2027-04-06", "2027-04-06"]
    assert [line[header.index("reason")] for line in lines] == ["eerder klaar", "eerder klaar"]
    assert int(total[header.index("worked_minutes")]) == -60, "the correction nets to one hour less"


def test_finance_changes_a_rate_for_next_year_and_the_budget_settlement_follows(site: Site) -> None:
    finance = site.client("finance")
    page = finance.get("/finance/budget").text
    assert "52.67402" in page and "seed 000 §3" in page and "€\xa0122.399,10" in page
    assert finance.post("/finance/budget/2027/copy").status_code == 422, "2028 is in the profile already"
    saved = finance.post("/finance/budget/2028/lines/control", data={
        "hours": "423", "rate": "54,10", "flat_ort": "12.5", "overhead_per_hour": "8.19",
        "source": "Cao Gemeenten 2028, scale 7 step 11 (finance)"})
    assert saved.status_code == 302
    before = finance.get("/api/v1/settlement?year=2027&mode=budget").json["totals"]["cost_share_cents"]
    after = finance.get("/api/v1/settlement?year=2028&mode=budget").json["totals"]["cost_share_cents"]
    raised = Budget((BudgetLine("control", 423, Fraction("54.10"), Fraction(1, 8), Fraction("8.19")),
                     *PLAN_BUDGET.lines[1:]), PLAN_BUDGET.fixed_cents)
    assert before == 122_399_10 and after == raised.yearly_cents > before
    assert finance.post("/finance/budget/2028/copy").status_code == 302
    assert "copied from 2028" in finance.get("/finance/budget").text
    refused = finance.post("/finance/budget/2029/lines/control", data={
        "hours": "423", "rate": "veel", "flat_ort": "12.5", "overhead_per_hour": "8.19", "source": "x y"})
    assert refused.status_code == 422 and "rate" in refused.text

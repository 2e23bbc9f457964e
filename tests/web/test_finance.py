"""Finance at year end: the ledger and its exports add up to the cent, the settlement balances, Excel
reads the files, and nothing in them can run as a formula or show where a control was."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction

import openpyxl
from sqlalchemy import select

from backend.models import Inspector, Municipality, Shift, ShiftKind
from backend.services import evaluation, ledger
from scheduling.calendar import local_instant
from scheduling.contributions import contribution_table
from scheduling.money import Budget, BudgetLine
from tests.profiles import PLAN_BUDGET
from tests.support.web import CODE_NAMES, SHARE, SHARED, YEAR, book_hours, read_csv
from tests.web.conftest import Site, book

AFTER_MARCH = datetime(2027, 4, 1, 8, 0, tzinfo=UTC)
"""March can be closed once it is over."""


def test_the_ledger_csv_is_dutch_excel_and_its_total_is_the_sum_of_its_lines(site: Site) -> None:
    book_hours(site)
    response = site.client("finance").get("/finance/ledger.csv", query_string=YEAR | SHARED)
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    column_set, header, lines, total = read_csv(response.data.decode("utf-8"))
    assert column_set == "# piket-ledger-v5 2027-03-01..2027-03-31"
    assert len(lines) == 4 and total[0] == "totaal (4 regels)"
    for name in (
        "worked_minutes",
        "plain_minutes",
        "weekday_20_minutes",
        "weekday_40_minutes",
        "saturday_minutes",
        "sunday_holiday_minutes",
        "break_minutes",
        "allowance_minutes",
    ):
        column = header.index(name)
        assert int(total[column]) == sum(int(line[column]) for line in lines), name
    worked = header.index("worked_minutes")
    assert int(total[worked]) == 3 * 480 + 90
    assert all(line[header.index("approved")] == "ja" for line in lines)


def test_the_settlement_csv_writes_euros_with_a_decimal_comma_and_its_totals_add_up(site: Site) -> None:
    book_hours(site)
    answer = site.client("finance").get(f"/finance/settlement.csv?year=2027&mode=actual&{SHARE}")
    text = answer.data.decode("utf-8")
    column_set, header, lines, total = read_csv(text)
    assert column_set.startswith("# piket-settlement-v4 actual 2027-01-01..2027-12-31")
    for name in ("cost_share", "cap_shortfall", "salary", "ort", "overhead", "fixed", "delivered", "balance"):
        column = header.index(name)
        cents = [int(line[column].replace(",", "")) for line in lines]
        assert all("," in line[column] and "." not in line[column] for line in lines), name
        assert int(total[column].replace(",", "")) == sum(cents), name
    assert total[header.index("balance")] == "0,00", "what some pay, others receive"


def test_the_xlsx_export_reads_back_with_the_same_lines_and_totals(site: Site) -> None:
    ids = book_hours(site)
    response = site.client("finance").get("/finance/ledger.xlsx", query_string=YEAR | SHARED)
    sheet = openpyxl.load_workbook(io.BytesIO(response.data), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "piket-ledger-v5 2027-03-01..2027-03-31"
    header, lines, total = [CODE_NAMES[label] for label in rows[1]], rows[2:-1], rows[-1]
    assert sorted(line[0] for line in lines) == ids, "in date order, every entry once"
    worked = header.index("worked_minutes")
    assert total[worked] == sum(line[worked] for line in lines) == 3 * 480 + 90


def test_a_week_of_one_short_stretch_shows_no_allowance_in_the_ledger_and_the_settlement(site: Site) -> None:
    with site.database.transaction() as session:
        place = session.execute(select(Municipality.id).where(Municipality.name == "Heerenveen")).scalar_one()
        employer = session.get_one(Inspector, 2).employer_id
        # Monday 13:00-21:00 with half an hour's break: 18:00-21:00 is the week's only irregular work.
        entry = book(session, site, 2, place, date(2027, 3, 8), hour=13, minutes=480, break_minutes=30)
        ledger.approve_many(session, site.clock.now(), "web:coordinator", [entry])
    client = site.client("finance")
    text = client.get("/finance/ledger.csv", query_string=YEAR | SHARED).data.decode("utf-8")
    first = next(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))
    assert "CAR-UWO art. 3:11 lid 2" in first[1]
    _, header, lines, total = read_csv(text)
    (line,) = lines
    assert line[header.index("weekday_20_minutes")] == "180", "the entry keeps its band minutes"
    assert line[header.index("allowance_minutes")] == "0" == total[header.index("allowance_minutes")]
    assert line[header.index("allowance_exempt_week")] == "2027-03-08"
    body = client.get(f"/api/v1/settlement?year=2027&mode=actual&{SHARE}").json
    (settled,) = [line for line in body["lines"] if line["municipality_id"] == employer]
    assert settled["minutes"] == 450 and settled["ort_cents"] == 0
    api = client.get(f"/api/v1/ledger?period_start=2027-03-01&period_end=2027-03-31&{SHARE}").json
    assert api["items"][0]["allowance_exempt_week"] == "2027-03-08"
    assert "drie uur" in client.get("/finance/ledger", query_string=YEAR).text


def test_a_value_that_excel_would_run_is_neutralised(site: Site) -> None:
    with site.database.transaction() as session:
        session.get_one(Inspector, 2).name = '=HYPERLINK("http://evil")'
    book_hours(site)
    with site.database.transaction() as session:
        employer = session.get_one(Inspector, 2).employer_id
    client = site.client("finance")
    exported = client.get(f"/finance/payroll/{employer}.csv", query_string=YEAR | SHARED)
    _, header, lines, _ = read_csv(exported.data.decode("utf-8"))
    names = {line[header.index("name")] for line in lines}
    assert '\'=HYPERLINK("http://evil")' in names
    sheet = openpyxl.load_workbook(
        io.BytesIO(client.get(f"/finance/payroll/{employer}.xlsx", query_string=YEAR | SHARED).data)
    ).active
    cells = [c for row in sheet.iter_rows() for c in row if c.value is not None]
    assert all(c.data_type != "f" for c in cells), "in XLSX a text is a string cell, never a formula"
    names = [c for c in cells if c.value == '=HYPERLINK("http://evil")']
    assert names and all(c.data_type == "s" and c.quotePrefix for c in names), "as typed, marked as text"


def test_finance_never_sees_a_call_out_location(site: Site) -> None:
    book_hours(site)
    client = site.client("finance")
    for path in (
        "/finance/ledger",
        "/finance/ledger.csv",
        "/finance/settlement",
        f"/api/v1/ledger?period_start=2027-01-01&period_end=2027-12-31&{SHARE}",
    ):
        body = client.get(path).data.decode("utf-8")
        assert "Wilhelminastraat" not in body and "bovenwoning" not in body, path


def test_the_actual_settlement_balances_to_zero_and_credits_the_employers(site: Site) -> None:
    book_hours(site)
    body = site.client("finance").get(f"/api/v1/settlement?year=2027&mode=actual&{SHARE}").json
    lines = {line["name"]: line for line in body["lines"]}
    assert sum(line["balance_cents"] for line in body["lines"]) == 0
    for name, total in body["totals"].items():
        assert total == sum(line[name] for line in body["lines"]), name
    assert sum(line["minutes"] for line in lines.values()) == 3 * 480 + 90
    coordinating = [line for line in lines.values() if line["fixed_cents"]]
    assert len(coordinating) == 1 and coordinating[0]["fixed_cents"] == 30_000_00


def test_unapproved_hours_are_not_settled(site: Site) -> None:
    book_hours(site, approve=False)
    body = site.client("finance").get(f"/api/v1/settlement?year=2027&mode=actual&{SHARE}").json
    assert body["totals"]["minutes"] == 0


def test_budget_mode_is_the_plans_contribution_table(site: Site) -> None:
    body = site.client("finance").get(f"/api/v1/settlement?year=2027&mode=budget&{SHARE}").json
    with site.database.transaction() as session:
        members = session.execute(
            select(Municipality.name, Municipality.population)
            .where(Municipality.is_participating)
            .order_by(Municipality.name)
        ).all()
    table = contribution_table(
        [(name, population) for name, population in members],
        PLAN_BUDGET,
        years=2,
        controls=69,
        fte_hundredths=91,
    )
    expected = {row.name: row.yearly_cents for row in table.rows}
    assert {line["name"]: line["cost_share_cents"] for line in body["lines"]} == expected
    quarters = [
        site.client("finance").get(f"/api/v1/settlement?year=2027&mode=budget&quarter={q}&{SHARE}").json
        for q in range(1, 5)
    ]
    assert sum(q["totals"]["cost_share_cents"] for q in quarters) == body["totals"]["cost_share_cents"]


def test_the_budget_settlement_balances_to_zero_and_says_how_the_pledges_were_read(site: Site) -> None:
    client = site.client("finance")
    body = client.get(f"/api/v1/settlement?year=2027&mode=budget&{SHARE}").json
    assert body["totals"]["cost_share_cents"] == body["totals"]["delivered_cents"] == 122_399_10
    assert body["totals"]["balance_cents"] == 0, "was -5,733.09: pledged hours credited instead of the plan's"
    assert body["totals"]["minutes"] == 1223 * 60
    assert body["pledges"] == {
        "plan_minutes": 807 * 60,
        "pledged_minutes": 892 * 60,
        "difference_minutes": 85 * 60,
        "uncovered_minutes": 0,
        "rule": "scaled",
    }
    page = client.get("/finance/settlement?year=2027&mode=budget").text
    assert "892:00" in page and "807:00" in page and "85:00" in page and "grootste overschotten" in page
    rows = list(
        csv.reader(
            io.StringIO(
                client.get(f"/finance/settlement.csv?year=2027&mode=budget&{SHARE}")
                .data.decode("utf-8")
                .removeprefix("\ufeff")
            ),
            delimiter=";",
        )
    )
    assert rows[0][0].startswith("# piket-settlement-v4 budget") and "naar rato teruggebracht" in rows[0][1]
    header, total = [CODE_NAMES[label] for label in rows[1]], rows[-1]
    assert total[header.index("balance")] == "0,00" and total[header.index("delivered")] == "122399,10"
    assert total[header.index("pledged_minutes")] == "892:00"
    xlsx = client.get(f"/finance/settlement.xlsx?year=2027&mode=budget&{SHARE}").data
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx), read_only=True).active
    xlsx_rows = list(sheet.iter_rows(values_only=True))
    assert "naar rato teruggebracht" in xlsx_rows[0][1]
    assert xlsx_rows[-1][[CODE_NAMES[h] for h in xlsx_rows[1]].index("balance")] == 0


def test_the_four_quarters_add_up_to_the_year_per_municipality_and_column(site: Site) -> None:
    book_hours(site)
    client = site.client("finance")
    for mode in ("budget", "actual"):
        year = client.get(f"/api/v1/settlement?year=2027&mode={mode}&{SHARE}").json
        quarters = [
            client.get(f"/api/v1/settlement?year=2027&mode={mode}&quarter={q}&{SHARE}").json
            for q in range(1, 5)
        ]
        for i, line in enumerate(year["lines"]):
            for name in (
                "cost_share_cents",
                "minutes",
                "salary_cents",
                "ort_cents",
                "overhead_cents",
                "fixed_cents",
                "delivered_cents",
                "balance_cents",
            ):
                parts = [q["lines"][i][name] for q in quarters]
                assert sum(parts) == line[name], (mode, line["name"], name, parts)
        assert all(q["totals"]["balance_cents"] == 0 for q in quarters), mode


def test_exporting_a_closed_period_is_recorded_and_a_statement_prints(site: Site) -> None:
    book_hours(site)
    site.clock.set(AFTER_MARCH)
    client = site.client("finance")
    assert client.post("/coordinator/periods/lock", data=YEAR).status_code == 302
    client.get("/finance/ledger.csv", query_string=YEAR | SHARED)
    with site.database.transaction() as session:
        assert ledger.locks(session)[0].exported_at is not None
    with site.database.transaction() as session:
        heerenveen = session.execute(
            select(Municipality.id).where(Municipality.name == "Heerenveen")
        ).scalar_one()
    statement = client.get(f"/finance/settlement/{heerenveen}?year=2027&{SHARE}").text
    assert "Afrekening bijdrage regionaal toezichtteam" in statement and "Gemeente Heerenveen" in statement
    assert "Te betalen" in statement or "Te ontvangen" in statement


def test_the_evaluation_draws_hours_against_pledges_and_the_budget(site: Site) -> None:
    book_hours(site)
    page = site.client("coordinator").get("/finance/evaluation?year=2027")
    assert page.status_code == 200
    text = page.text
    assert text.count("<svg") == 3 and not re.search(r"<script(?![^>]*\bsrc=)", text)
    assert "Oproepen per bron en maand" in text and "van een begroting van €\xa0122.399,10" in text


def test_a_correction_after_export_shows_in_the_open_period_and_the_closed_one_stays(site: Site) -> None:
    ids = book_hours(site)
    site.clock.set(AFTER_MARCH)
    finance, coordinator = site.client("finance"), site.client("coordinator")
    assert finance.post("/coordinator/periods/lock", data=YEAR).status_code == 302
    exported = finance.get("/finance/ledger.csv", query_string=YEAR | SHARED).data
    site.clock.set(datetime(2027, 4, 6, 9, 0, tzinfo=UTC))
    page = coordinator.get(f"/coordinator/hours/{ids[0]}/correct").text
    assert "Deze periode is afgesloten" in page
    done = coordinator.post(
        f"/coordinator/hours/{ids[0]}/correct",
        data={
            "day": "2027-03-02",
            "start": "14:00",
            "end": "22:00",
            "break_start": "18:00",
            "break_end": "19:00",
            "reason": "eerder klaar",
        },
    )
    assert done.status_code == 302
    again = finance.get("/finance/ledger.csv", query_string=YEAR | SHARED).data
    assert again == exported, "March is as exported"
    april = {"period_start": "2027-04-01", "period_end": "2027-04-30"}
    april_file = finance.get("/finance/ledger.csv", query_string=april | SHARED).data
    _, header, lines, total = read_csv(april_file.decode())
    booked = header.index("booked_on")
    assert [line[booked] for line in lines] == ["2027-04-06", "2027-04-06"]
    assert "reason" not in header and b"eerder klaar" not in april_file, "finance needs no free text"
    assert int(total[header.index("worked_minutes")]) == -60, "the correction nets to one hour less"


def test_the_settlement_page_shows_which_years_the_tables_cover(site: Site) -> None:
    page = site.client("finance").get("/finance/settlement?year=2027&mode=actual").text
    assert "Ingestelde tabellen: ORT 2016-2027; begroting en tarieven 2027-2028." in page


def test_a_year_without_a_budget_is_refused_on_the_page_not_priced_from_the_nearest(site: Site) -> None:
    client = site.client("finance")
    page = client.get("/finance/settlement?year=2026&mode=actual")
    assert page.status_code == 422
    assert "geen begroting met tarieven geldt op 2026-01-01; ingesteld: 2027-2028" in page.text
    assert 'name="year" value="2026"' in page.text, "the form stays, to pick a covered year"
    assert "<tfoot>" not in page.text
    client.get("/lang/en")
    english = client.get("/finance/settlement?year=2030&quarter=2&mode=budget").text
    assert "no budget (rate table) covers 2030-04-01; configured: 2027-2028" in english


def test_a_year_without_an_ort_table_is_refused_in_actual_mode_only(site: Site) -> None:
    client = site.client("finance")
    actual = client.get("/finance/settlement?year=2028&mode=actual")
    assert actual.status_code == 422
    assert "geen ORT-tabel geldt op 2028-01-01; ingesteld: 2016-2027" in actual.text
    assert client.get("/finance/settlement?year=2028&mode=budget").status_code == 200


def test_the_api_refuses_an_uncovered_year_with_a_typed_422(site: Site) -> None:
    client = site.client("finance")
    for year, code in ((2026, "no_budget_table"), (2028, "no_ort_table")):
        answer = client.get(f"/api/v1/settlement?year={year}&mode=actual&{SHARE}")
        assert answer.status_code == 422
        assert answer.json["error"] == "refused" and answer.json["code"] == code
        assert answer.json["field"] == "year" and str(year) in answer.json["message"]
    for path in (
        f"/finance/settlement.csv?year=2026&{SHARE}",
        f"/finance/settlement.xlsx?year=2026&{SHARE}",
        f"/finance/settlement/1?year=2026&{SHARE}",
    ):
        assert client.get(path).status_code == 422, path


def test_the_evaluation_of_a_year_without_a_budget_says_so_and_still_draws_the_hours(site: Site) -> None:
    page = site.client("finance").get("/finance/evaluation?year=2026")
    assert page.status_code == 200
    assert "geen begroting met tarieven geldt op 2026-01-01; ingesteld: 2027-2028" in page.text
    assert "Oproepen per bron en maand" in page.text


def test_the_evaluation_counts_held_controls_and_shows_the_planned_ones_apart(site: Site) -> None:
    """A control day later this year is planned, not done: it shows apart and the held bar stays."""
    with site.database.transaction() as session:
        before = evaluation.evaluate(session, site.clock.now(), 2027).control_counts
        place = session.execute(select(Municipality).where(Municipality.name == "Leeuwarden")).scalar_one()
        for day in (date(2027, 12, 4), date(2027, 12, 15)):
            starts_at = local_instant(day, time(14))
            session.add(
                Shift(
                    kind=ShiftKind.CONTROL,
                    municipality_id=place.id,
                    starts_at=starts_at,
                    ends_at=starts_at + timedelta(hours=9),
                    created_at=site.clock.now(),
                )
            )
        session.flush()
        after = evaluation.evaluate(session, site.clock.now(), 2027).control_counts
    changed = {(a.label, a.held, a.ahead - b.ahead) for a, b in zip(after, before, strict=True) if a != b}
    held_before = next(b.held for b in before if b.label == "Leeuwarden")
    assert changed == {("Leeuwarden", held_before, 2)}
    page = site.client("finance").get("/finance/evaluation?year=2027").text
    assert "nog gepland" in page and "Gehouden controles per gemeente" in page
    row = re.search(r"<tr><td>Leeuwarden</td>((?:<td class=\"num\">\d+</td>){5})</tr>", page)
    assert row is not None
    leeuwarden = next(a for a in after if a.label == "Leeuwarden")
    assert re.findall(r"\d+", row.group(1))[:2] == [str(leeuwarden.held), str(leeuwarden.ahead)]


def test_finance_changes_a_rate_for_next_year_and_the_budget_settlement_follows(site: Site) -> None:
    finance = site.client("finance")
    page = finance.get("/finance/budget").text
    assert "52.67402" in page and "seed 000 §3" in page and "€\xa0122.399,10" in page
    assert finance.post("/finance/budget/2027/copy").status_code == 422, "2028 is in the profile already"
    saved = finance.post(
        "/finance/budget/2028/lines/control",
        data={
            "hours": "423",
            "rate": "54,10",
            "flat_ort": "12.5",
            "overhead_per_hour": "8.19",
            "source": "Cao Gemeenten 2028, scale 7 step 11 (finance)",
        },
    )
    assert saved.status_code == 302
    before = finance.get(f"/api/v1/settlement?year=2027&mode=budget&{SHARE}").json["totals"]
    after = finance.get(f"/api/v1/settlement?year=2028&mode=budget&{SHARE}").json["totals"]
    raised = Budget(
        (
            BudgetLine("control", 423, Fraction("54.10"), Fraction(1, 8), Fraction("8.19")),
            *PLAN_BUDGET.lines[1:],
        ),
        PLAN_BUDGET.fixed_cents,
        date(2028, 1, 1),
        date(2028, 12, 31),
    )
    before, after = before["cost_share_cents"], after["cost_share_cents"]
    assert before == 122_399_10 and after == raised.yearly_cents > before
    assert finance.post("/finance/budget/2028/copy").status_code == 302
    assert "copied from 2028" in finance.get("/finance/budget").text
    refused = finance.post(
        "/finance/budget/2029/lines/control",
        data={
            "hours": "423",
            "rate": "veel",
            "flat_ort": "12.5",
            "overhead_per_hour": "8.19",
            "source": "x y",
        },
    )
    assert refused.status_code == 422
    assert 'value="veel"' in refused.text, "what was typed is shown again"
    assert "moet een bedrag of getal zijn met hoogstens 6 decimalen" in html.unescape(refused.text)

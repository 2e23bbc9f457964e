"""The register of disclosures through the pages and the API: every download asks who receives it and
why, is recorded, and carries inspectors' names only in the payroll export of their own employer."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select

from backend.models import Disclosure, Inspector, Municipality
from backend.services import exports
from tests.support.web import SHARED, YEAR, book_hours, read_csv
from tests.web.conftest import Site


def register(site: Site) -> list[Disclosure]:
    with site.database.transaction() as session:
        rows = list(session.execute(select(Disclosure).order_by(Disclosure.id)).scalars())
        session.expunge_all()
    return rows


def names_and_codes(site: Site) -> dict[int, tuple[str, str, int]]:
    """Inspector id to (full name, pseudonym, employer id)."""
    with site.database.transaction() as session:
        return {
            i.id: (i.name, exports.pseudonym(i.id), i.employer_id)
            for i in session.execute(select(Inspector)).scalars()
        }


def test_a_download_first_asks_who_receives_it_and_why_and_then_records_it(site: Site) -> None:
    book_hours(site)
    finance = site.client("finance")
    asked = finance.get("/finance/ledger.csv", query_string=YEAR)
    assert asked.status_code == 200 and asked.mimetype == "text/html"
    assert "Wie ontvangt het?" in asked.text and 'name="period_start" value="2027-03-01"' in asked.text
    assert register(site) == [], "asking records nothing"
    sent = finance.get("/finance/ledger.csv", query_string=YEAR | SHARED)
    assert sent.mimetype == "text/csv" and sent.data.startswith("\ufeff".encode())
    [row] = register(site)
    assert (row.actor, row.kind, row.receiver, row.purpose) == (
        "web:finance",
        "ledger.csv",
        SHARED["receiver"],
        SHARED["purpose"],
    )
    assert '"start": "2027-03-01"' in row.scope
    again = finance.get("/finance/ledger.xlsx", query_string=YEAR)
    assert "Wie ontvangt het?" in again.text
    again = finance.get("/finance/ledger.csv", query_string=YEAR)
    assert f'value="{SHARED["receiver"]}"' in again.text, "the last receiver is offered again"


def test_a_blank_receiver_is_refused_in_place_in_dutch_and_nothing_is_recorded(site: Site) -> None:
    finance = site.client("finance")
    refused = finance.get("/finance/settlement.csv?year=2027&receiver=%20%20&purpose=jaarafsluiting")
    assert refused.status_code == 422
    assert "Zeg wie het ontvangt" in refused.text and 'value="jaarafsluiting"' in refused.text
    assert register(site) == []


def test_the_ledger_export_names_no_one_and_each_inspector_keeps_one_code(site: Site) -> None:
    book_hours(site)
    people = names_and_codes(site)
    finance = site.client("finance")
    first = finance.get("/finance/ledger.csv", query_string=YEAR | SHARED).data.decode("utf-8")
    second = finance.get("/finance/ledger.csv", query_string=YEAR | SHARED).data.decode("utf-8")
    assert first == second, "the same export twice is the same file"
    column_set, header, lines, total = read_csv(first)
    assert column_set.startswith("# piket-ledger-v5")
    assert "inspector_id" not in header and "name" not in header and "reason" not in header
    assert not any(name in first for name, _, _ in people.values())
    codes = {line[header.index("inspector")] for line in lines}
    assert codes == {people[2][1], people[4][1]} and all(c.startswith("INS-") for c in codes)
    assert len({code for _, code, _ in people.values()}) == len(people), "no two share a code"
    worked = header.index("worked_minutes")
    assert int(total[worked]) == sum(int(line[worked]) for line in lines)


def test_the_payroll_export_names_only_the_employers_own_inspectors_and_is_recorded(site: Site) -> None:
    book_hours(site)
    people = names_and_codes(site)
    employer = people[2][2]
    assert people[4][2] != employer, "the fixture books two employers"
    finance = site.client("finance")
    text = finance.get(f"/finance/payroll/{employer}.csv", query_string=YEAR | SHARED).data.decode("utf-8")
    column_set, header, lines, total = read_csv(text)
    assert column_set.startswith("# piket-payroll-v2")
    assert {(line[header.index("inspector")], line[header.index("name")]) for line in lines} == {
        (people[2][1], people[2][0])
    }
    assert people[4][0] not in text
    worked = header.index("worked_minutes")
    assert int(total[worked]) == sum(int(line[worked]) for line in lines)
    [row] = register(site)
    assert row.kind == "payroll.csv" and f'"employer_id": {employer}' in row.scope
    assert finance.get("/finance/payroll/999999.csv", query_string=YEAR | SHARED).status_code == 404


def test_the_statement_and_the_settlement_are_recorded_too(site: Site) -> None:
    finance = site.client("finance")
    with site.database.transaction() as session:
        heerenveen = session.execute(
            select(Municipality.id).where(Municipality.name == "Heerenveen")
        ).scalar_one()
    assert "Wie ontvangt het?" in finance.get(f"/finance/settlement/{heerenveen}?year=2027").text
    shared = "receiver=Heerenveen%20financi%C3%ABn&purpose=jaarafrekening"
    assert "Heerenveen" in finance.get(f"/finance/settlement/{heerenveen}?year=2027&{shared}").text
    assert finance.get(f"/finance/settlement.xlsx?year=2027&mode=budget&{shared}").status_code == 200
    assert [(r.kind, r.receiver) for r in register(site)] == [
        ("statement", "Heerenveen financiën"),
        ("settlement.xlsx", "Heerenveen financiën"),
    ]


def test_the_api_asks_receiver_and_purpose_as_parameters_and_records_them(site: Site) -> None:
    book_hours(site)
    finance = site.client("finance")
    refused = finance.get("/api/v1/ledger", query_string=YEAR)
    assert refused.status_code == 422
    assert {p["field"] for p in refused.json["problems"]} == {"receiver", "purpose"}
    answer = finance.get("/api/v1/ledger", query_string=YEAR | SHARED).json
    people = names_and_codes(site)
    assert {item["inspector"] for item in answer["items"]} == {people[2][1], people[4][1]}
    assert all("reason" not in item and "inspector_id" not in item for item in answer["items"])
    [row] = register(site)
    assert (row.kind, row.actor, row.receiver) == ("ledger.json", "web:finance", SHARED["receiver"])


def test_admin_and_auditor_read_and_export_the_register(site: Site) -> None:
    finance = site.client("finance")
    finance.get(
        "/finance/ledger.csv", query_string=YEAR | {"receiver": "=cmd|' /C calc'!A0", "purpose": "audit 2027"}
    )
    for role in ("admin", "auditor"):
        page = site.client(role).get("/admin/disclosures").text
        assert "=cmd|" in page and "audit 2027" in page and "web:finance" in page
    auditor = site.client("auditor")
    assert "Wie ontvangt het?" in auditor.get("/admin/disclosures.csv").text
    exported = auditor.get("/admin/disclosures.csv?receiver=accountant&purpose=jaarcontrole")
    rows = list(csv.reader(io.StringIO(exported.data.decode("utf-8").removeprefix("\ufeff")), delimiter=";"))
    assert rows[0] == ["# piket-disclosures-v2"]
    assert rows[1][:6] == ["Nummer", "Wanneer (UTC)", "Wie", "Wat", "Ontvanger", "Doel"]
    assert rows[2][4] == "'=cmd|' /C calc'!A0", "a receiver cannot run in Excel"
    assert [r.kind for r in register(site)] == ["ledger.csv", "disclosures.csv"]
    assert site.client("finance").get("/admin/disclosures").status_code == 403


def test_the_kind_of_download_is_named_in_words_on_the_question_and_in_the_register(site: Site) -> None:
    finance = site.client("finance")
    asked = finance.get("/finance/settlement.xlsx?year=2027").text
    assert "Deze download (de verrekening als XLSX)" in asked and "(settlement.xlsx)" not in asked
    finance.get("/finance/settlement.xlsx", query_string={"year": "2027", **SHARED})
    register = site.client("admin").get("/admin/disclosures").text
    assert "de verrekening als XLSX" in register and "<td>settlement.xlsx</td>" not in register
    kept = site.client("admin").get("/admin/disclosures.csv", query_string=SHARED).data.decode("utf-8")
    assert "settlement.xlsx" in kept, "the register's file keeps the codes"

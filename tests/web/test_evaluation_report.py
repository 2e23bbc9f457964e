"""The year's evaluation report for the participating municipalities: its money is the settlement's to
the cent, its hours are the ledger's, every total is the sum of its lines (on the page, in the workbook),
no person is named, and small counts that could point to a person read "< 5"."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta

import openpyxl
import pytest
from sqlalchemy import select

from backend.models import (
    AlertOutcome,
    Callout,
    CalloutSource,
    CalloutStatus,
    HourCategory,
    Inspector,
    Municipality,
    Offer,
    OfferStatus,
    Shift,
    ShiftKind,
    ShiftStatus,
)
from backend.services import evaluation, evaluation_report, ledger, safety, safety_ladder, settlement
from backend.services.evaluation_report import Count, MunicipalityLine
from scheduling.calendar import team_zone
from tests.support.web import missed_alert
from tests.web.conftest import Site, book

SHARE = {"receiver": "the eleven councils", "purpose": "interim evaluation"}


def approved_hours(site: Site) -> None:
    """Two controls, a call-out and report hours of inspectors of two employers, all approved."""
    with site.database.transaction() as session:
        place = session.execute(select(Municipality.id).where(Municipality.name == "Heerenveen")).scalar_one()
        ids = [
            book(session, site, 2, place, date(2027, 3, 2)),
            book(session, site, 4, place, date(2027, 3, 6)),
            book(session, site, 4, place, date(2027, 3, 7), category=HourCategory.CALLOUT),
            book(
                session,
                site,
                2,
                place,
                date(2027, 3, 3),
                hour=10,
                minutes=90,
                break_minutes=0,
                category=HourCategory.REPORT,
            ),
        ]
        ledger.approve_many(session, site.clock.now(), "web:coordinator", ids)


def test_the_reports_money_and_hours_are_the_settlements_and_the_ledgers(site: Site) -> None:
    approved_hours(site)
    with site.database.transaction() as session:
        found = evaluation_report.report(session, site.clock.now(), [2027])
        actual = settlement.settle(session, 2027, mode="actual")
        planned = settlement.settle(session, 2027, mode="budget")
        approved = evaluation.evaluate(session, site.clock.now(), 2027).approved_minutes
    assert approved > 0
    by_name = {line.name: line for line in found.lines}
    assert set(by_name) == {line.name for line in actual.lines}
    for line in actual.lines:
        mine = by_name[line.name]
        assert (mine.cost_share_cents, mine.delivered_cents, mine.balance_cents, mine.ort_cents) == (
            line.cost_share_cents,
            line.delivered_cents,
            line.balance_cents,
            line.ort_cents,
        ), line.name
        assert mine.total_minutes == line.minutes, line.name
    for column in ("cost_share_cents", "delivered_cents", "balance_cents", "ort_cents"):
        assert found.totals[column] == actual.totals[column], column
    assert found.totals["budget_cents"] == planned.totals["cost_share_cents"]
    assert found.totals["total_minutes"] == approved == actual.totals["minutes"]
    assert found.totals["irregular_minutes"] > 0, "a Saturday and a Sunday were worked"
    assert found.categories == (HourCategory.CONTROL, HourCategory.CALLOUT, HourCategory.REPORT)


def test_the_workbook_opens_with_numbers_hours_and_euros_and_its_totals_are_the_sums(site: Site) -> None:
    approved_hours(site)
    client = site.client("finance")
    asked = client.get("/finance/evaluation/report.xlsx?year=2027")
    assert asked.status_code == 200 and "receiver" in asked.text, "who receives it is asked first"
    response = client.get("/finance/evaluation/report.xlsx", query_string={"year": "2027", **SHARE})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    book_ = openpyxl.load_workbook(io.BytesIO(response.data))
    assert book_.sheetnames == [
        "Controles",
        "Bevindingen",
        "Veiligheid",
        "Bezetting",
        "Uren",
        "Kosten",
        "Wie ging mee",
    ]
    with site.database.transaction() as session:
        actual = settlement.settle(session, 2027, mode="actual")
        names = [i.name for i in session.execute(select(Inspector)).scalars()]
    for name in ("Controles", "Uren", "Kosten"):
        rows = [[days(c) for c in row] for row in book_[name].iter_rows(min_row=4, values_only=True)]
        lines, total = rows[:-1], rows[-1]
        assert total[0] == "Totaal" and len(lines) == len(actual.lines)
        for column in range(1, len(total)):
            assert total[column] == pytest.approx(sum(line[column] for line in lines)), (name, column)
    cost = book_["Kosten"]
    assert cost.cell(4, 2).number_format.startswith('"€"') and isinstance(cost.cell(4, 2).value, float)
    delivered = [row[4] for row in cost.iter_rows(min_row=4, values_only=True)]
    assert round(delivered[-1] * 100) == actual.totals["delivered_cents"]
    hours = book_["Uren"]
    assert hours.cell(4, 2).number_format == "[h]:mm"
    total = [row[-2] for row in hours.iter_rows(min_row=4, values_only=True)][-1]
    assert isinstance(total, timedelta), "hours read back as a duration"
    assert round(total / timedelta(minutes=1)) == actual.totals["minutes"]
    text = " ".join(str(c) for sheet in book_ for row in sheet.iter_rows(values_only=True) for c in row if c)
    assert not [n for n in names if n in text], "no person's name in the report"
    assert not any(
        isinstance(c, str) and c.startswith("=")
        for sheet in book_
        for row in sheet.iter_rows(values_only=True)
        for c in row
    ), "no formulas"


def days(value: object) -> object:
    """A duration cell as Excel holds it: a number of days."""
    return value / timedelta(days=1) if isinstance(value, timedelta) else value


def test_the_printable_report_asks_who_receives_it_and_names_nobody(site: Site) -> None:
    approved_hours(site)
    client = site.client("finance")
    assert "receiver" in client.get("/finance/evaluation/report?year=2027").text
    page = client.get("/finance/evaluation/report", query_string={"year": "2027", **SHARE})
    assert page.status_code == 200
    assert "Evaluatierapport 2027" in page.text and "Kosten tegen de begroting per gemeente" in page.text
    with site.database.transaction() as session:
        names = [i.name for i in session.execute(select(Inspector)).scalars()]
    assert not [n for n in names if n in page.text]
    assert ">False<" not in page.text and ">True<" not in page.text, "counts are numbers"
    pilot = client.get("/finance/evaluation/report", query_string={"year": "pilot", **SHARE})
    assert pilot.status_code == 200 and "Evaluatierapport 2027-2028" in pilot.text
    assert client.get("/finance/evaluation/report", query_string={"year": "abc", **SHARE}).status_code == 404
    assert site.client("admin").get("/finance/evaluation/report?year=2027").status_code == 403


def test_the_pilot_is_the_sum_of_its_years(site: Site) -> None:
    approved_hours(site)
    with site.database.transaction() as session:
        years = evaluation_report.pilot_years(session)
        pilot = evaluation_report.report(session, site.clock.now(), years)
        each = [evaluation_report.report(session, site.clock.now(), [year]) for year in years]
    assert years == (2027, 2028)
    for column, total in pilot.totals.items():
        assert total == sum(year.totals.get(column, 0) for year in each), column


def line(name: str, violations: int) -> MunicipalityLine:
    return MunicipalityLine(
        name, 0, 0, 0, 0, 0, 0, 0, {}, 0, 0, 0, 0, 0, 0, Count(violations), Count(0), Count(0)
    )


def test_small_counts_are_hidden_and_one_hidden_cell_never_follows_from_the_total() -> None:
    shown = evaluation_report._hidden([line("A", 3), line("B", 7), line("C", 12), line("D", 0)])
    assert [(c.violations.value, c.violations.hidden) for c in shown] == [
        (3, True),
        (7, True),
        (12, False),
        (0, False),
    ]
    assert [evaluation_report.shown(c.violations) for c in shown] == ["< 5", "< 5", "12", "0"]
    assert evaluation_report.total_shown(22) == "22" and evaluation_report.total_shown(3) == "< 5"
    two_small = evaluation_report._hidden([line("A", 3), line("B", 2), line("C", 9)])
    assert [c.violations.hidden for c in two_small] == [True, True, False]


def test_staffing_counts_how_fast_and_why_call_outs_were_never_staffed(site: Site) -> None:
    zone = team_zone()
    with site.database.transaction() as session:
        place, people = _place_and_people(session)
        before = evaluation_report.report(session, site.clock.now(), [2027]).staffing
        made = datetime(2027, 2, 1, 12, 0, tzinfo=zone)
        for minutes in (10, 20, 30, 40, 50, 60, 70, 80, 90, 300):
            _callout(session, place, made, CalloutStatus.FILLED, filled_after=minutes)
        _callout(session, place, made, CalloutStatus.UNSTAFFED, accepted=people[:1])
        _callout(session, place, made, CalloutStatus.UNSTAFFED, reminded=people[:2])
        _callout(session, place, made, CalloutStatus.CANCELLED)
        staffing = evaluation_report.report(session, site.clock.now(), [2027]).staffing
    assert before.created == before.filled == 1, "the demo's call-out of 2027"
    assert (staffing.created, staffing.filled) == (1 + 13, 1 + 10)
    mine = [m for m in staffing.minutes_to_pair]
    mine.remove(before.minutes_to_pair[0])
    assert mine == [10, 20, 30, 40, 50, 60, 70, 80, 90, 300]
    assert staffing.p90 == sorted(staffing.minutes_to_pair)[9], "nearest rank: the 10th of 11"
    assert (staffing.cancelled_before_pair, staffing.nobody_accepted, staffing.one_accepted) == (
        before.cancelled_before_pair + 1,
        before.nobody_accepted + 1,
        before.one_accepted + 1,
    )
    assert (staffing.never_staffed - before.never_staffed, staffing.reminders - before.reminders) == (3, 2)


def _place_and_people(session):  # type: ignore[no-untyped-def]
    place = session.execute(select(Municipality.id).where(Municipality.name == "Heerenveen")).scalar_one()
    return place, [i.id for i in session.execute(select(Inspector).order_by(Inspector.id)).scalars()]


def _callout(
    session,
    place: int,
    made: datetime,
    status: CalloutStatus,
    *,  # type: ignore[no-untyped-def]
    filled_after: int | None = None,
    accepted: list[int] = (),
    reminded: list[int] = (),
) -> None:
    shift = Shift(
        kind=ShiftKind.CALLOUT,
        municipality_id=place,
        starts_at=made + timedelta(hours=2),
        ends_at=made + timedelta(hours=10),
        status=ShiftStatus.PLANNED,
        created_at=made,
    )
    session.add(shift)
    session.flush()
    session.add(
        Callout(
            shift_id=shift.id,
            source=CalloutSource.MMA,
            status=status,
            created_by="web:coordinator",
            created_at=made,
            filled_at=made + timedelta(minutes=filled_after) if filled_after is not None else None,
        )
    )
    for person in accepted:
        session.add(Offer(shift_id=shift.id, inspector_id=person, status=OfferStatus.ACCEPTED, sent_at=made))
    for person in reminded:
        session.add(
            Offer(
                shift_id=shift.id,
                inspector_id=person,
                status=OfferStatus.DECLINED,
                sent_at=made,
                reminded_at=made + timedelta(minutes=30),
            )
        )
    session.flush()


def test_the_median_and_the_ninetieth_percentile_are_read_from_the_minutes() -> None:
    staffing = evaluation_report.Staffing(
        10, 10, [10, 20, 30, 40, 50, 60, 70, 80, 90, 100], 0, 0, 0, 0, 0, 0, 0
    )
    assert (staffing.median, staffing.p90) == (55, 90)
    assert evaluation_report.Staffing(0, 0, [], 0, 0, 0, 0, 0, 0, 0).p90 is None


def test_the_report_counts_missed_check_outs_alarms_and_what_happened_without_names(site: Site) -> None:
    alert_id = missed_alert(site)  # a pair in Leeuwarden that did not check out
    with site.database.transaction() as session:
        safety_ladder.resolve(session, site.clock.now(), alert_id, "web:coordinator", AlertOutcome.ALL_WELL)
        found = evaluation_report.report(session, site.clock.now(), [2027])
        counted = safety.summary(session, date(2027, 1, 1), date(2027, 12, 31))
    (leeuwarden,) = [line for line in found.lines if line.name == "Leeuwarden"]
    assert leeuwarden.missed_checkouts == Count(1, hidden=True), "one alert could point to the pair"
    assert found.totals["missed_checkouts"] == sum(c.missed_checkouts for c in counted.values()) == 1
    assert found.alerts_resolved == {"all_well": 1}
    client = site.client("finance")
    page = client.get("/finance/evaluation/report", query_string={"year": "2027", **SHARE}).text
    assert "Veiligheid van het koppel" in page and "Gebeld, alles goed" in page
    workbook = client.get("/finance/evaluation/report.xlsx", query_string={"year": "2027", **SHARE})
    sheet = openpyxl.load_workbook(io.BytesIO(workbook.data))["Veiligheid"]
    rows = {row[0]: row[1:] for row in sheet.iter_rows(min_row=4, values_only=True) if row and row[0]}
    assert rows["Leeuwarden"][0] == "< 5" and rows["Totaal"][0] == "< 5"
    assert rows["Meldingen afgehandeld"][0] == 1

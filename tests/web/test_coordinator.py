"""The coordinator's evening: a tip comes in, she makes a call-out, watches it fill, closes the hours."""

from __future__ import annotations

import html
import re
from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from backend.models import (
    Callout,
    CalloutStatus,
    HourEntry,
    Municipality,
    Offer,
    OfferStatus,
    Report,
    ReportStatus,
    Shift,
    ShiftKind,
    ShiftStatus,
)
from backend.services import callouts, ledger, settlement
from backend.services.exports import LEDGER_HEADER, LedgerFilter, ledger_rows
from scheduling.calendar import local_day_start, local_instant, team_zone
from tests.support.web import TIP, make_callout, municipality, record_week
from tests.web.conftest import Site


def test_a_call_out_from_the_web_is_offered_and_the_board_shows_it_fill(site: Site) -> None:
    client = site.client("coordinator")
    callout_id = make_callout(site, client)
    board = client.get("/coordinator/board").text
    assert f'id="callout-{callout_id}" data-status="open"' in board
    assert "Dorpsstraat" not in board, "the board never shows the address"
    with site.database.transaction() as session:
        shift_id = session.get_one(Callout, callout_id).shift_id
        offers = list(session.execute(select(Offer).where(Offer.shift_id == shift_id)).scalars())
        assert offers, "offered to the eligible inspectors"
        for offer in offers:
            callouts.answer_offer(
                session, site.clock.now(), offer.inspector_id, offer.id, offer.version, True
            )
            if session.get_one(Callout, callout_id).status is CalloutStatus.FILLED:
                break
    board = client.get("/coordinator/board").text
    assert f'id="callout-{callout_id}" data-status="filled"' in board
    assert board.count('class="status-accepted"') >= 2
    # Filled: those who did not answer are a count, no longer a list of names to phone.
    assert 'class="status-pending"' not in board and 'class="status-withdrawn"' not in board
    assert re.search(r'data-field="silent">\d+ anderen kregen het aanbod en antwoordden niet', board)


def test_a_wrong_form_says_which_field_and_makes_nothing(site: Site) -> None:
    client = site.client("coordinator")
    with site.database.transaction() as session:
        before = session.execute(select(func.count(Callout.id))).scalar_one()
    response = client.post(
        "/coordinator/callouts/new", data={**TIP, "municipality_id": "abc", "location": ""}
    )
    assert response.status_code == 422
    assert "municipality_id" in response.text and "location" in response.text
    assert ">achteringang</textarea>" in response.text, "what was typed is kept"
    past = client.post(
        "/coordinator/callouts/new",
        data={**TIP, "day": "2027-03-01", "municipality_id": municipality(site, "Smallingerland")},
    )
    assert past.status_code == 422
    with site.database.transaction() as session:
        assert session.execute(select(func.count(Callout.id))).scalar_one() == before


def test_cancelling_from_the_board_withdraws_the_offers(site: Site) -> None:
    client = site.client("coordinator")
    callout_id = make_callout(site, client)
    assert client.post(f"/coordinator/callouts/{callout_id}/cancel").status_code == 302
    with site.database.transaction() as session:
        callout = session.get_one(Callout, callout_id)
        assert callout.status is CalloutStatus.CANCELLED
        statuses = session.execute(select(Offer.status).where(Offer.shift_id == callout.shift_id)).scalars()
        assert set(statuses) == {OfferStatus.WITHDRAWN}
    assert client.post("/coordinator/callouts/999999/cancel").status_code == 404


def test_a_week_of_hours_is_approved_in_one_go_and_then_closed(site: Site) -> None:
    client = site.client("coordinator")
    ids = record_week(site)
    page = client.get("/coordinator/hours?period_start=2027-03-01&period_end=2027-03-07").text
    assert all(f'name="entry_ids" value="{i}"' in page for i in ids)
    assert "4:00" in page and "3:00" in page and "1:00" in page, "band minutes of a Tuesday 14-23 are shown"
    week = {"period_start": "2027-03-01", "period_end": "2027-03-07"}
    refused = client.post("/coordinator/periods/lock", data=week)
    assert refused.status_code == 422, "not while hours wait"
    approved = client.post(
        "/coordinator/hours/approve", data={"entry_ids": [str(i) for i in ids], "back": "/coordinator/hours"}
    )
    assert approved.status_code == 302
    assert client.post("/coordinator/periods/lock", data=week).status_code == 302
    with site.database.transaction() as session:
        assert all(ledger.is_approved(session, i) for i in ids)
        assert [(lock.period_start, lock.period_end) for lock in ledger.locks(session)] == [
            (date(2027, 3, 1), date(2027, 3, 7))
        ]


def test_a_written_report_is_marked_reviewed(site: Site) -> None:
    client = site.client("coordinator")
    with site.database.transaction() as session:
        shift = session.execute(select(Shift).order_by(Shift.id)).scalars().first()
        assert shift is not None
        report = Report(
            shift_id=shift.id, writer_id=2, status=ReportStatus.WRITTEN, written_at=site.clock.now()
        )
        session.add(report)
        session.flush()
        report_id = report.id
    assert "Markeer als beoordeeld" in client.get("/coordinator/reports").text
    assert client.post(f"/coordinator/reports/{report_id}/review").status_code == 302
    with site.database.transaction() as session:
        assert session.get_one(Report, report_id).status is ReportStatus.REVIEWED


def test_the_calendar_shows_the_month_with_its_pairs(site: Site) -> None:
    client = site.client("coordinator")
    page = client.get("/coordinator/calendar?month=2027-03").text
    assert "<h1>Kalender maart 2027</h1>" in page and "controle" in page
    assert client.get("/coordinator/calendar?month=garbage").status_code == 200


def test_the_coordinator_corrects_an_entry_and_the_old_one_stays_reversed(site: Site) -> None:
    client = site.client("coordinator")
    first, _ = record_week(site)
    form = client.get(f"/coordinator/hours/{first}/correct").text
    assert 'value="14:00"' in form and 'value="23:00"' in form
    assert 'name="break_start" value="18:00"' in form and 'name="break_end" value="19:00"' in form
    missing_reason = client.post(
        f"/coordinator/hours/{first}/correct",
        data={
            "day": "2027-03-02",
            "start": "14:00",
            "end": "22:00",
            "break_start": "18:00",
            "break_end": "18:30",
        },
    )
    assert missing_reason.status_code == 422 and "reason" in missing_reason.text
    done = client.post(
        f"/coordinator/hours/{first}/correct",
        data={
            "day": "2027-03-02",
            "start": "14:00",
            "end": "22:00",
            "break_start": "16:00",
            "break_end": "16:30",
            "reason": "eerder klaar",
        },
    )
    assert done.status_code == 302
    with site.database.transaction() as session:
        assert ledger.is_reversed(session, first)
        lines = ledger.pending(session, date(2027, 3, 1), date(2027, 3, 7))
        assert first not in [line.entry.id for line in lines], "the new version is listed, not the old"
        corrected = session.execute(select(HourEntry).order_by(HourEntry.id.desc()).limit(1)).scalar_one()
        # 14:00-22:00 with the break at 16:00-16:30: 3:30 plain, all four hours of 18:00-22:00 at 20%.
        assert (corrected.plain_minutes, corrected.weekday_20_minutes, corrected.break_minutes) == (
            210,
            240,
            30,
        )
    assert client.get(f"/coordinator/hours/{first}/correct").status_code == 200
    again = client.post(
        f"/coordinator/hours/{first}/correct",
        data={
            "day": "2027-03-02",
            "start": "14:00",
            "end": "21:00",
            "reason": "nog eens",
        },
    )
    assert again.status_code == 422, "a reversed entry cannot be corrected twice"


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        (
            {"break_start": "16:00"},
            '<input type="time" name="break_end" value="">'
            '<span class="field-problem" role="alert">Geef een tijd',
        ),
        ({"break_start": "23:30", "break_end": "23:45"}, "een pauze moet binnen de dienst vallen"),
        (
            {"break_start": "16:00", "break_end": "17:00", "break2_start": "16:30", "break2_end": "17:30"},
            "pauzes mogen niet overlappen",
        ),
    ],
)
def test_a_break_that_cannot_be_is_refused_and_the_entry_kept(
    site: Site, fields: dict[str, str], problem: str
) -> None:
    client = site.client("coordinator")
    first, _ = record_week(site)
    refused = client.post(
        f"/coordinator/hours/{first}/correct",
        data={"day": "2027-03-02", "start": "14:00", "end": "23:00", "reason": "pauze", **fields},
    )
    assert refused.status_code == 422 and problem in refused.text
    assert f'value="{fields["break_start"]}"' in refused.text, "what was typed is shown again"
    with site.database.transaction() as session:
        assert not ledger.is_reversed(session, first)


def test_a_night_shifts_break_after_midnight_and_a_second_break(site: Site) -> None:
    client = site.client("coordinator")
    first, _ = record_week(site)
    done = client.post(
        f"/coordinator/hours/{first}/correct",
        data={
            "day": "2027-03-02",
            "start": "20:00",
            "end": "04:00",
            "break_start": "21:00",
            "break_end": "21:15",
            "break2_start": "01:00",
            "break2_end": "01:30",
            "reason": "nachtdienst",
        },
    )
    assert done.status_code == 302
    with site.database.transaction() as session:
        corrected = session.execute(select(HourEntry).order_by(HourEntry.id.desc()).limit(1)).scalar_one()
        assert [(f"{b.starts_at.astimezone(team_zone()):%d %H:%M}") for b in corrected.breaks] == [
            "02 21:00",
            "03 01:00",
        ]
        # 20:00-22:00 at 20% less 15 min, 22:00-04:00 at 40% less 30 min.
        assert (corrected.weekday_20_minutes, corrected.weekday_40_minutes, corrected.worked_minutes) == (
            105,
            330,
            435,
        )
        corrected_id = corrected.id
    form = client.get(f"/coordinator/hours/{corrected_id}/correct").text
    assert 'name="break2_start" value="01:00"' in form and 'name="break3_start"' in form


def test_a_correction_the_core_cannot_count_is_refused_in_dutch_and_changes_nothing(site: Site) -> None:
    client = site.client("coordinator")
    first, _ = record_week(site)
    refused = client.post(
        f"/coordinator/hours/{first}/correct",
        data={
            "day": "2030-03-12",
            "start": "14:00",
            "end": "23:00",
            "break_start": "18:00",
            "break_end": "19:00",
            "reason": "typfout",
        },
    )
    assert refused.status_code == 422
    assert "geen ORT-tabel geldt op 2030-03-12; ingesteld: 2016-2027" in refused.text
    with site.database.transaction() as session:
        assert not ledger.is_reversed(session, first), "the reversal is not written before the refusal"


def approved_minutes(site: Site) -> int:
    with site.database.transaction() as session:
        worked = LEDGER_HEADER.index("worked_minutes")
        march = LedgerFilter(date(2027, 3, 1), date(2027, 3, 31), approved_only=True)
        return sum(row[worked] for row in ledger_rows(session, march))


def test_a_corrected_unapproved_entry_waits_as_one_line_and_approving_it_counts_the_corrected_hours(
    site: Site,
) -> None:
    """Break 60 -> 45 on a waiting 14:00-23:00: the approved week must hold 8:15 for it, not 0:15."""
    client = site.client("coordinator")
    first, second = record_week(site)
    done = client.post(
        f"/coordinator/hours/{first}/correct",
        data={
            "day": "2027-03-02",
            "start": "14:00",
            "end": "23:00",
            "break_start": "18:00",
            "break_end": "18:45",
            "reason": "kortere pauze",
        },
    )
    assert done.status_code == 302
    assert approved_minutes(site) == 0, "a correction of waiting hours is not an approval"
    page = client.get("/coordinator/hours?period_start=2027-03-01&period_end=2027-03-07").text
    ticked = re.findall(r'name="entry_ids" value="(\d+)"', page)
    assert len(ticked) == 2 and str(first) not in ticked and str(second) in ticked, "one line per entry"
    assert "8:15" in page and "gecorrigeerd" in page and "kortere pauze" in page
    week = {"period_start": "2027-03-01", "period_end": "2027-03-07"}
    assert client.post("/coordinator/periods/lock", data=week).status_code == 422, "not while hours wait"
    client.post("/coordinator/hours/approve", data={"entry_ids": ticked, "back": "/coordinator/hours"})
    assert approved_minutes(site) == 495 + 480
    assert client.post("/coordinator/periods/lock", data=week).status_code == 302
    finance = site.client("finance")
    shown = finance.get("/finance/settlement", query_string={"year": 2027, "mode": "actual"})
    assert shown.status_code == 200
    with site.database.transaction() as session:
        actual = settlement.settle(session, 2027, 1, "actual")
        assert actual.totals["minutes"] == 495 + 480, "the settlement counts what was approved"


def test_a_correction_of_approved_hours_is_approved_at_once(site: Site) -> None:
    client = site.client("coordinator")
    first, second = record_week(site)
    client.post("/coordinator/hours/approve", data={"entry_ids": [str(first), str(second)]})
    client.post(
        f"/coordinator/hours/{first}/correct",
        data={
            "day": "2027-03-02",
            "start": "14:00",
            "end": "23:00",
            "break_start": "18:00",
            "break_end": "18:45",
            "reason": "pauze",
        },
    )
    assert approved_minutes(site) == 495 + 480
    page = client.get("/coordinator/hours?period_start=2027-03-01&period_end=2027-03-07").text
    assert 'name="entry_ids"' not in page, "nothing of it waits"


def first_shift_ahead(site: Site, start: date, end: date) -> tuple[str, datetime]:
    with site.database.transaction() as session:
        after = local_day_start(end + timedelta(days=1))
        shift = (
            session.execute(
                select(Shift)
                .where(
                    Shift.starts_at >= local_day_start(start),
                    Shift.starts_at < after,
                    Shift.ends_at > site.clock.now(),
                    Shift.status != ShiftStatus.CANCELLED,
                )
                .order_by(Shift.starts_at)
            )
            .scalars()
            .first()
        )
        assert shift is not None
        return session.get_one(Municipality, shift.municipality_id).name, shift.starts_at


def test_a_week_that_has_not_ended_is_not_closed_and_the_page_names_the_shift_still_ahead(site: Site) -> None:
    """Tuesday 9 March: closing 8-14 March is refused in Dutch beside the form, what was typed kept."""
    client = site.client("coordinator")
    with site.database.transaction() as session:
        place = session.execute(select(Municipality.id).where(Municipality.name == "Heerenveen")).scalar_one()
        session.add(
            Shift(
                kind=ShiftKind.CONTROL,
                municipality_id=place,
                created_at=site.clock.now(),
                starts_at=local_instant(date(2027, 3, 11), time(14)),
                ends_at=local_instant(date(2027, 3, 11), time(23)),
            )
        )
    name, starts_at = first_shift_ahead(site, date(2027, 3, 8), date(2027, 3, 14))
    refused = client.post(
        "/coordinator/periods/lock", data={"period_start": "2027-03-08", "period_end": "2027-03-14"}
    )
    assert refused.status_code == 422
    page = html.unescape(refused.text)
    close_form = page[page.index('action="/coordinator/periods/lock"') :]
    assert 'value="2027-03-08"' in close_form and 'value="2027-03-14"' in close_form, "what was typed is kept"
    assert "nog niet voorbij" in close_form and name in close_form, "the refusal stands next to the form"
    assert f"{starts_at.astimezone(team_zone()):%H:%M}" in close_form
    with site.database.transaction() as session:
        assert ledger.locks(session) == []


def test_finance_is_refused_on_the_ledger_page_and_closes_a_past_month_there(site: Site) -> None:
    client = site.client("finance")
    refused = client.post(
        "/coordinator/periods/lock", data={"period_start": "2027-03-01", "period_end": "2027-03-31"}
    )
    assert refused.status_code == 422 and "nog niet voorbij" in html.unescape(refused.text)
    assert 'value="2027-03-31"' in refused.text
    done = client.post(
        "/coordinator/periods/lock", data={"period_start": "2027-02-01", "period_end": "2027-02-28"}
    )
    assert done.status_code == 302 and done.headers["Location"].startswith("/finance/ledger")

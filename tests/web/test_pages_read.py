"""What the pages show can be read without guessing: where each proposed pair goes, numbers, dates and
counts as the language writes them, who did what by name."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime

from flask import render_template_string
from sqlalchemy import func, select

from backend.models import Inspector, OfferStatus
from backend.web import i18n
from tests.support.web import municipality, record_week
from tests.web.conftest import Site, book


def test_the_proposal_names_the_municipality_of_each_day(site: Site) -> None:
    client = site.client("coordinator")
    places = ("Heerenveen", "Smallingerland", "Opsterland")
    for place in places:
        made = client.post(
            "/coordinator/planning/days",
            data={"municipality_id": municipality(site, place), "day": "2027-04-20"},
        )
        assert made.status_code == 302
    page = html.unescape(client.get("/coordinator/planning?month=2027-04&propose=1").text)
    proposal = page[page.index("<th>Voorgesteld koppel</th>") :]
    rows = re.findall(r"<tr[^>]*><td>([^<]*)</td><td>([^<]*)</td>", proposal)
    assert sorted(place for _, place in rows) == sorted(places)
    assert all(when.startswith("di 20 apr 14:00–23:00") for when, _ in rows)


def test_numbers_and_shares_are_written_the_way_the_language_writes_them(shared_site: Site) -> None:
    client = shared_site.client("finance")
    dutch = html.unescape(client.get("/finance/settlement?year=2027").text)
    assert ">52.235</td>" in dutch and ">8,86%</td>" in dutch and ">100,00%</td>" in dutch
    client.set_cookie("piket_lang", "en")
    english = html.unescape(client.get("/finance/settlement?year=2027").text)
    assert ">52,235</td>" in english and ">8.86%</td>" in english


def test_a_moment_carries_its_year_when_it_is_not_this_year(shared_site: Site) -> None:
    with shared_site.app.test_request_context("/"):
        assert i18n.when(datetime(2027, 12, 1, 21, 16, tzinfo=UTC)) == "wo 1 dec 22:16"
        assert i18n.when(datetime(2028, 12, 1, 21, 16, tzinfo=UTC)) == "vr 1 dec 2028 22:16"
        assert i18n.when(datetime(2027, 12, 1, 21, 16, tzinfo=UTC), year=True) == "wo 1 dec 2027 22:16"
        assert i18n.month(date(2026, 12, 1)) == "december 2026"


def test_people_and_accounts_are_named_as_a_person_reads_them(shared_site: Site) -> None:
    with shared_site.app.test_request_context("/"):
        assert [i18n.actor(a) for a in ("web:coordinator", "api:3", "bot", "system")] == [
            "coordinator",
            "API-token 3",
            "de bot",
            "piket zelf",
        ]


def test_one_approved_entry_is_one_regel(site: Site) -> None:
    client = site.client("coordinator")
    first, _ = record_week(site)
    client.post("/coordinator/hours/approve", data={"entry_ids": [first]})
    assert "1 regel goedgekeurd." in html.unescape(client.get("/coordinator/hours").text)


def test_the_boards_count_of_waiting_hours_leads_to_a_list_of_as_many(site: Site) -> None:
    record_week(site)
    heerenveen = municipality(site, "Heerenveen")
    with site.database.transaction() as session:
        first = session.execute(select(func.min(Inspector.id)).where(~Inspector.is_coordinator)).scalar_one()
        book(session, site, first, heerenveen, date(2027, 2, 15))
    client = site.client("coordinator")
    board = html.unescape(client.get("/coordinator/board").text)
    link = re.search(r'<a href="([^"]+)">3 urenregels goed te keuren</a>', board)
    assert link is not None
    hours = client.get(link.group(1)).text
    assert hours.count('name="entry_ids"') == 3


def test_designations_name_the_inspector(shared_site: Site) -> None:
    page = html.unescape(shared_site.client("admin").get("/admin").text)
    designations = page[page.index("<h2>Aanwijzingen</h2>") :]
    assert not re.search(r"<td>#\d+</td>", designations)
    assert "<td>Sjoerd Dijkstra</td>" in designations


def test_the_star_after_a_name_is_explained(shared_site: Site) -> None:
    page = html.unescape(shared_site.client("coordinator").get("/coordinator/planning?month=2027-03").text)
    assert "* opgeleid: een koppel heeft minstens één opgeleide toezichthouder nodig." in page


def test_clock_times_end_with_tot_and_days_with_tot_en_met(shared_site: Site) -> None:
    client = shared_site.client("coordinator")
    for path in ("/coordinator/callouts/new", "/coordinator/planning?month=2027-03"):
        page = html.unescape(client.get(path).text)
        assert re.search(r'<label>Tot <input type="time" name="end"', page), path
        assert not re.search(r'Tot en met <input type="time"', page), path
    leave = html.unescape(client.get("/coordinator/leave").text)
    assert re.search(r'<label>Tot en met <input type="date" name="last"', leave)


def test_gender_is_a_word_in_either_language(shared_site: Site) -> None:
    client = shared_site.client("admin")
    options = "".join(rf'<option value="{code}">(\w+)</option>' for code in "fmx")
    dutch = html.unescape(client.get("/admin").text)
    assert "<label>Geslacht <select" in dutch
    assert re.findall(options, dutch) == [("vrouw", "man", "anders")]
    client.set_cookie("piket_lang", "en")
    assert re.findall(options, html.unescape(client.get("/admin").text)) == [("woman", "man", "other")]


def test_the_evaluation_names_the_months_of_the_call_outs(shared_site: Site) -> None:
    client = shared_site.client("finance")
    dutch = html.unescape(client.get("/finance/evaluation?year=2027").text)
    by_month = dutch[dutch.index("<h2>Oproepen per bron en maand</h2>") :]
    assert "<tr><td>maart 2027</td>" in by_month and "2027-03" not in by_month
    client.set_cookie("piket_lang", "en")
    assert "<tr><td>March 2027</td>" in html.unescape(client.get("/finance/evaluation?year=2027").text)


def test_the_board_counts_only_the_hours_the_coordinator_approves(site: Site) -> None:
    record_week(site)
    heerenveen = municipality(site, "Heerenveen")
    with site.database.transaction() as session:
        own = session.execute(select(func.min(Inspector.id)).where(Inspector.is_coordinator)).scalar_one()
        book(session, site, own, heerenveen, date(2027, 3, 3))
    board = html.unescape(site.client("coordinator").get("/coordinator/board").text)
    assert "2 urenregels goed te keuren" in board, "her own line is finance's to approve"


def test_a_stored_value_is_a_word_in_the_pages_language_and_never_markup(shared_site: Site) -> None:
    value = "{{ value|value_name }}"
    with shared_site.app.test_request_context("/"):
        assert i18n.value_name(OfferStatus.ACCEPTED) == i18n.value_name("accepted") == "geaccepteerd"
        assert i18n.value_name("not_a_value") == "not_a_value"  # shown as stored, not hidden
        assert render_template_string(value, value="<b>") == "&lt;b&gt;"
    with shared_site.app.test_request_context("/", headers={"Cookie": "piket_lang=en"}):
        assert render_template_string(value, value=OfferStatus.ACCEPTED) == "accepted"

"""Refusals on the pages: in the reader's language, next to the field, the form as it was typed, and
advice on what to do; the bare 422 answer is the API's. Services name their refusals with codes that
the web's catalog words."""

from __future__ import annotations

import ast
import html
import re
from pathlib import Path

import pyotp
from sqlalchemy import func, select

from backend.models import Role, Shift
from backend.services import accounts, offers
from backend.web import problems
from tests.support.source import syntax_trees
from tests.support.web import TIP, municipality, plan_day, token
from tests.web.conftest import Site

FIELD_PROBLEM = re.compile(r'<span class="field-problem" role="alert">([^<]*)</span>')
NOTICE = re.compile(r'<p class="problem" role="alert">([^<]*)</p>')


def test_a_call_out_in_the_past_is_refused_in_dutch_at_its_end_with_the_form_as_typed(site: Site) -> None:
    client = site.client("coordinator")
    past = client.post(
        "/coordinator/callouts/new",
        data={**TIP, "day": "2027-03-01", "municipality_id": municipality(site, "Smallingerland")},
    )
    assert past.status_code == 422
    page = html.unescape(past.text)
    assert (
        'name="end" value="23:00" required><span class="field-problem" role="alert">Deze tijd is al '
        "voorbij; kies een einde in de toekomst." in page
    )
    assert 'value="2027-03-01"' in page and "ends_at" not in page and "already passed" not in page


def test_wrong_input_says_what_to_do_in_the_language_of_the_page(site: Site) -> None:
    client = site.client("coordinator")
    data = {**TIP, "municipality_id": "abc", "location": "ab"}
    dutch = html.unescape(client.post("/coordinator/callouts/new", data=data).text)
    assert FIELD_PROBLEM.findall(dutch) == ["Geef een heel getal.", "Geef minstens 3 tekens."]
    client.set_cookie("piket_lang", "en")
    english = html.unescape(client.post("/coordinator/callouts/new", data=data).text)
    assert FIELD_PROBLEM.findall(english) == ["Give a whole number.", "Give at least 3 characters."]


def test_a_wrong_year_in_the_address_shows_this_years_settlement_and_says_what_was_wrong(site: Site) -> None:
    page = site.client("finance").get("/finance/settlement?year=abc")
    assert page.status_code == 200
    assert NOTICE.findall(html.unescape(page.text)) == ["Jaar: Geef een heel getal."]
    assert "valid integer" not in page.text


def test_someone_who_may_not_go_is_refused_back_on_the_planning_page_with_the_reason(site: Site) -> None:
    client = site.client("coordinator")
    first_day = plan_day(site, client)
    assert (
        client.post(
            "/coordinator/planning/days",
            data={"municipality_id": municipality(site, "Smallingerland"), "day": "2027-04-20"},
        ).status_code
        == 302
    )
    with site.database.transaction() as session:
        second_day = session.execute(select(func.max(Shift.id))).scalar_one()
        someone = offers.candidates(
            session,
            site.clock.now(),
            session.get_one(Shift, first_day),
            ignore_unavailable=True,
            excluding=(),
        )[0].inspector_id
    add = {"inspector_id": someone, "action": "add"}
    assert client.post(f"/coordinator/planning/shifts/{first_day}/people", data=add).status_code == 302
    planning = "/coordinator/planning?month=2027-04"
    refused = client.post(
        f"/coordinator/planning/shifts/{second_day}/people",
        data=add,
        headers={"Referer": f"http://localhost{planning}"},
    )
    assert refused.status_code == 303 and refused.headers["Location"] == planning
    shown = NOTICE.findall(html.unescape(client.get(planning).text))
    assert len(shown) == 1 and shown[0].startswith(
        "Toezichthouder: Deze toezichthouder mag niet op deze dag (is op dat moment al ingedeeld"
    )
    assert shown[0].endswith("). Kies iemand anders.")


def test_without_a_page_to_go_back_to_the_refusal_is_a_page_in_dutch(site: Site) -> None:
    client = site.client("coordinator")
    refused = client.post("/coordinator/reports/999999/review")
    assert refused.status_code == 404
    assert "Terug naar het begin" in refused.text


def test_the_api_keeps_the_refusals_code_and_its_plain_english(site: Site) -> None:
    client, headers = site.app.test_client(), {"Authorization": f"Bearer {token(site, Role.COORDINATOR)}"}
    answer = client.post(
        "/api/v1/callouts",
        headers=headers,
        json={**TIP, "day": "2027-03-01", "municipality_id": municipality(site, "Smallingerland")},
    )
    assert answer.status_code == 422
    assert (answer.json["code"], answer.json["field"], answer.json["message"]) == (
        "window_passed",
        "ends_at",
        "the window has already passed",
    )


def test_every_refusal_a_service_names_has_words_on_the_pages() -> None:
    services = Path(problems.__file__).parent.parent / "services"
    named = set()
    for source, tree in syntax_trees(sorted(services.rglob("*.py"))).items():
        named |= set(re.findall(r'\bcode="(\w+)"', source.read_text(encoding="utf-8")))
        named |= {
            call.args[2].value
            for call in ast.walk(tree)  # NotFound(field, message, code)
            if isinstance(call, ast.Call)
            and getattr(call.func, "id", "") == "NotFound"
            and len(call.args) > 2
            and isinstance(call.args[2], ast.Constant)
        }
    assert {"no_plan", "no_entry"} <= named
    assert len(named) > 20
    assert sorted(named - set(problems.REFUSALS)) == []


def test_a_services_own_words_with_a_figure_are_shown_in_the_pages_language(site: Site) -> None:
    """A refusal the page has no advice of its own for is the service's message id, translated with
    its parameters (it used to show in English on a Dutch page)."""
    with site.database.transaction() as session:
        _, one_time = accounts.create_web_user(session, site.clock.now(), "test", "finance3", Role.FINANCE)
    client = site.client()
    client.log_in("finance3", one_time, "")
    page = client.get("/setup")
    secret = re.search(r'id="totp-secret">([A-Z0-9]+)<', page.text).group(1)  # type: ignore[union-attr]
    client.csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    short = {"password": "short", "password_again": "short", "code": pyotp.TOTP(secret).at(site.clock.now())}
    assert NOTICE.findall(html.unescape(client.post("/setup", data=short).text)) == [
        "een wachtwoord heeft minstens 12 tekens"
    ]
    client.set_cookie("piket_lang", "en")
    differ = {**short, "password_again": "other"}
    assert NOTICE.findall(html.unescape(client.post("/setup", data=differ).text)) == [
        "the two passwords differ"
    ]

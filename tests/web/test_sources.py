"""The call-out form and the API offer and take the sources of the team's profile."""

from __future__ import annotations

from sqlalchemy import select

from backend.models import Callout, CalloutSource, Municipality, Region, Role
from backend.services import accounts
from tests.web.conftest import Site

CALL_OUT = {"day": "2027-03-09", "start": "20:00", "end": "23:00", "location": "Dorpsstraat 1", "notes": ""}


def set_up(site: Site, sources: list[str] | None) -> int:
    with site.database.transaction() as session:
        session.execute(select(Region)).scalar_one().callout_sources = sources
        place = select(Municipality.id).where(Municipality.name == "Smallingerland")
        return session.execute(place).scalar_one()


def test_the_form_offers_todays_three_by_default_in_dutch(site: Site) -> None:
    page = site.client("coordinator").get("/coordinator/callouts/new").text
    assert [s in page for s in ("MMA-melding", "overlastmelding", "verzoek politie", "eigen waarneming")] == [
        True,
        True,
        True,
        False,
    ]


def test_the_form_offers_and_takes_the_profiles_sources_and_refuses_another_in_place(site: Site) -> None:
    place = set_up(site, ["own_observation", "care_worker"])
    client = site.client("coordinator")
    page = client.get("/coordinator/callouts/new").text
    assert page.index("eigen waarneming") < page.index("melding hulpverlening") and "MMA-melding" not in page
    refused = client.post(
        "/coordinator/callouts/new", data={**CALL_OUT, "source": "mma", "municipality_id": place}
    )
    assert refused.status_code == 422 and "profiel" in refused.text
    made = client.post(
        "/coordinator/callouts/new", data={**CALL_OUT, "source": "own_observation", "municipality_id": place}
    )
    assert made.status_code == 302
    with site.database.transaction() as session:
        newest = select(Callout.source).order_by(Callout.id.desc()).limit(1)
        assert session.execute(newest).scalar_one() is CalloutSource.OWN_OBSERVATION
    client.set_cookie("piket_lang", "en")
    english = client.get("/coordinator/callouts/new").text
    assert "own observation" in english and "eigen waarneming" not in english


def test_the_api_refuses_a_source_the_profile_does_not_list_naming_the_field(site: Site) -> None:
    place = set_up(site, ["police"])
    with site.database.transaction() as session:
        _, token = accounts.create_api_token(
            session, site.clock.now(), "test", "api", Role.COORDINATOR, False
        )
    body = {
        "municipality_id": place,
        "source": "nuisance",
        "day": "2027-03-09",
        "start": "20:00",
        "end": "23:00",
        "location": "Dorpsstraat 1",
    }
    answer = site.app.test_client().post(
        "/api/v1/callouts", headers={"Authorization": f"Bearer {token}"}, json=body
    )
    assert answer.status_code == 422 and answer.json["field"] == "source"

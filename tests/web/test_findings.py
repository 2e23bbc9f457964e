"""The coordinator records what a control found on the web and through the API (counts per numbered
address, police, partners), is warned when a call-out's address was controlled recently and may go
ahead, and the evaluation page shows the addresses against the plan."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from backend.models import (
    AddressFinding,
    Callout,
    ControlRecord,
    Municipality,
    Outcome,
    Role,
    Shift,
    ShiftKind,
)
from backend.services import findings
from tests.support.web import TIP, municipality, token
from tests.web.conftest import Site

TMM = "Politie Noord-Nederland, Team Migratiecriminaliteit en Mensenhandel (TMM)"


def ended_control(site: Site, place: str = "Leeuwarden") -> int:
    """A control day that ended last night."""
    place_id = municipality(site, place)
    with site.database.transaction() as session:
        starts_at = site.clock.now() - timedelta(hours=23)
        shift = Shift(
            kind=ShiftKind.CONTROL,
            municipality_id=place_id,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=9),
            created_at=starts_at,
        )
        session.add(shift)
        session.flush()
        return shift.id


@pytest.fixture
def coordinator_api(site: Site) -> Iterator[tuple[Any, dict[str, str]]]:
    yield site.app.test_client(), {"Authorization": f"Bearer {token(site, Role.COORDINATOR)}"}


def test_the_coordinator_records_a_control_day_on_the_page(site: Site) -> None:
    shift_id = ended_control(site)
    client = site.client("coordinator")
    listed = client.get("/coordinator/controls").text
    assert f"/coordinator/controls/{shift_id}/findings" in listed and "niet vastgelegd" in listed
    form = client.get(f"/coordinator/controls/{shift_id}/findings").text
    assert TMM in form and "Niemand aanwezig" in form
    harlingen = municipality(site, "Smallingerland")
    saved = client.post(
        f"/coordinator/controls/{shift_id}/findings",
        data={
            "is_with_police": "1",
            "partners": TMM,
            "a1_outcome": "nobody_present",
            "a1_municipality_id": municipality(site, "Leeuwarden"),
            "a2_outcome": "violation",
            "a2_municipality_id": harlingen,
            "a2_police_signal_at": "2027-03-08T21:30",
            "a2_care": "1",
            "a2_address": "Voorstraat 3",
            "a3_municipality_id": harlingen,
        },
    )  # no outcome: no address
    assert saved.status_code == 302, saved.text
    leeuwarden = municipality(site, "Leeuwarden")
    with site.database.transaction() as session:
        record = session.execute(select(ControlRecord).where(ControlRecord.shift_id == shift_id)).scalar_one()
        assert (record.is_with_police, record.partners) == (True, [TMM])
        lines = [(a.number, a.outcome.value, a.municipality_id, a.is_care_offered) for a in record.addresses]
        assert lines == [(1, "nobody_present", leeuwarden, False), (2, "violation", harlingen, True)]
        assert f"{record.addresses[1].police_signal_at:%H:%M}" == "20:30", "21:30 in winter is 20:30 UTC"
    again = client.get(f"/coordinator/controls/{shift_id}/findings").text
    assert 'value="2027-03-08T21:30"' in again and "Voorstraat" not in again


def test_a_wrong_line_is_shown_in_place_in_dutch_and_nothing_is_saved(site: Site) -> None:
    shift_id = ended_control(site)
    client = site.client("coordinator")
    refused = client.post(
        f"/coordinator/controls/{shift_id}/findings",
        data={
            "a1_outcome": "violation",
            "a1_municipality_id": municipality(site, "Leeuwarden"),
            "a1_police_signal_at": "2027-03-10T10:00",
        },
    )
    assert refused.status_code == 422
    assert "het signaal aan de politie ligt tussen het begin van de controle en nu" in refused.text
    wrong = client.post(f"/coordinator/controls/{shift_id}/findings", data={"a1_outcome": "arrested"})
    assert wrong.status_code == 422 and "Kies een van de mogelijkheden." in wrong.text  # in Dutch, not a code
    with site.database.transaction() as session:
        assert (
            session.execute(
                select(func.count(ControlRecord.id)).where(ControlRecord.shift_id == shift_id)
            ).scalar_one()
            == 0
        )


def test_a_call_out_for_a_recently_controlled_address_asks_before_it_is_made(site: Site) -> None:
    client = site.client("coordinator")
    place = municipality(site, "Smallingerland")
    first = client.post("/coordinator/callouts/new", data={**TIP, "municipality_id": place})
    assert first.status_code == 302
    warned = client.post(
        "/coordinator/callouts/new", data={**TIP, "municipality_id": place, "location": "dorpsstraat  1"}
    )
    assert warned.status_code == 200
    with site.database.transaction() as session:
        shift_id = session.execute(select(Callout.shift_id)).scalars().all()[-1]
    assert f"Dit adres is gecontroleerd op 9 maart (controle 2027-{shift_id:03d})." in warned.text
    assert 'name="go_ahead"' in warned.text
    made = client.post(
        "/coordinator/callouts/new",
        data={**TIP, "municipality_id": place, "location": "dorpsstraat  1", "go_ahead": "1"},
    )
    assert made.status_code == 302
    with site.database.transaction() as session:
        assert (
            session.execute(select(func.count(Callout.id)).where(Callout.shift_id >= shift_id)).scalar_one()
            == 2
        )


def test_the_api_records_findings_checks_addresses_and_says_so_when_making_a_call_out(
    site: Site, coordinator_api: tuple[Any, dict[str, str]]
) -> None:
    client, headers = coordinator_api
    shift_id = ended_control(site)
    with site.database.transaction() as session:
        leeuwarden = session.execute(
            select(Municipality.id).where(Municipality.name == "Leeuwarden")
        ).scalar_one()
    body = {
        "is_with_police": False,
        "partners": [TMM],
        "addresses": [
            {
                "municipality_id": leeuwarden,
                "outcome": "violation",
                "police_signal_at": "2027-03-08T22:00",
                "address": "Nieuwestad 12",
            },
            {"municipality_id": leeuwarden, "outcome": "no_violation", "is_care_offered": True},
        ],
    }
    saved = client.put(f"/api/v1/controls/{shift_id}/findings", headers=headers, json=body)
    assert saved.status_code == 200, saved.json
    assert saved.json["control"] == f"2027-{shift_id:03d}"
    assert [a["outcome"] for a in saved.json["addresses"]] == ["violation", "no_violation"]
    assert saved.json["addresses"][0]["police_signal_at"] == "2027-03-08T21:00:00Z"
    assert client.get(f"/api/v1/controls/{shift_id}/findings", headers=headers).json == saved.json
    wrong = client.put(
        f"/api/v1/controls/{shift_id}/findings", headers=headers, json={**body, "partners": ["de buurman"]}
    )
    assert (wrong.status_code, wrong.json["field"]) == (422, "partners")
    assert client.put("/api/v1/controls/999999/findings", headers=headers, json=body).status_code == 404
    checked = client.post("/api/v1/addresses/check", headers=headers, json={"address": "NIEUWESTAD 12"})
    assert checked.json == {
        "recently_controlled": {"controlled_on": "2027-03-08", "label": f"2027-{shift_id:03d}"}
    }
    callout = {**TIP, "municipality_id": leeuwarden, "location": "Nieuwestad 12"}
    made = client.post("/api/v1/callouts", headers=headers, json=callout)
    assert made.status_code == 201
    assert made.json["recently_controlled"]["label"] == f"2027-{shift_id:03d}"
    with site.database.transaction() as session:
        assert (
            session.execute(
                select(func.count(AddressFinding.id))
                .join(ControlRecord)
                .where(ControlRecord.shift_id == shift_id)
            ).scalar_one()
            == 2
        )


def test_the_evaluation_page_shows_addresses_against_the_plan_and_who_went_along(site: Site) -> None:
    shift_id = ended_control(site)
    with site.database.transaction() as session:
        leeuwarden = session.execute(
            select(Municipality.id).where(Municipality.name == "Leeuwarden")
        ).scalar_one()
        findings.record_control(
            session,
            site.clock.now(),
            "web:coordinator",
            shift_id,
            is_with_police=True,
            partners=[TMM],
            addresses=[findings.AddressIn(leeuwarden, Outcome.VIOLATION)] * 4,
        )
    page = site.client("finance").get("/finance/evaluation?year=2027").text
    assert "Bezochte adressen per gemeente, tegen het plan" in page
    assert "Samen met de politie" in page and TMM in page

"""Days off on the web and the API: the coordinator marks them for someone, sees everyone's, removes them."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from backend.models import Role, Unavailability
from backend.services import planning
from tests.support.web import token
from tests.web.conftest import Site


def leave_rows(site: Site) -> list[Unavailability]:
    with site.database.transaction() as session:
        return list(session.scalars(select(Unavailability).order_by(Unavailability.id)))


def test_the_coordinator_marks_days_off_and_the_proposal_then_leaves_them_out(site: Site) -> None:
    client = site.client("coordinator")
    made = client.post(
        "/coordinator/leave",
        data={"inspector_id": 2, "first": "2027-04-19", "last": "2027-04-23", "reason": "training"},
    )
    assert made.status_code == 302
    page = client.get("/coordinator/leave").text
    assert "ma 19 apr 2027" in page and "vr 23 apr 2027" in page
    assert "opleiding" in page
    [row] = leave_rows(site)
    assert (row.inspector_id, row.created_by) == (2, "web:coordinator")
    with site.database.transaction() as session:
        member = next(m for m in planning.team(session, site.clock.now()) if m.inspector_id == 2)
        assert member.unavailable == ((row.starts_at, row.ends_at),)
        assert row.ends_at - row.starts_at == timedelta(days=5)


def test_a_wrong_period_is_refused_in_place_in_dutch_and_nothing_is_kept(site: Site) -> None:
    client = site.client("coordinator")
    refused = client.post(
        "/coordinator/leave",
        data={"inspector_id": 2, "first": "2027-04-23", "last": "2027-04-19", "reason": ""},
    )
    assert refused.status_code == 422
    assert "de laatste dag ligt voor de eerste" in refused.text
    assert 'value="2027-04-23"' in refused.text  # what was typed stays
    past = client.post(
        "/coordinator/leave", data={"inspector_id": 2, "first": "2027-03-01", "last": "2027-03-02"}
    )
    assert past.status_code == 422 and "afwezigheid geef je op vanaf vandaag" in past.text
    assert leave_rows(site) == []


def test_the_coordinator_removes_days_off(site: Site) -> None:
    client = site.client("coordinator")
    client.post("/coordinator/leave", data={"inspector_id": 3, "first": "2027-04-19", "last": "2027-04-19"})
    [row] = leave_rows(site)
    assert client.post(f"/coordinator/leave/{row.id}/remove").status_code == 302
    assert leave_rows(site) == []
    assert client.post(f"/coordinator/leave/{row.id}/remove").status_code == 404


def test_the_api_marks_lists_and_removes_days_off_and_names_a_wrong_field(site: Site) -> None:
    client = site.app.test_client()
    headers = {"Authorization": f"Bearer {token(site, Role.COORDINATOR)}"}
    body = {"inspector_id": 2, "first": "2027-04-19", "last": "2027-04-20", "reason": "bruiloft"}
    made = client.post("/api/v1/leave", headers=headers, json=body)
    assert made.status_code == 201
    assert {k: made.json[k] for k in ("inspector_id", "first", "last", "reason")} == body
    listed = client.get("/api/v1/leave?inspector_id=2", headers=headers).json
    assert [item["id"] for item in listed["items"]] == [made.json["id"]]
    assert client.get("/api/v1/leave?inspector_id=3", headers=headers).json["items"] == []
    wrong = client.post("/api/v1/leave", headers=headers, json={**body, "first": "gisteren"})
    assert wrong.status_code == 422 and wrong.json["problems"][0]["field"] == "first"
    refused = client.post("/api/v1/leave", headers=headers, json={**body, "last": "2027-04-01"})
    assert (refused.status_code, refused.json["field"]) == (422, "last")
    path = f"/api/v1/leave/{made.json['id']}"
    assert client.delete(path, headers=headers).json == {"removed": made.json["id"]}
    assert client.delete(path, headers=headers).status_code == 404

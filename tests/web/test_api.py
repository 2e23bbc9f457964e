"""The JSON API: its OpenAPI document, typed errors naming the field, and pagination (schemathesis with
every check is in test_schemathesis.py)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, time
from typing import Any

import pytest
from sqlalchemy import select

from backend.models import Municipality, Role, Shift, ShiftKind
from backend.services import ledger
from backend.web.api import OPERATIONS
from scheduling.calendar import local_instant
from scheduling.ort import planned_break
from tests.support.web import token
from tests.web.conftest import Site, book


@pytest.fixture
def coordinator_api(site: Site) -> Iterator[tuple[Any, dict[str, str]]]:
    yield site.app.test_client(), {"Authorization": f"Bearer {token(site, Role.COORDINATOR)}"}


def test_the_document_describes_every_api_route(shared_site: Site) -> None:
    document = shared_site.app.test_client().get("/api/v1/openapi.json").json
    assert document["openapi"].startswith("3.")
    described = {(method.upper(), path) for path, item in document["paths"].items() for method in item}
    assert described == {(op.method, op.path) for op in OPERATIONS}
    api_rules = {r.rule for r in shared_site.app.url_map.iter_rules() if r.rule.startswith("/api/v1/")}
    assert len(api_rules - {"/api/v1/openapi.json", "/api/v1/health"}) == len({op.path for op in OPERATIONS})


def test_a_wrong_field_is_a_422_that_names_it(coordinator_api: tuple[Any, dict[str, str]]) -> None:
    client, headers = coordinator_api
    response = client.post(
        "/api/v1/callouts",
        headers=headers,
        json={
            "municipality_id": "x",
            "source": "rumour",
            "day": "2027-03-09",
            "start": "20:00",
            "end": "23:00",
            "location": "Dorpsstraat 1",
            "extra": 1,
        },
    )
    assert response.status_code == 422
    fields = {problem["field"] for problem in response.json["problems"]}
    assert fields == {"municipality_id", "source", "extra"}


def test_times_with_seconds_or_a_zone_are_refused(coordinator_api: tuple[Any, dict[str, str]]) -> None:
    """Hours are counted in whole minutes: a start at 20:00:30 would make the shift's hours unrecordable."""
    client, headers = coordinator_api
    for start, end in (("20:00:30", "23:00"), ("20:00", "23:00:00.5"), ("20:00Z", "23:00")):
        response = client.post(
            "/api/v1/callouts",
            headers=headers,
            json={
                "municipality_id": 3,
                "source": "police",
                "day": "2027-03-09",
                "start": start,
                "end": end,
                "location": "Dorpsstraat 1",
            },
        )
        assert response.status_code == 422, (start, end)
        assert {problem["field"] for problem in response.json["problems"]} <= {"start", "end"}


def test_a_body_that_is_not_a_json_object_is_a_400(coordinator_api: tuple[Any, dict[str, str]]) -> None:
    client, headers = coordinator_api
    for body in (b"not json", b"[1, 2]", b"\xff\xfe"):
        response = client.post(
            "/api/v1/hours/approve", headers={**headers, "Content-Type": "application/json"}, data=body
        )
        assert response.status_code in (400, 422), body
        assert response.json["error"] in ("bad_request", "invalid")


def test_a_refused_operation_names_its_field(coordinator_api: tuple[Any, dict[str, str]]) -> None:
    client, headers = coordinator_api
    response = client.post(
        "/api/v1/callouts",
        headers=headers,
        json={
            "municipality_id": 999,
            "source": "mma",
            "day": "2027-03-09",
            "start": "20:00",
            "end": "23:00",
            "location": "Dorpsstraat 1",
        },
    )
    assert response.status_code in (404, 422)
    assert response.json["field"] == "municipality_id"


def test_a_call_out_made_through_the_api_is_offered_and_pages_list_it(
    coordinator_api: tuple[Any, dict[str, str]],
) -> None:
    client, headers = coordinator_api
    tip = {
        "municipality_id": 3,
        "source": "police",
        "day": "2027-03-09",
        "start": "20:00",
        "end": "02:00",
        "location": "Dorpsstraat 1",
    }
    made = client.post("/api/v1/callouts", headers=headers, json=tip)
    assert made.status_code == 201, made.json
    assert (
        client.post("/api/v1/callouts", headers=headers, json={**tip, "day": "2027-03-10"}).status_code == 201
    )
    assert made.json["status"] == "open" and made.json["offers"]
    assert "location" not in made.json and "Dorpsstraat" not in made.get_data(as_text=True)
    first = client.get("/api/v1/callouts?per_page=1", headers=headers).json
    assert first["per_page"] == 1 and len(first["items"]) == 1 and first["total"] >= 2
    second = client.get("/api/v1/callouts?per_page=1&page=2", headers=headers).json
    assert second["items"][0]["callout_id"] != first["items"][0]["callout_id"]


def test_the_roster_lists_shifts_with_first_names_only(coordinator_api: tuple[Any, dict[str, str]]) -> None:
    client, headers = coordinator_api
    body = client.get("/api/v1/roster?start=2027-03-09&end=2027-04-09", headers=headers).json
    assert body["total"] > 0
    people = [person for shift in body["items"] for person in shift["people"]]
    assert people and all(" " not in person["first_name"] for person in people)


def test_the_api_corrects_hours_with_the_break_where_it_was_taken(
    site: Site, coordinator_api: tuple[Any, dict[str, str]]
) -> None:
    client, headers = coordinator_api
    with site.database.transaction() as session:
        place = session.execute(select(Municipality.id).limit(1)).scalar_one()
        entry = book(session, site, 2, place, date(2027, 3, 2))
    pending = client.get(
        "/api/v1/hours/pending?period_start=2027-03-01&period_end=2027-03-07", headers=headers
    ).json["items"]
    assert [p["breaks"] for p in pending if p["entry_id"] == entry] == [
        [{"starts_at": "2027-03-02T17:00:00Z", "ends_at": "2027-03-02T18:00:00Z"}]
    ]  # 18:00-19:00 local
    body = {
        "day": "2027-03-02",
        "start": "14:00",
        "end": "23:00",
        "reason": "pauze om vier uur",
        "breaks": [{"start": "16:00", "end": "17:00"}],
    }
    made = client.post(f"/api/v1/hours/{entry}/correct", headers=headers, json=body)
    assert made.status_code == 201
    assert made.json["breaks"] == [{"starts_at": "2027-03-02T15:00:00Z", "ends_at": "2027-03-02T16:00:00Z"}]
    assert (made.json["plain_minutes"], made.json["weekday_20_minutes"], made.json["weekday_40_minutes"]) == (
        180,
        240,
        60,
    )
    outside = client.post(
        f"/api/v1/hours/{made.json['entry_id']}/correct",
        headers=headers,
        json={**body, "breaks": [{"start": "13:00", "end": "13:30"}]},
    )
    assert outside.status_code == 422
    assert (outside.json["error"], outside.json["field"]) == ("refused", "breaks")
    unknown = client.post("/api/v1/hours/999999/correct", headers=headers, json=body)
    assert unknown.status_code == 404


def test_a_corrected_waiting_entry_is_one_pending_line_and_approving_it_counts_the_new_hours(
    site: Site, coordinator_api: tuple[Any, dict[str, str]]
) -> None:
    client, headers = coordinator_api
    with site.database.transaction() as session:
        first = book(session, site, 2, 3, date(2027, 3, 2))
        corrected = ledger.correct(
            session,
            site.clock.now(),
            "inspector:2",
            first,
            starts_at=local_instant(date(2027, 3, 2), time(14)),
            ends_at=local_instant(date(2027, 3, 2), time(23)),
            breaks=planned_break(
                local_instant(date(2027, 3, 2), time(14)), local_instant(date(2027, 3, 2), time(23)), 45
            ),
            by_coordinator=False,
        ).id
    week = {"period_start": "2027-03-01", "period_end": "2027-03-07"}
    pending = client.get("/api/v1/hours/pending", headers=headers, query_string=week).json
    assert pending["total"] == 1
    (line,) = pending["items"]
    assert (line["entry_id"], line["worked_minutes"], line["replaces_id"]) == (corrected, 495, first)
    assert sorted(line["approved_with"]) == [first, first + 1]
    assert client.post("/api/v1/periods/lock", headers=headers, json=week).status_code == 422
    approved = client.post("/api/v1/hours/approve", headers=headers, json={"entry_ids": [corrected]})
    assert approved.json == {"approved": 1}
    ledger_page = client.get(
        "/api/v1/ledger", headers=headers, query_string=week | {"receiver": "coordinator", "purpose": "check"}
    ).json
    assert sum(row["worked_minutes"] for row in ledger_page["items"] if row["approved"]) == 495
    assert client.get("/api/v1/hours/pending", headers=headers, query_string=week).json["total"] == 0


def test_closing_a_period_that_has_not_ended_is_a_typed_422_naming_the_shift_ahead(
    site: Site, coordinator_api: tuple[Any, dict[str, str]]
) -> None:
    client, headers = coordinator_api
    with site.database.transaction() as session:
        session.add(
            Shift(
                kind=ShiftKind.CONTROL,
                municipality_id=3,
                created_at=site.clock.now(),
                starts_at=local_instant(date(2027, 3, 9), time(14)),
                ends_at=local_instant(date(2027, 3, 9), time(23)),
            )
        )
    response = client.post(
        "/api/v1/periods/lock",
        headers=headers,
        json={"period_start": "2027-03-08", "period_end": "2027-03-14"},
    )
    assert response.status_code == 422
    body = response.json
    assert (body["error"], body["field"]) == ("period_not_over", "period_end")
    assert body["details"]["period_end"] == "2027-03-14" and "still ahead" in body["message"]
    with site.database.transaction() as session:
        ahead = session.get_one(Shift, body["details"]["shift_id"])
        assert ahead.ends_at > site.clock.now()
        assert ahead.starts_at.isoformat() == body["details"]["starts_at"]


def test_a_cancel_whose_body_is_not_json_is_a_400_and_cancels_nothing(site: Site) -> None:
    headers = {"Authorization": f"Bearer {token(site, Role.COORDINATOR)}"}
    client = site.app.test_client()
    tip = {"municipality_id": 3, "source": "mma", "day": "2027-03-10", "start": "21:00", "end": "23:00"}
    made = client.post("/api/v1/callouts", headers=headers, json=tip | {"location": "Stationsweg 3"})
    assert made.status_code == 201, made.text
    cancel = f"/api/v1/callouts/{made.json['callout_id']}/cancel"
    garbled = client.post(cancel, headers=headers, data=b"j\x04\xff", content_type="application/json")
    assert garbled.status_code == 400, garbled.text
    assert client.get(f"/api/v1/callouts/{made.json['callout_id']}", headers=headers).json["status"] == "open"
    left_out = client.post(cancel, headers=headers)
    assert (left_out.status_code, left_out.json["status"]) == (200, "cancelled"), "the body may be left out"

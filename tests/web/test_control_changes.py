"""Moving and cancelling control days on the planning page and the API, and a call-out's cancel reason."""

from __future__ import annotations

from sqlalchemy import select

from backend.models import AssignmentStatus, Role, Shift, ShiftChange, ShiftStatus
from tests.support.web import make_callout, people_on, plan_day, token
from tests.web.conftest import Site

MOVE = {
    "day": "2027-04-27",
    "start": "15:00",
    "end": "23:00",
    "reason": "politie verzet de datum",
    "month": "2027-04",
}


def changes(site: Site) -> list[ShiftChange]:
    with site.database.transaction() as session:
        return list(session.scalars(select(ShiftChange).order_by(ShiftChange.id)))


def test_the_coordinator_moves_a_day_and_the_page_shows_the_old_date(site: Site) -> None:
    client = site.client("coordinator")
    shift_id = plan_day(site, client)
    client.post("/coordinator/planning/accept", data={"month": "2027-04"})
    moved = client.post(f"/coordinator/planning/shifts/{shift_id}/move", data=MOVE)
    assert moved.status_code == 302
    page = client.get("/coordinator/planning?month=2027-04").text
    assert "verplaatst van di 20 apr 14:00" in page
    assert "politie verzet de datum" in page
    assert set(people_on(site, shift_id).values()) == {AssignmentStatus.PROPOSED}
    [change] = changes(site)
    assert (change.kind.value, change.changed_by) == ("moved", "web:coordinator")


def test_a_refused_move_is_shown_at_the_day_in_dutch_and_changes_nothing(site: Site) -> None:
    client = site.client("coordinator")
    shift_id = plan_day(site, client)
    same = client.post(
        f"/coordinator/planning/shifts/{shift_id}/move", data={**MOVE, "day": "2027-04-20", "start": "14:00"}
    )
    assert same.status_code == 422
    assert "de dag staat al op dit tijdstip" in same.text
    bare = client.post(f"/coordinator/planning/shifts/{shift_id}/move", data={**MOVE, "reason": " "})
    assert bare.status_code == 422 and "geef de reden" in bare.text
    assert changes(site) == []


def test_the_coordinator_cancels_a_day_with_a_reason(site: Site) -> None:
    client = site.client("coordinator")
    shift_id = plan_day(site, client)
    refused = client.post(f"/coordinator/planning/shifts/{shift_id}/cancel", data={"month": "2027-04"})
    assert refused.status_code == 422
    done = client.post(
        f"/coordinator/planning/shifts/{shift_id}/cancel",
        data={"month": "2027-04", "reason": "onderzoek politie loopt"},
    )
    assert done.status_code == 302
    page = client.get("/coordinator/planning?month=2027-04").text
    assert f'id="shift-{shift_id}"' not in page
    assert "onderzoek politie loopt" in page and "afgelast" in page
    with site.database.transaction() as session:
        assert session.get_one(Shift, shift_id).status is ShiftStatus.CANCELLED


def test_a_call_out_cancelled_from_the_board_keeps_its_reason(site: Site) -> None:
    client = site.client("coordinator")
    callout_id = make_callout(site, client)
    assert 'name="reason"' in client.get("/coordinator/board").text
    cancelled = client.post(f"/coordinator/callouts/{callout_id}/cancel", data={"reason": "melding was oud"})
    assert cancelled.status_code == 302
    [change] = changes(site)
    assert (change.kind.value, change.reason) == ("cancelled", "melding was oud")


def test_the_api_moves_cancels_and_lists_with_typed_errors(site: Site) -> None:
    client = site.app.test_client()
    shift_id = plan_day(site, site.client("coordinator"))
    headers = {"Authorization": f"Bearer {token(site, Role.COORDINATOR)}"}
    body = {k: v for k, v in MOVE.items() if k != "month"}
    wrong = client.post(f"/api/v1/controls/{shift_id}/move", headers=headers, json={**body, "day": "x"})
    assert wrong.status_code == 422 and wrong.json["problems"][0]["field"] == "day"
    bare = client.post(f"/api/v1/controls/{shift_id}/move", headers=headers, json={**body, "reason": ""})
    assert (bare.status_code, bare.json["field"]) == (422, "reason")
    moved = client.post(f"/api/v1/controls/{shift_id}/move", headers=headers, json=body)
    assert moved.status_code == 200
    assert (moved.json["kind"], moved.json["old_starts_at"], moved.json["new_starts_at"]) == (
        "moved",
        "2027-04-20T12:00:00Z",
        "2027-04-27T13:00:00Z",
    )
    gone = client.post(f"/api/v1/controls/{shift_id}/cancel", headers=headers, json={"reason": "onderzoek"})
    assert gone.json["kind"] == "cancelled"
    again = client.post(f"/api/v1/controls/{shift_id}/cancel", headers=headers, json={"reason": "onderzoek"})
    assert again.status_code == 404
    listed = client.get("/api/v1/controls/changes?start=2027-04-01&end=2027-04-30", headers=headers).json
    assert [c["kind"] for c in listed["items"]] == ["moved", "cancelled"]
    callout_id = make_callout(site, site.client("coordinator"))
    assert client.post(f"/api/v1/callouts/{callout_id}/cancel", headers=headers).status_code == 200

"""Planning control days on the web: add a day, let the core propose a pair, accept it, change who goes."""

from __future__ import annotations

from sqlalchemy import select

from backend.models import Assignment, AssignmentStatus, Inspector, OutboxMessage
from backend.services.planning import LIVE_ASSIGNMENTS
from tests.support.web import municipality, people_on, plan_day
from tests.web.conftest import Site


def test_a_new_day_gets_a_proposed_pair_that_the_coordinator_accepts(site: Site) -> None:
    client = site.client("coordinator")
    shift_id = plan_day(site, client)
    proposal = client.get("/coordinator/planning?month=2027-04&propose=1").text
    assert "Voorgesteld koppel" in proposal and "Voorstel overnemen" in proposal
    assert people_on(site, shift_id) == {}, "a proposal changes nothing until it is accepted"
    assert client.post("/coordinator/planning/accept", data={"month": "2027-04"}).status_code == 302
    pair = people_on(site, shift_id)
    assert len(pair) == 2 and set(pair.values()) == {AssignmentStatus.PROPOSED}
    page = client.get("/coordinator/planning?month=2027-04").text
    assert f'id="shift-{shift_id}"' in page


def test_a_day_that_cannot_be_staffed_says_why(site: Site) -> None:
    client = site.client("coordinator")
    with site.database.transaction() as session:
        place = municipality(site, "Harlingen")
        from backend.models import Municipality

        session.get_one(Municipality, place).is_participating = True  # taking part, but nobody designated
    client.post("/coordinator/planning/days", data={"municipality_id": place, "day": "2027-04-21"})
    page = client.get("/coordinator/planning?month=2027-04&propose=1").text
    assert "niet te bemensen" in page


def test_the_coordinator_swaps_someone_and_the_one_taken_off_is_told(site: Site) -> None:
    client = site.client("coordinator")
    shift_id = plan_day(site, client)
    client.post("/coordinator/planning/accept", data={"month": "2027-04"})
    first, second = people_on(site, shift_id)
    with site.database.transaction() as session:
        mark = session.execute(
            select(Assignment).where(Assignment.shift_id == shift_id, Assignment.inspector_id == first)
        ).scalar_one()
        mark.asked_at = site.clock.now()
        before = session.execute(select(OutboxMessage.id).order_by(OutboxMessage.id.desc())).scalars().first()
    removed = client.post(
        f"/coordinator/planning/shifts/{shift_id}/people", data={"inspector_id": first, "action": "remove"}
    )
    assert removed.status_code == 302
    with site.database.transaction() as session:
        told = session.execute(select(OutboxMessage).where(OutboxMessage.id > (before or 0))).scalars().all()
        assert [m.inspector_id for m in told] == [first]
    standing = {i for i, s in people_on(site, shift_id).items() if s in LIVE_ASSIGNMENTS}
    assert standing == {second}
    refused = client.post(
        f"/coordinator/planning/shifts/{shift_id}/people", data={"inspector_id": 999_999, "action": "add"}
    )
    assert refused.status_code == 422
    again = client.post(
        f"/coordinator/planning/shifts/{shift_id}/people", data={"inspector_id": first, "action": "add"}
    )
    assert again.status_code == 302
    assert people_on(site, shift_id)[first] is AssignmentStatus.PROPOSED


def test_the_planning_page_shows_who_has_no_linked_phone(site: Site) -> None:
    client = site.client("coordinator")
    shift_id = plan_day(site, client)
    client.post("/coordinator/planning/accept", data={"month": "2027-04"})
    unlinked = min(people_on(site, shift_id))
    with site.database.transaction() as session:
        lost = session.get_one(Inspector, unlinked)
        lost.telegram_id, lost.telegram_index = None, None
    page = client.get("/coordinator/planning?month=2027-04").text
    row = page[page.index(f'id="shift-{shift_id}"') :].split("</tr>")[0]
    assert row.count("geen telefoon gekoppeld: de bot kan niet vragen of herinneren") == 1

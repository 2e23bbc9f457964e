"""Work outside shifts on the web and the API: the coordinator books hers and the inspectors', approves
theirs, and finance approves hers."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from backend.models import HourCategory, HourEntry, Inspector, Role
from backend.services import accounts, ledger
from tests.web.conftest import Site, WebClient

MONDAY = {"day": "2027-03-08", "start": "09:00", "end": "17:00", "break_start": "12:00", "break_end": "12:30"}


def people(site: Site) -> tuple[int, int]:
    """The coordinator's inspector record and another inspector's."""
    with site.database.transaction() as session:
        rows = session.execute(select(Inspector.id, Inspector.is_coordinator).order_by(Inspector.id)).all()
    return next(i for i, c in rows if c), next(i for i, c in rows if not c)


def book(client: WebClient, inspector_id: int, category: str, **changed: str) -> Any:
    form = {**MONDAY, "inspector_id": inspector_id, "category": category, **changed}
    return client.post("/coordinator/work", data=form)


def last_entry(site: Site) -> tuple[int, HourCategory, int, int]:
    with site.database.transaction() as session:
        entry = session.execute(select(HourEntry).order_by(HourEntry.id.desc()).limit(1)).scalar_one()
        return entry.id, entry.category, entry.worked_minutes, entry.plain_minutes


def test_the_coordinator_books_her_own_hours_and_finance_approves_them_not_she(site: Site) -> None:
    coordinator = site.client("coordinator")
    own, _ = people(site)
    form = coordinator.get("/coordinator/work").text
    assert f'<option value="{own}" selected' in form and '<option value="coordination" selected' in form
    assert book(coordinator, own, "coordination").status_code == 302
    entry_id, category, worked, plain = last_entry(site)
    assert (category, worked, plain) == (HourCategory.COORDINATION, 450, 450), "office hours: no allowance"
    page = coordinator.get("/coordinator/hours?period_start=2027-03-08&period_end=2027-03-08").text
    assert "financiën keurt goed" in page and f'value="{entry_id}"' not in page
    refused = coordinator.post("/coordinator/hours/approve", data={"entry_ids": [str(entry_id)]})
    assert refused.status_code == 422
    finance = site.client("finance")
    listed = finance.get("/finance/coordinator-hours").text
    assert f'value="{entry_id}"' in listed and "coördinatie" in listed
    approved = finance.post("/finance/coordinator-hours/approve", data={"entry_ids": [str(entry_id)]})
    assert approved.status_code == 302
    with site.database.transaction() as session:
        assert ledger.is_approved(session, entry_id)
    after = finance.get("/finance/coordinator-hours").text
    assert "Niets van de coördinator" in after and "1 regel goedgekeurd." in after
    evaluation = finance.get("/finance/evaluation?year=2027").text
    assert 'coördinatie</td><td class="num">7</td><td class="num">416' in evaluation


def test_the_coordinator_books_an_inspectors_training_and_approves_it(site: Site) -> None:
    coordinator = site.client("coordinator")
    _, other = people(site)
    assert book(coordinator, other, "training").status_code == 302
    entry_id, category, _, _ = last_entry(site)
    assert category is HourCategory.TRAINING
    approved = coordinator.post("/coordinator/hours/approve", data={"entry_ids": [str(entry_id)]})
    assert approved.status_code == 302
    with site.database.transaction() as session:
        assert ledger.is_approved(session, entry_id)


def test_a_wrong_or_refused_booking_is_shown_in_place_in_dutch_and_books_nothing(site: Site) -> None:
    coordinator = site.client("coordinator")
    _, other = people(site)
    refused = book(coordinator, other, "coordination")
    assert refused.status_code == 422 and "coördinatie-uren zijn van de coördinator" in refused.text
    wrong = book(coordinator, other, "holiday", start="9 uur")
    assert wrong.status_code == 422 and "category" in wrong.text and "start" in wrong.text
    with site.database.transaction() as session:
        assert session.execute(select(HourEntry.id)).first() is None


def test_the_api_books_work_and_names_a_wrong_field(site: Site) -> None:
    client = site.app.test_client()
    with site.database.transaction() as session:
        _, token = accounts.create_api_token(
            session, site.clock.now(), "test", "work", Role.COORDINATOR, False
        )
    headers = {"Authorization": f"Bearer {token}"}
    _, other = people(site)
    body = {
        "day": "2027-03-08",
        "start": "13:00",
        "end": "15:00",
        "inspector_id": other,
        "category": "peer_review",
    }
    made = client.post("/api/v1/hours/work", headers=headers, json=body)
    assert made.status_code == 201 and made.json["category"] == "peer_review"
    again = client.post("/api/v1/hours/work", headers=headers, json=body)
    assert again.status_code == 422 and again.json["field"] == "starts_at", "a double post books once"
    wrong = client.post("/api/v1/hours/work", headers=headers, json={**body, "category": "control"})
    assert wrong.status_code == 422 and wrong.json["field"] == "category"

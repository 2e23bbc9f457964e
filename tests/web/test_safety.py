"""The pair's safety on the coordinator's pages: an open alert on the dispatch board until someone
resolves it (taken and resolved there too), and the risk note of a control."""

from __future__ import annotations

from sqlalchemy import select

from backend.models import (
    AlertOutcome,
    RiskNote,
    SafetyAlert,
)
from tests.support.web import control_with_pair, missed_alert
from tests.web.conftest import Site


def test_an_open_alert_stays_on_the_board_until_it_is_resolved_there(site: Site) -> None:
    alert_id = missed_alert(site)
    client = site.client("coordinator")
    board = client.get("/coordinator/board").text
    assert f'id="alert-{alert_id}"' in board and "niet afgemeld" in board
    assert "nog door niemand opgepakt" in board
    taken = client.post(f"/coordinator/safety/alerts/{alert_id}/take")
    assert taken.status_code == 302
    assert "opgepakt door coordinator" in client.get("/coordinator/board").text
    assert client.post(f"/coordinator/safety/alerts/{alert_id}/take").status_code == 302
    assert "Iemand anders pakt deze melding al op." in client.get("/coordinator").text
    refused = client.post(f"/coordinator/safety/alerts/{alert_id}/resolve", data={"outcome": "shrug"})
    assert refused.status_code == 302 and "kies wat er gebeurd is" in client.get("/coordinator").text
    assert f'id="alert-{alert_id}"' in client.get("/coordinator/board").text  # nothing lost
    client.post(f"/coordinator/safety/alerts/{alert_id}/resolve", data={"outcome": "all_well"})
    assert f'id="alert-{alert_id}"' not in client.get("/coordinator/board").text
    with site.database.transaction() as session:
        alert = session.get_one(SafetyAlert, alert_id)
        assert alert.outcome is AlertOutcome.ALL_WELL and alert.resolved_by == "web:coordinator"
    assert (
        client.post("/coordinator/safety/alerts/999999/resolve", data={"outcome": "all_well"}).status_code
        == 404
    )


def test_an_alert_nobody_took_is_taken_by_resolving_it_on_the_web(site: Site) -> None:
    alert_id = missed_alert(site)
    client = site.client("coordinator")
    client.post(f"/coordinator/safety/alerts/{alert_id}/resolve", data={"outcome": "forgot"})
    with site.database.transaction() as session:
        alert = session.get_one(SafetyAlert, alert_id)
        assert (alert.taken_by, alert.outcome) == ("web:coordinator", AlertOutcome.FORGOT)


def test_the_coordinator_enters_the_risk_note_and_a_wrong_one_is_refused_beside_its_field(site: Site) -> None:
    shift_id = control_with_pair(site, hours_ago=-24)
    client = site.client("coordinator")
    assert "Risico-inschatting" in client.get(f"/coordinator/safety/controls/{shift_id}/risk").text
    wrong = client.post(f"/coordinator/safety/controls/{shift_id}/risk", data={"level": "", "note": "Hond."})
    assert wrong.status_code == 422 and "kies een risiconiveau" in wrong.text and "Hond." in wrong.text
    saved = client.post(
        f"/coordinator/safety/controls/{shift_id}/risk", data={"level": "high", "note": "Hond."}
    )
    assert saved.status_code == 302
    with site.database.transaction() as session:
        note = session.execute(select(RiskNote).where(RiskNote.shift_id == shift_id)).scalar_one()
        assert (note.level.value, note.note) == ("high", "Hond.")
    assert client.get("/coordinator/safety/controls/999999/risk").status_code == 404


def test_the_admin_sets_the_teams_safety_time_outs_on_the_region_page(site: Site) -> None:
    from backend.services import profile

    admin = site.client("admin")
    page = admin.get("/admin/region").text
    assert 'name="checkout_alert_minutes" value="30"' in page
    region = {
        "name": "RTS Fryslân",
        "timezone": "Europe/Amsterdam",
        "coordinating": "Leeuwarden",
        "source": "x",
        "coordinator_alert_minutes": "10",
        "backup_alert_minutes": "10",
    }
    refused = admin.post("/admin/region", data={**region, "checkout_alert_minutes": "0"})
    assert refused.status_code == 422 and 'value="0"' in refused.text
    saved = admin.post("/admin/region", data={**region, "checkout_alert_minutes": "45"})
    assert saved.status_code == 302
    with site.database.transaction() as session:
        assert profile.safety_minutes(session) == profile.SafetyMinutes(45, 10, 10)

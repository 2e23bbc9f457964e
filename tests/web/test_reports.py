"""The reports page and the API: a report sent back with a remark, and a reviewed one handed over."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from backend.models import (
    Inspector,
    Municipality,
    OutboxMessage,
    Report,
    ReportStatus,
    Role,
    Shift,
    ShiftKind,
)
from backend.services import accounts
from tests.web.conftest import Site


def a_report(site: Site, status: ReportStatus) -> tuple[int, int]:
    """A report of a control in Smallingerland two days ago; its id and the municipality's."""
    now = site.clock.now()
    with site.database.transaction() as session:
        smallingerland = select(Municipality.id).where(Municipality.name == "Smallingerland")
        place = session.execute(smallingerland).scalar_one()
        writer = session.execute(select(Inspector.id).where(~Inspector.is_coordinator)).scalars().first()
        shift = Shift(
            kind=ShiftKind.CONTROL,
            municipality_id=place,
            starts_at=now - timedelta(days=2),
            ends_at=now - timedelta(days=2) + timedelta(hours=9),
            created_at=now,
        )
        session.add(shift)
        session.flush()
        report = Report(shift_id=shift.id, writer_id=writer, status=status, written_at=now)
        session.add(report)
        session.flush()
        return report.id, place


def stored(site: Site, report_id: int) -> Report:
    with site.database.transaction() as session:
        found = session.get_one(Report, report_id)
        session.expunge(found)
        return found


def test_the_coordinator_sends_a_report_back_and_a_missing_remark_is_asked_in_place(site: Site) -> None:
    client = site.client("coordinator")
    report_id, _ = a_report(site, ReportStatus.WRITTEN)
    page = client.get("/coordinator/reports").text
    assert "Terugsturen" in page and "Opmerking voor de schrijver" in page
    refused = client.post(f"/coordinator/reports/{report_id}/return", data={"remark": "x"})
    assert refused.status_code == 422 and "remark" in refused.text
    assert stored(site, report_id).status is ReportStatus.WRITTEN
    sent = client.post(f"/coordinator/reports/{report_id}/return", data={"remark": "Het adres ontbreekt"})
    assert sent.status_code == 302
    assert stored(site, report_id).status is ReportStatus.RETURNED
    with site.database.transaction() as session:
        assert (
            session.execute(
                select(OutboxMessage.id).where(OutboxMessage.ref == f"report:{report_id}")
            ).first()
            is not None
        )
    assert "teruggestuurd" in client.get("/coordinator/reports").text


def test_a_reviewed_report_is_handed_to_the_municipality_and_a_future_day_is_refused_in_dutch(
    site: Site,
) -> None:
    client = site.client("coordinator")
    report_id, place = a_report(site, ReportStatus.REVIEWED)
    page = client.get("/coordinator/reports").text
    assert "Overdracht vastleggen" in page and f'<option value="{place}" selected' in page
    refused = client.post(
        f"/coordinator/reports/{report_id}/hand-over",
        data={"municipality_id": place, "handed_over_on": "2027-03-20"},
    )
    assert refused.status_code == 422
    assert "de dag van overdracht ligt tussen de controle en vandaag" in refused.text
    done = client.post(
        f"/coordinator/reports/{report_id}/hand-over",
        data={"municipality_id": place, "handed_over_on": "2027-03-09"},
    )
    assert done.status_code == 302
    handed = stored(site, report_id)
    assert (handed.handed_over_on.isoformat(), handed.handed_over_to_id) == ("2027-03-09", place)  # type: ignore[union-attr]
    assert f"reports/{report_id}/hand-over" not in client.get("/coordinator/reports").text


def test_the_api_sends_back_and_hands_over_naming_a_wrong_field(site: Site) -> None:
    with site.database.transaction() as session:
        _, token = accounts.create_api_token(
            session, site.clock.now(), "test", "api", Role.COORDINATOR, False
        )
    client, headers = site.app.test_client(), {"Authorization": f"Bearer {token}"}
    written, _ = a_report(site, ReportStatus.WRITTEN)
    answer = client.post(f"/api/v1/reports/{written}/return", headers=headers, json={"remark": "Adres?"})
    assert answer.status_code == 200 and answer.json["status"] == "returned"
    reviewed, place = a_report(site, ReportStatus.REVIEWED)
    wrong = client.post(
        f"/api/v1/reports/{reviewed}/hand-over",
        headers=headers,
        json={"municipality_id": place, "handed_over_on": "2027-03-01"},
    )
    assert wrong.status_code == 422 and wrong.json["field"] == "handed_over_on"
    done = client.post(
        f"/api/v1/reports/{reviewed}/hand-over",
        headers=headers,
        json={"municipality_id": place, "handed_over_on": "2027-03-09"},
    )
    assert done.status_code == 200 and done.json["handed_over_to_id"] == place

"""The admin keeps the team: an inspector added, changed and leaving, a designation ending, a phone
enrolled and cut off, and the audit log that verifies."""

from __future__ import annotations

import re
from datetime import date
from unittest.mock import patch

from sqlalchemy import delete, select, text
from sqlalchemy.orm import undefer

from backend.models import Assignment, Designation, Inspector, Municipality, OutboxMessage, OutboxStatus
from backend.services import enrolment, team
from secure_store import KeyRing
from tests.web.conftest import Site


def test_an_inspector_is_added_with_sealed_names_and_later_leaves(site: Site) -> None:
    admin = site.client("admin")
    with site.database.transaction() as session:
        employer = session.execute(
            select(Municipality.id).where(Municipality.name == "Heerenveen")
        ).scalar_one()
    added = admin.post(
        "/admin/inspectors",
        data={
            "name": "Marijke Zwart",
            "first_name": "Marijke",
            "employer_id": employer,
            "salary_scale": "7",
            "salary_step": "3",
            "gender": "f",
            "trained_since": "2026-11-01",
        },
    )
    assert added.status_code == 302
    with site.database.transaction() as session:
        made = session.execute(select(Inspector).order_by(Inspector.id.desc())).scalars().first()
        assert made is not None and made.name == "Marijke Zwart"
        raw = session.execute(text("SELECT name FROM inspectors WHERE id = :id"), {"id": made.id}).scalar()
        assert "Marijke" not in raw, "the name is sealed in the database"
        made_id = made.id
    assert 'value="Marijke Zwart"' in admin.get(f"/admin/inspectors/{made_id}").text
    left = admin.post(
        f"/admin/inspectors/{made_id}",
        data={
            "name": "Marijke Zwart",
            "first_name": "Marijke",
            "employer_id": employer,
            "salary_scale": "7",
            "salary_step": "4",
            "trained_since": "2026-11-01",
            "phone": "+31 6 12345678",
        },
    )
    assert left.status_code == 302
    with site.database.transaction() as session:
        changed = session.get_one(Inspector, made_id)
        assert not changed.is_active and changed.salary_step == 4
        phone = session.execute(select(Inspector.phone).where(Inspector.id == made_id)).scalar_one()
        assert phone == "+31 6 12345678"
    wrong = admin.post(
        f"/admin/inspectors/{made_id}", data={"name": "M", "first_name": "", "employer_id": "x"}
    )
    assert wrong.status_code == 422


def test_a_designation_ends_but_not_before_it_started(site: Site) -> None:
    admin = site.client("admin")
    with site.database.transaction() as session:
        designation = session.execute(select(Designation).order_by(Designation.id)).scalars().first()
        assert designation is not None
        designation_id, starts = designation.id, designation.valid_from
    assert (
        admin.post(
            f"/admin/designations/{designation_id}/end", data={"valid_until": "2020-01-01"}
        ).status_code
        == 422
    )
    assert (
        admin.post(
            f"/admin/designations/{designation_id}/end", data={"valid_until": "2027-12-31"}
        ).status_code
        == 302
    )
    with site.database.transaction() as session:
        assert session.get_one(Designation, designation_id).valid_until == date(2027, 12, 31) > starts


def test_an_enrolment_code_is_shown_once_and_binds_a_phone(site: Site) -> None:
    admin = site.client("admin")
    page = admin.post("/admin/inspectors/2/enrolment").text
    code = re.search(r'id="secret">/start ([^<]+)<', page).group(1)  # type: ignore[union-attr]
    with site.database.transaction() as session:
        assert enrolment.redeem(session, site.clock.now(), code, 555_001).id == 2
    assert admin.post("/admin/inspectors/2/revoke").status_code == 302
    with site.database.transaction() as session:
        assert session.get_one(Inspector, 2).revoked_at is not None


def test_the_audit_log_verifies_and_shows_what_the_admin_did(site: Site) -> None:
    admin = site.client("admin")
    admin.post("/admin/inspectors/2/enrolment")
    page = admin.get("/admin/audit").text
    assert "De keten van" in page and "klopt" in page and "enrolment.code_created" in page
    assert "Elke waarde is versleuteld met een sleutel uit de sleutelbos" in admin.get("/admin/keys").text


def test_the_audit_page_says_what_it_verified_when_and_shows_a_record_altered_since(site: Site) -> None:
    admin = site.client("admin")
    assert "Elke regel is zojuist vanaf regel 1 gecontroleerd" in admin.get("/admin/audit").text
    admin.post("/admin/inspectors/2/enrolment")
    page = admin.get("/admin/audit").text
    assert "klopt" in page and "Regels 1 tot en met" in page and "de 1 daarna zojuist" in page
    admin.post("/admin/inspectors/3/enrolment")  # the newest record, altered before the next view
    with site.database.engine.begin() as connection:
        if site.database.engine.dialect.name == "postgresql":
            connection.execute(text("DROP TRIGGER audit_records_append_only ON audit_records"))
        else:
            connection.execute(text("DROP TRIGGER audit_records_no_update"))
        connection.execute(
            text(
                "UPDATE audit_records SET actor = 'someone' WHERE seq = (SELECT max(seq) FROM audit_records)"
            )
        )
    broken = admin.get("/admin/audit").text
    assert "De keten is verbroken bij regel" in broken and "klopt" not in broken


def test_the_key_page_counts_values_by_key_and_names_those_of_a_key_not_in_the_ring(site: Site) -> None:
    admin = site.client("admin")
    healthy = admin.get("/admin/keys").text
    stranger = KeyRing.generate()
    with site.database.engine.begin() as connection:
        connection.execute(
            text("UPDATE inspectors SET phone = :p WHERE id = 3"),
            {"p": stranger.encrypt("x", "inspectors.phone", "3")},
        )
    page = admin.get("/admin/keys").text
    assert "1 waarden zijn niet te ontsleutelen" in page and "inspectors.phone: 1" in page
    assert stranger.active_id in page and stranger.active_id not in healthy


def test_cutting_off_a_phone_says_what_was_withdrawn_and_what_will_be_deleted_each_counted(
    site: Site,
) -> None:
    admin = site.client("admin")
    now = site.clock.now()
    with site.database.transaction() as session:
        for ref in ("confirm:1:2", "location:1:2", "offer:7"):  # three messages that name places
            session.add(
                OutboxMessage(
                    chat_id="1002",
                    inspector_id=2,
                    method="sendMessage",
                    payload="{}",
                    ref=ref,
                    status=OutboxStatus.SENT,
                    not_before_at=now,
                    created_at=now,
                )
            )
        session.execute(delete(Assignment).where(Assignment.inspector_id == 2))
    page = admin.post("/admin/inspectors/2/revoke", follow_redirects=True).text
    assert (
        "Telefoon afgesloten: die krijgt geen berichten meer. Open aanbiedingen ingetrokken: 0. "
        "Berichten die van de telefoon worden verwijderd (plaatsen, collega&#39;s): 3. "
        "Komende diensten waar deze persoon afvalt: 0"
    ) in page
    assert "Een nieuwe telefoon koppelen: maak een nieuwe koppelcode." in page


def test_the_admin_caps_a_money_contribution_and_the_settlement_shows_who_bears_the_shortfall(
    site: Site,
) -> None:
    admin = site.client("admin")
    with site.database.transaction() as session:
        opsterland = session.execute(
            select(Municipality).where(Municipality.name == "Opsterland")
        ).scalar_one()
        form = {
            "population": str(opsterland.population),
            "population_date": "2025-01-01",
            "is_participating": "true",
            "contribution": "money",
            "pledged_minutes": "0",
            "taking_part_from": "2027-01-01",
        }
    refused = admin.post(f"/admin/municipalities/{opsterland.id}", data={**form, "money_cap": "1000"})
    assert refused.status_code == 422 and "wie het tekort draagt" in refused.text
    saved = admin.post(
        f"/admin/municipalities/{opsterland.id}",
        data={**form, "money_cap": "1000,00", "cap_shortfall": "coordinator"},
    )
    assert saved.status_code == 302
    body = site.client("finance").get("/api/v1/settlement?year=2027&mode=budget&receiver=a&purpose=b").json
    lines = {line["name"]: line for line in body["lines"]}
    assert lines["Opsterland"]["cost_share_cents"] == 1_000_00
    assert lines["Leeuwarden"]["cap_shortfall_cents"] == -lines["Opsterland"]["cap_shortfall_cents"] > 0
    assert "waarvan tekort door plafond" in site.client("finance").get("/finance/settlement?mode=budget").text


def test_an_inspector_who_leaves_loses_their_designations_that_day_the_decisions_stay(site: Site) -> None:
    admin = site.client("admin")
    with site.database.transaction() as session:
        person = session.execute(
            select(Inspector).options(undefer(Inspector.first_name)).where(Inspector.id == 2)
        ).scalar_one()
        form = {
            "name": person.name,
            "first_name": person.first_name,
            "employer_id": person.employer_id,
            "salary_scale": person.salary_scale,
            "salary_step": person.salary_step,
            "trained_since": person.trained_since.isoformat() if person.trained_since else "",
        }
        references = [
            d.decision_reference
            for d in session.scalars(
                select(Designation).where(Designation.inspector_id == 2, Designation.valid_until.is_(None))
            )
        ]
    assert references, "the demo designates inspector 2"
    assert admin.post("/admin/inspectors/2", data=form).status_code == 302  # "active" unticked: leaves
    with site.database.transaction() as session:
        ended = session.scalars(select(Designation).where(Designation.inspector_id == 2)).all()
        assert {d.valid_until for d in ended} == {date(2027, 3, 9)}
        assert sorted(d.decision_reference for d in ended) >= sorted(references)
    page = admin.get("/admin").text
    assert all(reference in page for reference in references)


def test_the_overview_shows_the_designations_a_page_at_a_time(site: Site) -> None:
    with site.database.transaction() as session:
        total = len(session.execute(select(Designation.id)).all())
    admin = site.client("admin")
    with patch.object(team, "DESIGNATIONS_PAGE", 2):
        first, second = admin.get("/admin").text, admin.get("/admin?page=2").text
    assert f"1 tot en met 2 van {total}" in first and "?page=2#designations" in first
    assert f"3 tot en met 4 van {total}" in second and "?page=1#designations" in second
    assert first.count("/end") == second.count("/end") == 2

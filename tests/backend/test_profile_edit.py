"""Changing the team's knobs one record at a time (what the pages do): the profile file's rules, history by
year, one audited change, the dump shows it; the zone may be put right only before work is recorded, and a
running process follows it."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from backend.db import Database
from backend.models import AuditRecord, Municipality, Shift, ShiftKind
from backend.profile_file import ProfileError, read_form, read_profile, write_profile
from backend.services import installation, profile, profile_edit
from backend.services.errors import Refused
from scheduling.calendar import DEFAULT_ZONE, team_zone, use_team_zone
from tests.profiles import PROFILES

NOW = datetime(2027, 3, 9, 13, 0, tzinfo=UTC)


@pytest.fixture
def hilversum(migrated_copy: Database) -> Database:
    with migrated_copy.transaction() as session:
        profile.load(session, NOW, "test", read_profile((PROFILES / "hilversum.toml").read_text("utf-8")))
    return migrated_copy


def current(database: Database) -> profile.Profile:
    with database.reading() as session:
        found = profile.current_profile(session)
    assert found is not None
    return found


def test_a_copied_year_is_its_own_row_and_changing_it_leaves_the_year_before(hilversum: Database) -> None:
    with hilversum.transaction() as session:
        assert profile_edit.copy_plan(session, NOW, "web:admin", 2027) == 2028
    copied = current(hilversum).plan(2028)
    with hilversum.transaction() as session:
        profile_edit.put_plan(
            session, NOW, "web:admin", dataclasses.replace(copied, controls=20, source="board 2027-11")
        )
    after = current(hilversum)
    assert after.plan(2027).controls == 24 and after.plan(2028).controls == 20
    assert "controls = 20" in write_profile(after)


def test_a_form_is_refused_by_the_loaders_rule_with_its_field(hilversum: Database) -> None:
    typed = {
        "name": "Wijdemeren",
        "population": "24000",
        "population_date": "2026-01-01",
        "taking_part": "true",
        "contribution": "hours",
        "pledged_hours": "99",
        "source": "letter",
    }
    with pytest.raises(ProfileError) as refused:
        read_form("municipality", typed)
    assert refused.value.path == ("pledged_hours",) and refused.value.params == {"minimum": 100}
    with hilversum.transaction() as session:
        profile_edit.put_municipality(
            session,
            NOW,
            "web:admin",
            read_form("municipality", typed | {"pledged_hours": "100"}),
            is_new=True,
        )
    assert [m.name for m in current(hilversum).municipalities] == ["Hilversum", "Wijdemeren"]


def test_a_coordinator_shortfall_needs_a_coordinating_municipality(hilversum: Database) -> None:
    region = current(hilversum).region
    with hilversum.transaction() as session:
        profile_edit.set_region(session, NOW, "web:admin", dataclasses.replace(region, coordinating=None))
    capped = {
        "name": "Hilversum",
        "population": "93000",
        "population_date": "2026-01-01",
        "taking_part": "true",
        "contribution": "money",
        "money_cap": "1000",
        "cap_shortfall": "coordinator",
        "source": "x",
    }
    with hilversum.transaction() as session, pytest.raises(ProfileError) as refused:
        profile_edit.put_municipality(
            session, NOW, "web:admin", read_form("municipality", capped), is_new=False
        )
    assert refused.value.path == ("region", "coordinating")


def test_an_edit_is_one_audited_change_and_an_unchanged_form_changes_nothing(hilversum: Database) -> None:
    line = current(hilversum).budgets[0].lines[0]
    with hilversum.transaction() as session:
        changed = profile_edit.put_budget_line(
            session, NOW, "web:finance", 2027, dataclasses.replace(line, rate=Decimal("55.1"))
        )
        again = profile_edit.put_budget_line(
            session, NOW, "web:finance", 2027, dataclasses.replace(line, rate=Decimal("55.1"))
        )
        actions = list(
            session.execute(
                select(AuditRecord.action, AuditRecord.subject).where(AuditRecord.actor == "web:finance")
            )
        )
    assert [str(c) for c in changed] == ["~ budget 2027 control\n    rate: 52.67402 → 55.1"]
    assert again == [] and actions == [("profile.edited", "budget:2027")]


def test_the_zone_may_be_put_right_before_work_is_recorded_and_not_after(hilversum: Database) -> None:
    region = current(hilversum).region
    with hilversum.transaction() as session:
        profile_edit.set_region(
            session, NOW, "web:admin", dataclasses.replace(region, timezone="Europe/Brussels")
        )
    assert current(hilversum).region.timezone == "Europe/Brussels"
    with hilversum.transaction() as session:
        hilversum_id = session.execute(select(Municipality.id)).scalar_one()
        session.add(
            Shift(
                kind=ShiftKind.CONTROL,
                municipality_id=hilversum_id,
                starts_at=NOW,
                ends_at=NOW + timedelta(hours=9),
                created_at=NOW,
            )
        )
    with hilversum.transaction() as session, pytest.raises(Refused) as refused:
        profile_edit.set_region(session, NOW, "web:admin", region)
    assert refused.value.field == "timezone"
    changed = write_profile(current(hilversum)).replace("Europe/Brussels", "Europe/Amsterdam")
    with hilversum.transaction() as session, pytest.raises(Refused):  # the loader refuses it too
        profile.load(session, NOW, "cli:profile", read_profile(changed))


def test_a_running_process_follows_the_zone_of_the_region(hilversum: Database) -> None:
    try:
        with hilversum.transaction() as session:
            profile_edit.set_region(
                session,
                NOW,
                "cli:profile",
                dataclasses.replace(current(hilversum).region, timezone="America/Curacao"),
            )
        assert team_zone() == DEFAULT_ZONE
        with hilversum.reading() as session:
            installation.follow_team_zone(session)
        assert team_zone().key == "America/Curacao"
    finally:
        use_team_zone(DEFAULT_ZONE)


def test_the_region_page_keeps_the_call_out_sources_the_profile_file_set(hilversum: Database) -> None:
    with hilversum.transaction() as session:
        profile.load(
            session,
            NOW,
            "test",
            dataclasses.replace(
                current(hilversum),
                region=dataclasses.replace(current(hilversum).region, callout_sources=("police", "resident")),
            ),
        )
    form = {
        "name": "Toezicht Gooi",
        "timezone": "Europe/Amsterdam",
        "coordinating": "Hilversum",
        "source": "the admin",
    }
    with hilversum.transaction() as session:
        profile_edit.set_region(session, NOW, "web:admin", read_form("region", form))
    assert current(hilversum).region.name == "Toezicht Gooi"
    assert current(hilversum).region.callout_sources == ("police", "resident")

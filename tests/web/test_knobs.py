"""The team's knobs on the pages: the admin edits region, municipalities, plan per year, organisations and
the holiday rule; finance edits the budget and the ORT tables. The same rules as `piket profile load`,
refusals in Dutch beside the field with what was typed kept, every change audited and in the dump."""

from __future__ import annotations

from sqlalchemy import func, select

from backend.models import AuditRecord, Municipality
from backend.profile_file import write_profile
from backend.services import profile
from tests.web.conftest import Site


def dump(site: Site) -> str:
    with site.database.reading() as session:
        current = profile.current_profile(session)
        assert current is not None
        return write_profile(current)


def plan_form(site: Site, year: int, **changes: str) -> dict[str, str]:
    with site.database.reading() as session:
        plan = profile.plan(session, year)
    values = {
        "controls": str(plan.controls),
        "callouts": str(plan.callouts),
        "control_day_hours": str(plan.control_day_hours),
        "callout_hours": str(plan.callout_hours),
        "report_hours": str(plan.report_hours),
        "coordinator_hours": str(plan.coordinator_hours),
        "fte": str(plan.fte),
        "source": plan.source,
    }
    return values | changes


def audited(site: Site, action: str) -> int:
    with site.database.reading() as session:
        return session.execute(
            select(func.count()).select_from(AuditRecord).where(AuditRecord.action == action)
        ).scalar_one()


def test_the_admin_changes_2028s_plan_and_2027_stays(site: Site) -> None:
    admin = site.client("admin")
    before = plan_form(site, 2027)
    page = admin.get("/admin/plans")
    assert page.status_code == 200 and "Plan per jaar" in page.text
    response = admin.post(
        "/admin/plans/2028", data=plan_form(site, 2028, controls="80", source="board decision 2027-11")
    )
    assert response.status_code == 302, response.text
    assert plan_form(site, 2027) == before
    assert plan_form(site, 2028)["controls"] == "80"
    assert "controls = 80\ncallouts" in dump(site) and 'source = "board decision 2027-11"' in dump(site)
    assert audited(site, "profile.edited") == 1


def test_a_refused_plan_names_the_field_in_dutch_and_keeps_what_was_typed(site: Site) -> None:
    admin = site.client("admin")
    before = dump(site)
    response = admin.post("/admin/plans/2028", data=plan_form(site, 2028, callouts="999"))
    assert response.status_code == 422
    assert 'value="999"' in response.text
    assert "oproepen horen bij de controles" in response.text  # the loader's rule, in Dutch
    assert dump(site) == before and audited(site, "profile.edited") == 0


def test_next_years_plan_starts_as_a_copy_and_the_budget_too(site: Site) -> None:
    admin = site.client("admin")
    assert admin.post("/admin/plans/2028/copy").status_code == 302
    copied = plan_form(site, 2029)
    assert copied["controls"] == plan_form(site, 2028)["controls"]
    assert "to be confirmed by the team" in copied["source"]
    finance = site.client("finance")
    assert finance.post("/finance/budget/2028/copy").status_code == 302
    assert "year = 2029" in dump(site).split("[[budgets]]")[-1]


def test_the_admin_adds_a_municipality_with_the_loaders_rules(site: Site) -> None:
    admin = site.client("admin")
    typed = {
        "name": "Ameland",
        "population": "3800",
        "population_date": "2026-01-01",
        "taking_part": "true",
        "taking_part_from": "2028-01-01",
        "contribution": "hours",
        "pledged_hours": "60",
        "source": "letter of 2027-10-01",
    }
    refused = admin.post("/admin/municipalities/new", data=typed)
    assert refused.status_code == 422
    assert "minstens 100 uur per jaar" in refused.text and 'value="Ameland"' in refused.text
    made = admin.post("/admin/municipalities/new", data=typed | {"pledged_hours": "120"})
    assert made.status_code == 302, made.text
    assert 'name = "Ameland"' in dump(site) and "pledged_hours = 120" in dump(site)
    twice = admin.post("/admin/municipalities/new", data=typed | {"pledged_hours": "120"})
    assert twice.status_code == 422 and "komt twee keer voor" in twice.text


def test_a_money_cap_needs_its_shortfall_rule_on_the_page_as_in_the_file(site: Site) -> None:
    admin = site.client("admin")
    with site.database.reading() as session:
        harlingen = session.execute(select(Municipality).where(Municipality.name == "Harlingen")).scalar_one()
    url = f"/admin/municipalities/{harlingen.id}/figures"
    page = admin.get(url)
    assert page.status_code == 200 and "Harlingen" in page.text
    typed = {
        "population": "14000",
        "population_date": "2026-01-01",
        "taking_part": "true",
        "contribution": "money",
        "money_cap": "5000",
        "source": "council 2027",
    }
    refused = admin.post(url, data=typed)
    assert refused.status_code == 422 and 'value="5000"' in refused.text
    assert "wie het tekort draagt" in refused.text
    assert admin.post(url, data=typed | {"cap_shortfall": "others"}).status_code == 302
    assert 'money_cap = "5000.00"' in dump(site)


def test_the_region_organisations_and_holiday_rule_are_edited_and_dumped(site: Site) -> None:
    admin = site.client("admin")
    page = admin.get("/admin/region").text
    assert "Coördinerende gemeente" in page and '/figures">Harlingen</a>' in page
    bad_zone = admin.post(
        "/admin/region",
        data={
            "name": "RTS Fryslân",
            "timezone": "Europe/Leeuwarden",
            "coordinating": "Leeuwarden",
            "source": "x",
        },
    )
    assert bad_zone.status_code == 422 and "is geen tijdzone" in bad_zone.text
    assert 'value="Europe/Leeuwarden"' in bad_zone.text
    renamed = admin.post(
        "/admin/region",
        data={
            "name": "RTS Fryslân",
            "timezone": "Europe/Amsterdam",
            "coordinating": "Leeuwarden",
            "source": "x",
        },
    )
    assert renamed.status_code == 302
    added = admin.post(
        "/admin/organisations",
        data={"name": "GGD Fryslân", "joins": "once a quarter", "source": "agreement 2027"},
    )
    assert added.status_code == 302
    holidays = admin.post(
        "/admin/holidays",
        data={"country": "NL", "categories": "public", "excluded": "", "source": "Cao 2027"},
    )
    assert holidays.status_code == 302, holidays.text
    text = dump(site)
    assert 'name = "RTS Fryslân"' in text and 'name = "GGD Fryslân"' in text
    assert "excluded = []" in text and audited(site, "profile.edited") == 3


def test_finance_changes_a_budget_line_by_the_loaders_rules(site: Site) -> None:
    finance = site.client("finance")
    line = {"hours": "600", "rate": "55,1", "flat_ort": "8", "overhead_per_hour": "0", "source": "Cao 2028"}
    before_2027 = dump(site).split("[[budgets]]")[1]
    refused = finance.post("/finance/budget/2028/lines/control", data=line | {"rate": "55.1234567"})
    assert refused.status_code == 422 and 'value="55.1234567"' in refused.text
    assert "hoogstens 6 decimalen" in refused.text
    assert finance.post("/finance/budget/2028/lines/control", data=line).status_code == 302
    assert 'rate = "55.1"' in dump(site) and dump(site).split("[[budgets]]")[1] == before_2027
    fixed = finance.post("/finance/budget/2028/fixed", data={"fixed": "31000,5", "source": "begroting"})
    assert fixed.status_code == 302 and 'fixed = "31000.50"' in dump(site)


def test_finance_adds_the_next_ort_table_and_overlap_is_refused(site: Site) -> None:
    finance = site.client("finance")
    page = finance.get("/finance/ort")
    assert page.status_code == 200 and "ORT-tabellen" in page.text
    overlapping = finance.post(
        "/finance/ort/new",
        data={
            "valid_from": "2027-06-01",
            "valid_until": "2028-12-31",
            "weekday_windows": "20:00-24:00 weekday_20",
            "percent_weekday_20": "20",
            "percent_weekday_40": "40",
            "percent_saturday": "75",
            "percent_sunday_holiday": "100",
            "exempt_stretch_minutes": "180",
            "source": "Cao 2028",
        },
    )
    assert overlapping.status_code == 422 and "elkaar in de tijd volgen" in overlapping.text
    assert 'value="2027-06-01"' in overlapping.text
    draft = {k: v for k, v in _form_of(page.text, "/finance/ort/new").items() if k != "csrf_token"}
    added = finance.post("/finance/ort/new", data=draft)
    assert added.status_code == 302, added.text
    assert "valid_from = 2028-01-01" in dump(site)
    assert site.client("auditor").post("/finance/ort/new", data=draft).status_code == 403


def _form_of(page: str, action: str) -> dict[str, str]:
    """The fields of the form posting to `action`, as a browser would send them."""
    import re

    form = page.split(f'action="{action}"', 1)[1].split("</form>", 1)[0]
    values = dict(re.findall(r'<input type="[a-z]+" name="([a-z_0-9]+)" value="([^"]*)"', form))
    area = re.search(r'<textarea name="weekday_windows"[^>]*>([^<]*)</textarea>', form)
    assert area is not None
    return values | {"weekday_windows": area.group(1)}


def test_the_zone_cannot_change_on_the_page_once_work_is_recorded(site: Site) -> None:
    refused = site.client("admin").post(
        "/admin/region",
        data={
            "name": "RTS Fryslân",
            "timezone": "Europe/London",
            "coordinating": "Leeuwarden",
            "source": "x",
        },
    )
    assert refused.status_code == 422 and 'value="Europe/London"' in refused.text
    assert "de tijdzone kan niet meer veranderen" in refused.text
    assert 'timezone = "Europe/Amsterdam"' in dump(site)


def test_a_running_site_follows_a_zone_changed_elsewhere(site: Site) -> None:
    from backend.models import Region
    from scheduling.calendar import DEFAULT_ZONE, team_zone, use_team_zone

    try:
        with site.database.transaction() as session:  # what another instance's `piket profile load` leaves
            session.execute(select(Region)).scalar_one().timezone = "Europe/Lisbon"
        assert site.client("admin").get("/admin/region").status_code == 200
        assert team_zone().key == "Europe/Lisbon"
    finally:
        use_team_zone(DEFAULT_ZONE)

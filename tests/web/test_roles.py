"""Every page and API route against every role: allowed, forbidden, or not logged in.

The table below is the reviewed access policy. The app's own declarations must
equal it, so a new route cannot arrive without a line here.
"""

from __future__ import annotations

import pytest

from backend.web.access import PUBLIC, roles_of
from tests.support.web import BROKEN_AUTHORIZATION
from tests.web.conftest import Site, WebClient

ADMIN, COORDINATOR, FINANCE, AUDITOR = "admin", "coordinator", "finance", "auditor"
READERS = {FINANCE, AUDITOR, COORDINATOR}
ROLES = (ADMIN, COORDINATOR, FINANCE, AUDITOR)

POLICY: dict[str, set[str]] = {
    "health.health": {PUBLIC},
    "health.alive": {PUBLIC},
    "auth.index": {PUBLIC},
    "auth.login": {PUBLIC},
    "auth.setup": {PUBLIC},
    "auth.logout": {PUBLIC},
    "auth.switch_language": {PUBLIC},
    "coordinator.dashboard_page": {COORDINATOR},
    "coordinator.board": {COORDINATOR},
    "coordinator.new_callout": {COORDINATOR},
    "coordinator.cancel_callout": {COORDINATOR},
    "coordinator.widen_callout": {COORDINATOR},
    "coordinator.calendar": {COORDINATOR},
    "coordinator.planning_page": {COORDINATOR},
    "coordinator.plan_day": {COORDINATOR},
    "coordinator.accept_plan": {COORDINATOR},
    "coordinator.change_person": {COORDINATOR},
    "coordinator.hours": {COORDINATOR},
    "coordinator.approve_hours": {COORDINATOR},
    "coordinator.correct_hours": {COORDINATOR},
    "coordinator.lock_period": {COORDINATOR, FINANCE},
    "coordinator.report_list": {COORDINATOR},
    "coordinator.review_report": {COORDINATOR},
    "finance.ledger_page": READERS,
    "finance.ledger_csv": READERS,
    "finance.ledger_xlsx": READERS,
    "finance.settlement_page": READERS,
    "finance.settlement_csv": READERS,
    "finance.settlement_xlsx": READERS,
    "finance.statement": READERS,
    "finance.evaluation_page": READERS,
    "finance.budget_page": READERS,
    "finance.change_budget_line": {FINANCE},
    "finance.change_fixed_costs": {FINANCE},
    "finance.copy_budget": {FINANCE},
    "admin.overview": {ADMIN},
    "admin.edit_municipality": {ADMIN},
    "admin.add_inspector": {ADMIN},
    "admin.import_inspectors": {ADMIN},
    "admin.add_designation": {ADMIN},
    "admin.edit_inspector": {ADMIN},
    "admin.end_designation": {ADMIN},
    "admin.enrolment_code": {ADMIN},
    "admin.revoke": {ADMIN},
    "admin.add_user": {ADMIN},
    "admin.reset_user": {ADMIN},
    "admin.toggle_user": {ADMIN},
    "admin.add_token": {ADMIN},
    "admin.revoke_token": {ADMIN},
    "admin.key_status": {ADMIN},
    "admin.audit_log": {ADMIN, AUDITOR},
    "api.openapi": {PUBLIC},
    "api.list_callouts": {COORDINATOR},
    "api.create_callout": {COORDINATOR},
    "api.get_callout": {COORDINATOR},
    "api.cancel_callout": {COORDINATOR},
    "api.roster": {COORDINATOR, ADMIN},
    "api.pending_hours": {COORDINATOR},
    "api.approve_hours": {COORDINATOR},
    "api.correct_hours": {COORDINATOR},
    "api.lock_period": {COORDINATOR, FINANCE},
    "api.ledger_entries": READERS,
    "api.settlement_result": READERS,
    "knobs.region_page": {ADMIN},
    "knobs.change_region": {ADMIN},
    "knobs.change_holidays": {ADMIN},
    "knobs.put_organisation": {ADMIN},
    "knobs.remove_organisation": {ADMIN},
    "knobs.new_municipality": {ADMIN},
    "knobs.municipality_figures": {ADMIN},
    "knobs.plans_page": {ADMIN},
    "knobs.change_plan": {ADMIN},
    "knobs.copy_plan": {ADMIN},
    "knobs.ort_page": READERS,
    "knobs.put_ort_table": {FINANCE},
    "finance.payroll_csv": {FINANCE},
    "finance.payroll_xlsx": {FINANCE},
    "admin.disclosure_register": {ADMIN, AUDITOR},
    "admin.disclosure_register_csv": {ADMIN, AUDITOR},
    "coordinator.leave_page": {COORDINATOR},
    "coordinator.remove_leave": {COORDINATOR},
    "api.list_leave": {COORDINATOR},
    "api.mark_leave": {COORDINATOR},
    "api.remove_leave": {COORDINATOR},
    "coordinator.move_day": {COORDINATOR},
    "coordinator.cancel_day": {COORDINATOR},
    "api.move_control": {COORDINATOR},
    "api.cancel_control": {COORDINATOR},
    "api.control_changes_list": {COORDINATOR},
    "work.record_page": {COORDINATOR},
    "work.coordinator_hours": {FINANCE, ADMIN},
    "work.approve_coordinator_hours": {FINANCE, ADMIN},
    "api.record_work": {COORDINATOR},
    "reports.return_report": {COORDINATOR},
    "reports.hand_over": {COORDINATOR},
    "api.return_report": {COORDINATOR},
    "api.hand_over_report": {COORDINATOR},
    "findings.control_list": {COORDINATOR},
    "findings.record_page": {COORDINATOR},
    "api.record_findings": {COORDINATOR},
    "api.get_findings": {COORDINATOR},
    "api.check_address": {COORDINATOR},
    "finance.change_statement_details": {FINANCE},
    "finance.report_page": READERS,
    "finance.report_xlsx": READERS,
    "safety.take_alert": {COORDINATOR},
    "safety.resolve_alert": {COORDINATOR},
    "safety.risk_note": {COORDINATOR},
}


def routes(site: Site) -> list[tuple[str, str, str]]:
    """(endpoint, method, a concrete path) for every route of the app."""
    found = []
    for rule in site.app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        values = {name: ("en" if name == "code" else 999_999) for name in rule.arguments}
        path = rule.build(values, append_unknown=False)[1]  # type: ignore[index]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):  # type: ignore[operator]
            found.append((rule.endpoint, method, path))
    return found


def test_the_app_declares_exactly_the_reviewed_policy(shared_site: Site) -> None:
    declared = {
        e: set(roles_of(shared_site.app, e) or ()) for e in shared_site.app.view_functions if e != "static"
    }
    assert declared == POLICY


@pytest.mark.parametrize("role", [None, *ROLES])
def test_every_route_answers_each_role_as_the_policy_says(shared_site: Site, role: str | None) -> None:
    check_every_route(shared_site, shared_site.client(role), role)


@pytest.mark.parametrize("role", ROLES)
def test_a_cookie_copied_before_logout_is_a_stranger_after_it(shared_site: Site, role: str) -> None:
    client = shared_site.client(role)
    thief = WebClient(shared_site.app, shared_site.app.response_class, use_cookies=True)
    thief.set_cookie("piket_session", client.get_cookie("piket_session").value)  # type: ignore[union-attr]
    thief.csrf = client.csrf
    assert client.post("/logout").status_code == 302
    check_every_route(shared_site, thief, None)


@pytest.mark.parametrize("header", BROKEN_AUTHORIZATION)
@pytest.mark.parametrize("role", ROLES)
def test_a_broken_authorization_header_makes_a_stranger_of_the_api_only(
    shared_site: Site, role: str, header: str
) -> None:
    """A session cookie beside a header that is no valid bearer token: pages as the role, the API 401.

    Who a request is from is settled before its view runs, so of the pages the role may open, one of
    each method stands for the rest here (each is opened by the role in the test above); every other
    route is asked with the header."""
    check_every_route(shared_site, shared_site.client(role), role, {"Authorization": header}, one_view=True)


def check_every_route(
    site: Site,
    client: WebClient,
    role: str | None,
    headers: dict[str, str] | None = None,
    one_view: bool = False,
) -> None:
    """Each route answers the role as POLICY says; with `one_view`, only the first of each method of the
    pages the role may open is opened."""
    viewed: set[str] = set()
    for endpoint, method, path in routes(site):
        if endpoint == "auth.logout":
            continue  # it would end this client's session; it is public and tested on its own
        allowed = POLICY[endpoint]
        seen_as = None if headers and path.startswith("/api/") else role
        if one_view and seen_as is not None and (seen_as in allowed or PUBLIC in allowed):
            if method in viewed:
                continue
            viewed.add(method)
        response = client.open(path, method=method, data={"csrf_token": client.csrf}, headers=headers)
        where = f"{role} {method} {path} {headers}"
        assert response.status_code < 500, where
        if PUBLIC in allowed:
            continue
        if seen_as is None:
            expected = 401 if path.startswith("/api/") else 302
            assert response.status_code == expected, where
            if expected == 302:
                assert response.headers["Location"].startswith("/login"), where
        elif seen_as in allowed:
            assert response.status_code not in (401, 403), where
            assert not response.headers.get("Location", "").startswith("/login"), f"a stranger: {where}"
        else:
            assert response.status_code == 403, where


def test_an_auditor_token_may_read_but_not_change(shared_site: Site) -> None:
    from backend.models import Role
    from backend.services import accounts

    with shared_site.database.transaction() as session:
        _, token = accounts.create_api_token(
            session, shared_site.clock.now(), "test", "books", Role.FINANCE, is_read_only=True
        )
    client = shared_site.app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    shared = "&receiver=accountant&purpose=audit"
    assert client.get(f"/api/v1/settlement?year=2027{shared}", headers=headers).status_code == 200
    refused = client.post(
        "/api/v1/periods/lock",
        headers=headers,
        json={"period_start": "2027-01-01", "period_end": "2027-01-31"},
    )
    assert refused.status_code == 403
    assert client.get("/api/v1/callouts", headers=headers).status_code == 403
    assert (
        client.get("/api/v1/settlement?year=2027", headers={"Authorization": "Bearer pkt_wrong"}).status_code
        == 401
    )

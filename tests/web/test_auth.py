"""Logging in: password and TOTP for every role, the first-login set-up, back-off, sessions, CSRF, headers."""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp
from sqlalchemy import select

from backend.models import AuditRecord, Role, WebUser
from backend.services import accounts
from tests.web.conftest import PASSWORD, Site


def test_a_coordinator_logs_in_with_password_and_code_and_lands_on_the_dispatch_board(site: Site) -> None:
    client = site.client()
    response = client.log_in("coordinator", PASSWORD, site.code("coordinator"))
    assert response.status_code == 302
    assert client.get(response.headers["Location"]).headers["Location"].endswith("/coordinator")


def test_the_password_alone_is_not_enough(site: Site) -> None:
    client = site.client()
    for code in ("", "000000", "12345x"):
        response = client.log_in("finance", PASSWORD, code)
        assert response.status_code == 401
        assert "Gebruikersnaam, wachtwoord of code is onjuist" in response.text
    assert client.get("/finance/ledger").status_code == 302


def test_a_wrong_password_and_an_unknown_user_get_the_same_answer(site: Site) -> None:
    client = site.client()
    wrong = client.log_in("finance", "not it", site.code("finance"))
    nobody = client.log_in("nobody", "not it", "123456")
    assert wrong.status_code == nobody.status_code == 401
    assert re.sub(r'value="[^"]+"', "", wrong.text) == re.sub(r'value="[^"]+"', "", nobody.text)


def test_repeated_failures_lock_the_account_for_a_doubling_while(site: Site) -> None:
    client = site.client()
    for _ in range(accounts.FREE_FAILURES):
        client.log_in("admin", "guess", "123456")
    locked = client.log_in("admin", PASSWORD, site.code("admin"))
    assert locked.status_code == 401, "even the right password waits out the back-off"
    site.clock.advance(timedelta(minutes=2))
    assert client.log_in("admin", PASSWORD, site.code("admin")).status_code == 302
    with site.database.transaction() as session:
        failures = session.execute(select(AuditRecord).where(AuditRecord.action == "web_user.login_failed"))
        assert len(failures.all()) == accounts.FREE_FAILURES, "tries while locked are refused unseen"


def test_one_address_is_throttled_across_accounts(site: Site) -> None:
    client = site.client()
    throttle = site.app.extensions["piket"]["throttle"]
    for number in range(throttle.limit):
        client.log_in(f"user{number}", "guess", "123456")
    assert client.log_in("coordinator", PASSWORD, site.code("coordinator")).status_code == 429


def test_a_new_account_sets_its_own_password_and_authenticator_before_it_sees_anything(site: Site) -> None:
    with site.database.transaction() as session:
        _, one_time = accounts.create_web_user(session, site.clock.now(), "test", "finance2", Role.FINANCE)
    client = site.client()
    response = client.log_in("finance2", one_time, "")
    assert response.headers["Location"].endswith("/setup")
    page = client.get("/setup")
    secret = re.search(r'id="totp-secret">([A-Z0-9]+)<', page.text).group(1)  # type: ignore[union-attr]
    client.csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    assert client.get("/finance/ledger").status_code == 302, "no pages before the set-up is done"
    short = client.post("/setup", data={"password": "short", "password_again": "short",
                                        "code": pyotp.TOTP(secret).at(site.clock.now())})
    assert short.status_code == 422
    mine = "my own long password"
    done = client.post("/setup", data={"password": mine, "password_again": mine,
                                       "code": pyotp.TOTP(secret).at(site.clock.now())})
    assert done.status_code == 302
    assert client.get("/finance/ledger").status_code == 200
    again = site.client()
    assert again.log_in("finance2", one_time, "").status_code == 401, "the one-time password is gone"
    assert again.log_in("finance2", "my own long password",
                        pyotp.TOTP(secret).at(site.clock.now())).status_code == 302


def test_a_session_ends_after_the_idle_time(site: Site) -> None:
    client = site.client("coordinator")
    with client.session_transaction() as session:
        session["seen"] -= 31 * 60
    response = client.get("/coordinator")
    assert response.status_code == 302
    assert "sessie is beëindigd" in client.get(response.headers["Location"]).text
    assert client.get("/coordinator").status_code == 302, "the session is gone, not just refused once"


def test_a_deactivated_account_loses_its_session_at_once(site: Site) -> None:
    client = site.client("coordinator")
    with site.database.transaction() as session:
        user = session.execute(select(WebUser).where(WebUser.username == "coordinator")).scalar_one()
        user.is_active = False
    assert client.get("/coordinator").status_code == 302


def test_a_form_without_the_csrf_token_changes_nothing(site: Site) -> None:
    client = site.client("coordinator")
    client.csrf = "forged"
    response = client.post("/coordinator/periods/lock",
                           data={"period_start": "2027-01-01", "period_end": "2027-01-31"})
    assert response.status_code == 400
    client = site.client("coordinator")
    from backend.services import ledger

    with site.database.transaction() as session:
        assert ledger.locks(session) == []


def test_every_answer_carries_the_security_headers(site: Site) -> None:
    client = site.client("coordinator")
    for path in ("/login", "/coordinator", "/api/v1/openapi.json", "/nowhere"):
        headers = client.get(path).headers
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert "unsafe-inline" not in headers["Content-Security-Policy"]
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Cache-Control"] == "no-store"
    cookie = client.get_cookie("piket_session")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"


def test_no_page_has_an_inline_script(site: Site) -> None:
    client = site.client("coordinator")
    for path in ("/coordinator", "/coordinator/hours", "/coordinator/callouts/new", "/finance/ledger"):
        assert not re.search(r"<script(?![^>]*\bsrc=)", client.get(path).text), path


def test_login_never_redirects_off_site(site: Site) -> None:
    client = site.client()
    client.refresh_csrf()
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        response = client.post(f"/login?next={target}", data={
            "username": "finance", "password": PASSWORD, "code": site.code("finance")})
        assert response.headers["Location"] == "/", target
        client = site.client()


def test_the_pages_speak_dutch_and_switch_to_english(site: Site) -> None:
    client = site.client("coordinator")
    assert "Inzet" in client.get("/coordinator").text
    client.get("/lang/en?next=/coordinator")
    assert "Dispatch" in client.get("/coordinator").text


def test_an_admin_resets_a_lost_authenticator_and_switches_an_account_off(site: Site) -> None:
    admin = site.client("admin")
    with site.database.transaction() as session:
        finance_id = session.execute(select(WebUser.id).where(WebUser.username == "finance")).scalar_one()
    reset = admin.post(f"/admin/users/{finance_id}/reset")
    one_time = re.search(r'id="secret">([^<]+)<', reset.text).group(1)  # type: ignore[union-attr]
    client = site.client()
    assert client.log_in("finance", PASSWORD, site.code("finance")).status_code == 401, "old password gone"
    assert client.log_in("finance", one_time, "").headers["Location"].endswith("/setup")
    assert admin.post(f"/admin/users/{finance_id}/active", data={"is_active": "false"}).status_code == 302
    assert site.client().log_in("finance", one_time, "").status_code == 401
    with site.database.transaction() as session:
        admin_id = session.execute(select(WebUser.id).where(WebUser.username == "admin")).scalar_one()
    assert admin.post(f"/admin/users/{admin_id}/active", data={"is_active": "false"}).status_code == 422

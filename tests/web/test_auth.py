"""Logging in: password and TOTP for every role, the first-login set-up, back-off, sessions, CSRF, headers."""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp
import pytest
from flask import Flask
from sqlalchemy import select

from backend.models import AuditRecord, Role, WebUser
from backend.services import accounts, ledger, login_throttle
from backend.web import create_app
from tests.support.web import BROKEN_AUTHORIZATION
from tests.web.conftest import PASSWORD, Site, WebClient


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


def client_at(site: Site, address: str, app: Flask | None = None) -> WebClient:
    client = WebClient(app or site.app, site.app.response_class, use_cookies=True)
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_wrong_tries_from_one_address_make_only_that_address_wait(site: Site) -> None:
    guesser = client_at(site, "203.0.113.7")
    for _ in range(login_throttle.PAIR_LIMIT):
        assert guesser.log_in("admin", "guess", "123456").status_code == 401
    assert guesser.log_in("admin", PASSWORD, site.code("admin")).status_code == 401, "the guesser waits"
    assert client_at(site, "198.51.100.2").log_in("admin", PASSWORD, site.code("admin")).status_code == 302
    with site.database.transaction() as session:
        failures = session.execute(select(AuditRecord).where(AuditRecord.action == "web_user.login_failed"))
        assert len(failures.all()) == login_throttle.PAIR_LIMIT, "tries while throttled are refused unseen"
    site.clock.advance(login_throttle.WINDOW)
    assert guesser.log_in("admin", PASSWORD, site.code("admin")).status_code == 302


def test_failures_from_many_addresses_lock_the_account(site: Site) -> None:
    for number in range(login_throttle.ACCOUNT_LIMIT):
        client_at(site, f"192.0.2.{number}").log_in("finance", "guess", "123456")
    owner = client_at(site, "198.51.100.2")
    assert owner.log_in("finance", PASSWORD, site.code("finance")).status_code == 401


def test_the_throttle_holds_across_instances(site: Site) -> None:
    other = create_app(site.app.extensions["piket"]["settings"], site.database, site.clock)
    for number in range(login_throttle.PAIR_LIMIT):
        app = other if number % 2 else site.app
        client_at(site, "203.0.113.7", app).log_in("admin", "guess", "123456")
    for app in (site.app, other):
        guesser = client_at(site, "203.0.113.7", app)
        assert guesser.log_in("admin", PASSWORD, site.code("admin")).status_code == 401


def test_unknown_throttled_and_wrong_get_the_same_answer_after_the_same_work(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    hashed = []
    matches = accounts.password_matches
    monkeypatch.setattr(accounts, "password_matches", lambda *args: hashed.append(1) or matches(*args))
    guesser = client_at(site, "203.0.113.7")
    for _ in range(login_throttle.PAIR_LIMIT):
        guesser.log_in("admin", "guess", "123456")
    answers = []
    for username, password in (("nobody", "guess"), ("admin", PASSWORD), ("coordinator", "guess")):
        hashed.clear()
        response = guesser.log_in(username, password, "123456")
        answers.append((response.status_code, re.sub(r'value="[^"]+"', "", response.text)))
        assert len(hashed) == 1, username
    assert answers[0] == answers[1] == answers[2]


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
    short = client.post(
        "/setup",
        data={
            "password": "short",
            "password_again": "short",
            "code": pyotp.TOTP(secret).at(site.clock.now()),
        },
    )
    assert short.status_code == 422
    mine = "my own long password"
    done = client.post(
        "/setup",
        data={"password": mine, "password_again": mine, "code": pyotp.TOTP(secret).at(site.clock.now())},
    )
    assert done.status_code == 302
    assert client.get("/finance/ledger").status_code == 200
    again = site.client()
    assert again.log_in("finance2", one_time, "").status_code == 401, "the one-time password is gone"
    site.clock.advance(timedelta(seconds=30))  # the set-up used this step's code
    assert (
        again.log_in("finance2", "my own long password", pyotp.TOTP(secret).at(site.clock.now())).status_code
        == 302
    )


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
    response = client.post(
        "/coordinator/periods/lock", data={"period_start": "2027-01-01", "period_end": "2027-01-31"}
    )
    assert response.status_code == 400
    client = site.client("coordinator")
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
        response = client.post(
            f"/login?next={target}",
            data={"username": "finance", "password": PASSWORD, "code": site.code("finance")},
        )
        assert response.headers["Location"] == "/", target
        client = site.client()
        site.forget_used_codes()


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


def test_a_code_logs_in_once(site: Site) -> None:
    code = site.code("finance")
    assert site.client().log_in("finance", PASSWORD, code).status_code == 302
    assert site.client().log_in("finance", PASSWORD, code).status_code == 401, "the same code again"
    earlier = pyotp.TOTP(site.secrets["finance"]).at(site.clock.now() - timedelta(seconds=30))
    assert site.client().log_in("finance", PASSWORD, earlier).status_code == 401, "an older code"
    site.clock.advance(timedelta(seconds=30))
    assert site.client().log_in("finance", PASSWORD, site.code("finance")).status_code == 302


def copy_of(site: Site, client: WebClient, app: Flask | None = None) -> WebClient:
    """Another browser holding the same session cookie (and form token), as a thief would."""
    cookie = client.get_cookie("piket_session")
    assert cookie is not None
    thief = WebClient(app or site.app, site.app.response_class, use_cookies=True)
    thief.set_cookie("piket_session", cookie.value)
    thief.csrf = client.csrf
    return thief


def test_logout_ends_the_session_for_a_copied_cookie_too(site: Site) -> None:
    client = site.client("coordinator")
    other_instance = create_app(site.app.extensions["piket"]["settings"], site.database, site.clock)
    copies = [copy_of(site, client), copy_of(site, client, other_instance)]
    assert all(copy.get("/coordinator").status_code == 200 for copy in copies)
    assert client.post("/logout").status_code == 302
    for copy in copies:
        assert (
            copy.post(
                "/coordinator/periods/lock", data={"period_start": "2027-01-01", "period_end": "2027-01-31"}
            ).status_code
            == 302
        )
        assert copy.get("/coordinator").status_code == 302
    with site.database.transaction() as session:
        assert ledger.locks(session) == []


def test_a_reset_ends_the_sessions_of_the_account_at_once(site: Site) -> None:
    finance = site.client("finance")
    with site.database.transaction() as session:
        finance_id = session.execute(select(WebUser.id).where(WebUser.username == "finance")).scalar_one()
    site.client("admin").post(f"/admin/users/{finance_id}/reset")
    assert finance.get("/finance/ledger").status_code == 302


def test_only_a_valid_bearer_token_skips_the_csrf_check_of_the_api(site: Site) -> None:
    client = site.client("coordinator")
    period = {"period_start": "2027-01-01", "period_end": "2027-01-31"}
    for header in BROKEN_AUTHORIZATION:
        refused = client.open(
            "/api/v1/periods/lock", method="POST", json=period, headers={"Authorization": header}
        )
        assert refused.status_code == 401, header
    assert client.open("/api/v1/periods/lock", method="POST", json=period).status_code == 400, "no CSRF token"
    with site.database.transaction() as session:
        assert ledger.locks(session) == []


def test_exports_are_never_stored_and_a_wrong_method_says_which_are_right(site: Site) -> None:
    client = site.client("finance")
    for path in ("/finance/ledger.csv", "/finance/ledger.xlsx", "/finance/settlement.xlsx?year=2027"):
        answer = client.get(path)
        assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store", path
    for path, allowed in (
        ("/logout", {"POST"}),
        ("/api/v1/periods/lock", {"POST"}),
        ("/coordinator/hours/approve", {"POST"}),
    ):
        answer = client.put(path)
        assert answer.status_code == 405, path
        assert set(answer.headers["Allow"].split(", ")) - {"OPTIONS"} == allowed, path

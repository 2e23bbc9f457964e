"""From a fresh database to the first admin: `piket setup`, `piket users reset`, and the demo's reset
that refuses what it did not make."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime

import pyotp
from sqlalchemy import select

from backend.db import Database
from backend.models import AuditRecord, Region, Role, WebUser
from backend.services import accounts
from scheduling.calendar import local_date, team_zone
from tests.conftest import Piket

PASSWORD = re.compile(r"one-time password: (\S+)")


def _password(output: str) -> str:
    found = PASSWORD.search(output)
    assert found, output
    return found.group(1)


def test_setup_makes_the_region_and_an_admin_who_logs_in_with_the_printed_password(
    upgraded: Piket, env: dict[str, str]
) -> None:
    result = upgraded(
        "setup", "--region", "Toezicht Gooi", "--timezone", "Europe/Amsterdam", "--admin", "beheer"
    )
    password = _password(result.output)
    database = Database(env["PIKET_DATABASE_URL"])
    with database.transaction() as session:
        region = session.execute(select(Region)).scalar_one()
        assert (region.name, region.timezone) == ("Toezicht Gooi", "Europe/Amsterdam")
        admin = accounts.log_in(session, datetime.now(UTC), "beheer", password, "")
        assert admin.role is Role.ADMIN and accounts.needs_setup(admin)
    database.dispose()


def test_setup_refuses_once_an_admin_exists(upgraded: Piket) -> None:
    upgraded("setup", "--region", "Toezicht Gooi", "--timezone", "Europe/Amsterdam", "--admin", "beheer")
    again = upgraded(
        "setup", "--region", "Toezicht Gooi", "--timezone", "Europe/Amsterdam", "--admin", "tweede", expect=1
    )
    assert "an admin account exists already" in again.output
    assert "piket users reset" in again.output


def test_setup_refuses_an_unknown_zone_and_makes_nothing(upgraded: Piket, env: dict[str, str]) -> None:
    wrong = upgraded(
        "setup", "--region", "Toezicht Gooi", "--timezone", "Europe/Hilversum", "--admin", "beheer", expect=1
    )
    assert "unknown time zone 'Europe/Hilversum'" in wrong.output
    database = Database(env["PIKET_DATABASE_URL"])
    with database.transaction() as session:
        assert session.execute(select(Region)).first() is None
        assert session.execute(select(WebUser)).first() is None
    database.dispose()


def test_setup_on_an_empty_database_asks_for_the_upgrade_first(piket: Piket) -> None:
    result = piket("setup", "--region", "X-team", "--admin", "beheer", expect=1)
    assert "piket db upgrade" in result.output


def test_users_reset_gives_a_lost_admin_a_new_one_time_password_and_audits_it(
    upgraded: Piket, env: dict[str, str]
) -> None:
    upgraded("setup", "--region", "Toezicht Gooi", "--timezone", "Europe/Amsterdam", "--admin", "beheer")
    database = Database(env["PIKET_DATABASE_URL"])
    with database.transaction() as session:  # the admin had set up a password and an authenticator
        admin = session.execute(select(WebUser)).scalar_one()
        admin.password_hash, admin.totp_secret = accounts.hash_password("forgotten"), pyotp.random_base32()
        admin.must_change_password = False
    new_password = _password(upgraded("users", "reset", "beheer").output)
    with database.transaction() as session:
        admin = accounts.log_in(session, datetime.now(UTC), "beheer", new_password, "")
        assert accounts.needs_setup(admin) and admin.totp_secret is None
        actions = [tuple(r) for r in session.execute(select(AuditRecord.actor, AuditRecord.action))]
        assert ("cli:users", "web_user.reset") in actions
    database.dispose()
    assert "no web account named 'nobody'" in upgraded("users", "reset", "nobody", expect=1).output


def test_the_region_zone_is_the_one_the_rules_use(upgraded: Piket, env: dict[str, str]) -> None:
    """PIKET_TIMEZONE only seeds setup; afterwards every command evaluates rules in the region's zone."""
    upgraded("setup", "--region", "Island team", "--admin", "beheer", PIKET_TIMEZONE="America/Curacao")
    assert team_zone().key == "America/Curacao"
    upgraded("db", "current", PIKET_TIMEZONE="Europe/Amsterdam")  # a later command, another setting
    assert team_zone().key == "America/Curacao"
    # 02:00 UTC on 10 March is still 9 March on Curaçao (UTC-4), and 10 March in Amsterdam.
    assert local_date(datetime(2027, 3, 10, 2, 0, tzinfo=UTC)).day == 9


def test_demo_reset_refuses_a_database_the_demo_did_not_make(upgraded: Piket) -> None:
    upgraded("setup", "--region", "Toezicht Gooi", "--timezone", "Europe/Amsterdam", "--admin", "beheer")
    refused = upgraded("demo", "--reset", expect=1)
    assert "the demo did not make this database" in refused.output
    assert "Toezicht" not in upgraded("demo", expect=1).output  # and plain demo does not load over it


def test_demo_reset_refuses_production_even_on_a_demo_database(upgraded: Piket) -> None:
    upgraded("demo")
    refused = upgraded(
        "demo",
        "--reset",
        expect=1,
        PIKET_ENVIRONMENT="production",
        PIKET_SECRET_KEY=secrets.token_urlsafe(48),
    )
    assert "production" in refused.output
    assert "Demo loaded" in upgraded("demo", "--reset").output  # in development it may
    assert "Demo loaded" in upgraded("demo", "--reset").output  # and again: it marked its database

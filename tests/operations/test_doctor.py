"""`piket doctor` on the demo made ready for service, and on a deliberately broken deployment."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyotp
import pytest
from sqlalchemy import select, update

from backend.config import load_settings
from backend.db import Database
from backend.models import Inspector, WebUser
from backend.services.doctor import Finding, Status, examine
from secure_store import KeyRing
from tests.conftest import Piket
from tests.faults.standin import TOKEN, Server


@pytest.fixture
def telegram() -> Iterator[Server]:
    with Server() as server:
        yield server


@pytest.fixture
def ready(upgraded: Piket, env: dict[str, str], tmp_path: Path, telegram: Server) -> dict[str, str]:
    """The demo as a team would run it: logged-in admin and coordinator, a backup, a bot, a secret."""
    upgraded("demo")
    database = Database(env["PIKET_DATABASE_URL"])
    with database.transaction() as session:
        for user in session.execute(select(WebUser)).scalars():
            user.totp_secret, user.must_change_password = pyotp.random_base32(), False
    database.dispose()
    backups = tmp_path / "backups"
    backups.mkdir()
    upgraded(
        "backup",
        str(backups / f"piket-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.backup"),
        "--receiver",
        "beheer",
        "--purpose",
        "herstel",
    )
    return {
        "PIKET_ENVIRONMENT": "production",
        "PIKET_BACKUP_DIR": str(backups),
        "PIKET_SECRET_KEY": secrets.token_urlsafe(48),
        "PIKET_TELEGRAM_TOKEN": TOKEN,
        "PIKET_TELEGRAM_API_URL": telegram.api_url,
    }


def _lines(output: str) -> dict[str, str]:
    """Check name to its status, from the printed lines."""
    found = {}
    for line in output.splitlines():
        status, _, rest = line.partition(" ")
        if status in ("OK", "WARN", "FAIL"):
            found[rest.strip().split(":")[0]] = status
    return found


def test_on_the_demo_made_ready_every_check_passes(ready: dict[str, str], upgraded: Piket) -> None:
    result = upgraded("doctor", **ready)
    statuses = _lines(result.output)
    assert set(statuses) == {
        "keys",
        "session secret",
        "environment",
        "database",
        "sealed values",
        "region",
        "accounts",
        "designations",
        "money and ORT tables",
        "telegram",
        "backup",
    }
    assert statuses == dict.fromkeys(statuses, "OK"), result.output
    assert "@piket_standin_bot answers; updates by polling" in result.output


def test_a_broken_deployment_names_each_fault_and_exits_non_zero(
    ready: dict[str, str], upgraded: Piket, env: dict[str, str], tmp_path: Path
) -> None:
    database = Database(env["PIKET_DATABASE_URL"])
    with database.transaction() as session:  # nobody trained any more
        session.execute(update(Inspector).values(trained_since=None))
    database.dispose()
    wrong_keys = tmp_path / "wrong-keys.json"
    KeyRing.generate().write(wrong_keys)
    empty = tmp_path / "no-backups"
    empty.mkdir()
    result = upgraded(
        "doctor", expect=1, **{**ready, "PIKET_KEYS_FILE": str(wrong_keys), "PIKET_BACKUP_DIR": str(empty)}
    )
    statuses = _lines(result.output)
    assert statuses["sealed values"] == statuses["designations"] == statuses["backup"] == "FAIL"
    assert "this is not the key ring the data was sealed with" in result.output
    assert "no pair possible in De Fryske Marren (12 designated, 0 trained)" in result.output
    assert f"no backup in {empty}" in result.output
    assert statuses["accounts"] == statuses["database"] == "OK"


def test_without_a_database_the_checks_that_need_one_say_so(upgraded: Piket, tmp_path: Path) -> None:
    result = upgraded(
        "doctor",
        expect=1,
        PIKET_DATABASE_URL="postgresql+psycopg://nobody@127.0.0.1:9/none?connect_timeout=2",
    )
    statuses = _lines(result.output)
    assert statuses["database"] == "FAIL" and "cannot be reached" in result.output
    assert statuses["region"] == "WARN" and "not checked" in result.output
    assert statuses["environment"] == "FAIL"  # PostgreSQL in development


def _examine(fetch: Any = None, **environment: str) -> dict[str, Finding]:
    settings = load_settings({"PIKET_DATABASE_URL": "sqlite:////nonexistent/dir/x.db", **environment})
    return {f.check: f for f in examine(settings, datetime.now(UTC), fetch)}


def test_a_weak_or_missing_session_secret_is_named() -> None:
    assert _examine(PIKET_SECRET_KEY="changeme")["session secret"].status is Status.FAIL
    assert _examine(PIKET_SECRET_KEY="a" * 40)["session secret"].status is Status.FAIL
    assert _examine()["session secret"].status is Status.WARN


def test_telegram_refusing_the_token_or_holding_another_webhook_is_named() -> None:
    def refused(url: str) -> dict[str, Any]:
        return {"ok": False, "error_code": 401, "description": "Unauthorized"}

    def hooked(url: str) -> dict[str, Any]:
        if url.endswith("/getMe"):
            return {"ok": True, "result": {"username": "team_bot"}}
        return {"ok": True, "result": {"url": "https://old.example.org/telegram"}}

    token = {"PIKET_TELEGRAM_TOKEN": "1:x"}
    assert "refused the token" in _examine(refused, **token)["telegram"].message
    polling = _examine(hooked, **token)["telegram"]
    assert polling.status is Status.WARN and "another deployment" in polling.message
    other = _examine(
        hooked, **token, PIKET_WEBHOOK_URL="https://piket.example.org/telegram", PIKET_WEBHOOK_SECRET="s" * 32
    )["telegram"]
    assert other.status is Status.WARN and "not PIKET_WEBHOOK_URL" in other.message
    assert "1:x" not in polling.message + other.message

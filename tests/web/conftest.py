"""A site to test the web against: the demo team on a database of its own, one account per role,
and test clients that log in the way a person does (password and TOTP code)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from backend import migrate
from backend.config import Settings, load_settings
from backend.db import Database
from backend.models import HourCategory, Inspector, Role, WebUser
from backend.services import accounts, ledger
from backend.services.demo import load_demo
from backend.web import create_app
from scheduling.calendar import local_instant
from scheduling.clock import FrozenClock
from scheduling.ort import planned_break
from secure_store import KeyRing, use_keyring
from secure_store.types import blind_index
from tests.conftest import CHEAP_HASHER, DatabaseFactory, Templates

PASSWORD = "a password of the test team"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Site:
    app: Flask
    database: Database
    clock: FrozenClock
    secrets: dict[str, str] = field(default_factory=dict)
    """Username (the role's name) to TOTP secret."""

    def code(self, username: str) -> str:
        return pyotp.TOTP(self.secrets[username]).at(self.clock.now())

    def client(self, role: str | None = None) -> WebClient:
        client = WebClient(self.app, self.app.response_class, use_cookies=True)
        client.refresh_csrf()
        if role is not None:
            response = client.log_in(role, PASSWORD, self.code(role))
            assert response.status_code == 302, response.text
            self.forget_used_codes()
        return client

    def forget_used_codes(self) -> None:
        """The test clock stands still, so a second login would reuse the code; a person would wait 30 s."""
        with self.database.transaction() as session:
            session.execute(update(WebUser).values(totp_last_step=None))


class WebClient(FlaskClient):
    """A browser: it keeps cookies and sends the form's CSRF token, as a page would."""

    csrf: str = ""

    def refresh_csrf(self) -> str:
        found = CSRF.search(self.get("/login").text)
        self.csrf = found.group(1) if found else self.csrf
        return self.csrf

    def log_in(self, username: str, password: str, code: str) -> Any:
        self.refresh_csrf()
        response = self.post("/login", data={"username": username, "password": password, "code": code})
        if response.status_code == 302:
            with self.session_transaction() as session:
                self.csrf = session.get("csrf", "")
        return response

    def post(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        if "json" not in kwargs:
            kwargs["data"] = {"csrf_token": self.csrf, **kwargs.get("data", {})}
        return super().post(*args, **kwargs)


@lru_cache(maxsize=1)
def password_hash() -> str:
    """One hash for every test account, made with argon2's least work (CHEAP_HASHER)."""
    return CHEAP_HASHER.hash(PASSWORD)


def build_site(database: Database, clock: FrozenClock, tmp_path: Any) -> Site:
    """A site on an empty database: migrated, the demo loaded and the test accounts made."""
    return open_site(database, clock, tmp_path, load_site(database, clock.now()))


def load_site(database: Database, now: datetime) -> dict[str, str]:
    """Migrates, loads the demo as at `now`, enrols every phone, and gives every account the test
    password and a TOTP secret; returns the secrets by username."""
    migrate.upgrade(database.engine)
    secrets: dict[str, str] = {}
    with database.transaction() as session:
        load_demo(session, now)
        accounts.create_web_user(session, now, "test", "auditor", Role.AUDITOR)
        for inspector in session.execute(select(Inspector)).scalars():  # every phone enrolled
            inspector.telegram_id = str(1000 + inspector.id)
            inspector.telegram_index = blind_index(inspector.telegram_id, "telegram")
        for user in session.execute(select(WebUser)).scalars():
            user.password_hash = password_hash()
            user.totp_secret = secrets[user.username] = pyotp.random_base32()
            user.must_change_password = False
    return secrets


class Apps:
    """Flask apps to use again: making one compiles the URL builder of each of its hundred routes
    (about 60 ms, which every web test paid). A site takes one and points it at its own database,
    clock and settings (the app reads them from `app.extensions` at each request); it is given back
    when the site's test (or module) ends. Nothing else of a request outlives it."""

    def __init__(self) -> None:
        self.free: list[Flask] = []

    def take(self, settings: Settings, database: Database, clock: FrozenClock) -> Flask:
        if not self.free:
            return create_app(settings, database, clock)
        app = self.free.pop()
        app.extensions["piket"].update(settings=settings, database=database, clock=clock)
        return app

    @contextmanager
    def lent(self, site: Site) -> Iterator[Site]:
        try:
            yield site
        finally:
            self.free.append(site.app)


@pytest.fixture(scope="session")
def apps() -> Apps:
    return Apps()


def open_site(
    database: Database, clock: FrozenClock, tmp_path: Any, secrets: dict[str, str], apps: Apps | None = None
) -> Site:
    settings = load_settings({"PIKET_DATA_DIR": str(tmp_path), "PIKET_SECRET_KEY": "test secret"})
    app = (apps or Apps()).take(settings, database, clock)
    return Site(app, database, clock, dict(secrets))


def copy_site(
    databases: DatabaseFactory, templates: Templates, clock: FrozenClock, tmp_path: Any, apps: Apps
) -> Site:
    """A site on a copy of the session's demo database (loaded once per clock time)."""
    now = clock.now()
    template = templates.get(("site", now), lambda database: load_site(database, now))
    return open_site(databases.copy(template), clock, tmp_path, template.value, apps)


@pytest.fixture
def site(
    databases: DatabaseFactory, templates: Templates, clock: FrozenClock, tmp_path: Any, apps: Apps
) -> Iterator[Site]:
    """A site of its own for a test that changes things."""
    with apps.lent(copy_site(databases, templates, clock, tmp_path, apps)) as made:
        yield made


@pytest.fixture(scope="module")
def shared_site(
    templates: Templates,
    keyring: KeyRing,
    tmp_path_factory: pytest.TempPathFactory,
    apps: Apps,
) -> Iterator[Site]:
    """One site for a module of tests that only look (or are refused)."""
    use_keyring(keyring)  # module fixtures start before the per-test key ring fixture
    factory = DatabaseFactory(templates.factory.backend, tmp_path_factory.mktemp("site"))
    clock = FrozenClock(datetime(2027, 3, 9, 13, 0, tzinfo=UTC))
    with apps.lent(copy_site(factory, templates, clock, tmp_path_factory.mktemp("data"), apps)) as made:
        yield made
    factory.cleanup()


def book(
    session: Session,
    site: Site,
    inspector_id: int,
    municipality_id: int,
    day: date,
    *,
    hour: int = 14,
    minutes: int = 9 * 60,
    break_minutes: int = 60,
    category: HourCategory = HourCategory.CONTROL,
) -> int:
    """An hour entry as the bot records it (not approved): `minutes` from `hour` o'clock local time, with
    a break of `break_minutes` where the plan puts it (18:00-19:00 on the standard day)."""
    start = local_instant(day, time(hour))
    end = start + timedelta(minutes=minutes)
    return ledger.record(
        session,
        site.clock.now(),
        "bot",
        inspector_id=inspector_id,
        municipality_id=municipality_id,
        category=category,
        starts_at=start,
        ends_at=end,
        breaks=planned_break(start, end, break_minutes),
    ).id

"""Fixtures: a key ring, databases on SQLite and (where PIKET_TEST_DATABASE_URL is set) PostgreSQL.

Database tests take `session` (a migrated database, rolled back after each test)
or `fresh_database` (an empty database of their own, for migrations, the CLI and
backups). Both run once per configured backend.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, settings
from sqlalchemy import text
from sqlalchemy.orm import Session

from backend import migrate
from backend.db import Database, make_engine
from scheduling.clock import FrozenClock
from secure_store import KeyRing, use_keyring

# Hypothesis fails an example that takes over 200 ms, and a run whose data comes slowly: on a
# loaded two-core machine both happen to rules that hold. The tests check the rules, not speed.
settings.register_profile("piket", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("piket")

POSTGRES_URL = os.environ.get("PIKET_TEST_DATABASE_URL", "")
BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])


@pytest.fixture(scope="session")
def keyring() -> KeyRing:
    return KeyRing.generate()


@pytest.fixture(autouse=True)
def _keyring_in_use(keyring: KeyRing) -> Iterator[None]:
    use_keyring(keyring)
    yield
    use_keyring(None)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime(2027, 3, 9, 13, 0, tzinfo=UTC))


class DatabaseFactory:
    """Makes empty databases: SQLite files, or PostgreSQL schemas dropped at the end."""

    def __init__(self, backend: str, tmp: Path) -> None:
        self.backend, self.tmp, self.schemas, self.made = backend, tmp, [], []

    def url(self) -> str:
        if self.backend == "sqlite":
            return f"sqlite:///{self.tmp / ('db-' + secrets.token_hex(4) + '.sqlite')}"
        schema = "piket_test_" + secrets.token_hex(6)
        with make_engine(POSTGRES_URL).begin() as connection:
            connection.execute(text(f"CREATE SCHEMA {schema}"))
        self.schemas.append(schema)
        separator = "&" if "?" in POSTGRES_URL else "?"
        return f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"

    def database(self) -> Database:
        database = Database(self.url())
        self.made.append(database)
        return database

    def cleanup(self) -> None:
        for database in self.made:
            database.dispose()
        if self.schemas:
            engine = make_engine(POSTGRES_URL)
            with engine.begin() as connection:
                for schema in self.schemas:
                    connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            engine.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def session_factory(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DatabaseFactory]:
    factory = DatabaseFactory(backend, tmp_path_factory.mktemp(backend))
    yield factory
    factory.cleanup()


@pytest.fixture
def databases(backend: str, tmp_path: Path) -> Iterator[DatabaseFactory]:
    factory = DatabaseFactory(backend, tmp_path)
    yield factory
    factory.cleanup()


@pytest.fixture
def fresh_database(databases: DatabaseFactory) -> Database:
    """An empty database (no schema) of the current backend."""
    return databases.database()


@pytest.fixture(scope="session")
def migrated_database(session_factory: DatabaseFactory) -> Database:
    database = session_factory.database()
    migrate.upgrade(database.engine)
    return database


@pytest.fixture
def session(migrated_database: Database) -> Iterator[Session]:
    """A session on the migrated database whose work is rolled back after the test.

    Services only flush, so whatever they do stays inside this outer transaction.
    """
    connection = migrated_database.engine.connect()
    transaction = connection.begin()
    db_session = Session(bind=connection, join_transaction_mode="create_savepoint",
                         expire_on_commit=False)
    yield db_session
    db_session.close()
    transaction.rollback()
    connection.close()


Piket = Callable[..., Result]
"""`piket(*args, expect=0, **overrides)`: runs the command line and checks its exit code."""


@pytest.fixture
def env(databases: DatabaseFactory, tmp_path: Path) -> dict[str, str]:
    """The settings of a deployment of the test's own: its database and a key ring file."""
    keys = tmp_path / "keyring.json"
    KeyRing.generate().write(keys)
    return {"PIKET_DATABASE_URL": databases.url(), "PIKET_KEYS_FILE": str(keys),
            "PIKET_DATA_DIR": str(tmp_path / "data")}


@pytest.fixture
def piket(env: dict[str, str]) -> Piket:
    """Runs `piket ARGS` with the test's settings (overrides as keyword arguments); checks the exit."""
    from piket.cli import main

    def run(*args: str, expect: int = 0, **overrides: str) -> Result:
        result = CliRunner().invoke(main, list(args), env={**env, **overrides})
        assert result.exit_code == expect, result.output
        return result

    return run

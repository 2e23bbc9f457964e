"""Fixtures: a key ring, databases on SQLite and (where PIKET_TEST_DATABASE_URL is set) PostgreSQL.

Database tests take `session` (a migrated database, rolled back after each test)
or `fresh_database` (an empty database of their own, for migrations, the CLI and
backups) or `migrated_copy` (a migrated database of their own). They run once per configured
backend. A database that many tests start from is built once per session (`templates`) and
copied for each test: the SQLite file, or the PostgreSQL schema through its dump (or a spare copy
of it that an earlier test left, its rows put back as the template's).
"""

from __future__ import annotations

import functools
import os
import re
import secrets
import shutil
import subprocess
from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

import pytest
from argon2 import PasswordHasher
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, settings
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from backend import migrate
from backend.db import Database, make_engine
from backend.services import accounts
from scheduling.clock import FrozenClock
from secure_store import KeyRing, use_keyring

# Hypothesis fails an example that takes over 200 ms, and a run whose data comes slowly: on a
# loaded two-core machine both happen to rules that hold. The tests check the rules, not speed.
settings.register_profile("piket", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("piket")

POSTGRES_URL = os.environ.get("PIKET_TEST_DATABASE_URL", "")
BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--screenshots",
        action="store_true",
        help="the browser test saves a screenshot of every page it walks (PIKET_TEST_OUTPUT/browser)",
    )


@pytest.fixture(scope="session")
def screenshots(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--screenshots"))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every fault test is slow (processes and a stand-in Telegram): `-m "not slow"` leaves them out.
    A test marked `sqlite_only(why)` is skipped on PostgreSQL.

    The order stays as collected. Measured on two cores: slow tests first with `--dist load` took
    4:17, spread between modules 3:59 (a module's fixtures, such as the browser, set up again for
    each piece), as collected 3:35."""
    for item in items:
        if "faults" in item.path.parts:
            item.add_marker(pytest.mark.slow)
        once = item.get_closest_marker("sqlite_only")
        if once and getattr(item, "callspec", None) and item.callspec.params.get("backend") == "postgresql":
            item.add_marker(pytest.mark.skip(reason=f"on SQLite only: {once.args[0]}"))


CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
"""argon2id with its least work. A login checks a password against the cost stored in its hash, so an
account hashed this way logs in in microseconds instead of a tenth of a second (seconds on a loaded
machine): the web's test accounts, the demo's and the CLI's, and every failed login of an unknown name
(the dummy hash that makes it take the same work as a wrong password)."""


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashes() -> Iterator[None]:
    """The code under test hashes with CHEAP_HASHER: no test is about argon2's cost, and at the default
    cost the role tests' failed logins (each checked against the dummy hash) were a sixth of their time."""
    saved = accounts._hasher, accounts._DUMMY_HASH
    accounts._hasher = CHEAP_HASHER
    accounts._DUMMY_HASH = CHEAP_HASHER.hash("not a password of anyone")
    yield
    accounts._hasher, accounts._DUMMY_HASH = saved


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
    """Makes databases: SQLite files, or PostgreSQL schemas dropped at the end; empty, or copies of a
    template."""

    spare: ClassVar[dict[str, list[str]]] = {}
    """PostgreSQL: copies given back unchanged in shape, by their template's key, for the next test
    to reset and take (this worker's own)."""

    def __init__(self, backend: str, tmp: Path) -> None:
        self.backend, self.tmp = backend, tmp
        self.schemas: list[str] = []
        self.made: list[Database] = []
        self.copies: dict[str, Template] = {}

    def url(self) -> str:
        """An empty database."""
        if self.backend == "sqlite":
            return f"sqlite:///{self._file()}"
        schema = self._schema()
        with _admin().begin() as connection:
            connection.execute(text(f"CREATE SCHEMA {schema}"))
        return _schema_url(schema)

    def database(self, url: str | None = None) -> Database:
        database = Database(url or self.url())
        self.made.append(database)
        return database

    def template(self, build: Callable[[Database], Any]) -> Template:
        """A database that `build` fills, kept as it is then (its file, or its schema's dump)."""
        database = self.database()
        value = build(database)
        if self.backend == "sqlite":
            connection = database.engine.raw_connection()  # outside a transaction, as a checkpoint must be
            connection.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")  # everything into the file itself
            connection.close()
            database.dispose()
            path = database.url.removeprefix("sqlite:///")
            assert not Path(path + "-wal").exists() or Path(path + "-wal").stat().st_size == 0
            return Template(path, value)
        database.dispose()
        schema = database.url.rsplit("%3D", 1)[1]
        return Template(_dump(schema), value, _dump(schema, "--data-only"), _shape(schema))

    def copy(self, template: Template) -> Database:
        """A database of its own, equal to the template: the same rows, ids, sequences and triggers."""
        if self.backend == "sqlite":
            path = self._file()
            shutil.copyfile(template.source, path)
            return self.database(f"sqlite:///{path}")
        schema = self._reset_spare(template) or self._schema()
        if schema not in self.copies:  # a new one: the dump makes it
            _run_sql(template.source.replace(TEMPLATE_SCHEMA, schema))
        self.copies[schema] = template
        return self.database(_schema_url(schema))

    def _reset_spare(self, template: Template) -> str | None:
        """A spare copy of the template with its rows made the template's again (a fifth of the
        time of making a new schema and dropping it), or None."""
        spares = self.spare.get(template.key, [])
        while spares:
            schema = spares.pop()
            try:
                _run_sql(
                    "SET LOCAL session_replication_role = replica;"  # no triggers, no foreign keys
                    f"SELECT {schema}.piket_test_clear();" + template.data.replace(TEMPLATE_SCHEMA, schema)
                )
            except Exception:  # whatever went wrong, a new one is made instead
                self.schemas.append(schema)
                continue
            self.schemas.append(schema)
            self.copies[schema] = template
            return schema
        return None

    def _file(self) -> Path:
        return self.tmp / ("db-" + secrets.token_hex(4) + ".sqlite")

    def _schema(self) -> str:
        schema = "piket_test_" + secrets.token_hex(6)
        self.schemas.append(schema)
        return schema

    def cleanup(self) -> None:
        """Drop what this made, but keep a copy whose tables, columns, triggers and constraints are
        still its template's as a spare (one whose test dropped a trigger is dropped)."""
        for database in self.made:
            database.dispose()
        dropped = []
        for schema in self.schemas:
            template = self.copies.get(schema)
            if (
                template is not None
                and _shape(schema, [name for name, *_ in template.shape]) == template.shape
            ):
                self.spare.setdefault(template.key, []).append(schema)
            else:
                dropped.append(schema)
        _drop(dropped)

    @classmethod
    def drop_spares(cls) -> None:
        _drop([schema for spares in cls.spare.values() for schema in spares])
        cls.spare.clear()


TEMPLATE_SCHEMA = "piket_template_schema"


@dataclass
class Template:
    """A database built once per session, to copy for each test that needs one like it."""

    source: str
    """SQLite: the file; PostgreSQL: the schema's dump, its name replaced by TEMPLATE_SCHEMA."""
    value: Any
    """What the build returned (the web site's TOTP secrets, say)."""
    data: str = ""
    """PostgreSQL: the dump of its rows and sequences alone, to reset a spare copy."""
    shape: tuple[tuple[str, int, int, int], ...] = ()
    """PostgreSQL: what `_shape` finds in it."""
    key: str = field(default_factory=lambda: secrets.token_hex(8))

    def tables(self) -> list[str]:
        return [name for name, *_ in self.shape]


def _schema_url(schema: str) -> str:
    separator = "&" if "?" in POSTGRES_URL else "?"
    return f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"


def _dump(schema: str, *options: str) -> str:
    """The schema as SQL that makes it again: tables, rows, sequences, functions and triggers (with
    `--data-only`: its rows and its sequences' values). A full dump also makes `piket_test_clear()`,
    which empties every table of the schema, for a spare copy's reset."""
    server = POSTGRES_URL.replace("postgresql+psycopg", "postgresql")
    command = [
        "pg_dump",
        "--schema",
        schema,
        "--no-owner",
        "--no-privileges",
        "--inserts",
        "--rows-per-insert=1000",
    ]
    dump = subprocess.run([*command, *options, server], capture_output=True, text=True, check=True).stdout
    lines = [line for line in dump.splitlines() if not re.match(r"\\(un)?restrict ", line)]  # psql-only
    if not options:
        lines.append(CLEAR.replace("SCHEMA", schema))
    return "\n".join(lines).replace(schema, TEMPLATE_SCHEMA)


CLEAR = """
CREATE FUNCTION SCHEMA.piket_test_clear() RETURNS void LANGUAGE plpgsql AS $$
DECLARE name text;
BEGIN
    FOR name IN SELECT tablename FROM pg_tables WHERE schemaname = 'SCHEMA' LOOP
        EXECUTE format('DELETE FROM SCHEMA.%I', name);
    END LOOP;
END $$;
"""


def _shape(schema: str, tables: Sequence[str] | None = None) -> tuple[tuple[str, int, int, int], ...]:
    """Its tables (or these of them) and each one's columns, enabled triggers and constraints: what
    a test that changes a copy's schema (drops a trigger, say) changes. Given the tables, by the
    catalogs' indexes alone: the tests' schemas come and go by the thousand and bloat the catalogs
    (this server may run without autovacuum), and a scan of one took a tenth of a second."""
    if tables is None:
        with _admin().connect() as connection:
            query = text("SELECT tablename FROM pg_tables WHERE schemaname = :schema")
            tables = list(connection.execute(query, {"schema": schema}).scalars())
    with _admin().connect() as connection:
        rows = connection.execute(text(SHAPE), {"schema": schema, "tables": list(tables)})
        return tuple(tuple(row) for row in rows)


SHAPE = """
SELECT c.relname,
       (SELECT count(*) FROM pg_attribute WHERE attrelid = c.oid AND attnum > 0 AND NOT attisdropped),
       (SELECT count(*) FROM pg_trigger WHERE tgrelid = c.oid AND tgenabled <> 'D'),
       (SELECT count(*) FROM pg_constraint WHERE conrelid = c.oid)
FROM pg_class c
WHERE c.relname = ANY(:tables) AND c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = :schema)
ORDER BY c.relname
"""


@functools.cache
def _admin() -> Engine:
    """This process's connections for making, resetting and dropping the tests' schemas."""
    return make_engine(POSTGRES_URL)


def _run_sql(sql: str) -> None:
    """Run a dump's SQL in one transaction."""
    connection = _admin().raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute(sql)
        cursor.close()
        connection.commit()
    finally:
        connection.close()


def _drop(schemas: list[str]) -> None:
    if schemas:
        with _admin().begin() as connection:
            for schema in schemas:
                connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))


class Templates:
    """The session's templates of one backend, each built the first time a test asks for it."""

    def __init__(self, factory: DatabaseFactory) -> None:
        self.factory = factory
        self.made: dict[Hashable, Template] = {}

    def get(self, key: Hashable, build: Callable[[Database], Any]) -> Template:
        if key not in self.made:
            self.made[key] = self.factory.template(build)
        return self.made[key]

    def migrated(self) -> Template:
        """An empty database at the newest migration."""
        return self.get("migrated", lambda database: migrate.upgrade(database.engine))


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def session_factory(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DatabaseFactory]:
    factory = DatabaseFactory(backend, tmp_path_factory.mktemp(backend))
    yield factory
    factory.cleanup()
    DatabaseFactory.drop_spares()


@pytest.fixture
def databases(backend: str, tmp_path: Path) -> Iterator[DatabaseFactory]:
    factory = DatabaseFactory(backend, tmp_path)
    yield factory
    factory.cleanup()


@pytest.fixture(scope="session")
def templates(session_factory: DatabaseFactory, keyring: KeyRing) -> Templates:
    """Databases built once per backend and session (with the session's key ring), copied per test."""
    return Templates(session_factory)


@pytest.fixture
def fresh_database(databases: DatabaseFactory) -> Database:
    """An empty database (no schema) of the current backend."""
    return databases.database()


@pytest.fixture
def migrated_copy(databases: DatabaseFactory, templates: Templates) -> Database:
    """A migrated, empty database of the test's own: a copy of one migrated once per session."""
    return databases.copy(templates.migrated())


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
    db_session = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
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
    return {
        "PIKET_DATABASE_URL": databases.url(),
        "PIKET_KEYS_FILE": str(keys),
        "PIKET_DATA_DIR": str(tmp_path / "data"),
    }


@pytest.fixture
def piket(env: dict[str, str]) -> Piket:
    """Runs `piket ARGS` with the test's settings (overrides as keyword arguments); checks the exit."""
    from piket.cli import main

    def run(*args: str, expect: int = 0, **overrides: str) -> Result:
        result = CliRunner().invoke(main, list(args), env={**env, **overrides})
        assert result.exit_code == expect, result.output
        return result

    return run


@pytest.fixture
def upgraded(piket: Piket, env: dict[str, str], databases: DatabaseFactory, templates: Templates) -> Piket:
    """The command line on a deployment whose database is at the newest migration: a copy of the
    session's migrated database (migrating each test's own was most of the CLI tests' set-up), which
    `piket db upgrade` then finds current. Tests of the upgrade itself start from `env`'s empty one."""
    env["PIKET_DATABASE_URL"] = databases.copy(templates.migrated()).url
    piket("db", "upgrade")
    return piket


@pytest.fixture
def demo(upgraded: Piket) -> Result:
    """`piket demo` on an upgraded deployment; its output holds the one-time passwords."""
    return upgraded("demo")

"""The piket command as an operator runs it, on a database and key ring of each test's own."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from scheduling.calendar import DEFAULT_ZONE, use_team_zone
from secure_store import KeyRing
from tests.conftest import DatabaseFactory

Piket = Callable[..., Result]


@pytest.fixture(autouse=True)
def _default_zone() -> Iterator[None]:
    """A command sets the process's zone from its region; the next test starts from the default."""
    yield
    use_team_zone(DEFAULT_ZONE)


@pytest.fixture
def env(databases: DatabaseFactory, tmp_path: Path) -> dict[str, str]:
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


@pytest.fixture
def upgraded(piket: Piket) -> Piket:
    piket("db", "upgrade")
    return piket

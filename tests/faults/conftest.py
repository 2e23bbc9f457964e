"""Fault tests run real `piket serve` processes against a Telegram stand-in on a real socket."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest

from backend.db import Database
from secure_store import KeyRing
from tests.conftest import DatabaseFactory, Templates
from tests.faults.processes import Instance, serve_env
from tests.faults.standin import Server, Telegram

PROMPT = {
    "leader_poll_seconds": "1",
    "heartbeat_seconds": "2",
    "telegram_chat_interval_ms": "100",
    "telegram_sends_per_second": "300",
}
"""What the processes under test poll at, instead of every 10 and 5 seconds: a crashed bot or a killed
leader is replaced within a second, the leader retries every second while the database is away, and
key rotation waits 4 s for a lagging instance, not 10. The stand-in Telegram takes ten messages a
second to a chat where Telegram takes one (its 30 a second overall stay): a crew's offers and prompts
go out in seconds, not in a quarter of a minute. The same code runs; it only waits less (the pace
itself is tested in tests/bot/test_sender.py and measured by bench/load.py)."""


@dataclass
class Site:
    """A migrated database, the key file, Telegram, and the `piket serve` processes on them."""

    database: Database
    url: str
    keys_file: Path
    tmp: Path
    telegram: Telegram
    api_url: str
    instances: list[Instance] = field(default_factory=list)

    def env(self, **settings: str) -> dict[str, str]:
        return serve_env(self.url, self.keys_file, self.tmp / "data", self.api_url, **(PROMPT | settings))

    def serve(self, port: int | None = None, **settings: str) -> Instance:
        instance = Instance.start(self.env(**settings), self.tmp / f"serve-{len(self.instances)}.log", port)
        self.instances.append(instance)
        return instance

    def end(self) -> None:
        """After the test: SIGKILL what still runs (its bot process dies with it). A graceful stop took
        seconds of every test; the one test about stopping stops its instance itself."""
        for instance in self.instances:
            if instance.alive:
                instance.kill()

    @staticmethod
    def now() -> datetime:
        """The real time, to the minute (as shifts are kept)."""
        return datetime.now(UTC).replace(second=0, microsecond=0)


@pytest.fixture
def site(
    databases: DatabaseFactory, templates: Templates, keyring: KeyRing, tmp_path: Path
) -> Iterator[Site]:
    keys_file = tmp_path / "keys.json"
    keyring.write(keys_file)
    database = databases.copy(templates.migrated())
    with Server() as telegram:
        made = Site(database, database.url, keys_file, tmp_path, telegram.telegram, telegram.api_url)
        try:
            yield made
        finally:
            made.end()

"""What every command needs, built once from the configuration: settings, keys, database, clock."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from backend import logs
from backend.config import Settings, load_settings
from backend.db import Database
from backend.keys import load_keyring
from scheduling.clock import Clock, SystemClock
from secure_store import KeyRing, use_keyring


@dataclass
class Runtime:
    settings: Settings
    clock: Clock

    @classmethod
    def from_environment(cls) -> Runtime:
        settings = load_settings()
        logs.configure(settings.log_level)
        return cls(settings, SystemClock())

    @cached_property
    def keyring(self) -> KeyRing:
        keyring = load_keyring(self.settings)
        use_keyring(keyring)
        return keyring

    @cached_property
    def database(self) -> Database:
        self.keyring  # the column types need the keys before any query  # noqa: B018
        url = self.settings.effective_database_url
        if url.startswith("sqlite:///"):
            self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        return Database(url)

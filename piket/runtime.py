"""What every command needs, built once from the configuration: settings, keys, database, clock."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from sqlalchemy import inspect

from backend import logs
from backend.config import Settings, load_settings
from backend.db import Database
from backend.keys import load_keyring
from scheduling.calendar import use_team_zone
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
        use_keyring(keyring, reload=lambda: load_keyring(self.settings))
        return keyring

    @cached_property
    def database(self) -> Database:
        self.keyring  # the column types need the keys before any query  # noqa: B018
        url = self.settings.effective_database_url
        if url.startswith("sqlite:///"):
            self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        database = Database(url)
        use_team_zone(region_zone(database) or self.settings.timezone)
        return database


def region_zone(database: Database) -> str | None:
    """The zone of the region (the one the rules use), or None before `piket setup` made it.

    PIKET_TIMEZONE only stands in until then (and is what `piket setup` offers by default)."""
    from backend.services.installation import team_zone_name

    if not inspect(database.engine).has_table("regions"):
        return None
    with database.reading() as session:
        return team_zone_name(session)

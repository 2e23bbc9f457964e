"""Shared steps of the profile tests: the shipped profiles' text, loaded into a database."""

from __future__ import annotations

from datetime import UTC, datetime

from backend.db import Database
from backend.profile_file import read_profile
from backend.services import profile
from tests.profiles import PROFILES

BEFORE = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def load(database: Database, text: str) -> list[profile.Change]:
    with database.transaction() as session:
        return profile.load(session, BEFORE, "test", read_profile(text))


def shipped_text(name: str) -> str:
    return (PROFILES / f"{name}.toml").read_text(encoding="utf-8")

"""The shipped team profiles as test data: the Fryslân figures live in profiles/, not in code."""

from __future__ import annotations

from pathlib import Path

from backend.profile_file import Profile, read_file

PROFILES = Path(__file__).resolve().parents[1] / "profiles"
FRYSLAN = read_file(PROFILES / "fryslan-rts.toml")
TABLES = FRYSLAN.band_tables()
"""The ORT tables of the Cao Gemeenten, as the Fryslân profile gives them."""
PLAN_BUDGET = FRYSLAN.budget(2027)
"""The RTS plan's yearly budget (seed 000, §3)."""


def shipped(name: str) -> Profile:
    return read_file(PROFILES / f"{name}.toml")

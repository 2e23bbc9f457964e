"""The piket command as an operator runs it, on a database and key ring of each test's own."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from scheduling.calendar import DEFAULT_ZONE, use_team_zone


@pytest.fixture(autouse=True)
def _default_zone() -> Iterator[None]:
    """A command sets the process's zone from its region; the next test starts from the default."""
    yield
    use_team_zone(DEFAULT_ZONE)

"""Forged, stale, oversized and garbage button presses, from team members and strangers, on a bot with
nothing to answer: each gets the one neutral sentence, nothing changes, nothing crashes."""

from __future__ import annotations

import logging

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from backend.models import Assignment, AuditRecord, Callout, HourEntry, Offer, OutboxMessage, Shift
from tests.bot.conftest import Team
from tests.bot.harness import Harness

STRANGER = 424_242
INVALID = "Deze knop is niet meer geldig."
STRANGERS = "Deze link kan niet worden gebruikt."
"""What anyone without an enrolled phone hears, whatever they send."""
LOOKS_REAL = r"[ocahrn]:[0-9]{1,12}(:[0-9]{1,8})?(:[a-z0-9:\-]{0,14})?"
DATA = st.one_of(
    st.text(min_size=1, max_size=64),
    st.from_regex(LOOKS_REAL, fullmatch=True),
    st.from_regex(LOOKS_REAL, fullmatch=True).map(lambda d: d + "\n"),
    st.from_regex(LOOKS_REAL, fullmatch=True).map(lambda d: d.replace("1", "١")),  # Arabic-Indic digit
    st.text(alphabet="oc:0123456789ad", min_size=65, max_size=300),
)


def counts(harness: Harness) -> tuple[int, ...]:
    with harness.database.transaction() as session:
        return tuple(
            session.execute(select(func.count()).select_from(table)).scalar_one()
            for table in (Shift, Assignment, Callout, Offer, HourEntry, OutboxMessage, AuditRecord)
        )


@pytest.mark.slow
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(
    presses=st.lists(
        st.tuples(st.sampled_from(["Wytske", "Anna", "Ciska", None]), DATA), min_size=1, max_size=12
    )
)
def test_any_press_on_nothing_gets_the_neutral_answer_and_changes_nothing(
    harness: Harness, team: Team, caplog: pytest.LogCaptureFixture, presses: list[tuple[str | None, str]]
) -> None:
    before = counts(harness)
    harness.clear()
    caplog.clear()

    async def scenario() -> None:
        for who, data in presses:
            await harness.press(team.phones[who] if who else STRANGER, data)

    with caplog.at_level(logging.ERROR):
        harness.play(scenario)
    assert counts(harness) == before
    assert harness.answers() == [STRANGERS if who is None else INVALID for who, _ in presses]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]

"""The logs of a whole call-out, from enrolment to the pair's hours, hold nothing that identifies
anyone or any place: no names, Telegram ids, phone numbers, locations, notes, codes or tokens."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from backend import jobs, logs
from backend.config import load_settings
from backend.services import enrolment
from tests.bot.conftest import PEOPLE, Team
from tests.bot.harness import Harness
from tests.support.bot import create, offer_buttons

NEW_PHONE = 987_654_321


def secrets_of(team: Team, code: str) -> list[str]:
    names = [f"{first} Testsma" for first, *_ in PEOPLE] + [first for first, *_ in PEOPLE]
    return [
        *names,
        "Wilhelminastraat",
        "Drachten",
        "Achterom",
        code,
        str(NEW_PHONE),
        "123:TEST",
    ]  # the harness's bot token


@pytest.fixture(autouse=True)
def _libraries_as_configured() -> Iterator[None]:
    levels = {name: logging.getLogger(name).level for name in logs.CHATTY}
    yield
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


@pytest.mark.parametrize("level", [logging.INFO, logging.DEBUG])
def test_a_whole_call_out_leaves_nothing_personal_in_the_logs(
    harness: Harness, team: Team, caplog: pytest.LogCaptureFixture, level: int, tmp_path: Path
) -> None:
    caplog.set_level(level)
    logs.hold_libraries()  # as the program does at start
    with harness.database.transaction() as session:
        code = enrolment.create_code(session, harness.clock.now(), "web:admin", team.people["Eelke"])
    create(harness, team)
    anna, bauke = team.phones["Anna"], team.phones["Bauke"]

    settings = load_settings({"PIKET_DATA_DIR": str(tmp_path)})
    jobs.bind(jobs.JobContext(harness.database, harness.clock, settings))

    async def scenario() -> None:
        await harness.say(NEW_PHONE, f"/start {code}")
        await harness.deliver()
        harness.clock.advance(timedelta(minutes=31))
        jobs.sweep()  # reminders and the coordinator's alert, and the sweep's own log line
        await harness.deliver()
        for phone in (anna, bauke):
            await harness.press(phone, offer_buttons(harness, phone)[0][1])
        await harness.press(anna, "o:999:1:a")  # a forged button
        await harness.say(bauke, "waar is het?")
        await harness.say(anna, "/uren")
        await harness.deliver()

    harness.play(scenario)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "sweep:" in logged, "the check has log lines to read"
    found = [s for s in secrets_of(team, code) if re.search(rf"\b{re.escape(s)}\b", logged)]
    phones = [str(p) for p in team.phones.values() if re.search(rf"\b{p}\b", logged)]
    assert found == [] and phones == [], logged[-3000:]


def test_libraries_that_log_tokens_or_messages_are_held_at_warning_even_in_debug() -> None:
    logs.configure("DEBUG")
    for name in ("httpx", "telegram.ext.Application", "telegram.Bot"):
        assert logging.getLogger(name).getEffectiveLevel() == logging.WARNING, name

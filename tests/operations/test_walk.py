"""A new team from an empty database to settled hours, as an operator and the phones do it:
`piket setup` → `piket profile load` of each shipped profile → `piket import inspectors` → enrolment
codes → a call-out confirmed to a pair → hours after the shift, approved → the settlement (actual and
budget) and its export. On both databases."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import undefer

from backend import jobs
from backend.config import load_settings
from backend.db import Database
from backend.models import CalloutSource, HourCategory, HourEntry, Inspector, Municipality
from backend.services import accounts, callouts, enrolment, exports, ledger
from backend.services.callouts import NewCallout
from backend.services.settlement import settle
from scheduling.clock import FrozenClock
from tests.bot.harness import Harness
from tests.conftest import Piket
from tests.profiles import PROFILES

# Each shipped profile, with the municipality that coordinates (Wytske's and Anna's employer) and
# the one where the call-out is (Bauke's and Ciska's); Hilversum's team is one municipality.
TEAMS = {
    "hilversum": ("Hilversum", "Hilversum"),
    "kennemerland": ("Haarlem", "Velsen"),
    "fryslan-rts": ("Leeuwarden", "Smallingerland"),
}


def team_list(home: str, away: str) -> str:
    both = f"{home} 1-1-2027" if home == away else f"{home} 1-1-2027, {away} 1-1-2027"
    return (
        "\ufeffnaam;voornaam;geslacht;opgeleid_sinds;werkgever;schaal;trede;aanwijzingen;telefoon;coordinator\r\n"
        f"Wytske Hoekstra;Wytske;v;01-10-2026;{home};10;11;{both};;ja\r\n"
        f"Anna de Vries;Anna;v;01-10-2026;{home};7;11;{both};;\r\n"
        f"Bauke Bosma;Bauke;m;;{away};7;5;{away} 1-1-2027;;\r\n"
        f"Ciska Postma;Ciska;v;;{away};7;5;{away} (SM-2027-3) 1-1-2027;;\r\n"
    )


PHONES = {"Wytske": 201, "Anna": 202, "Bauke": 203, "Ciska": 204}


@pytest.mark.parametrize("profile", list(TEAMS))
def test_a_new_team_from_setup_to_settlement(
    upgraded: Piket, env: dict[str, str], tmp_path: Path, profile: str
) -> None:
    home, away = TEAMS[profile]
    done = upgraded(
        "setup", "--region", "Toezicht Test", "--timezone", "Europe/Amsterdam", "--admin", "beheer"
    )
    password = re.search(r"one-time password: (\S+)", done.output).group(1)  # type: ignore[union-attr]
    database = Database(env["PIKET_DATABASE_URL"])
    clock = FrozenClock(datetime(2027, 3, 9, 13, 0, tzinfo=UTC))
    with database.transaction() as session:
        assert accounts.needs_setup(accounts.log_in(session, clock.now(), "beheer", password, ""))
    shipped = str(PROFILES / f"{profile}.toml")
    assert "changes (dry run: nothing applied)" in upgraded("profile", "load", shipped, "--dry-run").output
    assert "changes applied" in upgraded("profile", "load", shipped).output
    assert "no changes" in upgraded("profile", "load", shipped).output

    listed = tmp_path / "team.csv"
    listed.write_bytes(team_list(home, away).encode())
    assert "would add 4 inspectors" in upgraded("import", "inspectors", str(listed), "--dry-run").output
    assert "added 4 inspectors" in upgraded("import", "inspectors", str(listed)).output
    assert "no changes" in upgraded("import", "inspectors", str(listed)).output

    harness = Harness(database, clock)
    people = _enrol_everyone(harness)
    pair = _callout_confirmed_to_a_pair(harness, people, away)
    assert pair == {"Anna", "Bauke"}
    _hours_confirmed_and_approved(harness, people, pair)

    with database.transaction() as session:
        result = settle(session, 2027, mode="actual")
        budget = settle(session, 2027, mode="budget")
        called = next(line for line in result.lines if line.name == away)
        callout_minutes = session.execute(
            select(HourEntry.worked_minutes).where(HourEntry.category == HourCategory.CALLOUT)
        ).scalars()
        assert sum(callout_minutes) == 2 * 480  # 14:00-23:00 local less the hour's break, twice
        everything = sum(session.execute(select(HourEntry.worked_minutes)).scalars())
        # Hours count for the employer: Bauke's for his, Anna's and the report for hers.
        assert called.minutes == (480 if home != away else everything)
        assert sum(line.minutes for line in result.lines) == everything
        assert called.delivered_cents > 0
        assert result.totals["balance_cents"] == sum(line.balance_cents for line in result.lines) == 0
        assert budget.totals["balance_cents"] == 0, "the profile's budget balances to the cent"
    exported = "".join(
        exports.csv_lines(
            exports.settlement_column_set(result),
            exports.SETTLEMENT_HEADER,
            exports.settlement_rows(result),
            exports.SETTLEMENT_SUMMED,
        )
    )
    rows = exported.removeprefix("\ufeff").splitlines()
    names = [line.name for line in result.lines]
    assert home in names and away in names
    total = exports.PLAIN.total(len(names))
    assert [row.split(";")[0] for row in rows[2:]] == [*names, total] and total.startswith("totaal (")
    database.dispose()


def _enrol_everyone(harness: Harness) -> dict[str, int]:
    """The admin makes a code per inspector (as on the admin page); each phone opens the bot with it."""
    with harness.database.transaction() as session:
        found = session.execute(select(Inspector).options(undefer(Inspector.first_name))).scalars()
        people = {i.first_name: i.id for i in found}
        codes = {
            name: enrolment.create_code(session, harness.clock.now(), "web:beheer", people[name])
            for name in PHONES
        }

    async def scenario() -> None:
        for name, code in codes.items():
            await harness.say(PHONES[name], f"/start {code}")
        await harness.deliver()

    harness.play(scenario)
    for name, phone in PHONES.items():
        assert harness.to(phone)[0].text.startswith(f"Hallo {name}.")
    harness.clear()
    return people


def _callout_confirmed_to_a_pair(harness: Harness, people: dict[str, int], place: str) -> set[str]:
    start = harness.clock.now() + timedelta(hours=2)
    with harness.database.transaction() as session:
        where = session.execute(select(Municipality.id).where(Municipality.name == place)).scalar_one()
        callouts.create_callout(
            session,
            harness.clock.now(),
            "web:coordinator",
            NewCallout(
                where, CalloutSource.MMA, start, start + timedelta(hours=9), "Dorpsstraat 1, Drachten"
            ),
        )

    async def scenario() -> None:
        await harness.deliver()
        for name in ("Anna", "Bauke"):
            [offer] = [c for c in harness.to(PHONES[name]) if c.buttons]
            await harness.press(PHONES[name], offer.buttons[0][0][1])
        await harness.deliver()

    harness.play(scenario)
    confirmed = {
        name
        for name, phone in PHONES.items()
        if any(c.text.startswith("Bevestigd") for c in harness.to(phone))
    }
    assert any("Dorpsstraat" in c.text for c in harness.to(PHONES["Anna"]))
    assert not any("Dorpsstraat" in c.text for c in harness.to(PHONES["Ciska"]))
    return confirmed


def _hours_confirmed_and_approved(harness: Harness, people: dict[str, int], pair: set[str]) -> None:
    """After the shift each of the pair confirms the planned hours with one tap; the coordinator approves."""
    jobs.bind(jobs.JobContext(harness.database, harness.clock, load_settings({})))
    harness.clock.advance(timedelta(hours=12))
    harness.clear()

    async def scenario() -> None:
        jobs.sweep()
        await harness.deliver()
        for name in sorted(pair):  # the hours, and for the report writer the report's time too
            for prompt in [c for c in harness.to(PHONES[name]) if c.buttons]:
                await harness.press(PHONES[name], prompt.buttons[0][0][1])
        await harness.deliver()
        for name in sorted(pair):  # the report's writing time: one tap for the time offered
            asked = [
                c
                for c in harness.to(PHONES[name], "editMessageText")
                if c.text.startswith("Rapport") and c.buttons
            ]
            if asked:
                await harness.press(PHONES[name], asked[-1].buttons[0][0][1])
        await harness.deliver()

    harness.play(scenario)
    with harness.database.transaction() as session:
        entries = list(session.execute(select(HourEntry.id)).scalars())
        assert len(entries) == 3  # two people's hours and one report
        assert ledger.approve_many(session, harness.clock.now(), "web:coordinator", entries) == 3

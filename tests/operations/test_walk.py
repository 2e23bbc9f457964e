"""A new team from an empty database to settled hours, as an operator and the phones do it:
`piket setup` → the team's municipalities → `piket import inspectors` → enrolment codes → a call-out
confirmed to a pair → hours after the shift, approved → the settlement and its export. On both databases."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import undefer

from backend import jobs
from backend.config import load_settings
from backend.db import Database
from backend.models import (
    CalloutSource,
    Contribution,
    HourCategory,
    HourEntry,
    Inspector,
    Municipality,
    Region,
)
from backend.services import accounts, callouts, enrolment, exports, ledger
from backend.services.callouts import NewCallout
from backend.services.settlement import settle
from scheduling.clock import FrozenClock
from tests.bot.harness import Harness
from tests.operations.conftest import Piket

TEAM_LIST = (
    "\ufeffnaam;voornaam;geslacht;opgeleid_sinds;werkgever;schaal;trede;aanwijzingen;telefoon;coordinator\r\n"
    "Wytske Hoekstra;Wytske;v;01-10-2026;Leeuwarden;10;11;"
    "Leeuwarden 1-1-2027, Smallingerland 1-1-2027;;ja\r\n"
    "Anna de Vries;Anna;v;01-10-2026;Leeuwarden;7;11;Leeuwarden 1-1-2027, Smallingerland 1-1-2027;;\r\n"
    "Bauke Bosma;Bauke;m;;Smallingerland;7;5;Smallingerland 1-1-2027;;\r\n"
    "Ciska Postma;Ciska;v;;Smallingerland;7;5;Smallingerland (SM-2027-3) 1-1-2027;;\r\n"
)
PHONES = {"Wytske": 201, "Anna": 202, "Bauke": 203, "Ciska": 204}


def _stand_in_for_the_profile(database: Database) -> None:
    """The team's municipalities, as `piket profile load` makes them (another part of issue 14;
    the walk then loads profiles/*.toml here instead)."""
    with database.transaction() as session:
        region = session.execute(select(Region)).scalar_one()
        for name, population, pledged_hours, coordinating in (("Leeuwarden", 129973, 243, True),
                                                              ("Smallingerland", 57084, 107, False)):
            session.add(Municipality(region_id=region.id, name=name, population=population,
                                     population_date=date(2025, 1, 1), is_participating=True,
                                     is_coordinating=coordinating, contribution=Contribution.HOURS,
                                     pledged_minutes=pledged_hours * 60))


def test_a_new_team_from_setup_to_settlement(upgraded: Piket, env: dict[str, str], tmp_path: Path) -> None:
    done = upgraded("setup", "--region", "Toezicht Test", "--timezone", "Europe/Amsterdam",
                    "--admin", "beheer")
    password = re.search(r"one-time password: (\S+)", done.output).group(1)  # type: ignore[union-attr]
    database = Database(env["PIKET_DATABASE_URL"])
    clock = FrozenClock(datetime(2027, 3, 9, 13, 0, tzinfo=UTC))
    with database.transaction() as session:
        assert accounts.needs_setup(accounts.log_in(session, clock.now(), "beheer", password, ""))
    _stand_in_for_the_profile(database)

    team_list = tmp_path / "team.csv"
    team_list.write_bytes(TEAM_LIST.encode())
    assert "would add 4 inspectors" in upgraded("import", "inspectors", str(team_list), "--dry-run").output
    assert "added 4 inspectors" in upgraded("import", "inspectors", str(team_list)).output
    assert "no changes" in upgraded("import", "inspectors", str(team_list)).output

    harness = Harness(database, clock)
    people = _enrol_everyone(harness)
    pair = _callout_confirmed_to_a_pair(harness, people)
    assert pair == {"Anna", "Bauke"}
    _hours_confirmed_and_approved(harness, people, pair)

    with database.transaction() as session:
        result = settle(session, 2027, mode="actual")
        smallingerland = next(line for line in result.lines if line.name == "Smallingerland")
        callout_minutes = session.execute(select(HourEntry.worked_minutes).where(
            HourEntry.category == HourCategory.CALLOUT)).scalars()
        assert sum(callout_minutes) == 2 * 480  # 14:00-23:00 local less the hour's break, twice
        # Hours count for the employer: Bauke's for Smallingerland, Anna's and the report for Leeuwarden.
        assert smallingerland.minutes == 480
        everything = session.execute(select(HourEntry.worked_minutes)).scalars()
        assert sum(line.minutes for line in result.lines) == sum(everything)
        assert smallingerland.delivered_cents > 0
        assert result.totals["balance_cents"] == sum(line.balance_cents for line in result.lines)
    exported = "".join(exports.csv_lines(exports.settlement_column_set(result), exports.SETTLEMENT_HEADER,
                                         exports.settlement_rows(result), exports.SETTLEMENT_SUMMED,
                                         exports.SETTLEMENT_CENTS))
    rows = exported.removeprefix("\ufeff").splitlines()
    assert [row.split(";")[0] for row in rows[2:]] == ["Leeuwarden", "Smallingerland", "totaal (2 regels)"]
    database.dispose()


def _enrol_everyone(harness: Harness) -> dict[str, int]:
    """The admin makes a code per inspector (as on the admin page); each phone opens the bot with it."""
    with harness.database.transaction() as session:
        found = session.execute(select(Inspector).options(undefer(Inspector.first_name))).scalars()
        people = {i.first_name: i.id for i in found}
        codes = {name: enrolment.create_code(session, harness.clock.now(), "web:beheer", people[name])
                 for name in PHONES}

    async def scenario() -> None:
        for name, code in codes.items():
            await harness.say(PHONES[name], f"/start {code}")
        await harness.deliver()

    harness.play(scenario)
    for name, phone in PHONES.items():
        assert harness.to(phone)[0].text.startswith(f"Hallo {name}.")
    harness.clear()
    return people


def _callout_confirmed_to_a_pair(harness: Harness, people: dict[str, int]) -> set[str]:
    start = harness.clock.now() + timedelta(hours=2)
    with harness.database.transaction() as session:
        smallingerland = session.execute(select(Municipality.id).where(Municipality.name == "Smallingerland")
                                         ).scalar_one()
        callouts.create_callout(session, harness.clock.now(), "web:coordinator", NewCallout(
            smallingerland, CalloutSource.MMA, start, start + timedelta(hours=9), "Dorpsstraat 1, Drachten"))

    async def scenario() -> None:
        await harness.deliver()
        for name in ("Anna", "Bauke"):
            [offer] = [c for c in harness.to(PHONES[name]) if c.buttons]
            await harness.press(PHONES[name], offer.buttons[0][0][1])
        await harness.deliver()

    harness.play(scenario)
    confirmed = {name for name, phone in PHONES.items()
                 if any(c.text.startswith("Bevestigd") for c in harness.to(phone))}
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
            asked = [c for c in harness.to(PHONES[name], "editMessageText")
                     if c.text.startswith("Rapport") and c.buttons]
            if asked:
                await harness.press(PHONES[name], asked[-1].buttons[0][0][1])
        await harness.deliver()

    harness.play(scenario)
    with harness.database.transaction() as session:
        entries = list(session.execute(select(HourEntry.id)).scalars())
        assert len(entries) == 3  # two people's hours and one report
        assert ledger.approve_many(session, harness.clock.now(), "web:coordinator", entries) == 3

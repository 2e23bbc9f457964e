"""The report writer records what a control found in a few taps (/bevindingen): the police, the
partners, and per address only its outcome; the coordinator's /oproep warns of an address controlled
recently. Nothing of it rings, and no address is ever sent back."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from backend.models import ControlRecord, Outcome, Report
from backend.services import callouts
from tests.bot.conftest import Team, control_day
from tests.bot.harness import Harness
from tests.support.bot import tap

TMM = "Politie Noord-Nederland, Team Migratiecriminaliteit en Mensenhandel (TMM)"


def ended_control_written_by(harness: Harness, team: Team, writer: str) -> int:
    shift_id = control_day(harness, team, "Anna", "Bauke", hours_ahead=-20)
    with harness.database.transaction() as session:
        session.add(Report(shift_id=shift_id, writer_id=team.people[writer]))
    return shift_id


def test_the_report_writer_records_a_control_in_a_few_taps(harness: Harness, team: Team) -> None:
    shift_id = ended_control_written_by(harness, team, "Anna")
    anna = team.phones["Anna"]

    async def scenario() -> None:
        await harness.say(anna, "/bevindingen")
        await harness.deliver()
        await harness.press(anna, tap(harness, anna, "ma 8 mrt Smallingerland"))
        await harness.deliver()
        for label in (
            "Ja, met de politie",
            TMM,
            "Verder",
            "Overtreding",
            "Leeuwarden",
            "Ja",
            "Nee",
            "Niemand aanwezig",
            "Geen overtreding",
            "Nee",
            "Ja",
            "Klaar: 3 adressen",
        ):
            await harness.press(anna, tap(harness, anna, label))
            await harness.deliver()

    harness.play(scenario)
    with harness.database.transaction() as session:
        record = session.execute(select(ControlRecord)).scalar_one()
        assert (record.shift_id, record.is_with_police, record.partners) == (shift_id, True, [TMM])
        assert [
            (a.outcome, a.municipality_id, a.police_signal_at is not None, a.is_care_offered)
            for a in record.addresses
        ] == [
            (Outcome.VIOLATION, team.leeuwarden, True, False),
            (Outcome.NOBODY_PRESENT, team.smallingerland, False, False),
            (Outcome.NO_VIOLATION, team.smallingerland, False, True),
        ]
        assert record.recorded_by == f"inspector:{team.people['Anna']}"
    texts = [c.text for c in harness.request.calls if int(c.params.get("chat_id", 0)) == anna]
    assert (
        f"Vastgelegd voor controle 2027-{shift_id:03d} (ma 8 mrt, Smallingerland): 3 adressen. Dank je."
    ) in texts
    sent = harness.to(anna)
    assert sent and all(c.params.get("disable_notification") for c in sent), "nothing of it rings"


def test_only_the_report_writer_may_record_and_a_forged_tap_changes_nothing(
    harness: Harness, team: Team
) -> None:
    shift_id = ended_control_written_by(harness, team, "Anna")
    bauke = team.phones["Bauke"]

    async def scenario() -> None:
        await harness.say(bauke, "/bevindingen")
        await harness.deliver()
        await harness.press(bauke, f"f:{shift_id}:p0:v0sx:ok")
        await harness.press(bauke, f"f:{shift_id}:p0:vsx:ok")

    harness.play(scenario)
    assert "Je hebt geen controle om vast te leggen" in harness.to(bauke)[-1].text
    assert harness.answers()[-2:] == ["Deze knop is niet meer geldig."] * 2
    with harness.database.transaction() as session:
        assert session.execute(select(ControlRecord)).first() is None


def test_an_unfinished_address_cannot_be_saved_and_stop_records_nothing(harness: Harness, team: Team) -> None:
    shift_id = ended_control_written_by(harness, team, "Anna")
    anna = team.phones["Anna"]

    async def scenario() -> None:
        await harness.press(anna, f"f:{shift_id}:a0:v1s:ok")  # care not answered yet
        await harness.press(anna, f"f:{shift_id}:a0:{'.'.join(['n'] * 7)}")  # more than the bot takes
        await harness.say(anna, "/bevindingen")
        await harness.deliver()
        await harness.press(anna, tap(harness, anna, "Stoppen"))
        await harness.deliver()

    harness.play(scenario)
    assert harness.answers()[:2] == ["Deze knop is niet meer geldig."] * 2
    assert harness.to(anna, "editMessageText")[-1].text == "Niets vastgelegd."
    with harness.database.transaction() as session:
        assert session.execute(select(ControlRecord)).first() is None


def test_the_coordinators_oproep_says_when_the_address_was_controlled_recently(
    harness: Harness, team: Team
) -> None:
    wytske = team.phones["Wytske"]
    with harness.database.transaction() as session:
        start = harness.clock.now() - timedelta(days=20)
        made = callouts.create_callout(
            session,
            start - timedelta(hours=1),
            "web:coordinator",
            callouts.NewCallout(
                team.smallingerland,
                callouts.CalloutSource.MMA,
                start,
                start + timedelta(hours=9),
                "Stationsweg 3, Drachten",
            ),
        )
        earlier = made.shift_id

    async def scenario() -> None:
        await harness.say(wytske, "/oproep")
        await harness.deliver()
        for label in ("verzoek politie", "Smallingerland", "di 9 mrt", "16:00-01:00"):
            await harness.press(wytske, tap(harness, wytske, label))
            await harness.deliver()
        await harness.say(wytske, "stationsweg 3 drachten")
        await harness.deliver()
        await harness.press(wytske, tap(harness, wytske, "Geen notities"))
        await harness.deliver()
        await harness.press(wytske, tap(harness, wytske, "Versturen"))
        await harness.deliver()

    harness.play(scenario)
    texts = [c.text for c in harness.request.calls if int(c.params.get("chat_id", 0)) == wytske]
    assert any(
        f"Let op: dit adres is gecontroleerd op wo 17 feb (controle 2027-{earlier:03d}). "
        "Toch versturen naar de toezichthouders?" in t
        for t in texts
    )
    assert any(t.startswith("Verstuurd: aangeboden aan") for t in texts), "she may go ahead"
    assert not any("Stationsweg" in t or "stationsweg" in t for t in texts)

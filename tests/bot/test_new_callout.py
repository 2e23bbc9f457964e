"""The coordinator makes a call-out in the bot (/oproep), and assigns someone from the alert."""

from datetime import timedelta

from sqlalchemy import select

from backend import jobs
from backend.models import Assignment, Callout, CalloutSource, Shift
from tests.bot.conftest import Team
from tests.bot.harness import Harness
from tests.support.bot import bind_jobs, create, tap


def test_the_coordinator_makes_a_callout_step_by_step_and_the_address_leaves_her_chat(
    harness: Harness, team: Team
) -> None:
    wytske = team.phones["Wytske"]

    async def scenario() -> None:
        await harness.say(wytske, "/oproep")
        await harness.deliver()
        for label in ("verzoek politie", "Smallingerland", "di 9 mrt", "16:00-01:00"):
            await harness.press(wytske, tap(harness, wytske, label))
            await harness.deliver()
        await harness.say(wytske, "Stationsweg 3, Drachten")
        await harness.deliver()
        await harness.press(wytske, tap(harness, wytske, "Geen notities"))
        await harness.deliver()
        await harness.press(wytske, tap(harness, wytske, "Versturen"))
        await harness.press(wytske, tap(harness, wytske, "Versturen"))  # a second tap sends nothing more
        await harness.deliver()

    harness.play(scenario)
    texts = [c.text for c in harness.request.calls if int(c.params.get("chat_id", 0)) == wytske]
    assert "Stuur het adres van het pand als bericht." in " ".join(texts)
    assert "geen persoonsgegevens van sekswerkers" in " ".join(texts)
    assert (
        "Oproep di 9 mrt 16:00-01:00 in Smallingerland (verzoek politie), adres ontvangen. "
        "Versturen naar de toezichthouders?" in texts
    )
    sent = [t for t in texts if t.startswith("Verstuurd")]
    assert sent == ["Verstuurd: aangeboden aan 5 toezichthouders. Je hoort wie er gaan."]
    assert not any(": aangeboden aan" in t for t in texts if t.startswith("Oproep"))  # told once, there
    assert not any("Stationsweg" in t for t in texts)  # never echoed back to her
    [deleted] = harness.to(wytske, "deleteMessage")
    assert deleted.params["chat_id"] == wytske
    assert harness.answers()[-1] == "Deze knop is niet meer geldig."
    with harness.database.transaction() as session:
        [callout] = session.scalars(select(Callout)).all()
        shift = session.get_one(Shift, callout.shift_id)
        assert (callout.source, callout.location, callout.notes) == (
            CalloutSource.POLICE,
            "Stationsweg 3, Drachten",
            None,
        )
        assert (shift.ends_at - shift.starts_at, callout.created_by) == (
            timedelta(hours=9),
            f"inspector:{team.people['Wytske']}",
        )
    assert harness.to(team.phones["Anna"])[0].text == "Oproep di 9 mrt, 16:00-01:00."


def test_only_the_coordinator_can_and_a_forged_step_changes_nothing(harness: Harness, team: Team) -> None:
    anna, wytske = team.phones["Anna"], team.phones["Wytske"]

    async def scenario() -> None:
        await harness.say(anna, "/oproep")
        await harness.press(anna, "n:police")
        await harness.say(wytske, "/oproep")
        await harness.press(wytske, f"n:police:{team.smallingerland}:20270401")  # beyond the week offered
        await harness.press(wytske, "n:police:999")  # no such municipality
        await harness.press(wytske, "n:go")  # nothing to send
        await harness.say(wytske, "Hallo")  # no address asked for yet: just a hint
        await harness.deliver()

    harness.play(scenario)
    assert [c.text for c in harness.to(anna)] == ["Alleen de coördinator kan een oproep aanmaken."]
    assert harness.answers() == ["Deze knop is niet meer geldig."] * 4
    assert harness.to(wytske)[-1].text.startswith("Ik begrijp alleen de knoppen")
    with harness.database.transaction() as session:
        assert session.scalars(select(Callout)).all() == []


def test_an_address_too_long_is_asked_again(harness: Harness, team: Team) -> None:
    wytske = team.phones["Wytske"]

    async def scenario() -> None:
        await harness.say(wytske, "/oproep")
        for step in ("n:mma", f"n:mma:{team.leeuwarden}", "n:mma:{m}:20270310", "n:mma:{m}:20270310:14"):
            await harness.press(wytske, step.format(m=team.leeuwarden))
        await harness.say(wytske, "x" * 301)
        await harness.deliver()

    harness.play(scenario)
    assert harness.to(wytske)[-1].text == "Dat adres is leeg of langer dan 300 tekens. Stuur het opnieuw."


def test_the_coordinator_assigns_two_people_from_the_alert(harness: Harness, team: Team) -> None:
    create(harness, team)
    bind_jobs(harness)
    wytske = team.phones["Wytske"]

    async def scenario() -> None:
        await harness.deliver()
        harness.clock.advance(timedelta(minutes=31))
        jobs.sweep()
        await harness.deliver()
        await harness.press(wytske, tap(harness, wytske, "Iemand indelen"))
        await harness.deliver()
        options = [label for row in harness.to(wytske)[-1].buttons for label, _ in row]
        assert "Eelke (opgeleid)" in options and "Ciska" in options  # Eelke has no phone; still assignable
        await harness.press(wytske, tap(harness, wytske, "Ciska"))
        await harness.press(wytske, tap(harness, wytske, "Eelke (opgeleid)"))
        await harness.deliver()

    harness.play(scenario)
    assert harness.answers() == ["Gedaan."] * 3
    assert "De coördinator heeft je ingedeeld voor de oproep van di 9 mrt 16:00-01:00 in Smallingerland." in [
        c.text for c in harness.to(team.phones["Ciska"])
    ]
    with harness.database.transaction() as session:
        assigned = set(session.scalars(select(Assignment.inspector_id)))
        assert assigned == {team.people["Ciska"], team.people["Eelke"]}
        assert session.scalar(select(Callout.status)).value == "filled"


def test_an_invisible_address_is_asked_again_and_a_pasted_one_is_kept_clean(
    harness: Harness, team: Team
) -> None:
    wytske = team.phones["Wytske"]

    async def scenario() -> None:
        await harness.say(wytske, "/oproep")
        await harness.deliver()
        for label in ("verzoek politie", "Smallingerland", "di 9 mrt", "16:00-01:00"):
            await harness.press(wytske, tap(harness, wytske, label))
            await harness.deliver()
        await harness.say(wytske, "\u200b\u200b\u200b")
        await harness.deliver()
        await harness.say(wytske, "Stationsweg\x0b3,\u202e Drachten\x00")
        await harness.deliver()
        await harness.press(wytske, tap(harness, wytske, "Geen notities"))
        await harness.deliver()
        await harness.press(wytske, tap(harness, wytske, "Versturen"))
        await harness.deliver()

    harness.play(scenario)
    texts = [c.text for c in harness.request.calls if int(c.params.get("chat_id", 0)) == wytske]
    assert "Dat adres is leeg of langer dan 300 tekens. Stuur het opnieuw." in texts
    with harness.database.transaction() as session:
        [callout] = session.scalars(select(Callout)).all()
        assert callout.location == "Stationsweg 3, Drachten"


def test_oproep_offers_the_profiles_sources_and_takes_one_of_the_guidelines_others(
    harness: Harness, team: Team
) -> None:
    from backend.models import Region

    wytske = team.phones["Wytske"]
    with harness.database.transaction() as session:
        session.execute(select(Region)).scalar_one().callout_sources = ["own_observation", "resident"]

    async def scenario() -> None:
        await harness.say(wytske, "/oproep")
        await harness.deliver()
        offered = [c for c in harness.to(wytske) if c.buttons][-1].buttons
        assert [row[0][0] for row in offered[:2]] == ["eigen waarneming", "melding bewoner"]
        await harness.press(wytske, "n:mma")  # not the team's: refused
        for label in ("eigen waarneming", "Smallingerland", "di 9 mrt", "16:00-01:00"):
            await harness.press(wytske, tap(harness, wytske, label))
            await harness.deliver()
        await harness.say(wytske, "Stationsweg 3, Drachten")
        await harness.deliver()
        await harness.press(wytske, tap(harness, wytske, "Geen notities"))
        await harness.deliver()
        await harness.press(wytske, tap(harness, wytske, "Versturen"))
        await harness.deliver()

    harness.play(scenario)
    assert harness.answers()[0] == "Deze knop is niet meer geldig."
    with harness.database.transaction() as session:
        assert session.scalars(select(Callout.source)).all() == [CalloutSource.OWN_OBSERVATION]

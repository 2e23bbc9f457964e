"""No answer in time: a reminder, then the coordinator's alert (widen, cancel); both survive a restart."""

from datetime import timedelta

from sqlalchemy import select

from backend import jobs
from backend.models import Callout, CalloutStatus
from backend.services import callouts
from secure_store.types import blind_index
from tests.bot.conftest import Team
from tests.bot.harness import Harness
from tests.support.bot import bind_jobs, create, offer_buttons


def test_a_reminder_after_fifteen_minutes_and_an_alert_after_thirty(harness: Harness, team: Team) -> None:
    create(harness, team)
    bind_jobs(harness)
    anna, wytske = team.phones["Anna"], team.phones["Wytske"]

    async def scenario() -> None:
        await harness.deliver()
        await harness.press(anna, offer_buttons(harness, anna)[0][1])
        harness.clear()
        harness.clock.advance(timedelta(minutes=14))
        assert jobs.sweep() == jobs.Swept()
        harness.clock.advance(timedelta(minutes=1))
        # Bauke, Ciska, Douwe and the coordinator; not Anna, who said yes
        assert jobs.sweep() == jobs.Swept(reminders=4)
        assert jobs.sweep() == jobs.Swept()  # a second run sends nothing twice
        harness.clock.advance(timedelta(minutes=15))
        assert jobs.sweep() == jobs.Swept(escalations=1)
        await harness.deliver()

    harness.play(scenario)
    assert harness.to(anna) == []
    assert [c.text for c in harness.to(team.phones["Bauke"])] == [
        "Herinnering: de oproep van di 9 mrt 16:00-01:00 staat nog open. Kun je gaan?"
    ]
    alert = harness.to(wytske)[-1]
    assert alert.text == (
        "Oproep di 9 mrt 16:00-01:00 in Smallingerland staat na 30 min nog open: "
        "1 ja, 0 nee, 4 zonder antwoord."
    )
    assert [label for label, _ in alert.buttons[0]] == ["Aan iedereen aanbieden", "Oproep annuleren"]
    assert [[label for label, _ in r.buttons[0]] for r in harness.to(team.phones["Bauke"])] == [
        ["Accepteren", "Afslaan"]
    ]  # the reminder carries the buttons


def test_the_coordinator_cancels_from_the_alert_and_every_offer_is_withdrawn(
    harness: Harness, team: Team
) -> None:
    create(harness, team)
    bind_jobs(harness)
    wytske, ciska = team.phones["Wytske"], team.phones["Ciska"]

    async def scenario() -> None:
        await harness.deliver()
        harness.clock.advance(timedelta(minutes=31))
        jobs.sweep()
        await harness.deliver()
        cancel = harness.to(wytske)[-1].buttons[0][1][1]
        await harness.press(wytske, cancel)
        await harness.press(wytske, cancel)  # the button is stale now
        await harness.deliver()

    harness.play(scenario)
    assert harness.answers() == ["Gedaan.", "Deze knop is niet meer geldig."]
    assert harness.to(ciska, "editMessageText")[-1].text == "De oproep van di 9 mrt is geannuleerd."
    with harness.database.transaction() as session:
        assert session.scalar(select(Callout.status)) is CalloutStatus.CANCELLED


def test_an_inspector_cannot_use_the_coordinators_buttons(harness: Harness, team: Team) -> None:
    callout_id = create(harness, team)

    async def scenario() -> None:
        await harness.press(team.phones["Anna"], f"c:{callout_id}:1:x")

    harness.play(scenario)
    assert harness.answers() == ["Deze knop is niet meer geldig."]


def test_after_a_restart_the_reminder_and_the_alert_still_come_at_their_times(
    harness: Harness, team: Team
) -> None:
    create(harness, team)

    async def before() -> None:
        await harness.deliver()

    harness.play(before)
    restarted = Harness(harness.database, harness.clock)  # a new process: new application and sender
    bind_jobs(restarted)
    restarted.clock.advance(timedelta(minutes=20))

    async def after() -> None:
        assert jobs.sweep() == jobs.Swept(reminders=5)
        restarted.clock.advance(timedelta(minutes=9))
        assert jobs.sweep() == jobs.Swept()
        restarted.clock.advance(timedelta(minutes=1))  # 30 minutes after the call-out was made
        assert jobs.sweep() == jobs.Swept(escalations=1)
        await restarted.deliver()

    restarted.play(after)
    assert restarted.to(team.phones["Douwe"])[0].text.startswith("Herinnering")
    alert = restarted.to(team.phones["Wytske"])[-1]
    assert alert.text.endswith("0 ja, 0 nee, 5 zonder antwoord.")


def test_after_widening_the_alert_says_how_many_more_were_asked_and_its_buttons_still_work(
    harness: Harness, team: Team
) -> None:
    with harness.database.transaction() as session:  # Eelke links a phone but is on leave that day
        from backend.models import Inspector, Unavailability

        eelke = session.get_one(Inspector, team.people["Eelke"])
        eelke.telegram_id = "105"
        eelke.telegram_index = blind_index("105", "telegram")
        session.add(
            Unavailability(
                inspector_id=eelke.id,
                starts_at=harness.clock.now(),
                ends_at=harness.clock.now() + timedelta(days=2),
                created_by="test",
                created_at=harness.clock.now(),
            )
        )
    create(harness, team)
    bind_jobs(harness)
    wytske = team.phones["Wytske"]

    async def scenario() -> None:
        await harness.deliver()
        harness.clock.advance(timedelta(minutes=31))
        jobs.sweep()
        await harness.deliver()
        widen = harness.to(wytske)[-1].buttons[0][0][1]
        await harness.press(wytske, widen)
        await harness.deliver()
        renewed = harness.to(wytske, "editMessageText")[-1]
        await harness.press(wytske, renewed.buttons[1][0][1])  # assign someone: still works
        await harness.press(wytske, renewed.buttons[0][0][1])  # cancel: still works
        await harness.deliver()

    harness.play(scenario)
    assert harness.answers() == ["Ook aangeboden aan 1 toezichthouder.", "Gedaan.", "Gedaan."]
    renewed = harness.to(wytske, "editMessageText")[0]
    assert renewed.text == (
        "Oproep di 9 mrt 16:00-01:00 in Smallingerland, aan iedereen aangeboden: nog 1 toezichthouder "
        "gevraagd. Nu 0 ja, 0 nee, 6 zonder antwoord."
    )
    labels = [[label for label, _ in row] for row in renewed.buttons]
    assert labels == [["Oproep annuleren"], ["Iemand indelen"]]
    with harness.database.transaction() as session:
        assert session.scalar(select(Callout.status)) is CalloutStatus.CANCELLED


def test_a_reminder_carries_the_buttons_and_a_cancellation_after_it_comes_as_a_new_message(
    harness: Harness, team: Team
) -> None:
    callout_id = create(harness, team)
    bind_jobs(harness)
    anna, bauke = team.phones["Anna"], team.phones["Bauke"]

    async def scenario() -> None:
        await harness.deliver()
        harness.clock.advance(timedelta(minutes=15))
        jobs.sweep()
        await harness.deliver()
        reminder = harness.to(anna)[-1]
        await harness.press(anna, reminder.buttons[0][1][1])  # Anna declines from the reminder
        assert harness.answers() == ["Genoteerd."]
        harness.clear()
        with harness.database.transaction() as session:
            callouts.cancel(session, harness.clock.now(), "web:coordinator", callout_id)
        await harness.deliver()

    harness.play(scenario)
    assert [c.text for c in harness.to(bauke)] == ["De oproep van di 9 mrt is geannuleerd."]
    edits = harness.to(bauke, "editMessageText")  # the offer and the reminder
    assert [c.text for c in edits] == ["De oproep van di 9 mrt is geannuleerd."] * 2
    assert all(c.buttons == [] for c in harness.to(bauke, "editMessageText"))
    assert harness.to(anna) == []  # she had declined: nothing new to tell her

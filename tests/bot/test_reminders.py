"""No answer in time: a reminder, then the coordinator's alert (widen, cancel); both survive a restart."""

from datetime import timedelta

from sqlalchemy import select

from backend import jobs
from backend.config import load_settings
from backend.models import Callout, CalloutStatus
from tests.bot.conftest import Team
from tests.bot.harness import Harness
from tests.bot.test_callout_flow import create, offer_buttons


def bind_jobs(harness: Harness) -> None:
    jobs.bind(jobs.JobContext(harness.database, harness.clock, load_settings({})))


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

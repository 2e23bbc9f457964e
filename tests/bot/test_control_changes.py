"""A control day moved or cancelled, as the phones see it: the new day rings, the place follows
silently, the old buttons stop working and the bot asks again for the new day."""

from __future__ import annotations

from datetime import time, timedelta

from backend import jobs
from backend.models import AssignmentStatus
from backend.services import control_changes
from scheduling.calendar import local_date, local_instant
from tests.bot.conftest import Team, control_day
from tests.bot.harness import Harness
from tests.support.bot import bind_jobs, newest_buttons


def move_to_next_week(harness: Harness, shift_id: int) -> None:
    with harness.database.transaction() as session:
        day = local_date(harness.clock.now()) + timedelta(days=7)
        control_changes.move_control(
            session,
            harness.clock.now(),
            "web:coordinator",
            shift_id,
            local_instant(day, time(15)),
            local_instant(day, time(23)),
            "politie verzet de datum",
        )


def test_a_moved_day_rings_with_the_new_day_only_and_asks_again(harness: Harness, team: Team) -> None:
    anna = team.phones["Anna"]
    shift_id = control_day(harness, team, "Anna", "Ciska", hours_ahead=48)
    bind_jobs(harness)

    async def scenario() -> None:
        move_to_next_week(harness, shift_id)
        await harness.deliver()
        jobs.sweep()
        await harness.deliver()
        await newest_buttons(harness, anna, 0, 0)  # "I can make it", on the new request
        await harness.deliver()

    harness.play(scenario)
    heads_up, told, ask_alert, asked, *_ = harness.to(anna)
    assert heads_up.text == "Een controle is verplaatst naar di 16 mrt 15:00-23:00."
    assert not heads_up.params.get("disable_notification")
    assert told.text == (
        "De controle in Smallingerland van do 11 mrt is verplaatst naar di 16 mrt "
        "15:00-23:00. Je krijgt de vraag of je de nieuwe dag kunt."
    )
    assert told.params["disable_notification"] is True and told.params["protect_content"] is True
    assert ask_alert.text == "Controle di 16 mrt 15:00-23:00: kun je erbij zijn?"
    assert asked.buttons and "di 16 mrt" in asked.text
    assert harness.answers()[-1] == "Bevestigd."


def test_a_cancelled_day_says_so_and_its_buttons_are_stale(harness: Harness, team: Team) -> None:
    ciska = team.phones["Ciska"]
    shift_id = control_day(harness, team, "Anna", "Ciska", hours_ahead=48, status=AssignmentStatus.PROPOSED)
    bind_jobs(harness)

    async def scenario() -> None:
        jobs.sweep()
        await harness.deliver()
        asked = harness.to(ciska)[-1]
        with harness.database.transaction() as session:
            control_changes.cancel_control(
                session, harness.clock.now(), "web:coordinator", shift_id, "onderzoek politie loopt"
            )
        await harness.deliver()
        await harness.press(ciska, asked.buttons[0][0][1])  # "I can make it", too late
        await harness.say(ciska, "/rooster")
        await harness.deliver()

    harness.play(scenario)
    texts = [c.text for c in harness.to(ciska)]
    assert "De controle van do 11 mrt 14:00-23:00 gaat niet door." in texts
    assert (
        "De controle van do 11 mrt 14:00-23:00 in Smallingerland gaat niet door. Je hoeft niet te gaan."
        in texts
    )
    assert texts[-1] == "Geen diensten gepland."
    assert harness.answers() == ["Deze knop is niet meer geldig."]

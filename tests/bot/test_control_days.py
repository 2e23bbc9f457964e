"""Planned control days: confirm in the bot, reminders the day before and on the morning, and cover
when someone cannot make it (offered like a call-out, the swap shown to the coordinator)."""

from datetime import timedelta

from sqlalchemy import select

from backend import jobs
from backend.models import Assignment, AssignmentStatus
from tests.bot.conftest import Team, control_day
from tests.bot.harness import Call, Harness
from tests.support.bot import bind_jobs, code_for, offer_buttons

IN_THREE_DAYS = 72  # Friday 12 March, 14:00-23:00


def statuses(harness: Harness) -> dict[int, AssignmentStatus]:
    with harness.database.transaction() as session:
        return {a.inspector_id: a.status for a in session.scalars(select(Assignment))}


def request(harness: Harness, phone: int) -> Call:
    return [c for c in harness.to(phone) if c.text.startswith(("Controle", "Je hebt de controle"))][-1]


def test_a_proposed_day_is_put_to_the_inspector_once_and_confirmed_with_one_tap(
    harness: Harness, team: Team
) -> None:
    control_day(harness, team, "Anna", "Bauke", hours_ahead=IN_THREE_DAYS, status=AssignmentStatus.PROPOSED)
    bind_jobs(harness)
    anna = team.phones["Anna"]

    async def scenario() -> None:
        assert jobs.sweep() == jobs.Swept(confirm_requests=2)
        assert jobs.sweep() == jobs.Swept()
        await harness.deliver()
        await harness.press(anna, request(harness, anna).buttons[0][0][1])
        await harness.deliver()

    harness.play(scenario)
    asked = request(harness, anna)
    assert asked.text == "Controle vr 12 mrt 14:00-23:00 in Smallingerland. Kun je erbij zijn?"
    assert [label for label, _ in asked.buttons[0]] == ["Ik kan", "Ik kan niet"]
    assert harness.answers() == ["Bevestigd."]
    [confirmed] = harness.to(anna, "editMessageText")
    assert confirmed.text == "Bevestigd: controle vr 12 mrt 14:00-23:00 in Smallingerland."
    assert [label for label, _ in confirmed.buttons[0]] == ["Ik kan niet"]
    [joining] = [c for c in harness.to(anna) if c.text.startswith("Ook bij")]
    assert joining.text == (
        "Ook bij de controle van vr 12 mrt: Politie Noord-Nederland, "
        "Team Migratiecriminaliteit en Mensenhandel (TMM)."
    )
    assert joining.params.get("disable_notification") is True, "names follow in silent messages"
    assert statuses(harness)[team.people["Anna"]] is AssignmentStatus.CONFIRMED
    assert statuses(harness)[team.people["Bauke"]] is AssignmentStatus.PROPOSED


def test_reminders_the_day_before_and_on_the_morning_each_once(harness: Harness, team: Team) -> None:
    control_day(harness, team, "Anna", "Bauke", hours_ahead=IN_THREE_DAYS)
    bind_jobs(harness)
    anna = team.phones["Anna"]

    async def scenario() -> None:
        harness.clock.advance(timedelta(hours=47, minutes=59))
        assert jobs.sweep() == jobs.Swept()
        harness.clock.advance(timedelta(minutes=1))
        assert jobs.sweep() == jobs.Swept(shift_reminders=2)
        assert jobs.sweep() == jobs.Swept()
        harness.clock.advance(timedelta(hours=18))  # Friday 08:00
        assert jobs.sweep() == jobs.Swept(shift_reminders=2)
        assert jobs.sweep() == jobs.Swept()
        await harness.deliver()

    harness.play(scenario)
    assert [c.text for c in harness.to(anna)] == [
        "Herinnering: dienst vr 12 mrt 14:00-23:00.",
        "Morgen: vr 12 mrt 14:00-23:00 in Smallingerland.",
        "Vandaag: dienst 14:00-23:00.",
        "Vandaag: 14:00-23:00 in Smallingerland.",
    ]
    assert [c.params["disable_notification"] for c in harness.to(anna)] == [False, True, False, True]


def test_a_day_still_unconfirmed_the_day_before_is_asked_again_and_the_coordinator_told(
    harness: Harness, team: Team
) -> None:
    control_day(harness, team, "Anna", "Bauke", hours_ahead=IN_THREE_DAYS, status=AssignmentStatus.PROPOSED)
    bind_jobs(harness)
    bauke = team.phones["Bauke"]

    async def scenario() -> None:
        jobs.sweep()
        await harness.deliver()
        await harness.press(team.phones["Anna"], request(harness, team.phones["Anna"]).buttons[0][0][1])
        harness.clock.advance(timedelta(hours=48))
        assert jobs.sweep() == jobs.Swept(shift_reminders=2)
        await harness.deliver()
        await harness.press(bauke, request(harness, bauke).buttons[0][0][1])  # the newest buttons work

    harness.play(scenario)
    assert request(harness, bauke).text == (
        "Je hebt de controle van vr 12 mrt 14:00-23:00 in Smallingerland nog niet bevestigd. "
        "Kun je erbij zijn?"
    )
    assert "Bauke heeft vr 12 mrt 14:00-23:00 in Smallingerland nog niet bevestigd." in [
        c.text for c in harness.to(team.phones["Wytske"])
    ]
    assert harness.answers() == ["Bevestigd.", "Bevestigd."]


def test_cover_is_offered_the_pairing_rule_holds_and_the_coordinator_sees_the_swap(
    harness: Harness, team: Team
) -> None:
    control_day(harness, team, "Anna", "Ciska", hours_ahead=IN_THREE_DAYS, status=AssignmentStatus.PROPOSED)
    bind_jobs(harness)
    anna, bauke, ciska, douwe = (team.phones[n] for n in ("Anna", "Bauke", "Ciska", "Douwe"))

    async def scenario() -> None:
        jobs.sweep()
        await harness.deliver()
        await harness.press(anna, request(harness, anna).buttons[0][1][1])  # Anna cannot make it
        await harness.deliver()
        assert statuses(harness)[team.people["Anna"]] is AssignmentStatus.COVER_REQUESTED
        await harness.press(douwe, offer_buttons(harness, douwe)[0][1])  # untrained, like Ciska: waits
        await harness.press(bauke, offer_buttons(harness, bauke)[0][1])
        await harness.deliver()

    harness.play(scenario)
    assert [c.text for c in harness.to(bauke)][:2] == [
        "Vervanging gezocht voor vr 12 mrt, 14:00-23:00.",
        "Een collega valt af voor vr 12 mrt 14:00-23:00 in Smallingerland. Kun jij het overnemen?",
    ]
    assert harness.answers() == ["Genoteerd. We zoeken een collega.", "Dank je, genoteerd.", "Bevestigd."]
    people = team.people
    assert statuses(harness) == {
        people["Anna"]: AssignmentStatus.RELEASED,
        people["Ciska"]: AssignmentStatus.PROPOSED,
        people["Bauke"]: AssignmentStatus.CONFIRMED,
    }
    assert "Bauke neemt je dienst van vr 12 mrt over. Je bent vrij." in [c.text for c in harness.to(anna)]
    assert "Je collega voor vr 12 mrt 14:00-23:00 in Smallingerland is nu Bauke." in [
        c.text for c in harness.to(ciska)
    ]
    standby = harness.to(douwe, "editMessageText")[-1]
    assert standby.text == "De vervanging voor vr 12 mrt is geregeld. Je staat reserve."
    coordinator = [c.text for c in harness.to(team.phones["Wytske"])]
    asked = (
        "Anna vraagt vervanging voor vr 12 mrt 14:00-23:00 in Smallingerland: "
        "aangeboden aan 3 toezichthouders."
    )
    assert asked in coordinator
    assert "Vervanging vr 12 mrt in Smallingerland: Bauke neemt het over van Anna." in coordinator


def test_stale_and_forged_day_buttons_change_nothing(harness: Harness, team: Team) -> None:
    control_day(harness, team, "Anna", "Bauke", hours_ahead=IN_THREE_DAYS, status=AssignmentStatus.PROPOSED)
    bind_jobs(harness)
    anna, bauke = team.phones["Anna"], team.phones["Bauke"]

    async def scenario() -> None:
        jobs.sweep()
        await harness.deliver()
        yes = request(harness, anna).buttons[0][0][1]
        await harness.press(bauke, yes)  # not his
        await harness.press(anna, yes)
        await harness.press(anna, yes)  # stale version
        await harness.press(anna, "a:1:99:n")
        harness.clock.advance(timedelta(hours=IN_THREE_DAYS))
        await harness.press(bauke, request(harness, bauke).buttons[0][1][1])  # the day has begun

    harness.play(scenario)
    stale = "Deze knop is niet meer geldig."
    assert harness.answers() == [stale, "Bevestigd.", stale, stale, stale]
    assert statuses(harness)[team.people["Bauke"]] is AssignmentStatus.PROPOSED


def test_someone_without_a_linked_phone_is_asked_once_they_link_one(harness: Harness, team: Team) -> None:
    control_day(harness, team, "Anna", "Eelke", hours_ahead=IN_THREE_DAYS, status=AssignmentStatus.PROPOSED)
    bind_jobs(harness)
    code = code_for(harness, team.people["Eelke"])

    async def scenario() -> None:
        assert jobs.sweep() == jobs.Swept(confirm_requests=1)  # Anna; Eelke has no phone to ask
        assert jobs.sweep() == jobs.Swept()
        await harness.say(777, f"/start {code}")
        assert jobs.sweep() == jobs.Swept(confirm_requests=1)  # Eelke, now that he has one
        await harness.deliver()

    harness.play(scenario)
    asked = request(harness, 777)
    assert asked.text == "Controle vr 12 mrt 14:00-23:00 in Smallingerland. Kun je erbij zijn?"
    with harness.database.transaction() as session:
        assert all(a.asked_at is not None for a in session.scalars(select(Assignment)))

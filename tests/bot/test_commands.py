"""The inspector's own commands: /rooster, /uren and /taal answer quietly and plainly."""

from datetime import timedelta

from sqlalchemy import update

from backend.models import Region
from scheduling.calendar import DEFAULT_ZONE, team_zone, use_team_zone
from tests.bot.conftest import Team, control_day
from tests.bot.harness import Harness
from tests.support.bot import create, pair_up


def test_rooster_is_one_silent_message_with_a_header_and_the_kind_of_each_shift(
    harness: Harness, team: Team
) -> None:
    control_day(harness, team, "Anna", "Ciska", hours_ahead=72)
    create(harness, team)
    anna, bauke = team.phones["Anna"], team.phones["Bauke"]

    async def scenario() -> None:
        await pair_up(harness, anna, bauke)
        harness.clear()
        await harness.say(anna, "/rooster")
        await harness.deliver()

    harness.play(scenario)
    [roster] = harness.to(anna)
    assert roster.text == (
        "Je volgende diensten:\n"
        "di 9 mrt 16:00-01:00, oproep in Smallingerland\n"
        "vr 12 mrt 14:00-23:00, controle in Smallingerland"
    )
    assert roster.params["disable_notification"] is True
    assert roster.params["protect_content"] is True


def test_taal_with_an_unknown_language_is_refused_and_changes_nothing(harness: Harness, team: Team) -> None:
    ciska = team.phones["Ciska"]

    async def scenario() -> None:
        await harness.say(ciska, "/taal xx")
        await harness.say(ciska, "/taal english")
        await harness.say(ciska, "/taal EN")
        await harness.deliver()

    harness.play(scenario)
    assert [c.text for c in harness.to(ciska)] == [
        "Ik ken nl (Nederlands) en en (English): /taal nl of /taal en.",
        "Ik ken nl (Nederlands) en en (English): /taal nl of /taal en.",
        "Language: English.",
    ]


def test_uren_names_the_month(harness: Harness, team: Team) -> None:
    ciska = team.phones["Ciska"]

    async def scenario() -> None:
        await harness.say(ciska, "/uren")
        harness.clock.advance(timedelta(days=300))
        await harness.say(ciska, "/uren")
        await harness.deliver()

    harness.play(scenario)
    assert [c.text for c in harness.to(ciska)] == [
        "maart 2027: 0:00 uur gewerkt, waarvan 0:00 nog wacht op goedkeuring.",
        "januari 2028: 0:00 uur gewerkt, waarvan 0:00 nog wacht op goedkeuring.",
    ]
    assert all(c.params["disable_notification"] is True for c in harness.to(ciska))


def test_every_update_follows_the_zone_another_process_gave_the_region(harness: Harness, team: Team) -> None:
    with harness.database.transaction() as session:
        session.execute(update(Region).values(timezone="America/Curacao"))
    try:
        harness.play(lambda: harness.say(team.phones["Ciska"], "hallo"))
        assert team_zone().key == "America/Curacao"
    finally:
        use_team_zone(DEFAULT_ZONE)

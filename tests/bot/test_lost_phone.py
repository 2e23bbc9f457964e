"""A lost phone: revocation hands the person's shifts on for cover, and a new code links a new phone."""

from sqlalchemy import select

from backend.models import Assignment, AssignmentStatus, EnrolmentCode, Inspector
from backend.services import enrolment
from tests.bot.conftest import Team
from tests.bot.harness import Harness
from tests.support.bot import code_for, create, offer_buttons

NEW_PHONE = 777


def revoke(harness: Harness, team: Team, name: str) -> enrolment.Revoked:
    with harness.database.transaction() as session:
        return enrolment.revoke(session, harness.clock.now(), "web:admin", team.people[name])


def statuses(harness: Harness, shift_id: int) -> dict[int, AssignmentStatus]:
    with harness.database.transaction() as session:
        rows = session.scalars(select(Assignment).where(Assignment.shift_id == shift_id))
        return {a.inspector_id: a.status for a in rows}


async def staff(harness: Harness, *phones: int) -> None:
    """Everyone in `phones` accepts the call-out they were offered."""
    await harness.deliver()
    for phone in phones:
        await harness.press(phone, offer_buttons(harness, phone)[0][1])
    await harness.deliver()


def test_a_revoked_inspector_links_a_new_phone_with_a_new_code_and_only_that_phone(
    harness: Harness, team: Team
) -> None:
    anna = team.phones["Anna"]
    before = code_for(harness, team.people["Anna"])  # made before the phone was lost: void now
    done = revoke(harness, team, "Anna")
    code = code_for(harness, team.people["Anna"])

    async def scenario() -> None:
        await harness.say(778, f"/start {before}")
        await harness.say(NEW_PHONE, f"/start {code}")
        await harness.say(anna, "/rooster")  # the lost phone
        await harness.say(NEW_PHONE, "/rooster")
        await harness.deliver()

    harness.play(scenario)
    assert done.codes_voided == 1
    assert [c.text for c in harness.to(778)] == ["Deze link kan niet worden gebruikt."]
    assert harness.to(NEW_PHONE)[0].text.startswith("Hallo Anna. Deze telefoon is nu gekoppeld aan piket.")
    assert harness.to(NEW_PHONE)[1].text == "Geen diensten gepland."
    assert [c.text for c in harness.to(anna)] == ["Deze link kan niet worden gebruikt."]


def test_a_code_for_someone_no_longer_in_the_team_is_refused_and_not_used_up(
    harness: Harness, team: Team
) -> None:
    code = code_for(harness, team.people["Eelke"])
    with harness.database.transaction() as session:
        session.get_one(Inspector, team.people["Eelke"]).is_active = False

    async def scenario() -> None:
        await harness.say(NEW_PHONE, f"/start {code}")

    harness.play(scenario)
    assert [c.text for c in harness.to(NEW_PHONE)] == ["Deze link kan niet worden gebruikt."]
    with harness.database.transaction() as session:
        assert session.scalars(select(EnrolmentCode.used_at)).all() == [None]


def test_revoking_someone_on_a_staffed_call_out_tells_the_coordinator_and_the_colleague_and_seeks_cover(
    harness: Harness, team: Team
) -> None:
    create(harness, team)
    anna, bauke, ciska, wytske = (team.phones[n] for n in ("Anna", "Bauke", "Ciska", "Wytske"))

    async def scenario() -> None:
        await staff(harness, anna, bauke)
        harness.clear()
        done = revoke(harness, team, "Bauke")
        assert (done.shifts_left, done.offers_withdrawn) == (1, 0)
        await harness.deliver()

    harness.play(scenario)
    assert [c.text for c in harness.to(wytske)][-2:] == [
        "Dienst di 9 mrt 16:00-01:00: er valt iemand af, een telefoon is afgesloten.",
        "De telefoon van Bauke is afgesloten, dus Bauke valt af voor di 9 mrt 16:00-01:00 in Smallingerland; "
        "Anna blijft. Vervanging aangeboden aan 3 toezichthouders.",
    ]
    assert [c.text for c in harness.to(anna)] == [
        "Wijziging in je dienst van di 9 mrt 16:00-01:00.",
        "Bauke is niet meer bereikbaar en valt af voor di 9 mrt 16:00-01:00 in Smallingerland. "
        "We zoeken een vervanger; je hoort wie het wordt.",
    ]
    assert [c.text for c in harness.to(ciska)][:2] == [
        "Vervanging gezocht voor di 9 mrt, 16:00-01:00.",
        "Een collega valt af voor di 9 mrt 16:00-01:00 in Smallingerland. Kun jij het overnemen?",
    ]
    assert harness.to(bauke) == []  # the lost phone hears nothing (its deletions are queued)
    assert harness.to(bauke, "deleteMessage")  # the confirmation, the location and the offer


def test_the_lost_phone_path_from_revocation_to_the_next_offer_on_the_new_phone(
    harness: Harness, team: Team
) -> None:
    create(harness, team)
    anna, bauke, douwe, wytske = (team.phones[n] for n in ("Anna", "Bauke", "Douwe", "Wytske"))
    shift_id = 1
    seen: dict[str, list[str]] = {}

    async def scenario() -> None:
        await staff(harness, anna, bauke)  # a confirmed call-out: Anna and Bauke
        harness.clear()
        revoke(harness, team, "Bauke")  # Bauke loses his phone
        await harness.deliver()
        seen["coordinator, told"] = [c.text for c in harness.to(wytske)]
        cover = [c for c in harness.to(douwe) if c.buttons][-1]
        assert cover.text.startswith("Een collega valt af")
        harness.clear()
        await harness.press(douwe, cover.buttons[0][0][1])  # Douwe takes it over
        await harness.deliver()
        seen["coordinator, covered"] = [c.text for c in harness.to(wytske)]
        seen["Douwe"] = [c.text for c in harness.to(douwe)]
        seen["Anna"] = [c.text for c in harness.to(anna)]
        code = code_for(harness, team.people["Bauke"])
        await harness.say(NEW_PHONE, f"/start {code}")
        await harness.deliver()
        harness.clear()
        create(harness, team, hours_ahead=40)  # the next call-out, after everyone's rest
        await harness.deliver()

    harness.play(scenario)
    assert any("Bauke valt af" in text for text in seen["coordinator, told"])
    assert statuses(harness, shift_id) == {
        team.people["Anna"]: AssignmentStatus.CONFIRMED,
        team.people["Bauke"]: AssignmentStatus.RELEASED,
        team.people["Douwe"]: AssignmentStatus.CONFIRMED,
    }
    swap = "Vervanging di 9 mrt in Smallingerland: Douwe neemt het over van Bauke."
    assert swap in seen["coordinator, covered"]
    assert seen["Douwe"][:2] == [
        "Bevestigd: je neemt di 9 mrt 16:00-01:00 over.",
        "Je neemt di 9 mrt 16:00-01:00 in Smallingerland over, samen met Anna.",
    ]
    assert any(text.startswith("Locatie: Wilhelminastraat 12, Drachten") for text in seen["Douwe"])
    assert "Je collega voor di 9 mrt 16:00-01:00 in Smallingerland is nu Douwe." in seen["Anna"]
    assert [c.text for c in harness.to(NEW_PHONE)][:2] == [
        "Oproep do 11 mrt, 06:00-15:00.",
        "Oproep in Smallingerland (MMA-melding), do 11 mrt 06:00-15:00. Kun je gaan?",
    ]
    assert harness.to(bauke) == []

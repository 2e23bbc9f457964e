"""Enrolment by one-time code, the neutral sentence for strangers, and revocation of a lost phone."""

from datetime import timedelta

from sqlalchemy import select

from backend.models import Inspector, Offer, OfferStatus
from backend.services import enrolment
from tests.bot.conftest import Team
from tests.bot.harness import Harness
from tests.support.bot import code_for, create, offer_buttons

STRANGER = 555


def test_a_code_links_the_phone_and_the_bot_greets_by_first_name(harness: Harness, team: Team) -> None:
    code = code_for(harness, team.people["Eelke"])

    async def scenario() -> None:
        await harness.say(777, f"/start {code}")
        await harness.deliver()
        await harness.say(777, "/rooster")
        await harness.deliver()

    harness.play(scenario)
    texts = [c.text for c in harness.to(777)]
    assert texts[0].startswith("Hallo Eelke. Deze telefoon is nu gekoppeld aan piket.")
    assert texts[1] == "Geen diensten gepland."


def test_a_used_an_expired_and_an_unknown_code_get_one_neutral_sentence(harness: Harness, team: Team) -> None:
    used = code_for(harness, team.people["Eelke"])
    expired = code_for(harness, team.people["Eelke"])

    async def scenario() -> None:
        await harness.say(777, f"/start {used}")
        await harness.say(778, f"/start {used}")
        harness.clock.advance(timedelta(hours=24, minutes=1))
        await harness.say(779, f"/start {expired}")
        await harness.say(780, "/start not-a-code")
        await harness.say(STRANGER, "hallo?")
        await harness.deliver()

    harness.play(scenario)
    for phone in (778, 779, 780, STRANGER):
        assert [c.text for c in harness.to(phone)] == ["Deze link kan niet worden gebruikt."]


def test_a_revoked_phone_gets_nothing_more_and_its_offers_are_withdrawn(harness: Harness, team: Team) -> None:
    create(harness, team)
    anna = team.phones["Anna"]

    async def scenario() -> None:
        await harness.deliver()
        with harness.database.transaction() as session:
            done = enrolment.revoke(session, harness.clock.now(), "web:admin", team.people["Anna"])
        assert done == enrolment.Revoked(offers_withdrawn=1, deletions=1, shifts_left=0, codes_voided=0)
        harness.clear()
        await harness.deliver()
        await harness.say(anna, "/rooster")
        await harness.deliver()

    harness.play(scenario)
    assert [c.method for c in harness.request.calls if int(c.params.get("chat_id", 0)) == anna] == [
        "deleteMessage",
        "sendMessage",
    ]
    assert harness.to(anna)[0].text == "Deze link kan niet worden gebruikt."


def test_a_stranger_writing_or_pressing_gets_the_neutral_sentence(harness: Harness, team: Team) -> None:
    async def scenario() -> None:
        await harness.say(STRANGER, "/uren")
        await harness.press(STRANGER, "o:1:1:a")

    harness.play(scenario)
    assert [c.text for c in harness.to(STRANGER)] == ["Deze link kan niet worden gebruikt."]
    assert harness.answers() == ["Deze link kan niet worden gebruikt."]


def test_an_offer_pressed_on_a_revoked_phone_or_by_someone_who_left_changes_nothing(
    harness: Harness, team: Team
) -> None:
    create(harness, team)
    anna, bauke = team.phones["Anna"], team.phones["Bauke"]

    async def scenario() -> None:
        await harness.deliver()
        accepts = [offer_buttons(harness, phone)[0][1] for phone in (anna, bauke)]
        with harness.database.transaction() as session:
            enrolment.revoke(session, harness.clock.now(), "web:admin", team.people["Anna"])
            session.get_one(Inspector, team.people["Bauke"]).is_active = False
        harness.clear()
        for phone, accept in zip((anna, bauke), accepts, strict=True):
            await harness.press(phone, accept)

    harness.play(scenario)
    assert harness.answers() == ["Deze link kan niet worden gebruikt."] * 2
    with harness.database.transaction() as session:
        answered = session.scalars(select(Offer.status).where(Offer.status != OfferStatus.PENDING)).all()
    assert set(answered) == {OfferStatus.WITHDRAWN}, "only Anna's offer, withdrawn by the revocation"


def test_language_switches_to_english_and_back(harness: Harness, team: Team) -> None:
    ciska = team.phones["Ciska"]

    async def scenario() -> None:
        await harness.say(ciska, "/taal")
        await harness.say(ciska, "/uren")
        await harness.say(ciska, "/taal nl")
        await harness.deliver()

    harness.play(scenario)
    assert [c.text for c in harness.to(ciska)] == [
        "Language: English.",
        "March 2027: 0:00 hours worked, 0:00 of them still waiting for approval.",
        "Taal: Nederlands.",
    ]


def test_a_coordinator_enrolling_a_new_phone_also_hears_about_oproep(harness: Harness, team: Team) -> None:
    code = code_for(harness, team.people["Wytske"])

    async def scenario() -> None:
        await harness.say(778, f"/start {code}")
        await harness.deliver()

    harness.play(scenario)
    assert [c.text for c in harness.to(778)][1] == (
        "Als coördinator: /oproep maakt een oproep; meldingen over open oproepen komen hier binnen."
    )

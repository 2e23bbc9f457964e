"""A call-out from creation to a confirmed pair, as the phones see it."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from backend.models import CalloutSource, Inspector, Offer, OutboxMessage, OutboxStatus
from backend.services import callouts, outbox
from backend.services.callouts import NewCallout
from backend.services.errors import Refused
from backend.services.outbox import Message
from bot.i18n import text
from tests.bot.conftest import Team
from tests.bot.harness import Harness
from tests.support.bot import create, offer_buttons, pair_up


def test_a_window_with_seconds_is_refused_and_offers_nothing(harness: Harness, team: Team) -> None:
    start = harness.clock.now() + timedelta(hours=2, seconds=30)
    with pytest.raises(Refused, match="to the minute"), harness.database.transaction() as session:
        callouts.create_callout(
            session,
            harness.clock.now(),
            "web:coordinator",
            NewCallout(
                team.smallingerland, CalloutSource.MMA, start, start + timedelta(hours=9), "Dorpsstraat 1"
            ),
        )
    with harness.database.transaction() as session:
        assert session.execute(select(Offer)).first() is None


def test_eligible_phones_get_a_discreet_offer_and_the_coordinator_a_summary(
    harness: Harness, team: Team
) -> None:
    create(harness, team)

    async def scenario() -> None:
        await harness.deliver()

    harness.play(scenario)
    anna = harness.to(team.phones["Anna"])
    assert [c.text for c in anna] == [
        "Oproep di 9 mrt, 16:00-01:00.",
        "Oproep in Smallingerland (MMA-melding), di 9 mrt 16:00-01:00. Kun je gaan?",
    ]
    assert anna[0].params.get("disable_notification") in (None, False)
    assert anna[1].params["disable_notification"] is True
    assert [label for label, _ in offer_buttons(harness, team.phones["Anna"])] == ["Accepteren", "Afslaan"]
    assert "Wilhelminastraat" not in " ".join(c.text for c in harness.request.calls)
    coordinator = [c.text for c in harness.to(team.phones["Wytske"])]
    assert "Oproep di 9 mrt 16:00-01:00 in Smallingerland: aangeboden aan 5 toezichthouders." in coordinator


def test_two_accepts_make_a_pair_that_alone_learns_the_location(harness: Harness, team: Team) -> None:
    create(harness, team)
    anna, bauke, ciska = team.phones["Anna"], team.phones["Bauke"], team.phones["Ciska"]

    async def scenario() -> None:
        await harness.deliver()
        accept_anna = offer_buttons(harness, anna)[0][1]
        accept_bauke = offer_buttons(harness, bauke)[0][1]
        harness.clear()
        await harness.press(anna, accept_anna)
        await harness.press(bauke, accept_bauke)
        await harness.deliver()

    harness.play(scenario)
    assert harness.answers() == ["Dank je, genoteerd.", "Bevestigd."]
    alert, confirmation = [c for c in harness.to(bauke) if "16:00-01:00" in c.text][-2:]
    assert alert.text == "Bevestigd: oproep di 9 mrt 16:00-01:00. Je bent ingedeeld."
    assert alert.params["disable_notification"] is False
    assert confirmation.text == (
        "Oproep di 9 mrt 16:00-01:00 in Smallingerland, samen met Anna. "
        "De locatie volgt in een apart bericht."
    )
    assert confirmation.params["protect_content"] is True
    assert confirmation.params["disable_notification"] is True
    location = [c for c in harness.to(bauke) if "Wilhelminastraat" in c.text]
    assert location and location[0].params["protect_content"] is True
    assert not [
        c
        for c in harness.request.calls
        if "Wilhelminastraat" in c.text and int(c.params["chat_id"]) not in (anna, bauke)
    ]
    filled = harness.to(ciska, "editMessageText")
    assert [c.text for c in filled] == ["De oproep van di 9 mrt is rond. Dank je."]
    assert filled[0].buttons == []


def test_the_location_is_deleted_when_the_shift_ends(harness: Harness, team: Team) -> None:
    create(harness, team)
    anna, bauke = team.phones["Anna"], team.phones["Bauke"]

    async def scenario() -> None:
        await pair_up(harness, anna, bauke)
        assert harness.to(anna, "deleteMessage") == []
        harness.clock.advance(timedelta(hours=11, minutes=1))
        await harness.deliver()

    harness.play(scenario)
    [location] = [c for c in harness.to(anna) if "Wilhelminastraat" in c.text]
    [deletion] = harness.to(anna, "deleteMessage")
    sent_ids = [c for c in harness.request.calls if c.method == "sendMessage"]
    assert deletion.params["message_id"] in range(1000, 1000 + len(sent_ids) + 1)
    assert location.params["chat_id"] == deletion.params["chat_id"]


def test_a_stale_a_repeated_and_a_forged_press_change_nothing(harness: Harness, team: Team) -> None:
    create(harness, team)
    anna, douwe = team.phones["Anna"], team.phones["Douwe"]

    async def scenario() -> None:
        await harness.deliver()
        accept = offer_buttons(harness, anna)[0][1]
        await harness.press(anna, accept, update_id=5000)
        await harness.press(anna, accept, update_id=5000)  # Telegram redelivers the same update
        await harness.press(anna, accept)  # a second tap on the same (now stale) button
        await harness.press(douwe, accept)  # Douwe forges Anna's button
        await harness.press(douwe, "o:99999999:1:a")  # an offer that does not exist
        await harness.press(douwe, "x" * 200)  # garbage

    harness.play(scenario)
    # The redelivered update changes nothing and gets the answer it got the first time.
    assert harness.answers() == ["Dank je, genoteerd."] * 2 + ["Deze knop is niet meer geldig."] * 4
    with harness.database.transaction() as session:
        statuses = {o.inspector_id: o.status.value for o in session.scalars(select(Offer))}
    assert statuses[team.people["Anna"]] == "accepted"
    assert statuses[team.people["Douwe"]] == "pending"


def test_two_untrained_wait_for_a_trained_colleague(harness: Harness, team: Team) -> None:
    create(harness, team)
    ciska, douwe, bauke = team.phones["Ciska"], team.phones["Douwe"], team.phones["Bauke"]

    async def scenario() -> None:
        await harness.deliver()
        await harness.press(ciska, offer_buttons(harness, ciska)[0][1])
        await harness.press(douwe, offer_buttons(harness, douwe)[0][1])
        await harness.deliver()
        assert (
            harness.to(douwe, "editMessageText")[-1].text
            == "Dank je. We wachten op een opgeleide collega voor di 9 mrt."
        )
        await harness.press(bauke, offer_buttons(harness, bauke)[0][1])
        await harness.deliver()

    harness.play(scenario)
    # Bauke (trained, man) pairs with Ciska (the first to accept, a woman): mixed; Douwe stands by.
    assert (
        harness.to(douwe, "editMessageText")[-1].text == "De oproep van di 9 mrt is rond. Je staat reserve."
    )
    assert any(
        c.text.endswith("samen met Ciska. De locatie volgt in een apart bericht.") for c in harness.to(bauke)
    )


def test_a_decline_is_acknowledged_and_removes_the_buttons(harness: Harness, team: Team) -> None:
    create(harness, team)
    anna = team.phones["Anna"]

    async def scenario() -> None:
        await harness.deliver()
        await harness.press(anna, offer_buttons(harness, anna)[1][1])
        await harness.deliver()

    harness.play(scenario)
    assert harness.answers() == ["Genoteerd."]
    [edit] = harness.to(anna, "editMessageText")
    assert edit.text == "Je hebt de oproep van di 9 mrt afgeslagen." and edit.buttons == []


def test_a_location_without_notes_has_no_empty_lines_and_a_held_back_one_says_when_it_comes(
    harness: Harness, team: Team
) -> None:
    start = harness.clock.now() + timedelta(hours=60)  # Friday 02:00; the location comes 40 h before the end
    with harness.database.transaction() as session:
        callouts.create_callout(
            session,
            harness.clock.now(),
            "web:coordinator",
            NewCallout(
                team.smallingerland, CalloutSource.POLICE, start, start + timedelta(hours=9), "Dorpsstraat 1"
            ),
        )
    anna, bauke = team.phones["Anna"], team.phones["Bauke"]

    async def scenario() -> None:
        await pair_up(harness, anna, bauke)
        assert not [c for c in harness.to(anna) if "Dorpsstraat" in c.text]
        harness.clock.advance(timedelta(hours=29))
        await harness.deliver()

    harness.play(scenario)
    confirmation = next(c for c in harness.to(anna) if "samen met" in c.text)
    assert confirmation.text == (
        "Oproep vr 12 mrt 02:00-11:00 in Smallingerland, samen met Bauke. De locatie volgt op "
        "wo 10 mrt om 19:00, dicht genoeg bij de dienst om daarna uit deze chat verwijderd te worden."
    )
    [location] = [c for c in harness.to(anna) if "Dorpsstraat" in c.text]
    assert location.text == "Locatie: Dorpsstraat 1\n\nDit bericht wordt na de dienst verwijderd."


def test_a_tap_redelivered_after_a_crash_gets_its_first_answer_again_in_the_users_language(
    harness: Harness, team: Team
) -> None:
    create(harness, team)
    anna, ciska = team.phones["Anna"], team.phones["Ciska"]

    async def scenario() -> None:
        await harness.say(ciska, "/taal en")
        await harness.deliver()
        await harness.press(ciska, offer_buttons(harness, ciska)[1][1], update_id=6000)  # declines
        await harness.press(ciska, offer_buttons(harness, ciska)[1][1], update_id=6000)  # redelivered
        await harness.press(anna, offer_buttons(harness, anna)[0][1], update_id=6001)  # accepts, waits
        await harness.press(anna, offer_buttons(harness, anna)[0][1], update_id=6001)

    harness.play(scenario)
    assert harness.answers() == ["Noted.", "Noted.", "Dank je, genoteerd.", "Dank je, genoteerd."]


LATER = text("nl", "safety.ended")


def test_a_call_out_cancelled_before_its_location_went_never_sends_it_and_holds_up_nothing(
    harness: Harness, team: Team
) -> None:
    """A call-out three days ahead: its location waits until 40 hours before the end. Cancelled
    before then, the location never goes, and the pair's chats are not held up until it would have
    (the deletion waited for its send, and every later message to them waited behind it)."""
    callout_id = create(harness, team, hours_ahead=72)
    anna, bauke = team.phones["Anna"], team.phones["Bauke"]

    async def scenario() -> None:
        await pair_up(harness, anna, bauke)
        with harness.database.transaction() as session:
            callouts.cancel(session, harness.clock.now(), "web:coordinator", callout_id)
        with harness.database.transaction() as session:  # anything for Anna after the cancel
            anna_herself = session.get_one(Inspector, team.people["Anna"])
            outbox.send(session, harness.clock.now(), anna_herself, Message("safety.ended"))
        await harness.deliver()
        await harness.deliver()
        assert harness.to(anna)[-1].text == LATER, "a later message to Anna waits for nothing"
        harness.clock.advance(timedelta(hours=90))  # past the location's time and the shift's end
        await harness.deliver()

    harness.play(scenario)
    assert not [c for c in harness.request.calls if "Wilhelminastraat" in c.text]
    assert harness.to(anna, "deleteMessage") == []
    with harness.database.transaction() as session:
        waiting = session.scalars(
            select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.PENDING)
        ).all()
    assert waiting == []

"""A message changed before it went out is never shown in its old form (backend/services/outbox.py):
an offer staffed before it reached Douwe's phone, while Telegram could not reach that phone."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from backend.models import Inspector, OutboxMessage
from backend.services import outbox
from backend.services.outbox import Message
from bot.sender import Limiter
from tests.bot.conftest import Team
from tests.bot.harness import Harness
from tests.support.bot import create, offer_buttons

FILLED = "De oproep van di 9 mrt is rond. Dank je."
ALERT = "Oproep di 9 mrt, 16:00-01:00."
WHEN = {"date": "2027-03-09", "start": "16:00", "end": "01:00"}
BAD_GATEWAY = (502, b'{"ok": false, "error_code": 502, "description": "Bad Gateway"}')

Reach = Callable[[dict[str, Any]], Awaitable[tuple[int, bytes] | None]]
"""Looks at a call to Douwe's phone: an answer in Telegram's place, or None to let it through."""


def phone_reach(harness: Harness, team: Team, reach: Reach, name: str = "Douwe") -> None:
    """Douwe's phone (or `name`'s) is reached as `reach` says."""
    real = type(harness.request).do_request.__get__(harness.request)  # as Telegram answers (unwrapped)
    douwe = team.phones[name]

    async def calls(url, method, request_data=None, **kwargs):  # type: ignore[no-untyped-def]
        params = dict(request_data.parameters) if request_data else {}
        if int(params.get("chat_id", 0)) == douwe and (answer := await reach(params)) is not None:
            return answer
        return await real(url, method, request_data, **kwargs)

    harness.request.do_request = calls  # type: ignore[method-assign]


async def out_of_reach(params: dict[str, Any]) -> tuple[int, bytes]:
    return BAD_GATEWAY


async def details_out_of_reach(params: dict[str, Any]) -> tuple[int, bytes] | None:
    """The heads-up rings; the silent details that follow do not get through."""
    return BAD_GATEWAY if params.get("disable_notification") else None


async def staff_it(harness: Harness, team: Team) -> None:
    """Anna and Bauke accept: a mixed pair, so everyone else's offer is staffed."""
    for name in ("Anna", "Bauke"):
        await harness.press(team.phones[name], offer_buttons(harness, team.phones[name])[0][1])


async def through(params: dict[str, Any]) -> None:
    return None


async def back_in_reach(harness: Harness, team: Team) -> None:
    phone_reach(harness, team, through)
    harness.clock.advance(timedelta(minutes=5))
    await harness.deliver()


def douwes_rows(harness: Harness, team: Team) -> list[tuple[str, str, str | None]]:
    with harness.database.transaction() as session:
        rows = session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.inspector_id == team.people["Douwe"])
            .order_by(OutboxMessage.id)
        )
        return [(row.method, row.status.value, row.error) for row in rows]


def texts_to_douwe(harness: Harness, team: Team, method: str = "sendMessage") -> list[str]:
    return [c.text for c in harness.to(team.phones["Douwe"], method)]


def test_an_offer_staffed_before_any_of_it_reached_the_phone_sends_nothing_there(
    harness: Harness, team: Team
) -> None:
    create(harness, team)
    phone_reach(harness, team, out_of_reach)

    async def scenario() -> None:
        await harness.deliver()
        await staff_it(harness, team)
        harness.clear()
        await back_in_reach(harness, team)

    harness.play(scenario)
    assert texts_to_douwe(harness, team) == texts_to_douwe(harness, team, "editMessageText") == []
    assert douwes_rows(harness, team) == [
        ("sendMessage", "withdrawn", "withdrawn: changed before it was sent"),  # the heads-up
        ("sendMessage", "withdrawn", "withdrawn: changed before it was sent"),
        ("editMessageText", "withdrawn", "withdrawn: its message was withdrawn before it was sent"),
    ], "withdrawn, not failed: nothing was to go"


def test_an_offer_staffed_after_its_heads_up_rang_arrives_as_one_silent_message_saying_so(
    harness: Harness, team: Team
) -> None:
    create(harness, team)
    phone_reach(harness, team, details_out_of_reach)

    async def scenario() -> None:
        await harness.deliver()
        await staff_it(harness, team)
        await back_in_reach(harness, team)

    harness.play(scenario)
    douwe = harness.to(team.phones["Douwe"])
    assert [c.text for c in douwe] == [ALERT, FILLED]
    assert douwe[-1].params["disable_notification"] is True and douwe[-1].buttons == []
    assert texts_to_douwe(harness, team, "editMessageText") == []


def staffed_in_reach(harness: Harness, team: Team) -> None:
    """A call-out made, its offers delivered, staffed by Anna and Bauke, and what that queued delivered."""
    create(harness, team)

    async def scenario() -> None:
        await harness.deliver()
        await staff_it(harness, team)
        await harness.deliver()

    harness.play(scenario)


def test_an_offer_staffed_after_it_reached_the_phone_is_edited_as_before(
    harness: Harness, team: Team
) -> None:
    staffed_in_reach(harness, team)
    assert texts_to_douwe(harness, team)[-1].startswith("Oproep in Smallingerland")
    assert texts_to_douwe(harness, team, "editMessageText") == [FILLED]


def test_an_offer_staffed_while_its_heads_up_was_on_its_way_comes_with_what_became_of_it(
    harness: Harness, team: Team
) -> None:
    """The sender has taken the heads-up and is calling Telegram when the offer is staffed: the
    offer is withdrawn, then the heads-up is recorded as sent. It rang, so the offer still comes,
    as the news of what became of it."""
    create(harness, team)
    phone_reach(harness, team, out_of_reach)

    async def staffed_meanwhile(params: dict[str, Any]) -> None:
        if params.get("text") == ALERT:
            await staff_it(harness, team)

    async def scenario() -> None:
        await harness.deliver()  # Douwe's heads-up and offer wait for a retry
        phone_reach(harness, team, staffed_meanwhile)
        harness.clock.advance(timedelta(minutes=5))
        await harness.deliver()

    harness.play(scenario)
    douwe = [c for c in harness.to(team.phones["Douwe"]) if c.text]
    assert [c.text for c in douwe][-2:] == [ALERT, FILLED]
    assert douwe[-1].params["disable_notification"] is True and douwe[-1].buttons == []


def test_a_message_withdrawn_while_it_was_on_its_way_is_edited_once_it_is_recorded_sent(
    harness: Harness, team: Team
) -> None:
    """The sender has taken the message and is calling Telegram when it changes: withdrawn in the
    queue, then recorded as sent (it went). The edit queued behind it changes it on the phone."""
    with harness.database.transaction() as session:
        douwe = session.get_one(Inspector, team.people["Douwe"])
        outbox.send(session, harness.clock.now(), douwe, Message("offer.confirmed", WHEN), ref="reminder:1")

    async def changed_meanwhile(params: dict[str, Any]) -> None:
        if "message_id" in params:
            return  # the edit itself
        with harness.database.transaction() as session:
            douwe = session.get_one(Inspector, team.people["Douwe"])
            outbox.edit(
                session,
                harness.clock.now(),
                douwe,
                "reminder:1",
                Message("offer.filled", WHEN),
                withdraw_unsent=True,
            )

    phone_reach(harness, team, changed_meanwhile)

    async def scenario() -> None:
        await harness.deliver()

    harness.play(scenario)
    assert len(texts_to_douwe(harness, team)) == 1
    assert texts_to_douwe(harness, team, "editMessageText") == [FILLED]
    assert [status for _, status, _ in douwes_rows(harness, team)] == ["sent", "sent"]


def test_an_offer_changed_while_it_was_on_its_way_after_its_heads_up_is_edited_on_the_phone(
    harness: Harness, team: Team
) -> None:
    """The heads-up rang; the sender is calling Telegram with the offer when it is staffed: the
    queued offer is rewritten, but what went was the old one, so the edit behind it is applied."""
    create(harness, team)
    phone_reach(harness, team, details_out_of_reach)

    async def staffed_meanwhile(params: dict[str, Any]) -> None:
        if str(params.get("text")).startswith("Oproep in Smallingerland"):
            await staff_it(harness, team)

    async def scenario() -> None:
        await harness.deliver()
        phone_reach(harness, team, staffed_meanwhile)
        harness.clock.advance(timedelta(minutes=5))
        await harness.deliver()

    harness.play(scenario)
    assert texts_to_douwe(harness, team)[-1].startswith("Oproep in Smallingerland")
    assert texts_to_douwe(harness, team, "editMessageText") == [FILLED]


def test_an_edit_with_nothing_to_change_does_not_hold_up_the_chats_next_message(
    harness: Harness, team: Team
) -> None:
    create(harness, team)
    phone_reach(harness, team, out_of_reach)
    called_at: list[float] = []

    async def timed(params: dict[str, Any]) -> None:
        called_at.append(time.monotonic())

    async def scenario() -> None:
        await harness.deliver()
        await staff_it(harness, team)
        with harness.database.transaction() as session:
            douwe = session.get_one(Inspector, team.people["Douwe"])
            outbox.send(session, harness.clock.now(), douwe, Message("offer.cancelled", WHEN))
        phone_reach(harness, team, timed)
        harness.sender.limiter = Limiter(per_second=10_000, per_chat_interval=1.0)
        harness.clock.advance(timedelta(minutes=5))
        started = time.monotonic()
        await harness.deliver()
        assert len(called_at) == 1 and called_at[0] - started < 0.5

    harness.play(scenario)


def test_a_safety_alert_is_never_withdrawn_nor_changed_in_the_queue(harness: Harness, team: Team) -> None:
    with harness.database.transaction() as session:
        douwe = session.get_one(Inspector, team.people["Douwe"])
        alert = Message("safety.taken_by", {"taker": "Anna"}, disable_notification=True)
        outbox.send(session, harness.clock.now(), douwe, alert, ref="safety:1")
        taken = Message("safety.taken_by", {"taker": "Bauke"})
        outbox.edit(session, harness.clock.now(), douwe, "safety:1", taken, withdraw_unsent=True)

    async def scenario() -> None:
        await harness.deliver()

    harness.play(scenario)
    assert texts_to_douwe(harness, team) == ["Anna pakt dit op."]
    assert texts_to_douwe(harness, team, "editMessageText") == ["Bauke pakt dit op."]


def test_a_backlog_or_a_burst_rings_once_for_each_kind_of_heads_up_and_a_later_one_rings_again(
    harness: Harness, team: Team
) -> None:
    """Call-outs Douwe is put on: two queued a second apart while the phone waits, the first
    heads-up rings and the second, queued before that ring, is withdrawn (its message comes
    silently after it); a third queued 29 s after the ring is withdrawn too (the phone has just
    rung); a fourth, half a minute after the ring, rings again."""
    assigned = Message(
        "pair.assigned", {**WHEN, "municipality": "Smallingerland"}, heads_up="pair.assigned_alert"
    )

    def put_on(after: timedelta = timedelta(0)) -> None:
        harness.clock.advance(after)
        with harness.database.transaction() as session:
            douwe = session.get_one(Inspector, team.people["Douwe"])
            outbox.send(session, harness.clock.now(), douwe, assigned)

    async def scenario() -> None:
        put_on()
        put_on(timedelta(seconds=1))
        await harness.deliver()  # rings at the second put_on's moment
        put_on(timedelta(seconds=29))
        await harness.deliver()
        put_on(timedelta(seconds=1))
        await harness.deliver()

    harness.play(scenario)
    rings = [c.text for c in harness.to(team.phones["Douwe"]) if not c.params.get("disable_notification")]
    silent = [c.text for c in harness.to(team.phones["Douwe"]) if c.params.get("disable_notification")]
    assert rings == ["De coördinator heeft je ingedeeld voor een oproep: di 9 mrt 16:00-01:00."] * 2
    assert len(silent) == 4
    assert [status for _, status, _ in douwes_rows(harness, team)] == [
        "sent",
        "sent",
        "withdrawn",
        "sent",
        "withdrawn",
        "sent",
        "sent",
        "sent",
    ]


def test_a_call_out_staffed_before_its_creation_reached_the_coordinator_tells_only_that_it_is_staffed(
    harness: Harness, team: Team
) -> None:
    """Wytske (the coordinator) is offered the call-out too; her phone is out of reach while it is
    made and staffed. "Offered to five" is no news once the pair stands: it never goes."""
    create(harness, team)
    phone_reach(harness, team, out_of_reach, name="Wytske")

    async def scenario() -> None:
        await harness.deliver()
        await staff_it(harness, team)
        phone_reach(harness, team, through, name="Wytske")
        harness.clear()
        harness.clock.advance(timedelta(minutes=5))
        await harness.deliver()

    harness.play(scenario)
    told = [c.text for c in harness.to(team.phones["Wytske"])]
    assert not any(text.startswith("Oproep di 9 mrt 16:00-01:00 in Smallingerland") for text in told), told
    assert any("is rond: Anna en Bauke gaan" in text for text in told), told


def test_a_creation_notice_that_went_stays_when_the_call_out_is_staffed(harness: Harness, team: Team) -> None:
    staffed_in_reach(harness, team)
    told = [c.text for c in harness.to(team.phones["Wytske"])]
    assert any(
        text.startswith("Oproep di 9 mrt 16:00-01:00 in Smallingerland: aangeboden aan 5") for text in told
    )
    assert any("is rond: Anna en Bauke gaan" in text for text in told), told

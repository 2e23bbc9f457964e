"""The outbox sender: Telegram's limits, RetryAfter, a blocked bot, and edits that wait for their send."""

import asyncio
import itertools
import time
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from backend.config import load_settings
from backend.models import OutboxMessage, OutboxStatus
from bot.app import build_application, running_sender
from bot.sender import Limiter, Pace, Queued
from tests.bot.conftest import Team
from tests.bot.harness import Harness
from tests.support.bot import create


def statuses(harness: Harness) -> list[str]:
    with harness.database.transaction() as session:
        return [m.status.value for m in session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]


def test_retry_after_postpones_the_message_and_it_goes_later(harness: Harness, team: Team) -> None:
    create(harness, team)
    harness.request.refuse["sendMessage"] = {
        "error_code": 429,
        "description": "Too Many Requests: retry after 7",
        "parameters": {"retry_after": 7},
    }
    harness.sender.limiter = Limiter(per_second=10_000, per_chat_interval=0)
    harness.sender.limiter.pause = lambda seconds: None  # the test moves its own clock instead of sleeping

    async def scenario() -> None:
        await harness.deliver()  # a round per message of a chat: each is refused and postponed
        assert "sent" not in statuses(harness)
        del harness.request.refuse["sendMessage"]
        assert await harness.sender.deliver_due() == 0  # not yet: 7 seconds have not passed
        harness.clock.advance(timedelta(seconds=8))
        await harness.deliver()

    harness.play(scenario)
    assert set(statuses(harness)) == {"sent"}


def test_a_blocked_bot_is_not_retried_and_the_coordinator_hears_once(harness: Harness, team: Team) -> None:
    create(harness, team)
    douwe, wytske = team.phones["Douwe"], team.phones["Wytske"]
    real = harness.request.do_request

    async def blocking(url, method, request_data=None, **kwargs):  # type: ignore[no-untyped-def]
        if request_data and int(request_data.parameters.get("chat_id", 0)) == douwe:
            return (
                403,
                b'{"ok": false, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}',
            )
        return await real(url, method, request_data, **kwargs)

    harness.request.do_request = blocking  # type: ignore[method-assign]

    async def scenario() -> None:
        await harness.deliver()
        await harness.deliver()

    harness.play(scenario)
    with harness.database.transaction() as session:
        failed = session.scalars(
            select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.FAILED)
        ).all()
        assert {m.error for m in failed} == {"blocked by the user"}
        assert all(m.attempts == 1 for m in failed)
    warnings = [c.text for c in harness.to(wytske) if "geblokkeerd" in c.text]
    assert warnings == [  # once: the heads-up that rings, then which inspector (silently)
        "Een telefoon heeft de bot geblokkeerd.",
        "Een telefoon heeft de bot geblokkeerd (toezichthouder 5). Berichten komen niet aan.",
    ]


def test_the_limiter_keeps_one_second_between_messages_to_a_chat() -> None:
    limiter = Limiter(per_second=30, per_chat_interval=0.2)
    stamps: list[float] = []

    async def burst() -> None:
        for _ in range(3):  # the moments the limiter allowed, not when this coroutine ran again
            stamps.append(await limiter.wait("chat"))

    asyncio.run(burst())
    gaps = [b - a for a, b in itertools.pairwise(stamps)]
    assert all(gap >= 0.19 for gap in gaps)


def test_a_sender_beside_the_bot_keeps_the_pace_the_setting_gives(harness: Harness) -> None:
    """PIKET_TELEGRAM_CHAT_INTERVAL_MS and _SENDS_PER_SECOND reach a sender that runs in the bot's own
    loop (`piket bot`)."""
    paced = build_application(
        "123:TEST",
        "https://telegram.invalid/bot",
        harness.database,
        harness.clock,
        harness.request,
        pace=Pace.of(
            load_settings({"PIKET_TELEGRAM_CHAT_INTERVAL_MS": "250", "PIKET_TELEGRAM_SENDS_PER_SECOND": "90"})
        ),
    )
    paces: list[tuple[int, float]] = []

    async def scenario() -> None:
        for application in (paced, harness.application):
            async with running_sender(application, harness.database, harness.clock) as sender:
                paces.append((sender.limiter.per_second, sender.limiter.per_chat_interval))

    harness.play(scenario)
    assert paces == [(90, 0.25), (30, 1.0)]


def test_the_interval_to_a_chat_counts_from_telegrams_answer_so_a_slow_call_is_not_caught_up() -> None:
    """A call let go at once but answered 0.15 s later (it may have arrived just then): the next
    call to that chat waits the whole interval from the answer, not from the letting go."""
    limiter = Limiter(per_second=30, per_chat_interval=0.2)
    moments: list[tuple[float, float]] = []

    async def slow_calls() -> None:
        for _ in range(3):
            allowed = await limiter.wait("chat")
            await asyncio.sleep(0.15)  # the call on its way and Telegram's answer
            limiter.answered("chat")
            moments.append((allowed, time.monotonic()))

    asyncio.run(slow_calls())
    assert all(b[0] - a[1] >= 0.19 for a, b in itertools.pairwise(moments))


def test_the_limiter_allows_at_most_its_rate_in_any_second() -> None:
    limiter = Limiter(per_second=5, per_chat_interval=0)
    stamps: list[float] = []

    async def fan_out() -> None:
        async def one(chat: int) -> None:
            stamps.append(await limiter.wait(str(chat)))

        await asyncio.gather(*(one(chat) for chat in range(12)))

    asyncio.run(fan_out())
    stamps.sort()
    for i, start in enumerate(stamps):
        assert sum(1 for s in stamps[i:] if s < start + 1.0) <= 5


def test_a_round_that_fails_for_one_chat_settles_the_others_before_the_next_round(
    harness: Harness, team: Team
) -> None:
    """The database went away while one chat's result was being recorded, and another chat was
    still waiting on Telegram: the round ends only once that send is recorded, so the round after
    it (the sender retries at once when the database is back) does not send it a second time."""
    create(harness, team)
    anna, bauke = str(team.phones["Anna"]), str(team.phones["Bauke"])
    real_request, real_sent = harness.request.do_request, harness.sender._sent_all

    async def slow_for_bauke(url, method, request_data=None, **kwargs):  # type: ignore[no-untyped-def]
        if request_data and str(request_data.parameters.get("chat_id")) == bauke:
            await asyncio.sleep(0.3)  # Telegram answers Bauke's offer after Anna's failed
        return await real_request(url, method, request_data, **kwargs)

    def lost_for_anna(sent: list[tuple[Queued, int | None]]) -> None:
        if any(item.chat_id == anna for item, _ in sent):
            raise OperationalError("UPDATE outbox_messages", {}, Exception("server closed the connection"))
        real_sent(sent)

    harness.request.do_request = slow_for_bauke  # type: ignore[method-assign]
    harness.sender._sent_all = lost_for_anna  # type: ignore[method-assign]

    async def scenario() -> None:
        with pytest.raises(OperationalError):
            await harness.sender.deliver_due()
        harness.sender._sent_all = real_sent  # type: ignore[method-assign]
        await harness.deliver()

    harness.play(scenario)
    with harness.database.transaction() as session:
        queued = Counter(row.chat_id for row in session.scalars(select(OutboxMessage)))
    sends = Counter(str(c.params["chat_id"]) for c in harness.request.calls if c.method == "sendMessage")
    assert sends[bauke] == queued[bauke] > 0, "Bauke's messages went once: the round waited for Telegram"
    assert sends[anna] == queued[anna] + 1, "Anna's first goes again: its result was never recorded"
    assert set(statuses(harness)) == {"sent"}


def test_a_round_sends_each_chat_its_oldest_message_so_no_queue_holds_up_the_others(
    harness: Harness, team: Team
) -> None:
    """A call-out queues two messages to each phone: the first round sends every phone its alert,
    the second the details, each one in one transaction for all the sends that finished together."""
    create(harness, team)
    with harness.database.transaction() as session:
        queued = Counter(row.chat_id for row in session.scalars(select(OutboxMessage)))
    commits: list[int] = []
    real_sent = harness.sender._sent_all

    def counted(sent: list[tuple[Queued, int | None]]) -> None:
        commits.append(len(sent))
        real_sent(sent)

    harness.sender._sent_all = counted  # type: ignore[method-assign]
    rounds: list[list[str]] = []

    async def scenario() -> None:
        while True:
            before = len(harness.request.calls)
            if not await harness.sender.deliver_due():
                return
            rounds.append([str(c.params["chat_id"]) for c in harness.request.calls[before:]])

    harness.play(scenario)
    assert len(rounds) == max(queued.values()) >= 2
    assert all(len(chats) == len(set(chats)) for chats in rounds), "one message per chat and round"
    assert set(rounds[0]) == set(queued), "every phone had its first message in the first round"
    assert sum(commits) == sum(queued.values()) and len(commits) < sum(queued.values())


def test_serving_a_chat_does_not_wait_for_a_slow_call_to_another(harness: Harness, team: Team) -> None:
    """Telegram is slow to answer Bauke: Anna's second message goes meanwhile (in rounds it waited
    for Bauke's answer), and everything goes once."""
    create(harness, team)
    anna, bauke = str(team.phones["Anna"]), str(team.phones["Bauke"])
    real_request = harness.request.do_request

    slowed: list[str] = []

    async def slow_for_bauke(url, method, request_data=None, **kwargs):  # type: ignore[no-untyped-def]
        if request_data and str(request_data.parameters.get("chat_id")) == bauke and not slowed:
            slowed.append(bauke)  # his first call hangs; Anna's two must not wait for it
            await asyncio.sleep(3.0)
        return await real_request(url, method, request_data, **kwargs)

    harness.request.do_request = slow_for_bauke  # type: ignore[method-assign]

    def chats() -> list[str]:
        return [str(c.params["chat_id"]) for c in harness.request.calls if c.method == "sendMessage"]

    async def scenario() -> None:
        stop, wake = asyncio.Event(), asyncio.Event()
        serving = asyncio.create_task(harness.sender.serve(stop, wake))
        started = time.monotonic()
        while chats().count(anna) < 2 and time.monotonic() < started + 2.5:
            await asyncio.sleep(0.05)
        assert chats().count(anna) == 2 and bauke not in chats()
        while "pending" in statuses(harness):
            await asyncio.sleep(0.1)
        stop.set()
        wake.set()
        await serving

    harness.play(scenario)
    with harness.database.transaction() as session:
        queued = Counter(row.chat_id for row in session.scalars(select(OutboxMessage)))
    assert Counter(chats()) == queued and set(statuses(harness)) == {"sent"}

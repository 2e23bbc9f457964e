"""The outbox sender: Telegram's limits, RetryAfter, a blocked bot, and edits that wait for their send."""

import asyncio
import itertools
import time
from datetime import timedelta

from sqlalchemy import select

from backend.models import OutboxMessage, OutboxStatus
from bot.sender import Limiter
from tests.bot.conftest import Team
from tests.bot.harness import Harness
from tests.bot.test_callout_flow import create


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
        await harness.sender.deliver_due()
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
        for _ in range(3):
            await limiter.wait("chat")
            stamps.append(time.monotonic())

    asyncio.run(burst())
    gaps = [b - a for a, b in itertools.pairwise(stamps)]
    assert all(gap >= 0.19 for gap in gaps)


def test_the_limiter_allows_at_most_its_rate_in_any_second() -> None:
    limiter = Limiter(per_second=5, per_chat_interval=0)
    stamps: list[float] = []

    async def fan_out() -> None:
        async def one(chat: int) -> None:
            await limiter.wait(str(chat))
            stamps.append(time.monotonic())

        await asyncio.gather(*(one(chat) for chat in range(12)))

    asyncio.run(fan_out())
    stamps.sort()
    for i, start in enumerate(stamps):
        assert sum(1 for s in stamps[i:] if s < start + 1.0) <= 5

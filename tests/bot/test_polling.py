"""A batch of updates from getUpdates: each person's in order, different people's side by side."""

from __future__ import annotations

import asyncio
from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler

from bot.app import handle_batch
from tests.bot.harness import RecordingRequest


def tap(application: Application, update_id: int, user_id: int) -> Update:  # type: ignore[type-arg]
    return Update.de_json(
        {
            "update_id": update_id,
            "callback_query": {
                "id": str(update_id),
                "from": {"id": user_id, "is_bot": False, "first_name": "x"},
                "chat_instance": "1",
                "data": "o:1:1:a",
                "message": {"message_id": 1, "date": 0, "chat": {"id": user_id, "type": "private"}},
            },
        },
        application.bot,
    )


def test_a_batch_runs_each_persons_taps_in_order_and_different_people_side_by_side() -> None:
    request = RecordingRequest()
    application = Application.builder().token("1:POLL").request(request).get_updates_request(request).build()
    events: list[tuple[str, int]] = []

    async def slow(update: Update, _context: Any) -> None:
        events.append(("start", update.update_id))
        await asyncio.sleep(0.2)  # a handler waiting for its transaction
        events.append(("end", update.update_id))

    application.add_handler(CallbackQueryHandler(slow))

    async def run() -> float:
        async with application:
            started = asyncio.get_running_loop().time()
            await handle_batch(
                application, [tap(application, 1, 7001), tap(application, 2, 7002), tap(application, 3, 7001)]
            )
            return asyncio.get_running_loop().time() - started

    took = asyncio.run(run())
    assert events.index(("end", 1)) < events.index(("start", 3)), "one person's taps in order"
    assert events.index(("start", 2)) < events.index(("end", 1)), "another person's tap did not wait"
    assert took < 0.55  # two rounds of 0.2 s, not three

"""Webhook mode: Telegram's calls carry the secret token; a call without it is refused and changes nothing."""

import asyncio
import socket
import threading
import time
from datetime import datetime
from typing import Any

import httpx
from sqlalchemy import select

from backend.db import Database
from backend.models import ProcessedUpdate
from bot.app import build_application, run_webhook
from scheduling.clock import FrozenClock
from tests.bot.conftest import Team
from tests.bot.harness import RecordingRequest
from tests.waiting import eventually


def roster_command(update_id: int, phone: int) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1_800_000_000,
            "text": "/rooster",
            "chat": {"id": phone, "type": "private"},
            "from": {"id": phone, "is_bot": False, "first_name": "Phone"},
            "entities": [{"type": "bot_command", "offset": 0, "length": 8}],
        },
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_webhook_takes_updates_with_the_secret_and_refuses_the_rest(
    bot_database: Database, clock: FrozenClock, team: Team
) -> None:
    port = free_port()
    request = RecordingRequest()
    application = build_application("123:TEST", "https://telegram.invalid/bot", bot_database, clock, request)
    anna = team.phones["Anna"]
    answers: dict[str, int] = {}

    async def scenario() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(
            run_webhook(
                application,
                bot_database,
                clock,
                stop,
                "https://piket.example/telegram",
                "s3cret",
                "127.0.0.1",
                port,
            )
        )
        url = f"http://127.0.0.1:{port}/telegram"
        async with httpx.AsyncClient() as client:

            async def listening() -> bool:
                try:
                    await client.get(url)
                except httpx.TransportError:
                    return False
                return True

            await eventually(listening, 30, "the webhook to listen")
            for name, secret, update_id in (("none", None, 1), ("wrong", "guess", 2), ("right", "s3cret", 3)):
                headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
                sent = await client.post(url, json=roster_command(update_id, anna), headers=headers)
                answers[name] = sent.status_code
        await eventually(
            lambda: any(c.method == "sendMessage" for c in request.calls),
            30,
            "the reply to the update with the secret",
            lambda: str(request.calls),
        )
        stop.set()
        await asyncio.wait_for(task, 10)

    asyncio.run(scenario())
    assert answers == {"none": 403, "wrong": 403, "right": 200}
    [webhook] = [c for c in request.calls if c.method == "setWebhook"]
    assert webhook.params["secret_token"] == "s3cret"
    assert webhook.params["url"] == "https://piket.example/telegram"
    [reply] = [c for c in request.calls if c.method == "sendMessage"]
    assert int(reply.params["chat_id"]) == anna and reply.text == "Geen diensten gepland."


class SlowHandling(FrozenClock):
    """Handling takes a while: the bot's worker threads read the clock 0.2 s late (the loop does not)."""

    def now(self) -> datetime:
        if threading.current_thread() is not threading.main_thread():
            time.sleep(0.2)
        return super().now()


def processed(database: Database) -> set[int]:
    with database.transaction() as session:
        return set(session.execute(select(ProcessedUpdate.update_id)).scalars())


def test_the_webhook_answers_telegram_only_once_the_update_is_committed(
    bot_database: Database, clock: FrozenClock, team: Team
) -> None:
    """Telegram forgets an update it got a 200 for: answering first and handling later loses the update
    when the process dies in between. So at the moment of each 200 the update must be in the database."""
    port = free_port()
    clock = SlowHandling(clock.now())
    application = build_application(
        "123:TEST", "https://telegram.invalid/bot", bot_database, clock, RecordingRequest()
    )
    anna = team.phones["Anna"]
    seen_at_answer: list[set[int]] = []
    statuses: list[int] = []

    async def scenario() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(
            run_webhook(
                application,
                bot_database,
                clock,
                stop,
                "https://piket.example/telegram",
                "s3cret",
                "127.0.0.1",
                port,
            )
        )
        url = f"http://127.0.0.1:{port}/telegram"
        headers = {"X-Telegram-Bot-Api-Secret-Token": "s3cret"}
        async with httpx.AsyncClient() as client:

            async def listening() -> bool:
                try:
                    await client.get(url)
                except httpx.TransportError:
                    return False
                return True

            await eventually(listening, 30, "the webhook to listen")
            for update_id in range(10, 15):
                sent = await client.post(url, json=roster_command(update_id, anna), headers=headers)
                assert sent.status_code == 200
                seen_at_answer.append(await asyncio.to_thread(processed, bot_database))
            broken = await client.post(url, content=b"{not json", headers=headers)
            statuses.append(broken.status_code)
        stop.set()
        await asyncio.wait_for(task, 10)

    asyncio.run(scenario())
    committed = [update_id in seen for update_id, seen in zip(range(10, 15), seen_at_answer, strict=True)]
    assert committed == [True] * 5, "each 200 came after its update was committed"
    assert statuses == [400], "a body that is no update is refused (Telegram would not send one)"

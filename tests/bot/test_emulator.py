"""Smoke test over a real socket: the bot polls the telegram-test-api emulator (npm, 4.2.1).

Enrolment, an offer, two accepts and the confirmation, with nothing faked on
our side of the HTTP connection. `.ci/run` installs Node and the emulator and
sets PIKET_TEST_REQUIRE_EMULATOR=1, so there it runs or fails; elsewhere it is
skipped with the command that installs what is missing.

The emulator differs from Telegram in a few answers; `EmulatorRequest` makes
them Telegram-shaped, on the test side only.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from telegram.request import HTTPXRequest

from backend.db import Database
from backend.models import CalloutSource
from backend.services import callouts, enrolment
from backend.services.callouts import NewCallout
from bot.app import build_application, run_polling
from scheduling.clock import FrozenClock
from tests.bot.conftest import Team

ROOT = Path(__file__).resolve().parents[2]
MODULES = ROOT / "var" / "emulator" / "node_modules"
SERVER = Path(__file__).with_name("emulator") / "server.js"
INSTALL = "npm install --prefix var/emulator telegram-test-api@4.2.1"
TOKEN = "4242:EMULATED"
EELKE_PHONE = 200


def missing() -> str | None:
    if shutil.which("node") is None:
        return "Node.js is not installed; the emulator smoke test needs it (.ci/run installs it)"
    if not (MODULES / "telegram-test-api").is_dir():
        return f"telegram-test-api is not installed; run `{INSTALL}` (.ci/run does)"
    return None


@pytest.fixture
def emulator() -> Iterator[str]:
    reason = missing()
    if reason:
        if os.environ.get("PIKET_TEST_REQUIRE_EMULATOR") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        ["node", str(SERVER), str(port)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env={**os.environ, "NODE_PATH": str(MODULES)},
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == b"ready", "the emulator did not start"
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


class EmulatorRequest(HTTPXRequest):
    """The emulator's answers made Telegram-shaped: getMe lacks is_bot, sent messages carry dates
    in milliseconds, edits answer null, callback queries lack chat_instance, and getUpdates
    returns at once (no long polling), so an empty answer waits a moment as Telegram would."""

    async def do_request(
        self, url: str, method: str, request_data: Any = None, **timeouts: Any
    ) -> tuple[int, bytes]:
        code, body = await super().do_request(url, method, request_data, **timeouts)
        name = url.rsplit("/", 1)[-1]
        answer = json.loads(body)
        result = answer.get("result")
        if name == "getMe":
            result["is_bot"] = True
        elif name == "getUpdates":
            for update in result:
                if "callback_query" in update:
                    update["callback_query"]["chat_instance"] = "emulator"
            if not result:
                await asyncio.sleep(0.05)
        elif isinstance(result, dict) and "message_id" in result:
            result["date"] = int(result["date"]) // 1000
        elif result is None and answer.get("ok"):
            answer["result"] = True
        return code, json.dumps(answer).encode()


@dataclass
class Phones:
    """Inspectors' phones, as the emulator's client API lets us drive them."""

    client: httpx.AsyncClient

    def _person(self, user_id: int) -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": "Phone"}

    async def command(self, user_id: int, text: str) -> None:
        await self.client.post(
            "/sendCommand",
            json={
                "botToken": TOKEN,
                "from": self._person(user_id),
                "date": int(time.time()),
                "text": text,
                "chat": {"id": user_id, "type": "private", "first_name": "Phone"},
                "entities": [{"offset": 0, "length": len(text.split()[0]), "type": "bot_command"}],
            },
        )

    async def press(self, user_id: int, data: str) -> None:
        await self.client.post(
            "/sendCallback",
            json={
                "botToken": TOKEN,
                "from": self._person(user_id),
                "data": data,
                "message": {
                    "message_id": 1,
                    "date": int(time.time()),
                    "chat": {"id": user_id, "type": "private"},
                },
            },
        )

    async def received(self, user_id: int) -> list[dict[str, Any]]:
        answer = (await self.client.post("/getUpdatesHistory", json={"token": TOKEN})).json()
        return [
            item["message"]
            for item in answer["result"]
            if "chat_id" in item.get("message", {}) and str(item["message"]["chat_id"]) == str(user_id)
        ]

    async def wait_for(self, user_id: int, found: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            for message in await self.received(user_id):
                if found(message):
                    return message
            await asyncio.sleep(0.1)
        raise AssertionError(f"nothing expected arrived at {user_id}: {await self.received(user_id)}")


@asynccontextmanager
async def polling_bot(url: str, database: Database, clock: FrozenClock) -> AsyncIterator[None]:
    application = build_application(
        TOKEN, f"{url}/bot", database, clock, EmulatorRequest(), EmulatorRequest()
    )
    stop = asyncio.Event()
    task = asyncio.create_task(run_polling(application, database, clock, stop))
    try:
        yield
    finally:
        stop.set()
        await asyncio.wait_for(task, 20)


def accept_button(message: dict[str, Any]) -> str:
    return str(message["reply_markup"]["inline_keyboard"][0][0]["callback_data"])


def test_enrolment_an_offer_two_accepts_and_the_confirmation_over_a_socket(
    emulator: str, bot_database: Database, clock: FrozenClock, team: Team
) -> None:
    def new_code() -> str:
        with bot_database.transaction() as session:
            return enrolment.create_code(session, clock.now(), "web:admin", team.people["Eelke"])

    def new_callout() -> None:
        start = clock.now() + timedelta(hours=2)
        with bot_database.transaction() as session:
            callouts.create_callout(
                session,
                clock.now(),
                "web:coordinator",
                NewCallout(
                    team.smallingerland,
                    CalloutSource.POLICE,
                    start,
                    start + timedelta(hours=9),
                    "Stationsweg 3, Drachten",
                ),
            )

    async def scenario() -> None:
        async with (
            httpx.AsyncClient(base_url=emulator, timeout=10) as client,
            polling_bot(emulator, bot_database, clock),
        ):
            phones = Phones(client)
            anna, eelke = team.phones["Anna"], EELKE_PHONE
            await phones.command(eelke, f"/start {await asyncio.to_thread(new_code)}")
            welcome = await phones.wait_for(eelke, lambda m: m["text"].startswith("Hallo"))
            assert welcome["text"].startswith("Hallo Eelke. Deze telefoon is nu gekoppeld aan piket.")

            await asyncio.to_thread(new_callout)
            offer = await phones.wait_for(eelke, lambda m: "reply_markup" in m)
            assert (
                offer["text"]
                == "Oproep in Smallingerland (verzoek politie), di 9 mrt 16:00-01:00. Kun je gaan?"
            )
            assert "Stationsweg" not in json.dumps(await phones.received(eelke))

            await phones.press(
                anna, accept_button(await phones.wait_for(anna, lambda m: "reply_markup" in m))
            )
            await phones.press(eelke, accept_button(offer))
            confirmed = await phones.wait_for(anna, lambda m: "samen met" in m["text"])
            assert confirmed["text"].endswith("samen met Eelke. De locatie volgt in een apart bericht.")
            location = await phones.wait_for(eelke, lambda m: m["text"].startswith("Locatie"))
            assert "Stationsweg 3, Drachten" in location["text"] and location["protect_content"] in (
                True,
                "true",
            )

    asyncio.run(scenario())

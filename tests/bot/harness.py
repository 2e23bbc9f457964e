"""Driving the real python-telegram-bot stack offline.

`RecordingRequest` stands in for Telegram's HTTP API: it records every
(method, parameters) call and answers with Telegram-shaped JSON. Updates are
built as Telegram would send them and fed to the application; the outbox
sender delivers through the same recorder, so tests assert on what a phone
would have received.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram.request import BaseRequest, RequestData

from backend.db import Database
from bot.app import build_application
from bot.sender import Limiter, OutboxSender
from scheduling.clock import FrozenClock

BOT_USER = {"id": 999, "is_bot": True, "first_name": "piket", "username": "piket_test_bot"}


@dataclass
class Call:
    method: str
    params: dict[str, Any]

    @property
    def text(self) -> str:
        return str(self.params.get("text", ""))

    @property
    def buttons(self) -> list[list[tuple[str, str]]]:
        markup = self.params.get("reply_markup") or {}
        return [
            [(b["text"], b.get("callback_data", "")) for b in row]
            for row in markup.get("inline_keyboard", [])
        ]


class RecordingRequest(BaseRequest):
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.message_ids = itertools.count(1000)
        self.refuse: dict[str, dict[str, Any]] = {}
        """Method name to an error answer, e.g. {"sendMessage": {"error_code": 403, ...}}."""

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    @property
    def read_timeout(self) -> float | None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        name = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data else {}
        if name != "getMe":
            self.calls.append(Call(name, params))
        if name in self.refuse:
            error = self.refuse[name]
            return error["error_code"], json.dumps({"ok": False, **error}).encode()
        return 200, json.dumps({"ok": True, "result": self._result(name, params)}).encode()

    def _result(self, name: str, params: dict[str, Any]) -> Any:
        if name == "getMe":
            return BOT_USER
        if name in ("sendMessage", "editMessageText"):
            message_id = next(self.message_ids) if name == "sendMessage" else params["message_id"]
            return {
                "message_id": message_id,
                "date": 1_800_000_000,
                "text": params.get("text", ""),
                "chat": {"id": int(params["chat_id"]), "type": "private"},
                "from": BOT_USER,
            }
        return True


@dataclass
class Harness:
    database: Database
    clock: FrozenClock
    request: RecordingRequest = field(default_factory=RecordingRequest)
    update_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def __post_init__(self) -> None:
        self.application = build_application(
            "123:TEST", "https://telegram.invalid/bot", self.database, self.clock, self.request
        )
        self.sender = OutboxSender(
            self.database, self.application.bot, self.clock, Limiter(per_second=10_000, per_chat_interval=0)
        )

    def play(self, scenario: Callable[[], Awaitable[None]]) -> None:
        async def run() -> None:
            async with self.application:
                await scenario()

        asyncio.run(run())

    async def say(self, user_id: int, text: str) -> None:
        message: dict[str, Any] = {
            "message_id": next(self.update_ids),
            "date": 1_800_000_000,
            "text": text,
            "chat": {"id": user_id, "type": "private"},
            "from": _user(user_id),
        }
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        await self._feed({"update_id": next(self.update_ids), "message": message})

    async def press(self, user_id: int, data: str, update_id: int | None = None) -> None:
        await self.application.process_update(self.tap(user_id, data, update_id))

    def tap(self, user_id: int, data: str, update_id: int | None = None) -> Update:
        """A press on a button as Telegram sends it (`press` feeds it; a benchmark builds it first, so
        that it times the bot's handling, not the building)."""
        return Update.de_json(
            {
                "update_id": update_id or next(self.update_ids),
                "callback_query": {
                    "id": f"cb{next(self.update_ids)}",
                    "from": _user(user_id),
                    "chat_instance": "1",
                    "data": data,
                    "message": {
                        "message_id": 1,
                        "date": 1_800_000_000,
                        "chat": {"id": user_id, "type": "private"},
                        "text": "...",
                    },
                },
            },
            self.application.bot,
        )

    async def deliver(self) -> None:
        """Run the outbox sender until nothing due is left."""
        while await self.sender.deliver_due():
            pass

    async def _feed(self, payload: dict[str, Any]) -> None:
        await self.application.process_update(Update.de_json(payload, self.application.bot))

    def to(self, chat_id: int, method: str = "sendMessage") -> list[Call]:
        return [
            c for c in self.request.calls if c.method == method and int(c.params.get("chat_id", 0)) == chat_id
        ]

    def answers(self) -> list[str]:
        return [c.params.get("text", "") for c in self.request.calls if c.method == "answerCallbackQuery"]

    def clear(self) -> None:
        self.request.calls.clear()


def _user(user_id: int) -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": "Phone"}

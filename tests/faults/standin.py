"""A stand-in for Telegram's Bot API over a real socket, for `piket serve` processes under test.

The Node emulator (tests/bot/test_emulator.py) answers in shapes that the
stock python-telegram-bot client refuses (getMe without is_bot, dates in
milliseconds), so a process that runs unchanged cannot use it. This server
answers the handful of methods piket calls as Telegram does, and keeps
Telegram's rules that the fault tests depend on:

- getUpdates hands out pending updates and forgets those below `offset`
  (acknowledged), so an update fetched but not acknowledged comes again;
- two getUpdates at the same time is a conflict (HTTP 409), as with Telegram;
  the tests count them, because two pollers on one token is a fault;
- every call is recorded with its parameters and the moment it arrived;
- once a webhook is set, updates are posted to it one by one, each until it
  is answered 200 (a refused connection or an error answer is tried again),
  and getUpdates is refused, as Telegram does.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

from tests.waiting import wait_until

TOKEN = "4242:STANDIN"
BOT_USER = {"id": 4242, "is_bot": True, "first_name": "piket", "username": "piket_standin_bot"}
LONG_POLL_CAP = 1.0
"""Seconds a getUpdates waits at most, whatever timeout it asks (so a stopping process ends fast)."""


@dataclass(frozen=True)
class Call:
    method: str
    params: dict[str, Any]
    at: float
    """time.monotonic() when it arrived."""
    message_id: int | None = None
    """The id a sendMessage got."""

    @property
    def chat(self) -> int:
        return int(self.params.get("chat_id", 0))

    @property
    def text(self) -> str:
        return str(self.params.get("text", ""))

    @property
    def buttons(self) -> list[tuple[str, str]]:
        markup = self.params.get("reply_markup") or {}
        return [
            (b["text"], b.get("callback_data", "")) for row in markup.get("inline_keyboard", []) for b in row
        ]


@dataclass
class Telegram:
    """The recorded calls and the queue of updates; thread-safe."""

    calls: list[Call] = field(default_factory=list)
    conflicts: int = 0
    _updates: list[dict[str, Any]] = field(default_factory=list)
    _update_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _message_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _pushed_at: dict[str, float] = field(default_factory=dict)
    _polling: int = 0
    _changed: threading.Condition = field(default_factory=threading.Condition)
    _webhook: tuple[str, str] | None = None
    """(url, secret token) while a webhook is set."""
    _pusher: threading.Thread | None = None

    # -- what phones do --------------------------------------------------------------------

    def press(self, user_id: int, data: str, message_id: int = 1) -> str:
        """Queue a tap on an inline button; returns the callback query's id."""
        with self._changed:
            update_id = next(self._update_ids)
            query_id = f"q{update_id}"
            self._updates.append(
                {
                    "update_id": update_id,
                    "callback_query": {
                        "id": query_id,
                        "from": _user(user_id),
                        "chat_instance": str(user_id),
                        "data": data,
                        "message": {
                            "message_id": message_id,
                            "date": int(time.time()),
                            "text": "…",
                            "chat": {"id": user_id, "type": "private"},
                        },
                    },
                }
            )
            self._pushed_at[query_id] = time.monotonic()
            self._changed.notify_all()
        return query_id

    def say(self, user_id: int, text: str) -> int:
        """Queue a text (a command when it starts with '/'); returns the update id."""
        with self._changed:
            update_id = next(self._update_ids)
            message: dict[str, Any] = {
                "message_id": update_id,
                "date": int(time.time()),
                "text": text,
                "chat": {"id": user_id, "type": "private"},
                "from": _user(user_id),
            }
            if text.startswith("/"):
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
            self._updates.append({"update_id": update_id, "message": message})
            self._changed.notify_all()
        return update_id

    # -- what the tests read ---------------------------------------------------------------

    def recorded(self, method: str | None = None, chat: int | None = None) -> list[Call]:
        with self._changed:
            return [
                c
                for c in self.calls
                if (method is None or c.method == method) and (chat is None or c.chat == chat)
            ]

    def answers(self) -> dict[str, str]:
        """Callback query id to the text the bot answered it with."""
        return {str(c.params["callback_query_id"]): c.text for c in self.recorded("answerCallbackQuery")}

    def answer_latency(self, query_id: str) -> float | None:
        """Seconds from queueing a tap to the bot's answer to it."""
        for call in self.recorded("answerCallbackQuery"):
            if call.params["callback_query_id"] == query_id:
                return call.at - self._pushed_at[query_id]
        return None

    def pending(self) -> int:
        with self._changed:
            return len(self._updates)

    def wait_for(
        self,
        condition: Callable[[], object],
        timeout: float,
        what: str,
        state: Callable[[], str] | None = None,
    ) -> float:
        return wait_until(condition, timeout, what, state)

    # -- the Bot API -----------------------------------------------------------------------

    def call(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if method == "getUpdates":
            if self._webhook is not None:
                return 409, {
                    "ok": False,
                    "error_code": 409,
                    "description": "Conflict: can't use getUpdates method while webhook is active",
                }
            return self._get_updates(params)
        if method in ("setWebhook", "deleteWebhook"):
            self._set_webhook(params if method == "setWebhook" else None)
        with self._changed:
            message_id = next(self._message_ids) if method == "sendMessage" else None
            self.calls.append(Call(method, params, time.monotonic(), message_id))
        if method == "getMe":
            return _ok(BOT_USER)
        if method == "getWebhookInfo":  # polling: Telegram holds no webhook
            return _ok({"url": "", "has_custom_certificate": False, "pending_update_count": 0})
        if message_id is not None:
            return _ok(self._message(message_id, params))
        if method == "editMessageText":
            return _ok(self._message(int(params["message_id"]), params))
        if method in (
            "answerCallbackQuery",
            "deleteMessage",
            "deleteWebhook",
            "setWebhook",
            "setMyCommands",
            "close",
        ):
            return _ok(True)
        return 404, {"ok": False, "error_code": 404, "description": "Not Found: method not found"}

    def _get_updates(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        wait = min(float(params.get("timeout") or 0), LONG_POLL_CAP)
        with self._changed:
            if self._polling:
                self.conflicts += 1
                return 409, {
                    "ok": False,
                    "error_code": 409,
                    "description": "Conflict: terminated by other getUpdates request; make sure that only "
                    "one bot instance is running",
                }
            self._polling += 1
            try:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
                if not self._updates and wait:
                    self._changed.wait(wait)
                return _ok(list(self._updates[: int(params.get("limit") or 100)]))
            finally:
                self._polling -= 1

    def _set_webhook(self, params: dict[str, Any] | None) -> None:
        with self._changed:
            self._webhook = (str(params["url"]), str(params.get("secret_token", ""))) if params else None
            if self._webhook and self._pusher is None:
                self._pusher = threading.Thread(target=self._push, daemon=True)
                self._pusher.start()
            self._changed.notify_all()

    def _push(self) -> None:
        """Post the oldest update to the webhook until it is answered 200, then the next."""
        while True:
            with self._changed:
                while self._webhook is None or not self._updates:
                    self._changed.wait()
                (url, secret), update = self._webhook, self._updates[0]
            if _posted(url, secret, update):
                with self._changed:
                    self._updates = [u for u in self._updates if u["update_id"] != update["update_id"]]
            else:
                time.sleep(0.2)

    @staticmethod
    def _message(message_id: int, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "message_id": message_id,
            "date": int(time.time()),
            "text": params.get("text", ""),
            "chat": {"id": int(params["chat_id"]), "type": "private"},
            "from": BOT_USER,
        }


class Server:
    """Telegram on 127.0.0.1:<port>; `api_url` is what PIKET_TELEGRAM_API_URL takes."""

    def __init__(self, telegram: Telegram | None = None) -> None:
        self.telegram = telegram or Telegram()
        handler = type("Handler", (_Handler,), {"telegram": self.telegram})
        self._http = _Quiet(("127.0.0.1", 0), handler)
        self._http.daemon_threads = True
        self._thread = threading.Thread(target=self._http.serve_forever, daemon=True)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self._http.server_address[1]}/bot"

    def __enter__(self) -> Server:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._http.shutdown()
        self._http.server_close()


class _Quiet(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """A killed process leaves its long poll behind; that is the point of the tests, not an error."""


class _Handler(BaseHTTPRequestHandler):
    telegram: Telegram
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle's algorithm on, the body waits for the
    # client's delayed ACK (40 ms on Linux), which would count against piket in every figure.
    disable_nagle_algorithm = True

    def do_POST(self) -> None:
        token, _, method = self.path.removeprefix("/bot").partition("/")
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        if len(raw) < length:  # the process was killed mid-request: Telegram never acts on half a call
            self.close_connection = True
            return
        body = raw.decode()
        if token != TOKEN:
            status, answer = 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        else:
            status, answer = self.telegram.call(method, _params(body, self.headers.get("Content-Type", "")))
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST

    def log_message(self, *_: Any) -> None:
        return None


def _params(body: str, content_type: str) -> dict[str, Any]:
    """python-telegram-bot posts form fields whose non-string values are JSON."""
    if content_type.startswith("application/json"):
        loaded: dict[str, Any] = json.loads(body or "{}")
        return loaded
    params: dict[str, Any] = dict(parse_qsl(body))
    if "reply_markup" in params:
        params["reply_markup"] = json.loads(params["reply_markup"])
    return params


def _posted(url: str, secret: str, update: dict[str, Any]) -> bool:
    """True once the webhook answered 200; a dead process, an error or a timeout is a retry."""
    headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secret}
    request = urllib.request.Request(  # noqa: S310 (the test's own URL)
        url,
        data=json.dumps(update).encode(),
        method="POST",
        headers=headers,
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 (the test's own URL)
            return bool(answer.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def _ok(result: Any) -> tuple[int, dict[str, Any]]:
    return 200, {"ok": True, "result": result}


def _user(user_id: int) -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": "Phone"}

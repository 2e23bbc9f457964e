"""Telegram's webhook, answered only once the update is handled and committed.

python-telegram-bot's own webhook server puts an update in a queue and answers
200 at once; Telegram then forgets the update, so a process that dies before
handling it loses the tap. Here the answer waits for `process_update`: a process
killed mid-update never answers, Telegram sends the update again, and the ids
already committed (`processed_updates`) keep it from being done twice. The same
rule as the poller's, which moves the offset only past handled updates.
"""

from __future__ import annotations

import hmac
import json
import logging
from typing import Any

from telegram import Update
from tornado.httpserver import HTTPServer
from tornado.web import Application as Routes
from tornado.web import RequestHandler

from bot.context import BotApplication

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - the header's name, not a secret
PATH = "/telegram"


class UpdateHandler(RequestHandler):
    """POST /telegram: check the secret, handle the update, then answer."""

    def initialize(self, bot_application: BotApplication, secret: str) -> None:
        self.bot_application = bot_application
        self.secret = secret

    async def post(self) -> None:
        given = self.request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.secret.encode()):
            self.set_status(403)
            return
        update = self._update()
        if update is None:
            self.set_status(400)
            return
        # Handler errors go to the bot's error handler (the inspector is told to try again), as when
        # polling; only a dead process leaves Telegram without an answer, and it sends the update again.
        await self.bot_application.process_update(update)
        self.set_status(200)

    def _update(self) -> Update | None:
        try:
            data = json.loads(self.request.body)
            return Update.de_json(data, self.bot_application.bot) if isinstance(data, dict) else None
        except (ValueError, TypeError, KeyError):
            return None

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        """Only the type: the exception's text may carry values of the update (names, chat ids)."""
        log.error("a webhook update failed (%s); Telegram will send it again", getattr(typ, "__name__", typ))


def listen(application: BotApplication, secret: str, host: str, port: int) -> HTTPServer:
    """Serve the webhook on host:port in the running event loop."""
    routes = Routes([(PATH, UpdateHandler, {"bot_application": application, "secret": secret})])
    server = HTTPServer(routes, xheaders=False)
    server.listen(port, address=host)
    return server

"""Logging that keeps what it must not say out of the logs.

piket's own log lines carry ids of rows and counts, never names, places, Telegram
ids, codes or tokens. Some libraries are not so careful: httpx logs every request
URL at INFO, and the Bot API URL holds the bot's token; python-telegram-bot logs
whole messages and updates (texts, names, chat ids) at DEBUG. Those loggers are
held at WARNING whatever PIKET_LOG_LEVEL says.
"""

from __future__ import annotations

import logging

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
CHATTY = ("httpx", "httpcore", "telegram", "apscheduler", "alembic", "urllib3")


def configure(level: str | int) -> None:
    logging.basicConfig(level=level, format=FORMAT)
    hold_libraries()


def hold_libraries() -> None:
    for name in CHATTY:
        logging.getLogger(name).setLevel(logging.WARNING)

"""Logging that keeps what it must not say out of the logs.

piket's own log lines carry ids of rows and counts, never names, places, Telegram
ids, codes or tokens. Some libraries are not so careful: httpx logs every request
URL at INFO, and the Bot API URL holds the bot's token; python-telegram-bot logs
whole messages and updates (texts, names, chat ids) at DEBUG. Those loggers are
held at WARNING whatever PIKET_LOG_LEVEL says.
"""

from __future__ import annotations

import logging
import traceback
from typing import Any

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
CHATTY = ("httpx", "httpcore", "telegram", "apscheduler", "alembic", "urllib3")


def configure(level: str | int) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(WithoutValues(FORMAT))
    logging.basicConfig(level=level, handlers=[handler])
    hold_libraries()


class WithoutValues(logging.Formatter):
    """A traceback shows where it failed and the exception's type, never its text.

    An exception's message can carry the values it choked on: openpyxl prints the
    cell (`IllegalCharacterError: Anne^Kde Vries`), a database error its statement.
    """

    def formatException(self, ei: Any) -> str:
        kind, _, trace = ei
        return (
            "Traceback (most recent call last):\n"
            + "".join(traceback.format_tb(trace))
            + f"{kind.__name__} (its text is withheld: it may carry values)"
        )


def hold_libraries() -> None:
    for name in CHATTY:
        logging.getLogger(name).setLevel(logging.WARNING)

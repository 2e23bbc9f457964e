"""The bot's typed context: what every handler may find in `bot_data` and `chat_data`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot

from backend.db import Database
from bot.conversations.new_callout import Progress
from bot.sender import TELEGRAMS_PACE, Pace
from scheduling.clock import Clock


@dataclass
class BotServices:
    """What the handlers need, wired once in `bot.app`."""

    database: Database
    clock: Clock
    wake_sender: Callable[[], object] = lambda: None
    """Wakes the outbox sender after a handler queued messages (a no-op until it runs)."""
    pace: Pace = TELEGRAMS_PACE
    """Telegram's limits for a sender in the bot's own loop (`piket bot`)."""


@dataclass
class BotData:
    """`application.bot_data`: the services, set by `bot.app.build_application`."""

    services: BotServices | None = None


@dataclass
class ChatData:
    """`context.chat_data`: the coordinator's half-made call-out (memory only; see
    bot/conversations/new_callout.py), and whether the next message is the private code word
    (bot/safety_handlers.py)."""

    draft: Progress | None = None
    awaits_code_word: bool = False


UserData = dict[Any, Any]
Context = CallbackContext[ExtBot[None], UserData, ChatData, BotData]
"""The context every handler gets."""
BotApplication = Application[ExtBot[None], Context, UserData, ChatData, BotData, Any]
"""The application (its job queue, which the bot does not use, left untyped)."""
CONTEXT_TYPES: ContextTypes[Context, UserData, ChatData, BotData] = ContextTypes(
    bot_data=BotData, chat_data=ChatData
)


def services_of(bot_data: BotData) -> BotServices:
    """The wired services (an application built without them is a programming error)."""
    if bot_data.services is None:
        raise RuntimeError("the application was built without its services (bot.app.build_application)")
    return bot_data.services

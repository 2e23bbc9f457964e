"""The safety flow's chat handlers: /codewoord, and typed text that may be the code word.

The code word is typed after /codewoord (never as its argument, which would stay in the chat) and
both it and a code word typed during a shift are deleted from the chat. What waits for the word is
this chat's memory: after a restart the inspector types /codewoord again.
"""

from __future__ import annotations

import contextlib
from datetime import datetime

from sqlalchemy.orm import Session
from telegram import Update
from telegram.error import TelegramError

from backend.models import Inspector
from backend.services import outbox, safety
from backend.services.outbox import Message
from bot import handlers
from bot.context import ChatData, Context

REMOVE = frozenset({"wis", "uit", "remove", "off"})


async def code_word(update: Update, context: Context) -> None:
    """/codewoord: the next message is the private code word; /codewoord wis removes it."""
    chat = context.chat_data if context.chat_data is not None else ChatData()
    removing = bool(context.args) and context.args is not None and context.args[0].lower() in REMOVE

    def ask(session: Session, now: datetime, inspector: Inspector) -> None:
        if removing:
            key = safety.set_duress_word(session, now, inspector, None)
        else:
            chat.awaits_code_word, key = True, "safety.word_ask"
        outbox.send(session, now, inspector, Message(key, disable_notification=True))

    await handlers._or_neutral(update, await handlers.as_inspector(update, context, ask) is not None)
    if context.args and not removing and update.message is not None:
        # "/codewoord zonnebloem": the word was typed where it would stay in the chat. It is not taken
        # (the next message is), and the message leaves the chat.
        with contextlib.suppress(TelegramError):
            await update.message.delete()


async def typed(update: Update, context: Context) -> None:
    """Typed text: the awaited code word, the code word during a shift, or else what `anything_else` does."""
    chat = context.chat_data if context.chat_data is not None else ChatData()
    words = update.message.text.strip() if update.message and update.message.text else None
    if words is None or (chat.draft is not None and chat.draft.awaits_text):
        await handlers.anything_else(update, context)
        return
    setting, chat.awaits_code_word = chat.awaits_code_word, False

    def read(session: Session, now: datetime, inspector: Inspector) -> bool:
        """Whether the message held a code word (and must leave the chat)."""
        if setting:
            key = safety.set_duress_word(session, now, inspector, words)
            if key == "safety.word_refused":
                chat.awaits_code_word = True  # ask again: the next message is still the word
            outbox.send(session, now, inspector, Message(key, disable_notification=True))
            return True
        if safety.typed_during_shift(session, now, inspector, words):
            return True  # answered as a tap on "Veilig klaar" is; the alarm went to the coordinator
        outbox.send(session, now, inspector, Message("unknown.text", disable_notification=True))
        return False

    done = await handlers.as_inspector(update, context, read)
    if done is not None and done[0]:
        with contextlib.suppress(TelegramError):  # already gone, or too old to delete: nothing to do
            await update.message.delete()  # type: ignore[union-attr]
    await handlers._or_neutral(update, done is not None)

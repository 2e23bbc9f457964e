"""Update handlers: read the update, call one service in one transaction, answer.

Each update is handled once: its `update_id` is stored in the same
transaction as the change it causes, so a redelivered update fails on the
primary key and changes nothing. A tap's answer is stored with it, so a tap
redelivered after a crash gets the same answer again, in the same language.
Messages to inspectors go through the outbox;
only callback answers, and the one neutral sentence to an unknown account, are
sent directly (there is no inspector to queue them for).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import Any, TypeVar, cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session
from telegram import Update
from telegram.error import TelegramError

from backend.db import Database
from backend.models import Inspector, ProcessedUpdate
from backend.services import enrolment, outbox, planning, safety
from backend.services import hours as hour_service
from backend.services.installation import TEAM_ZONE, follow_zone
from backend.services.outbox import Addressee, Message
from bot.callbacks import DraftStep
from bot.context import BotServices, ChatData, Context, services_of
from bot.conversations import findings as findings_walk
from bot.conversations import leave as leave_walk
from bot.conversations import new_callout as callout_walk
from bot.conversations import work as work_walk
from bot.i18n import DEFAULT_LANGUAGE, LANGUAGES, text
from bot.taps import STALE, Answer
from secure_store import KeyRingError

log = logging.getLogger(__name__)
T = TypeVar("T")
C = TypeVar("C")
M = TypeVar("M", Inspector, Addressee)
"""Who is behind an update: an inspector loaded, or read as values (`enrolment.tapper_for`)."""
Reply = tuple[str, str, dict[str, Any]]
"""A tap's answer as given: language, template key, parameters."""
Handler = Callable[[Update, Context], Coroutine[Any, Any, None]]
HANDLED = cast(Table, ProcessedUpdate.__table__)
"""Written by Core statements (built once, below): an update's row is never read back as an object
while it is handled, and building a statement costs more than running it."""
_HANDLED = insert(HANDLED).returning(TEAM_ZONE)
"""Records the update and reads the region's zone (`once`), by one statement."""
_ANSWERED = (
    update(HANDLED).where(HANDLED.c.update_id == bindparam("handled")).values(answer=bindparam("answer"))
)


class AlreadyHandled(Exception):
    """This update_id was handled before."""


def services(context: Context) -> BotServices:
    return services_of(context.bot_data)


async def once(context: Context, update: Update, work: Callable[[Session, datetime], T]) -> T:
    """Run `work` in one transaction together with recording the update as handled."""
    bound = services(context)

    def run() -> T:
        try:
            with bound.database.transaction() as session:
                # First, by one Core INSERT: a redelivered update fails here, before any work (on
                # PostgreSQL it waits for the first one's transaction, then fails on the key). It
                # hands back the region's zone, which every update follows (`follow_zone`).
                zone = session.connection().execute(
                    _HANDLED, {"update_id": update.update_id, "processed_at": bound.clock.now()}
                )
                follow_zone(zone.scalar_one())
                return work(session, bound.clock.now())
        except IntegrityError as duplicate:
            raise AlreadyHandled from duplicate

    result = await asyncio.to_thread(run)
    bound.wake_sender()
    return result


async def as_inspector(
    update: Update, context: Context, work: Callable[[Session, datetime, Inspector], T]
) -> tuple[T] | None:
    """Run `work` for the enrolled inspector behind this update; None for a stranger or a revoked phone."""
    return await _as_member(update, context, enrolment.inspector_for, work)


async def _as_member(
    update: Update,
    context: Context,
    find: Callable[[Session, int], M | None],
    work: Callable[[Session, datetime, M], T],
) -> tuple[T] | None:
    """Run `work` for whom `find` finds behind this update (an inspector, or an `Addressee`); None for a
    stranger or a revoked phone."""
    user = update.effective_user

    def run(session: Session, now: datetime) -> tuple[T] | None:
        member = find(session, user.id) if user else None
        return None if member is None else (work(session, now, member),)

    return await once(context, update, run)


async def start(update: Update, context: Context) -> None:
    """/start <code>: bind this phone; anything wrong gets one neutral sentence."""
    code = context.args[0] if context.args else ""
    user = update.effective_user
    if user is None or update.effective_chat is None or update.effective_chat.type != "private":
        return

    def bind(session: Session, now: datetime) -> bool:
        if not code:
            known = enrolment.inspector_for(session, user.id)
            if known:
                outbox.send(session, now, known, Message("start.linked", disable_notification=True))
            return known is not None
        try:
            inspector = enrolment.redeem(session, now, code, user.id)
        except enrolment.EnrolmentError:
            return False
        first = session.execute(select(Inspector.first_name).where(Inspector.id == inspector.id)).scalar_one()
        outbox.send(
            session,
            now,
            inspector,
            Message("start.welcome", {"first_name": first}, disable_notification=True),
        )
        if inspector.is_coordinator:
            outbox.send(session, now, inspector, Message("start.coordinator", disable_notification=True))
        return True

    await _or_neutral(update, await once(context, update, bind))


def _remember(session: Session, update_id: int, reply: Reply) -> None:
    """Keep the answer with the handled update, to give it again if Telegram redelivers the tap."""
    session.connection().execute(_ANSWERED, {"handled": update_id, "answer": json.dumps(reply)})


def _remembered(database: Database, update_id: int) -> Reply:
    """The answer given to this update when it was handled (an older row has none: "recorded")."""
    with database.transaction() as session:
        stored = session.execute(
            select(ProcessedUpdate.answer).where(ProcessedUpdate.update_id == update_id)
        ).scalar_one_or_none()
    if not stored:
        return DEFAULT_LANGUAGE, "callback.recorded", {}
    language, key, params = json.loads(stored)
    return language, key, params


async def language(update: Update, context: Context) -> None:
    """/taal [nl|en]: switch the bot's language (without an argument: to the other one); any other
    argument is refused and changes nothing."""
    wanted = context.args[0].lower() if context.args else None

    def switch(session: Session, now: datetime, inspector: Inspector) -> None:
        if wanted is not None and wanted not in LANGUAGES:
            outbox.send(session, now, inspector, Message("language.unknown", disable_notification=True))
            return
        inspector.language = wanted or ("en" if inspector.language == "nl" else "nl")
        outbox.send(session, now, inspector, Message("language.set", disable_notification=True))

    await _or_neutral(update, await as_inspector(update, context, switch) is not None)


async def roster(update: Update, context: Context) -> None:
    """/rooster: my next shifts."""
    await _or_neutral(update, await as_inspector(update, context, planning.send_next_shifts) is not None)


async def hours(update: Update, context: Context) -> None:
    """/uren: my hours this month and how many still wait for approval."""
    summary = await as_inspector(update, context, hour_service.send_month_summary)
    await _or_neutral(update, summary is not None)


async def work(update: Update, context: Context) -> None:
    """/werk: book preparation, training or peer review (the coordinator: coordination too)."""
    await _or_neutral(update, await as_inspector(update, context, work_walk.begin) is not None)


async def findings(update: Update, context: Context) -> None:
    """/bevindingen: the report writer records what a control found (counts per address, no addresses)."""
    await _or_neutral(update, await as_inspector(update, context, findings_walk.begin) is not None)


async def anything_else(update: Update, context: Context) -> None:
    """A stray text or sticker: a short hint for an inspector, the neutral sentence for a stranger;
    while /oproep waits for the address or the notes, the text is that (and leaves the chat)."""
    progress = context.chat_data.draft if context.chat_data is not None else None
    typed = update.message.text if update.message and update.message.text else None
    if progress is not None and progress.awaits_text and typed is not None:
        await _take_typed(update, context, progress, typed.strip())
        return

    def hint(session: Session, now: datetime, inspector: Inspector) -> None:
        outbox.send(session, now, inspector, Message("unknown.text", disable_notification=True))

    await _or_neutral(update, await as_inspector(update, context, hint) is not None)


async def _take_typed(update: Update, context: Context, progress: callout_walk.Progress, typed: str) -> None:
    """The address or the notes for /oproep: kept in memory, the message deleted from the chat."""
    if update.message is not None:
        with contextlib.suppress(TelegramError):
            await update.message.delete()

    def take(session: Session, now: datetime, inspector: Inspector) -> None:
        if safety.typed_during_shift(session, now, inspector, typed):
            return  # the code word of a coordinator on a shift: the alarm went out; the walk still waits
        callout_walk.take_text(session, now, inspector, progress, typed)

    await _or_neutral(update, await as_inspector(update, context, take) is not None)


async def on_error(update: object, context: Context) -> None:
    """A redelivered update is dropped quietly; a database outage gets "try again"; nothing is logged
    beyond the error's type, because update contents may name people or places."""
    error = context.error
    if isinstance(error, AlreadyHandled):
        # Telegram hands an update out again when we crashed between committing its work and
        # moving the offset. The work is done: answer the tap as it was answered then, so it stops
        # spinning (Telegram may find the answer too late; nothing depends on it).
        if isinstance(update, Update) and update.callback_query:
            database = services(context).database
            language, key, params = await asyncio.to_thread(_remembered, database, update.update_id)
            with contextlib.suppress(TelegramError):
                await update.callback_query.answer(text(language, key, **params))
        return
    if isinstance(error, KeyRingError):  # names a column and row, never a value: say where to look
        log.error("handling an update failed: %s: %s", type(error).__name__, error)
    else:
        log.error("handling an update failed: %s", type(error).__name__)
    if isinstance(update, Update) and isinstance(error, OperationalError | TimeoutError):
        if update.callback_query:
            await update.callback_query.answer(text(DEFAULT_LANGUAGE, "error.try_again"))
        elif update.effective_chat:
            await update.effective_chat.send_message(text(DEFAULT_LANGUAGE, "error.try_again"))


async def _or_neutral(update: Update, handled: bool) -> None:
    if not handled and update.effective_chat is not None:
        await update.effective_chat.send_message(text(DEFAULT_LANGUAGE, "neutral"))


async def days_off(update: Update, context: Context) -> None:
    """/afwezig: my days off, each with a button to remove it, and one to mark new ones."""
    await _or_neutral(update, await as_inspector(update, context, leave_walk.send_menu) is not None)


async def new_callout(update: Update, context: Context) -> None:
    """/oproep: the coordinator's guided call-out (source, municipality, day, window, address, notes)."""
    if context.chat_data is not None:
        context.chat_data.draft = None

    def begin(session: Session, now: datetime, inspector: Inspector) -> None:
        if not callout_walk.begin(session, now, inspector):
            outbox.send(
                session, now, inspector, Message("draft.coordinators_only", disable_notification=True)
            )

    await _or_neutral(update, await as_inspector(update, context, begin) is not None)


# Taps: one handler per kind of button (bot.app routes each by its pattern).


def on_tap(
    decode: Callable[[str], C | None], take: Callable[[Session, datetime, Inspector, C], Answer]
) -> Handler:
    """A handler for one kind of button: decoded strictly (a forged or stale one is refused as no
    longer valid), taken by `take` in the update's transaction, the answer remembered and given."""
    return _tap_handler(decode, enrolment.inspector_for, take)


def on_quick_tap(
    decode: Callable[[str], C | None], take: Callable[[Session, datetime, Addressee, C], Answer]
) -> Handler:
    """`on_tap` for a button whose `take` needs only who tapped, read as values (`enrolment.tapper_for`)."""
    return _tap_handler(decode, enrolment.tapper_for, take)


def _tap_handler(
    decode: Callable[[str], C | None],
    find: Callable[[Session, int], M | None],
    take: Callable[[Session, datetime, M, C], Answer],
) -> Handler:
    async def tapped(update: Update, context: Context) -> None:
        data = update.callback_query.data if update.callback_query else None
        tap = decode(data or "")
        await _answer_as(update, context, find, lambda s, n, i: STALE if tap is None else take(s, n, i, tap))

    tapped.__doc__ = take.__doc__
    return tapped


def keyed(
    press: Callable[[Session, datetime, Inspector, C], str],
) -> Callable[[Session, datetime, Inspector, C], Answer]:
    """A walk's step, whose answer has no parameters."""

    def take(session: Session, now: datetime, inspector: Inspector, tap: C) -> Answer:
        return press(session, now, inspector, tap), {}

    take.__doc__ = press.__doc__
    return take


async def unknown_button(update: Update, context: Context) -> None:
    """A button of no kind we make (forged, or from a version long gone): no longer valid."""
    await _answer_tap(update, context, lambda session, now, inspector: STALE)


async def draft_tap(update: Update, context: Context) -> None:
    """A tap in /oproep; this chat's memory holds the draft between messages."""
    data = update.callback_query.data if update.callback_query else None
    tap = DraftStep.decode(data or "")
    chat = context.chat_data if context.chat_data is not None else ChatData()
    await _answer_tap(
        update, context, lambda s, n, i: STALE if tap is None else _draft_step(chat, tap, s, n, i)
    )


def _draft_step(
    chat: ChatData, tap: DraftStep, session: Session, now: datetime, inspector: Inspector
) -> Answer:
    steps, progress = list(tap.steps), chat.draft
    if steps == ["none"]:
        return callout_walk.skip_notes(session, now, inspector, progress), {}
    if steps == ["go"]:
        key = callout_walk.send(session, now, inspector, progress)
        if progress is not None and progress.stage == "sent":
            chat.draft = None
        return key, {}
    key, started = callout_walk.press(session, now, inspector, steps)
    if started is not None:
        chat.draft = started
    elif steps == ["x"]:
        chat.draft = None
    return key, {}


async def _answer_tap(
    update: Update, context: Context, take: Callable[[Session, datetime, Inspector], Answer]
) -> None:
    """Take the tap for the inspector behind it, remember the answer with the update, and give it
    (the neutral sentence to a stranger)."""
    await _answer_as(update, context, enrolment.inspector_for, take)


async def _answer_as(
    update: Update,
    context: Context,
    find: Callable[[Session, int], M | None],
    take: Callable[[Session, datetime, M], Answer],
) -> None:
    """`_answer_tap` for whom `find` finds behind the tap (an inspector, or an `Addressee`)."""
    query = update.callback_query
    if query is None:
        return

    def remembered(session: Session, now: datetime, member: M) -> Reply:
        key, params = take(session, now, member)
        reply = (member.language, key, params)
        _remember(session, update.update_id, reply)
        return reply

    pressed = await _as_member(update, context, find, remembered)
    language, key, params = pressed[0] if pressed else (DEFAULT_LANGUAGE, "neutral", {})
    await query.answer(text(language, key, **params))

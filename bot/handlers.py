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
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session
from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from backend.db import Database
from backend.models import Inspector, ProcessedUpdate
from backend.services import (
    callouts,
    controls,
    drafts,
    enrolment,
    findings_walk,
    leave,
    outbox,
    planning,
    report_hours,
    work_walk,
)
from backend.services import hours as hour_service
from backend.services.installation import follow_team_zone
from backend.services.outbox import Message
from bot.i18n import DEFAULT_LANGUAGE, LANGUAGES, text
from scheduling.clock import Clock
from secure_store import KeyRingError

log = logging.getLogger(__name__)
T = TypeVar("T")

OFFER_DATA = re.compile(r"^o:(\d{1,10}):(\d{1,6}):([ad])\Z", re.ASCII)
CALLOUT_DATA = re.compile(r"^c:(\d{1,10}):(\d{1,6}):([wxd]|p\d{1,10})\Z", re.ASCII)
CONTROL_DATA = re.compile(r"^a:(\d{1,10}):(\d{1,6}):([yn])\Z", re.ASCII)
HOURS_DATA = re.compile(r"^h:(\d{1,10}):(\d{1,6}):([a-z0-9:-]{1,30})\Z", re.ASCII)
REPORT_DATA = re.compile(r"^r:(\d{1,10}):(\d{1,4})((?::[a0-9]{1,4}){0,2})\Z", re.ASCII)
WORK_DATA = re.compile(r"^w:([a-z])((?::[a-z0-9]{1,3}){0,4})\Z", re.ASCII)
DRAFT_DATA = re.compile(r"^n:([a-z0-9:_]{1,40})\Z", re.ASCII)
LEAVE_DATA = re.compile(r"^l:([a-z0-9:-]{1,40})\Z", re.ASCII)
FINDINGS_DATA = re.compile(r"^f:(\d{1,10})((?::[a-z0-9.]{0,48}){0,3})\Z", re.ASCII)
DRAFT = "callout_draft"
"""chat_data key of the coordinator's half-made call-out (memory only; see services/drafts.py)."""
ANSWER_TEXTS = {answer: f"callback.{answer.value}" for answer in callouts.Answer}
ANSWER_TEXTS[callouts.Answer.STALE] = "callback.stale"
Reply = tuple[str, str, dict[str, Any]]
"""A tap's answer: language, template key, parameters."""


@dataclass
class BotServices:
    """What the handlers need, kept in `application.bot_data` (wired once in `bot.app`)."""

    database: Database
    clock: Clock
    wake_sender: Callable[[], None] = lambda: None


class AlreadyHandled(Exception):
    """This update_id was handled before."""


def services(context: ContextTypes.DEFAULT_TYPE) -> BotServices:
    found: BotServices = context.application.bot_data["services"]
    return found


async def once(
    context: ContextTypes.DEFAULT_TYPE, update: Update, work: Callable[[Session, datetime], T]
) -> T:
    """Run `work` in one transaction together with recording the update as handled."""
    bound = services(context)

    def run() -> T:
        try:
            with bound.database.transaction() as session:
                session.add(ProcessedUpdate(update_id=update.update_id, processed_at=bound.clock.now()))
                session.flush()
                follow_team_zone(session)
                return work(session, bound.clock.now())
        except IntegrityError as duplicate:
            raise AlreadyHandled from duplicate

    result = await asyncio.to_thread(run)
    bound.wake_sender()
    return result


async def as_inspector(
    update: Update, context: ContextTypes.DEFAULT_TYPE, work: Callable[[Session, datetime, Inspector], T]
) -> tuple[T] | None:
    """Run `work` for the enrolled inspector behind this update; None for a stranger or a revoked phone."""
    user = update.effective_user

    def run(session: Session, now: datetime) -> tuple[T] | None:
        inspector = enrolment.inspector_for(session, user.id) if user else None
        return None if inspector is None else (work(session, now, inspector),)

    return await once(context, update, run)


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
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
        outbox.send(session, now, inspector,
                    Message("start.welcome", {"first_name": first}, disable_notification=True))
        if inspector.is_coordinator:
            outbox.send(session, now, inspector, Message("start.coordinator", disable_notification=True))
        return True

    await _or_neutral(update, await once(context, update, bind))


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A tap on an inline button: an offer, the coordinator's widen / cancel, a control day, or hours."""
    query = update.callback_query
    if query is None:
        return
    data = query.data or ""

    def press(session: Session, now: datetime, inspector: Inspector) -> tuple[str, dict[str, Any]]:
        if match := OFFER_DATA.match(data):
            answer = callouts.answer_offer(
                session, now, inspector.id, int(match[1]), int(match[2]), accept=match[3] == "a"
            )
            return ANSWER_TEXTS[answer], {}
        if match := CALLOUT_DATA.match(data):
            return callouts.coordinator_action(
                session, now, inspector, int(match[1]), int(match[2]), match[3])
        if match := CONTROL_DATA.match(data):
            return controls.answer(
                session, now, inspector.id, int(match[1]), int(match[2]), can_go=match[3] == "y"), {}
        if match := HOURS_DATA.match(data):
            steps = match[3].split(":")
            return hour_service.press(session, now, inspector, int(match[1]), int(match[2]), steps), {}
        if match := WORK_DATA.match(data):
            return work_walk.press(session, now, inspector, [match[1], *match[2].split(":")[1:]]), {}
        if match := REPORT_DATA.match(data):
            return report_hours.press(session, now, inspector, int(match[1]), int(match[2]),
                                      match[3].split(":")[1:]), {}
        if match := LEAVE_DATA.match(data):
            return leave.press(session, now, inspector, match[1].split(":")), {}
        if match := FINDINGS_DATA.match(data):
            return findings_walk.press(session, now, inspector, int(match[1]), match[2].split(":")[1:]), {}
        return "callback.stale", {}

    draft = DRAFT_DATA.match(data)
    step = _draft_step(context, draft[1].split(":")) if draft else None

    def remembered(session: Session, now: datetime, inspector: Inspector) -> Reply:
        key, params = (step(session, now, inspector), {}) if step else press(session, now, inspector)
        reply = (inspector.language, key, params)
        _remember(session, update.update_id, reply)
        return reply

    pressed = await as_inspector(update, context, remembered)
    language, key, params = pressed[0] if pressed else (DEFAULT_LANGUAGE, "neutral", {})
    await query.answer(text(language, key, **params))


def _remember(session: Session, update_id: int, reply: Reply) -> None:
    """Keep the answer with the handled update, to give it again if Telegram redelivers the tap."""
    handled = session.get_one(ProcessedUpdate, update_id)
    handled.answer = json.dumps(reply)


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


async def new_callout(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/oproep: the coordinator's guided call-out (source, municipality, day, window, address, notes)."""
    context.chat_data.pop(DRAFT, None)  # type: ignore[union-attr]

    def begin(session: Session, now: datetime, inspector: Inspector) -> None:
        if not drafts.begin(session, now, inspector):
            outbox.send(
                session, now, inspector, Message("draft.coordinators_only", disable_notification=True))

    await _or_neutral(update, await as_inspector(update, context, begin) is not None)


def _draft_step(
    context: ContextTypes.DEFAULT_TYPE, steps: list[str]
) -> Callable[[Session, datetime, Inspector], str]:
    """A tap in /oproep; this chat's memory holds the draft between messages."""
    chat: dict[str, Any] = context.chat_data  # type: ignore[assignment]
    progress: drafts.Progress | None = chat.get(DRAFT)

    def step(session: Session, now: datetime, inspector: Inspector) -> str:
        if steps == ["none"]:
            return drafts.skip_notes(session, now, inspector, progress)
        if steps == ["go"]:
            key = drafts.send(session, now, inspector, progress)
            if progress is not None and progress.stage == "sent":
                chat.pop(DRAFT, None)
            return key
        key, started = drafts.press(session, now, inspector, steps)
        if started is not None:
            chat[DRAFT] = started
        elif steps == ["x"]:
            chat.pop(DRAFT, None)
        return key

    return step


async def language(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
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


async def roster(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/rooster: my next shifts."""
    await _or_neutral(update, await as_inspector(update, context, planning.send_next_shifts) is not None)


async def hours(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/uren: my hours this month and how many still wait for approval."""
    summary = await as_inspector(update, context, hour_service.send_month_summary)
    await _or_neutral(update, summary is not None)


async def work(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/werk: book preparation, training or peer review (the coordinator: coordination too)."""
    await _or_neutral(update, await as_inspector(update, context, work_walk.begin) is not None)


async def findings(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/bevindingen: the report writer records what a control found (counts per address, no addresses)."""
    await _or_neutral(update, await as_inspector(update, context, findings_walk.begin) is not None)


async def anything_else(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A stray text or sticker: a short hint for an inspector, the neutral sentence for a stranger;
    while /oproep waits for the address or the notes, the text is that (and leaves the chat)."""
    progress: drafts.Progress | None = context.chat_data.get(DRAFT)  # type: ignore[union-attr]
    typed = update.message.text if update.message and update.message.text else None
    if progress is not None and progress.awaits_text and typed is not None:
        await _take_typed(update, context, progress, typed.strip())
        return

    def hint(session: Session, now: datetime, inspector: Inspector) -> None:
        outbox.send(session, now, inspector, Message("unknown.text", disable_notification=True))

    await _or_neutral(update, await as_inspector(update, context, hint) is not None)


async def _take_typed(update: Update, context: ContextTypes.DEFAULT_TYPE, progress: drafts.Progress,
                      typed: str) -> None:
    """The address or the notes for /oproep: kept in memory, the message deleted from the chat."""
    with contextlib.suppress(TelegramError):
        await update.message.delete()  # type: ignore[union-attr]

    def take(session: Session, now: datetime, inspector: Inspector) -> None:
        drafts.take_text(session, now, inspector, progress, typed)

    await _or_neutral(update, await as_inspector(update, context, take) is not None)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
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


# Days off (/afwezig); its taps go through `button` above (LEAVE_DATA).

async def days_off(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/afwezig: my days off, each with a button to remove it, and one to mark new ones."""
    await _or_neutral(update, await as_inspector(update, context, leave.send_menu) is not None)

"""Update handlers: read the update, call one service in one transaction, answer.

Each update is handled once: its `update_id` is stored in the same
transaction as the change it causes, so a redelivered update fails on the
primary key and changes nothing. Messages to inspectors go through the outbox;
only callback answers, and the one neutral sentence to an unknown account, are
sent directly (there is no inspector to queue them for).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session
from telegram import Update
from telegram.ext import ContextTypes

from backend.db import Database
from backend.models import (
    Assignment,
    Callout,
    HourApproval,
    HourEntry,
    Inspector,
    Municipality,
    ProcessedUpdate,
    Shift,
    ShiftStatus,
)
from backend.services import callouts, enrolment, outbox, planning
from backend.services.errors import ServiceError
from backend.services.outbox import Message
from bot.i18n import DEFAULT_LANGUAGE, LANGUAGES, text
from scheduling.calendar import TEAM_ZONE, local_day_start
from scheduling.clock import Clock

log = logging.getLogger(__name__)
T = TypeVar("T")

OFFER_DATA = re.compile(r"^o:(\d{1,10}):(\d{1,6}):([ad])$")
CALLOUT_DATA = re.compile(r"^c:(\d{1,10}):(\d{1,6}):([wx])$")
ANSWER_TEXTS = {answer: f"callback.{answer.value}" for answer in callouts.Answer}
ANSWER_TEXTS[callouts.Answer.STALE] = "callback.stale"


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
                return work(session, bound.clock.now())
        except IntegrityError as duplicate:
            raise AlreadyHandled from duplicate

    result = await asyncio.to_thread(run)
    bound.wake_sender()
    return result


def _inspector_id(session: Session, update: Update) -> int | None:
    user = update.effective_user
    if user is None:
        return None
    found = enrolment.inspector_for(session, user.id)
    return found.id if found else None


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
                outbox.send(session, now, known, Message("start.linked"))
            return known is not None
        try:
            inspector = enrolment.redeem(session, now, code, user.id)
        except enrolment.EnrolmentError:
            return False
        first = session.execute(select(Inspector.first_name).where(Inspector.id == inspector.id)).scalar_one()
        outbox.send(session, now, inspector, Message("start.welcome", {"first_name": first}))
        return True

    if not await once(context, update, bind):
        await update.effective_chat.send_message(text(DEFAULT_LANGUAGE, "neutral"))


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A tap on an inline button: an offer answer, or the coordinator's widen / cancel."""
    query = update.callback_query
    if query is None:
        return
    data = query.data or ""

    def press(session: Session, now: datetime) -> tuple[str, str]:
        inspector_id = _inspector_id(session, update)
        if inspector_id is None:
            return DEFAULT_LANGUAGE, "neutral"
        language = session.get_one(Inspector, inspector_id).language
        if match := OFFER_DATA.match(data):
            answer = callouts.answer_offer(
                session, now, inspector_id, int(match[1]), int(match[2]), accept=match[3] == "a"
            )
            return language, ANSWER_TEXTS[answer]
        if (match := CALLOUT_DATA.match(data)) and session.get_one(Inspector, inspector_id).is_coordinator:
            return language, _coordinator_action(
                session, now, inspector_id, int(match[1]), int(match[2]), match[3]
            )
        return language, "callback.stale"

    language, key = await once(context, update, press)
    await query.answer(text(language, key))


def _coordinator_action(
    session: Session, now: datetime, inspector_id: int, callout_id: int, version: int, action: str
) -> str:
    callout = session.get(Callout, callout_id)
    if callout is None or callout.version != version:
        return "callback.stale"
    try:
        if action == "w":
            callouts.widen(session, now, f"inspector:{inspector_id}", callout_id)
        else:
            callouts.cancel(session, now, f"inspector:{inspector_id}", callout_id)
    except ServiceError:
        return "callback.stale"
    return "callback.done"


async def language(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/taal [nl|en]: switch the bot's language (without an argument: to the other one)."""
    wanted = (context.args[0].lower() if context.args else "")[:2]

    def switch(session: Session, now: datetime) -> bool:
        inspector_id = _inspector_id(session, update)
        if inspector_id is None:
            return False
        inspector = session.get_one(Inspector, inspector_id)
        inspector.language = wanted if wanted in LANGUAGES else ("en" if inspector.language == "nl" else "nl")
        outbox.send(session, now, inspector, Message("language.set"))
        return True

    await _or_neutral(update, await once(context, update, switch))


async def roster(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/rooster: my next shifts."""

    def listing(session: Session, now: datetime) -> bool:
        inspector_id = _inspector_id(session, update)
        if inspector_id is None:
            return False
        rows = session.execute(
            select(Shift, Municipality.name)
            .join(Assignment, Assignment.shift_id == Shift.id)
            .join(Municipality, Municipality.id == Shift.municipality_id)
            .where(
                Assignment.inspector_id == inspector_id,
                Assignment.status.in_(planning.LIVE_ASSIGNMENTS),
                Shift.ends_at > now,
                Shift.status != ShiftStatus.CANCELLED,
            )
            .order_by(Shift.starts_at)
            .limit(8)
        ).all()
        inspector = session.get_one(Inspector, inspector_id)
        if not rows:
            outbox.send(session, now, inspector, Message("roster.none"))
        for shift, name in rows:
            outbox.send(
                session,
                now,
                inspector,
                Message("roster.item", {**callouts.when(shift), "municipality": name}),
            )
        return True

    await _or_neutral(update, await once(context, update, listing))


async def hours(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/uren: my hours this month and how many still wait for approval."""

    def summary(session: Session, now: datetime) -> bool:
        inspector_id = _inspector_id(session, update)
        if inspector_id is None:
            return False
        local = now.astimezone(TEAM_ZONE).date()
        month_start = local_day_start(local.replace(day=1))
        base = select(func.coalesce(func.sum(HourEntry.worked_minutes), 0)).where(
            HourEntry.inspector_id == inspector_id, HourEntry.starts_at >= month_start
        )
        worked = session.execute(base).scalar_one()
        waiting = session.execute(base.where(~HourEntry.id.in_(select(HourApproval.entry_id)))).scalar_one()
        inspector = session.get_one(Inspector, inspector_id)
        outbox.send(
            session,
            now,
            inspector,
            Message(
                "hours.summary",
                {"month": f"{local:%m-%Y}", "worked": _hours_text(worked), "waiting": _hours_text(waiting)},
            ),
        )
        return True

    await _or_neutral(update, await once(context, update, summary))


async def anything_else(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A stray text or sticker: a short hint for an inspector, the neutral sentence for a stranger."""

    def hint(session: Session, now: datetime) -> bool:
        inspector_id = _inspector_id(session, update)
        if inspector_id is None:
            return False
        outbox.send(session, now, session.get_one(Inspector, inspector_id), Message("unknown.text"))
        return True

    await _or_neutral(update, await once(context, update, hint))


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A redelivered update is dropped quietly; a database outage gets "try again"; nothing is logged
    beyond the error's type, because update contents may name people or places."""
    error = context.error
    if isinstance(error, AlreadyHandled):
        return
    log.error("handling an update failed: %s", type(error).__name__)
    if isinstance(update, Update) and isinstance(error, OperationalError | TimeoutError):
        if update.callback_query:
            await update.callback_query.answer(text(DEFAULT_LANGUAGE, "error.try_again"))
        elif update.effective_chat:
            await update.effective_chat.send_message(text(DEFAULT_LANGUAGE, "error.try_again"))


async def _or_neutral(update: Update, handled: bool) -> None:
    if not handled and update.effective_chat is not None:
        await update.effective_chat.send_message(text(DEFAULT_LANGUAGE, "neutral"))


def _hours_text(minutes: Any) -> str:
    whole, rest = divmod(int(minutes), 60)
    return f"{whole}:{rest:02d}"

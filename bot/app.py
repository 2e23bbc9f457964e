"""Wiring: the python-telegram-bot application, its handlers, and the outbox sender beside it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import TypeVar

from telegram import Update
from telegram.error import RetryAfter, TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest

from backend.db import Database
from bot import callbacks, handlers, safety_handlers, taps, webhook
from bot.context import CONTEXT_TYPES, BotApplication, BotServices, services_of
from bot.conversations import findings, hours, leave, report_time, work
from bot.handlers import keyed, on_quick_tap, on_tap
from bot.sender import TELEGRAMS_PACE, Limiter, OutboxSender, Pace, retry_seconds
from scheduling.clock import Clock

log = logging.getLogger(__name__)
T = TypeVar("T")
ALLOWED_UPDATES = ["message", "callback_query"]
POLL_SECONDS = 10


def build_application(
    token: str,
    api_url: str,
    database: Database,
    clock: Clock,
    request: BaseRequest | None = None,
    updates_request: BaseRequest | None = None,
    pace: Pace = TELEGRAMS_PACE,
) -> BotApplication:
    """The bot with every handler; `request` (and for getUpdates, `updates_request`, else the
    same) replaces the HTTP layer (tests, emulators); `pace` paces an outbox sender run beside it."""
    builder = Application.builder().token(token).base_url(api_url).context_types(CONTEXT_TYPES)
    if request is not None:
        builder = builder.request(request).get_updates_request(updates_request or request)
    application = builder.build()
    application.bot_data.services = BotServices(database, clock, pace=pace)
    application.add_handler(CommandHandler("start", handlers.start))
    application.add_handler(CommandHandler(["taal", "language"], handlers.language))
    application.add_handler(CommandHandler(["rooster", "roster"], handlers.roster))
    application.add_handler(CommandHandler(["uren", "hours"], handlers.hours))
    application.add_handler(CommandHandler(["oproep", "callout"], handlers.new_callout))
    application.add_handler(CommandHandler(["afwezig", "away"], handlers.days_off))
    application.add_handler(CommandHandler(["werk", "work"], handlers.work))
    application.add_handler(CommandHandler(["bevindingen", "findings"], handlers.findings))
    application.add_handler(CommandHandler(["codewoord", "codeword"], safety_handlers.code_word))
    for pattern, handler in tap_handlers():
        application.add_handler(CallbackQueryHandler(handler, pattern=pattern))
    application.add_handler(CallbackQueryHandler(handlers.unknown_button))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, safety_handlers.typed))
    application.add_handler(MessageHandler(filters.ALL, handlers.anything_else))
    application.add_error_handler(handlers.on_error)
    return application


def tap_handlers() -> list[tuple[re.Pattern[str], handlers.Handler]]:
    """One handler per kind of button, found by the kind's strict pattern (bot.callbacks)."""
    return [
        (callbacks.OfferAnswer.PATTERN, on_quick_tap(callbacks.OfferAnswer.decode, taps.answer_offer)),
        (callbacks.CalloutAction.PATTERN, on_tap(callbacks.CalloutAction.decode, taps.act_on_callout)),
        (callbacks.ControlAnswer.PATTERN, on_tap(callbacks.ControlAnswer.decode, taps.answer_control_day)),
        (callbacks.HoursStep.PATTERN, on_tap(callbacks.HoursStep.decode, keyed(hours.press))),
        (callbacks.ReportStep.PATTERN, on_tap(callbacks.ReportStep.decode, keyed(report_time.press))),
        (callbacks.WorkStep.PATTERN, on_tap(callbacks.WorkStep.decode, keyed(work.press))),
        (callbacks.LeaveStep.PATTERN, on_tap(callbacks.LeaveStep.decode, keyed(leave.press))),
        (callbacks.FindingsStep.PATTERN, on_tap(callbacks.FindingsStep.decode, keyed(findings.press))),
        (callbacks.DraftStep.PATTERN, handlers.draft_tap),
        (callbacks.ShiftTap.PATTERN, on_tap(callbacks.ShiftTap.decode, taps.safety_shift)),
        (callbacks.AlertTap.PATTERN, on_tap(callbacks.AlertTap.decode, taps.safety_alert)),
    ]


@contextlib.asynccontextmanager
async def running_sender(
    application: BotApplication,
    database: Database,
    clock: Clock,
    limiter: Limiter | None = None,
) -> AsyncIterator[OutboxSender]:
    """Run the outbox sender next to the application until the block ends; handlers wake it."""
    services = services_of(application.bot_data)
    sender = OutboxSender(database, application.bot, clock, limiter or services.pace.limiter())
    stop, wake = asyncio.Event(), asyncio.Event()
    loop = asyncio.get_running_loop()
    services.wake_sender = lambda: loop.call_soon_threadsafe(wake.set)
    task = asyncio.create_task(sender.serve(stop, wake))
    try:
        yield sender
    finally:
        stop.set()
        wake.set()
        await task
        sender.close()


@contextlib.asynccontextmanager
async def sending(
    application: BotApplication,
    database: Database,
    clock: Clock,
    wake_sender: Callable[[], object] | None,
) -> AsyncIterator[None]:
    """The outbox sender beside the application, or with `wake_sender` one that runs elsewhere
    (its own process under `piket serve`) and that this wakes when a handler queued a message."""
    if wake_sender is not None:
        services_of(application.bot_data).wake_sender = wake_sender
        yield
        return
    async with running_sender(application, database, clock):
        yield


async def run_polling(
    application: BotApplication,
    database: Database,
    clock: Clock,
    stop: asyncio.Event,
    wake_sender: Callable[[], object] | None = None,
) -> None:
    """Poll Telegram (or a stand-in) until `stop` is set (see `sending` for `wake_sender`)."""
    async with application:
        await application.start()
        async with sending(application, database, clock, wake_sender):
            await poll(application, stop)
        await application.stop()


async def poll(application: BotApplication, stop: asyncio.Event, timeout: int = POLL_SECONDS) -> None:
    """Fetch updates and handle each one before asking for more.

    Telegram forgets updates below the offset of the next getUpdates.
    python-telegram-bot's own poller asks for the next batch while the last one
    is still being handled, so a crash in between loses taps that were never
    answered (a test counted 50 of 80 in one burst). Here the offset moves past
    a batch only once all of it is handled: after a crash Telegram hands the rest
    out again, and those already committed are known by their update id
    (`processed_updates`) and not done twice.

    Within a batch each person's updates are handled in order, different people's
    side by side (see `handle_batch`).
    """
    bot, offset, failures = application.bot, None, 0
    webhook_cleared = False
    while not stop.is_set():
        try:
            if not webhook_cleared:  # getUpdates is refused while a webhook is set
                webhook_cleared = await bot.delete_webhook()
            updates = await _unless_stopped(
                bot.get_updates(offset=offset, timeout=timeout, allowed_updates=ALLOWED_UPDATES), stop
            )
        except RetryAfter as wait:
            await _pause(stop, retry_seconds(wait))
            continue
        except TelegramError as error:  # network trouble, Telegram down, a conflict: wait and retry
            failures += 1
            log.warning("getUpdates failed (%s); retrying", type(error).__name__)
            await _pause(stop, min(30.0, 2.0**failures))
            continue
        failures = 0
        if updates:
            await handle_batch(application, updates)
            offset = updates[-1].update_id + 1


async def handle_batch(application: BotApplication, updates: Sequence[Update]) -> None:
    """Each sender's updates in order (a coordinator's /oproep steps build on each other), the
    senders side by side: one after the other, a burst of taps under load waited for every tap
    before it (a tap's p99 was 40x its idle median)."""
    by_sender: dict[int | str, list[Update]] = {}
    for update in updates:
        user = update.effective_user
        by_sender.setdefault(user.id if user else f"update:{update.update_id}", []).append(update)

    async def in_order(own: list[Update]) -> None:
        for update in own:
            await application.process_update(update)  # handler errors go to the error handler

    results = await asyncio.gather(*(in_order(own) for own in by_sender.values()), return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result


async def _unless_stopped(fetch: Awaitable[T], stop: asyncio.Event) -> T | None:
    """The fetch's result, or None as soon as `stop` is set (the long poll is then cancelled)."""
    task, stopped = asyncio.ensure_future(fetch), asyncio.ensure_future(stop.wait())
    await asyncio.wait({task, stopped}, return_when=asyncio.FIRST_COMPLETED)
    stopped.cancel()
    if not task.done():
        task.cancel()
        return None
    return task.result()


async def _pause(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


async def run_webhook(
    application: BotApplication,
    database: Database,
    clock: Clock,
    stop: asyncio.Event,
    url: str,
    secret: str,
    listen: str,
    port: int,
    wake_sender: Callable[[], object] | None = None,
) -> None:
    """Receive updates by webhook; Telegram must send `secret` as X-Telegram-Bot-Api-Secret-Token.

    Each call is answered only after its update is handled (bot.webhook), so Telegram
    sends again what a crash interrupted. See `sending` for `wake_sender`."""
    async with application:
        await application.start()
        server = webhook.listen(application, secret, listen, port)
        try:
            await application.bot.set_webhook(url=url, secret_token=secret, allowed_updates=ALLOWED_UPDATES)
            async with sending(application, database, clock, wake_sender):
                await stop.wait()
        finally:
            server.stop()
            await server.close_all_connections()
        await application.stop()

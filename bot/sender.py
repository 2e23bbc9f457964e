"""The outbox sender: delivers queued messages within Telegram's limits and records what happened.

Telegram allows about 30 messages a second overall and one a second per chat.
A round takes the oldest due message of each chat (so an edit never overtakes
the message it edits, and no chat's queue holds up the round: a round of whole
queues lasted as long as the longest one while the other chats sat idle) and
sends them side by side through one limiter. A message counts as delivered
only once its result is committed: a crash between Telegram's answer and that
commit sends it again on restart (at least once, never lost; one message per
chat at most, as a chat has one message in flight). The results of sends that
finish together are committed together (one transaction instead of one each:
under load the sender spent its time on commits). Revoked accounts get
deletions only.

Running (`serve`), the sender does not go in rounds: a chat whose message is
settled is free at once, and the next take (at most a few a second) finds the
oldest due message of each free chat only. Rounds that waited for their
slowest chat, then for the next take, kept Telegram's pace at 0.8 of its 30 a
second while a backlog waited.

What needs no call costs the chat no second: an edit whose message was
withdrawn before it went, or that was queued behind a send which went with its
content, and a heads-up whose ring already came (`backend/services/outbox.py`), or came less than
RING_QUIET before it was queued.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import warnings
from collections import OrderedDict, deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter
from telegram.warnings import PTBDeprecationWarning

from backend.db import Database
from backend.models import OutboxMessage
from backend.services import outbox
from bot import keyboards
from bot.i18n import text
from scheduling.clock import Clock

if TYPE_CHECKING:
    from backend.config import Settings

log = logging.getLogger(__name__)
T = TypeVar("T")
IN_FLIGHT = 8
REMEMBERED_MESSAGE_IDS = 20_000
"""Telegram ids of sends kept in memory for later edits (older ones are read from the outbox)."""
RING_QUIET = timedelta(seconds=30)
"""A heads-up queued this soon after one of its kind rang in its chat does not ring again: the
phone has just rung for that kind, and a burst of call-outs rings once (its messages come silently)."""


@dataclass(frozen=True)
class Queued:
    """A snapshot of one outbox row, taken inside a short transaction."""

    id: int
    chat_id: str
    inspector_id: int | None
    method: str
    payload: dict[str, Any]
    ref: str | None
    queued_at: datetime

    @property
    def is_heads_up(self) -> bool:
        return bool(self.payload.get("is_heads_up"))


@dataclass(frozen=True)
class Pace:
    """Telegram's limits as the settings give them: sends a second over all chats, and seconds
    between two to one chat (PIKET_TELEGRAM_SENDS_PER_SECOND, PIKET_TELEGRAM_CHAT_INTERVAL_MS)."""

    per_second: int = 30
    chat_interval: float = 1.0

    @classmethod
    def of(cls, settings: Settings) -> Pace:
        return cls(settings.telegram_sends_per_second, settings.telegram_chat_interval_ms / 1000)

    def limiter(self) -> Limiter:
        return Limiter(self.per_second, self.chat_interval)


TELEGRAMS_PACE = Pace()
"""Telegram's own limits (production's)."""


class Limiter:
    """At most `per_second` sends in any second, and `per_chat_interval` seconds between two to one chat.

    The interval to a chat counts from Telegram's answer to the last call (see `answered`), not from
    when that call was let go: on a busy machine a call can take long to arrive, and the next one,
    let go a second later, then arrived at Telegram a fraction of a second after it."""

    def __init__(self, per_second: int = 30, per_chat_interval: float = 1.0) -> None:
        self.per_second = per_second
        self.per_chat_interval = per_chat_interval
        self._recent: deque[float] = deque()
        self._last_to_chat: dict[str, float] = {}
        self._paused_until = 0.0
        self._lock = asyncio.Lock()

    async def wait(self, chat_id: str) -> float:
        """Until a message to `chat_id` may go; returns the moment (time.monotonic) it was allowed."""
        chat_ready = self._last_to_chat.get(chat_id, -1e9) + self.per_chat_interval
        if (delay := chat_ready - time.monotonic()) > 0:
            await asyncio.sleep(delay)
        async with self._lock:
            while True:
                now = time.monotonic()
                while self._recent and self._recent[0] <= now - 1.0:
                    self._recent.popleft()
                delay = max(
                    self._paused_until - now,
                    self._recent[0] + 1.0 - now if len(self._recent) >= self.per_second else 0.0,
                )
                if delay <= 0:
                    break
                await asyncio.sleep(delay)
            self._recent.append(now)
            self._last_to_chat[chat_id] = now
            return now

    def answered(self, chat_id: str) -> None:
        """Telegram has answered the call to `chat_id`: the interval to the next one starts now."""
        self._last_to_chat[chat_id] = time.monotonic()

    def pause(self, seconds: float) -> None:
        """Telegram said RetryAfter: nobody sends until it has passed."""
        self._paused_until = max(self._paused_until, time.monotonic() + seconds)


class OutboxSender:
    def __init__(
        self, database: Database, bot: Bot, clock: Clock, limiter: Limiter | None = None, batch: int = 200
    ) -> None:
        self.database, self.bot, self.clock = database, bot, clock
        self.limiter = limiter or Limiter()
        self.batch = batch
        # Its own threads for the database: on the shared default pool (cpu + 4 threads) a
        # fan-out of hundreds of messages made the bot's handlers queue behind it.
        self._threads = ThreadPoolExecutor(max_workers=4, thread_name_prefix="piket-outbox")
        # A few calls on their way at a time: Telegram answers in well under a second, and the HTTP
        # pool looks at every open connection for each request (a profile under load found the
        # sender's loop spending a sixth of its time there with dozens of chats' calls at once).
        self._in_flight = asyncio.Semaphore(IN_FLIGHT)
        self._unrecorded: list[tuple[Queued, int | None, asyncio.Future[None]]] = []
        self._recording: asyncio.Task[None] | None = None
        self._message_ids: OrderedDict[tuple[str, str], int] = OrderedDict()
        """(chat, ref) to the Telegram id this sender got for it: an edit finds its message without
        a transaction of its own (only the leader sends, so no one else sends under a ref meanwhile)."""
        self._sent_changes: OrderedDict[int, int] = OrderedDict()
        """Send (outbox row id) to how often its content had been changed in the queue when this
        sender sent it: an edit queued behind it with no more changes than that has nothing to do."""
        self._rang_at: OrderedDict[tuple[str, str], datetime] = OrderedDict()
        """(chat, template) to when this sender last let a heads-up of that template go to it."""

    def close(self) -> None:
        self._threads.shutdown(wait=True)

    async def _in_thread(self, work: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._threads, work, *args)

    async def serve(self, stop: asyncio.Event, wake: asyncio.Event) -> None:
        """Deliver until `stop` is set (set `wake` with it); `wake` says something was queued."""
        busy: dict[int, asyncio.Task[int]] = {}
        """Chats with a message on its way, by `chat_key`: none of their others is taken meanwhile."""
        failures = 0
        while not stop.is_set():
            wake.clear()
            taken_at, errors = time.monotonic(), []
            try:
                queued = await self._in_thread(self._take_due, frozenset(busy))
            except Exception as error:  # the sender must outlive a database outage; it retries
                errors.append(error)
            else:
                for item in queued:
                    busy[chat_key(item)] = asyncio.create_task(self._serve_chat([item]))
            # 0.5 s, backing off to 5 s while deliveries fail
            await _next_take(wake, busy, taken_at, min(5.0, IDLE_SECONDS * 2**failures))
            failures = _count_failures(failures, errors + _settled(busy))
        await asyncio.gather(*busy.values(), return_exceptions=True)

    async def deliver_due(self) -> int:
        """One round: the oldest due message of each chat; returns how many were settled."""
        queued = await self._in_thread(self._take_due, frozenset())
        by_chat: dict[str, list[Queued]] = {}
        for item in queued:
            by_chat.setdefault(item.chat_id, []).append(item)
        # Every chat's call is settled before the round ends, also when another chat's failed (the
        # database went away): a send still waiting for Telegram's answer would otherwise be taken
        # again by the next round, which starts within a second, and go out twice or more.
        results = await asyncio.gather(
            *(self._serve_chat(items) for items in by_chat.values()), return_exceptions=True
        )
        for result in results:
            if isinstance(result, BaseException):
                raise result
        return sum(result for result in results if isinstance(result, int))

    def _take_due(self, busy: frozenset[int]) -> list[Queued]:
        with self.database.transaction() as session:
            return [
                Queued(
                    row.id,
                    row.chat_id,
                    row.inspector_id,
                    row.method,
                    json.loads(row.payload),
                    row.ref,
                    row.created_at,
                )
                for row in outbox.due(
                    session, self.clock.now(), self.batch, first_per_inspector=True, skip_inspectors=busy
                )
            ]

    async def _serve_chat(self, items: list[Queued]) -> int:
        """Returns how many of `items` were settled (sent, or settled without a call)."""
        settled = 0
        for item in items:
            target = await self._target_message(item)
            if target == "wait":
                break  # its send is still queued; the rest of this chat waits for the next round
            settled += 1
            if self._has_rung(item):
                await self._in_thread(self._withdraw, item, "withdrawn: a heads-up of its kind rang for it")
                continue
            if target == "skip":
                continue  # settled without a call, so the chat's next message need not wait a second
            if target == "as sent":
                await self._record_sent(item, None)
                continue
            await self.limiter.wait(item.chat_id)
            await self._call(item, target)
        return settled

    async def _target_message(self, item: Queued) -> int | str | None:
        """For an edit or deletion: the Telegram message id, "wait" while its send is queued, "skip"
        when there is nothing to change, "as sent" when the send went as the edit says; or None."""
        if item.method == outbox.SEND or item.ref is None:
            return None
        guarded = item.payload.get(outbox.GUARDS)
        if guarded is not None and self._sent_changes.get(guarded[0], -1) >= guarded[1]:
            return "as sent"  # the edit was queued behind a send that went with its content
        known = self._message_ids.get((item.chat_id, item.ref))
        return known if known is not None else await self._in_thread(self._stored_target, item)

    def _stored_target(self, item: Queued) -> int | str | None:
        assert item.ref is not None
        with self.database.transaction() as session:
            found = outbox.sent_message_id(session, item.chat_id, item.ref)
            if found is not None:
                return found
            if outbox.is_waiting_for_send(session, item.chat_id, item.ref):
                return "wait"
            goes_after_all = outbox.nothing_to_change(session, session.get_one(OutboxMessage, item.id))
            return "wait" if goes_after_all else "skip"

    def _has_rung(self, item: Queued) -> bool:
        """A heads-up queued before one of its kind rang in its chat, or less than RING_QUIET after:
        that ring was for it too (a backlog or a burst rings once for each kind, not once a
        message). Never a safety alert's."""
        if not item.is_heads_up or item.payload["template"].startswith(outbox.NEVER_WITHDRAWN):
            return False
        rang_at = self._rang_at.get((item.chat_id, item.payload["template"]))
        return rang_at is not None and rang_at > item.queued_at - RING_QUIET

    async def _call(self, item: Queued, target: int | str | None) -> None:
        asked_at = self.clock.now()
        try:
            message_id = await self._telegram(item, target if isinstance(target, int) else None)
        except RetryAfter as wait:
            seconds = retry_seconds(wait)
            self.limiter.pause(seconds)
            await self._in_thread(self._retry, item, seconds, "RetryAfter")
        except Forbidden:
            await self._in_thread(self._blocked, item)
        except BadRequest as refused:
            await self._in_thread(self._bad_request, item, str(refused))
        except NetworkError as trouble:
            await self._in_thread(self._retry, item, None, type(trouble).__name__)
        else:
            await self._record_sent(item, message_id)
            if item.is_heads_up:
                self._rang_at[(item.chat_id, item.payload["template"])] = asked_at
                self._rang_at.move_to_end((item.chat_id, item.payload["template"]))
                if len(self._rang_at) > REMEMBERED_MESSAGE_IDS:
                    self._rang_at.popitem(last=False)

    async def _telegram(self, item: Queued, message_id: int | None) -> int | None:
        try:
            async with self._in_flight:
                return await self._telegram_call(item, message_id)
        finally:
            self.limiter.answered(item.chat_id)

    async def _telegram_call(self, item: Queued, message_id: int | None) -> int | None:
        payload = item.payload
        if item.method == outbox.DELETE:
            await self.bot.delete_message(chat_id=int(item.chat_id), message_id=message_id or 0)
            return message_id
        body = text(payload["language"], payload["template"], **payload["params"])
        markup = _keyboard(payload)
        if item.method == outbox.EDIT:
            await self.bot.edit_message_text(
                body, chat_id=int(item.chat_id), message_id=message_id or 0, reply_markup=markup
            )
            return message_id
        sent = await self.bot.send_message(
            int(item.chat_id),
            body,
            reply_markup=markup,
            protect_content=payload["protect_content"],
            disable_notification=payload["disable_notification"],
        )
        return sent.message_id

    async def _record_sent(self, item: Queued, message_id: int | None) -> None:
        """Returns once the send is committed, together with those that finished meanwhile."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._unrecorded.append((item, message_id, done))
        if self._recording is None or self._recording.done():
            self._recording = asyncio.create_task(self._record_waiting())
        await done
        if item.method == outbox.SEND and item.ref is not None and message_id is not None:
            self._remember(item, message_id)

    async def _record_waiting(self) -> None:
        while self._unrecorded:
            batch, self._unrecorded = self._unrecorded, []
            try:
                await self._in_thread(self._sent_all, [(item, message_id) for item, message_id, _ in batch])
            except Exception as error:  # each waiting chat's round fails as it did with its own commit
                for *_, done in batch:
                    done.set_exception(error)
            else:
                for *_, done in batch:
                    done.set_result(None)

    def _sent_all(self, sent: list[tuple[Queued, int | None]]) -> None:
        with self.database.transaction() as session:
            outbox.mark_all_sent(
                session, self.clock.now(), [(item.id, telegram_id) for item, telegram_id in sent]
            )

    def _sent(self, item: Queued, message_id: int | None) -> None:
        self._sent_all([(item, message_id)])

    def _remember(self, item: Queued, message_id: int) -> None:
        assert item.ref is not None
        self._message_ids[(item.chat_id, item.ref)] = message_id
        self._message_ids.move_to_end((item.chat_id, item.ref))
        if len(self._message_ids) > REMEMBERED_MESSAGE_IDS:
            self._message_ids.popitem(last=False)
        self._sent_changes[item.id] = item.payload.get(outbox.CHANGES, 0)
        if len(self._sent_changes) > REMEMBERED_MESSAGE_IDS:
            self._sent_changes.popitem(last=False)

    def _retry(self, item: Queued, seconds: float | None, error: str) -> None:
        with self.database.transaction() as session:
            row = session.get_one(OutboxMessage, item.id)
            wait = seconds if seconds is not None else min(300, 2**row.attempts)
            outbox.mark_retry(session, item.id, self.clock.now() + timedelta(seconds=wait), error)

    def _withdraw(self, item: Queued, reason: str) -> None:
        with self.database.transaction() as session:
            outbox.mark_withdrawn(session, item.id, reason)

    def _blocked(self, item: Queued) -> None:
        """The inspector blocked the bot: not retried forever; the coordinator hears of it once."""
        with self.database.transaction() as session:
            outbox.mark_failed(session, item.id, "blocked by the user")
            if item.inspector_id is not None:
                outbox.report_blocked(session, self.clock.now(), item.inspector_id)

    def _bad_request(self, item: Queued, error: str) -> None:
        # Telegram refuses to edit a message into the same text; the intent is then already met.
        if "not modified" in error:
            self._sent(item, None)
            return
        with self.database.transaction() as session:
            outbox.mark_failed(session, item.id, f"refused: {error}")


IDLE_SECONDS = 0.5
"""With nothing queued and no wake-up, the sender looks again after this long (messages queued by
another process, such as the web's, do not wake it)."""
TAKE_SECONDS = 0.2
"""Takes are at least this far apart: a chat just served may not send again within its second
anyway, and each take reads the due messages of every free chat."""


def chat_key(item: Queued) -> int:
    """What `outbox.due` counts as one chat: the inspector, or the message itself without one."""
    return item.inspector_id if item.inspector_id is not None else -item.id


async def _next_take(
    wake: asyncio.Event, busy: dict[int, asyncio.Task[int]], taken_at: float, idle: float
) -> None:
    """Until something was queued or a chat is free again, and TAKE_SECONDS after the last take;
    after `idle` seconds in any case."""
    await asyncio.sleep(max(0.0, taken_at + TAKE_SECONDS - time.monotonic()))
    if wake.is_set() or any(task.done() for task in busy.values()):
        return
    woken = asyncio.create_task(wake.wait())
    await asyncio.wait({woken, *busy.values()}, timeout=idle, return_when=asyncio.FIRST_COMPLETED)
    woken.cancel()


def _settled(busy: dict[int, asyncio.Task[int]]) -> list[BaseException]:
    """Frees the chats whose message is settled; returns what went wrong with them."""
    errors = []
    for key, task in list(busy.items()):
        if task.done():
            del busy[key]
            if (error := task.exception()) is not None:
                errors.append(error)
    return errors


def _count_failures(failures: int, errors: list[BaseException]) -> int:
    """The failures in a row, logged at the first and then now and then (not every one)."""
    for error in errors:
        if failures % 20 == 0:
            log.error("outbox round failed (%s, %d in a row); retrying", type(error).__name__, failures + 1)
        failures += 1
    if failures and not errors:
        log.info("outbox delivering again after %d failed rounds", failures)
        return 0
    return failures


def _keyboard(payload: dict[str, Any]) -> InlineKeyboardMarkup | None:
    """The buttons a conversation attached, or those that go with a service's message (`about`)."""
    rows = payload.get("buttons") or [
        [button.as_json() for button in row]
        for row in keyboards.for_message(payload["template"], payload.get("about") or {})
    ]
    if not rows:
        return None
    language = payload["language"]
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(text(language, label, **(rest[0] if rest else {})), callback_data=data)
                for label, data, *rest in row
            ]
            for row in rows
        ]
    )


def retry_seconds(wait: RetryAfter) -> float:
    """RetryAfter's delay in seconds (PTB 22 is moving it from int to timedelta)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        delay = wait.retry_after
    return delay.total_seconds() if isinstance(delay, timedelta) else float(delay)

"""The outbox: messages to inspectors written in the same transaction as the change that causes them.

A row holds an intent, not finished text: a template key from `bot.texts`,
its parameters, what it asks about and options, sealed. The sender in `bot/`
renders it in the recipient's language when it is delivered, and picks the
answers the chat offers for it (`bot/keyboards.py`), so the services stay free
of Telegram, of its buttons and of wording. `ref` names what a message is about ("offer:12"), so
that a later edit or deletion can find the Telegram message id it got.

What rings is discreet (the lock-screen rule). A message sent without
`disable_notification` makes a sound and shows its text on the lock screen;
`protect_content` does not hide that preview. So a ringing message carries at
most the day and the time (the parameters in `LOCK_SCREEN_PARAMS`), never a
municipality, a place or a person's name. A message that names one goes
silently, and when it must still be noticed it has a `heads_up`: a short
ringing template (day and time only) queued just before it. `send` refuses a
ringing message with any other parameter, so a new message kind cannot break
the rule by accident; `tests/bot/test_lock_screen.py` drives every message
kind and checks what a lock screen would have shown.

A message changed before it went out is never shown in its old form. `edit` of a
send still queued changes the queued send instead: it goes with the new content
(silently, as it was to go; its heads-up, if it already rang, said only when).
When the change only tells what became of the message (an offer staffed or
called off: `withdraw_unsent`), a message of which nothing went is withdrawn
with its heads-up: that is no news to someone who never saw it. Safety alerts
are never withdrawn nor changed in the queue: they go, then are edited. The
sender may already be calling Telegram with the queued send (it reads, calls,
then records), so such an edit is still queued behind it as a `guards` edit:
the sender drops it when the send did not go or went as the edit says, and
applies it when the send went in its old form; and when the message was
withdrawn while its heads-up was on its way (it rang), the message goes after
all, with the edit's content (`nothing_to_change`).
News that makes a queued message pointless withdraws it (`withdraw`): a
call-out staffed before the coordinator's "made, offered to five" went sends only
that it is staffed.

A backlog rings once for each kind: a heads-up queued before one of its kind
rang in that chat, or less than half a minute after (`bot.sender.RING_QUIET`:
a burst of call-outs rings once), is withdrawn by the sender (that ring was for
it too; its message still comes, silently). A safety alert's heads-up always
rings.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar, cast

from sqlalchemy import Table, bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from backend.db import collected, read_values
from backend.models import Inspector, OutboxMessage, OutboxStatus
from secure_store.types import RowBound, next_ids

SEND, EDIT, DELETE = "sendMessage", "editMessageText", "deleteMessage"
MAX_ATTEMPTS = 8
LOCK_SCREEN_PARAMS = frozenset({"date", "start", "end", "minutes"})
"""What a ringing message may show: when (and how many minutes an alert has waited)."""
HEADS_UP = "alert:"
"""A heads-up's ref is its message's with this in front (`heads_up_ref`)."""
NEVER_WITHDRAWN = "safety."
"""Templates a change never withdraws nor rewrites in the queue: a safety alert goes as it was raised."""


class LockScreenError(ValueError):
    """A ringing message would show more than the day and the time on a lock screen."""


class Recipient(Protocol):
    """Whom a message goes to: an `Inspector`, or an inspector read as values (`Addressee`,
    `offers.Person`)."""

    @property
    def id(self) -> int: ...

    @property
    def language(self) -> str: ...

    @property
    def revoked_at(self) -> datetime | None: ...


@dataclass(frozen=True, slots=True)
class Addressee:
    """An inspector as a message to them (or the answer to their tap) needs them and no more, read as
    values: loaded as an object, the inspector cost the tap that completes a pair more than the query."""

    id: int
    language: str
    revoked_at: datetime | None


class Attached(Protocol):
    """Something the bot's own conversations attach to a message, stored as given (bot/keyboards.py)."""

    def as_json(self) -> list[Any]: ...


@dataclass(frozen=True)
class Message:
    template: str
    params: dict[str, Any] = field(default_factory=dict)
    about: Mapping[str, Any] = field(default_factory=dict)
    """What the message asks about, in the domain's ids ({"offer": 12, "version": 3}): the bot
    offers the answers that go with its template. A service says what, never which buttons."""
    buttons: Sequence[Sequence[Attached]] = ()
    """Rows the bot's own conversations attach (services leave this empty and set `about`)."""
    protect_content: bool = False
    """Telegram then refuses forwarding and saving: for locations and names."""
    disable_notification: bool = False
    heads_up: str | None = None
    """A ringing template queued just before this message, filled with its day and time only;
    the message itself then goes silently (see the lock-screen rule above)."""
    is_heads_up: bool = False
    """This is such a heads-up: the sender withdraws it when one of its kind to the same chat rang
    after it was queued (that ring was for it too)."""

    @property
    def rings(self) -> bool:
        return not self.disable_notification and self.heads_up is None

    def check_lock_screen(self) -> None:
        """Refuse a ringing message that would show more than when (see the module's docstring)."""
        shown = set(self.params) - LOCK_SCREEN_PARAMS
        if self.rings and shown:
            raise LockScreenError(f"{self.template} rings with {sorted(shown)}: send it silently")

    def to_json(self, language: str) -> str:
        about = {"about": dict(self.about)} if self.about else {}
        kind = {"is_heads_up": True} if self.is_heads_up else {}
        return json.dumps(
            {
                **about,
                **kind,
                "template": self.template,
                "params": self.params,
                "language": language,
                "buttons": [[b.as_json() for b in row] for row in self.buttons],
                "protect_content": self.protect_content,
                "disable_notification": self.disable_notification or self.heads_up is not None,
            },
            sort_keys=True,
        )


def send(
    session: Session,
    now: datetime,
    inspector: Recipient,
    message: Message,
    ref: str | None = None,
    not_before: datetime | None = None,
) -> bool:
    """Queue a message to an enrolled inspector (True); nothing for an account without Telegram or revoked.
    A message with a `heads_up` is preceded by that ringing heads-up (same `not_before`)."""
    message.check_lock_screen()
    if message.heads_up is not None:
        when = {key: value for key, value in message.params.items() if key in LOCK_SCREEN_PARAMS}
        _queue(
            session,
            now,
            inspector,
            SEND,
            Message(message.heads_up, when, is_heads_up=True).to_json(inspector.language),
            heads_up_ref(ref),
            not_before,
        )
    return _queue(session, now, inspector, SEND, message.to_json(inspector.language), ref, not_before)


def heads_up_ref(ref: str | None) -> str | None:
    """The heads-up's link to its message, so that a change before either went finds both."""
    if ref is None:
        return None
    if len(HEADS_UP + ref) > REF_LENGTH:
        raise ValueError(f"{ref!r} is too long for its heads-up's ref")
    return HEADS_UP + ref


REF_LENGTH = 64


def edit(
    session: Session,
    now: datetime,
    inspector: Recipient,
    ref: str,
    message: Message,
    *,
    withdraw_unsent: bool = False,
) -> bool:
    """Replace the text and buttons of the message sent under `ref` (buttons gone when none are given).

    One still queued goes with this content instead, or with `withdraw_unsent` (the change only
    tells what became of it) is withdrawn if nothing of it went (the module's docstring)."""
    payload = message.to_json(inspector.language)
    queued = _queued_send(session, inspector, ref)
    if queued is not None:
        unsent, its_heads_up, has_rung = queued
        changes = json.loads(unsent.payload).get(CHANGES, 0) + 1
        if withdraw_unsent and not has_rung:
            _withdraw_unsent(unsent, its_heads_up)
        else:
            _change_queued(unsent, payload=_as_sent_by(unsent.payload, payload, changes))
        payload = json.dumps({**json.loads(payload), GUARDS: [unsent.id, changes]}, sort_keys=True)
    return _queue(session, now, inspector, EDIT, payload, ref, None)


CHANGES = "changes"
"""In a send's payload: how often its content was changed in the queue (none: left out)."""
GUARDS = "guards"
"""In an edit's payload: [the send it was queued behind, the number of changes it makes that send's
content]. A sender that sent that row with as many changes or more drops the edit."""


def _queued_send(
    session: Session, inspector: Recipient, ref: str
) -> tuple[OutboxMessage, OutboxMessage | None, bool] | None:
    """The newest send under `ref` to the inspector's chat if it is still queued (and may be
    changed there), its heads-up if that is queued too, and whether the heads-up has rung.

    Both are locked, skipping a row the sender holds: it is recording that one as sent, so it
    went (and waiting for the sender while it waits for this transaction would deadlock)."""
    chat_id = _chat_id(session, inspector)
    looked_up: dict[str, list[OutboxMessage]] = session.info.get(QUEUED_SENDS, {})
    found = looked_up.pop(ref) if ref in looked_up else _locked_queued(session, [ref])
    queued = sorted(
        (row for row in found if row.inspector_id == inspector.id and row.chat_id == chat_id),
        key=lambda row: -row.id,
    )
    unsent = next((row for row in queued if row.ref == ref), None)
    if unsent is None or json.loads(unsent.payload)["template"].startswith(NEVER_WITHDRAWN):
        return None
    its_heads_up = next((row for row in queued if row.ref != ref and row.id < unsent.id), None)
    if its_heads_up is not None:
        return unsent, its_heads_up, False
    had_one = _heads_up_of(session, unsent)
    return unsent, None, had_one is not None and had_one.status is not OutboxStatus.WITHDRAWN


def expect_edits(session: Session, refs: Collection[str]) -> None:
    """Look up the queued sends (and heads-ups) under these refs in one query, for the edits about
    to be made under them in this transaction: a staffed call-out edits every other offer, and a
    query each made the tap that staffed it wait."""
    if refs:
        session.info.setdefault(QUEUED_SENDS, {}).update(_by_ref(_locked_queued(session, refs), refs))


QUEUED_SENDS = "piket.queued_sends"
"""session.info key: ref to the queued sends and heads-ups under it, looked up ahead of its edit."""


def _locked_queued(session: Session, refs: Collection[str]) -> list[OutboxMessage]:
    """The queued sends under `refs` and their heads-ups, locked, skipping any the sender holds (see
    `_queued_send`). Found and locked by their ids, as values: most often there are none (the sender
    has sent them), and the ORM's handling of a query cost the tap that staffs a call-out more than
    running it. Rows found are then loaded by id: locked already, they cannot change meanwhile."""
    linked = [heads_up_ref(ref) for ref in refs]
    found = read_values(session, _LOCKED_QUEUED, {"refs": [*refs, *linked]}).scalars().all()
    if not found:
        return []
    return list(session.execute(_BY_IDS, {"ids": list(found)}).scalars())


_LOCKED_QUEUED = (
    select(OutboxMessage.id)
    .where(
        OutboxMessage.ref.in_(bindparam("refs", expanding=True)),
        OutboxMessage.method == SEND,
        OutboxMessage.status == OutboxStatus.PENDING,
    )
    .with_for_update(skip_locked=True)
)
"""Built once, as `_BY_IDS`: a staffed call-out asks (building a statement costs more than running it)."""
_BY_IDS = select(OutboxMessage).where(OutboxMessage.id.in_(bindparam("ids", expanding=True)))


def _by_ref(rows: list[OutboxMessage], refs: Collection[str]) -> dict[str, list[OutboxMessage]]:
    found: dict[str, list[OutboxMessage]] = {ref: [] for ref in refs}
    for row in rows:
        assert row.ref is not None
        found[row.ref if row.ref in found else row.ref.removeprefix(HEADS_UP)].append(row)
    return found


def _heads_up_of(session: Session, message: OutboxMessage) -> OutboxMessage | None:
    """The heads-up queued for `message` (just before it, under the linked ref), if it had one."""
    if message.ref is None:
        return None
    return next(
        (
            row
            for row in session.execute(
                select(OutboxMessage)
                .where(
                    OutboxMessage.ref == heads_up_ref(message.ref),
                    OutboxMessage.method == SEND,
                    OutboxMessage.id < message.id,
                )
                .order_by(OutboxMessage.id.desc())
            ).scalars()
            if row.chat_id == message.chat_id
        ),
        None,
    )


def _as_sent_by(queued: str, changed: str, changes: int) -> str:
    """The changed content, sent as the queued message was to go: silently if it was (its heads-up
    rang, or it was quiet), and protected if either asks; and silently whatever it was if the
    new content shows more than the day and the time (the lock-screen rule)."""
    was, new = json.loads(queued), json.loads(changed)
    new.pop(GUARDS, None)
    shows_more = bool(set(new["params"]) - LOCK_SCREEN_PARAMS)
    return json.dumps(
        {
            **new,
            "protect_content": was["protect_content"] or new["protect_content"],
            "disable_notification": was["disable_notification"] or shows_more,
            CHANGES: changes,
        },
        sort_keys=True,
    )


CHANGED_UNSENT = "withdrawn: changed before it was sent"


def _change_queued(row: OutboxMessage | None, **values: Any) -> None:
    """Change a queued row that `_queued_send` locked (so the sender cannot record it meanwhile),
    flushed with the transaction's other writes (its messages still go in one INSERT)."""
    if row is not None:
        for name, value in values.items():
            setattr(row, name, value)


def _withdraw_unsent(unsent: OutboxMessage, its_heads_up: OutboxMessage | None) -> None:
    """A queued message and its heads-up (if queued too) will not go: nothing of it went."""
    for row in (unsent, its_heads_up):
        _change_queued(row, status=OutboxStatus.WITHDRAWN, error=CHANGED_UNSENT)


def withdraw(session: Session, inspector: Recipient, ref: str) -> None:
    """Later news made the message under `ref` pointless (a call-out's creation, once it is
    staffed): if it is still queued, it does not go, nor does its heads-up; one the sender has
    taken goes as it was (it is still true, only old)."""
    queued = _queued_send(session, inspector, ref)
    if queued is not None and not queued[2]:
        _withdraw_unsent(*queued[:2])


def _withdraw(row: OutboxMessage, reason: str) -> None:
    row.status, row.error = OutboxStatus.WITHDRAWN, reason


def nothing_to_change(session: Session, change: OutboxMessage) -> bool:
    """An edit or deletion whose message was never sent (the sender found no Telegram id and no
    send waiting). Returns whether the message goes after all: the edit then waits for it.

    A message withdrawn while its heads-up was already on its way to Telegram would leave a
    heads-up that rang for nothing: it goes after all, with the edit's content (as `edit` does
    when the heads-up has rung). The change to a message that was withdrawn is withdrawn too (no
    failure: nothing was to go); one whose message failed fails."""
    assert change.ref is not None
    withdrawn = next(
        (
            row
            for row in session.execute(
                select(OutboxMessage)
                .where(OutboxMessage.ref == change.ref, OutboxMessage.method == SEND)
                .order_by(OutboxMessage.id.desc())
            ).scalars()
            if row.chat_id == change.chat_id
        ),
        None,
    )
    if withdrawn is None or withdrawn.status is not OutboxStatus.WITHDRAWN:
        mark_failed(session, change.id, "nothing to change: the message was never delivered")
        return False
    its_heads_up = _heads_up_of(session, withdrawn)
    if change.method == EDIT and its_heads_up is not None and its_heads_up.status is OutboxStatus.SENT:
        changes = json.loads(change.payload).get(GUARDS, [0, 1])[1]
        withdrawn.payload = _as_sent_by(withdrawn.payload, change.payload, changes)
        withdrawn.status, withdrawn.error = OutboxStatus.PENDING, "sent after all: its heads-up had rung"
        _withdraw(change, "withdrawn: its message goes with this content")
        return True
    _withdraw(change, "withdrawn: its message was withdrawn before it was sent")
    return False


def delete(
    session: Session, now: datetime, inspector: Recipient, ref: str, not_before: datetime | None = None
) -> bool:
    """Delete the message sent under `ref`, also for a revoked account (that is the point).

    A deletion for now of a message still queued (a call-out's location, due hours before the
    shift, when the call-out is cancelled) withdraws it and its heads-up instead, if nothing of it
    went: it never shows, and the chat's later messages do not wait for its time to come. The
    deletion still goes behind it, for a send the sender had already taken (as `edit` does)."""
    if not_before is None and (queued := _queued_send(session, inspector, ref)) is not None:
        unsent, its_heads_up, has_rung = queued
        if not has_rung:
            _withdraw_unsent(unsent, its_heads_up)
    return _queue(session, now, inspector, DELETE, "{}", ref, not_before, allow_revoked=True)


def due(
    session: Session,
    now: datetime,
    limit: int = 100,
    *,
    first_per_inspector: bool = False,
    skip_inspectors: Collection[int] = (),
) -> list[OutboxMessage]:
    """Pending messages whose time has come, oldest first (so an edit never overtakes its send);
    with `first_per_inspector`, only the oldest of each inspector's (of each chat's), and none of
    those in `skip_inspectors` (a message without an inspector counts as minus its own id there).

    A revoked account gets deletions only: anything else queued for it is marked
    failed here, in the same transaction, and not returned."""
    is_due = (OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.not_before_at <= now)
    chosen = select(OutboxMessage, Inspector.revoked_at).outerjoin(
        Inspector, Inspector.id == OutboxMessage.inspector_id
    )
    if first_per_inspector:
        chosen = chosen.where(
            OutboxMessage.id.in_(_oldest_per_inspector(session, is_due, limit, set(skip_inspectors)))
        )
    rows = session.execute(chosen.where(*is_due).order_by(OutboxMessage.id).limit(limit)).all()
    withheld = {row.id for row, revoked_at in rows if revoked_at is not None and row.method != DELETE}
    if withheld:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(withheld))
            .values(
                status=OutboxStatus.FAILED,
                error="withheld: account revoked",
                attempts=OutboxMessage.attempts + 1,
            )
        )
    return [row for row, revoked_at in rows if row.id not in withheld]


def _oldest_per_inspector(session: Session, is_due: tuple[Any, ...], limit: int, skip: set[int]) -> list[int]:
    """The ids of each inspector's oldest due message, read without opening any sealed column (a
    backlog of thousands is scanned to find its first message for each chat)."""
    oldest: dict[int, int] = {}
    for message_id, inspector_id in session.execute(
        select(OutboxMessage.id, OutboxMessage.inspector_id)
        .where(*is_due)
        .order_by(OutboxMessage.id)
        .limit(limit * DUE_SCAN)
    ):
        key = inspector_id if inspector_id is not None else -message_id
        if key not in skip:
            oldest.setdefault(key, message_id)
            skip.add(key)
            if len(oldest) >= limit:
                break
    return list(oldest.values())


DUE_SCAN = 20
"""How many due messages per wanted one `due` looks through for the oldest of each inspector."""

STALL = timedelta(minutes=5)
"""A message due this long and still not sent means the bot is not delivering (stopped, or cut off)."""


def stalled_since(session: Session, now: datetime) -> datetime | None:
    """When the oldest message the bot should have sent by now fell due, if one waits longer than STALL."""
    oldest: datetime | None = session.execute(
        select(func.min(OutboxMessage.not_before_at)).where(
            OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.not_before_at <= now - STALL
        )
    ).scalar_one()
    return oldest


def sent_message_id(session: Session, chat_id: str, ref: str) -> int | None:
    """The Telegram id of the newest message sent to this chat under `ref`."""
    rows = session.execute(
        select(OutboxMessage)
        .where(
            OutboxMessage.ref == ref,
            OutboxMessage.method == SEND,
            OutboxMessage.telegram_message_id.is_not(None),
        )
        .order_by(OutboxMessage.id.desc())
    ).scalars()
    return next((row.telegram_message_id for row in rows if row.chat_id == chat_id), None)


def is_waiting_for_send(session: Session, chat_id: str, ref: str) -> bool:
    """Whether the send under `ref` is still queued (an edit or deletion must then wait)."""
    rows = session.execute(
        select(OutboxMessage).where(
            OutboxMessage.ref == ref,
            OutboxMessage.method == SEND,
            OutboxMessage.status == OutboxStatus.PENDING,
        )
    ).scalars()
    return any(row.chat_id == chat_id for row in rows)


def mark_all_sent(session: Session, now: datetime, sent: Sequence[tuple[int, int | None]]) -> None:
    """Each (message, its Telegram id) is sent: one statement for all (executed as a batch), not
    one round trip each."""
    if not sent:
        return
    session.connection().execute(  # Core, so it runs as one batch (the ORM would go row by row)
        update(OutboxMessage)
        .where(OutboxMessage.id == bindparam("row_id"))
        .values(
            status=OutboxStatus.SENT,
            sent_at=now,
            telegram_message_id=bindparam("telegram_id"),
            attempts=OutboxMessage.attempts + 1,
        ),
        [{"row_id": message_id, "telegram_id": telegram_id} for message_id, telegram_id in sent],
    )


def mark_retry(session: Session, message_id: int, not_before: datetime, error: str) -> None:
    """Try again later; after MAX_ATTEMPTS the message is given up as failed."""
    row = session.get(OutboxMessage, message_id)
    if row is None:
        return
    row.attempts += 1
    row.not_before_at = not_before
    row.error = error[:200]
    if row.attempts >= MAX_ATTEMPTS:
        row.status = OutboxStatus.FAILED


def mark_withdrawn(session: Session, message_id: int, reason: str) -> None:
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .values(status=OutboxStatus.WITHDRAWN, error=reason[:200])
    )


def mark_failed(session: Session, message_id: int, error: str) -> None:
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .values(status=OutboxStatus.FAILED, error=error[:200], attempts=OutboxMessage.attempts + 1)
    )


def _queue(
    session: Session,
    now: datetime,
    inspector: Recipient,
    method: str,
    payload: str,
    ref: str | None,
    not_before: datetime | None,
    allow_revoked: bool = False,
) -> bool:
    chat_id = _chat_id(session, inspector)
    if chat_id is None or (inspector.revoked_at is not None and not allow_revoked):
        return False
    row = {
        "chat_id": chat_id,
        "inspector_id": inspector.id,
        "method": method,
        "payload": payload,
        "ref": ref,
        "not_before_at": not_before or now,
        "created_at": now,
    }
    batch: list[dict[str, Any]] | None = session.info.get(BATCH)
    if batch is not None:
        batch.append(row)
    else:
        session.add(OutboxMessage(**row))
    return True


BATCH = "piket.outbox_batch"
"""session.info key: the messages queued inside `batched`, not yet written."""
MESSAGES = cast(Table, OutboxMessage.__table__)
_INSERT_MESSAGES = insert(MESSAGES)


@contextmanager
def batched(session: Session) -> Iterator[None]:
    """Messages queued inside are written when it ends, by one INSERT for all (the ORM writes each
    row as an object of its own: a pair's confirmation queues a dozen). Their ids keep the order
    they were queued in, after every message queued before (flushed first, so it has its id) and
    before any queued after, so the sender still sends each chat's messages in order. Nothing
    inside may read the outbox back: its messages are not written yet."""
    with collected(session, BATCH) as rows:
        yield
    if rows:
        session.flush()
        ids = next_ids(session, MESSAGES, len(rows))
        for row, row_id in zip(rows, ids, strict=True):
            sealed = {key: RowBound(row[key], row_id) for key in ("chat_id", "payload")}  # for its row
            row |= {"id": row_id, "status": OutboxStatus.PENDING, "attempts": 0, **sealed}
        session.connection().execute(_INSERT_MESSAGES, rows)


CHAT_IDS = "piket.chat_ids"
"""session.info key: the chat ids opened in this transaction, by inspector id."""


def _chat_id(session: Session, inspector: Recipient) -> str | None:
    """A private chat's id is the user's id, which enrolment stored (sealed). Opened once per
    transaction and inspector: a confirmation queues several messages to the same people."""
    opened: dict[int, str | None] = session.info.setdefault(CHAT_IDS, {})
    if inspector.id not in opened:
        with session.no_autoflush:
            opened[inspector.id] = session.execute(
                select(Inspector.telegram_id).where(Inspector.id == inspector.id)
            ).scalar_one_or_none()
    return opened[inspector.id]


def open_chat_ids(session: Session, inspector_ids: Collection[int]) -> None:
    """Open the chat ids of many inspectors in one query, ahead of messages to each of them (a
    call-out offered to sixty, or a pair that closes everyone else's offer): one query each before."""
    opened: dict[int, str | None] = session.info.setdefault(CHAT_IDS, {})
    wanted = [inspector_id for inspector_id in inspector_ids if inspector_id not in opened]
    if not wanted:
        return
    with session.no_autoflush:
        for inspector_id, telegram_id in session.execute(
            select(Inspector.id, Inspector.telegram_id).where(Inspector.id.in_(wanted))
        ):
            opened[inspector_id] = telegram_id


def remember_chat_ids(session: Session, chat_ids: Mapping[int, str | None]) -> None:
    """Chat ids opened with their inspectors (by inspector id), so that `send` needs no query."""
    session.info.setdefault(CHAT_IDS, {}).update(chat_ids)


def to_coordinators(
    session: Session, now: datetime, message: Message, ref: str | None = None, except_id: int | None = None
) -> int:
    """Queue a message to every enrolled coordinator (but `except_id`); returns how many."""
    return sum(send(session, now, c, message, ref=ref) for c in coordinators(session, except_id))


def coordinators(session: Session, except_id: int | None = None) -> list[Inspector]:
    """Every enrolled coordinator (but `except_id`), their chat ids opened in the same query."""
    found = session.execute(_COORDINATORS, {"except_id": except_id if except_id is not None else -1}).all()
    remember_chat_ids(session, {coordinator.id: chat_id for coordinator, chat_id in found})
    return [coordinator for coordinator, _ in found]


ENROLLED_COORDINATOR = Inspector.is_coordinator.is_(True) & Inspector.telegram_index.is_not(None)
_COORDINATORS = select(Inspector, Inspector.telegram_id).where(
    ENROLLED_COORDINATOR, Inspector.id != bindparam("except_id")
)
"""Built once: a confirmation asks (building a statement costs more than running it)."""


class Member(Recipient, Protocol):
    """Someone on the team who may coordinate and may have a phone enrolled."""

    @property
    def is_coordinator(self) -> bool: ...

    @property
    def telegram_index(self) -> str | None: ...


M = TypeVar("M", bound=Member)


def enrolled_coordinators(people: Iterable[M]) -> list[M]:
    """The enrolled coordinators among people read already (`coordinators` without its query), by id."""
    return sorted(
        (p for p in people if p.is_coordinator and p.telegram_index is not None), key=lambda p: p.id
    )


def edit_for_coordinators(session: Session, now: datetime, ref: str, message: Message) -> None:
    """Edit the message each enrolled coordinator got under `ref` (where there is none, the sender
    marks the edit failed and nothing shows)."""
    for coordinator in session.execute(select(Inspector).where(ENROLLED_COORDINATOR)).scalars():
        edit(session, now, coordinator, ref, message)


def report_blocked(session: Session, now: datetime, inspector_id: int) -> None:
    """Tell the coordinators once that this inspector's phone blocked the bot."""
    ref = f"blocked:{inspector_id}"
    if session.execute(select(OutboxMessage.id).where(OutboxMessage.ref == ref).limit(1)).first():
        return
    message = Message(
        "coordinator.blocked", {"inspector_id": inspector_id}, heads_up="coordinator.blocked_alert"
    )
    to_coordinators(session, now, message, ref=ref, except_id=inspector_id)

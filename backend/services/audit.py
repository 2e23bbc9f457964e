"""Appending to the chained audit log, verifying it, and anchoring its head.

The chain alone cannot show that its newest records were cut off. So its head
(the newest record's number and MAC) is written where someone with database
access cannot rewrite it: into each backup's header, and once a day in a
message to the admins. `verify` compares the chain against such an anchor: the
anchored record must still be there with the same MAC.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, insert, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.db import collected, read_values
from backend.models import AuditCheckpoint, AuditRecord, Inspector, Role, WebUser
from backend.services import outbox
from secure_store import KeyRing, chain, current_keyring

# Any constant will do; it only has to be the same in every process of a deployment.
AUDIT_LOCK_ID = 7_243_110_001
_APPEND = insert(cast(Table, AuditRecord.__table__))
"""`record`'s Core INSERT, built once (building a statement costs more than running it)."""


def record(
    session: Session,
    at: datetime,
    actor: str,
    action: str,
    subject: str,
    details: dict[str, Any] | None = None,
) -> int:
    """Append one record to the chain; returns its number. Details must hold ids and counts only.

    Appends are serialised so that two transactions never link to the same
    predecessor: PostgreSQL takes a transaction-scoped advisory lock, SQLite
    already holds its write lock since BEGIN IMMEDIATE. The session is flushed first, as it was
    when the record was an object of its own (a caller may count on its new rows' ids after this);
    the record itself is one Core INSERT: nothing reads it back as an object, and the unit of work
    costs more than the row (an accept that completes a pair writes two records).
    """
    last_seq, prev_mac = _chain_tail(session)
    seq = last_seq + 1
    details = details or {}
    mac = chain.seal(current_keyring(), seq, at, actor, action, subject, details, prev_mac)
    session.flush()
    row = {
        "seq": seq,
        "at": at,
        "actor": actor,
        "action": action,
        "subject": subject,
        "details": json.dumps(details, sort_keys=True),
        "prev_mac": prev_mac,
        "mac": mac,
    }
    waiting: list[dict[str, Any]] | None = session.info.get(BATCH)
    if waiting is not None:
        waiting.append(row)
    else:
        session.connection().execute(_APPEND, row)
    session.info[TAIL] = (session.get_transaction(), seq, mac)
    return seq


BATCH = "piket.audit_batch"
"""session.info key: the records appended inside `batched`, not yet written."""


@contextmanager
def batched(session: Session) -> Iterator[None]:
    """Records appended inside are written when it ends, by one INSERT for all (an accept that
    completes a pair appends two, and each statement costs it more than its row). They are numbered
    and chained as they are appended; nothing inside may read the log back."""
    with collected(session, BATCH) as rows:
        yield
    if rows:
        session.connection().execute(_APPEND, rows)


TAIL = "piket.audit_tail"
"""session.info key: the transaction that appended last, and the chain's tail it left."""


def _chain_tail(session: Session) -> tuple[int, str]:
    """The newest record's number and MAC, taking the append lock first. A second record in the
    same transaction (an accept that completes a pair writes two) already holds the lock, and no
    one else can have appended since: it takes the tail it left instead of asking again."""
    kept = session.info.get(TAIL)
    if kept is not None and kept[0] is session.get_transaction():
        return kept[1], kept[2]
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": AUDIT_LOCK_ID})
    last = read_values(session, _TAIL_QUERY).first()
    return (last.seq, last.mac) if last else (0, chain.GENESIS)


_TAIL_QUERY = select(AuditRecord.seq, AuditRecord.mac).order_by(AuditRecord.seq.desc()).limit(1)
"""Built once: every transaction that records asks (building it costs more than running it)."""


ANCHORED_ACTION = "audit.anchored"


@dataclass(frozen=True)
class Anchor:
    """A record's number and MAC, kept outside the database: `SEQ:MAC`."""

    seq: int
    mac: str

    def __str__(self) -> str:
        return f"{self.seq}:{self.mac}"

    @classmethod
    def parse(cls, value: str) -> Anchor:
        seq, _, mac = value.strip().partition(":")
        if not seq.isdigit() or int(seq) < 1 or not re.fullmatch(r"[0-9a-f]{64}", mac):
            raise ValueError("an anchor is SEQ:MAC, a record number and its 64 hex digits")
        return cls(int(seq), mac)


def head(session: Session) -> Anchor | None:
    """The newest record as an anchor, or None while the log is empty."""
    last = session.execute(
        select(AuditRecord.seq, AuditRecord.mac).order_by(AuditRecord.seq.desc()).limit(1)
    ).first()
    return Anchor(last.seq, last.mac) if last else None


def against_anchor(session: Session, report: chain.ChainReport, anchor: Anchor) -> str | None:
    """What is wrong with an intact chain measured against `anchor`, or None when it holds the anchor."""
    if report.count < anchor.seq:
        return (
            f"the newest records were cut off: the anchor names record {anchor.seq}, "
            f"the log ends at record {report.count}"
        )
    mac = session.execute(select(AuditRecord.mac).where(AuditRecord.seq == anchor.seq)).scalar_one()
    if mac != anchor.mac:
        return f"record {anchor.seq} is not the anchored one: the log was rewritten from there or before"
    return None


def send_anchor(session: Session, now: datetime) -> Anchor | None:
    """The day's anchor: the head in a silent message to the admins on Telegram (to the coordinators
    when no admin account is linked to an enrolled phone), then recorded; None when the log is empty
    or today's anchor went already."""
    anchor = head(session)
    # A daily job run again (a restart, a second leader) within the day sends nothing twice.
    today = select(AuditRecord.id).where(
        AuditRecord.action == ANCHORED_ACTION, AuditRecord.at >= now - timedelta(hours=20)
    )
    if anchor is None or session.execute(today.limit(1)).first():
        return None
    message = outbox.Message("admin.audit_anchor", {"anchor": str(anchor)}, disable_notification=True)
    admins = session.scalars(
        select(Inspector)
        .join(WebUser, WebUser.inspector_id == Inspector.id)
        .where(WebUser.role == Role.ADMIN, WebUser.is_active.is_(True), Inspector.telegram_index.is_not(None))
    )
    sent = sum(outbox.send(session, now, admin, message, ref="audit:anchor") for admin in admins)
    if not sent:
        sent = outbox.to_coordinators(session, now, message, ref="audit:anchor")
    record(session, now, "job:anchor", ANCHORED_ACTION, "audit_records", {"seq": anchor.seq, "sent": sent})
    return anchor


def _entries(session: Session, after: int = 0) -> Iterator[chain.ChainEntry]:
    rows = session.execute(
        select(AuditRecord)
        .where(AuditRecord.seq > after)
        .order_by(AuditRecord.seq)
        .execution_options(yield_per=1000)
    ).scalars()
    for row in rows:
        yield chain.ChainEntry(
            row.seq,
            row.at,
            row.actor,
            row.action,
            row.subject,
            json.loads(row.details),
            row.prev_mac,
            row.mac,
        )


def verify(session: Session, keyring: KeyRing | None = None) -> chain.ChainReport:
    """Walk the chain with `keyring`'s MAC key (by default the one in use)."""
    return chain.verify(keyring or current_keyring(), _entries(session))


def walk(session: Session, now: datetime) -> chain.ChainReport:
    """Walk the whole chain from record 1 and set the checkpoint to where it is intact: past the head,
    or just before the first record that does not fit, so that the audit page shows that record."""
    report = verify(session)
    point = session.get(AuditCheckpoint, CHECKPOINT_ID)
    if point is None:
        _first_checkpoint(session, report, now)
    else:
        point.seq, point.mac, point.verified_at, point.walked_at = report.count, report.head_mac, now, now
    return report


CHECKPOINT_ID = 1


@dataclass(frozen=True)
class Checked:
    """The audit page's verification: the chain's report, and which part of it was verified just now."""

    report: chain.ChainReport
    since: int
    """Records 1 to `since` were verified before (by the page or a walk); the ones after, just now."""
    since_at: datetime | None
    """When the checkpoint last moved (None when there was none: every record was verified just now)."""
    walked_at: datetime | None
    """When the chain was last verified from record 1 (`walk`, or the page without a checkpoint)."""


def verify_since_checkpoint(session: Session, now: datetime) -> Checked:
    """Verify the records after the checkpoint, linked to the MAC its record had then (still held by
    that record), and move the checkpoint past them when they are intact.

    A view costs what was appended since the last, not the whole history. A record altered before the
    checkpoint shows at the next `walk` (the daily job, `piket audit verify`), which lowers it."""
    point = session.get(AuditCheckpoint, CHECKPOINT_ID)
    if point is None:
        report = verify(session)
        if report.is_intact and report.count:
            _first_checkpoint(session, report, now)
        return Checked(report, 0, None, None)
    since, since_at, walked_at = point.seq, point.verified_at, point.walked_at
    report = _verify_after(session, point.seq, point.mac)
    if report.is_intact and report.count > since:
        # Moved only from where this view started: a walk that lowered it meanwhile stays lowered.
        session.execute(
            update(AuditCheckpoint)
            .where(AuditCheckpoint.id == CHECKPOINT_ID, AuditCheckpoint.seq == since)
            .values(seq=report.count, mac=report.head_mac, verified_at=now)
            .execution_options(synchronize_session=False)
        )
    return Checked(report, since, since_at, walked_at)


def _verify_after(session: Session, seq: int, mac: str) -> chain.ChainReport:
    """The chain from record `seq` on, which must still hold the MAC `mac` it was verified with."""
    if seq and session.execute(select(AuditRecord.mac).where(AuditRecord.seq == seq)).scalar() != mac:
        return chain.ChainReport(
            0, chain.GENESIS, seq, f"record {seq} is not the one verified before: the log was rewritten"
        )
    return chain.verify(current_keyring(), _entries(session, after=seq), after=seq, after_mac=mac)


def _first_checkpoint(session: Session, report: chain.ChainReport, now: datetime) -> None:
    """The checkpoint's one row, the first time. Two first views at once on PostgreSQL both try: the
    second's insert fails on the id and is dropped, as the first's checkpoint is as good."""
    try:
        with session.begin_nested():
            session.add(
                AuditCheckpoint(
                    id=CHECKPOINT_ID,
                    seq=report.count,
                    mac=report.head_mac,
                    verified_at=now,
                    walked_at=now,
                )
            )
    except IntegrityError:
        pass  # the other view's checkpoint stands (see above)

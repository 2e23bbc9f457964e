"""Binding a burner phone's Telegram account to an inspector, and cutting it off again.

A one-time code is made by the admin, shown once, and stored only as its
SHA-256. It expires after 24 hours and works once. The code has 128 bits of
randomness, so guessing is hopeless; it still is single use, so a code seen
on a screen cannot be replayed. Revocation (a lost phone) works at once and
voids the codes not yet used; a code made after it is the way back: it binds
the new phone, and only that one (the old phone's binding is gone).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session, defer, undefer

from backend.db import read_values, rows_changed
from backend.models import (
    Assignment,
    EnrolmentCode,
    Inspector,
    Offer,
    OfferStatus,
    OutboxMessage,
    OutboxStatus,
)
from backend.services import audit, cover, outbox
from secure_store.types import blind_index

CODE_LIFETIME = timedelta(hours=24)
TELEGRAM_INDEX = "telegram"


class EnrolmentError(Exception):
    """The code cannot be used (unknown, used or expired); the bot says one neutral sentence."""


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def create_code(session: Session, now: datetime, actor: str, inspector_id: int) -> str:
    """A new code for this inspector; the only time it exists in clear is the return value."""
    code = secrets.token_urlsafe(16)
    session.add(
        EnrolmentCode(
            inspector_id=inspector_id,
            code_hash=_hash(code),
            created_by=actor,
            created_at=now,
            expires_at=now + CODE_LIFETIME,
        )
    )
    audit.record(session, now, actor, "enrolment.code_created", f"inspector:{inspector_id}")
    return code


def redeem(session: Session, now: datetime, code: str, telegram_user_id: int) -> Inspector:
    """Bind this Telegram account to the inspector the code was made for."""
    if not code or len(code) > 64:
        raise EnrolmentError("no such code")
    # Only a member still in the team can use a code; a refused code stays unused.
    used = session.execute(
        update(EnrolmentCode)
        .where(
            EnrolmentCode.code_hash == _hash(code),
            EnrolmentCode.used_at.is_(None),
            EnrolmentCode.expires_at > now,
            EnrolmentCode.inspector_id.in_(select(Inspector.id).where(Inspector.is_active.is_(True))),
        )
        .values(used_at=now)
        .returning(EnrolmentCode.inspector_id)
    ).scalar_one_or_none()
    if used is None:
        raise EnrolmentError("unknown, used or expired code, or someone no longer in the team")
    inspector = session.get_one(Inspector, used)
    # Revocation voided every code made before it, so this one was made after: a new phone.
    inspector.revoked_at = None
    index = blind_index(str(telegram_user_id), TELEGRAM_INDEX)
    _unbind_elsewhere(session, index, inspector.id)
    inspector.telegram_id = str(telegram_user_id)
    inspector.telegram_index = index
    session.flush()
    audit.record(session, now, f"inspector:{inspector.id}", "enrolment.bound", f"inspector:{inspector.id}")
    return inspector


def inspector_for(session: Session, telegram_user_id: int) -> Inspector | None:
    """The active, enrolled inspector behind a Telegram account, or None (`_admitted`)."""
    index = blind_index(str(telegram_user_id), TELEGRAM_INDEX)
    found = session.execute(_BY_TELEGRAM_INDEX, {"index": index}).scalar_one_or_none()
    return found if found is not None and _admitted(session, found) else None


_BY_TELEGRAM_INDEX = (
    select(Inspector)
    .where(Inspector.telegram_index == bindparam("index"))
    .options(undefer(Inspector.telegram_id), defer(Inspector.name))
)
"""Built once: every update asks it (building a statement costs more than running it). The full name
stays closed (no tap shows it; it loads if something asks): opening it cost every tap."""


def tapper_for(session: Session, telegram_user_id: int) -> outbox.Addressee | None:
    """`inspector_for` as values (`outbox.Addressee`), for a tap that needs no more (an answer to an
    offer)."""
    index = blind_index(str(telegram_user_id), TELEGRAM_INDEX)
    found = read_values(session, _TAPPER_BY_INDEX, {"index": index}).one_or_none()
    if found is None or not _admitted(session, found):
        return None
    return outbox.Addressee(found.id, found.language, found.revoked_at)


_TAPPER_BY_INDEX = select(
    Inspector.id, Inspector.language, Inspector.telegram_id, Inspector.revoked_at, Inspector.is_active
).where(Inspector.telegram_index == bindparam("index"))


def _admitted(session: Session, found: Any) -> bool:
    """Whether the inspector found by their account is active and was not cut off. Their chat id is
    then opened with them: most taps answer in the chat, and it then needs no query of its own."""
    if found.revoked_at is not None or not found.is_active:
        return False
    outbox.remember_chat_ids(session, {found.id: found.telegram_id})
    return True


@dataclass(frozen=True)
class Revoked:
    """What a revocation did, each counted on its own."""

    offers_withdrawn: int
    """Offers still open (or said yes to, for a call-out not yet staffed) that were withdrawn."""
    deletions: int
    """Messages naming a place or a colleague that the bot will delete from the lost phone."""
    shifts_left: int
    """Shifts still to come (or under way) that lose this person: cover is sought for each."""
    codes_voided: int
    """Enrolment codes made before and not yet used, now void."""


def revoke(session: Session, now: datetime, actor: str, inspector_id: int) -> Revoked:
    """Cut a phone off at once: no more messages, open offers withdrawn, sensitive messages deleted,
    every shift still to come handed on for cover; a new enrolment code links a new phone.

    Telegram lets a bot delete its own messages for 48 hours; older ones stay on
    the phone, which is why the location is deleted after every shift anyway.
    """
    inspector = session.get_one(Inspector, inspector_id)
    inspector.revoked_at = now
    inspector.telegram_index = None
    withdrawn = rows_changed(
        session,
        update(Offer)
        .where(
            Offer.inspector_id == inspector_id,
            Offer.status.in_((OfferStatus.PENDING, OfferStatus.ACCEPTED, OfferStatus.STANDBY)),
            Offer.shift_id.not_in(select(Assignment.shift_id).where(Assignment.inspector_id == inspector_id)),
        )
        .values(status=OfferStatus.WITHDRAWN, answered_at=now, version=Offer.version + 1),
    )
    # Their own yes on a shift they are on (a staffed call-out) goes too, without counting as an
    # open offer: that shift is handed on for cover below.
    session.execute(
        update(Offer)
        .where(Offer.inspector_id == inspector_id, Offer.status == OfferStatus.ACCEPTED)
        .values(status=OfferStatus.WITHDRAWN, version=Offer.version + 1)
    )
    voided = rows_changed(
        session,
        update(EnrolmentCode)
        .where(
            EnrolmentCode.inspector_id == inspector_id,
            EnrolmentCode.used_at.is_(None),
            EnrolmentCode.expires_at > now,
        )
        .values(expires_at=now),
    )
    refs = sensitive_refs(session, inspector_id)
    for ref in refs:
        outbox.delete(session, now, inspector, ref)
    shifts_left = cover.drop_out(session, now, inspector)
    result = Revoked(withdrawn, len(refs), shifts_left, voided)
    audit.record(
        session,
        now,
        actor,
        "enrolment.revoked",
        f"inspector:{inspector_id}",
        {"withdrawn": withdrawn, "deletions": len(refs), "shifts": shifts_left, "codes_voided": voided},
    )
    return result


def sensitive_refs(session: Session, inspector_id: int) -> list[str]:
    """Refs of messages sent to this inspector that name a place or a colleague."""
    rows = session.execute(
        select(OutboxMessage.ref).where(
            OutboxMessage.inspector_id == inspector_id,
            OutboxMessage.method == outbox.SEND,
            OutboxMessage.status == OutboxStatus.SENT,
            OutboxMessage.ref.is_not(None),
        )
    ).scalars()
    return sorted({ref for ref in rows if ref is not None and ref.startswith(SENSITIVE_PREFIXES)})


SENSITIVE_PREFIXES = (
    "confirm:",
    "location:",
    "offer:",
    "control:",
    "hours:",
    "report:",
    "escalation:",
    "safety:",
    "safety_start:",
    "risk:",
)
"""Messages sent under these refs name a municipality, a place or a colleague."""


def _unbind_elsewhere(session: Session, index: str, keep_id: int) -> None:
    """One Telegram account belongs to one inspector: a re-enrolled phone leaves its old binding."""
    session.execute(
        update(Inspector)
        .where(Inspector.telegram_index == index, Inspector.id != keep_id)
        .values(telegram_index=None, telegram_id=None)
    )

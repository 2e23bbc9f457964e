"""Appending to the chained audit log and verifying it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from backend.models import AuditRecord
from secure_store import chain, current_keyring

# Any constant will do; it only has to be the same in every process of a deployment.
AUDIT_LOCK_ID = 7_243_110_001


def record(session: Session, at: datetime, actor: str, action: str, subject: str,
           details: dict[str, Any] | None = None) -> AuditRecord:
    """Append one record to the chain. Details must hold ids and counts only.

    Appends are serialised so that two transactions never link to the same
    predecessor: PostgreSQL takes a transaction-scoped advisory lock, SQLite
    already holds its write lock since BEGIN IMMEDIATE.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": AUDIT_LOCK_ID})
    last = session.execute(
        select(AuditRecord.seq, AuditRecord.mac).order_by(AuditRecord.seq.desc()).limit(1)
    ).first()
    seq, prev_mac = (last.seq + 1, last.mac) if last else (1, chain.GENESIS)
    details = details or {}
    mac = chain.seal(current_keyring(), seq, at, actor, action, subject, details, prev_mac)
    entry = AuditRecord(seq=seq, at=at, actor=actor, action=action, subject=subject,
                        details=json.dumps(details, sort_keys=True), prev_mac=prev_mac, mac=mac)
    session.add(entry)
    session.flush()
    return entry


def _entries(session: Session) -> Iterator[chain.ChainEntry]:
    rows = session.execute(select(AuditRecord).order_by(AuditRecord.seq).execution_options(
        yield_per=1000)).scalars()
    for row in rows:
        yield chain.ChainEntry(row.seq, row.at, row.actor, row.action, row.subject,
                               json.loads(row.details), row.prev_mac, row.mac)


def verify(session: Session) -> chain.ChainReport:
    return chain.verify(current_keyring(), _entries(session))

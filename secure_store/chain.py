"""The hash chain behind the audit log: each record's MAC covers its content and its predecessor's MAC.

The MAC is keyed (HMAC-SHA256 with a key derived from the key ring), so someone
who can write to the database but does not hold the keys cannot recompute the
chain after altering a record. Truncating the newest records is not visible from
the chain alone; `verify` reports the head so it can be compared with an earlier
reading.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from secure_store.keyring import KeyRing

GENESIS = "0" * 64


@dataclass(frozen=True)
class ChainEntry:
    seq: int
    at: datetime
    actor: str
    action: str
    subject: str
    details: dict[str, Any]
    prev_mac: str
    mac: str


@dataclass(frozen=True)
class ChainReport:
    count: int
    head_mac: str
    broken_seq: int | None = None
    problem: str | None = None

    @property
    def is_intact(self) -> bool:
        return self.broken_seq is None


def canonical(
    seq: int, at: datetime, actor: str, action: str, subject: str, details: dict[str, Any], prev_mac: str
) -> bytes:
    body = {
        "seq": seq,
        "at": at.isoformat(timespec="microseconds"),
        "actor": actor,
        "action": action,
        "subject": subject,
        "details": details,
        "prev": prev_mac,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def seal(
    keyring: KeyRing,
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    subject: str,
    details: dict[str, Any],
    prev_mac: str,
) -> str:
    return keyring.audit_mac(canonical(seq, at, actor, action, subject, details, prev_mac))


def verify(
    keyring: KeyRing, entries: Iterable[ChainEntry], after: int = 0, after_mac: str = GENESIS
) -> ChainReport:
    """Walk the chain in sequence order and name the first record that does not fit. `entries` start
    after record `after`, known intact with MAC `after_mac` (from the start, by default)."""
    expected_seq, prev_mac, count = after + 1, after_mac, after
    for entry in entries:
        if entry.seq != expected_seq:
            return ChainReport(
                count,
                prev_mac,
                entry.seq,
                f"record {entry.seq} follows record {expected_seq - 1}: record {expected_seq} is missing",
            )
        if entry.prev_mac != prev_mac:
            return ChainReport(
                count, prev_mac, entry.seq, f"record {entry.seq} does not link to the record before it"
            )
        mac = seal(
            keyring,
            entry.seq,
            entry.at,
            entry.actor,
            entry.action,
            entry.subject,
            entry.details,
            entry.prev_mac,
        )
        if mac != entry.mac:
            return ChainReport(
                count,
                prev_mac,
                entry.seq,
                f"record {entry.seq} was altered: its content does not match its MAC",
            )
        expected_seq, prev_mac, count = entry.seq + 1, entry.mac, count + 1
    return ChainReport(count, prev_mac)

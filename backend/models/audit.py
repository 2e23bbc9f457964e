"""The audit log: who did what to which subject, chained so that tampering shows."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backend.models.base import Base


class AuditRecord(Base):
    """One recorded action. Details hold ids and counts, never names or places."""

    __tablename__ = "audit_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(unique=True, doc="Position in the chain, from 1.")
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(64), doc="web:coordinator, bot:inspector:7, cli, job.")
    action: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(64), doc="inspector:7, callout:3, keyring, ...")
    details: Mapped[str] = mapped_column(Text, doc="Canonical JSON, nothing sensitive.")
    prev_mac: Mapped[str] = mapped_column(String(64))
    mac: Mapped[str] = mapped_column(String(64))


class AuditCheckpoint(Base):
    """How far the chain is known to be intact, so that the audit page verifies only the records since.

    One row. The page moves it forward past the records it verified; the daily walk from record 1
    sets it to where that walk found the chain intact, lowering it before a record altered since.
    """

    __tablename__ = "audit_checkpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(doc="Records 1 to seq were found intact.")
    mac: Mapped[str] = mapped_column(String(64), doc="Record seq's MAC, which the next record must link to.")
    verified_at: Mapped[datetime] = mapped_column(doc="When the checkpoint last moved.")
    walked_at: Mapped[datetime] = mapped_column(doc="When the chain was last verified from record 1.")

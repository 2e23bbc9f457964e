"""The Telegram outbox and the update ids already handled."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.models.base import Base, OutboxStatus, created_at_column, text_enum
from secure_store.types import EncryptedText


class OutboxMessage(Base):
    """A Bot API call written in the same transaction as the change that causes it."""

    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_due", "status", "not_before_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[str] = mapped_column(
        EncryptedText("outbox_messages.chat_id"), doc="The Telegram chat it goes to (sealed)."
    )
    inspector_id: Mapped[int | None] = mapped_column(ForeignKey("inspectors.id"), index=True)
    method: Mapped[str] = mapped_column(String(40), doc="sendMessage, editMessageText, ...")
    payload: Mapped[str] = mapped_column(
        EncryptedText("outbox_messages.payload"), doc="The call's JSON parameters (sealed)."
    )
    ref: Mapped[str | None] = mapped_column(
        String(64), index=True, doc="What it is about (offer:12), to edit it later."
    )
    status: Mapped[OutboxStatus] = mapped_column(
        text_enum(OutboxStatus, "outbox_status"), default=OutboxStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    not_before_at: Mapped[datetime] = mapped_column(doc="Earliest send (RetryAfter, scheduling).")
    created_at: Mapped[datetime] = created_at_column()
    sent_at: Mapped[datetime | None]
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger)
    error: Mapped[str | None] = mapped_column(String(200), doc="Last error, without content.")


class ProcessedUpdate(Base):
    """A Telegram update_id already handled, so a redelivery changes nothing."""

    __tablename__ = "processed_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    processed_at: Mapped[datetime]
    answer: Mapped[str | None] = mapped_column(
        String(300),
        doc="A tap's answer as JSON [language, template key, parameters] (no personal data), "
        "given again if the tap is redelivered.",
    )

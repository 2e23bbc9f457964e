"""Shifts and who works them; call-outs and the offers they send; administrative reports."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.models.base import (
    AssignmentStatus,
    Base,
    CalloutSource,
    CalloutStatus,
    OfferStatus,
    ReportStatus,
    ShiftChangeKind,
    ShiftKind,
    ShiftStatus,
    created_at_column,
    text_enum,
)
from secure_store.types import EncryptedText


class Shift(Base):
    """A stretch of work for one municipality: a control day, a call-out or coordination."""

    __tablename__ = "shifts"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("planned_break_minutes >= 0", name="break_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ShiftKind] = mapped_column(text_enum(ShiftKind, "shift_kind"))
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime]
    planned_break_minutes: Mapped[int] = mapped_column(default=60)
    status: Mapped[ShiftStatus] = mapped_column(
        text_enum(ShiftStatus, "shift_status"), default=ShiftStatus.PLANNED
    )
    is_with_police: Mapped[bool] = mapped_column(default=True, doc="Joint control with TMM.")
    version: Mapped[int] = mapped_column(default=1, doc="Compare-and-set counter.")
    created_at: Mapped[datetime] = created_at_column()

    assignments: Mapped[list[Assignment]] = relationship(back_populates="shift")


class ShiftChange(Base):
    """A control day moved or cancelled, or a call-out cancelled: the times before, who, when and why.
    The shift itself holds what is now; these rows are its history."""

    __tablename__ = "shift_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    shift_id: Mapped[int] = mapped_column(ForeignKey("shifts.id"), index=True)
    kind: Mapped[ShiftChangeKind] = mapped_column(text_enum(ShiftChangeKind, "shift_change_kind"))
    old_starts_at: Mapped[datetime] = mapped_column(doc="The start before the change.")
    old_ends_at: Mapped[datetime]
    new_starts_at: Mapped[datetime | None] = mapped_column(doc="The new start of a moved day.")
    new_ends_at: Mapped[datetime | None]
    reason: Mapped[str | None] = mapped_column(
        EncryptedText("shift_changes.reason"),
        doc="Why, as the coordinator wrote it (sealed; about the control, never a person); purged later.",
    )
    changed_by: Mapped[str] = mapped_column(String(64))
    changed_at: Mapped[datetime]


class Assignment(Base):
    """An inspector on a shift."""

    __tablename__ = "assignments"
    __table_args__ = (UniqueConstraint("shift_id", "inspector_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shift_id: Mapped[int] = mapped_column(ForeignKey("shifts.id"), index=True)
    inspector_id: Mapped[int] = mapped_column(ForeignKey("inspectors.id"), index=True)
    status: Mapped[AssignmentStatus] = mapped_column(
        text_enum(AssignmentStatus, "assignment_status"), default=AssignmentStatus.PROPOSED
    )
    is_report_writer: Mapped[bool] = mapped_column(default=False)
    confirmed_at: Mapped[datetime | None]
    asked_at: Mapped[datetime | None] = mapped_column(doc="When the bot asked to confirm the day.")
    day_reminder_at: Mapped[datetime | None] = mapped_column(doc="When the day-before reminder went.")
    morning_reminder_at: Mapped[datetime | None] = mapped_column(doc="When the morning reminder went.")
    hours_asked_at: Mapped[datetime | None] = mapped_column(doc="When the bot asked for the hours.")
    version: Mapped[int] = mapped_column(default=1, doc="Compare-and-set counter.")
    created_at: Mapped[datetime] = created_at_column()

    shift: Mapped[Shift] = relationship(back_populates="assignments")


class Callout(Base):
    """An ad-hoc control: why (source), where (sealed, expires) and its shift."""

    __tablename__ = "callouts"
    __table_args__ = (
        # The board reads the open call-outs and those of the last day every few seconds: both by
        # index, not by reading every call-out ever made.
        Index("ix_callouts_created_at", "created_at"),
        Index(
            "ix_callouts_open",
            "id",
            postgresql_where=text("status = 'open'"),
            sqlite_where=text("status = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shift_id: Mapped[int] = mapped_column(ForeignKey("shifts.id"), unique=True)
    source: Mapped[CalloutSource] = mapped_column(text_enum(CalloutSource, "callout_source"))
    location: Mapped[str | None] = mapped_column(
        EncryptedText("callouts.location"), doc="Address of the premises (sealed); purged later."
    )
    notes: Mapped[str | None] = mapped_column(
        EncryptedText("callouts.notes"),
        doc="Operational notes about premises, never about people (sealed); purged later.",
    )
    status: Mapped[CalloutStatus] = mapped_column(
        text_enum(CalloutStatus, "callout_status"), default=CalloutStatus.OPEN
    )
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = created_at_column()
    filled_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None] = mapped_column(doc="Cancelled or given up.")
    details_purged_at: Mapped[datetime | None] = mapped_column(
        doc="When location and notes were erased by retention."
    )
    escalated_at: Mapped[datetime | None] = mapped_column(
        doc="When the coordinator was alerted that it is still open."
    )
    widened_at: Mapped[datetime | None] = mapped_column(
        doc="When the coordinator offered it to everyone designated, mixed-gender no longer preferred."
    )
    version: Mapped[int] = mapped_column(default=1, doc="Compare-and-set counter.")


class Offer(Base):
    """A question to one inspector: will you take this shift (a call-out, or cover)?"""

    __tablename__ = "offers"
    __table_args__ = (UniqueConstraint("shift_id", "inspector_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shift_id: Mapped[int] = mapped_column(ForeignKey("shifts.id"), index=True)
    inspector_id: Mapped[int] = mapped_column(ForeignKey("inspectors.id"), index=True)
    status: Mapped[OfferStatus] = mapped_column(
        text_enum(OfferStatus, "offer_status"), default=OfferStatus.PENDING
    )
    is_cover: Mapped[bool] = mapped_column(default=False, doc="Covers a colleague who dropped out.")
    sent_at: Mapped[datetime]
    reminded_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1, doc="Compare-and-set counter.")


class Report(Base):
    """The administrative report of a control: written by one inspector, reviewed by the coordinator."""

    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    shift_id: Mapped[int] = mapped_column(ForeignKey("shifts.id"), unique=True)
    writer_id: Mapped[int] = mapped_column(ForeignKey("inspectors.id"), index=True)
    status: Mapped[ReportStatus] = mapped_column(
        text_enum(ReportStatus, "report_status"), default=ReportStatus.PENDING
    )
    written_at: Mapped[datetime | None]
    reviewed_at: Mapped[datetime | None]
    reviewed_by: Mapped[str | None] = mapped_column(String(64))
    returned_at: Mapped[datetime | None] = mapped_column(
        doc="Last sent back to the writer (the remark went to the writer only, in the bot)."
    )
    returned_by: Mapped[str | None] = mapped_column(String(64))
    handed_over_on: Mapped[date | None] = mapped_column(
        doc="The day it was handed to the municipality that does the legal follow-up."
    )
    handed_over_to_id: Mapped[int | None] = mapped_column(
        ForeignKey("municipalities.id"), doc="The municipality where the finding was made."
    )
    handed_over_by: Mapped[str | None] = mapped_column(String(64))

"""The hour ledger: append-only entries, their approvals, and locked periods.

A correction is a reversal (the same minutes negated, pointing at the entry it
reverses) plus a new entry (pointing at the entry it replaces), so every total is
a plain sum and nothing is ever updated; database triggers refuse UPDATE and
DELETE on these tables.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, func, text
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.models.base import Base, HourCategory, text_enum
from secure_store.types import EncryptedText

BAND_COLUMNS = (
    "plain_minutes",
    "weekday_20_minutes",
    "weekday_40_minutes",
    "saturday_minutes",
    "sunday_holiday_minutes",
)


class HourEntry(Base):
    """Worked or report-writing time of one inspector, with its minutes per allowance band."""

    __tablename__ = "hour_entries"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint(
            "worked_minutes = plain_minutes + weekday_20_minutes + weekday_40_minutes"
            " + saturday_minutes + sunday_holiday_minutes",
            name="bands_add_up",
        ),
        # Periods, locks and exports select and order by this expression (see counts_at).
        Index("ix_hour_entries_counted_at", text("coalesce(booked_at, starts_at)"), "id"),
        # The few entries with a (sealed) reason, for the key page to count without reading all.
        Index(
            "ix_hour_entries_with_reason",
            "id",
            postgresql_where=text("reason IS NOT NULL"),
            sqlite_where=text("reason IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    inspector_id: Mapped[int] = mapped_column(ForeignKey("inspectors.id"), index=True)
    shift_id: Mapped[int | None] = mapped_column(ForeignKey("shifts.id"), index=True)
    municipality_id: Mapped[int] = mapped_column(
        ForeignKey("municipalities.id"), index=True, doc="Where the work was done (or for whom)."
    )
    category: Mapped[HourCategory] = mapped_column(text_enum(HourCategory, "hour_category"))
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime]
    break_minutes: Mapped[int] = mapped_column(
        doc="Unpaid break, the sum of `breaks`; negative on a reversal."
    )
    worked_minutes: Mapped[int] = mapped_column(doc="Paid minutes; negative on a reversal.")
    plain_minutes: Mapped[int] = mapped_column(doc="Minutes outside every allowance band.")
    weekday_20_minutes: Mapped[int]
    weekday_40_minutes: Mapped[int]
    saturday_minutes: Mapped[int]
    sunday_holiday_minutes: Mapped[int] = mapped_column(doc="Sundays and public holidays.")
    reverses_id: Mapped[int | None] = mapped_column(
        ForeignKey("hour_entries.id"), unique=True, doc="The entry this one cancels out."
    )
    replaces_id: Mapped[int | None] = mapped_column(
        ForeignKey("hour_entries.id"),
        index=True,
        unique=True,
        doc="The earlier version this correction replaces: an unapproved one is approved "
        "together with it (and its reversal), so the pair never counts half.",
    )
    reason: Mapped[str | None] = mapped_column(
        EncryptedText("hour_entries.reason"),
        doc="Why a correction was made (sealed: free text may name people); erased by retention.",
    )
    booked_at: Mapped[datetime | None] = mapped_column(
        doc="Set on a correction of a closed period: it counts (and is exported) in the period of this "
        "instant, visibly, instead of at its work time."
    )
    entered_by: Mapped[str] = mapped_column(String(64))
    entered_at: Mapped[datetime]
    breaks: Mapped[list[HourBreak]] = relationship(
        order_by="HourBreak.starts_at",
        lazy="selectin",
        doc="Where the unpaid breaks were taken (none on a reversal: it cancels its entry's).",
    )

    @hybrid_property
    def counts_at(self) -> datetime:
        """The instant the entry counts at for periods, locks and exports: its booking, else its work
        (in SQL too: `coalesce(booked_at, starts_at)`, which is indexed)."""
        return self.booked_at or self.starts_at

    @counts_at.inplace.expression
    @classmethod
    def _counts_at_expression(cls) -> Any:
        return func.coalesce(cls.booked_at, cls.starts_at)


class HourBreak(Base):
    """One unpaid break of an entry, as the interval it was taken: where a break falls decides the
    allowance (an hour off at 16:00 keeps an hour at 20% that an hour off at 18:00 does not)."""

    __tablename__ = "hour_breaks"
    __table_args__ = (CheckConstraint("ends_at > starts_at", name="ends_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("hour_entries.id"), index=True)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]


class HourApproval(Base):
    """The coordinator's approval of one entry; after it only a reversal can change the hours."""

    __tablename__ = "hour_approvals"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("hour_entries.id"), unique=True)
    approved_by: Mapped[str] = mapped_column(String(64))
    approved_at: Mapped[datetime]


class PeriodLock(Base):
    """A closed period (usually a month): no entry dated inside it may be added or reversed."""

    __tablename__ = "period_locks"
    __table_args__ = (CheckConstraint("period_end >= period_start", name="valid_period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period_start: Mapped[date] = mapped_column(unique=True)
    period_end: Mapped[date] = mapped_column(doc="Last day of the period, inclusive.")
    locked_by: Mapped[str] = mapped_column(String(64))
    locked_at: Mapped[datetime]
    exported_at: Mapped[datetime | None]

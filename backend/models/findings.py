"""What a control found, as counts: who went along, and per visited address only its outcome.

No person and no address is kept here. An address's outcome is a numbered line of its control;
the repeat warning keeps only a keyed hash of the normalised address (`ControlledAddress`), which
retention erases after the team's period (`RegionSettings.repeat_warning_months`).
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.models.base import Base, created_at_column, text_enum


class Outcome(enum.StrEnum):
    """What a visit to one address came to."""

    NOBODY_PRESENT = "nobody_present"
    NO_VIOLATION = "no_violation"
    VIOLATION = "violation"


class ControlRecord(Base):
    """A control after the fact: with the police or administrative only, the partners who joined,
    and its addresses. One per control day or call-out; recording again replaces it."""

    __tablename__ = "control_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    shift_id: Mapped[int] = mapped_column(ForeignKey("shifts.id"), unique=True)
    is_with_police: Mapped[bool] = mapped_column(doc="Joint with the police (TMM); else administrative only.")
    partners: Mapped[list[Any]] = mapped_column(
        JSON, doc="Names of the profile's organisations that joined; organisations, never people."
    )
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = created_at_column()

    addresses: Mapped[list[AddressFinding]] = relationship(
        back_populates="record", order_by="AddressFinding.number", cascade="all, delete-orphan"
    )


class AddressFinding(Base):
    """One visited address of a control, by number: its outcome and what followed. Not the address."""

    __tablename__ = "address_findings"
    __table_args__ = (
        UniqueConstraint("record_id", "number"),
        CheckConstraint("number >= 1", name="number_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("control_records.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(doc="1, 2, ... within the control.")
    municipality_id: Mapped[int] = mapped_column(
        ForeignKey("municipalities.id"),
        index=True,
        doc="Where the address lies; it does the legal follow-up of a violation.",
    )
    outcome: Mapped[Outcome] = mapped_column(text_enum(Outcome, "finding_outcome"))
    police_signal_at: Mapped[datetime | None] = mapped_column(
        doc="When a signal of human trafficking was passed to the police; None if there was none."
    )
    is_care_offered: Mapped[bool] = mapped_column(default=False, doc="A referral to care was offered.")

    record: Mapped[ControlRecord] = relationship(back_populates="addresses")


class ControlledAddress(Base):
    """That some address was controlled on a day: a keyed hash of it, never the address itself."""

    __tablename__ = "controlled_addresses"

    id: Mapped[int] = mapped_column(primary_key=True)
    address_mark: Mapped[str] = mapped_column(
        String(64), index=True, doc="HMAC of the normalised address with its own key (KeyRing.address_mark)."
    )
    shift_id: Mapped[int] = mapped_column(ForeignKey("shifts.id"), index=True)
    controlled_on: Mapped[date] = mapped_column(doc="The control's local day; erased some months later.")
    created_at: Mapped[datetime] = created_at_column()

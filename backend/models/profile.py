"""The team's knobs with their history: the plan and the budget per year, the allowance (ORT) tables
with their validity ranges, and the organisations that join controls. Public figures, nothing personal.

They are loaded from and dumped to the team's profile file (`piket profile`); every row keeps the
source of its figures. Amounts with more than cents (rates, percentages) are kept as exact decimal
text: they are multiplied before anything is rounded.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.models.base import Base

DECIMAL = String(24)


class PlanYear(Base):
    """What the team plans to do in one year."""

    __tablename__ = "plan_years"
    __table_args__ = (
        UniqueConstraint("region_id", "year"),
        CheckConstraint("callouts <= controls", name="callouts_within_controls"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    year: Mapped[int]
    controls: Mapped[int] = mapped_column(doc="Controls (addresses) in the year, call-outs included.")
    callouts: Mapped[int] = mapped_column(doc="Of those, ad-hoc call-outs.")
    control_day_hours: Mapped[str] = mapped_column(DECIMAL, doc="Hours an inspector works a control day.")
    callout_hours: Mapped[str] = mapped_column(DECIMAL, doc="Hours an inspector works a call-out.")
    report_hours: Mapped[str] = mapped_column(DECIMAL, doc="Hours to write the report of a control.")
    coordinator_hours: Mapped[int] = mapped_column(doc="The coordinator's hours in the year.")
    fte: Mapped[str] = mapped_column(DECIMAL, doc="The plan's fte for its hours (shares are shown in fte).")
    controls_per_month: Mapped[int | None] = mapped_column(doc="For a team on a monthly cadence.")
    locations_per_control_day: Mapped[int | None] = mapped_column(doc="About how many a day covers.")
    sources: Mapped[dict[str, Any]] = mapped_column(JSON, doc="{'source': ..., 'sources': {figure: ...}}.")


class BudgetYear(Base):
    """The budget of one year: lines of hours at all-in rates, and fixed costs."""

    __tablename__ = "budget_years"
    __table_args__ = (
        UniqueConstraint("region_id", "year"),
        CheckConstraint("fixed_cents >= 0", name="fixed_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    year: Mapped[int]
    fixed_cents: Mapped[int] = mapped_column(doc="Equipment, training and the like, a year.")
    sources: Mapped[dict[str, Any]] = mapped_column(JSON, doc="{'source': ..., 'sources': {figure: ...}}.")

    lines: Mapped[list[BudgetLineRow]] = relationship(
        back_populates="budget", order_by="BudgetLineRow.position", cascade="all, delete-orphan"
    )


class BudgetLineRow(Base):
    """One line of a year's budget: hours of one category at an all-in rate, ORT share and overhead."""

    __tablename__ = "budget_lines"
    __table_args__ = (
        UniqueConstraint("budget_year_id", "category"),
        CheckConstraint("hours >= 0", name="hours_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    budget_year_id: Mapped[int] = mapped_column(ForeignKey("budget_years.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(doc="Order in which the budget shows its lines.")
    category: Mapped[str] = mapped_column(String(16), doc="control, callout, report or coordination.")
    hours: Mapped[int]
    rate: Mapped[str] = mapped_column(DECIMAL, doc="All-in euros an hour for the scale and step.")
    flat_ort: Mapped[str] = mapped_column(DECIMAL, doc="Percent of salary budgeted as the allowance.")
    overhead_per_hour: Mapped[str] = mapped_column(DECIMAL, doc="Internal overhead in euros an hour.")
    sources: Mapped[dict[str, Any]] = mapped_column(JSON, doc="{'source': ..., 'sources': {figure: ...}}.")

    budget: Mapped[BudgetYear] = relationship(back_populates="lines")


class OrtTableRow(Base):
    """One version of the allowance rules, valid from a day until a day (both included).

    Never open-ended: the next agreement may pay differently, so hours after the last table's range are
    refused until finance adds the next table."""

    __tablename__ = "ort_tables"
    __table_args__ = (
        UniqueConstraint("region_id", "valid_from"),
        CheckConstraint("valid_until >= valid_from", name="valid_period"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    valid_from: Mapped[date]
    valid_until: Mapped[date]
    weekday_windows: Mapped[list[Any]] = mapped_column(
        JSON, doc="Monday to Friday: [from 'HH:MM', until 'HH:MM' ('24:00' is midnight), band]."
    )
    percentages: Mapped[dict[str, Any]] = mapped_column(JSON, doc="Band to percent, as decimal text.")
    exempt_stretch_minutes: Mapped[int] = mapped_column(
        doc="A week whose only irregular work is one stretch of at most this long earns nothing."
    )
    sources: Mapped[dict[str, Any]] = mapped_column(JSON, doc="{'source': ..., 'sources': {figure: ...}}.")


class JoiningOrganisation(Base):
    """An organisation that joins controls (the police, a care organisation), by name only."""

    __tablename__ = "joining_organisations"
    __table_args__ = (UniqueConstraint("region_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    name: Mapped[str] = mapped_column(String(120), doc="The organisation; never a person.")
    joins: Mapped[str] = mapped_column(String(200), doc="When it joins (every control, once a month).")
    sources: Mapped[dict[str, Any]] = mapped_column(JSON, doc="{'source': ..., 'sources': {figure: ...}}.")

"""The region and its municipalities: public facts, nothing personal."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.models.base import Base, Contribution, text_enum


class Region(Base):
    """A team of pooled inspectors (the Fryslân RTS is one)."""

    __tablename__ = "regions"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True, doc="Public name of the team.")
    timezone: Mapped[str] = mapped_column(
        String(64), default="Europe/Amsterdam", doc="Zone in which the rules of time are evaluated."
    )
    holiday_rule: Mapped[dict[str, Any] | None] = mapped_column(
        JSON, doc="Which days count as public holidays: country, categories, excluded names (profile)."
    )
    sources: Mapped[dict[str, Any] | None] = mapped_column(
        JSON, doc="Where the region's figures come from: {'region': {...}, 'holidays': {...}} (profile)."
    )
    proposal_rule: Mapped[dict[str, Any] | None] = mapped_column(
        JSON,
        doc="How much proposals prefer expertise: expertise (decimal text), experienced_after_days "
        "(profile); None spreads hours only.",
    )
    callout_sources: Mapped[list[str] | None] = mapped_column(
        JSON,
        doc="The sources the team's call-outs may have, in the order offered (profile); None: "
        "the default three.",
    )


class Municipality(Base):
    """A municipality of the region, whether or not it takes part."""

    __tablename__ = "municipalities"
    __table_args__ = (
        CheckConstraint("population >= 0", name="population_not_negative"),
        CheckConstraint("pledged_minutes >= 0", name="pledge_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    population: Mapped[int] = mapped_column(doc="Inhabitants on population_date; sets the shares.")
    population_date: Mapped[date] = mapped_column(doc="Reference date of the population (1 Jan).")
    is_participating: Mapped[bool] = mapped_column(default=False)
    is_coordinating: Mapped[bool] = mapped_column(
        default=False, doc="Employs the coordinator and settles with the others (one per region)."
    )
    contribution: Mapped[Contribution] = mapped_column(
        text_enum(Contribution, "contribution"),
        default=Contribution.MONEY,
        doc="Whether it contributes inspector hours or money.",
    )
    pledged_minutes: Mapped[int] = mapped_column(
        default=0, doc="Inspector time pledged a year, in minutes (at least 100 h if in hours)."
    )
    taking_part_from: Mapped[date | None] = mapped_column(doc="First day it takes part, if it does.")
    taking_part_until: Mapped[date | None] = mapped_column(doc="Last day it takes part; None while it does.")
    money_cap_cents: Mapped[int | None] = mapped_column(
        doc="The most it pays a year when it contributes money (a promise such as Beverwijk's)."
    )
    cap_shortfall: Mapped[str | None] = mapped_column(
        String(16), doc="Who bears what the cap leaves unpaid: 'others' by population, or 'coordinator'."
    )
    sources: Mapped[dict[str, Any] | None] = mapped_column(
        JSON, doc="Where its figures come from: {'source': ..., 'sources': {figure: ...}} (profile)."
    )


class RegionSettings(Base):
    """The team's settings that are not figures of a year (profile, `[region]`); none: the defaults."""

    __tablename__ = "region_settings"
    __table_args__ = (
        UniqueConstraint("region_id"),
        CheckConstraint("repeat_warning_months >= 1", name="warning_period_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    repeat_warning_months: Mapped[int] = mapped_column(
        doc="How long a controlled address is remembered (as a hash) to warn of a second control."
    )
    checkout_alert_minutes: Mapped[int] = mapped_column(
        default=30,
        server_default="30",
        doc='How long after a shift\'s planned end a missing "Veilig klaar" alerts the coordinator.',
    )
    coordinator_alert_minutes: Mapped[int] = mapped_column(
        default=10,
        server_default="10",
        doc="How long the coordinator has to take an alert before the back-up.",
    )
    backup_alert_minutes: Mapped[int] = mapped_column(
        default=10,
        server_default="10",
        doc="How long the back-up has before every coordinator and admin is told at once.",
    )
    statement_terms: Mapped[dict[str, Any] | None] = mapped_column(
        JSON,
        doc="What statements print besides the coordinating municipality: issuer_department, iban, "
        "payment_days (profile, [statement]); None: the defaults.",
    )

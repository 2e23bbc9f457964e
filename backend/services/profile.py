"""The team's profile in the database: load it from the file (after showing the differences), dump it
back, and hand the rules their figures (budget, plan, ORT tables, holidays) for a year.

Loading is one audited change: the region, its municipalities (matched by name), the plan and budget
per year, the ORT tables (by the day they take effect) and the joining organisations become exactly
what the file says. A municipality is never removed by a profile: inspectors and hours point at it;
the file ends its participation instead (`taking_part_until`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, fields
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any, TypedDict

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from backend.models import (
    BudgetLineRow,
    BudgetYear,
    Callout,
    CalloutSource,
    Contribution,
    HourEntry,
    JoiningOrganisation,
    Municipality,
    OrtTableRow,
    PlanYear,
    Region,
    RegionSettings,
    Shift,
)
from backend.profile_file import (
    BACKUP_ALERT_MINUTES,
    CHECKOUT_ALERT_MINUTES,
    COORDINATOR_ALERT_MINUTES,
    DEFAULT_SOURCES,
    REPEAT_WARNING_MONTHS,
    BudgetData,
    BudgetLineData,
    HolidayData,
    MunicipalityData,
    OrganisationData,
    OrtTableData,
    PlanData,
    Profile,
    ProposalData,
    RegionData,
    StatementData,
)
from backend.services import audit
from backend.services.errors import N_, NotFound, Refused
from scheduling.calendar import HolidayRule, PublicHolidays
from scheduling.money import Budget
from scheduling.ort import BandTable
from scheduling.pairing import Preference

NOT_RECORDED = "entered in piket; source not recorded"
"""The source a dump gives a figure that was entered before profiles kept sources."""


@dataclass(frozen=True)
class Change:
    """One difference between the database and a profile: added (+), removed (-) or changed (~)."""

    sign: str
    record: str
    details: tuple[str, ...] = ()

    def __str__(self) -> str:
        return f"{self.sign} {self.record}" + "".join(f"\n    {d}" for d in self.details)


# -- reading the database --------------------------------------------------------------


def the_region(session: Session) -> Region | None:
    regions = list(session.execute(select(Region).order_by(Region.id).limit(2)).scalars())
    if len(regions) > 1:
        raise Refused("this database holds more than one region; a profile describes one", field="region")
    return regions[0] if regions else None


def callout_sources(session: Session) -> list[CalloutSource]:
    """The sources the team's call-outs may have, in the order offered: its profile's, else the
    default three."""
    region = the_region(session)
    listed = (region.callout_sources if region is not None else None) or DEFAULT_SOURCES
    return [CalloutSource(s) for s in listed]


def current_profile(session: Session) -> Profile | None:
    """What the database holds, as a profile (None before any region exists)."""
    region = the_region(session)
    if region is None:
        return None
    members = list(session.execute(select(Municipality).order_by(Municipality.id)).scalars())
    coordinating = next((m.name for m in members if m.is_coordinating), None)
    return Profile(
        region=RegionData(
            region.name,
            region.timezone,
            coordinating,
            **_sourced((region.sources or {}).get("region")),
            callout_sources=tuple(region.callout_sources or DEFAULT_SOURCES),
            **_region_knobs(_settings(session, region)),
        ),
        holidays=_holidays(region),
        municipalities=tuple(_municipality(m) for m in members),
        plans=_plans(session, region),
        budgets=tuple(_budget(b) for b in _rows(session, BudgetYear, region, BudgetYear.year)),
        ort_tables=_ort_tables(session, region),
        organisations=tuple(
            _organisation(o) for o in _rows(session, JoiningOrganisation, region, JoiningOrganisation.id)
        ),
        proposal=_proposal(region),
        statement=_statement(session, region),
    )


def plan_records(session: Session) -> tuple[PlanData, ...] | None:
    """The plan per year as the profile holds it (None before any region exists), read without the
    rest of the profile: a page that shows the plans need not read every municipality."""
    region = the_region(session)
    return None if region is None else _plans(session, region)


def ort_table_records(session: Session) -> tuple[OrtTableData, ...] | None:
    """The ORT tables as the profile holds them (None before any region exists), read alone."""
    region = the_region(session)
    return None if region is None else _ort_tables(session, region)


def _plans(session: Session, region: Region) -> tuple[PlanData, ...]:
    return tuple(_plan(p) for p in _rows(session, PlanYear, region, PlanYear.year))


def _ort_tables(session: Session, region: Region) -> tuple[OrtTableData, ...]:
    return tuple(_ort(t) for t in _rows(session, OrtTableRow, region, OrtTableRow.valid_from))


def _rows(session: Session, model: Any, region: Region, order: Any) -> list[Any]:
    return list(session.execute(select(model).where(model.region_id == region.id).order_by(order)).scalars())


def _sourced(stored: dict[str, Any] | None) -> dict[str, Any]:
    stored = stored or {}
    return {"source": stored.get("source") or NOT_RECORDED, "sources": dict(stored.get("sources") or {})}


def _stored(record: Any) -> dict[str, Any]:
    return {"source": record.source, "sources": dict(record.sources)}


def _holidays(region: Region) -> HolidayData:
    """The region's holiday rule; before a profile is loaded, the Cao's national rule."""
    stored = region.holiday_rule
    if stored is None:
        default = HolidayRule()
        stored = {
            "country": default.country,
            "categories": default.categories,
            "excluded": sorted(default.excluded),
        }
    return HolidayData(
        stored["country"],
        tuple(stored["categories"]),
        tuple(stored["excluded"]),
        **_sourced((region.sources or {}).get("holidays")),
    )


def _proposal(region: Region) -> ProposalData:
    """The region's preference for expertise; before a profile sets one, hours spread only."""
    stored = region.proposal_rule
    if stored is None:
        return ProposalData()
    return ProposalData(
        Decimal(stored["expertise"]),
        stored["experienced_after_days"],
        **_sourced((region.sources or {}).get("proposal")),
    )


def _statement(session: Session, region: Region) -> StatementData:
    """What statements print; before a profile sets it, the defaults."""
    stored = _settings(session, region).statement_terms
    if not stored:
        return StatementData()
    return StatementData(
        stored["issuer_department"],
        stored["iban"],
        stored["payment_days"],
        **_sourced((region.sources or {}).get("statement")),
    )


def statement_terms(session: Session) -> StatementData:
    """The coordinating municipality's statement details (the defaults without a region)."""
    region = the_region(session)
    return _statement(session, region) if region is not None else StatementData()


def preference(session: Session) -> Preference:
    """How much the roster proposal and call-out offers prefer expertise (spread only without a region)."""
    region = the_region(session)
    return _proposal(region).preference() if region is not None else ProposalData().preference()


def _municipality(m: Municipality) -> MunicipalityData:
    return MunicipalityData(
        name=m.name,
        population=m.population,
        population_date=m.population_date,
        taking_part=m.is_participating,
        taking_part_from=m.taking_part_from,
        taking_part_until=m.taking_part_until,
        contribution=m.contribution.value,
        pledged_hours=m.pledged_minutes // 60,
        money_cap_cents=m.money_cap_cents,
        cap_shortfall=m.cap_shortfall,
        **_sourced(m.sources),
    )


def _plan(p: PlanYear) -> PlanData:
    return PlanData(
        p.year,
        p.controls,
        p.callouts,
        Decimal(p.control_day_hours),
        Decimal(p.callout_hours),
        Decimal(p.report_hours),
        p.coordinator_hours,
        Decimal(p.fte),
        p.controls_per_month,
        p.locations_per_control_day,
        **_sourced(p.sources),
    )


def _budget(b: BudgetYear) -> BudgetData:
    lines = tuple(
        BudgetLineData(
            line.category,
            line.hours,
            Decimal(line.rate),
            Decimal(line.flat_ort),
            Decimal(line.overhead_per_hour),
            **_sourced(line.sources),
        )
        for line in b.lines
    )
    return BudgetData(b.year, b.fixed_cents, lines, **_sourced(b.sources))


def _ort(t: OrtTableRow) -> OrtTableData:
    windows = tuple((str(a), str(b), str(band)) for a, b, band in t.weekday_windows)
    return OrtTableData(
        t.valid_from,
        t.valid_until,
        windows,
        {band: Decimal(p) for band, p in t.percentages.items()},
        t.exempt_stretch_minutes,
        **_sourced(t.sources),
    )


def _organisation(o: JoiningOrganisation) -> OrganisationData:
    return OrganisationData(o.name, o.joins, **_sourced(o.sources))


# -- differences -----------------------------------------------------------------------


def differences(current: Profile | None, wanted: Profile) -> list[Change]:
    """What loading `wanted` would change, record by record, in the file's order."""
    now = dict(current.records()) if current is not None else {}
    want = dict(wanted.records())
    changes = []
    for label, record in want.items():
        if label not in now:
            changes.append(Change("+", label))
        elif details := _changed_fields(now[label], record):
            changes.append(Change("~", label, details))
    changes += [Change("-", label) for label in now if label not in want]
    return changes


def _changed_fields(old: Any, new: Any) -> tuple[str, ...]:
    found = []
    for f in fields(new):
        if f.name == "lines":
            continue
        before, after = getattr(old, f.name), getattr(new, f.name)
        if before != after:
            found.append(f"{f.name}: {_shown(before)} → {_shown(after)}")
    return tuple(found)


def _shown(value: Any) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


# -- loading ---------------------------------------------------------------------------


def load(
    session: Session,
    now: datetime,
    actor: str,
    wanted: Profile,
    action: str = "profile.loaded",
    subject: str = "",
) -> list[Change]:
    """Make the database hold exactly the profile; returns what changed (nothing: an empty list).

    `action` and `subject` name the change in the audit log (a page's edit is `profile.edited`)."""
    current = current_profile(session)
    changes = differences(current, wanted)
    if not changes:
        return []
    if current is not None and current.region.timezone != wanted.region.timezone:
        _zone_may_change(session)
    region = _region(session, wanted)
    _municipalities(session, region, wanted)
    load_knobs(session, region, wanted)
    session.flush()
    audit.record(
        session,
        now,
        actor,
        action,
        subject or f"region:{region.id}",
        {sign: sum(c.sign == sign for c in changes) for sign in "+~-"},
    )
    return changes


ZONE_FIXED = N_(
    "the time zone cannot change once shifts, call-outs or hours are recorded: "
    "they were planned in its local time"
)


def _zone_may_change(session: Session) -> None:
    """Shifts, call-outs and hours were planned and booked in the zone's local time: another zone would
    move every one of them. Before any exists (right after setup) a wrong zone can still be put right,
    and every running instance follows it (`installation.follow_team_zone`)."""
    worked = session.execute(
        select(or_(exists(select(Shift.id)), exists(select(Callout.id)), exists(select(HourEntry.id))))
    ).scalar()
    if worked:
        raise Refused(ZONE_FIXED, field="timezone")


def _region(session: Session, wanted: Profile) -> Region:
    region = the_region(session)
    if region is None:
        region = Region(name=wanted.region.name)
        session.add(region)
    region.name, region.timezone = wanted.region.name, wanted.region.timezone
    region.callout_sources = list(wanted.region.callout_sources)
    region.sources = {
        "region": _stored(wanted.region),
        "holidays": _stored(wanted.holidays),
        "proposal": _stored(wanted.proposal),
        "statement": _stored(wanted.statement),
    }
    region.proposal_rule = (
        None
        if wanted.proposal == ProposalData()
        else {
            "expertise": format(wanted.proposal.expertise, "f"),
            "experienced_after_days": wanted.proposal.experienced_after_days,
        }
    )
    session.flush()
    settings = session.execute(select(RegionSettings).where(RegionSettings.region_id == region.id)).scalar()
    if settings is None:
        settings = RegionSettings(region_id=region.id)
        session.add(settings)
    settings.repeat_warning_months = wanted.region.repeat_warning_months
    settings.checkout_alert_minutes = wanted.region.checkout_alert_minutes
    settings.coordinator_alert_minutes = wanted.region.coordinator_alert_minutes
    settings.backup_alert_minutes = wanted.region.backup_alert_minutes
    settings.statement_terms = (
        None
        if wanted.statement == StatementData()
        else {
            "issuer_department": wanted.statement.issuer_department,
            "iban": wanted.statement.iban,
            "payment_days": wanted.statement.payment_days,
        }
    )
    return region


def _municipalities(session: Session, region: Region, wanted: Profile) -> None:
    existing = {m.name: m for m in session.execute(select(Municipality)).scalars()}
    missing = sorted(set(existing) - {m.name for m in wanted.municipalities})
    if missing:
        raise Refused(
            "%(names)s is in the database but not in the profile; a profile does not "
            "remove a municipality (end its participation with taking_part_until)",
            field="municipalities",
            params={"names": ", ".join(missing)},
        )
    for data in wanted.municipalities:
        row = existing.get(data.name) or Municipality(region_id=region.id, name=data.name)
        row.population, row.population_date = data.population, data.population_date
        row.taking_part_from, row.taking_part_until = data.taking_part_from, data.taking_part_until
        row.is_participating = data.taking_part
        row.is_coordinating = data.name == wanted.region.coordinating
        row.contribution = Contribution(data.contribution)
        row.pledged_minutes = data.pledged_hours * 60
        row.money_cap_cents, row.cap_shortfall = data.money_cap_cents, data.cap_shortfall
        row.sources = _stored(data)
        session.add(row)
    session.flush()


def load_knobs(session: Session, region: Region, wanted: Profile) -> None:
    """The yearly and dated figures: holiday rule, plans, budgets, ORT tables, organisations."""
    region.holiday_rule = {
        "country": wanted.holidays.country,
        "categories": list(wanted.holidays.categories),
        "excluded": list(wanted.holidays.excluded),
    }
    _replace(session, region, PlanYear, "year", {p.year: p for p in wanted.plans}, _plan_row)
    _replace(session, region, BudgetYear, "year", {b.year: b for b in wanted.budgets}, _budget_row)
    _replace(
        session, region, OrtTableRow, "valid_from", {t.valid_from: t for t in wanted.ort_tables}, _ort_row
    )
    _replace(
        session,
        region,
        JoiningOrganisation,
        "name",
        {o.name: o for o in wanted.organisations},
        _organisation_row,
    )
    session.flush()


def _replace(
    session: Session, region: Region, model: Any, key: str, wanted: dict[Any, Any], fill: Any
) -> None:
    """Rows keyed by `key` become `wanted`: changed in place, added, or deleted."""
    rows = {getattr(r, key): r for r in _rows(session, model, region, model.id)}
    for value, row in rows.items():
        if value not in wanted:
            session.delete(row)
    session.flush()
    for value, data in wanted.items():
        row = rows.get(value) or model(region_id=region.id)
        fill(row, data)
        session.add(row)


def _plan_row(row: PlanYear, p: PlanData) -> None:
    for f in fields(p):
        if f.name not in ("source", "sources"):
            value = getattr(p, f.name)
            setattr(row, f.name, format(value, "f") if isinstance(value, Decimal) else value)
    row.sources = _stored(p)


def _budget_row(row: BudgetYear, b: BudgetData) -> None:
    """Lines are matched by category and changed in place (one line per category in a year)."""
    row.year, row.fixed_cents, row.sources = b.year, b.fixed_cents, _stored(b)
    by_category = {line.category: line for line in row.lines}
    kept = []
    for position, line in enumerate(b.lines):
        target = by_category.pop(line.category, None) or BudgetLineRow(category=line.category)
        target.position, target.hours = position, line.hours
        target.rate, target.flat_ort = format(line.rate, "f"), format(line.flat_ort, "f")
        target.overhead_per_hour, target.sources = format(line.overhead_per_hour, "f"), _stored(line)
        kept.append(target)
    row.lines = kept


def _ort_row(row: OrtTableRow, t: OrtTableData) -> None:
    row.valid_from, row.valid_until = t.valid_from, t.valid_until
    row.weekday_windows = [list(w) for w in t.weekday_windows]
    row.percentages = {band: format(p, "f") for band, p in t.percentages.items()}
    row.exempt_stretch_minutes, row.sources = t.exempt_stretch_minutes, _stored(t)


def _organisation_row(row: JoiningOrganisation, o: OrganisationData) -> None:
    row.name, row.joins, row.sources = o.name, o.joins, _stored(o)


# -- the figures the rules compute with ---------------------------------------------------


def band_tables(session: Session) -> tuple[BandTable, ...]:
    """The ORT tables of the region, oldest first; refused when none is loaded (no guessing)."""
    rows = list(session.execute(select(OrtTableRow).order_by(OrtTableRow.valid_from)).scalars())
    if not rows:
        raise Refused(
            "no allowance (ORT) table is loaded; load the team's profile (piket profile load)",
            field="ort_tables",
            code="no_ort_tables",
        )
    return tuple(_ort(r).table() for r in rows)


def holiday_calendar(session: Session) -> PublicHolidays:
    region = the_region(session)
    return _calendar(_holidays(region).rule() if region is not None else HolidayRule())


@lru_cache(maxsize=8)
def _calendar(rule: HolidayRule) -> PublicHolidays:
    """One calendar per rule, so that each year's holiday list is computed once."""
    return PublicHolidays(rule)


def budget_year(session: Session, year: int) -> BudgetData:
    row = session.execute(select(BudgetYear).where(BudgetYear.year == year)).scalar_one_or_none()
    if row is None:
        raise NotFound(
            "year",
            "there is no budget for %(year)s; load or enter it first",
            "no_budget",
            params={"year": year},
        )
    return _budget(row)


def budget(session: Session, year: int) -> Budget:
    return budget_year(session, year).budget()


def plan(session: Session, year: int) -> PlanData:
    row = session.execute(select(PlanYear).where(PlanYear.year == year)).scalar_one_or_none()
    if row is None:
        raise NotFound(
            "year", "there is no plan for %(year)s; load or enter it first", "no_plan", params={"year": year}
        )
    return _plan(row)


def plan_years(session: Session) -> list[int]:
    """The years the team's plan covers, in order."""
    return list(session.execute(select(PlanYear.year).order_by(PlanYear.year)).scalars())


def taking_part(session: Session, start: date, end: date) -> list[Municipality]:
    """The municipalities that take part on some day of [start, end], by name."""
    members = session.execute(
        select(Municipality).where(Municipality.is_participating).order_by(Municipality.name)
    ).scalars()
    return [
        m
        for m in members
        if (m.taking_part_from is None or m.taking_part_from <= end)
        and (m.taking_part_until is None or m.taking_part_until >= start)
    ]


def repeat_warning_months(session: Session) -> int:
    """How far back a second control of an address is warned of (the team's setting)."""
    region = the_region(session)
    return _settings(session, region).repeat_warning_months if region is not None else REPEAT_WARNING_MONTHS


@dataclass(frozen=True)
class SafetyMinutes:
    """The safety ladder's time-outs (profile `[region]`): after the planned end, then per step."""

    checkout_alert: int = CHECKOUT_ALERT_MINUTES
    coordinator: int = COORDINATOR_ALERT_MINUTES
    backup: int = BACKUP_ALERT_MINUTES


def safety_minutes(session: Session) -> SafetyMinutes:
    """How long after the planned end a missing check-out alerts, and how long each step waits."""
    region = the_region(session)
    if region is None:
        return SafetyMinutes()
    settings = _settings(session, region)
    return SafetyMinutes(
        settings.checkout_alert_minutes, settings.coordinator_alert_minutes, settings.backup_alert_minutes
    )


class RegionKnobs(TypedDict):
    repeat_warning_months: int
    checkout_alert_minutes: int
    coordinator_alert_minutes: int
    backup_alert_minutes: int


def _region_knobs(settings: RegionSettings) -> RegionKnobs:
    """The region's settings as the profile file names them."""
    return {
        "repeat_warning_months": settings.repeat_warning_months,
        "checkout_alert_minutes": settings.checkout_alert_minutes,
        "coordinator_alert_minutes": settings.coordinator_alert_minutes,
        "backup_alert_minutes": settings.backup_alert_minutes,
    }


def _settings(session: Session, region: Region) -> RegionSettings:
    """The region's settings, or the defaults when the profile set none."""
    found = session.execute(select(RegionSettings).where(RegionSettings.region_id == region.id)).scalar()
    return found or RegionSettings(
        region_id=region.id,
        repeat_warning_months=REPEAT_WARNING_MONTHS,
        checkout_alert_minutes=CHECKOUT_ALERT_MINUTES,
        coordinator_alert_minutes=COORDINATOR_ALERT_MINUTES,
        backup_alert_minutes=BACKUP_ALERT_MINUTES,
    )


def organisations(session: Session) -> Iterator[str]:
    yield from session.execute(select(JoiningOrganisation.name).order_by(JoiningOrganisation.id)).scalars()


# -- finance edits the money ------------------------------------------------------------


def copy_budget(session: Session, now: datetime, actor: str, year: int) -> int:
    """Next year's budget as a copy of this one, its sources saying finance must confirm it."""
    row = _budget_row_of(session, year)
    if session.execute(
        select(BudgetYear.id).where(BudgetYear.region_id == row.region_id, BudgetYear.year == year + 1)
    ).first():
        raise Refused("there is already a budget for %(year)s", field="year", params={"year": year + 1})
    copied = f"copied from {year}; to be confirmed by the team (finance)"
    made = BudgetYear(
        region_id=row.region_id,
        year=year + 1,
        fixed_cents=row.fixed_cents,
        sources={"source": copied, "sources": {}},
    )
    made.lines = [
        BudgetLineRow(
            position=line.position,
            category=line.category,
            hours=line.hours,
            rate=line.rate,
            flat_ort=line.flat_ort,
            overhead_per_hour=line.overhead_per_hour,
            sources={"source": copied, "sources": {}},
        )
        for line in row.lines
    ]
    session.add(made)
    session.flush()
    audit.record(session, now, actor, "budget.copied", f"budget:{year + 1}", {"from": row.id})
    return year + 1


def budget_rows(session: Session) -> list[BudgetYear]:
    return list(session.execute(select(BudgetYear).order_by(BudgetYear.year)).scalars())


def _budget_row_of(session: Session, year: int) -> BudgetYear:
    row = session.execute(select(BudgetYear).where(BudgetYear.year == year)).scalar_one_or_none()
    if row is None:
        raise NotFound(
            "year",
            "there is no budget for %(year)s; load or enter it first",
            "no_budget",
            params={"year": year},
        )
    return row

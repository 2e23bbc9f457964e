"""The team's knobs changed one record at a time, as the admin and finance do on their pages.

Every change goes the way of `piket profile load`: the record is read by the profile file's own rules
(`profile_file.read_form`), put into the profile the database holds, the whole profile is checked
again, and the difference is applied in one audited change. So a page refuses exactly what the loader
refuses, and `piket profile dump` shows the page's change. A year's plan and budget are rows of their
own: changing 2028 leaves 2027 as it was.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from backend.profile_file import (
    UNCONFIRMED,
    BudgetData,
    BudgetLineData,
    HolidayData,
    MunicipalityData,
    OrganisationData,
    OrtTableData,
    PlanData,
    Profile,
    ProfileError,
    RegionData,
    StatementData,
    check_profile,
)
from backend.services import profile
from backend.services.errors import NotFound

Edit = Callable[[Profile], Profile]


def edit(session: Session, now: datetime, actor: str, subject: str, change: Edit) -> list[profile.Change]:
    """Apply `change` to the profile the database holds, checked whole, audited as `profile.edited`."""
    current = profile.current_profile(session)
    if current is None:
        raise NotFound("region", "there is no region yet; run piket setup first")
    wanted = change(current)
    check_profile(wanted)
    return profile.load(session, now, actor, wanted, action="profile.edited", subject=subject)


def _kept_sources(old: Any, new: Any) -> Any:
    """The new record keeps the old one's source of a single figure only where that figure is unchanged."""

    def same(key: str) -> bool:
        name = next((f for f in (key, f"{key}_cents") if hasattr(new, f)), key)
        return getattr(old, name, None) == getattr(new, name, None)

    return dataclasses.replace(new, sources={k: v for k, v in old.sources.items() if same(k)})


def _put(
    records: tuple[Any, ...],
    new: Any,
    key: Callable[[Any], Any],
    old_key: Any = None,
    order: Callable[[Any], Any] | None = None,
) -> tuple[Any, ...]:
    """`records` with the one whose key is `old_key` (or the new one's) replaced by `new`, or `new` added."""
    wanted = key(new) if old_key is None else old_key
    found = next((r for r in records if key(r) == wanted), None)
    if found is None:
        kept = (*records, new)
    else:
        kept = tuple(_kept_sources(r, new) if r is found else r for r in records)
    return tuple(sorted(kept, key=order)) if order else kept


# -- what the admin changes ------------------------------------------------------------


def set_region(session: Session, now: datetime, actor: str, region: RegionData) -> list[profile.Change]:
    """The region's name, zone and coordinator, and the safety ladder's time-outs; its call-out sources
    and repeat warning stay as the profile file set them (the region page does not show them)."""

    def changed(p: Any) -> Any:
        kept = dataclasses.replace(
            region,
            callout_sources=p.region.callout_sources,
            repeat_warning_months=p.region.repeat_warning_months,
        )
        return dataclasses.replace(p, region=_kept_sources(p.region, kept))

    return edit(session, now, actor, "region", changed)


def set_statement(
    session: Session, now: datetime, actor: str, details: StatementData
) -> list[profile.Change]:
    """What statements print besides the coordinating municipality: finance's to change."""
    return edit(
        session,
        now,
        actor,
        "statement",
        lambda p: dataclasses.replace(p, statement=_kept_sources(p.statement, details)),
    )


def set_holidays(session: Session, now: datetime, actor: str, rule: HolidayData) -> list[profile.Change]:
    return edit(
        session,
        now,
        actor,
        "holidays",
        lambda p: dataclasses.replace(p, holidays=_kept_sources(p.holidays, rule)),
    )


def put_municipality(
    session: Session, now: datetime, actor: str, municipality: MunicipalityData, is_new: bool
) -> list[profile.Change]:
    """Change a municipality (matched by name, which stays), or add a new one under a name not yet used."""

    def change(p: Profile) -> Profile:
        names = {m.name for m in p.municipalities}
        if is_new and municipality.name in names:
            raise ProfileError(
                "'%(name)s' appears twice", "name", path=("name",), params={"name": municipality.name}
            )
        if not is_new and municipality.name not in names:
            raise NotFound("name", "there is no municipality %(name)s", params={"name": municipality.name})
        return dataclasses.replace(p, municipalities=_put(p.municipalities, municipality, _name))

    return edit(session, now, actor, "municipality", change)


def put_plan(session: Session, now: datetime, actor: str, plan: PlanData) -> list[profile.Change]:
    """A year's plan, changed or added; the other years stay as they are."""
    return edit(
        session,
        now,
        actor,
        f"plan:{plan.year}",
        lambda p: dataclasses.replace(p, plans=_put(p.plans, plan, _year, order=_year)),
    )


def copy_plan(session: Session, now: datetime, actor: str, year: int) -> int:
    """Next year's plan as a copy of this year's, its source saying the team must confirm it."""

    def change(p: Profile) -> Profile:
        this = next((plan for plan in p.plans if plan.year == year), None)
        if this is None:
            raise NotFound("year", "there is no plan for %(year)s", params={"year": year})
        if any(plan.year == year + 1 for plan in p.plans):
            raise ProfileError("%(year)s appears twice", "year", path=("year",), params={"year": year + 1})
        made = dataclasses.replace(this, year=year + 1, source=_copied(year), sources={})
        return dataclasses.replace(p, plans=(*p.plans, made))

    edit(session, now, actor, f"plan:{year + 1}", change)
    return year + 1


def put_organisation(
    session: Session, now: datetime, actor: str, organisation: OrganisationData, old_name: str | None
) -> list[profile.Change]:
    return edit(
        session,
        now,
        actor,
        "organisation",
        lambda p: dataclasses.replace(
            p, organisations=_put(p.organisations, organisation, _name, old_key=old_name)
        ),
    )


def remove_organisation(session: Session, now: datetime, actor: str, name: str) -> list[profile.Change]:
    return edit(
        session,
        now,
        actor,
        "organisation",
        lambda p: dataclasses.replace(p, organisations=tuple(o for o in p.organisations if o.name != name)),
    )


# -- what finance changes --------------------------------------------------------------


def put_budget_line(
    session: Session, now: datetime, actor: str, year: int, line: BudgetLineData
) -> list[profile.Change]:
    """One line of a year's budget (a new agreement's rate, another number of hours)."""

    def change(budget: BudgetData) -> BudgetData:
        if all(old.category != line.category for old in budget.lines):
            raise NotFound(
                "category",
                "the %(year)s budget has no %(category)s line",
                params={"year": year, "category": line.category},
            )
        return dataclasses.replace(budget, lines=_put(budget.lines, line, lambda x: x.category))

    return _budget_edit(session, now, actor, year, change)


def set_fixed_costs(
    session: Session, now: datetime, actor: str, year: int, fixed_cents: int, source: str
) -> list[profile.Change]:
    return _budget_edit(
        session,
        now,
        actor,
        year,
        lambda b: dataclasses.replace(
            b,
            fixed_cents=fixed_cents,
            source=source,
            sources={k: v for k, v in b.sources.items() if k != "fixed"},
        ),
    )


def _budget_edit(
    session: Session, now: datetime, actor: str, year: int, change: Callable[[BudgetData], BudgetData]
) -> list[profile.Change]:
    def edited(p: Profile) -> Profile:
        if all(b.year != year for b in p.budgets):
            raise NotFound(
                "year", "there is no budget for %(year)s; load or enter it first", params={"year": year}
            )
        return dataclasses.replace(p, budgets=tuple(change(b) if b.year == year else b for b in p.budgets))

    return edit(session, now, actor, f"budget:{year}", edited)


def put_ort_table(
    session: Session, now: datetime, actor: str, table: OrtTableData, old_valid_from: date | None
) -> list[profile.Change]:
    """An ORT table changed (found by the day it took effect) or added; they must follow each other."""
    return edit(
        session,
        now,
        actor,
        "ort_tables",
        lambda p: dataclasses.replace(
            p, ort_tables=_put(p.ort_tables, table, _valid_from, old_key=old_valid_from, order=_valid_from)
        ),
    )


def next_ort_table(tables: Sequence[OrtTableData]) -> OrtTableData | None:
    """A draft of the table after the last of `tables`: the same rules, for the year after its range."""
    if not tables:
        return None
    last = tables[-1]
    start = date.fromordinal(last.valid_until.toordinal() + 1)
    return dataclasses.replace(
        last,
        valid_from=start,
        valid_until=date(start.year, 12, 31),
        source=_copied(last.valid_from.year),
        sources={},
    )


def _copied(year: int) -> str:
    return f"copied from {year}; {UNCONFIRMED}"


def _name(record: Any) -> str:
    return str(record.name)


def _year(record: Any) -> int:
    return int(record.year)


def _valid_from(record: OrtTableData) -> date:
    return record.valid_from

"""The team profile file: a team's knobs as one versioned TOML file, read and written exactly.

A profile holds the region, its municipalities and their contributions, the
plan and the budget per year, the allowance (ORT) tables with their validity
ranges, the holiday rule, the organisations that join controls and how much the
roster proposal prefers expertise over evenly spread hours ([proposal]), and what
the statements say besides the coordinating municipality's name ([statement]). Every
record names its source (`source`, and `sources` for a figure whose source
differs), so that finance can check each figure against a document or see
that the team still has to confirm it.

Reading refuses a bad file with the key and the line at fault, and an unknown
key with its close match; writing gives back the same format, so that loading
a fresh dump changes nothing. Amounts are decimal strings ("30000.00"), never
floats: they are exact, and money becomes integer cents.
"""

from __future__ import annotations

import contextlib
import difflib
import itertools
import re
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, time
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any, NoReturn
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from backend.models.base import DEFAULT_CALLOUT_SOURCES, CalloutSource
from scheduling.calendar import HolidayRule
from scheduling.money import Budget, BudgetLine
from scheduling.ort import Band, BandTable
from scheduling.pairing import Preference
from scheduling.reasons import N_

FORMAT = "piket-profile-1"
UNCONFIRMED = "to be confirmed by the team"
"""The words a source carries while the seeds give no figure (the value is then a placeholder)."""
MINIMUM_PLEDGE_HOURS = 100
"""A contribution in hours is at least 100 hours a year (seed 000, §3: smaller pools hurt expertise)."""
CONTRIBUTIONS = ("hours", "money")
CAP_SHORTFALL = ("others", "coordinator")
"""Who bears what a capped municipality does not pay: the others by population, or the coordinator."""
BUDGET_CATEGORIES = ("control", "callout", "report", "coordination")
IRREGULAR_BANDS = tuple(b.value for b in Band if b is not Band.PLAIN)
DEFAULT_SOURCES = tuple(s.value for s in DEFAULT_CALLOUT_SOURCES)
REPEAT_WARNING_MONTHS = 6
CHECKOUT_ALERT_MINUTES = 30
"""Unless the profile says otherwise: a missing "Veilig klaar" alerts 30 minutes after the planned end."""
COORDINATOR_ALERT_MINUTES = 10
BACKUP_ALERT_MINUTES = 10
"""How long the coordinator, then the back-up, has to take a safety alert before it climbs."""
SAFETY_MINUTES = ("checkout_alert_minutes", "coordinator_alert_minutes", "backup_alert_minutes")
"""Unless the profile says otherwise: warn of an address controlled in the last six months (seed 001)."""


class ProfileError(ValueError):
    """A profile that cannot be used, with the line and key at fault.

    `rule` is the message with its `params` apart (`rule % params` is the English text), so that a page
    shows it in the reader's language; `path` is where in the profile, for a page to find its field."""

    def __init__(
        self,
        message: str,
        key: str = "",
        line: int | None = None,
        name: str = "profile",
        path: tuple[str | int, ...] = (),
        params: Mapping[str, Any] | None = None,
    ) -> None:
        where = f"{name}:{line}" if line else name
        self.rule, self.params = message, dict(params or {})
        text = message % self.params if self.params else message
        super().__init__(f"{where}: {key + ': ' if key else ''}{text}")
        self.key, self.line, self.path, self.text = key, line, path, text


Sources = Mapping[str, str]


@dataclass(frozen=True)
class RegionData:
    name: str
    timezone: str
    coordinating: str | None
    source: str
    sources: Sources = field(default_factory=dict)
    callout_sources: tuple[str, ...] = DEFAULT_SOURCES
    """The sources a call-out may have, in the order offered; optional in the file."""
    repeat_warning_months: int = REPEAT_WARNING_MONTHS
    """How long a controlled address is remembered (as a hash) to warn of a second control."""
    checkout_alert_minutes: int = CHECKOUT_ALERT_MINUTES
    coordinator_alert_minutes: int = COORDINATOR_ALERT_MINUTES
    backup_alert_minutes: int = BACKUP_ALERT_MINUTES


@dataclass(frozen=True)
class HolidayData:
    country: str
    categories: tuple[str, ...]
    excluded: tuple[str, ...]
    source: str
    sources: Sources = field(default_factory=dict)

    def rule(self) -> HolidayRule:
        return HolidayRule(self.country, self.categories, frozenset(self.excluded))


@dataclass(frozen=True)
class MunicipalityData:
    name: str
    population: int
    population_date: date
    taking_part: bool
    taking_part_from: date | None
    taking_part_until: date | None
    contribution: str
    pledged_hours: int
    money_cap_cents: int | None
    cap_shortfall: str | None
    source: str
    sources: Sources = field(default_factory=dict)


@dataclass(frozen=True)
class PlanData:
    year: int
    controls: int
    callouts: int
    control_day_hours: Decimal
    callout_hours: Decimal
    report_hours: Decimal
    coordinator_hours: int
    fte: Decimal
    controls_per_month: int | None
    locations_per_control_day: int | None
    source: str
    sources: Sources = field(default_factory=dict)


@dataclass(frozen=True)
class BudgetLineData:
    category: str
    hours: int
    rate: Decimal
    """All-in euros an hour."""
    flat_ort: Decimal
    """Percent of salary the budget adds as the allowance."""
    overhead_per_hour: Decimal
    source: str
    sources: Sources = field(default_factory=dict)

    def line(self) -> BudgetLine:
        return BudgetLine(
            self.category,
            self.hours,
            Fraction(self.rate),
            Fraction(self.flat_ort) / 100,
            Fraction(self.overhead_per_hour),
        )


@dataclass(frozen=True)
class BudgetData:
    year: int
    fixed_cents: int
    lines: tuple[BudgetLineData, ...]
    source: str
    sources: Sources = field(default_factory=dict)

    def budget(self) -> Budget:
        """The core's budget, valid for exactly this year."""
        return Budget(
            lines=tuple(line.line() for line in self.lines),
            fixed_cents=self.fixed_cents,
            effective_from=date(self.year, 1, 1),
            effective_until=date(self.year, 12, 31),
        )


Window = tuple[str, str, str]
"""(from "HH:MM", until "HH:MM" where "24:00" is midnight at the end, band)."""


@dataclass(frozen=True)
class OrtTableData:
    valid_from: date
    valid_until: date
    """The last day the table holds (required: a day after every table's range is refused)."""
    weekday_windows: tuple[Window, ...]
    percentages: Mapping[str, Decimal]
    exempt_stretch_minutes: int
    source: str
    sources: Sources = field(default_factory=dict)

    def table(self) -> BandTable:
        windows = tuple(
            (_clock(a), None if b == "24:00" else _clock(b), Band(band))
            for a, b, band in self.weekday_windows
        )
        percentages = {Band(b): Fraction(p) / 100 for b, p in self.percentages.items()}
        return BandTable(
            effective_from=self.valid_from,
            effective_until=self.valid_until,
            weekday_windows=windows,
            percentages=percentages,
            source=self.source,
            exempt_stretch_minutes=self.exempt_stretch_minutes,
        )


@dataclass(frozen=True)
class OrganisationData:
    name: str
    joins: str
    source: str
    sources: Sources = field(default_factory=dict)


SPREAD_ONLY_SOURCE = "default: hours spread evenly, no preference for expertise"


@dataclass(frozen=True)
class ProposalData:
    """How much the roster proposal and call-out offers prefer expertise over evenly spread hours:
    `expertise` 0 (the default) spreads only; see `scheduling.pairing.Preference`."""

    expertise: Decimal = Decimal(0)
    experienced_after_days: int = 365
    source: str = SPREAD_ONLY_SOURCE
    sources: Sources = field(default_factory=dict)

    def preference(self) -> Preference:
        return Preference(Fraction(self.expertise), self.experienced_after_days)


DEFAULT_PAYMENT_DAYS = 30
STATEMENT_SOURCE = "default: statements name the coordinating municipality only, payment within 30 days"
IBAN = re.compile(r"^[A-Z]{2}\d{2}[A-Z0-9]{10,30}$")


@dataclass(frozen=True)
class StatementData:
    """What the coordinating municipality prints on each statement besides its name: the department
    that sends it, the account to pay into, and the days within which a balance is settled."""

    issuer_department: str = ""
    iban: str = ""
    payment_days: int = DEFAULT_PAYMENT_DAYS
    source: str = STATEMENT_SOURCE
    sources: Sources = field(default_factory=dict)


@dataclass(frozen=True)
class Profile:
    region: RegionData
    holidays: HolidayData
    municipalities: tuple[MunicipalityData, ...]
    plans: tuple[PlanData, ...]
    budgets: tuple[BudgetData, ...]
    ort_tables: tuple[OrtTableData, ...]
    organisations: tuple[OrganisationData, ...]
    proposal: ProposalData = field(default_factory=ProposalData)
    statement: StatementData = field(default_factory=StatementData)

    def band_tables(self) -> tuple[BandTable, ...]:
        return tuple(t.table() for t in self.ort_tables)

    def budget(self, year: int) -> Budget:
        return next(b.budget() for b in self.budgets if b.year == year)

    def plan(self, year: int) -> PlanData:
        return next(p for p in self.plans if p.year == year)

    def unconfirmed(self) -> list[str]:
        """Where the profile still waits for the team: `record: key` for each such source."""
        found = []
        for label, record in self.records():
            sources = {"": getattr(record, "source", ""), **getattr(record, "sources", {})}
            found += [
                f"{label}{': ' + key if key else ''}" for key, text in sources.items() if UNCONFIRMED in text
            ]
        return found

    def records(self) -> Iterator[tuple[str, Any]]:
        yield "region", self.region
        yield "holidays", self.holidays
        yield from ((f"municipality {m.name}", m) for m in self.municipalities)
        yield from ((f"plan {p.year}", p) for p in self.plans)
        for b in self.budgets:
            yield f"budget {b.year}", b
            yield from ((f"budget {b.year} {line.category}", line) for line in b.lines)
        yield from ((f"ORT table from {t.valid_from}", t) for t in self.ort_tables)
        yield from ((f"organisation {o.name}", o) for o in self.organisations)
        yield "proposal", self.proposal
        yield "statement", self.statement


def _clock(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


# -- reading ---------------------------------------------------------------------------

Path_ = tuple[str | int, ...]
_HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\-]+)\s*\]\]?")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\-]+)\s*=")


def _key_lines(text: str) -> dict[Path_, int]:
    """Line numbers of every table and key, by their path (tomllib keeps none)."""
    lines: dict[Path_, int] = {}
    counts: dict[Path_, int] = {}
    current: Path_ = ()
    for number, line in enumerate(text.splitlines(), 1):
        header, key = _HEADER.match(line), _KEY.match(line)
        if header:
            parts = header.group(2).split(".")
            parent: Path_ = ()
            for part in parts[:-1]:
                parent = (*parent, part)
                if parent in counts:
                    parent = (*parent, counts[parent] - 1)
            base = (*parent, parts[-1])
            if header.group(1) == "[[":
                counts[base] = counts.get(base, 0) + 1
                current = (*base, counts[base] - 1)
            else:
                current = base
            lines.setdefault(current, number)
        elif key:
            lines.setdefault((*current, key.group(1)), number)
    return lines


class _Reader:
    """One table of the file: typed getters that name the key and line of a bad value."""

    def __init__(self, data: Any, path: Path_, where: _Where) -> None:
        if not isinstance(data, dict):
            where.fail(path, "must be a table")
        self.data, self.path, self.where, self.used = data, path, where, {"source", "sources"}

    def fail(self, key: str, message: str, /, **params: Any) -> NoReturn:
        self.where.fail((*self.path, key), message, **params)

    def unknown(self, key: str, known: Sequence[str]) -> NoReturn:
        self.where.unknown((*self.path, key), key, known)

    def raw(self, key: str, required: bool = True) -> Any:
        self.used.add(key)
        if key not in self.data:
            if required:
                typo = difflib.get_close_matches(key, [k for k in self.data if isinstance(k, str)], n=1)
                if typo:
                    self.unknown(typo[0], [key])
                self.where.fail(self.path, "'%(key)s' is missing", missing=key, key=key)
            return None
        return self.data[key]

    def text(self, key: str, required: bool = True) -> Any:
        value = self.raw(key, required)
        if value is not None and (not isinstance(value, str) or not value.strip()):
            self.fail(key, "must be a non-empty text")
        return value

    def whole(self, key: str, required: bool = True, minimum: int = 0) -> Any:
        value = self.raw(key, required)
        if value is not None and (type(value) is not int or value < minimum):
            self.fail(key, "must be a whole number, at least %(minimum)s", minimum=minimum)
        return value

    def flag(self, key: str) -> Any:
        value = self.raw(key)
        if type(value) is not bool:
            self.fail(key, "must be true or false")
        return value

    def day(self, key: str, required: bool = True) -> Any:
        value = self.raw(key, required)
        if value is not None and type(value) is not date:
            self.fail(key, "must be a date (2027-01-01, without quotes)")
        return value

    def decimal(self, key: str, places: int, required: bool = True) -> Any:
        """A decimal string (or a whole number) with at most `places` decimals, not negative."""
        value = self.raw(key, required)
        if value is None:
            return None
        try:
            number = (
                Decimal(str(value)) if isinstance(value, (str, int)) and type(value) is not bool else None
            )
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite() or number < 0 or -number.as_tuple().exponent > places:  # type: ignore[operator]
            self.fail(
                key,
                'must be a decimal in quotes with at most %(places)s decimals, such as "8.19"',
                places=places,
            )
        return _canonical(number)

    def cents(self, key: str, required: bool = True) -> Any:
        amount = self.decimal(key, 2, required)
        return None if amount is None else int(amount * 100)

    def choice(self, key: str, options: Sequence[str], required: bool = True) -> Any:
        value = self.raw(key, required)
        if value is not None and value not in options:
            self.fail(key, "must be one of %(options)s", options=", ".join(options))
        return value

    def texts(self, key: str) -> tuple[str, ...]:
        value = self.raw(key)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.fail(key, "must be a list of texts")
        return tuple(value)

    def tables(self, key: str, required: bool = True) -> list[_Reader]:
        value = self.raw(key, required)
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(key, "must be a list of tables ([[%(key)s]])", key=key)
        return [type(self)(item, (*self.path, key, i), self.where) for i, item in enumerate(value)]

    def finish(self, figures: Sequence[str]) -> tuple[str, Sources]:
        """Refuse unknown keys; return the record's source and the sources of single figures."""
        source = self.text("source")
        sources = self.data.get("sources", {})
        if not isinstance(sources, dict) or not all(
            isinstance(v, str) and v.strip() for v in sources.values()
        ):
            self.fail("sources", "must be a table of texts, one per figure")
        for key in sources:
            if key not in figures:
                self.where.unknown((*self.path, "sources"), key, figures)
        for key in self.data:
            if key not in self.used:
                self.unknown(key, sorted(self.used))
        return source, dict(sources)


def _canonical(number: Decimal) -> Decimal:
    """One spelling per amount ("8.190" and "8.19" are the same), so a dump compares equal."""
    return Decimal(format(number.normalize(), "f")) if number else Decimal(0)


@dataclass
class _Where:
    lines: dict[Path_, int]
    name: str

    def fail(self, path: Path_, message: str, /, missing: str = "", **params: Any) -> NoReturn:
        probe = path
        while probe and probe not in self.lines:
            probe = probe[:-1]
        raise ProfileError(
            message,
            _dotted(path),
            self.lines.get(probe),
            self.name,
            (*path, missing) if missing else path,
            params,
        )

    def unknown(self, path: Path_, key: str, known: Sequence[str]) -> NoReturn:
        """Refuse `key` (at `path`) as unknown, naming the close match among `known` if there is one."""
        close = difflib.get_close_matches(key, known, n=1)
        if close:
            self.fail(path, N_("unknown key '%(key)s' (did you mean '%(close)s'?)"), key=key, close=close[0])
        self.fail(path, N_("unknown key '%(key)s'"), key=key)


def _dotted(path: Path_) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else ("." if i else "") + p for i, p in enumerate(path))


def read_profile(text: str, name: str = "profile") -> Profile:
    """Parse and check a profile; a ProfileError names the first fault with its line."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ProfileError("not valid TOML: %(error)s", name=name, params={"error": str(error)}) from None
    where = _Where(_key_lines(text), name)
    top = _Reader(data, (), where)
    top.used.discard("source")
    top.used.discard("sources")
    if top.raw("format") != FORMAT:
        top.fail("format", 'must be "%(format)s"', format=FORMAT)
    profile = Profile(
        region=_region(_Reader(top.raw("region"), ("region",), where)),
        holidays=_holidays(_Reader(top.raw("holidays"), ("holidays",), where)),
        municipalities=tuple(_municipality(r) for r in top.tables("municipalities")),
        plans=tuple(_plan(r) for r in top.tables("plans")),
        budgets=tuple(_budget(r) for r in top.tables("budgets")),
        ort_tables=tuple(_ort_table(r) for r in top.tables("ort_tables")),
        organisations=tuple(_organisation(r) for r in top.tables("organisations", required=False)),
        proposal=_proposal(_Reader(top.raw("proposal"), ("proposal",), where))
        if "proposal" in data
        else ProposalData(),
        statement=_statement(_Reader(top.raw("statement"), ("statement",), where))
        if "statement" in data
        else StatementData(),
    )
    for key in data:
        if key not in top.used:
            where.unknown((key,), key, sorted(top.used))
    _check_whole(profile, where)
    return profile


def _region(r: _Reader) -> RegionData:
    name, zone, coordinating = r.text("name"), r.text("timezone"), r.text("coordinating", required=False)
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        r.fail("timezone", "'%(zone)s' is not a time zone (such as Europe/Amsterdam)", zone=zone)
    callout_sources = _callout_sources(r)
    months = r.whole("repeat_warning_months", required=False, minimum=1)
    safety = {key: r.whole(key, required=False, minimum=1) for key in SAFETY_MINUTES}
    source, sources = r.finish(
        ("name", "timezone", "coordinating", "callout_sources", "repeat_warning_months", *SAFETY_MINUTES)
    )
    return RegionData(
        name,
        zone,
        coordinating,
        source,
        sources,
        callout_sources,
        REPEAT_WARNING_MONTHS if months is None else months,
        **{key: value for key, value in safety.items() if value is not None},
    )


def _callout_sources(r: _Reader) -> tuple[str, ...]:
    """The team's call-out sources: known ones, each once, at least one; today's three when left out."""
    if r.raw("callout_sources", required=False) is None:
        return DEFAULT_SOURCES
    listed = r.texts("callout_sources")
    known = [s.value for s in CalloutSource]
    if not listed or len(set(listed)) != len(listed) or any(s not in known for s in listed):
        r.fail(
            "callout_sources",
            "must name each source once, at least one, of: %(known)s",
            known=", ".join(known),
        )
    return listed


def _holidays(r: _Reader) -> HolidayData:
    country, categories, excluded = r.text("country"), r.texts("categories"), r.texts("excluded")
    source, sources = r.finish(("country", "categories", "excluded"))
    return HolidayData(country, categories, excluded, source, sources)


def _municipality(r: _Reader) -> MunicipalityData:
    values = dict(
        name=r.text("name"),
        population=r.whole("population"),
        population_date=r.day("population_date"),
        taking_part=r.flag("taking_part"),
        taking_part_from=r.day("taking_part_from", required=False),
        taking_part_until=r.day("taking_part_until", required=False),
        contribution=r.choice("contribution", CONTRIBUTIONS),
        pledged_hours=r.whole("pledged_hours", required=False) or 0,
        money_cap_cents=r.cents("money_cap", required=False),
        cap_shortfall=r.choice("cap_shortfall", CAP_SHORTFALL, required=False),
    )
    if values["contribution"] == "hours" and values["pledged_hours"] < MINIMUM_PLEDGE_HOURS:
        r.fail(
            "pledged_hours",
            "a contribution in hours is at least %(minimum)s hours a year",
            minimum=MINIMUM_PLEDGE_HOURS,
        )
    if values["contribution"] == "money" and values["pledged_hours"]:
        r.fail("pledged_hours", "a municipality that contributes money pledges no hours")
    if (values["money_cap_cents"] is None) != (values["cap_shortfall"] is None):
        r.fail("cap_shortfall", "a money cap needs cap_shortfall (others or coordinator), and only a cap")
    if values["money_cap_cents"] is not None and values["contribution"] != "money":
        r.fail("money_cap", "only a contribution in money can be capped")
    if not values["taking_part"] and values["taking_part_from"] is not None:
        r.fail("taking_part_from", "only a municipality that takes part has a period (taking_part = true)")
    until, since = values["taking_part_until"], values["taking_part_from"]
    if until is not None and (since is None or until < since):
        r.fail("taking_part_until", "must follow taking_part_from")
    source, sources = r.finish((*tuple(values), "money_cap"))
    return MunicipalityData(**values, source=source, sources=sources)


def _plan(r: _Reader) -> PlanData:
    values = dict(
        year=r.whole("year", minimum=2000),
        controls=r.whole("controls"),
        callouts=r.whole("callouts"),
        control_day_hours=r.decimal("control_day_hours", 2),
        callout_hours=r.decimal("callout_hours", 2),
        report_hours=r.decimal("report_hours", 2),
        coordinator_hours=r.whole("coordinator_hours"),
        fte=r.decimal("fte", 2),
        controls_per_month=r.whole("controls_per_month", required=False, minimum=1),
        locations_per_control_day=r.whole("locations_per_control_day", required=False, minimum=1),
    )
    if values["callouts"] > values["controls"]:
        r.fail("callouts", "call-outs are part of the controls, so at most as many")
    source, sources = r.finish(tuple(values))
    return PlanData(**values, source=source, sources=sources)


def _fixed_costs(r: _Reader) -> tuple[int, str]:
    """A page changes a year's fixed costs alone: the amount and its source."""
    fixed = r.cents("fixed")
    source, _ = r.finish(("fixed",))
    return fixed, source


def _budget(r: _Reader) -> BudgetData:
    year, fixed = r.whole("year", minimum=2000), r.cents("fixed")
    lines = tuple(_budget_line(line) for line in r.tables("lines"))
    categories = [line.category for line in lines]
    if len(set(categories)) != len(categories):
        r.fail("lines", "one line per category")
    source, sources = r.finish(("year", "fixed", "lines"))
    return BudgetData(year, fixed, lines, source, sources)


def _budget_line(r: _Reader) -> BudgetLineData:
    values = dict(
        category=r.choice("category", BUDGET_CATEGORIES),
        hours=r.whole("hours"),
        rate=r.decimal("rate", 6),
        flat_ort=r.decimal("flat_ort", 4),
        overhead_per_hour=r.decimal("overhead_per_hour", 6),
    )
    source, sources = r.finish(tuple(values))
    return BudgetLineData(**values, source=source, sources=sources)


_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")


def _ort_table(r: _Reader) -> OrtTableData:
    since, until = r.day("valid_from"), r.day("valid_until")
    if until < since:
        r.fail("valid_until", "must not be before valid_from")
    windows = []
    for w in r.tables("weekday_windows"):
        start, end, band = w.text("from"), w.text("until"), w.choice("band", IRREGULAR_BANDS)
        for key, value in (("from", start), ("until", end)):
            if not _TIME.match(value):
                w.fail(key, 'must be a time "HH:MM" ("24:00" for midnight at the end of the day)')
        if end <= start:
            w.fail("until", "must be after from")
        w.used |= {"source", "sources"}
        for key in w.data:
            if key not in ("from", "until", "band"):
                w.unknown(key, ("from", "until", "band"))
        windows.append((start, end, band))
    ordered = sorted(windows)
    if any(a[1] > b[0] for a, b in itertools.pairwise(ordered)):
        r.fail("weekday_windows", "windows must not overlap")
    percentages = r.raw("percentages")
    if not isinstance(percentages, dict):
        r.fail("percentages", "must be a table of band = percent")
    part = type(r)(percentages, (*r.path, "percentages"), r.where)
    values = {band: part.decimal(band, 4) for band in IRREGULAR_BANDS}
    part.used |= {"source", "sources"}
    for key in percentages:
        if key not in IRREGULAR_BANDS:
            part.unknown(key, IRREGULAR_BANDS)
    stretch = r.whole("exempt_stretch_minutes")
    source, sources = r.finish(
        ("valid_from", "valid_until", "weekday_windows", "percentages", "exempt_stretch_minutes")
    )
    return OrtTableData(since, until, tuple(windows), values, stretch, source, sources)


def _organisation(r: _Reader) -> OrganisationData:
    name, joins = r.text("name"), r.text("joins")
    source, sources = r.finish(("name", "joins"))
    return OrganisationData(name, joins, source, sources)


def _proposal(r: _Reader) -> ProposalData:
    expertise = r.decimal("expertise", 2)
    if expertise > 10:
        r.fail("expertise", "must be at most 10 (0 spreads hours only; 1 weighs a shift's worth)")
    after = r.whole("experienced_after_days", required=False, minimum=0)
    source, sources = r.finish(("expertise", "experienced_after_days"))
    return ProposalData(expertise, 365 if after is None else after, source, sources)


def _statement(r: _Reader) -> StatementData:
    department = r.text("issuer_department", required=False) or ""
    iban = (r.text("iban", required=False) or "").replace(" ", "").upper()
    if iban and not IBAN.match(iban):
        r.fail("iban", "must be an IBAN, such as NL91ABNA0417164300")
    days = r.whole("payment_days", required=False, minimum=1)
    if days is not None and days > 365:
        r.fail("payment_days", "must be at most %(maximum)s", maximum=365)
    source, sources = r.finish(("issuer_department", "iban", "payment_days"))
    return StatementData(
        department.strip(), iban, DEFAULT_PAYMENT_DAYS if days is None else days, source, sources
    )


def _check_whole(profile: Profile, where: _Where) -> None:
    """What only the whole file can tell: names once, one coordinator, years once, tables in order."""
    names = [m.name for m in profile.municipalities]
    for i, name in enumerate(names):
        if name in names[:i]:
            where.fail(("municipalities", i, "name"), "'%(name)s' appears twice", name=name)
    coordinating = profile.region.coordinating
    if coordinating is not None and coordinating not in names:
        where.fail(
            ("region", "coordinating"), "'%(name)s' is not one of the municipalities", name=coordinating
        )
    for key, years in (
        ("plans", [p.year for p in profile.plans]),
        ("budgets", [b.year for b in profile.budgets]),
    ):
        for i, year in enumerate(years):
            if year in years[:i]:
                where.fail((key, i, "year"), "%(year)s appears twice", year=year)
    tables = profile.ort_tables
    for i, (a, b) in enumerate(itertools.pairwise(tables)):
        if a.valid_until >= b.valid_from:
            where.fail(
                ("ort_tables", i + 1, "valid_from"),
                "ORT tables must follow each other in time, each ending before the next begins",
            )
    if any(m.cap_shortfall == "coordinator" for m in profile.municipalities) and coordinating is None:
        where.fail(("region", "coordinating"), "a shortfall borne by the coordinator needs one")


# -- one record as a page's form typed it --------------------------------------------------


class _FormReader(_Reader):
    """A form's fields are all text: each is turned into what the file would hold, then checked by the
    file's own rules, so that a page and `piket profile load` refuse the same things."""

    def whole(self, key: str, required: bool = True, minimum: int = 0) -> Any:
        value = self.data.get(key)
        if isinstance(value, str) and re.fullmatch(r"-?\d{1,9}", value.strip()):
            self.data[key] = int(value)
        return super().whole(key, required, minimum)

    def day(self, key: str, required: bool = True) -> Any:
        value = self.data.get(key)
        if isinstance(value, str):
            with contextlib.suppress(ValueError):  # left as typed: the file's rule refuses it
                self.data[key] = date.fromisoformat(value.strip())
        return super().day(key, required)

    def flag(self, key: str) -> Any:
        self.used.add(key)
        return self.data.get(key) in (True, "true", "on")

    def decimal(self, key: str, places: int, required: bool = True) -> Any:
        value = self.data.get(key)
        if isinstance(value, str):
            self.data[key] = value.strip().replace(",", ".")
        return super().decimal(key, places, required)

    def texts(self, key: str) -> tuple[str, ...]:
        value = self.data.get(key, "")
        if isinstance(value, str):
            self.data[key] = [part.strip() for part in re.split(r"[,\n]", value) if part.strip()]
        return super().texts(key)


FORM_RECORDS: dict[str, Any] = {
    "region": _region,
    "holidays": _holidays,
    "municipality": _municipality,
    "plan": _plan,
    "budget_line": _budget_line,
    "fixed_costs": _fixed_costs,
    "ort_table": _ort_table,
    "organisation": _organisation,
    "statement": _statement,
}


def read_form(kind: str, values: Mapping[str, Any]) -> Any:
    """One record (see FORM_RECORDS) from a form's fields; an empty field counts as not given."""
    data = {k: v for k, v in values.items() if v not in ("", None)}
    return FORM_RECORDS[kind](_FormReader(data, (), _Where({}, kind)))


def check_profile(profile: Profile) -> None:
    """What only the whole profile can tell (names once, one coordinator, years once, tables in order)."""
    _check_whole(profile, _Where({}, "profile"))


# -- writing ---------------------------------------------------------------------------


def write_profile(profile: Profile, header: str = "") -> str:
    """The profile as TOML, in the order and spelling that `read_profile` reads back equal."""
    out = [f"# {line}".rstrip() for line in header.splitlines()]
    out += [f"format = {_value(FORMAT)}", ""]
    region = profile.region  # the optional keys written only where the team chose other than the default
    defaults = {
        "callout_sources": DEFAULT_SOURCES,
        "repeat_warning_months": REPEAT_WARNING_MONTHS,
        "checkout_alert_minutes": CHECKOUT_ALERT_MINUTES,
        "coordinator_alert_minutes": COORDINATOR_ALERT_MINUTES,
        "backup_alert_minutes": BACKUP_ALERT_MINUTES,
    }
    out += _table(
        "[region]", _pairs(region, skip=tuple(k for k, v in defaults.items() if getattr(region, k) == v))
    )
    out += _table("[holidays]", _pairs(profile.holidays, skip=()))
    for m in profile.municipalities:
        out += _table("[[municipalities]]", _municipality_pairs(m))
    for p in profile.plans:
        out += _table("[[plans]]", _pairs(p, skip=()))
    for b in profile.budgets:
        out += _table("[[budgets]]", _pairs(b, skip=("lines",), cents=("fixed_cents",)))
        for line in b.lines:
            out += _table("[[budgets.lines]]", _pairs(line, skip=()))
    for t in profile.ort_tables:
        out += _table("[[ort_tables]]", _ort_pairs(t))
    for o in profile.organisations:
        out += _table("[[organisations]]", _pairs(o, skip=()))
    if profile.proposal != ProposalData():
        out += _table("[proposal]", _pairs(profile.proposal, skip=()))
    if profile.statement != StatementData():
        out += _table(
            "[statement]",
            _pairs(
                profile.statement,
                skip=tuple(k for k in ("issuer_department", "iban") if not getattr(profile.statement, k)),
            ),
        )
    return "\n".join(out).rstrip() + "\n"


def _table(header: str, pairs: list[tuple[str, str]]) -> list[str]:
    return [header, *(f"{key} = {value}" for key, value in pairs), ""]


def _pairs(record: Any, skip: Sequence[str], cents: Sequence[str] = ()) -> list[tuple[str, str]]:
    pairs = []
    for f in fields(record):
        value = getattr(record, f.name)
        if f.name in skip or f.name in ("source", "sources") or value is None:
            continue
        if f.name in cents:
            pairs.append((f.name.removesuffix("_cents"), _value(_euros(value))))
        else:
            pairs.append((f.name, _value(value)))
    return [*pairs, *_source_pairs(record)]


def _source_pairs(record: Any) -> list[tuple[str, str]]:
    pairs = [("source", _value(record.source))]
    if record.sources:
        inner = ", ".join(f"{k} = {_value(v)}" for k, v in record.sources.items())
        pairs.append(("sources", "{ " + inner + " }"))
    return pairs


def _municipality_pairs(m: MunicipalityData) -> list[tuple[str, str]]:
    pairs = [p for p in _pairs(m, skip=("money_cap_cents",)) if not (p[0] == "pledged_hours" and p[1] == "0")]
    if m.money_cap_cents is not None:
        at = next(i for i, p in enumerate(pairs) if p[0] == "cap_shortfall")
        pairs.insert(at, ("money_cap", _value(_euros(m.money_cap_cents))))
    return pairs


def _ort_pairs(t: OrtTableData) -> list[tuple[str, str]]:
    pairs = [
        (k, _value(getattr(t, k)))
        for k in ("valid_from", "valid_until", "exempt_stretch_minutes")
        if getattr(t, k) is not None
    ]
    inner = ", ".join(f"{band} = {_value(p)}" for band, p in t.percentages.items())
    pairs.append(("percentages", "{ " + inner + " }"))
    rows = [
        f"  {{ from = {_value(a)}, until = {_value(b)}, band = {_value(c)} }},"
        for a, b, c in t.weekday_windows
    ]
    pairs.append(("weekday_windows", "[\n" + "\n".join(rows) + "\n]"))
    return [*pairs, *_source_pairs(t)]


def _euros(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2).quantize(Decimal("0.01"))


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, date)):
        return str(value)
    if isinstance(value, Decimal):
        return _value(format(value, "f"))
    if isinstance(value, (tuple, list)):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, str):
        escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
        return f'"{escaped}"'
    raise TypeError(f"cannot write {type(value).__name__}")


def read_file(path: Any) -> Profile:
    from pathlib import Path

    file = Path(path)
    return read_profile(file.read_text(encoding="utf-8"), file.name)

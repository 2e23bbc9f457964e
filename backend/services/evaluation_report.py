"""The evaluation report the coordinating municipality delivers to every participant (seed 000, §2.11):
per year and for the whole pilot, from piket's own data, with no person's name in it.

Its money comes from the settlement (actual mode, and budget mode for what was planned), so the report
and the settlement agree to the cent; its hours are the settlement's approved minutes per employer,
split by kind of work. Counts per municipality that could point to a person (an address's outcome, a
colleague's alarm) are shown as "< 5" when they are 1 to 4; when that leaves exactly one hidden cell in
a column whose total is shown, the next smallest is hidden too, so no hidden count follows by
subtraction. The figures underneath stay exact, and every total is the sum of its lines.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.models import (
    Callout,
    CalloutStatus,
    HourCategory,
    Offer,
    OfferStatus,
    Shift,
    ShiftKind,
)
from backend.services import evaluation, profile, safety, settlement
from backend.services.errors import NotFound, ServiceError
from backend.services.ledger import BAND_FIELDS
from scheduling import ort
from scheduling.calendar import local_day_start

SMALL = 5
"""Counts from 1 up to (not including) this are hidden where they could point to a person."""

IRREGULAR_FIELDS = tuple(f for band, f in BAND_FIELDS.items() if band is not ort.Band.PLAIN)


@dataclass(frozen=True)
class Count:
    """A count as the report shows it: exact, or hidden as "< 5"."""

    value: int
    hidden: bool = False


@dataclass(frozen=True)
class MunicipalityLine:
    name: str
    control_days: int
    """Planned control days held (ended with a valid pair)."""
    callouts: int
    """Call-outs held (ended with a valid pair)."""
    callout_target: int
    """The plan's call-outs, apportioned by population."""
    addresses: int
    """Addresses visited (control days and call-outs), from the recorded findings."""
    address_target: int
    """The plan's controls (addresses), apportioned by population."""
    not_held: int
    cancelled: int
    minutes: dict[HourCategory, int]
    """Approved minutes of this municipality's own inspectors, by kind of work."""
    irregular_minutes: int
    """Of those, the minutes in an ORT band."""
    ort_cents: int
    budget_cents: int
    """What the plan asked of this municipality: its cost share in the budget-mode settlement."""
    cost_share_cents: int
    delivered_cents: int
    balance_cents: int
    violations: Count
    police_signals: Count
    care_offered: Count
    missed_checkouts: Count = Count(0)
    """Alerts for a pair that did not check out ("Veilig klaar") in time."""
    alarms: Count = Count(0)
    """The alarm button and check-outs with the code word, together (which of the two stays with the team)."""

    @property
    def total_minutes(self) -> int:
        return sum(self.minutes.values())


@dataclass(frozen=True)
class Staffing:
    """How fast call-outs got a pair, and what it took."""

    created: int
    filled: int
    minutes_to_pair: list[int]
    cancelled_before_pair: int
    nobody_accepted: int
    """Given up with no acceptance at all."""
    one_accepted: int
    """Given up with one person only (a pair needs two, one of them trained)."""
    still_open: int
    reminders: int
    """Offers that needed a reminder."""
    escalated: int
    """Call-outs escalated to the coordinator for want of answers."""
    widened: int
    """Call-outs widened to every designated inspector."""

    @property
    def median(self) -> float | None:
        return statistics.median(self.minutes_to_pair) if self.minutes_to_pair else None

    @property
    def p90(self) -> int | None:
        """The 90th percentile (nearest rank): nine in ten call-outs had their pair within this."""
        if not self.minutes_to_pair:
            return None
        ranked = sorted(self.minutes_to_pair)
        return ranked[max(0, -(-9 * len(ranked) // 10) - 1)]

    @property
    def never_staffed(self) -> int:
        return self.cancelled_before_pair + self.nobody_accepted + self.one_accepted


@dataclass(frozen=True)
class Report:
    years: tuple[int, ...]
    """One year, or every year of the pilot."""
    lines: tuple[MunicipalityLine, ...]
    staffing: Staffing
    with_police: int
    administrative: int
    partners: dict[str, int]
    unrecorded: int
    categories: tuple[HourCategory, ...]
    """The kinds of work with approved hours, in their order."""
    alerts_resolved: dict[str, int] = field(default_factory=dict)
    """Safety alerts resolved, by what happened (AlertOutcome's values)."""
    unpriced: tuple[ServiceError, ...] = field(default_factory=tuple)
    """The years whose money could not be settled (no budget or ORT table): their money is left out."""

    @property
    def totals(self) -> dict[str, int]:
        """Each number column's total: the sum of its lines (hidden counts included, exact)."""
        sums: dict[str, int] = {}
        for name in NUMBER_COLUMNS:
            sums[name] = sum(_number(getattr(line, name)) for line in self.lines)
        for category in self.categories:
            sums[category.value] = sum(line.minutes.get(category, 0) for line in self.lines)
        sums["total_minutes"] = sum(line.total_minutes for line in self.lines)
        return sums

    @property
    def title_years(self) -> str:
        return str(self.years[0]) if len(self.years) == 1 else f"{self.years[0]}-{self.years[-1]}"


NUMBER_COLUMNS = (
    "control_days",
    "callouts",
    "callout_target",
    "addresses",
    "address_target",
    "not_held",
    "cancelled",
    "irregular_minutes",
    "ort_cents",
    "budget_cents",
    "cost_share_cents",
    "delivered_cents",
    "balance_cents",
    "violations",
    "police_signals",
    "care_offered",
    "missed_checkouts",
    "alarms",
)
FINDINGS = ("violations", "police_signals", "care_offered")
SAFETY = ("missed_checkouts", "alarms")
HIDABLE = FINDINGS + SAFETY


def _number(value: int | Count) -> int:
    return value.value if isinstance(value, Count) else value


def pilot_years(session: Session) -> tuple[int, ...]:
    """The years of the pilot: every year the team's plan covers, first to last."""
    years = sorted(profile.plan_years(session))
    if not years:
        raise NotFound("year", "the team's profile has no plan; load or enter it first", "no_plan")
    return tuple(range(years[0], years[-1] + 1))


def report(session: Session, now: datetime, years: Sequence[int]) -> Report:
    """The report over these years, as things stand at `now` (only what has happened counts)."""
    parts = [_year(session, now, year) for year in years]
    return _combined(tuple(years), parts)


@dataclass(frozen=True)
class _Year:
    lines: list[MunicipalityLine]
    staffing: Staffing
    accompaniment: evaluation.Accompaniment
    unpriced: ServiceError | None
    alerts_resolved: Counter[str]


def _year(session: Session, now: datetime, year: int) -> _Year:
    start, end = local_day_start(date(year, 1, 1)), local_day_start(date(year + 1, 1, 1))
    members = profile.taking_part(session, date(year, 1, 1), date(year, 12, 31))
    participating = evaluation.participating(session)
    all_counts = evaluation.control_counts(session, year, participating, start, end, now)
    held = {
        kind: {
            c.label: c.held
            for c in evaluation.control_counts(session, year, members, start, end, now, (kind,))
        }
        for kind in (ShiftKind.CONTROL, ShiftKind.CALLOUT)
    }
    callout_targets = evaluation.plan_targets(session, year, members, lambda plan: plan.callouts)
    minutes, irregular = _minutes(session, year)
    money, unpriced = _money(session, year)
    alerts = safety.summary(session, date(year, 1, 1), date(year, 12, 31))
    targets = {c.label: c.target for c in all_counts}
    addresses = {a.label: a for a in evaluation.address_counts(session, participating, targets, start, end)}
    counts = {c.label: c for c in all_counts}
    accompaniment = evaluation.accompaniment_of(session, start, end, sum(c.held for c in all_counts))
    lines = []
    for member, callout_target in zip(members, callout_targets, strict=True):
        address = addresses.get(member.name) or evaluation.AddressCount(member.name, *([0] * 7))
        count = counts.get(member.name) or evaluation.ControlCount(member.name, 0, 0, 0, 0)
        paid = money.get(member.id, {})
        lines.append(
            MunicipalityLine(
                name=member.name,
                control_days=held[ShiftKind.CONTROL][member.name],
                callouts=held[ShiftKind.CALLOUT][member.name],
                callout_target=callout_target,
                addresses=address.visited,
                address_target=address.target,
                not_held=count.not_held,
                cancelled=count.cancelled,
                minutes=minutes.get(member.id, {}),
                irregular_minutes=irregular.get(member.id, 0),
                ort_cents=paid.get("ort_cents", 0),
                budget_cents=paid.get("budget_cents", 0),
                cost_share_cents=paid.get("cost_share_cents", 0),
                delivered_cents=paid.get("delivered_cents", 0),
                balance_cents=paid.get("balance_cents", 0),
                violations=Count(address.violation),
                police_signals=Count(address.police_signals),
                care_offered=Count(address.care_offered),
                missed_checkouts=Count(alerts.get(member.name, NO_ALERTS).missed_checkouts),
                alarms=Count(_alarms(alerts.get(member.name, NO_ALERTS))),
            )
        )
    resolved: Counter[str] = Counter()
    for tally in alerts.values():
        resolved.update(tally.resolved or {})
    return _Year(lines, _staffing(session, start, end, now), accompaniment, unpriced, resolved)


NO_ALERTS = safety.Counts()


def _alarms(tally: safety.Counts) -> int:
    """The alarm button and the code word together: which of the two it was stays with the team."""
    return tally.alarms + tally.duress


def _minutes(session: Session, year: int) -> tuple[dict[int, dict[HourCategory, int]], dict[int, int]]:
    """The settlement's approved minutes per employer and kind of work, and of those the ORT minutes."""
    by_category: dict[int, dict[HourCategory, int]] = {}
    irregular: Counter[int] = Counter()
    for employer, category, *bands in settlement.approved_minutes(
        session, date(year, 1, 1), date(year, 12, 31)
    ):
        minutes = dict(zip(BAND_FIELDS.values(), (int(m or 0) for m in bands), strict=True))
        by_category.setdefault(employer, {})[category] = sum(minutes.values())
        irregular[employer] += sum(minutes[f] for f in IRREGULAR_FIELDS)
    return by_category, dict(irregular)


def _money(session: Session, year: int) -> tuple[dict[int, dict[str, int]], ServiceError | None]:
    """Per municipality: the actual settlement's columns and the budget's cost share; or why not."""
    try:
        actual = settlement.settle(session, year, mode="actual")
        planned = settlement.settle(session, year, mode="budget")
    except ServiceError as refused:
        return {}, refused
    planned_share = {line.municipality_id: line.cost_share_cents for line in planned.lines}
    return {
        line.municipality_id: {
            "ort_cents": line.ort_cents,
            "cost_share_cents": line.cost_share_cents,
            "delivered_cents": line.delivered_cents,
            "balance_cents": line.balance_cents,
            "budget_cents": planned_share.get(line.municipality_id, 0),
        }
        for line in actual.lines
    }, None


def _staffing(session: Session, start: datetime, end: datetime, now: datetime) -> Staffing:
    callouts = list(
        session.execute(
            select(Callout)
            .join(Shift, Shift.id == Callout.shift_id)
            .where(Callout.created_at >= start, Callout.created_at < end, Shift.kind == ShiftKind.CALLOUT)
        ).scalars()
    )
    ids = [c.id for c in callouts]
    shift_ids = {c.id: c.shift_id for c in callouts}
    accepted = (
        Counter(
            dict(
                session.execute(
                    select(Offer.shift_id, func.count())
                    .where(
                        Offer.shift_id.in_(shift_ids.values()),
                        Offer.status.in_((OfferStatus.ACCEPTED, OfferStatus.STANDBY)),
                    )
                    .group_by(Offer.shift_id)
                ).all()
            )
        )
        if ids
        else Counter()
    )
    reminders = (
        session.execute(
            select(func.count())
            .select_from(Offer)
            .where(Offer.shift_id.in_(shift_ids.values()), Offer.reminded_at.is_not(None))
        ).scalar_one()
        if ids
        else 0
    )
    given_up = [c for c in callouts if c.status is CalloutStatus.UNSTAFFED]
    return Staffing(
        created=len(callouts),
        filled=sum(c.status is CalloutStatus.FILLED for c in callouts),
        minutes_to_pair=sorted(
            int((c.filled_at - c.created_at) / timedelta(minutes=1))
            for c in callouts
            if c.status is CalloutStatus.FILLED and c.filled_at
        ),
        cancelled_before_pair=sum(
            c.status is CalloutStatus.CANCELLED and c.filled_at is None for c in callouts
        ),
        nobody_accepted=sum(accepted[c.shift_id] == 0 for c in given_up),
        one_accepted=sum(accepted[c.shift_id] >= 1 for c in given_up),
        still_open=sum(c.status is CalloutStatus.OPEN for c in callouts),
        reminders=int(reminders),
        escalated=sum(c.escalated_at is not None for c in callouts),
        widened=sum(c.widened_at is not None for c in callouts),
    )


def _combined(years: tuple[int, ...], parts: list[_Year]) -> Report:
    lines = _summed_lines([p.lines for p in parts])
    categories = tuple(c for c in HourCategory if any(line.minutes.get(c) for line in lines))
    partners: Counter[str] = Counter()
    for part in parts:
        partners.update(part.accompaniment.partners)
    return Report(
        years=years,
        lines=tuple(_hidden(lines)),
        staffing=_summed_staffing([p.staffing for p in parts]),
        with_police=sum(p.accompaniment.with_police for p in parts),
        administrative=sum(p.accompaniment.administrative for p in parts),
        partners=dict(sorted(partners.items())),
        unrecorded=sum(p.accompaniment.unrecorded for p in parts),
        categories=categories,
        alerts_resolved=dict(sum((p.alerts_resolved for p in parts), Counter[str]())),
        unpriced=tuple(p.unpriced for p in parts if p.unpriced is not None),
    )


def _summed_lines(per_year: list[list[MunicipalityLine]]) -> list[MunicipalityLine]:
    """Lines by municipality over the years, in the order they first appear (a member may join later)."""
    summed: dict[str, MunicipalityLine] = {}
    for lines in per_year:
        for line in lines:
            summed[line.name] = _add(summed[line.name], line) if line.name in summed else line
    return list(summed.values())


def _add(a: MunicipalityLine, b: MunicipalityLine) -> MunicipalityLine:
    summed: dict[str, Any] = {
        name: getattr(a, name) + getattr(b, name) for name in NUMBER_COLUMNS if name not in HIDABLE
    }
    summed.update({name: Count(getattr(a, name).value + getattr(b, name).value) for name in HIDABLE})
    minutes = Counter(a.minutes)
    minutes.update(b.minutes)
    return replace(a, **summed, minutes=dict(minutes))


def _summed_staffing(parts: Iterable[Staffing]) -> Staffing:
    parts = list(parts)
    return Staffing(
        created=sum(p.created for p in parts),
        filled=sum(p.filled for p in parts),
        minutes_to_pair=sorted(m for p in parts for m in p.minutes_to_pair),
        **{
            name: sum(getattr(p, name) for p in parts)
            for name in (
                "cancelled_before_pair",
                "nobody_accepted",
                "one_accepted",
                "still_open",
                "reminders",
                "escalated",
                "widened",
            )
        },
    )


def _hidden(lines: list[MunicipalityLine]) -> list[MunicipalityLine]:
    """Small counts hidden, with a second cell hidden where one alone would follow from the total."""
    for name in HIDABLE:
        values = [getattr(line, name).value for line in lines]
        hide = {i for i, v in enumerate(values) if 0 < v < SMALL}
        if len(hide) == 1 and sum(values) >= SMALL:
            rest = sorted((v, i) for i, v in enumerate(values) if i not in hide and v > 0)
            if rest:
                hide.add(rest[0][1])
        hidden: list[dict[str, Any]] = [{name: Count(values[i], i in hide)} for i in range(len(lines))]
        lines = [replace(line, **changed) for line, changed in zip(lines, hidden, strict=True)]
    return lines


def shown(count: Count) -> str:
    """What the report prints for a count."""
    return f"< {SMALL}" if count.hidden else str(count.value)


def total_shown(value: int) -> str:
    """A hidable column's total: hidden too when it is small itself."""
    return f"< {SMALL}" if 0 < value < SMALL else str(value)


MONEY_FORMAT = '"€" #,##0.00;"€" -#,##0.00'
HOURS_FORMAT = "[h]:mm"


def write_xlsx(
    out: IO[bytes], found: Report, region: str, printed_at: datetime, gettext: Callable[[str], str]
) -> None:
    """The report as a workbook, one sheet a section, in the reader's language: counts as numbers, hours
    as hours:minutes, money in euros; no formulas (each total is written, and is the sum of its lines)."""
    _ = gettext
    book = Workbook()
    book.remove(book.worksheets[0])
    totals = found.totals
    title = f"{_('Evaluation report')} {found.title_years}"

    def sheet(
        name: str, header: Sequence[str], rows: Iterable[Sequence[Any]], formats: dict[int, str] | None = None
    ) -> None:
        page = book.create_sheet(name[:31])
        page.append([title, region, f"{_('printed')} {printed_at:%Y-%m-%d %H:%M} UTC"])
        page.append([])
        page.append(list(header))
        for cell in page[3]:
            cell.font = Font(bold=True)
        for row in rows:
            page.append(list(row))
        for column, number_format in (formats or {}).items():
            for (cell,) in page.iter_rows(min_row=4, min_col=column, max_col=column):
                if isinstance(cell.value, int | float):
                    cell.number_format = number_format
        for column_cells in page.columns:
            width = max((len(str(c.value)) for c in column_cells[2:] if c.value is not None), default=8)
            page.column_dimensions[column_cells[0].column_letter].width = min(max(width + 2, 10), 40)
        page.freeze_panes = "B4"

    total_label = _("Total")
    sheet(
        _("Controls"),
        [
            _("Municipality"),
            _("control days held"),
            _("call-outs held"),
            _("call-outs in the plan"),
            _("addresses visited"),
            _("addresses in the plan"),
            _("ended without a pair"),
            _("cancelled"),
        ],
        [
            *(
                [
                    line.name,
                    line.control_days,
                    line.callouts,
                    line.callout_target,
                    line.addresses,
                    line.address_target,
                    line.not_held,
                    line.cancelled,
                ]
                for line in found.lines
            ),
            [
                total_label,
                *(
                    totals[n]
                    for n in (
                        "control_days",
                        "callouts",
                        "callout_target",
                        "addresses",
                        "address_target",
                        "not_held",
                        "cancelled",
                    )
                ),
            ],
        ],
    )

    def cell(count: Count) -> int | str:
        return shown(count) if count.hidden else count.value

    def total_cell(value: int) -> int | str:
        return total_shown(value) if 0 < value < SMALL else value

    sheet(
        _("Findings"),
        [_("Municipality"), _("violations"), _("signals to the police"), _("care offered")],
        [
            *([line.name, *(cell(getattr(line, n)) for n in FINDINGS)] for line in found.lines),
            [total_label, *(total_cell(totals[n]) for n in FINDINGS)],
        ],
    )
    sheet(
        _("Safety"),
        [_("Municipality"), _("check-outs missed"), _("alarms")],
        [
            *([line.name, *(cell(getattr(line, n)) for n in SAFETY)] for line in found.lines),
            [total_label, *(total_cell(totals[n]) for n in SAFETY)],
            [],
            [_("Alerts resolved"), sum(found.alerts_resolved.values())],
            *(
                [_(safety.OUTCOME_WORDS[o]), found.alerts_resolved.get(o.value, 0)]
                for o in safety.OUTCOME_WORDS
            ),
        ],
    )
    staffing = found.staffing
    sheet(
        _("Staffing"),
        [_("What"), _("Count")],
        [
            [_("Call-outs made"), staffing.created],
            [_("Staffed with a confirmed pair"), staffing.filled],
            [_("Minutes to a pair, median"), staffing.median if staffing.median is not None else "–"],
            [_("Minutes to a pair, 9 in 10 within"), staffing.p90 if staffing.p90 is not None else "–"],
            [_("Never staffed"), staffing.never_staffed],
            [_("cancelled before a pair was found"), staffing.cancelled_before_pair],
            [_("nobody accepted in time"), staffing.nobody_accepted],
            [_("one person accepted, no second"), staffing.one_accepted],
            [_("Still open"), staffing.still_open],
            [_("Offers that needed a reminder"), staffing.reminders],
            [_("Call-outs escalated to the coordinator"), staffing.escalated],
            [_("Call-outs widened to every designated inspector"), staffing.widened],
        ],
    )
    day = 24 * 60
    columns = len(found.categories) + 2
    sheet(
        _("Hours"),
        [
            _("Municipality"),
            *(_(c.value) for c in found.categories),
            _("total"),
            _("of which in an ORT band"),
        ],
        [
            *(
                [
                    line.name,
                    *(line.minutes.get(c, 0) / day for c in found.categories),
                    line.total_minutes / day,
                    line.irregular_minutes / day,
                ]
                for line in found.lines
            ),
            [
                total_label,
                *(totals[c.value] / day for c in found.categories),
                totals["total_minutes"] / day,
                totals["irregular_minutes"] / day,
            ],
        ],
        dict.fromkeys(range(2, columns + 2), HOURS_FORMAT),
    )
    money = ("budget_cents", "cost_share_cents", "ort_cents", "delivered_cents", "balance_cents")
    sheet(
        _("Cost"),
        [_("Municipality"), _("budget"), _("actual share of cost"), "ORT", _("Delivered"), _("Balance")],
        [
            *([line.name, *(getattr(line, n) / 100 for n in money)] for line in found.lines),
            [total_label, *(totals[n] / 100 for n in money)],
        ],
        dict.fromkeys(range(2, 7), MONEY_FORMAT),
    )
    sheet(
        _("Who went along"),
        [_("What"), _("Count")],
        [
            [_("Together with the police (TMM)"), found.with_police],
            [_("Administrative only"), found.administrative],
            [_("Held, findings not recorded yet"), found.unrecorded],
            *(
                [_("Joined by %(organisation)s") % {"organisation": name}, n]
                for name, n in found.partners.items()
            ),
        ],
    )
    book.save(out)

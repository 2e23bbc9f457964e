"""A municipality's statement of the settlement: what the coordinating municipality sends it.

It says who issues it and to whom, whether its figures are final (every day of the
period closed, actual mode) or provisional, the rates and the ORT basis they rest
on, the population reference date, a reference that stays the same for the same
municipality and period, and the payment terms. Its share is shown as the ratio
it is (inhabitants over the inhabitants of all taking part), so the amount can be
recomputed from what is printed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.models import Municipality, PeriodLock
from backend.profile_file import StatementData
from backend.services import profile
from backend.services.errors import Refused
from backend.services.settlement import Line, Settlement
from scheduling.money import BudgetLine
from scheduling.ort import BandTable


@dataclass(frozen=True)
class Statement:
    result: Settlement
    line: Line
    issuer: str
    """The coordinating municipality."""
    recipient: Municipality
    is_final: bool
    reference: str
    everyone: int
    """Inhabitants of all municipalities taking part: the share is line.population / everyone."""
    population_dates: tuple[date, ...]
    rates: tuple[BudgetLine, ...]
    ort_tables: tuple[BandTable, ...]
    terms: StatementData
    issued_on: date
    pay_by: date

    @property
    def share(self) -> Fraction:
        return Fraction(self.line.population, self.everyone) if self.everyone else Fraction(0)

    @property
    def plain_share_cents(self) -> int:
        """The cost share as the ratio gives it (before a money cap moved it), rounded once."""
        return self.line.cost_share_cents - self.line.cap_shortfall_cents


def reference(result: Settlement, municipality_id: int) -> str:
    """Stable and unique per municipality and period (and mode): the same statement printed twice
    carries the same reference."""
    period = f"Q{result.quarter}" if result.quarter else "Y"
    return f"PIKET-{result.year}-{period}-{result.mode[0].upper()}-{municipality_id:04d}"


def is_closed(session: Session, start: date, end: date) -> bool:
    """Every day of [start, end] lies in a closed period."""
    locks = session.execute(
        select(PeriodLock)
        .where(PeriodLock.period_end >= start, PeriodLock.period_start <= end)
        .order_by(PeriodLock.period_start)
    ).scalars()
    day = start
    for lock in locks:
        if lock.period_start > day:
            return False
        day = max(day, lock.period_end + timedelta(days=1))
    return day > end


def statement(
    session: Session, result: Settlement, municipality_id: int, today: date, terms: StatementData
) -> Statement:
    """The statement of one municipality's line of the settlement, dated `today`."""
    members = profile.taking_part(session, result.start, result.end)
    coordinating = next((m.name for m in members if m.is_coordinating), None)
    if coordinating is None:
        raise Refused(
            "no participating municipality coordinates the team, so no one issues statements",
            field="municipality_id",
            code="one_coordinating",
        )
    recipient = session.get_one(Municipality, municipality_id)
    budget = profile.budget(session, result.year)
    return Statement(
        result=result,
        line=result.line(municipality_id),
        issuer=coordinating,
        recipient=recipient,
        is_final=result.mode == "actual" and is_closed(session, result.start, result.end),
        reference=reference(result, municipality_id),
        everyone=sum(m.population for m in members),
        population_dates=tuple(sorted({m.population_date for m in members})),
        rates=budget.lines,
        ort_tables=_tables_in(session, result.start, result.end),
        terms=terms,
        issued_on=today,
        pay_by=today + timedelta(days=terms.payment_days),
    )


def _tables_in(session: Session, start: date, end: date) -> tuple[BandTable, ...]:
    try:
        tables = profile.band_tables(session)
    except Refused:
        return ()
    return tuple(t for t in tables if t.effective_from <= end and t.effective_until >= start)

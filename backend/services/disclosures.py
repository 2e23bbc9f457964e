"""The register of disclosures: every export, statement, backup, hand-over and access request says who
receives it and why, and is recorded (the guideline's sharing rule, seed 001).

Receiver and purpose are asked each time; the last ones a person gave for a kind
are offered again (remembered per actor and kind, read from the register itself,
so there is nothing else to keep in step). The register holds no names of
inspectors: what was selected is kept as ids and dates.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.models import Disclosure
from backend.services.errors import N_, ServiceError

LONGEST_TEXT = 200
KINDS = {
    "ledger.csv": N_("the hour ledger as CSV"),
    "ledger.xlsx": N_("the hour ledger as XLSX"),
    "ledger.json": N_("the hour ledger through the API"),
    "settlement.csv": N_("the settlement as CSV"),
    "settlement.xlsx": N_("the settlement as XLSX"),
    "settlement.json": N_("the settlement through the API"),
    "statement": N_("a statement to a municipality"),
    "payroll.csv": N_("the payroll list with names as CSV"),
    "payroll.xlsx": N_("the payroll list with names as XLSX"),
    "backup": N_("an encrypted backup"),
    "subject": N_("a person's own data for an access request"),
    "report": N_("a report handed over"),
    "disclosures.csv": N_("the register of disclosures as CSV"),
    "evaluation.report": N_("the evaluation report"),
    "evaluation.xlsx": N_("the evaluation report as XLSX"),
}
"""What can leave piket, with its words for people (message ids); a hand-over of another kind is
refused so the register stays readable. The register's CSV keeps the codes."""


@dataclass(frozen=True)
class Choice:
    """Who receives it and why."""

    receiver: str
    purpose: str


ASKED = {"receiver": N_("say who receives it"), "purpose": N_("say why they need it")}
"""What a disclosure must say, by field, when it is left out."""


def checked(receiver: str | None, purpose: str | None) -> Choice:
    """Both given, printable and short; else a refusal naming the field."""
    values = {}
    for field, value in (("receiver", receiver), ("purpose", purpose)):
        text = " ".join((value or "").split())
        if not text or not text.isprintable():
            raise ServiceError(ASKED[field], field)
        if len(text) > LONGEST_TEXT:
            raise ServiceError("at most %(limit)s characters", field, params={"limit": LONGEST_TEXT})
        values[field] = text
    return Choice(**values)


def record(
    session: Session,
    *,
    at: datetime,
    actor: str,
    kind: str,
    receiver: str | None,
    purpose: str | None,
    scope: dict[str, Any] | None = None,
) -> Disclosure:
    """Record one disclosure; refused (ServiceError) without a receiver or a purpose."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind of disclosure: {kind}")
    choice = checked(receiver, purpose)
    row = Disclosure(
        at=at,
        actor=actor,
        kind=kind,
        receiver=choice.receiver,
        purpose=choice.purpose,
        scope=json.dumps(scope or {}, sort_keys=True, default=str),
    )
    session.add(row)
    session.flush()
    return row


def remembered(session: Session, actor: str, kind: str) -> Choice | None:
    """The receiver and purpose this actor gave last time for this kind, to offer again."""
    last = session.execute(
        select(Disclosure)
        .where(Disclosure.actor == actor, Disclosure.kind == kind)
        .order_by(Disclosure.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    return Choice(last.receiver, last.purpose) if last else None


def resolved(session: Session, actor: str, kind: str, receiver: str | None, purpose: str | None) -> Choice:
    """What was given, else what was remembered; refused when neither says both."""
    last = remembered(session, actor, kind)
    if last is not None:
        receiver, purpose = receiver or last.receiver, purpose or last.purpose
    return checked(receiver, purpose)


REGISTER_HEADER = ("id", "at", "actor", "kind", "receiver", "purpose", "scope")
PAGE = 100


def register_page(session: Session, page: int = 1) -> list[Disclosure]:
    """One page of the register, newest first."""
    return list(
        session.execute(
            select(Disclosure).order_by(Disclosure.id.desc()).offset((page - 1) * PAGE).limit(PAGE)
        ).scalars()
    )


def register_rows(session: Session) -> Iterator[tuple[Any, ...]]:
    """The whole register, oldest first, as plain values (receiver and purpose opened, instants in UTC)."""
    rows = session.execute(select(Disclosure).order_by(Disclosure.id).execution_options(yield_per=500))
    for row in rows.scalars():
        yield (
            row.id,
            row.at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            row.actor,
            row.kind,
            row.receiver,
            row.purpose,
            row.scope,
        )

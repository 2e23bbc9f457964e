"""What a control found, recorded after it as counts, and the warning of a second control too soon.

The report writer (bot) or the coordinator (web, API) records per control whether the police joined
(TMM) or it was administrative only, which of the profile's partner organisations joined, and per
visited address only its outcome: nobody present, no violation, or a violation (followed up by the
municipality where the address lies), whether a signal of human trafficking went to the police (and
when), and whether care was offered. No person and no address is stored with them.

For the repeat warning an address is kept only as a keyed hash of its normalised spelling
(`KeyRing.address_mark`, a key of its own), for the team's `repeat_warning_months`; retention
erases older hashes (`forget_old_addresses`).
"""

from __future__ import annotations

import calendar
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from backend.db import rows_changed
from backend.models import (
    AddressFinding,
    ControlledAddress,
    ControlRecord,
    Municipality,
    Outcome,
    Shift,
    ShiftKind,
    ShiftStatus,
)
from backend.services import audit, profile
from backend.services.errors import NotFound, Refused
from scheduling.calendar import local_date
from secure_store.types import address_mark

CONTROLLED = (ShiftKind.CONTROL, ShiftKind.CALLOUT)
MAX_ADDRESSES = 30
"""More than a control day can visit (the plan says 4–5); a guard against a slip of the finger."""


@dataclass(frozen=True)
class AddressIn:
    """One visited address as recorded: where it lies (by municipality) and what came of it."""

    municipality_id: int
    outcome: Outcome
    police_signal_at: datetime | None = None
    is_care_offered: bool = False
    address: str = ""
    """Only for the repeat warning: hashed at once, never stored."""


@dataclass(frozen=True)
class RecentControl:
    """The last control of an address inside the warning period."""

    controlled_on: date
    label: str
    """The control's number, such as 2027-014."""


@dataclass(frozen=True)
class ControlLine:
    """A control in the list to record: what, where, when, and its addresses so far."""

    shift_id: int
    label: str
    kind: str
    municipality: str
    starts_at: datetime
    addresses: int | None
    """None while nothing is recorded."""


def control_label(shift: Shift) -> str:
    """The number a control is known by: its year and its id (stable: it never changes)."""
    return f"{local_date(shift.starts_at).year}-{shift.id:03d}"


# -- recording ---------------------------------------------------------------------------------


def record_control(
    session: Session,
    now: datetime,
    actor: str,
    shift_id: int,
    *,
    is_with_police: bool,
    partners: Sequence[str],
    addresses: Sequence[AddressIn],
) -> ControlRecord:
    """Record (or record again, replacing) what a control found; refused before it started."""
    shift = _controlled_shift(session, now, shift_id)
    _check(session, now, shift, partners, addresses)
    record = record_of(session, shift.id)
    if record is None:
        record = ControlRecord(shift_id=shift.id)
        session.add(record)
    record.is_with_police, record.partners = is_with_police, list(dict.fromkeys(partners))
    record.recorded_by, record.recorded_at = actor, now
    record.addresses = []
    session.flush()  # the old lines go before the new ones take their numbers
    record.addresses = [
        AddressFinding(
            number=n,
            municipality_id=a.municipality_id,
            outcome=a.outcome,
            police_signal_at=a.police_signal_at,
            is_care_offered=a.is_care_offered,
        )
        for n, a in enumerate(addresses, 1)
    ]
    shift.is_with_police = is_with_police
    for given in addresses:
        if given.address.strip():
            remember_address(session, now, shift, given.address)
    session.flush()
    audit.record(
        session,
        now,
        actor,
        "control.recorded",
        f"shift:{shift.id}",
        {"addresses": len(addresses), "with_police": is_with_police, "partners": len(record.partners)},
    )
    return record


def _controlled_shift(session: Session, now: datetime, shift_id: int) -> Shift:
    shift = session.get(Shift, shift_id)
    if shift is None or shift.kind not in CONTROLLED:
        raise NotFound("shift_id", "no control day or call-out with this id")
    if shift.status == ShiftStatus.CANCELLED:
        raise Refused("this control was cancelled; there is nothing to record", field="shift_id")
    if shift.starts_at > now:
        raise Refused("this control has not started yet; record what it found afterwards", field="shift_id")
    return shift


def _check(
    session: Session, now: datetime, shift: Shift, partners: Sequence[str], addresses: Sequence[AddressIn]
) -> None:
    known = set(profile.organisations(session))
    if any(name not in known for name in partners):
        raise Refused("a partner must be one of the organisations in the team's profile", field="partners")
    if len(addresses) > MAX_ADDRESSES:
        raise Refused("more addresses than one control can visit", field="addresses")
    participating = set(
        session.execute(select(Municipality.id).where(Municipality.is_participating)).scalars()
    )
    for number, given in enumerate(addresses):
        at = f"addresses.{number}."  # the field's path, apart: pybabel takes no f-string in a refusal
        if given.municipality_id not in participating:
            raise Refused("the municipality must be one that takes part", field=at + "municipality_id")
        signal = given.police_signal_at
        if signal is not None and not shift.starts_at <= signal <= now:
            raise Refused(
                "the signal to the police lies between the start of the control and now",
                field=at + "police_signal_at",
            )


def record_of(session: Session, shift_id: int) -> ControlRecord | None:
    found = session.execute(select(ControlRecord).where(ControlRecord.shift_id == shift_id))
    return found.scalar_one_or_none()


def recent_controls(session: Session, now: datetime, days: int = 60) -> list[ControlLine]:
    """The controls that started in the last `days` days (not cancelled), newest first."""
    rows = session.execute(
        select(Shift, Municipality.name, ControlRecord)
        .join(Municipality, Municipality.id == Shift.municipality_id)
        .outerjoin(ControlRecord, ControlRecord.shift_id == Shift.id)
        .where(
            Shift.kind.in_(CONTROLLED),
            Shift.status != ShiftStatus.CANCELLED,
            Shift.starts_at <= now,
            Shift.starts_at > now - timedelta(days=days),
        )
        .order_by(Shift.starts_at.desc(), Shift.id.desc())
    ).all()
    return [
        ControlLine(
            shift.id,
            control_label(shift),
            shift.kind.value,
            name,
            shift.starts_at,
            None if record is None else len(record.addresses),
        )
        for shift, name, record in rows
    ]


# -- the repeat warning -------------------------------------------------------------------------


def normalise(address: str) -> str:
    """One spelling per address: no case, accents, spaces or punctuation ("Nieuwestad 12-A" is
    "nieuwestad12a"), so that the same place typed twice gives the same hash."""
    decomposed = unicodedata.normalize("NFKD", address.casefold())
    return "".join(c for c in decomposed if c.isalnum() and not unicodedata.combining(c))


def remember_address(session: Session, now: datetime, shift: Shift, address: str) -> None:
    """Keep that this address is controlled on the shift's day: its hash only."""
    mark = address_mark(normalise(address))
    if not mark_exists(session, mark, shift.id):
        session.add(
            ControlledAddress(
                address_mark=mark,
                shift_id=shift.id,
                controlled_on=local_date(shift.starts_at),
                created_at=now,
            )
        )


def mark_exists(session: Session, mark: str, shift_id: int) -> bool:
    return (
        session.execute(
            select(ControlledAddress.id).where(
                ControlledAddress.address_mark == mark, ControlledAddress.shift_id == shift_id
            )
        ).first()
        is not None
    )


def recent_control(session: Session, now: datetime, address: str) -> RecentControl | None:
    """The latest control of this address in the team's warning period (planned ones included, so
    that two call-outs for one place are noticed too); None for an empty or unknown address."""
    if not normalise(address):
        return None
    since = months_before(local_date(now), profile.repeat_warning_months(session))
    found = session.execute(
        select(ControlledAddress.controlled_on, Shift)
        .join(Shift, Shift.id == ControlledAddress.shift_id)
        .where(
            ControlledAddress.address_mark == address_mark(normalise(address)),
            ControlledAddress.controlled_on >= since,
            Shift.status != ShiftStatus.CANCELLED,
        )
        .order_by(ControlledAddress.controlled_on.desc(), Shift.id.desc())
        .limit(1)
    ).first()
    return None if found is None else RecentControl(found[0], control_label(found[1]))


def forget_old_addresses(session: Session, now: datetime) -> int:
    """Retention: erase the hashes of controls older than the warning period; returns how many."""
    since = months_before(local_date(now), profile.repeat_warning_months(session))
    old = delete(ControlledAddress).where(ControlledAddress.controlled_on < since)
    erased = rows_changed(session, old)
    if erased:
        audit.record(
            session, now, "job:retention", "addresses.forgotten", "controlled_addresses", {"erased": erased}
        )
    return int(erased or 0)


def months_before(day: date, months: int) -> date:
    """The same day `months` months earlier (the month's last day where it is shorter)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))

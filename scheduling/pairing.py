"""Who may go, in what order, and whether the people who said yes make a pair.

A pair is at least two inspectors, at least one of them trained; mixed-gender
is preferred but never required. `decide_acceptance` is the one rule the bot
and the web both call when someone accepts.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from fractions import Fraction
from itertools import combinations

from scheduling.calendar import local_date, team_zone
from scheduling.reasons import Reason
from scheduling.worktime import LAW, Limits, Shift, check_shift

Span = tuple[datetime, datetime]


@dataclass(frozen=True)
class Designation:
    municipality_id: int
    valid_from: date
    valid_until: date | None = None
    """Last valid day; None while in force."""

    def covers(self, municipality_id: int, day: date) -> bool:
        return (
            self.municipality_id == municipality_id
            and self.valid_from <= day
            and (self.valid_until is None or day <= self.valid_until)
        )


def is_trained(trained_since: date | None, day: date) -> bool:
    """Passed the course (Bestuurlijk Toezicht Prostitutie) on or before `day`."""
    return trained_since is not None and trained_since <= day


@dataclass(frozen=True)
class Member:
    """An inspector as the rules see them: no name, only what decides who may go."""

    inspector_id: int
    gender: str
    trained_since: date | None
    employer_id: int
    designations: tuple[Designation, ...] = ()
    is_active: bool = True
    unavailable: tuple[Span, ...] = ()
    shifts: tuple[Shift, ...] = ()
    """Shifts they already work (to check working-time law and double booking)."""
    delivered_minutes: int = 0
    """Minutes worked for the team this year."""
    recent_minutes: int = 0
    """Minutes worked in the last four weeks."""
    partners: frozenset[int] = frozenset()
    """Colleagues they went on a control or call-out with before."""

    def is_trained_on(self, day: date) -> bool:
        return is_trained(self.trained_since, day)

    def is_designated(self, municipality_id: int, day: date) -> bool:
        return any(d.covers(municipality_id, day) for d in self.designations)


@dataclass(frozen=True)
class Preference:
    """How much a proposal prefers expertise over spreading hours evenly (the team's profile).

    `expertise` 0 spreads only (the default); at 1 an experienced inspector ranks as if they had
    a colleague's average load less, and a roster pair gains a shift's worth of fairness for each
    experienced member and for having gone together before."""

    expertise: Fraction = Fraction(0)
    experienced_after_days: int = 365
    """Trained at least this long before the day: experienced."""

    def is_experienced(self, member: Member, day: date) -> bool:
        since = member.trained_since
        return since is not None and (day - since).days >= self.experienced_after_days

    def bonus(self, members: Sequence[Member], day: date) -> int:
        """Experienced members, plus one if the (first) two went together before."""
        familiar = len(members) >= 2 and members[1].inspector_id in members[0].partners
        return sum(self.is_experienced(m, day) for m in members) + familiar


SPREAD_ONLY = Preference()


@dataclass(frozen=True)
class Slot:
    """A control day or call-out window in one municipality."""

    municipality_id: int
    starts_at: datetime
    ends_at: datetime
    break_minutes: int = 60

    @property
    def shift(self) -> Shift:
        return Shift(self.starts_at, self.ends_at, self.break_minutes)

    @property
    def day(self) -> date:
        return local_date(self.starts_at)


@dataclass(frozen=True)
class Exclusion:
    inspector_id: int
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class Eligibility:
    ranked: tuple[Member, ...]
    """Who may go, the one most due first."""
    excluded: tuple[Exclusion, ...]
    night_shift: bool


def reasons_against(
    member: Member, slot: Slot, limits: Limits = LAW, ignore_unavailable: bool = False
) -> tuple[Reason, ...]:
    """Every reason this inspector cannot take this slot; empty when they can.

    `ignore_unavailable` is for a widened offer: it goes to people who said they
    were unavailable too (their choice), but never against working-time law.
    """
    if not member.is_active:
        return (Reason("inactive"),)
    found = []
    if not member.is_designated(slot.municipality_id, slot.day):
        found.append(Reason("not_designated", {"day": slot.day.strftime("%d-%m-%Y")}))
    for away_from, away_to in () if ignore_unavailable else member.unavailable:
        if away_from < slot.ends_at and slot.starts_at < away_to:
            found.append(Reason("unavailable", {"at": _span_text(away_from, away_to)}))
    found.extend(check_shift(slot.shift, member.shifts, limits).violations)
    return tuple(found)


def eligibility(
    slot: Slot,
    team: Sequence[Member],
    municipality_load: Mapping[int, Fraction] | None = None,
    limits: Limits = LAW,
    ignore_unavailable: bool = False,
    preference: Preference = SPREAD_ONLY,
) -> Eligibility:
    """Who may go to `slot`, ranked fairly, and why the others may not.

    `municipality_load` is each employer's delivered hours as a share of its
    pledge (1 = on target); inspectors of a municipality behind its pledge go first.
    """
    eligible, excluded = [], []
    for member in team:
        reasons = reasons_against(member, slot, limits, ignore_unavailable)
        if reasons:
            excluded.append(Exclusion(member.inspector_id, reasons))
        else:
            eligible.append(member)
    night = check_shift(slot.shift, (), limits).is_night_shift
    ranked = rank(eligible, municipality_load or {}, preference, slot.day)
    return Eligibility(tuple(ranked), tuple(excluded), night)


def rank(
    members: Sequence[Member],
    municipality_load: Mapping[int, Fraction],
    preference: Preference = SPREAD_ONLY,
    day: date | None = None,
) -> list[Member]:
    """Lowest load first: the employer against its pledge, plus hours and recent hours against colleagues;
    with a preference for expertise, an experienced inspector's load counts that much less on `day`."""
    mean_delivered = _mean([m.delivered_minutes for m in members])
    mean_recent = _mean([m.recent_minutes for m in members])

    def score(member: Member) -> tuple[Fraction, int]:
        load = municipality_load.get(member.employer_id, Fraction(1))
        load += _relative(member.delivered_minutes, mean_delivered)
        load += _relative(member.recent_minutes, mean_recent)
        if day is not None and preference.is_experienced(member, day):
            load -= preference.expertise
        return load, member.inspector_id

    return sorted(members, key=score)


def is_valid_pair(members: Sequence[Member], day: date) -> bool:
    return len(members) >= 2 and any(m.is_trained_on(day) for m in members)


def is_mixed(members: Sequence[Member]) -> bool:
    return len({m.gender for m in members}) > 1


class Outcome(enum.StrEnum):
    COMPLETE = "complete"
    """A valid pair stands: confirm it, withdraw the other offers."""
    WAIT_FOR_COLLEAGUE = "wait_for_colleague"
    WAIT_FOR_TRAINED = "wait_for_trained"
    WAIT_FOR_MIXED = "wait_for_mixed"
    """A same-gender pair could go, but someone who would make it mixed has not answered yet."""
    STANDBY = "standby"
    """The pair was already complete; the newcomer stands by."""


@dataclass(frozen=True)
class PairDecision:
    outcome: Outcome
    pair: tuple[int, ...] = ()
    standby: tuple[int, ...] = ()
    no_trained_left: bool = False
    """Nobody trained has said yes or can still answer: the coordinator must act."""


def decide_acceptance(
    day: date,
    confirmed: Sequence[Member],
    accepted: Sequence[Member],
    pending: Sequence[Member],
    prefer_mixed: bool = True,
) -> PairDecision:
    """What an acceptance means, given who is confirmed, who said yes (in order) and who may still answer.

    The first valid pair wins (a call-out is urgent); mixed-gender wins over
    same-gender among those who said yes, and a same-gender pair waits while
    someone who would make it mixed has not answered, unless `prefer_mixed` is off
    (the coordinator widened the offer, or the wait ran out).
    """
    if is_valid_pair(confirmed, day):
        return PairDecision(Outcome.STANDBY, _ids(confirmed), _ids(accepted))
    group = [*confirmed, *accepted]
    pairs = [p for p in combinations(group, 2) if set(_ids(confirmed)) <= set(_ids(p))]
    valid = [p for p in pairs if is_valid_pair(p, day)]
    if valid:
        mixed = [p for p in valid if is_mixed(p)]
        if not mixed and prefer_mixed and _could_be_mixed(group, pending, day):
            return PairDecision(Outcome.WAIT_FOR_MIXED)
        pair = (mixed or valid)[0]
        return PairDecision(
            Outcome.COMPLETE, _ids(pair), tuple(i for i in _ids(accepted) if i not in _ids(pair))
        )
    trained_left = any(m.is_trained_on(day) for m in [*group, *pending])
    outcome = Outcome.WAIT_FOR_COLLEAGUE if len(group) < 2 else Outcome.WAIT_FOR_TRAINED
    return PairDecision(outcome, no_trained_left=not trained_left)


def _could_be_mixed(group: Sequence[Member], pending: Sequence[Member], day: date) -> bool:
    return any(is_valid_pair((g, p), day) and is_mixed((g, p)) for g in group for p in pending)


def _ids(members: Sequence[Member]) -> tuple[int, ...]:
    return tuple(m.inspector_id for m in members)


def _mean(values: Sequence[int]) -> Fraction:
    return Fraction(sum(values), len(values)) if values else Fraction(0)


def _relative(value: int, mean: Fraction) -> Fraction:
    return value / mean if mean else Fraction(0)


def _span_text(starts_at: datetime, ends_at: datetime) -> str:
    start, end = starts_at.astimezone(team_zone()), ends_at.astimezone(team_zone())
    return f"{start:%d-%m %H:%M} - {end:%d-%m %H:%M}"

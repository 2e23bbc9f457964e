"""Roster proposals: a pair for every planned day that keeps every hard rule and spreads hours fairly.

Method: a greedy pass in date order, then local search. Hard rules
(designation, availability, working-time law, a trained member) are never
broken; among the pairs that keep them, a mixed-gender pair is preferred and
then the one that brings hours closest to target. Each inspector's target is
their municipality's pledge, shared by that municipality's inspectors, scaled
to the hours to be worked. The local search then replaces one member at a time
while that lowers (same-gender pairs, squared distance from target), until
nothing improves. The problem is small (tens of days, about fifteen people), so
this converges in well under a second and needs no solver; `scheduling/` may
only import the standard library. The result is not proven optimal: the
benchmark compares it with a naive rotation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from itertools import combinations

from scheduling.pairing import (
    SPREAD_ONLY,
    Exclusion,
    Member,
    Preference,
    Slot,
    eligibility,
    is_mixed,
    is_valid_pair,
    reasons_against,
)
from scheduling.reasons import Reason
from scheduling.worktime import LAW, Limits, Shift


@dataclass(frozen=True)
class Unstaffed:
    slot_index: int
    reason: Reason
    excluded: tuple[Exclusion, ...]
    """Why each of the others cannot go."""


@dataclass
class Proposal:
    pairs: dict[int, tuple[int, int]]
    """Slot index to the two inspector ids."""
    unstaffed: list[Unstaffed]
    minutes: dict[int, int]
    """Inspector id to minutes after the proposal (including what they delivered before)."""
    targets: dict[int, Fraction]
    same_gender: int = 0


@dataclass
class _State:
    slots: Sequence[Slot]
    team: dict[int, Member]
    targets: dict[int, Fraction]
    limits: Limits
    preference: Preference = SPREAD_ONLY
    pairs: dict[int, tuple[int, int]] = field(default_factory=dict)
    minutes: dict[int, int] = field(default_factory=dict)
    busy: dict[int, list[Shift]] = field(default_factory=dict)

    def can_go(self, inspector_id: int, index: int) -> bool:
        member = self.team[inspector_id]
        with_roster = _with_shifts(member, self.busy[inspector_id])
        return not reasons_against(with_roster, self.slots[index], self.limits)

    def assign(self, index: int, pair: tuple[int, int]) -> None:
        worked = self.slots[index].shift.worked_minutes
        for inspector_id in pair:
            self.minutes[inspector_id] += worked
            self.busy[inspector_id].append(self.slots[index].shift)
        self.pairs[index] = pair

    def release(self, index: int) -> tuple[int, int]:
        pair = self.pairs.pop(index)
        worked = self.slots[index].shift.worked_minutes
        for inspector_id in pair:
            self.minutes[inspector_id] -= worked
            self.busy[inspector_id].remove(self.slots[index].shift)
        return pair

    def cost(self, inspector_ids: Sequence[int]) -> Fraction:
        return self.cost_with(inspector_ids, 0)

    def expertise(self, index: int, pair: Sequence[int]) -> Fraction:
        """What the pair's expertise is worth on this day, in the cost's units: a shift's worth of
        squared distance for each point of the preference's bonus, times its weight (0: nothing)."""
        if not self.preference.expertise:
            return Fraction(0)
        worked = self.slots[index].shift.worked_minutes
        bonus = self.preference.bonus([self.team[i] for i in pair], self.slots[index].day)
        return self.preference.expertise * worked * worked * bonus

    def cost_with(self, inspector_ids: Sequence[int], extra_minutes: int) -> Fraction:
        """Squared distance from target of these inspectors, had they worked `extra_minutes` more."""
        distances = (self.minutes[i] + extra_minutes - self.targets[i] for i in inspector_ids)
        return sum((d * d for d in distances), Fraction(0))


def propose(
    slots: Sequence[Slot],
    team: Sequence[Member],
    pledged_minutes: Mapping[int, int],
    limits: Limits = LAW,
    max_rounds: int = 200,
    preference: Preference = SPREAD_ONLY,
) -> Proposal:
    """A pair for each slot, or the reason it cannot be staffed; `preference` trades evenly spread hours
    for experienced inspectors and pairs who went together before."""
    state = _State(
        slots, {m.inspector_id: m for m in team}, _targets(slots, team, pledged_minutes), limits, preference
    )
    state.minutes = {m.inspector_id: m.delivered_minutes for m in team}
    state.busy = {m.inspector_id: [] for m in team}
    unstaffed = []
    for index in sorted(range(len(slots)), key=lambda i: slots[i].starts_at):
        pair = _best_pair(state, index, [i for i in state.team if state.can_go(i, index)])
        if pair is None:
            unstaffed.append(_why_not(state, index))
        else:
            state.assign(index, pair)
    for _ in range(max_rounds):
        if not _improve(state):
            break
    same_gender = sum(not _mixed(state, pair) for pair in state.pairs.values())
    return Proposal(dict(sorted(state.pairs.items())), unstaffed, state.minutes, state.targets, same_gender)


def _targets(
    slots: Sequence[Slot], team: Sequence[Member], pledged_minutes: Mapping[int, int]
) -> dict[int, Fraction]:
    """Minutes each inspector should end at: the pledge of their municipality, shared among its inspectors."""
    per_employer: dict[int, int] = {}
    for member in team:
        per_employer[member.employer_id] = per_employer.get(member.employer_id, 0) + 1
    weights = {
        m.inspector_id: Fraction(pledged_minutes.get(m.employer_id, 0), per_employer[m.employer_id])
        for m in team
        if m.is_active
    }
    if not any(weights.values()):
        weights = dict.fromkeys(weights, Fraction(1))
    fallback = sum(weights.values(), Fraction(0)) / len(weights) if weights else Fraction(0)
    weights = {i: w or fallback for i, w in weights.items()}
    total = sum(s.shift.worked_minutes * 2 for s in slots) + sum(m.delivered_minutes for m in team)
    scale = Fraction(total) / sum(weights.values()) if weights else Fraction(0)
    return {m.inspector_id: weights.get(m.inspector_id, Fraction(0)) * scale for m in team}


def _best_pair(state: _State, index: int, free: Sequence[int]) -> tuple[int, int] | None:
    day = state.slots[index].day
    worked = state.slots[index].shift.worked_minutes
    valid = [p for p in combinations(free, 2) if is_valid_pair([state.team[i] for i in p], day)]
    if not valid:
        return None

    def score(pair: tuple[int, int]) -> tuple[bool, Fraction, tuple[int, int]]:
        after = state.cost_with(pair, worked)
        gain = after - state.cost(pair) - state.expertise(index, pair)
        return not _mixed(state, pair), gain, pair

    return min(valid, key=score)


def _improve(state: _State) -> bool:
    """Make the single best replacement of one member of one pair; False when none helps."""
    best: tuple[tuple[int, Fraction], int, tuple[int, int]] | None = None
    for index, pair in list(state.pairs.items()):
        was_same_gender = int(not _mixed(state, pair))
        day = state.slots[index].day
        for position, leaving in enumerate(pair):
            state.release(index)
            for joining in state.team:
                if joining in pair or not state.can_go(joining, index):
                    continue
                candidate = (pair[1], joining) if position == 0 else (pair[0], joining)
                if not is_valid_pair([state.team[i] for i in candidate], day):
                    continue
                delta = (
                    _replacement_delta(state, index, leaving, joining)
                    - state.expertise(index, candidate)
                    + state.expertise(index, pair)
                )
                change = (int(not _mixed(state, candidate)) - was_same_gender, delta)
                if change < (0, 0) and (best is None or change < best[0]):
                    best = (change, index, candidate)
            state.assign(index, pair)
    if best is None:
        return False
    _, index, candidate = best
    state.release(index)
    state.assign(index, candidate)
    return True


def _replacement_delta(state: _State, index: int, leaving: int, joining: int) -> Fraction:
    """Change in cost if `joining` takes the place of `leaving` (the slot is released while asked)."""
    worked = state.slots[index].shift.worked_minutes
    now = state.cost_with([leaving], worked) + state.cost([joining])
    then = state.cost([leaving]) + state.cost_with([joining], worked)
    return then - now


def _why_not(state: _State, index: int) -> Unstaffed:
    team = [_with_shifts(member, state.busy[i]) for i, member in state.team.items()]
    found = eligibility(state.slots[index], team, limits=state.limits)
    if len(found.ranked) < 2:
        reason = Reason("too_few_eligible", {"count": str(len(found.ranked))})
    else:
        reason = Reason("no_trained_eligible")
    return Unstaffed(index, reason, found.excluded)


def _mixed(state: _State, pair: Sequence[int]) -> bool:
    return is_mixed([state.team[i] for i in pair])


def _with_shifts(member: Member, extra: Sequence[Shift]) -> Member:
    if not extra:
        return member
    return replace(member, shifts=(*member.shifts, *extra))

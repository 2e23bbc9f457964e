"""A year's roster proposal against a naive rotation, in the same run.

The year 2027: 20 control days (Tuesdays and Fridays spread over the year) and
24 call-out slots (two a month), all 14:00-23:00 with an hour's break, in the
11 participating municipalities by turn; 15 inspectors (9 trained, 8 women and
7 men) employed by the municipalities that pledge hours, each with three weeks
of leave; pledges as in the demo (population share of 1,223 hours, at least 100).

Figures: wall time, the spread of hours over inspectors (max - min), and the
largest distance of a municipality's delivered hours from its pledge share.
The rotation takes the next trained inspector in line and the next one after
them who can go, skipping whoever cannot, as a planner with a list would.

Then the team's preference for expertise (profile: [proposal] expertise) at a few
weights beside those fairness figures: how many experienced people the days get
(trained a year or more before the day, the default; trained dates run from 2022
to 2026) and how many pairs went together before (fixed groups of three).

Run: .venv/bin/python bench/roster.py
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

from scheduling.apportion import largest_remainder
from scheduling.contributions import pledged_hours
from scheduling.pairing import Designation, Member, Preference, Slot, reasons_against
from scheduling.roster import propose

AMS = ZoneInfo("Europe/Amsterdam")
PARTICIPANTS = [
    ("Heerenveen", 51863),
    ("Leeuwarden", 129973),
    ("Ooststellingwerf", 25925),
    ("Opsterland", 30012),
    ("Smallingerland", 57084),
    ("Weststellingwerf", 26596),
    ("Tytsjerksteradiel", 32821),
    ("Súdwest-Fryslân", 90534),
    ("De Fryske Marren", 52235),
    ("Waadhoeke", 46857),
    ("Noardeast-Fryslân", 45864),
]
EMPLOYERS = [2, 2, 2, 8, 8, 5, 5, 9, 9, 1, 1, 10, 4, 7, 11]  # municipality ids (1-based) of the 15


def pledges() -> dict[int, int]:
    shares = largest_remainder(1223, [p for _, p in PARTICIPANTS])
    return {i + 1: pledged_hours(h, True) * 60 for i, h in enumerate(shares)}


def team() -> list[Member]:
    everywhere = tuple(Designation(i + 1, date(2027, 1, 1)) for i in range(len(PARTICIPANTS)))
    made = []
    for k, employer in enumerate(EMPLOYERS):
        leave_start = datetime(2027, 6, 1, tzinfo=AMS) + timedelta(weeks=k % 12)
        trained = date(2022 + k % 5, 9, 1) if k % 5 not in (2, 4) else None
        group = frozenset(j + 1 for j in range(3 * (k // 3), 3 * (k // 3) + 3) if j != k)
        made.append(
            Member(
                k + 1,
                "fm"[k % 2],
                trained,
                employer,
                everywhere,
                unavailable=((leave_start, leave_start + timedelta(weeks=3)),),
                partners=group,
            )
        )
    return made


def slots() -> list[Slot]:
    days = [date(2027, 1, 5) + timedelta(days=18 * k + (3 if k % 2 else 0)) for k in range(20)]
    days += [date(2027, month, day) for month in range(1, 13) for day in (10, 24)]
    made = []
    for k, day in enumerate(sorted(days)):
        start = datetime(day.year, day.month, day.day, 14, tzinfo=AMS)
        made.append(Slot(k % len(PARTICIPANTS) + 1, start, start + timedelta(hours=9)))
    return made


def rotation(slots: Sequence[Slot], members: Sequence[Member]) -> dict[int, tuple[int, int]]:
    """The naive baseline: next trained in line, then the next who can go."""
    busy: dict[int, list] = {m.inspector_id: [] for m in members}
    cursor, pairs = 0, {}
    for index, slot in enumerate(slots):

        def can_go(m: Member, slot: Slot = slot) -> bool:
            return not reasons_against(replace(m, shifts=tuple(busy[m.inspector_id])), slot)

        order = [members[(cursor + k) % len(members)] for k in range(len(members))]
        first = next((m for m in order if m.is_trained_on(slot.day) and can_go(m)), None)
        second = next((m for m in order if m is not first and can_go(m)), None) if first else None
        if first and second:
            pairs[index] = (first.inspector_id, second.inspector_id)
            for m in (first, second):
                busy[m.inspector_id].append(slot.shift)
            cursor = (members.index(second) + 1) % len(members)
    return pairs


def spreads(
    pairs: dict[int, tuple[int, int]],
    slots: Sequence[Slot],
    members: Sequence[Member],
    pledge: dict[int, int],
) -> tuple[float, float]:
    hours = {m.inspector_id: 0 for m in members}
    for index, pair in pairs.items():
        for i in pair:
            hours[i] += slots[index].shift.worked_minutes
    by_municipality = {m: 0 for m in pledge}
    for m in members:
        by_municipality[m.employer_id] += hours[m.inspector_id]
    employers = {m.employer_id for m in members}
    total, pledged = sum(hours.values()), sum(pledge[e] for e in employers)
    worst = max(abs(by_municipality[e] - Fraction(total * pledge[e], pledged)) for e in employers)
    return (max(hours.values()) - min(hours.values())) / 60, float(worst) / 60


def main() -> None:
    members, work, pledge = team(), slots(), pledges()
    started = time.perf_counter()
    proposal = propose(work, members, pledge)
    ours = time.perf_counter() - started
    started = time.perf_counter()
    naive = rotation(work, members)
    baseline = time.perf_counter() - started

    our_spread, our_worst = spreads(proposal.pairs, work, members, pledge)
    naive_spread, naive_worst = spreads(naive, work, members, pledge)
    print(
        f"slots: {len(work)} ({len(proposal.pairs)} staffed, {len(proposal.unstaffed)} not); "
        f"inspectors: {len(members)}; same-gender pairs: {proposal.same_gender}"
    )
    print(f"wall time: proposal {ours:.3f} s, rotation {baseline:.3f} s")
    print(
        f"inspector spread (max - min hours): proposal {our_spread:.0f} h, rotation {naive_spread:.0f} h, "
        f"ratio {our_spread / naive_spread:.2f}"
    )
    print(
        f"worst municipality distance from pledge share: proposal {our_worst:.1f} h, "
        f"rotation {naive_worst:.1f} h, ratio {our_worst / naive_worst:.2f}"
    )
    expertise_effect(work, members, pledge)


def expertise_effect(work: Sequence[Slot], members: Sequence[Member], pledge: dict[int, int]) -> None:
    """The proposal at a few weights of the preference: fairness beside expertise."""
    by_id = {m.inspector_id: m for m in members}
    print(
        "expertise | spread h | worst municipality h | experienced people on days | pairs that went "
        "together before"
    )
    for weight in (Fraction(0), Fraction(1, 2), Fraction(1), Fraction(2)):
        preference = Preference(weight)
        proposal = propose(work, members, pledge, preference=preference)
        spread, worst = spreads(proposal.pairs, work, members, pledge)
        seasoned = sum(
            preference.is_experienced(by_id[i], work[index].day)
            for index, pair in proposal.pairs.items()
            for i in pair
        )
        familiar = sum(pair[1] in by_id[pair[0]].partners for pair in proposal.pairs.values())
        staffed = len(proposal.pairs)
        print(
            f"{float(weight):9.1f} | {spread:8.0f} | {worst:20.1f} | {seasoned:15d} of {2 * staffed} | "
            f"{familiar:d} of {staffed}"
        )


if __name__ == "__main__":
    main()

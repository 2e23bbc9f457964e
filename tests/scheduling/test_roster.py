"""Roster proposals keep every hard rule, prefer mixed pairs, spread hours, and say why a day fails."""

from datetime import date, datetime, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from scheduling.pairing import Designation, Member, Preference, Slot, reasons_against
from scheduling.roster import propose
from scheduling.worktime import check_shift
from tests.words import dutch

AMS = ZoneInfo("Europe/Amsterdam")
NORTH, SOUTH = 1, 2
FROM_2027 = date(2027, 1, 1)


def inspector(
    inspector_id: int,
    gender: str,
    trained: bool,
    employer: int = NORTH,
    where: tuple[int, ...] = (NORTH, SOUTH),
    **kwargs,
) -> Member:
    return Member(
        inspector_id,
        gender,
        FROM_2027 if trained else None,
        employer,
        tuple(Designation(m, FROM_2027) for m in where),
        **kwargs,
    )


def control_day(day: date, municipality: int = NORTH) -> Slot:
    return Slot(
        municipality,
        datetime(day.year, day.month, day.day, 14, tzinfo=AMS),
        datetime(day.year, day.month, day.day, 23, tzinfo=AMS),
    )


def tuesdays(count: int, municipality: int = NORTH) -> list[Slot]:
    return [control_day(date(2027, 1, 5) + timedelta(weeks=k), municipality) for k in range(count)]


def test_equal_pledges_give_equal_hours() -> None:
    team = [inspector(i, "fm"[i % 2], trained=i < 3) for i in range(6)]
    proposal = propose(tuesdays(12), team, {NORTH: 100 * 60})
    assert proposal.unstaffed == []
    assert sorted(proposal.minutes.values()) == [4 * 480] * 6
    assert proposal.same_gender == 0


def test_every_pair_has_a_trained_member_and_is_mixed_where_possible() -> None:
    team = [
        inspector(1, "f", True),
        inspector(2, "f", True),
        inspector(3, "m", False),
        inspector(4, "f", False),
    ]
    proposal = propose(tuesdays(8), team, {NORTH: 6000})
    by_id = {m.inspector_id: m for m in team}
    for pair in proposal.pairs.values():
        assert any(by_id[i].trained_since for i in pair)
        assert 3 in pair  # the only man goes every time a mixed pair is possible
    assert proposal.same_gender == 0


def test_a_day_without_a_trained_inspector_is_reported_with_the_reasons() -> None:
    team = [inspector(1, "f", True, where=(NORTH,)), inspector(2, "m", False), inspector(3, "f", False)]
    proposal = propose([control_day(date(2027, 3, 9), SOUTH)], team, {NORTH: 6000})
    assert proposal.pairs == {}
    [gap] = proposal.unstaffed
    assert dutch(gap.reason) == "geen opgeleide toezichthouder kan gaan"
    assert [(e.inspector_id, e.reasons[0].code) for e in gap.excluded] == [(1, "not_designated")]


def test_a_day_with_everyone_away_is_reported() -> None:
    away = ((datetime(2027, 3, 1, tzinfo=AMS), datetime(2027, 3, 20, tzinfo=AMS)),)
    team = [inspector(1, "f", True, unavailable=away), inspector(2, "m", True)]
    proposal = propose([control_day(date(2027, 3, 9))], team, {NORTH: 6000})
    assert proposal.unstaffed[0].reason.english() == "fewer than two inspectors can go (1)"


def test_hours_follow_the_pledges_of_the_employers() -> None:
    team = [
        inspector(1, "f", True, NORTH),
        inspector(2, "m", True, NORTH),
        inspector(3, "f", True, SOUTH),
        inspector(4, "m", True, SOUTH),
    ]
    proposal = propose(tuesdays(12), team, {NORTH: 300 * 60, SOUTH: 100 * 60})
    north = proposal.minutes[1] + proposal.minutes[2]
    south = proposal.minutes[3] + proposal.minutes[4]
    assert (north, south) == (18 * 480, 6 * 480)


slots_strategy = st.lists(
    st.tuples(st.integers(0, 60), st.integers(8, 16), st.integers(6, 12), st.sampled_from([NORTH, SOUTH])),
    min_size=1,
    max_size=12,
)
team_strategy = st.lists(
    st.tuples(st.sampled_from("fmx"), st.booleans(), st.sampled_from([(NORTH,), (SOUTH,), (NORTH, SOUTH)])),
    min_size=0,
    max_size=7,
)


@settings(max_examples=60, deadline=None)
@given(slots_strategy, team_strategy)
def test_no_proposal_ever_breaks_a_hard_rule(slot_specs, team_specs) -> None:
    slots = []
    for offset, hour, length, municipality in slot_specs:
        start = datetime(2027, 2, 1, hour, tzinfo=AMS) + timedelta(days=offset)
        slots.append(Slot(municipality, start, start + timedelta(hours=length)))
    team = [inspector(i + 1, g, t, where=w) for i, (g, t, w) in enumerate(team_specs)]
    proposal = propose(slots, team, {NORTH: 6000, SOUTH: 3000})
    assert set(proposal.pairs) | {u.slot_index for u in proposal.unstaffed} == set(range(len(slots)))
    by_id = {m.inspector_id: m for m in team}
    for index, pair in proposal.pairs.items():
        slot = slots[index]
        assert any(by_id[i].is_trained_on(slot.day) for i in pair)
        for i in pair:
            assert reasons_against(by_id[i], slot) == ()
            others = [slots[j].shift for j, p in proposal.pairs.items() if i in p and j != index]
            assert check_shift(slot.shift, others).is_allowed


def test_without_a_preference_the_proposal_is_the_spreading_one() -> None:
    team = [inspector(i, "fm"[i % 2], trained=i < 3, partners=frozenset({(i + 1) % 6})) for i in range(6)]
    assert (
        propose(tuesdays(6), team, {NORTH: 6000}).pairs
        == propose(tuesdays(6), team, {NORTH: 6000}, preference=Preference(Fraction(0))).pairs
    )


def test_a_preference_for_expertise_sends_a_pair_that_went_together_before_without_unfairness() -> None:
    mates = {1: frozenset({6}), 6: frozenset({1})}
    team = [
        inspector(i, "fm"[i % 2], trained=i in (1, 3, 5), partners=mates.get(i, frozenset()))
        for i in range(1, 7)
    ]
    spread = propose(tuesdays(6), team, {NORTH: 6000})
    familiar = propose(tuesdays(6), team, {NORTH: 6000}, preference=Preference(Fraction(1, 2)))

    def together(pairs: dict[int, tuple[int, int]]) -> int:
        return sum(set(pair) == {1, 6} for pair in pairs.values())

    assert (together(spread.pairs), together(familiar.pairs)) == (0, 2)
    assert sorted(familiar.minutes.values()) == sorted(spread.minutes.values()) == [2 * 480] * 6
    assert familiar.unstaffed == [] and familiar.same_gender == 0

"""Who may go, in what order, and what each acceptance means for the pair."""

from datetime import date, datetime
from fractions import Fraction
from zoneinfo import ZoneInfo

from scheduling.pairing import (
    Designation,
    Member,
    Outcome,
    Preference,
    Slot,
    decide_acceptance,
    eligibility,
    is_valid_pair,
)
from scheduling.worktime import Shift
from tests.words import dutch

AMS = ZoneInfo("Europe/Amsterdam")
LEEUWARDEN, HEERENVEEN = 1, 2
DAY = date(2027, 3, 9)
SLOT = Slot(LEEUWARDEN, datetime(2027, 3, 9, 14, tzinfo=AMS), datetime(2027, 3, 9, 23, tzinfo=AMS))
EVERYWHERE = (Designation(LEEUWARDEN, date(2027, 1, 1)), Designation(HEERENVEEN, date(2027, 1, 1)))


def person(inspector_id: int, gender: str, trained: bool, **kwargs) -> Member:
    defaults = {
        "employer_id": LEEUWARDEN,
        "designations": EVERYWHERE,
        "trained_since": date(2026, 6, 1) if trained else None,
    }
    return Member(inspector_id, gender, **{**defaults, **kwargs})


# The team in these tests: Anna and Bauke trained; Ciska, Douwe, Eelke and Femke not.
anna, bauke = person(1, "f", True), person(2, "m", True)
ciska, douwe = person(3, "f", False), person(4, "m", False)
eelke, femke = person(5, "f", False), person(6, "f", False)


def test_two_untrained_acceptances_wait_for_a_trained_colleague() -> None:
    decision = decide_acceptance(DAY, [], [ciska, douwe], pending=[anna])
    assert decision.outcome is Outcome.WAIT_FOR_TRAINED
    assert decision.no_trained_left is False


def test_a_trained_acceptance_after_two_untrained_completes_the_pair_mixed() -> None:
    decision = decide_acceptance(DAY, [], [ciska, eelke, bauke], pending=[])
    assert decision.outcome is Outcome.COMPLETE
    assert decision.pair == (3, 2)
    assert decision.standby == (5,)


def test_a_trained_woman_after_two_untrained_takes_the_man_for_a_mixed_pair() -> None:
    decision = decide_acceptance(DAY, [], [ciska, douwe, anna], pending=[])
    assert decision.pair == (4, 1)
    assert decision.standby == (3,)


def test_a_same_gender_pair_goes_when_no_one_else_can_answer() -> None:
    decision = decide_acceptance(DAY, [], [anna, eelke], pending=[])
    assert decision.outcome is Outcome.COMPLETE
    assert decision.pair == (1, 5)


def test_a_same_gender_pair_waits_while_a_man_who_could_go_has_not_answered() -> None:
    assert decide_acceptance(DAY, [], [anna, eelke], pending=[douwe]).outcome is Outcome.WAIT_FOR_MIXED
    widened = decide_acceptance(DAY, [], [anna, eelke], pending=[douwe], prefer_mixed=False)
    assert widened.outcome is Outcome.COMPLETE


def test_the_first_acceptance_waits_for_a_colleague() -> None:
    assert decide_acceptance(DAY, [], [anna], pending=[douwe]).outcome is Outcome.WAIT_FOR_COLLEAGUE


def test_untrained_acceptances_with_no_trained_colleague_left_alert_the_coordinator() -> None:
    decision = decide_acceptance(DAY, [], [ciska, douwe], pending=[eelke])
    assert decision.outcome is Outcome.WAIT_FOR_TRAINED
    assert decision.no_trained_left is True


def test_an_acceptance_after_the_pair_is_confirmed_stands_by() -> None:
    decision = decide_acceptance(DAY, [anna, douwe], [bauke], pending=[])
    assert decision.outcome is Outcome.STANDBY
    assert decision.standby == (2,)


def test_cover_for_a_confirmed_member_keeps_the_one_who_stays() -> None:
    # Douwe (untrained) stays confirmed after Anna dropped out; Eelke then Bauke accept.
    assert decide_acceptance(DAY, [douwe], [eelke], pending=[bauke]).outcome is Outcome.WAIT_FOR_TRAINED
    decision = decide_acceptance(DAY, [douwe], [eelke, bauke], pending=[])
    assert decision.pair == (4, 2)


def test_training_counts_from_the_day_it_was_completed() -> None:
    newly = person(7, "m", False, trained_since=date(2027, 3, 10))
    assert not is_valid_pair([newly, ciska], DAY)
    assert is_valid_pair([newly, ciska], date(2027, 3, 10))


def test_an_inspector_not_designated_for_the_municipality_may_not_go() -> None:
    outsider = person(8, "m", True, designations=(Designation(HEERENVEEN, date(2027, 1, 1)),))
    result = eligibility(SLOT, [anna, outsider])
    assert [m.inspector_id for m in result.ranked] == [1]
    reasons = [dutch(r) for r in result.excluded[0].reasons]
    assert reasons == ["is niet aangewezen door deze gemeente op 09-03-2027"]


def test_an_ended_designation_no_longer_counts() -> None:
    left = person(9, "f", True, designations=(Designation(LEEUWARDEN, date(2027, 1, 1), date(2027, 2, 28)),))
    assert eligibility(SLOT, [left]).excluded[0].reasons[0].code == "not_designated"


def at(day: int, hour: int) -> datetime:
    return datetime(2027, 3, day, hour, tzinfo=AMS)


def test_inactive_unavailable_and_already_busy_inspectors_are_excluded_with_their_reasons() -> None:
    gone = person(10, "m", True, is_active=False)
    away = person(11, "f", True, unavailable=((at(8, 0), at(12, 0)),))
    busy = person(12, "m", True, shifts=(Shift(at(9, 9), at(9, 15)),))
    tired = person(13, "f", True, shifts=(Shift(at(8, 20), at(9, 6)),))
    result = eligibility(SLOT, [gone, away, busy, tired])
    assert result.ranked == ()
    assert {e.inspector_id: [r.code for r in e.reasons] for e in result.excluded} == {
        10: ["inactive"],
        11: ["unavailable"],
        12: ["overlap"],
        13: ["rest_too_short"],
    }


def test_the_ranking_puts_the_least_loaded_first() -> None:
    busy_one = person(20, "f", True, delivered_minutes=6000, recent_minutes=960)
    quiet_one = person(21, "m", True, delivered_minutes=1200, recent_minutes=0)
    behind_pledge = person(22, "f", True, employer_id=HEERENVEEN, delivered_minutes=6000, recent_minutes=960)
    load = {LEEUWARDEN: Fraction(1), HEERENVEEN: Fraction(1, 4)}
    ranked = eligibility(SLOT, [busy_one, quiet_one, behind_pledge], load).ranked
    assert [m.inspector_id for m in ranked] == [21, 22, 20]


def test_a_widened_offer_asks_the_unavailable_but_never_against_the_law() -> None:
    away = person(30, "f", True, unavailable=((at(9, 0), at(10, 0)),))
    tired = person(31, "m", True, shifts=(Shift(at(8, 20), at(9, 6)),))
    widened = eligibility(SLOT, [away, tired], ignore_unavailable=True)
    assert [m.inspector_id for m in widened.ranked] == [30]
    assert [e.inspector_id for e in widened.excluded] == [31]


def test_a_preference_for_expertise_puts_an_experienced_inspector_first_despite_more_hours() -> None:
    veteran = person(7, "f", True, trained_since=date(2023, 5, 1), delivered_minutes=6000)
    newcomer = person(8, "f", True, trained_since=date(2026, 12, 1), delivered_minutes=3000)
    spread = eligibility(SLOT, [veteran, newcomer]).ranked
    assert [m.inspector_id for m in spread] == [8, 7]  # the default: fewer hours first
    expert = eligibility(SLOT, [veteran, newcomer], preference=Preference(Fraction(1))).ranked
    assert [m.inspector_id for m in expert] == [7, 8]
    assert not Preference(Fraction(1), experienced_after_days=2000).is_experienced(veteran, DAY)


def test_the_bonus_counts_experienced_members_and_a_pair_that_went_together_before() -> None:
    old_hand = person(9, "m", True, trained_since=date(2024, 1, 1), partners=frozenset({10}))
    mate = person(10, "f", False, partners=frozenset({9}))
    preference = Preference(Fraction(1, 2))
    assert preference.bonus([old_hand, mate], DAY) == 2
    assert preference.bonus([old_hand, ciska], DAY) == 1
    assert preference.bonus([mate, ciska], DAY) == 0

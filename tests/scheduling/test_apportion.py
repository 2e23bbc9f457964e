from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scheduling.apportion import largest_remainder, largest_remainder_exact


def test_parts_follow_the_weights_and_add_up() -> None:
    assert largest_remainder(10, [1, 1, 1]) == [4, 3, 3]
    assert largest_remainder(69, [3, 1]) == [52, 17]
    assert largest_remainder(0, [5, 7]) == [0, 0]


def test_a_tied_remainder_goes_to_the_larger_weight() -> None:
    assert largest_remainder(1, [1, 2, 1]) == [0, 1, 0]


@pytest.mark.parametrize("total, weights", [(-1, [1]), (1, [-1, 2]), (5, [0, 0])])
def test_impossible_shares_are_refused(total: int, weights: list[int]) -> None:
    with pytest.raises(ValueError):
        largest_remainder(total, weights)


@given(st.integers(0, 10**7), st.lists(st.integers(1, 10**6), min_size=1, max_size=20))
def test_parts_always_sum_exactly_and_never_favour_the_smaller(total: int, weights: list[int]) -> None:
    parts = largest_remainder(total, weights)
    assert sum(parts) == total
    for i, wi in enumerate(weights):
        for j, wj in enumerate(weights):
            if wi > wj:
                assert parts[i] >= parts[j]


def test_exact_weights_share_cents_without_a_float() -> None:
    # The plan's salary, ORT and overhead (exact euros) share its shown cost of hours, 92,399.10.
    salary, allowance, overhead = Fraction("73229.08694"), Fraction("9153.6358675"), Fraction("10016.37")
    shares = largest_remainder_exact(92_399_10, [salary, allowance, overhead])
    assert shares == [73_229_09, 9_153_64, 10_016_37]
    assert largest_remainder_exact(3, [Fraction(1, 3), Fraction(2, 3)]) == [1, 2]

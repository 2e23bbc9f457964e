import pytest
from hypothesis import given
from hypothesis import strategies as st

from scheduling.apportion import largest_remainder


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

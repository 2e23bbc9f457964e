"""Largest-remainder apportionment: whole units (cents, hours, controls) shared by weight.

Parts always add up to the total, and a larger weight never gets fewer units
than a smaller one (ties in the remainder go to the larger weight, then to the
earlier position, so the result is deterministic).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction


def largest_remainder(total: int, weights: Sequence[int]) -> list[int]:
    """Split `total` whole units over `weights` in proportion, exactly."""
    if total < 0:
        raise ValueError("the total must not be negative")
    if any(w < 0 for w in weights):
        raise ValueError("weights must not be negative")
    weight_sum = sum(weights)
    if weight_sum == 0:
        if total and weights:
            raise ValueError("cannot share a positive total over zero weights")
        return [0] * len(weights)
    floors = [total * w // weight_sum for w in weights]
    remainders = [total * w % weight_sum for w in weights]
    left = total - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (-remainders[i], -weights[i], i))
    for i in order[:left]:
        floors[i] += 1
    return floors


def largest_remainder_exact(total: int, weights: Sequence[Fraction]) -> list[int]:
    """Split `total` whole units in proportion to exact (fractional) weights, as `largest_remainder`.

    Settlements weigh cents by exact amounts (hours times a rate); scaling every weight
    by the common denominator keeps them exact, so no float decides who gets a cent.
    """
    denominator = math.lcm(*(w.denominator for w in weights)) if weights else 1
    return largest_remainder(total, [int(w * denominator) for w in weights])

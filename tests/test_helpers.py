"""Unit tests of the engine's pure helpers (no database)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from odoo.addons.prepayment_addon.helpers import distribute


def cents(values):
    return [round(v * 100) for v in values]


def test_exact_split_keeps_the_total():
    assert distribute(0.05, [10.0] * 5, 0.01) == [0.01] * 5
    assert sum(cents(distribute(0.03, [10.0] * 5, 0.01))) == 3
    assert distribute(100.0, [1.0, 1.0, 1.0], 0.01) == [33.34, 33.33, 33.33]


def test_largest_remainder_goes_first():
    # 10 x 2/3 = 6.666..., 10 x 1/3 = 3.333...: the first remainder is the larger
    assert distribute(10.0, [2.0, 1.0], 0.01) == [6.67, 3.33]


def test_mixed_signs_follow_the_net():
    # a product at 4,000 and a discount at -400: half of the net 3,600
    assert distribute(1800.0, [4000.0, -400.0], 0.01) == [2000.0, -200.0]


def test_caps_are_respected():
    shares = distribute(10.0, [5.0, 5.0, 0.01], 0.01, caps=[5.0, 5.0, 0.01])
    assert sum(cents(shares)) == 1000
    assert all(s <= c + 1e-9 for s, c in zip(shares, [5.0, 5.0, 0.01], strict=True))


def test_negative_total_over_negative_weights():
    assert distribute(-3.0, [-1.0, -2.0], 0.01) == [-1.0, -2.0]


def test_zero_weights_are_refused():
    with pytest.raises(ValueError):
        distribute(1.0, [1.0, -1.0], 0.01)


@settings(max_examples=300, deadline=None)
@given(
    weights=st.lists(st.integers(1, 10**7), min_size=1, max_size=30),
    share=st.floats(0.0, 1.0),
)
def test_generated_splits_add_up_and_stay_under_the_caps(weights, share):
    weights = [w / 100.0 for w in weights]
    total = round(sum(weights) * share, 2)
    shares = distribute(total, weights, 0.01, caps=weights)
    assert sum(cents(shares)) == round(total * 100)
    for s, w in zip(shares, weights, strict=True):
        assert -1e-9 <= s <= w + 1e-9
        # each share within a unit of its exact proportion
        assert abs(s - total * w / sum(weights)) < 0.01 + 1e-9

"""`ServingLimits` refuses maxima that no int32 input or finite temperature can respect."""

import pytest

from tfavi.export import ServingLimits


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("max_batch_size", 0, r"max_batch_size must be an integer in \[1, 2147483647\].*got 0"),
        ("max_importance_samples", 2**31, r"max_importance_samples must be .*got 2147483648"),
        ("max_num_samples", 2.5, r"max_num_samples must be an integer .*got 2.5"),
        ("max_num_samples", True, r"max_num_samples must be an integer .*got True"),
        ("max_temperature", float("inf"), r"max_temperature must be a finite positive .*got inf"),
        ("max_temperature", 0.0, r"max_temperature must be a finite positive .*got 0.0"),
    ],
)
def test_limits_out_of_range_are_refused_naming_the_field(field, value, message):
    with pytest.raises(ValueError, match=message):
        ServingLimits(**{field: value})


def test_the_largest_limits_are_accepted():
    limits = ServingLimits(2**31 - 1, 2**31 - 1, 2**31 - 1, 1e30)
    assert limits.max_importance_samples == 2**31 - 1

"""What values a config field takes, declared next to the field (`TrainConfig`)."""

import dataclasses
import math
import typing


@dataclasses.dataclass(frozen=True)
class Allowed:
    """A field's allowed values.

    Args:
        holds: `holds(value, config)` is True when `value` is allowed in `config`.
        describe: `describe(config)` says what is allowed, e.g. `an integer >= 1`.
    """

    holds: typing.Callable[[object, object], bool]
    describe: typing.Callable[[object], str]


def _is_number(value, integer: bool) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return isinstance(value, int) if integer else math.isfinite(value)


def at_least(low, integer: bool = True) -> Allowed:
    kind = "an integer" if integer else "a finite number"
    return Allowed(
        lambda value, config: _is_number(value, integer) and value >= low,
        lambda config: f"{kind} >= {low}",
    )


def positive() -> Allowed:
    return Allowed(
        lambda value, config: _is_number(value, False) and value > 0,
        lambda config: "a finite number > 0",
    )


def between(low: float, high: float, *, include_high: bool = True) -> Allowed:
    return Allowed(
        lambda value, config: (
            _is_number(value, False)
            and low <= value
            and (value <= high if include_high else value < high)
        ),
        lambda config: f"a number in [{low}, {high}{']' if include_high else ')'}",
    )


def one_of(*choices) -> Allowed:
    return Allowed(
        lambda value, config: any(type(value) is type(c) and value == c for c in choices),
        lambda config: "one of " + ", ".join(repr(c) for c in choices),
    )


def positive_numbers() -> Allowed:
    """A non-empty tuple of finite numbers > 0."""
    return Allowed(
        lambda value, config: (
            isinstance(value, tuple)
            and bool(value)
            and all(_is_number(v, False) and v > 0 for v in value)
        ),
        lambda config: "one or more finite numbers > 0",
    )


def integer_up_to(low: int, high, high_text) -> Allowed:
    """An integer in [low, high(config)], where `high(config)` may be None (no upper bound);
    `high_text(config)` says what the upper bound is."""

    def holds(value, config):
        limit = high(config)
        return _is_number(value, True) and value >= low and (limit is None or value <= limit)

    def describe(config):
        limit = high(config)
        if limit is None:
            return f"an integer >= {low}"
        return f"an integer from {low} to {limit} ({high_text(config)})"

    return Allowed(holds, describe)


def anything() -> Allowed:
    """No constraint: set by the zoo (`model_name`, `model_class`) or checked by the model
    constructor (`model`)."""
    return Allowed(lambda value, config: True, lambda config: "anything")


def violations(config) -> list[str]:
    """`field=value (allowed: ...)` for every field of the dataclass `config` whose value is
    not allowed by the `Allowed` in its metadata."""
    return [
        f"{f.name}={getattr(config, f.name)!r} (allowed: {f.metadata['allowed'].describe(config)})"
        for f in dataclasses.fields(config)
        if not f.metadata["allowed"].holds(getattr(config, f.name), config)
    ]

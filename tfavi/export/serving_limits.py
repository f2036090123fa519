"""The largest request an export serves."""

import dataclasses
import math

_INT32_MAX = 2**31 - 1


@dataclasses.dataclass(frozen=True)
class ServingLimits:
    """Maxima of the serving inputs; a larger request fails at once with INVALID_ARGUMENT.

    They bound the work of one request, so no request can hold a server worker for long or
    make it allocate without bound: `log_likelihood` runs the model on `batch size x
    num_importance_samples` images. The defaults cover the published protocols (K = 100 for
    the attentive VAE, 1000 for SeRe-VAE, 5000 in the IWAE paper) with a margin; lower them
    for large models.

    Args:
        max_batch_size: images (or latents) per request.
        max_importance_samples: `num_importance_samples` of `log_likelihood`.
        max_num_samples: `num_samples` of `sample` (1024 makes a 32 x 32 grid).
        max_temperature: `temperature` of `sample`, which multiplies the prior scales; 1 is
            the model itself, above a few the samples are noise.
    """

    max_batch_size: int = 1024
    max_importance_samples: int = 10_000
    max_num_samples: int = 1024
    max_temperature: float = 10.0

    def __post_init__(self):
        for field in ("max_batch_size", "max_importance_samples", "max_num_samples"):
            value = getattr(self, field)
            if (
                isinstance(value, bool)
                or not isinstance(value, int)
                or not 1 <= value <= _INT32_MAX
            ):
                raise ValueError(
                    f"{field} must be an integer in [1, {_INT32_MAX}] (the inputs are int32), "
                    f"got {value!r}."
                )
        if not (math.isfinite(self.max_temperature) and self.max_temperature > 0):
            raise ValueError(
                f"max_temperature must be a finite positive number, got {self.max_temperature!r}."
            )


DEFAULT_LIMITS = ServingLimits()

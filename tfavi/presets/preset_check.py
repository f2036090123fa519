"""Does a preset still score what its metadata says? Its test ELBO on the first test images."""

from tfavi import data
from tfavi.evaluation.evaluator import evaluate
from tfavi.presets.preset_format import read_metadata
from tfavi.presets.preset_lookup import find_preset
from tfavi.presets.preset_mixin import from_preset

CHECK_BATCH_SIZE = 100  # Fixed: the noise drawn per batch depends on the batch size.
TOLERANCE_NATS = 0.5


class PresetMismatch(AssertionError):
    """A preset's measured test ELBO differs from its metadata's by more than the tolerance."""


def elbo_on_test_images(model, dataset: str, examples: int, data_dir: str | None = None) -> float:
    """The mean ELBO (nats, one posterior sample per image) on the first `examples` test images."""
    images = data.test_dataset(dataset, CHECK_BATCH_SIZE, data_dir=data_dir, max_examples=examples)
    return -evaluate(model, images, num_importance_samples=1, chunk_size=1, verbose=0)["nelbo"]


def check_preset(
    name_or_path: str, data_dir: str | None = None, tolerance: float = TOLERANCE_NATS
) -> dict:
    """Loads the preset, measures its test ELBO on the images its metadata's `check` names,
    and raises `PresetMismatch` if it is more than `tolerance` nats from the stored value.

    The stored value was measured the same way when the preset was made
    (`save_run_as_preset`); the tolerance covers numerical differences between machines and
    TensorFlow versions (the ELBO is a one-sample estimate, so different noise moves a mean
    over 1,000 images by about 0.1 nats).

    Returns the stored and the measured ELBO and the number of images.
    """
    folder = find_preset(name_or_path)
    metadata = read_metadata(folder)
    if "check" not in metadata:
        raise PresetMismatch(
            f"The preset {folder!r} has no `check` in its metadata: it was not made from a "
            "run by tfavi.zoo.save_run_as_preset, so there is nothing to check it against."
        )
    check = metadata["check"]
    model = from_preset(folder)
    measured = elbo_on_test_images(model, metadata["dataset"], check["examples"], data_dir)
    result = {"examples": check["examples"], "stored": check["test_elbo"], "measured": measured}
    if abs(measured - check["test_elbo"]) > tolerance:
        raise PresetMismatch(
            f"The preset {folder!r} scores a test ELBO of {measured:.3f} nats on the first "
            f"{check['examples']} test images; its metadata says {check['test_elbo']:.3f} "
            f"(tolerance {tolerance} nats)."
        )
    return result

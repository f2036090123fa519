"""What tfavi needs to know about each supported TFDS dataset."""

import dataclasses

from tfavi.errors import ConfigError


@dataclasses.dataclass(frozen=True)
class DatasetSpec:
    """A TFDS dataset as tfavi's models see it.

    Args:
        tfds_name: the TFDS builder name.
        image_shape: shape of the images handed to the model.
        binarization: `none` (already binary or natural images), `dynamic` (a fresh
            Bernoulli draw every epoch; evaluation uses one fixed draw).
        validation_split: split of the per-epoch validation (the official attentive-VAE code
            validates on the test split when a dataset has no validation split).
        test_split: split of the final evaluation.
        resize_to: (height, width) to resize to, or None.
        invert: replace pixel p by 1 - p (OMNIGLOT strokes are dark on white).
        source: `tfds`, or `omniglot_mat` for the IWAE split read from `chardata.mat`.
        train_examples: size of the training split (bounds the batch size before any data
            is read).
    """

    tfds_name: str
    image_shape: tuple
    binarization: str = "none"
    validation_split: str = "test"
    test_split: str = "test"
    resize_to: tuple | None = None
    invert: bool = False
    source: str = "tfds"
    train_examples: int | None = None


DATASETS = {
    "binarized_mnist": DatasetSpec(
        "binarized_mnist", (28, 28, 1), validation_split="validation", train_examples=50_000
    ),
    "mnist": DatasetSpec("mnist", (28, 28, 1), binarization="dynamic", train_examples=60_000),
    "mnist_continuous": DatasetSpec("mnist", (28, 28, 1), train_examples=60_000),
    "cifar10": DatasetSpec("cifar10", (32, 32, 3), train_examples=50_000),
    "omniglot": DatasetSpec(
        "omniglot",
        (28, 28, 1),
        binarization="dynamic",
        resize_to=(28, 28),
        invert=True,
        train_examples=19_280,
    ),
    "omniglot_iwae": DatasetSpec(
        "omniglot_iwae",
        (28, 28, 1),
        binarization="dynamic",
        source="omniglot_mat",
        train_examples=24_345,
    ),
}


def get_spec(name: str) -> DatasetSpec:
    if name not in DATASETS:
        raise ConfigError(f"Unknown dataset {name!r}. Available: {', '.join(sorted(DATASETS))}.")
    return DATASETS[name]

"""What tfavi needs to know about each supported TFDS dataset."""

import dataclasses


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
    """

    tfds_name: str
    image_shape: tuple
    binarization: str = "none"
    validation_split: str = "test"
    test_split: str = "test"
    resize_to: tuple | None = None
    invert: bool = False
    source: str = "tfds"


DATASETS = {
    "binarized_mnist": DatasetSpec("binarized_mnist", (28, 28, 1), validation_split="validation"),
    "mnist": DatasetSpec("mnist", (28, 28, 1), binarization="dynamic"),
    "mnist_continuous": DatasetSpec("mnist", (28, 28, 1)),
    "cifar10": DatasetSpec("cifar10", (32, 32, 3)),
    "omniglot": DatasetSpec(
        "omniglot", (28, 28, 1), binarization="dynamic", resize_to=(28, 28), invert=True
    ),
    "omniglot_iwae": DatasetSpec(
        "omniglot_iwae", (28, 28, 1), binarization="dynamic", source="omniglot_mat"
    ),
}


def get_spec(name: str) -> DatasetSpec:
    if name not in DATASETS:
        raise ValueError(f"Unknown dataset {name!r}. Available: {', '.join(sorted(DATASETS))}.")
    return DATASETS[name]

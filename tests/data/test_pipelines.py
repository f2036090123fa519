"""TFDS pipelines on the prepared data dir: shapes, dtypes, ranges, binarization, errors."""

import os

import numpy as np
import pytest

from tfavi import data

pytestmark = pytest.mark.skipif(
    not os.path.isdir(os.path.join(data.resolve_data_dir(), "binarized_mnist")),
    reason="needs TFDS_DATA_DIR pointing at a prepared TFDS data dir (see README)",
)


@pytest.mark.parametrize(
    "name, shape, num_values",
    [
        ("binarized_mnist", (28, 28, 1), 2),
        ("mnist", (28, 28, 1), 2),
        ("cifar10", (32, 32, 3), None),
    ],
)
def test_training_batches_have_the_model_shape_dtype_and_range(name, shape, num_values):
    batch = next(iter(data.train_dataset(name, 16, epoch=0, random_flip=name == "cifar10")))
    assert batch.shape == (16, *shape) and batch.dtype.name == "float32"
    values = np.unique(batch.numpy())
    assert values.min() >= 0.0 and values.max() <= 1.0
    if num_values:
        assert set(values) <= {0.0, 1.0}
    else:
        assert len(values) > 100  # Natural images keep their 256 grey levels.
        np.testing.assert_allclose(values * 255, np.round(values * 255), atol=1e-4)


def test_dynamic_binarization_is_fresh_each_epoch_and_reproducible():
    def first_images(epoch, shuffle_buffer):
        return next(iter(data.train_dataset("mnist", 64, epoch, shuffle_buffer=shuffle_buffer)))

    np.testing.assert_array_equal(first_images(0, 1), first_images(0, 1))
    # With no shuffling both epochs start with the same digits, binarized anew.
    epoch0, epoch1 = first_images(0, 1), first_images(1, 1)
    assert 0 < np.mean(epoch0 != epoch1) < 0.2


def test_epochs_are_reshuffled_and_skipping_resumes_mid_epoch():
    epoch0 = list(data.train_dataset("binarized_mnist", 8, 0).take(3))
    epoch1 = next(iter(data.train_dataset("binarized_mnist", 8, 1)))
    resumed = next(iter(data.train_dataset("binarized_mnist", 8, 0, skip_batches=2)))
    assert not np.array_equal(epoch0[0], epoch1)
    np.testing.assert_array_equal(resumed, epoch0[2])


def test_evaluation_binarizes_once():
    first = next(iter(data.eval_dataset("mnist", "test", 32)))
    again = next(iter(data.eval_dataset("mnist", "test", 32)))
    np.testing.assert_array_equal(first, again)
    assert set(np.unique(first)) == {0.0, 1.0}


def test_missing_data_says_how_to_provide_it(tmp_path):
    with pytest.raises(data.DataNotFoundError, match="TFDS_DATA_DIR.*download_and_prepare"):
        data.train_dataset("mnist", 8, 0, data_dir=str(tmp_path))


def test_unknown_dataset_lists_the_available_ones():
    available = ", ".join(sorted(data.DATASETS))
    with pytest.raises(
        ValueError, match=f"Unknown dataset 'fashion_mnist'. Available: {available}"
    ):
        data.get_spec("fashion_mnist")

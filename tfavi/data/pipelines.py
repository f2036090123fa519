"""TFDS input pipelines: deterministic per-epoch order, dynamic binarization, flips.

Images come out as float32 in [0, 1]. The training pipeline of epoch e is a pure function of
(seed, e), so a resumed run sees exactly the batches an uninterrupted run would have seen.
"""

import os

import tensorflow as tf
import tensorflow_datasets as tfds

from tfavi.data.dataset_spec import get_spec
from tfavi.data.omniglot_mat import load_omniglot_split, omniglot_mat_path
from tfavi.errors import MissingFileError


class DataNotFoundError(MissingFileError):
    """A dataset is not prepared in the TFDS data dir."""


def resolve_data_dir(data_dir: str | None = None) -> str:
    """`data_dir`, else `$TFDS_DATA_DIR`, else TFDS's default `~/tensorflow_datasets`."""
    return (
        data_dir or os.environ.get("TFDS_DATA_DIR") or os.path.expanduser("~/tensorflow_datasets")
    )


def _builder(name: str, data_dir: str | None):
    spec = get_spec(name)
    data_dir = resolve_data_dir(data_dir)
    # Without the dataset's folder, TFDS would create it (and warn about it) before saying no.
    prepared = tf.io.gfile.isdir(os.path.join(data_dir, spec.tfds_name))
    builder = tfds.builder(spec.tfds_name, data_dir=data_dir) if prepared else None
    if not (prepared and builder.is_prepared()):
        raise DataNotFoundError(
            f"Dataset {spec.tfds_name!r} is not prepared in the TFDS data dir {data_dir!r}. "
            f"Point --data_dir or the TFDS_DATA_DIR environment variable at a prepared TFDS data "
            f"dir (one that holds {spec.tfds_name}/<version>/), or prepare it once on a machine "
            f'with internet: python -c "import tensorflow_datasets as tfds; '
            f"tfds.builder('{spec.tfds_name}', data_dir='{data_dir}').download_and_prepare()\""
        )
    return builder


def _omniglot_images(split: str, data_dir: str | None):
    try:
        return load_omniglot_split(omniglot_mat_path(resolve_data_dir(data_dir)), split)
    except FileNotFoundError as error:
        raise DataNotFoundError(str(error)) from None


def num_examples(name: str, split: str, data_dir: str | None = None) -> int:
    if get_spec(name).source == "omniglot_mat":
        return len(_omniglot_images(split, data_dir))
    return _builder(name, data_dir).info.splits[split].num_examples


def _scaled_images(name: str, split: str, data_dir: str | None) -> tf.data.Dataset:
    spec = get_spec(name)
    if spec.source == "omniglot_mat":
        return tf.data.Dataset.from_tensor_slices(_omniglot_images(split, data_dir))
    dataset = _builder(name, data_dir).as_dataset(
        split=split, shuffle_files=False, read_config=tfds.ReadConfig(try_autocache=False)
    )

    def scale(example):
        image = tf.cast(example["image"], tf.float32)
        if spec.tfds_name != "binarized_mnist":
            image = image / 255.0
        if spec.resize_to is not None:
            image = tf.image.resize(tf.image.rgb_to_grayscale(image), spec.resize_to)
        if spec.invert:
            image = 1.0 - image
        return image

    return dataset.map(scale, num_parallel_calls=tf.data.AUTOTUNE)


def _distributable(dataset: tf.data.Dataset) -> tf.data.Dataset:
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    options.deterministic = True
    return dataset.with_options(options).prefetch(tf.data.AUTOTUNE)


def train_dataset(
    name: str,
    batch_size: int,
    epoch: int,
    seed: int = 0,
    *,
    data_dir: str | None = None,
    shuffle_buffer: int = 10_000,
    random_flip: bool = False,
    skip_batches: int = 0,
) -> tf.data.Dataset:
    """The training batches of `epoch` (global batch size, last partial batch dropped)."""
    spec = get_spec(name)
    images = _scaled_images(name, "train", data_dir)
    images = images.shuffle(
        shuffle_buffer, seed=seed * 100_003 + epoch, reshuffle_each_iteration=False
    )

    def augment(index, image):
        key = tf.stack([tf.cast(seed, tf.int64) * 1_000_003 + epoch, index])
        if spec.binarization == "dynamic":
            image = binarize(image, key)
        if random_flip:
            image = tf.image.stateless_random_flip_left_right(image, key + 1)
            image = tf.image.stateless_random_flip_up_down(image, key + 2)
        return image

    dataset = images.enumerate().map(augment, num_parallel_calls=tf.data.AUTOTUNE)
    dataset = dataset.batch(batch_size, drop_remainder=True).skip(skip_batches)
    return _distributable(dataset)


def eval_dataset(
    name: str,
    split: str,
    batch_size: int,
    *,
    data_dir: str | None = None,
    max_examples: int = 0,
) -> tf.data.Dataset:
    """Evaluation batches in file order; dynamically binarized data use one fixed draw."""
    spec = get_spec(name)
    images = _scaled_images(name, split, data_dir)
    if max_examples:
        images = images.take(max_examples)
    if spec.binarization == "dynamic":
        images = images.enumerate().map(
            lambda index, image: binarize(image, tf.stack([tf.constant(-1, tf.int64), index]))
        )
    return _distributable(images.batch(batch_size))


def binarize(image, key):
    """One Bernoulli draw per pixel with success probability equal to its intensity."""
    return tf.cast(tf.random.stateless_uniform(tf.shape(image), key) < image, tf.float32)


def test_dataset(name: str, batch_size: int, **kwargs) -> tf.data.Dataset:
    """Evaluation batches of the dataset's final-evaluation split."""
    return eval_dataset(name, get_spec(name).test_split, batch_size, **kwargs)

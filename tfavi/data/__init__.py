"""TFDS input pipelines."""

from tfavi.data.dataset_spec import DATASETS, DatasetSpec, get_spec
from tfavi.data.pipelines import (
    DataNotFoundError,
    eval_dataset,
    num_examples,
    resolve_data_dir,
    test_dataset,
    train_dataset,
)

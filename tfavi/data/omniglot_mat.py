"""OMNIGLOT as in the IWAE paper: the 28x28 `chardata.mat` split (24,345 train, 8,070 test).

Reference: Burda et al., "Importance Weighted Autoencoders", ICLR 2016 (the file is in the
authors' repository, yburda/iwae, `datasets/OMNIGLOT/chardata.mat`).
"""

import functools
import os

import numpy as np

OMNIGLOT_MAT_ENV = "TFAVI_OMNIGLOT_MAT"
"""Environment variable holding the path of `chardata.mat`."""

_SPLIT_KEYS = {"train": "data", "test": "testdata"}


def omniglot_mat_path(data_dir: str) -> str:
    """`$TFAVI_OMNIGLOT_MAT`, else `<data_dir>/omniglot_iwae/chardata.mat`."""
    return os.environ.get(OMNIGLOT_MAT_ENV) or os.path.join(
        data_dir, "omniglot_iwae", "chardata.mat"
    )


@functools.lru_cache(maxsize=2)
def load_omniglot_split(path: str, split: str) -> np.ndarray:
    """The grey-level images of `split` (`train` or `test`) as float32 `[N, 28, 28, 1]`.

    The file stores one column of 784 pixels per image in column-major (MATLAB) order; the
    images are read back in that order, so they are upright (the official attentive-VAE code
    reshapes row-major, which transposes them). Raises FileNotFoundError when absent.
    """
    if split not in _SPLIT_KEYS:
        raise ValueError(f"OMNIGLOT chardata.mat has splits train and test, not {split!r}.")
    if not os.path.isfile(path):
        raise FileNotFoundError(
            f"OMNIGLOT file {path!r} not found. Download chardata.mat of the IWAE split "
            "(https://github.com/yburda/iwae/raw/master/datasets/OMNIGLOT/chardata.mat) and "
            f"set {OMNIGLOT_MAT_ENV}=/path/to/chardata.mat, or put it at "
            "<TFDS data dir>/omniglot_iwae/chardata.mat."
        )
    from scipy.io import loadmat

    columns = loadmat(path)[_SPLIT_KEYS[split]]
    images = columns.T.reshape(-1, 28, 28, order="F")
    return images[..., np.newaxis].astype(np.float32)

"""A tiny stand-in for `chardata.mat`, the IWAE OMNIGLOT file, for tests."""

import numpy as np
from scipy.io import savemat


def write_chardata(path, train: np.ndarray, test: np.ndarray) -> None:
    """Writes [N, 28, 28] grey-level images in the file's MATLAB layout: one column of 784
    pixels per image, column-major."""
    savemat(
        path,
        {
            key: images.reshape(len(images), -1, order="F").T
            for key, images in (("data", train), ("testdata", test))
        },
    )

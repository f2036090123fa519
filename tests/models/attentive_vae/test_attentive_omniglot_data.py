"""The IWAE OMNIGLOT split read from `chardata.mat` (Burda et al., ICLR 2016)."""

import os

import numpy as np
import pytest

from tests.fake_chardata import write_chardata
from tfavi import data
from tfavi.data.omniglot_mat import OMNIGLOT_MAT_ENV, load_omniglot_split


@pytest.fixture
def chardata(tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    train, test = rng.uniform(size=(5, 28, 28)), rng.uniform(size=(3, 28, 28))
    path = tmp_path / "chardata.mat"
    write_chardata(path, train, test)
    monkeypatch.setenv(OMNIGLOT_MAT_ENV, str(path))
    load_omniglot_split.cache_clear()
    yield train, test
    load_omniglot_split.cache_clear()


def test_splits_are_read_upright_and_binarized_by_the_pipelines(chardata):
    train, test = chardata
    assert data.num_examples("omniglot_iwae", "train") == 5
    images = next(iter(data.eval_dataset("omniglot_iwae", "test", 8))).numpy()
    assert images.shape == (3, 28, 28, 1) and set(np.unique(images)) <= {0.0, 1.0}
    # A fixed Bernoulli draw of the stored intensities: agrees with them on average.
    assert abs(np.mean(images[..., 0]) - np.mean(test)) < 0.05
    path = os.environ[OMNIGLOT_MAT_ENV]
    np.testing.assert_allclose(load_omniglot_split(path, "train")[..., 0], train, rtol=1e-6)
    batch = next(iter(data.train_dataset("omniglot_iwae", 4, epoch=0)))
    assert batch.shape == (4, 28, 28, 1)


def test_missing_file_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv(OMNIGLOT_MAT_ENV, str(tmp_path / "absent.mat"))
    load_omniglot_split.cache_clear()
    with pytest.raises(data.DataNotFoundError, match="chardata.mat.*TFAVI_OMNIGLOT_MAT"):
        data.num_examples("omniglot_iwae", "train")

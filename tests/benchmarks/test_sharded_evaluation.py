"""The sharded test evaluation: shards written as they finish, done shards never redone."""

import json
import os

import pytest

from benchmarks.sharded_evaluation import evaluate_in_shards
from tests.run_fixtures import needs_data, smoke_run  # noqa: F401
from tfavi.training import run_directory

pytestmark = needs_data


def test_shards_cover_the_images_and_a_rerun_reuses_them(smoke_run, tmp_path):  # noqa: F811
    model = run_directory.load_trained_model(smoke_run)
    folder = str(tmp_path / "shards")
    options = dict(num_importance_samples=2, chunk_size=1, batch_size=50, shard_size=100)
    first = evaluate_in_shards(model, "binarized_mnist", folder, max_examples=250, **options)
    names = sorted(os.listdir(folder))
    assert names == ["shard0000000.json", "shard0000100.json", "shard0000200.json"]
    shards = []
    for name in names:
        with open(os.path.join(folder, name)) as f:
            shards.append(json.load(f))
    assert [s["examples"] for s in shards] == [100, 100, 50] and first["examples"] == 250
    assert first["nll"] == pytest.approx(sum(s["nll"] * s["examples"] for s in shards) / 250)

    shards[1]["nelbo"] = 1000.0  # a marker: a recomputed shard would not hold it
    with open(os.path.join(folder, names[1]), "w") as f:
        json.dump(shards[1], f)
    again = evaluate_in_shards(model, "binarized_mnist", folder, max_examples=250, **options)
    expected = (shards[0]["nelbo"] * 100 + 1000.0 * 100 + shards[2]["nelbo"] * 50) / 250
    assert again["nelbo"] == pytest.approx(expected)
    with pytest.raises(ValueError, match="not a multiple"):
        evaluate_in_shards(model, "binarized_mnist", folder, batch_size=30, shard_size=100)

"""The test evaluation of a trained model in shards of images, resumable shard by shard.

Each shard's ELBO and importance-weighted bound (`tfavi.evaluation.evaluate`) is written to
`<folder>/shard<first image>.json` as it finishes; a rerun skips the shards done, so an
evaluation longer than a sitting (K = 1000 on 10,000 images) finishes over several runs.
"""

import json
import os

from tfavi import data
from tfavi.evaluation.evaluator import evaluate
from tfavi.training.run_directory import write_atomically

AVERAGED = ("nelbo", "recon", "kl", "nll", "elbo_bits_per_dim", "nll_bits_per_dim")


def evaluate_in_shards(
    model,
    dataset: str,
    folder: str,
    *,
    num_importance_samples: int = 1000,
    chunk_size: int = 100,
    batch_size: int = 100,
    shard_size: int = 1000,
    max_examples: int = 0,
    data_dir: str | None = None,
) -> dict:
    """`evaluate`'s results over the test split (its first `max_examples` images, 0: all) as
    the mean of the shards' results weighted by their images. `shard_size` must be a multiple
    of `batch_size`."""
    if shard_size % batch_size:
        raise ValueError(f"shard_size {shard_size} is not a multiple of batch_size {batch_size}.")
    total = data.num_examples(dataset, data.get_spec(dataset).test_split, data_dir)
    total = min(total, max_examples) if max_examples else total
    os.makedirs(folder, exist_ok=True)
    shards = []
    for start in range(0, total, shard_size):
        path = os.path.join(folder, f"shard{start:07d}.json")
        if not os.path.exists(path):
            images = data.test_dataset(
                dataset, batch_size, data_dir=data_dir, max_examples=min(start + shard_size, total)
            ).skip(start // batch_size)
            result = evaluate(model, images, num_importance_samples, chunk_size, verbose=0)
            write_atomically(path, json.dumps(result))
            print(f"  test images {start}-{start + result['examples']}: {result}", flush=True)
        with open(path) as f:
            shards.append(json.load(f))
    examples = sum(s["examples"] for s in shards)
    combined = {k: sum(s[k] * s["examples"] for s in shards) / examples for k in AVERAGED}
    return {"examples": examples, "num_importance_samples": num_importance_samples, **combined}

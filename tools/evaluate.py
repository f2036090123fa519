"""Evaluates a run on its test split: `python tools/evaluate.py --workdir=runs/vae_mlp`.

Reports the negative ELBO and the importance-weighted negative log-likelihood in nats per
example and bits/dim, and writes them to `<workdir>/eval.json`.
"""

import json
import os
import pathlib
import sys

if not __package__:  # run as a script from a checkout: `python tools/evaluate.py`
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from absl import flags, logging  # noqa: E402

from tfavi import data  # noqa: E402
from tfavi.evaluation import evaluate  # noqa: E402
from tfavi.tools import cli  # noqa: E402
from tfavi.training import run_directory  # noqa: E402


def define_flags(flag_values: flags.FlagValues) -> None:
    cli.define_run_flags(flag_values)
    flags.adopt_module_key_flags(cli, flag_values)
    flags.DEFINE_integer(
        "num_importance_samples",
        1000,
        "K of the importance-weighted bound.",
        flag_values=flag_values,
    )
    flags.DEFINE_integer(
        "chunk_size", 100, "Importance samples evaluated at once.", flag_values=flag_values
    )
    flags.DEFINE_integer(
        "batch_size",
        None,
        "Evaluation batch size (default: the recipe's).",
        flag_values=flag_values,
    )
    flags.DEFINE_integer(
        "max_examples",
        None,
        "Evaluate the first N test examples (default: all).",
        flag_values=flag_values,
    )


def run(FLAGS: flags.FlagValues) -> None:
    logging.set_verbosity(logging.WARNING)
    config = run_directory.load_config(FLAGS.workdir)
    model = run_directory.load_trained_model(FLAGS.workdir)
    test = data.test_dataset(
        config.dataset,
        FLAGS.batch_size or config.eval_batch_size,
        data_dir=FLAGS.data_dir,
        max_examples=FLAGS.max_examples if FLAGS.max_examples is not None else config.eval_examples,
    )
    results = evaluate(model, test, FLAGS.num_importance_samples, FLAGS.chunk_size)
    text = json.dumps(results, indent=2)
    run_directory.write_atomically(os.path.join(FLAGS.workdir, run_directory.EVAL_FILE), text)
    print(text)


def main() -> None:
    """The `tfavi-evaluate` console script."""
    cli.main(define_flags, run)


if __name__ == "__main__":
    main()

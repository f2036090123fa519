"""Evaluates a run on its test split: `python tools/evaluate.py --workdir=runs/vae_mlp`.

Reports the negative ELBO and the importance-weighted negative log-likelihood in nats per
example and bits/dim, and writes them to `<workdir>/eval.json`. The run's evaluation fields
and seed are the defaults, so with no flags it reproduces the `eval.json` of tools/train.py.
"""

import json
import pathlib
import sys

from absl import flags

if __package__:
    from tfavi.tools import cli
else:  # `python tools/evaluate.py` in a checkout: tfavi and TensorFlow load after the flags parse
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
    import cli


_FLAG_FIELDS = {
    "num_importance_samples": ("num_importance_samples", "K of the importance-weighted bound"),
    "chunk_size": ("importance_chunk_size", "Importance samples evaluated at once"),
    "batch_size": ("eval_batch_size", "Evaluation batch size"),
    "max_examples": ("eval_examples", "Evaluate the first N test examples (0: all)"),
}
"""Flag -> (the config field it replaces, its help)."""


def define_flags(flag_values: flags.FlagValues) -> None:
    cli.define_run_flags(flag_values)
    flags.adopt_module_key_flags(cli, flag_values)
    for name, (field, text) in _FLAG_FIELDS.items():
        flags.DEFINE_integer(
            name, None, f"{text} (default: the run's {field}).", flag_values=flag_values
        )


def run(FLAGS: flags.FlagValues) -> None:
    from tfavi.training import run_directory
    from tfavi.training.final_evaluation import evaluate_run

    config = run_directory.load_config(FLAGS.workdir).replace(
        **{
            field: FLAGS[name].value
            for name, (field, _) in _FLAG_FIELDS.items()
            if FLAGS[name].value is not None
        }
    )
    model = run_directory.load_trained_model(FLAGS.workdir)
    results = evaluate_run(model, config, FLAGS.workdir, data_dir=FLAGS.data_dir, reuse=False)
    print(json.dumps(results, indent=2))


def main() -> None:
    """The `tfavi-evaluate` console script."""
    cli.main(define_flags, run)


if __name__ == "__main__":
    main()

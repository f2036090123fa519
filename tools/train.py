"""Trains a zoo model: `python tools/train.py --model=vae_mlp --workdir=runs/vae_mlp`.

Rerunning the same command with the same workdir resumes from the last checkpoint.
"""

import pathlib
import sys

if not __package__:  # run as a script from a checkout: `python tools/train.py`
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from absl import flags, logging  # noqa: E402

from tfavi import zoo  # noqa: E402
from tfavi.tools import cli  # noqa: E402
from tfavi.training import STRATEGIES, make_strategy, train_and_evaluate  # noqa: E402


def define_flags(flag_values: flags.FlagValues) -> None:
    flags.DEFINE_string(
        "model", None, "Zoo name of the model; see README or zoo.names().", flag_values=flag_values
    )
    flags.DEFINE_string(
        "workdir", None, "Run folder (default: runs/<model>).", flag_values=flag_values
    )
    flags.DEFINE_bool(
        "smoke", False, "Use the recipe's tiny smoke variant.", flag_values=flag_values
    )
    flags.DEFINE_multi_string(
        "override",
        [],
        "Config override field=value (or model.arg=value).",
        flag_values=flag_values,
    )
    flags.DEFINE_enum(
        "strategy", "default", STRATEGIES, "tf.distribute strategy.", flag_values=flag_values
    )
    flags.DEFINE_enum(
        "mixed_precision",
        None,
        ["none", "bfloat16", "float16"],
        "Shorthand for --override=mixed_precision=...",
        flag_values=flag_values,
    )
    flags.DEFINE_integer("seed", None, "Seed (overrides the recipe's).", flag_values=flag_values)
    flags.DEFINE_string(
        "data_dir", None, "TFDS data dir (default: $TFDS_DATA_DIR).", flag_values=flag_values
    )
    flags.mark_flag_as_required("model", flag_values=flag_values)


def run(FLAGS: flags.FlagValues) -> None:
    logging.set_verbosity(logging.WARNING)
    overrides = list(FLAGS.override) + ([f"seed={FLAGS.seed}"] if FLAGS.seed is not None else [])
    if FLAGS.mixed_precision is not None:
        overrides.append(f"mixed_precision={FLAGS.mixed_precision!r}")
    config = zoo.resolve_config(FLAGS.model, smoke=FLAGS.smoke, overrides=overrides)
    workdir = FLAGS.workdir or f"runs/{FLAGS.model}"
    train_and_evaluate(
        config, workdir, strategy=make_strategy(FLAGS.strategy), data_dir=FLAGS.data_dir
    )


def main() -> None:
    """The `tfavi-train` console script."""
    cli.main(define_flags, run)


if __name__ == "__main__":
    main()

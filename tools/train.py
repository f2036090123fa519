"""Trains a zoo model: `python tools/train.py --model=vae_mlp --workdir=runs/vae_mlp`.

Rerunning the same command with the same workdir resumes from the last checkpoint; a
finished run keeps its `eval.json` if it was computed from the same weights and settings.
A rerun may raise `epochs` (`--override=epochs=200`) or change evaluation settings; the new
values are written to `<workdir>/config.json`. Other changes need a new workdir, or
`--restart`, which deletes the workdir's earlier run and starts over.
"""

import pathlib
import sys

from absl import flags

if __package__:
    from tfavi.tools import cli
else:  # `python tools/train.py` in a checkout: tfavi and TensorFlow load after the flags parse
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
    import cli


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
    flags.DEFINE_string(
        "strategy",
        "default",
        "tf.distribute strategy: default, one_device, mirrored, multi_worker or tpu.",
        flag_values=flag_values,
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
    flags.DEFINE_bool(
        "restart",
        False,
        "Delete the workdir's earlier run (checkpoints, metrics, model, config) and start over.",
        flag_values=flag_values,
    )
    flags.mark_flag_as_required("model", flag_values=flag_values)
    flags.adopt_module_key_flags(cli, flag_values)


def run(FLAGS: flags.FlagValues) -> None:
    from tfavi import zoo
    from tfavi.training import make_strategy, train_and_evaluate
    from tfavi.training.instantiation_optimizer import set_instantiation_optimizer

    overrides = list(FLAGS.override) + ([f"seed={FLAGS.seed}"] if FLAGS.seed is not None else [])
    if FLAGS.mixed_precision is not None:
        overrides.append(f"mixed_precision={FLAGS.mixed_precision!r}")
    config = zoo.resolve_config(FLAGS.model, smoke=FLAGS.smoke, overrides=overrides)
    workdir = FLAGS.workdir or f"runs/{FLAGS.model}"
    set_instantiation_optimizer(config.instantiation_optimizer)  # Before TensorFlow starts.
    train_and_evaluate(
        config,
        workdir,
        strategy=make_strategy(FLAGS.strategy),
        data_dir=FLAGS.data_dir,
        restart=FLAGS.restart,
    )


def main() -> None:
    """The `tfavi-train` console script."""
    cli.main(define_flags, run)


if __name__ == "__main__":
    main()

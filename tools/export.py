"""Exports a trained run for TF Serving:
`python tools/export.py --workdir=runs/vae_mlp --export_dir=exports/vae_mlp`.

Writes a SavedModel with the serving signatures of docs/serving.md into the next numbered
version folder of `--export_dir` (`exports/vae_mlp/1`, then `/2`, ...), the folder TF
Serving's `--model_base_path` points at. Uses the run's `model.keras`, or its latest
checkpoint if training has not finished.
"""

import pathlib
import sys

from absl import flags

if __package__:
    from tfavi.tools import cli
else:  # `python tools/export.py` in a checkout: tfavi and TensorFlow load after the flags parse
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
    import cli

_LIMIT_FLAGS = {
    "max_batch_size": "batch of images (or latents)",
    "max_importance_samples": "num_importance_samples of log_likelihood",
    "max_num_samples": "num_samples of sample",
    "max_temperature": "temperature of sample",
}


def define_flags(flag_values: flags.FlagValues) -> None:
    flags.DEFINE_string(
        "workdir", None, "Run folder written by tools/train.py.", flag_values=flag_values
    )
    flags.DEFINE_string(
        "export_dir",
        None,
        "The model's base path, e.g. exports/<model_name>.",
        flag_values=flag_values,
    )
    flags.DEFINE_integer(
        "chunk_size",
        100,
        "Importance samples per model call in log_likelihood.",
        flag_values=flag_values,
    )
    flags.DEFINE_string(
        "images_dtype",
        "float32",
        "dtype of the images inputs: float32 or uint8.",
        flag_values=flag_values,
    )
    for name, maximum_of in _LIMIT_FLAGS.items():
        define = flags.DEFINE_float if name == "max_temperature" else flags.DEFINE_integer
        define(
            name,
            None,
            f"Largest {maximum_of} served; larger requests fail with INVALID_ARGUMENT "
            "(default: tfavi.export.ServingLimits, see docs/serving.md).",
            flag_values=flag_values,
        )
    flags.mark_flags_as_required(["workdir", "export_dir"], flag_values=flag_values)
    flags.adopt_module_key_flags(cli, flag_values)


def run(FLAGS: flags.FlagValues) -> None:
    from tfavi.errors import ConfigError
    from tfavi.export import IMAGES_DTYPES, ServingLimits, export_saved_model
    from tfavi.training.run_directory import load_trained_model

    if FLAGS.images_dtype not in IMAGES_DTYPES:
        raise ConfigError(
            f"--images_dtype={FLAGS.images_dtype} is not supported; use one of: "
            f"{', '.join(IMAGES_DTYPES)}."
        )
    limits = {name: FLAGS[name].value for name in _LIMIT_FLAGS if FLAGS[name].value is not None}
    try:
        limits = ServingLimits(**limits)
    except ValueError as error:
        raise ConfigError(f"--{error}") from None
    model = load_trained_model(FLAGS.workdir)
    path = export_saved_model(
        model,
        FLAGS.export_dir,
        chunk_size=FLAGS.chunk_size,
        images_dtype=FLAGS.images_dtype,
        limits=limits,
    )
    print(f"Exported {FLAGS.workdir} to {path}")


def main() -> None:
    """The `tfavi-export` console script."""
    cli.main(define_flags, run)


if __name__ == "__main__":
    main()

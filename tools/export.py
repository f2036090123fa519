"""Exports a trained run for TF Serving:
`python tools/export.py --workdir=runs/vae_mlp --export_dir=exports/vae_mlp`.

Writes a SavedModel with the serving signatures of docs/serving.md into the next numbered
version folder of `--export_dir` (`exports/vae_mlp/1`, then `/2`, ...), the folder TF
Serving's `--model_base_path` points at. Uses the run's `model.keras`, or its latest
checkpoint if training has not finished.
"""

import pathlib
import sys

if not __package__:  # run as a script from a checkout: `python tools/export.py`
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from absl import flags, logging  # noqa: E402

from tfavi.export import (  # noqa: E402
    DEFAULT_LIMITS,
    IMAGES_DTYPES,
    ServingLimits,
    export_saved_model,
)
from tfavi.tools import cli  # noqa: E402
from tfavi.training.run_directory import load_trained_model  # noqa: E402

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
    flags.DEFINE_enum(
        "images_dtype",
        "float32",
        IMAGES_DTYPES,
        "dtype of the images inputs.",
        flag_values=flag_values,
    )
    for name, maximum_of in _LIMIT_FLAGS.items():
        define = flags.DEFINE_float if name == "max_temperature" else flags.DEFINE_integer
        define(
            name,
            getattr(DEFAULT_LIMITS, name),
            f"Largest {maximum_of} served; larger requests fail with INVALID_ARGUMENT.",
            flag_values=flag_values,
        )
    flags.register_multi_flags_validator(list(_LIMIT_FLAGS), _check_limits, flag_values=flag_values)
    flags.mark_flags_as_required(["workdir", "export_dir"], flag_values=flag_values)


def _check_limits(values: dict) -> bool:
    try:
        ServingLimits(**values)
    except ValueError as error:
        raise flags.ValidationError(f"--{error}") from None
    return True


def run(FLAGS: flags.FlagValues) -> None:
    logging.set_verbosity(logging.WARNING)
    limits = ServingLimits(**{name: FLAGS[name].value for name in _LIMIT_FLAGS})
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

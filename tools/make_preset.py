"""Turns a finished run into a preset folder:
`python tools/make_preset.py --workdir=runs/ggm_vae_chain --output=tfavi/presets/ggm_vae_chain`.

Writes the run's final model (`model.keras`, else its latest checkpoint) with `config.json`
and a `metadata.json` recording the data set, recipe, seed, epochs, training minutes and the
measured test ELBO and log p(x) (from `eval.json`), then checks the new preset
(`tfavi.presets.check_preset`). A folder under `tfavi/presets/<zoo name>/` ships with tfavi.
"""

import pathlib
import sys

if not __package__:  # run as a script from a checkout: `python tools/make_preset.py`
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from absl import flags, logging  # noqa: E402

from tfavi import presets, zoo  # noqa: E402
from tfavi.tools import cli  # noqa: E402


def define_flags(flag_values: flags.FlagValues) -> None:
    cli.define_run_flags(flag_values)
    flags.adopt_module_key_flags(cli, flag_values)
    flags.DEFINE_string(
        "output", None, "The preset folder to create (must not exist).", flag_values=flag_values
    )
    flags.DEFINE_integer(
        "check_examples",
        1000,
        "Test images of the ELBO stored to check the preset against.",
        flag_values=flag_values,
    )
    flags.mark_flag_as_required("output", flag_values=flag_values)


def run(FLAGS: flags.FlagValues) -> None:
    logging.set_verbosity(logging.WARNING)
    path = zoo.save_run_as_preset(
        FLAGS.workdir, FLAGS.output, check_examples=FLAGS.check_examples, data_dir=FLAGS.data_dir
    )
    check = presets.check_preset(path, data_dir=FLAGS.data_dir)
    metrics = presets.read_metadata(path)["metrics"]
    print(
        f"Wrote {path}: test ELBO {metrics['test_elbo']:.2f}, log p(x) {metrics['test_log_px']:.2f}"
        f" nats; checked on {check['examples']} test images ({check['measured']:.3f} nats)."
    )


if __name__ == "__main__":
    cli.main(define_flags, run)

"""Writes PNG sample grids and reconstructions of a run:
`python tools/sample.py --workdir=runs/vae_mlp --temperatures=1.0,0.9,0.8,0.7`.
"""

import pathlib
import sys

from absl import flags

if __package__:
    from tfavi.tools import cli
else:  # `python tools/sample.py` in a checkout: tfavi and TensorFlow load after the flags parse
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
    import cli


def define_flags(flag_values: flags.FlagValues) -> None:
    cli.define_run_flags(flag_values)
    flags.adopt_module_key_flags(cli, flag_values)
    flags.DEFINE_list(
        "temperatures", ["1.0"], "Prior temperatures, comma-separated.", flag_values=flag_values
    )
    flags.DEFINE_integer("num_images", 64, "Images per grid.", flag_values=flag_values)
    flags.DEFINE_integer("seed", 0, "Sampling seed.", flag_values=flag_values)
    flags.DEFINE_string(
        "output_dir",
        None,
        "Where to write the PNGs (default: <workdir>/samples).",
        flag_values=flag_values,
    )


def run(FLAGS: flags.FlagValues) -> None:
    from tfavi import data
    from tfavi.errors import ConfigError
    from tfavi.evaluation import write_reconstructions, write_sample_grids
    from tfavi.models import HierarchicalVAE
    from tfavi.training import run_directory

    try:
        temperatures = tuple(float(t) for t in FLAGS.temperatures)
    except ValueError:
        raise ConfigError(
            f"--temperatures={','.join(FLAGS.temperatures)} must be numbers, e.g. 1.0,0.8."
        ) from None
    # The run's config checks the values (sample_temperatures > 0, num_sample_images >= 1).
    config = run_directory.load_config(FLAGS.workdir).replace(
        sample_temperatures=temperatures, num_sample_images=FLAGS.num_images
    )
    model = run_directory.load_trained_model(FLAGS.workdir)
    output_dir = FLAGS.output_dir or f"{FLAGS.workdir}/samples"
    paths = write_sample_grids(model, output_dir, temperatures, FLAGS.num_images, FLAGS.seed)
    if isinstance(model, HierarchicalVAE):  # a density model has no reconstructions
        test = data.test_dataset(
            config.dataset,
            FLAGS.num_images,
            data_dir=FLAGS.data_dir,
            max_examples=FLAGS.num_images,
        )
        paths.append(write_reconstructions(model, next(iter(test)), output_dir))
    print("\n".join(paths))


def main() -> None:
    """The `tfavi-sample` console script."""
    cli.main(define_flags, run)


if __name__ == "__main__":
    main()

"""Writes PNG sample grids and reconstructions of a run:
`python tools/sample.py --workdir=runs/vae_mlp --temperatures=1.0,0.9,0.8,0.7`.
"""

import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from absl import app, flags, logging  # noqa: E402

from tfavi import data  # noqa: E402
from tfavi.evaluation import write_reconstructions, write_sample_grids  # noqa: E402
from tfavi.training import run_directory  # noqa: E402

flags.DEFINE_string("workdir", None, "Run folder written by tools/train.py.")
flags.DEFINE_list("temperatures", ["1.0"], "Prior temperatures, comma-separated.")
flags.DEFINE_integer("num_images", 64, "Images per grid.")
flags.DEFINE_integer("seed", 0, "Sampling seed.")
flags.DEFINE_string("output_dir", None, "Where to write the PNGs (default: <workdir>/samples).")
flags.DEFINE_string("data_dir", None, "TFDS data dir (default: $TFDS_DATA_DIR).")
flags.mark_flag_as_required("workdir")
FLAGS = flags.FLAGS


def main(argv):
    del argv
    logging.set_verbosity(logging.WARNING)
    config = run_directory.load_config(FLAGS.workdir)
    model = run_directory.load_trained_model(FLAGS.workdir)
    output_dir = FLAGS.output_dir or f"{FLAGS.workdir}/samples"
    temperatures = [float(t) for t in FLAGS.temperatures]
    paths = write_sample_grids(model, output_dir, temperatures, FLAGS.num_images, FLAGS.seed)
    test = data.test_dataset(
        config.dataset,
        FLAGS.num_images,
        data_dir=FLAGS.data_dir,
        max_examples=FLAGS.num_images,
    )
    paths.append(write_reconstructions(model, next(iter(test)), output_dir))
    print("\n".join(paths))


if __name__ == "__main__":
    app.run(main)

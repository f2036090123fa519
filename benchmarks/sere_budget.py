"""Equal wall-clock comparisons of zoo models, shared by the SeRe-VAE benchmarks.

The models train in turn for `--minutes` each (`benchmarks/budgeted_training.py`), then are
evaluated on the first test examples with the importance-weighted bound (Burda et al. 2016)
and printed as a Markdown table.
"""

from absl import flags, logging

from benchmarks.budgeted_training import BudgetedRun, train_in_turn
from tfavi import data, zoo


def print_table(results: list[dict], metric_name: str) -> None:
    """Prints one Markdown row per model: budget, steps, test ELBO and the IW bound."""
    print(
        f"\n| model | weights | train min | steps | epochs | test ELBO | {metric_name} | eval min |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for r in results:
        epochs = r["curve"][-1]["epoch"] if r["curve"] else 0
        print(
            f"| {r['model']} | {r['weights']:,} | {r['train_minutes']} | {r['steps']} | "
            f"{epochs} | {-r['nelbo']:.2f} | {-r['nll']:.2f} | {r['eval_minutes']} |"
        )


def define_flags(models: list[str], overrides: list[str], eval_examples: int) -> None:
    """Defines the benchmark's flags with the given defaults."""
    flags.DEFINE_list("models", models, "Zoo names to compare.")
    flags.DEFINE_float("minutes", 8.0, "Training minutes per model.")
    flags.DEFINE_multi_string("override", overrides, "Recipe overrides applied to every model.")
    flags.DEFINE_integer("curve_points", 8, "Points of each learning curve.")
    flags.DEFINE_integer("curve_examples", 1000, "Test images of the learning curves' ELBO.")
    flags.DEFINE_integer(
        "eval_examples", eval_examples, "Test images of the final evaluation (0: all)."
    )
    flags.DEFINE_integer("num_importance_samples", 1000, "K of the importance-weighted bound.")
    flags.DEFINE_integer("chunk_size", 100, "Importance samples evaluated at once.")
    flags.DEFINE_integer("eval_batch_size", 20, "Test images per evaluation batch.")
    flags.DEFINE_string("data_dir", None, "TFDS data dir (default: $TFDS_DATA_DIR).")


def run(metric_name: str) -> list[dict]:
    """Trains every `--models` entry in turn, evaluates them, then prints the table."""
    logging.set_verbosity(logging.WARNING)
    FLAGS = flags.FLAGS
    dataset = zoo.resolve_config(FLAGS.models[0]).dataset

    def test_images(max_examples):
        return data.test_dataset(
            dataset, FLAGS.eval_batch_size, data_dir=FLAGS.data_dir, max_examples=max_examples
        )

    curve_images = test_images(FLAGS.curve_examples).cache()
    runs = [
        BudgetedRun(
            name, FLAGS.minutes, FLAGS.override, FLAGS.curve_points, curve_images, FLAGS.data_dir
        )
        for name in FLAGS.models
    ]
    train_in_turn(runs)
    test = test_images(FLAGS.eval_examples)
    results = [run.evaluate(test, FLAGS.num_importance_samples, FLAGS.chunk_size) for run in runs]
    print_table(results, f"{metric_name}, K={FLAGS.num_importance_samples}")
    return results

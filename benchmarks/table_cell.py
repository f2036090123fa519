"""Computes one cell of a paper table and merges it into the table's results file.

    python benchmarks/ggm_mnist_table.py --cell=ggm_vae_chain/seed1
    python benchmarks/ggm_mnist_table.py --list

A cell trains its model with the table's recipe in `<runs_dir>/<table>/<model>_seed<k>` (the
trainer's own test evaluation reduced to a quick ELBO pass), then evaluates it on the whole
test split in shards of 1,000 images (ELBO, log p(x) with K = 1000), written to the
workdir's `eval.json`. The same command resumes an interrupted cell from its last checkpoint
or its last evaluated shard, so a cell can be spread over several runs, e.g.
`timeout 2h python benchmarks/ggm_mnist_table.py --cell=...` repeated until it is done. A
finished cell is not trained or evaluated again: rerunning its command only rewrites its
entry.
"""

import json
import os
import shlex
import time

from absl import flags, logging

from benchmarks import cell_record, results_file
from benchmarks.paper_tables import PaperTable

# The trainer's final evaluation: one importance sample (the cell evaluates K = 1000 itself).
QUICK_TEST_EVALUATION = ("num_importance_samples=1", "importance_chunk_size=1")


def define_flags() -> None:
    flags.DEFINE_string("cell", None, "The cell to compute, <model>/seed<k>; see --list.")
    flags.DEFINE_bool("list", False, "List the cells, their state and their commands.")
    flags.DEFINE_string("runs_dir", "runs", "Folder of the workdirs, <runs_dir>/<table>/<cell>.")
    flags.DEFINE_multi_string("override", [], "Further recipe overrides field=value.")
    flags.DEFINE_string("data_dir", None, "TFDS data dir (default: $TFDS_DATA_DIR).")
    flags.DEFINE_string("results", None, "Results file (default: the table's committed one).")


def main(table: PaperTable) -> None:
    FLAGS = flags.FLAGS
    results = FLAGS.results or table.results_path
    if FLAGS.list or not FLAGS.cell:
        print(cell_list(table, FLAGS.runs_dir, results))
        return
    entry = run_cell(table, FLAGS.cell, FLAGS.runs_dir, FLAGS.override, FLAGS.data_dir, results)
    print(
        f"{FLAGS.cell}: test log p(x) {entry['test_log_px']:.2f}, ELBO {entry['test_elbo']:.2f} "
        f"({entry['epochs']} epochs, {entry['train_minutes']:.1f} min) -> {results}"
    )


def workdir_of(table: PaperTable, key: str, runs_dir: str) -> str:
    return os.path.join(runs_dir, table.name, key.replace("/", "_"))


def command_of(table: PaperTable, key: str, overrides: list[str]) -> str:
    return shlex.join(
        ["python", table.script, f"--cell={key}", *(f"--override={o}" for o in overrides)]
    )


def run_cell(
    table: PaperTable,
    key: str,
    runs_dir: str,
    overrides: list[str],
    data_dir: str | None,
    results_path: str,
) -> dict:
    """Trains and evaluates the cell `key` (or resumes it), then merges its entry into the
    results file `results_path`."""
    from benchmarks.sharded_evaluation import evaluate_in_shards
    from tfavi import training, zoo
    from tfavi.training import run_directory

    name, seed = table.parse_cell(key)
    workdir = workdir_of(table, key, runs_dir)
    all_overrides = [*table.overrides, *overrides]
    start = time.time()
    logging.set_verbosity(logging.WARNING)
    if not os.path.exists(os.path.join(workdir, run_directory.MODEL_FILE)):
        config_overrides = [*all_overrides, *QUICK_TEST_EVALUATION, f"seed={seed}"]
        config = zoo.resolve_config(name, overrides=config_overrides)
        training.train_and_evaluate(config, workdir, data_dir=data_dir, verbose=1)
    evaluation = evaluate_in_shards(
        run_directory.load_trained_model(workdir),
        run_directory.load_config(workdir).dataset,
        os.path.join(workdir, "test_shards"),
        num_importance_samples=table.num_importance_samples,
        max_examples=table.test_examples,
        data_dir=data_dir,
    )
    run_directory.write_atomically(
        os.path.join(workdir, run_directory.EVAL_FILE), json.dumps(evaluation, indent=2)
    )
    entry = cell_record.cell_entry(
        workdir, command_of(table, key, overrides), all_overrides, (time.time() - start) / 60
    )
    results_file.merge_cells(results_path, {key: entry})
    return entry


def cell_list(table: PaperTable, runs_dir: str, results_path: str) -> str:
    """One line per cell: done (in the results file), started (a workdir), or to do."""
    done = results_file.read_cells(results_path)
    lines = []
    for key in table.cells():
        if key in done:
            state = f"done ({done[key]['epochs']} epochs, {done[key]['train_minutes']:.0f} min)"
        elif os.path.isdir(workdir_of(table, key, runs_dir)):
            state = "started"
        else:
            state = "to do"
        lines.append(f"{key:28s} {state:28s} {command_of(table, key, [])}")
    return "\n".join(lines)

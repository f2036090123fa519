"""Runs zoo entries' smoke variants through the tools, all in one process:
`python -m tests.tools.zoo_smoke_driver <base dir> <name>...`.

For each name: tools/train.py (`--smoke`, one epoch) into `<base>/<name>/run`, then
tools/evaluate.py on that workdir and tools/sample.py into `<base>/<name>/reloaded`, each via
`tools.cli.call`. Writes `<base>/<name>/outcome.json`: the traceback of the first failure (or
null) and the seconds taken. One process pays one TensorFlow start-up for the whole zoo, and
its memory (TensorFlow keeps every traced graph) is freed when it exits.
"""

import json
import pathlib
import sys
import time
import traceback

from tfavi.tools import cli, evaluate, sample, train

EVAL_EXAMPLES = 4
EVAL_IMPORTANCE_SAMPLES = 2


def run_entry(name: str, directory: pathlib.Path) -> None:
    """Trains, evaluates and samples the smoke variant of `name` under `directory`."""
    workdir = directory / "run"
    cli.call(
        train,
        ["train.py", f"--model={name}", "--smoke", "--override=epochs=1", f"--workdir={workdir}"],
    )
    cli.call(
        evaluate,
        [
            "evaluate.py",
            f"--workdir={workdir}",
            f"--num_importance_samples={EVAL_IMPORTANCE_SAMPLES}",
            "--chunk_size=1",
            f"--batch_size={EVAL_EXAMPLES // 2}",
            f"--max_examples={EVAL_EXAMPLES}",
        ],
    )
    # The grids training drew, drawn again from the reloaded model.keras.
    config = json.loads((workdir / "config.json").read_text())
    cli.call(
        sample,
        [
            "sample.py",
            f"--workdir={workdir}",
            f"--num_images={config['num_sample_images']}",
            f"--seed={config['seed']}",
            f"--output_dir={directory / 'reloaded'}",
        ],
    )


def main(base: pathlib.Path, names: list[str]) -> None:
    for name in names:
        (base / name).mkdir(parents=True, exist_ok=True)
        start = time.time()
        try:
            run_entry(name, base / name)
            error = None
        except Exception:  # noqa: BLE001  (reported by the test of `name`)
            error = traceback.format_exc()
        outcome = {"error": error, "seconds": round(time.time() - start, 1)}
        (base / name / "outcome.json").write_text(json.dumps(outcome))
        print(f"{name}: {outcome['seconds']} s{' FAILED' if error else ''}", flush=True)


if __name__ == "__main__":
    main(pathlib.Path(sys.argv[1]), sys.argv[2:])

"""Kill -9 at random moments, corrupted files, two trainers on one workdir, a diverging rate:
does every run resume to the weights, records and evaluation of an uninterrupted one?

    python benchmarks/fault_injection.py --trials=10

Trains `vae_mlp`'s smoke recipe (3 epochs of 5 steps, a checkpoint every 2 steps) once
uninterrupted, then `--trials` times killed with SIGKILL at a uniformly random moment of its
training phase, from the step-0 checkpoint to the end (training, validation, checkpoints,
records, `model.keras`, the test evaluation, the images), and resumed; then the corruption,
concurrency and divergence cases (each on a copy of the finished run or a fresh workdir). A
resumed run must give bit-identical weights (`model.keras`) and `eval.json`, and a
`metrics.jsonl` of strict JSON lines equal to the reference's (times aside). Prints one line
per case, then tried / resumed identically / records intact / failures. About 30 s of CPU per trial.
"""

import json
import os
import pathlib
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

REPO = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from absl import app, flags  # noqa: E402

flags.DEFINE_integer("trials", 10, "Random kill -9 trials.")
flags.DEFINE_integer("seed", 0, "Seed of the kill moments.")
flags.DEFINE_string("workdir", None, "Folder of the runs (default: a temporary one, removed).")
FLAGS = flags.FLAGS

TRAIN = [
    "tools/train.py",
    "--model=vae_mlp",
    "--smoke",
    "--override=epochs=3",
    "--override=checkpoint_every_steps=2",
]
LAST = 15  # The reference's last step.


def _start(workdir, *flags_, env=None):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", **(env or {})}
    return subprocess.Popen(
        [sys.executable, *TRAIN, f"--workdir={workdir}", *flags_],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _train(workdir, *flags_, env=None) -> tuple[int, str]:
    process = _start(workdir, *flags_, env=env)
    output, _ = process.communicate(timeout=900)
    return process.returncode, output


def _records(workdir) -> list | None:
    """The records without their times, or None if a line is not strict JSON."""

    def strict(token):
        raise ValueError(token)

    try:
        lines = (workdir / "metrics.jsonl").read_text().splitlines()
        records = [json.loads(line, parse_constant=strict) for line in lines]
    except (OSError, ValueError):
        return None
    return [{k: v for k, v in r.items() if k != "seconds"} for r in records]


def _weights(workdir) -> list:
    import keras

    import tfavi  # noqa: F401 -- registers the model classes

    return keras.models.load_model(workdir / "model.keras").get_weights()


class Outcome:
    """What a resumed run must reproduce."""

    def __init__(self, workdir):
        self.records = _records(workdir)
        self.evaluation = (workdir / "eval.json").read_text()
        self.weights = _weights(workdir)

    def same_as(self, other: "Outcome") -> bool:
        import numpy as np

        return (
            self.evaluation == other.evaluation
            and len(self.weights) == len(other.weights)
            and all(np.array_equal(a, b) for a, b in zip(self.weights, other.weights, strict=True))
        )


def _judge(name, workdir, reference, rc, output, note="") -> dict:
    """The case's result: resumed identically? records intact?"""
    if rc != 0:
        return {"case": name, "identical": False, "intact": False, "note": output[-600:]}
    outcome = Outcome(workdir)
    return {
        "case": name,
        "identical": outcome.same_as(reference),
        "intact": outcome.records == reference.records,
        "note": note,
    }


def _time_reference(workdir) -> float:
    """Runs the uninterrupted reference; returns the seconds from its first checkpoint (the
    start of training) to its end."""
    process = _start(workdir)
    started = _wait_for_training(workdir, process)
    output, _ = process.communicate()
    if process.returncode != 0:
        sys.exit(f"The uninterrupted run failed:\n{output[-3000:]}")
    return time.time() - started


def _wait_for_training(workdir, process) -> float:
    """Waits until the run's step-0 checkpoint exists (or the run ended); returns the time."""
    while not (workdir / "checkpoints" / "ckpt-0.index").exists() and process.poll() is None:
        time.sleep(0.05)
    return time.time()


def kill_trial(index, root, reference, fraction, train_seconds) -> tuple[dict, float | None]:
    """Kills a run with SIGKILL `fraction * train_seconds` after its training started, then
    resumes it. Also returns the run's training seconds if it finished before the kill."""
    workdir = root / f"kill{index}"
    process = _start(workdir)
    started = _wait_for_training(workdir, process)
    delay = fraction * train_seconds
    try:
        process.wait(timeout=max(0.0, started + delay - time.time()))
        observed, note = time.time() - started, "finished before the kill"
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGKILL)
        process.wait()
        steps = sorted(p.name for p in (workdir / "checkpoints").glob("ckpt-*.index"))
        observed, note = None, f"killed {delay:.1f} s into training, checkpoints {steps}"
    process.communicate()
    rc, output = _train(workdir)
    return _judge(f"kill -9 #{index + 1}", workdir, reference, rc, output, note), observed


def _copy(finished, root, name):
    workdir = root / name
    shutil.copytree(finished, workdir)
    return workdir


def _undo_last_epoch(workdir, corrupt_checkpoint: bool):
    """The state of a run killed in its last epoch's save (checkpoint kept but corrupted, or
    gone) with the last record half written."""
    lines = (workdir / "metrics.jsonl").read_text().splitlines()
    (workdir / "metrics.jsonl").write_text("\n".join(lines[:-1]) + "\n" + lines[-1][:40])
    for name in ("model.keras", "eval.json"):
        (workdir / name).unlink()
    for path in (workdir / "checkpoints").glob(f"ckpt-{LAST}.*"):
        if not corrupt_checkpoint:
            path.unlink()
        elif ".data" in path.name:
            path.write_bytes(path.read_bytes()[:64])


def corruption_cases(finished, root, reference) -> list[dict]:
    results = []

    def case(name, workdir, *flags_, note=""):
        rc, output = _train(workdir, *flags_)
        results.append(_judge(name, workdir, reference, rc, output, note))
        return output

    workdir = _copy(finished, root, "no_index")
    (workdir / "checkpoints" / "checkpoint").unlink()
    (workdir / "eval.json").unlink()
    case("checkpoint index missing", workdir)

    workdir = _copy(finished, root, "garbled_index")
    (workdir / "checkpoints" / "checkpoint").write_bytes(b"\x00garbled")
    (workdir / "eval.json").unlink()
    case("checkpoint index garbled", workdir)

    workdir = _copy(finished, root, "corrupt_latest")
    _undo_last_epoch(workdir, corrupt_checkpoint=True)
    output = case("latest checkpoint corrupt, last record truncated", workdir)
    if "cannot restore" not in output:
        results[-1].update(identical=False, note="no fallback warning")

    workdir = _copy(finished, root, "truncated_record")
    _undo_last_epoch(workdir, corrupt_checkpoint=False)
    case("last record truncated", workdir)

    workdir = _copy(finished, root, "leftovers")
    (workdir / "checkpoints" / "ckpt-12_temp").mkdir()
    (workdir / "checkpoints" / "ckpt-12_temp" / "part-00000-of-00001.index").write_bytes(b"x")
    (workdir / ".model-1.tmp.keras").write_bytes(b"")
    (workdir / "model.keras").unlink()
    case("dead process's leftovers", workdir)
    if list(workdir.rglob("*_temp")) or list(workdir.glob("*.tmp*")):
        results[-1].update(identical=False, note="leftovers remain")

    workdir = _copy(finished, root, "no_checkpoints")
    shutil.rmtree(workdir / "checkpoints")
    rc, output = _train(workdir)
    refused = rc != 0 and "--restart" in output and _records(workdir) == reference.records
    case("outputs without checkpoints: refused, then --restart", workdir, "--restart")
    if not refused:
        results[-1].update(identical=False, note="not refused without --restart")
    return results


def concurrency_case(root, reference) -> dict:
    workdir = root / "two_trainers"
    first = _start(workdir, env={"TFAVI_FAULT": "step@3", "TFAVI_FAULT_ACTION": "pause"})
    while not (workdir / "checkpoints").exists() and first.poll() is None:
        time.sleep(0.2)
    rc, output = _train(workdir)
    refused = rc != 0 and f"PID {first.pid}" in output
    first.kill()
    first.communicate()
    rc, output = _train(workdir)
    result = _judge(
        "second trainer refused, then stale lock taken over", workdir, reference, rc, output
    )
    if not refused or "Took over the lock" not in output:
        result.update(identical=False, note="second trainer not refused or lock not taken over")
    return result


def divergence_case(root) -> dict:
    import numpy as np
    import tensorflow as tf

    workdir = root / "diverging"
    # After one update every loss is NaN and the updates are skipped: 39 in a row over 8
    # epochs, so the run must stop at max_consecutive_skips (20).
    rc, output = _train(workdir, "--override=learning_rate=1e4", "--override=epochs=8")
    finite = all(
        np.all(np.isfinite(reader.get_tensor(name)))
        for path in (workdir / "checkpoints").glob("ckpt-*.index")
        for reader in [tf.train.load_checkpoint(str(path)[: -len(".index")])]
        for name in reader.get_variable_to_shape_map()
        if np.issubdtype(np.asarray(reader.get_tensor(name)).dtype, np.floating)
    )
    ok = rc != 0 and finite and not (workdir / "model.keras").exists()
    message = output.strip().splitlines()[-1] if output.strip() else ""
    return {"case": "learning_rate=1e4", "identical": None, "intact": ok, "note": message[:300]}


def main(argv):
    del argv
    root = pathlib.Path(FLAGS.workdir or tempfile.mkdtemp(prefix="fault_injection_"))
    root.mkdir(parents=True, exist_ok=True)
    rng = random.Random(FLAGS.seed)
    train_seconds = _time_reference(root / "reference")
    reference = Outcome(root / "reference")
    print(f"uninterrupted run: {train_seconds:.1f} s from step 0 to its end", flush=True)
    results = []
    for index in range(FLAGS.trials):
        result, observed = kill_trial(index, root, reference, rng.random(), train_seconds)
        # A machine under changing load: aim later kills within the fastest run seen.
        train_seconds = min(train_seconds, observed or train_seconds)
        results.append(result)
        print(_line(result), flush=True)
    for result in corruption_cases(root / "reference", root, reference):
        results.append(result)
        print(_line(result), flush=True)
    for result in (concurrency_case(root, reference), divergence_case(root)):
        results.append(result)
        print(_line(result), flush=True)
    resumed = [r for r in results if r["identical"] is not None]
    failures = [r for r in results if r["identical"] is False or not r["intact"]]
    print(
        f"\ntried {len(results)} | resumed identically {sum(r['identical'] for r in resumed)} "
        f"of {len(resumed)} | records intact {sum(bool(r['intact']) for r in results)} of "
        f"{len(results)} | failures {len(failures)}"
    )
    for failure in failures:
        print(f"  FAILED {failure['case']}: {failure['note']}")
    if not FLAGS.workdir:
        shutil.rmtree(root)


def _line(result: dict) -> str:
    if result["identical"] is None:
        verdict = "stopped, nothing non-finite saved" if result["intact"] else "FAILED"
    else:
        identical = "identical" if result["identical"] else "DIFFERENT"
        verdict = f"{identical}, {'records intact' if result['intact'] else 'RECORDS BROKEN'}"
    return f"{result['case']}: {verdict}. {result['note']}"


if __name__ == "__main__":
    app.run(main)

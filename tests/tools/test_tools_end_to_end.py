"""End to end: tools/train.py writes a complete workdir, resumes exactly (also after a kill -9),
holds its workdir against a second trainer, trains on two workers like on one;
tools/evaluate.py and tools/sample.py run on the result."""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.subprocess,
    pytest.mark.skipif(
        not os.path.isdir(os.path.join(os.environ.get("TFDS_DATA_DIR", ""), "binarized_mnist")),
        reason="needs TFDS_DATA_DIR pointing at a prepared TFDS data dir (see README)",
    ),
]
REPO = Path(__file__).resolve().parents[2]
TRAIN = ["tools/train.py", "--model=vae_mlp", "--smoke"]


def _start(args, env=None):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", **(env or {})}
    return subprocess.Popen(
        [sys.executable, *args],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _finish(process, timeout=300):
    output, _ = process.communicate(timeout=timeout)
    assert process.returncode == 0, output[-3000:]
    return output


def _run(args, env=None):
    return _finish(_start(args, env))


def _metrics(workdir):
    lines = (Path(workdir) / "metrics.jsonl").read_text().splitlines()
    return [{k: v for k, v in json.loads(line).items() if k != "seconds"} for line in lines]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("run") / "vae_mlp"
    output = _run([*TRAIN, f"--workdir={workdir}"])
    return workdir, output


def test_train_writes_a_complete_workdir(trained):
    workdir, output = trained
    assert "epoch 2:" in output and "test: nelbo" in output
    for name in (
        "config.json",
        "metrics.jsonl",
        "model.keras",
        "eval.json",
        "samples/samples_t1.00.png",
        "samples/reconstructions.png",
    ):
        assert (workdir / name).is_file(), name
    assert list((workdir / "tensorboard").iterdir())
    assert (workdir / "checkpoints" / "checkpoint").is_file()
    config = json.loads((workdir / "config.json").read_text())
    assert config["model_class"] == "tfavi>GaussianMLPVAE"
    metrics = _metrics(workdir)
    assert [m["epoch"] for m in metrics] == [1, 2] and metrics[-1]["step"] == 10
    for split in ("train", "val"):
        assert set(metrics[0][split]) == {"nelbo", "recon", "kl", "kl_layer_0", "bits_per_dim"}
    evaluation = json.loads((workdir / "eval.json").read_text())
    assert evaluation["nll"] <= evaluation["nelbo"] + 1.0 and evaluation["examples"] == 64


def test_rerun_resumes_from_the_last_checkpoint_and_continues_exactly(trained, tmp_path):
    workdir, _ = trained
    interrupted = tmp_path / "interrupted"
    shutil.copytree(workdir, interrupted)
    # Stop after epoch 1: drop everything written later.
    for path in (interrupted / "checkpoints").glob("ckpt-10*"):
        path.unlink()
    (interrupted / "checkpoints" / "checkpoint").write_text(
        'model_checkpoint_path: "ckpt-5"\nall_model_checkpoint_paths: "ckpt-5"\n'
    )
    first_line = (interrupted / "metrics.jsonl").read_text().splitlines()[0]
    (interrupted / "metrics.jsonl").write_text(first_line + "\n")
    for name in ("model.keras", "eval.json"):
        (interrupted / name).unlink()
    shutil.rmtree(interrupted / "samples")

    output = _run([*TRAIN, f"--workdir={interrupted}"])

    assert "Resuming from" in output and "Epoch 1/2" not in output
    assert _metrics(interrupted) == _metrics(workdir)
    assert json.loads((interrupted / "eval.json").read_text()) == json.loads(
        (workdir / "eval.json").read_text()
    )


def test_a_kill_9_between_record_and_checkpoint_resumes_to_the_same_run(trained, tmp_path):
    workdir, _ = trained
    killed = tmp_path / "killed"
    process = _start([*TRAIN, f"--workdir={killed}"], {"TFAVI_FAULT": "before_checkpoint@2"})
    output, _ = process.communicate(timeout=300)
    assert process.returncode == 86, output[-3000:]  # fault_points.KILLED_EXIT_CODE
    assert (killed / "train.lock").exists() and len(_metrics(killed)) == 2

    output = _run([*TRAIN, f"--workdir={killed}"])

    assert "Took over the lock of a dead trainer" in output and "Resuming from" in output
    assert _metrics(killed) == _metrics(workdir)
    assert (killed / "eval.json").read_text() == (workdir / "eval.json").read_text()
    assert not (killed / "train.lock").exists()


def test_a_second_trainer_refuses_a_running_workdir_naming_the_first(tmp_path):
    workdir = tmp_path / "busy"
    # The first trainer stops at its third step and holds the workdir until killed.
    first = _start(
        [*TRAIN, f"--workdir={workdir}"], {"TFAVI_FAULT": "step@3", "TFAVI_FAULT_ACTION": "pause"}
    )
    try:
        deadline = time.time() + 300
        while not (workdir / "checkpoints").exists():
            assert first.poll() is None and time.time() < deadline
            time.sleep(0.2)
        second = _start([*TRAIN, f"--workdir={workdir}"])
        output, _ = second.communicate(timeout=300)
        assert second.returncode != 0 and f"PID {first.pid}" in output, output[-3000:]
        assert "Resuming" not in output and not (workdir / "metrics.jsonl").exists()
    finally:
        first.kill()
        first.communicate()


def test_two_workers_give_the_losses_of_one(trained, tmp_path):
    workdir, _ = trained
    ports = [_free_port(), _free_port()]
    cluster = {"worker": [f"localhost:{p}" for p in ports]}
    workers = [
        _start(
            [*TRAIN, "--strategy=multi_worker", f"--workdir={tmp_path / 'multi'}"],
            {"TF_CONFIG": json.dumps({"cluster": cluster, "task": {"type": "worker", "index": i}})},
        )
        for i in range(2)
    ]
    for worker in workers:
        _finish(worker)
    single, multi = _metrics(workdir), _metrics(tmp_path / "multi")
    for a, b in zip(single, multi, strict=True):
        assert a["step"] == b["step"]
        for split in ("train", "val"):
            for name, value in a[split].items():
                assert b[split][name] == pytest.approx(value, rel=1e-4), (split, name)


def test_evaluate_and_sample_tools_run_on_the_workdir(trained, tmp_path):
    workdir, _ = trained
    output = _run(
        [
            "tools/evaluate.py",
            f"--workdir={workdir}",
            "--num_importance_samples=20",
            "--chunk_size=8",
            "--max_examples=32",
        ]
    )
    evaluation = json.loads((workdir / "eval.json").read_text())
    assert evaluation["num_importance_samples"] == 20 and evaluation["examples"] == 32
    assert f"{evaluation['nll']}" in output
    output = _run(
        [
            "tools/sample.py",
            f"--workdir={workdir}",
            "--temperatures=1.0,0.7",
            "--num_images=16",
            f"--output_dir={tmp_path}",
        ]
    )
    for name in ("samples_t1.00.png", "samples_t0.70.png", "reconstructions.png"):
        assert (tmp_path / name).read_bytes()[:4] == b"\x89PNG"


def _free_port():
    with socket.socket() as s:
        s.bind(("localhost", 0))
        return s.getsockname()[1]

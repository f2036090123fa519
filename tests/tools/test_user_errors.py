"""Expected user errors of the five tools: one message naming the problem and the fix; on the
command line no traceback, exit status 2, no TensorFlow log lines, and a fast `--help`."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tfavi import zoo
from tfavi.data import DataNotFoundError
from tfavi.errors import ConfigError, MissingFileError
from tfavi.tools import cli, evaluate, export, sample, train, visualize
from tfavi.training import run_directory

REPO = Path(__file__).resolve().parents[2]


def _train(*flags):
    cli.call(train, ["train.py", *flags])


def test_an_unknown_model_lists_the_names():
    with pytest.raises(ConfigError, match=r"Unknown model 'vae_mpl'\. Available models: .*vae_mlp"):
        _train("--model=vae_mpl")


def test_a_misspelt_override_lists_the_valid_fields():
    with pytest.raises(ConfigError, match=r"Unknown config field 'epoch'.*Valid fields: .*epochs"):
        _train("--model=vae_mlp", "--override=epoch=3")


def test_an_out_of_range_override_fails_before_any_data_is_read(tmp_path):
    with pytest.raises(ConfigError, match=r"batch_size=0 \(allowed: an integer from 1 to 50000"):
        _train("--model=vae_mlp", "--override=batch_size=0", f"--data_dir={tmp_path}")
    assert not list(tmp_path.iterdir())


def test_missing_data_says_how_to_provide_it(tmp_path):
    with pytest.raises(DataNotFoundError, match=r"--data_dir or the TFDS_DATA_DIR"):
        _train(
            "--model=vae_mlp", "--smoke", f"--workdir={tmp_path / 'run'}", f"--data_dir={tmp_path}"
        )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_an_unknown_strategy_lists_the_strategies(tmp_path):
    with pytest.raises(ConfigError, match=r"Unknown strategy 'gpu'\. Pass one of default, "):
        _train("--model=vae_mlp", "--strategy=gpu", f"--workdir={tmp_path}")


@pytest.mark.parametrize("tool", [evaluate, sample, export, visualize])
def test_tools_that_read_a_run_name_a_missing_workdir(tool, tmp_path):
    argv = ["tool.py", f"--workdir={tmp_path / 'nowhere'}", f"--export_dir={tmp_path / 'e'}"]
    if tool is not export:
        argv.pop()
    with pytest.raises(MissingFileError, match=r"'.*nowhere' does not exist"):
        cli.call(tool, argv)


@pytest.mark.subprocess
def test_command_line_errors_are_one_line_without_traceback_and_help_is_quick(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}

    def run(*args):
        return subprocess.run(
            [sys.executable, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=300
        )

    help_run = run("-X", "importtime", "tools/train.py", "--help")
    assert help_run.returncode == 0 and "--model" in help_run.stdout
    assert "--[no]verbose" in help_run.stdout
    imported = [line.rsplit("|", 1)[-1].strip() for line in help_run.stderr.splitlines()]
    assert "tensorflow" not in imported and "tfavi" not in imported

    failed = run(
        "tools/train.py",
        "--model=vae_mlp",
        "--smoke",
        f"--workdir={tmp_path / 'r'}",
        f"--data_dir={tmp_path}",
    )
    assert failed.returncode == 2
    assert failed.stderr.startswith("error: Dataset 'binarized_mnist' is not prepared")
    assert len(failed.stderr.splitlines()) == 1, failed.stderr

    bad_flag = run("tools/evaluate.py")
    assert bad_flag.returncode == 2
    assert (
        bad_flag.stderr == "error: flag --workdir=None: Flag --workdir must have a value "
        "other than None. (see --help)\n"
    )


def test_sample_flags_are_checked_as_the_runs_config_fields(tmp_path):
    run_directory.save_or_check_config(zoo.resolve_config("vae_mlp", smoke=True), str(tmp_path))
    argv = ["sample.py", f"--workdir={tmp_path}"]
    with pytest.raises(ConfigError, match=r"sample_temperatures=\(1\.0, 0\.0\) \(allowed: "):
        cli.call(sample, [*argv, "--temperatures=1.0,0"])
    with pytest.raises(ConfigError, match=r"--temperatures=1.0,hot must be numbers"):
        cli.call(sample, [*argv, "--temperatures=1.0,hot"])
    with pytest.raises(ConfigError, match=r"num_sample_images=0 \(allowed: an integer >= 1\)"):
        cli.call(sample, [*argv, "--num_images=0"])

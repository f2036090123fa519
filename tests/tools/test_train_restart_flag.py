"""`tools/train.py --restart` reaches `train_and_evaluate` (which the loop tests exercise)."""

import pytest

from tfavi import training
from tfavi.tools import cli, train


@pytest.mark.parametrize("flags, restart", [([], False), (["--restart"], True)])
def test_restart_flag_is_passed_to_the_trainer(flags, restart, monkeypatch, tmp_path):
    calls = []
    # tools/train.py imports the trainer when it runs, so the package attribute is the one used.
    monkeypatch.setattr(training, "train_and_evaluate", lambda *a, **k: calls.append(k))
    cli.call(train, ["train.py", "--model=vae_mlp", "--smoke", f"--workdir={tmp_path}", *flags])
    assert [call["restart"] for call in calls] == [restart]

"""`zoo/` and `configs/` ship in the package: they work after a non-editable `pip install .`."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.subprocess
def test_zoo_and_configs_work_from_a_non_editable_install(tmp_path):
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(target),
            str(REPO),
        ],
        check=True,
        capture_output=True,
        cwd=tmp_path,
    )
    script = (
        "import zoo, configs, tfavi, keras\n"
        "config = zoo.resolve_config('vae_mlp', smoke=True)\n"
        "model = keras.saving.get_registered_object(config.model_class)(**config.model)\n"
        "print(zoo.__file__, configs.__file__, tfavi.__file__, type(model).__name__)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(target), "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-2000:]
    paths = result.stdout.split()
    assert all(p.startswith(str(target)) for p in paths[:3]), paths
    assert paths[3] == "GaussianMLPVAE"

"""A wheel installs only `tfavi`: the zoo, the recipes and the tools ship inside it, and the
console scripts work beside a user's own `configs/` and `zoo/` packages."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _run(args, **kwargs):
    return subprocess.run(args, check=True, capture_output=True, text=True, **kwargs)


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A wheel built from the checkout, installed (without dependencies) into a fresh target."""
    base = tmp_path_factory.mktemp("wheel")
    pip = [sys.executable, "-m", "pip", "--quiet"]
    _run([*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(base / "dist"), str(REPO)])
    (wheel,) = (base / "dist").glob("tfavi-*.whl")
    target = base / "site"
    _run([*pip, "install", "--no-deps", "--target", str(target), str(wheel)])
    return target


def _user_project(folder: Path) -> Path:
    """A folder with `configs/` and `zoo/` packages of its own, as many ML projects have."""
    for package in ("configs", "zoo", "tools"):
        (folder / package).mkdir(parents=True)
        (folder / package / "__init__.py").write_text("MINE = True\n")
    return folder


@pytest.mark.subprocess
def test_wheel_installs_only_tfavi(installed):
    top_level = sorted(p.name for p in installed.iterdir() if p.name != "bin")
    assert top_level[0] == "tfavi", top_level
    assert len(top_level) == 2 and top_level[1].startswith("tfavi-"), top_level
    assert top_level[1].endswith(".dist-info"), top_level
    scripts = {p.name for p in (installed / "bin").iterdir()}
    assert {"tfavi-train", "tfavi-evaluate", "tfavi-sample", "tfavi-export"} <= scripts


@pytest.mark.subprocess
def test_zoo_and_recipes_resolve_beside_a_users_own_configs_package(installed, tmp_path):
    project = _user_project(tmp_path / "project")
    script = (
        "import configs, tfavi, keras\n"
        "from tfavi import zoo\n"
        "model = zoo.build('vae_mlp', latent_dim=3)\n"
        "print(configs.MINE, tfavi.__file__, zoo.__file__)\n"
        "print(type(model).__name__, model.latent_dim)\n"
    )
    env = {**os.environ, "PYTHONPATH": f"{project}{os.pathsep}{installed}"}
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=project, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-2000:]
    mine, tfavi_file, zoo_file, model_class, latent_dim = result.stdout.split()
    assert mine == "True"
    assert tfavi_file.startswith(str(installed)) and zoo_file.startswith(str(installed))
    assert (model_class, latent_dim) == ("GaussianMLPVAE", "3")


@pytest.mark.subprocess
def test_console_script_prints_its_flags(installed, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(installed)}
    result = subprocess.run(
        [str(installed / "bin" / "tfavi-train"), "--help"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    assert "--model" in result.stdout and "--[no]smoke" in result.stdout, result.stdout[-2000:]


@pytest.mark.subprocess
@pytest.mark.skipif(not os.environ.get("TFDS_DATA_DIR"), reason="needs the prepared TFDS data dir")
def test_console_script_trains_beside_a_users_own_packages(installed, tmp_path):
    project = _user_project(tmp_path / "project")
    env = {**os.environ, "PYTHONPATH": f"{project}{os.pathsep}{installed}"}
    result = subprocess.run(
        [str(installed / "bin" / "tfavi-train"), "--model=vae_mlp", "--smoke", "--workdir=run"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert (project / "run" / "model.keras").is_file()
    assert (project / "run" / "eval.json").is_file()

"""A finished training run turned into a preset folder with the metadata of its training."""

import json
import os
import tempfile

from tfavi.errors import MissingFileError
from tfavi.presets import from_preset, save_to_preset
from tfavi.presets.preset_check import elbo_on_test_images
from tfavi.training import run_directory
from tfavi.training.run_summary import training_summary
from tfavi.zoo.registry import get

CHECK_EXAMPLES = 1000


def save_run_as_preset(
    workdir: str,
    path: str,
    *,
    check_examples: int = CHECK_EXAMPLES,
    data_dir: str | None = None,
) -> str:
    """Writes the trained model of `workdir` as the preset folder `path` and returns `path`.

    Reads the run's `config.json`, its model (`model.keras`, else the latest checkpoint), its
    test evaluation `eval.json` and its `metrics.jsonl`. The metadata records the zoo name,
    data set, recipe (its name and the whole resolved config), seed, epochs, training
    minutes, the measured test ELBO and log p(x), and under `check` the test ELBO of the
    preset itself on the first `check_examples` test images, which `check_preset` measures
    again. Only the final weights are stored.

    Example:
    >>> save_run_as_preset("runs/ggm_mnist/ggm_vae_chain_seed0", "tfavi/presets/ggm_vae_chain")
    """
    config = run_directory.load_config(workdir)
    evaluation = _read_evaluation(workdir, run_directory.EVAL_FILE)
    summary = training_summary(workdir)
    metadata = {
        "zoo_name": config.model_name,
        "dataset": config.dataset,
        "recipe": get(config.model_name).recipe,
        "train_config": json.loads(config.to_json()),
        "seed": config.seed,
        "epochs": summary["epochs"],
        "steps": summary["steps"],
        "train_minutes": summary["train_minutes"],
        "metrics": {
            "test_elbo": -evaluation["nelbo"],
            "test_log_px": -evaluation["nll"],
            "num_importance_samples": evaluation["num_importance_samples"],
            "test_examples": evaluation["examples"],
        },
    }
    model = run_directory.load_trained_model(workdir)
    with tempfile.TemporaryDirectory() as scratch:
        # Measured on the preset as `from_preset` gives it, as `check_preset` will measure it.
        draft = from_preset(save_to_preset(model, os.path.join(scratch, "draft"), metadata))
        elbo = elbo_on_test_images(draft, config.dataset, check_examples, data_dir)
    metadata["check"] = {"examples": check_examples, "test_elbo": elbo}
    return save_to_preset(model, path, metadata)


def _read_evaluation(workdir: str, eval_file: str) -> dict:
    path = os.path.join(workdir, eval_file)
    if not os.path.isfile(path):
        raise MissingFileError(
            f"{workdir!r} has no {eval_file}: a preset records its measured test scores. "
            f"Finish the run, or run tools/evaluate.py --workdir={workdir}."
        )
    with open(path) as f:
        return json.load(f)

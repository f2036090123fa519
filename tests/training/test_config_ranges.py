"""Every config field is range-checked when the config is resolved, before any data is read."""

import dataclasses

import keras
import pytest

from tfavi import zoo
from tfavi.errors import ConfigError
from tfavi.training import TrainConfig
from tfavi.training.train_config import REMAT_MODELS

OUT_OF_RANGE = {
    "dataset": ["fashion_mnist"],
    "batch_size": [0, -1, 50_001],
    "epochs": [0, -1],
    "steps_per_epoch": [-5],
    "optimizer": ["sgd"],
    "learning_rate": [0, -1, float("inf"), float("nan")],
    "optimizer_epsilon": [0, -1e-7],
    "lr_schedule": ["linear"],
    "lr_min": [-1e-4],
    "lr_warmup_epochs": [-1],
    "lr_first_decay_epochs": [0],
    "lr_t_mul": [0],
    "lr_m_mul": [-1],
    "kl_beta_start": [-0.1, 1.5],
    "kl_warmup_epochs": [-3],
    "grad_clip_norm": [-1],
    "max_consecutive_skips": [0],
    "max_rollbacks": [-1],
    "early_stopping_patience": [-1, 1.5],
    "early_stopping_min_delta": [-0.1, float("nan")],
    "random_flip": ["yes"],
    "shuffle_buffer": [0],
    "eval_batch_size": [0],
    "eval_examples": [-1],
    "num_importance_samples": [0],
    "importance_chunk_size": [0],
    "sample_temperatures": [(), (1.0, 0.0), (float("inf"),)],
    "num_sample_images": [0],
    "checkpoint_every_steps": [-1],
    "graph_optimization": [1],
    "grappler_passes": ["remap", "remapping,loops", 1],
    "instantiation_optimizer": ["off"],
    "mixed_precision": ["float64", "mixed_bfloat16"],
    "steps_per_loop": [0],
    "jit_compile": ["true"],
    "remat": ["true", 1, True],  # True: the default model_class "" has no residual cells.
    "shared_cell_graphs": ["yes", True],
    "forward_conv_gradients": ["on", True],
    "ema_decay": [-0.1, 1.0],
    "seed": [-1],
}
"""Bad values of every field but the three the zoo sets (`model_name`, `model_class`, `model`)."""


def test_every_field_with_a_range_has_out_of_range_cases():
    fields = {f.name for f in dataclasses.fields(TrainConfig)}
    assert fields - set(OUT_OF_RANGE) == {"model_name", "model_class", "model"}


@pytest.mark.parametrize(
    "field, value", [(field, value) for field, values in OUT_OF_RANGE.items() for value in values]
)
def test_out_of_range_values_name_the_field_the_value_and_the_range(field, value):
    with pytest.raises(ConfigError, match=rf"out of range: {field}=.*\(allowed: .+\)"):
        TrainConfig().replace(**{field: value})


def test_overrides_are_checked_when_the_config_is_resolved():
    with pytest.raises(ConfigError, match=r"epochs=0 \(allowed: an integer >= 1\)"):
        zoo.resolve_config("vae_mlp", smoke=True, overrides=["epochs=0"])


def test_batch_size_is_bounded_by_the_training_split_of_the_dataset():
    with pytest.raises(ConfigError, match=r"from 1 to 60000 \(the training split of mnist\)"):
        TrainConfig(dataset="mnist", batch_size=60_001)
    assert TrainConfig(dataset="mnist", batch_size=60_000).batch_size == 60_000


def test_grappler_passes_need_grappler_on():
    with pytest.raises(ConfigError, match=r"grappler_passes='remapping' \(allowed: \"\" \(graph"):
        TrainConfig(graph_optimization=False, grappler_passes="remapping")
    assert TrainConfig(grappler_passes="remapping, constant_folding").graph_optimization


def test_every_violation_is_reported_in_one_message():
    with pytest.raises(ConfigError, match=r"values out of range: epochs=0 .*; seed=-1 "):
        TrainConfig(epochs=0, seed=-1)


def test_early_stopping_is_refused_where_validation_is_the_test_split():
    with pytest.raises(
        ConfigError, match=r"early_stopping_patience=3 .*mnist validates on its test"
    ):
        TrainConfig(dataset="mnist", early_stopping_patience=3)
    assert TrainConfig(dataset="binarized_mnist", early_stopping_patience=3)


def test_remat_is_refused_for_models_without_residual_cells():
    with pytest.raises(
        ConfigError,
        match=r"remat=True \(allowed: False \(tfavi>GaussianMLPVAE has no residual cells .*"
        r"tfavi>DeepAttentiveVAE, the Deep Attentive VAE and NVAE families\)",
    ):
        zoo.resolve_config("vae_mlp", smoke=True, overrides=["remat=True"])
    config = zoo.resolve_config("nvae_16", overrides=["remat=True"])
    assert config.remat and TrainConfig.from_json(config.to_json()) == config
    for name in zoo.names():  # The models that recompute are the ones the check lets through.
        model_class = zoo.get(name).model_class
        recomputes = keras.saving.get_registered_name(model_class) in REMAT_MODELS
        assert hasattr(model_class, "remat") == recomputes, name

"""The typed training recipe: every field a run needs, written to `config.json`.

Follows Model Garden's experiment configs: defaults, then a recipe from `configs/`, then
command-line overrides, applied in that order; the resolved config is saved in the workdir so
a run can be rebuilt from its own folder.
"""

import ast
import dataclasses
import json
import typing

from tfavi.data.dataset_spec import DATASETS
from tfavi.errors import ConfigError
from tfavi.training import grappler, precision
from tfavi.training.allowed_values import (
    Allowed,
    anything,
    at_least,
    between,
    integer_up_to,
    one_of,
    positive,
    positive_numbers,
    violations,
)

LR_SCHEDULES = ("constant", "cosine_warmup", "cosine_restart_warmup")


def _field(default, allowed: Allowed, resumable: bool = False):
    """A config field with its allowed values; `resumable` fields may change when a run
    resumes, because they only extend it (`epochs`), re-evaluate it, or set how fast the same
    updates are computed (`steps_per_loop`, Grappler)."""
    factory = {"default_factory": default} if callable(default) else {"default": default}
    return dataclasses.field(**factory, metadata={"allowed": allowed, "resumable": resumable})


def _train_examples(config) -> int | None:
    spec = DATASETS.get(config.dataset)
    return spec.train_examples if spec else None


def _validates_on_test(config) -> bool:
    spec = DATASETS.get(config.dataset)
    return spec is not None and spec.validation_split == "test"


def _grappler_passes() -> Allowed:
    """Names of Grappler passes, with Grappler on."""

    def holds(value, config):
        if not isinstance(value, str):
            return False
        chosen = grappler.parse_passes(value)
        return set(chosen) <= set(grappler.PASSES) and (not chosen or config.graph_optimization)

    return Allowed(
        holds,
        lambda config: (
            "comma-separated names from " + ", ".join(grappler.PASSES)
            if config.graph_optimization
            else '"" (graph_optimization is off)'
        ),
    )


def _patience() -> Allowed:
    """Early stopping selects epochs on the validation split: never on the test split."""
    plain = at_least(0)
    return Allowed(
        lambda value, config: (
            plain.holds(value, config) and (value == 0 or not _validates_on_test(config))
        ),
        lambda config: (
            f"0 ({config.dataset} validates on its test split, which must not select epochs)"
            if _validates_on_test(config)
            else plain.describe(config)
        ),
    )


REMAT_MODELS = ("tfavi>DeepAttentiveVAE",)
"""The model classes built of residual cells, which `remat` recomputes and
`shared_cell_graphs` traces once: the Deep Attentive VAE and NVAE families."""


def _residual_cell_option(name: str) -> Allowed:
    """An option of the residual cells of `REMAT_MODELS`: off for every other model."""
    flag = one_of(False, True)
    return Allowed(
        lambda value, config: (
            flag.holds(value, config) and (not value or config.model_class in REMAT_MODELS)
        ),
        lambda config: (
            flag.describe(config)
            if config.model_class in REMAT_MODELS
            else f"False ({config.model_class or 'this model'} has no residual cells for "
            f"{name}; it applies to {', '.join(REMAT_MODELS)}, the Deep Attentive VAE "
            "and NVAE families)"
        ),
    )


@dataclasses.dataclass
class TrainConfig:
    """A training recipe and the model it trains.

    Each field declares its allowed values next to it; a config with a value out of range is
    a `ConfigError` naming the field, the value and the range, raised when the config is
    built, before any data is read. Fields marked `resumable` may change when a run resumes.

    Args:
        model_name: zoo name of the model (informational; `model_class` builds it).
        model_class: registered Keras name of the model class, e.g. `tfavi>GaussianMLPVAE`.
        model: constructor arguments of `model_class`.
        dataset: TFDS dataset name (`binarized_mnist`, `mnist`, `cifar10`, `omniglot`).
        batch_size: global batch size, split across replicas.
        epochs: number of passes over the training split.
        steps_per_epoch: optimizer steps per epoch; 0 means one full pass.
        optimizer: `adam` or `adamax`.
        learning_rate: peak learning rate.
        optimizer_epsilon: epsilon of Adam/Adamax.
        lr_schedule: `constant`, `cosine_warmup` or `cosine_restart_warmup`.
        lr_min: final learning rate of the cosine schedules.
        lr_warmup_epochs: linear learning-rate warm-up epochs.
        lr_first_decay_epochs: length of the first cosine period (restart schedule).
        lr_t_mul: period multiplier after each restart.
        lr_m_mul: peak multiplier after each restart.
        kl_beta_start: KL weight at epoch 0.
        kl_warmup_epochs: epochs over which the KL weight rises linearly to 1.
        grad_clip_norm: global-norm gradient clipping; 0 disables it.
        max_consecutive_skips: stop after this many non-finite updates in a row.
        max_rollbacks: roll back to the last checkpoint this many times when the weights
            become non-finite, then stop.
        early_stopping_patience: stop after this many epochs without a better validation
            negative ELBO, and save and evaluate the best epoch's weights; 0 trains all
            `epochs` and keeps the last weights.
        early_stopping_min_delta: a better validation negative ELBO is lower by more than this
            many nats.
        random_flip: random horizontal and vertical flips of training images.
        shuffle_buffer: shuffle buffer of the training split.
        eval_batch_size: batch size of evaluation.
        eval_examples: evaluate on the first N test examples; 0 means the whole split.
        num_importance_samples: K of the final importance-weighted log-likelihood.
        importance_chunk_size: importance samples evaluated at once.
        sample_temperatures: prior temperatures of the sample grids.
        num_sample_images: images per sample grid.
        checkpoint_every_steps: also checkpoint every N steps inside an epoch; 0: epochs only.
        graph_optimization: Grappler graph rewrites of the training and validation steps; off,
            very deep models start training minutes sooner (`tfavi.training.grappler`).
        grappler_passes: comma-separated Grappler passes to run instead of all of them, e.g.
            "remapping,constant_folding"; "" runs all (`grappler.PASSES`).
        instantiation_optimizer: TensorFlow's common-subexpression elimination and constant
            folding of every function graph at its first call (not Grappler); off, the
            16-layer attentive VAE's first step is about 100 s shorter. A process-wide
            setting, applied by `tools/train.py` before TensorFlow starts
            (`tfavi.training.instantiation_optimizer`).
        mixed_precision: `none`, `bfloat16`, or `float16` with dynamic loss scaling (GPUs);
            variables and losses stay float32 (`tfavi.training.precision`).
        steps_per_loop: training steps run inside one `tf.function` call; metrics, skips and
            progress are read once per call (`distributed_step.make_train_loop_fn`).
        jit_compile: compile the forward and backward pass with XLA.
        remat: recompute the activations of every residual cell in the backward pass instead
            of storing them (Chen et al., "Training Deep Nets with Sublinear Memory Cost",
            2016): less memory for more compute, the same gradients up to rounding. Deep
            Attentive VAE and NVAE only (`DeepAttentiveVAE.remat`); not saved with the model.
        shared_cell_graphs: trace the residual cells of one configuration once, as one
            function the training step calls with each cell's weights
            (`SharedCellGraphs`): a step graph ~40% smaller on `attentive_vae_16`, so a
            shorter first step and less memory. Deep Attentive VAE and NVAE only; not saved
            with the model.
        forward_conv_gradients: compute the input and kernel gradients of the stride-1
            'same' convolutions as forward convolutions (`conv2d_with_forward_gradients`):
            the same gradients up to rounding, faster on CPU. Deep Attentive VAE and NVAE
            only; not saved with the model.
        ema_decay: decay of an exponential moving average of the weights used to evaluate,
            sample and export; 0 disables it (`weight_average.WeightAverage`).
        seed: seed of initialisation, data order and sampling noise.
    """

    model_name: str = _field("", anything())
    model_class: str = _field("", anything())
    model: dict = _field(dict, anything())
    dataset: str = _field("binarized_mnist", one_of(*DATASETS))
    batch_size: int = _field(
        100, integer_up_to(1, _train_examples, lambda c: f"the training split of {c.dataset}")
    )
    epochs: int = _field(100, at_least(1), resumable=True)
    steps_per_epoch: int = _field(0, at_least(0))
    optimizer: str = _field("adam", one_of("adam", "adamax"))
    learning_rate: float = _field(1e-3, positive())
    optimizer_epsilon: float = _field(1e-7, positive())
    lr_schedule: str = _field("constant", one_of(*LR_SCHEDULES))
    lr_min: float = _field(1e-4, at_least(0, integer=False))
    lr_warmup_epochs: int = _field(0, at_least(0))
    lr_first_decay_epochs: int = _field(100, at_least(1))
    lr_t_mul: float = _field(2.0, positive())
    lr_m_mul: float = _field(1.0, positive())
    kl_beta_start: float = _field(1.0, between(0.0, 1.0))
    kl_warmup_epochs: int = _field(0, at_least(0))
    grad_clip_norm: float = _field(0.0, at_least(0, integer=False))
    max_consecutive_skips: int = _field(20, at_least(1))
    max_rollbacks: int = _field(2, at_least(0))
    early_stopping_patience: int = _field(0, _patience(), resumable=True)
    early_stopping_min_delta: float = _field(0.0, at_least(0, integer=False), resumable=True)
    random_flip: bool = _field(False, one_of(False, True))
    shuffle_buffer: int = _field(10_000, at_least(1))
    eval_batch_size: int = _field(500, at_least(1), resumable=True)
    eval_examples: int = _field(0, at_least(0), resumable=True)
    num_importance_samples: int = _field(1000, at_least(1), resumable=True)
    importance_chunk_size: int = _field(100, at_least(1), resumable=True)
    sample_temperatures: tuple = _field((1.0,), positive_numbers(), resumable=True)
    num_sample_images: int = _field(64, at_least(1), resumable=True)
    checkpoint_every_steps: int = _field(0, at_least(0))
    graph_optimization: bool = _field(True, one_of(False, True), resumable=True)
    grappler_passes: str = _field("", _grappler_passes(), resumable=True)
    instantiation_optimizer: bool = _field(True, one_of(False, True), resumable=True)
    mixed_precision: str = _field("none", one_of(*precision.POLICIES))
    steps_per_loop: int = _field(1, at_least(1), resumable=True)
    jit_compile: bool = _field(False, one_of(False, True))
    remat: bool = _field(False, _residual_cell_option("remat"))
    shared_cell_graphs: bool = _field(
        False, _residual_cell_option("shared_cell_graphs"), resumable=True
    )
    forward_conv_gradients: bool = _field(
        False, _residual_cell_option("forward_conv_gradients"), resumable=True
    )
    ema_decay: float = _field(0.0, between(0.0, 1.0, include_high=False))
    seed: int = _field(0, at_least(0))

    def __post_init__(self):
        # The JSON form is canonical: a config equals its own `config.json`.
        self.model = json.loads(json.dumps(self.model))
        if isinstance(self.sample_temperatures, (list, tuple)):
            self.sample_temperatures = tuple(self.sample_temperatures)
        wrong = violations(self)
        if wrong:
            raise ConfigError(
                f"Config value{'s' if len(wrong) > 1 else ''} out of range: {'; '.join(wrong)}. "
                "Choose values in the allowed ranges."
            )

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "TrainConfig":
        return cls(**json.loads(text))

    def replace(self, **changes) -> "TrainConfig":
        return dataclasses.replace(self, **changes)


def apply_overrides(
    config: TrainConfig, overrides: typing.Iterable[str], model_arguments: typing.Iterable[str]
) -> TrainConfig:
    """Applies `field=value` overrides; `model.arg=value` sets a model constructor argument.

    Values are Python literals (`3`, `1e-3`, `True`, `(1.0, 0.8)`); anything else is a string.
    A misspelt field is an error naming the valid ones.
    """
    fields = {f.name: f for f in dataclasses.fields(TrainConfig)}
    model_arguments = sorted(model_arguments)
    changes, model = {}, dict(config.model)
    for override in overrides:
        key, sep, text = override.partition("=")
        key = key.strip()
        if not sep:
            raise ConfigError(f"Override {override!r} must have the form field=value.")
        value = _parse_value(text.strip())
        if key.startswith("model."):
            argument = key[len("model.") :]
            if argument not in model_arguments:
                raise ConfigError(
                    f"Unknown model argument {argument!r} in override {override!r}. "
                    f"{config.model_class} takes: {', '.join(model_arguments)}."
                )
            model[argument] = value
        elif key in fields and key not in ("model", "model_class", "model_name"):
            changes[key] = _coerce(fields[key], value, override)
        else:
            valid = sorted(set(fields) - {"model", "model_class", "model_name"})
            raise ConfigError(
                f"Unknown config field {key!r} in override {override!r}. Valid fields: "
                f"{', '.join(valid)}; model arguments are set with model.<argument>=value."
            )
    return config.replace(model=model, **changes)


def _parse_value(text: str):
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def _coerce(field: dataclasses.Field, value, override: str):
    default = field.default if field.default is not dataclasses.MISSING else None
    if isinstance(default, bool):
        ok = isinstance(value, bool)
    elif isinstance(default, int):
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif isinstance(default, float):
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        value = float(value) if ok else value
    elif isinstance(default, tuple):
        value = tuple(value) if isinstance(value, (list, tuple)) else (value,)
        ok = True
    else:
        ok = isinstance(value, str)
    if not ok:
        raise ConfigError(
            f"Override {override!r}: {field.name} takes a {type(default).__name__}, got {value!r}."
        )
    return value

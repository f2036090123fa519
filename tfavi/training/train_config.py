"""The typed training recipe: every field a run needs, written to `config.json`.

Follows Model Garden's experiment configs: defaults, then a recipe from `configs/`, then
command-line overrides, applied in that order; the resolved config is saved in the workdir so
a run can be rebuilt from its own folder.
"""

import ast
import dataclasses
import json
import typing


@dataclasses.dataclass
class TrainConfig:
    """A training recipe and the model it trains.

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
            very deep models start training minutes sooner (`distributed_step.without_grappler`).
        mixed_precision: `none`, `bfloat16`, or `float16` with dynamic loss scaling (GPUs);
            variables and losses stay float32 (`tfavi.training.precision`).
        steps_per_loop: training steps run inside one `tf.function` call; metrics, skips and
            progress are read once per call (`distributed_step.make_train_loop_fn`).
        jit_compile: compile the forward and backward pass with XLA.
        ema_decay: decay of an exponential moving average of the weights used to evaluate,
            sample and export; 0 disables it (`weight_average.WeightAverage`).
        seed: seed of initialisation, data order and sampling noise.
    """

    model_name: str = ""
    model_class: str = ""
    model: dict = dataclasses.field(default_factory=dict)
    dataset: str = "binarized_mnist"
    batch_size: int = 100
    epochs: int = 100
    steps_per_epoch: int = 0
    optimizer: str = "adam"
    learning_rate: float = 1e-3
    optimizer_epsilon: float = 1e-7
    lr_schedule: str = "constant"
    lr_min: float = 1e-4
    lr_warmup_epochs: int = 0
    lr_first_decay_epochs: int = 100
    lr_t_mul: float = 2.0
    lr_m_mul: float = 1.0
    kl_beta_start: float = 1.0
    kl_warmup_epochs: int = 0
    grad_clip_norm: float = 0.0
    max_consecutive_skips: int = 20
    random_flip: bool = False
    shuffle_buffer: int = 10_000
    eval_batch_size: int = 500
    eval_examples: int = 0
    num_importance_samples: int = 1000
    importance_chunk_size: int = 100
    sample_temperatures: tuple = (1.0,)
    num_sample_images: int = 64
    checkpoint_every_steps: int = 0
    graph_optimization: bool = True
    mixed_precision: str = "none"
    steps_per_loop: int = 1
    jit_compile: bool = False
    ema_decay: float = 0.0
    seed: int = 0

    def __post_init__(self):
        # The JSON form is canonical: a config equals its own `config.json`.
        self.model = json.loads(json.dumps(self.model))
        self.sample_temperatures = tuple(self.sample_temperatures)

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
            raise ValueError(f"Override {override!r} must have the form field=value.")
        value = _parse_value(text.strip())
        if key.startswith("model."):
            argument = key[len("model.") :]
            if argument not in model_arguments:
                raise ValueError(
                    f"Unknown model argument {argument!r} in override {override!r}. "
                    f"{config.model_class} takes: {', '.join(model_arguments)}."
                )
            model[argument] = value
        elif key in fields and key not in ("model", "model_class", "model_name"):
            changes[key] = _coerce(fields[key], value, override)
        else:
            valid = sorted(set(fields) - {"model", "model_class", "model_name"})
            raise ValueError(
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
        raise ValueError(
            f"Override {override!r}: {field.name} takes a {type(default).__name__}, got {value!r}."
        )
    return value

"""Training: configs, schedules, the distributed step loop, and `train_and_evaluate`."""

from tfavi.training.learning_rate_schedules import CosineRestartWarmup, CosineWarmup
from tfavi.training.strategies import STRATEGIES, make_strategy
from tfavi.training.train_config import TrainConfig, apply_overrides
from tfavi.training.trainer import TooManyNonFiniteSteps, finish_run, train_and_evaluate

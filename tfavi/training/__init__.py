"""Training: configs, schedules, the step, the loop, and `train_and_evaluate`."""

from tfavi.training.epoch_loop import EpochLoop, TooManyNonFiniteSteps
from tfavi.training.learning_rate_schedules import CosineRestartWarmup, CosineWarmup
from tfavi.training.run_loop import NonFiniteValidation, NonFiniteWeights, RunLoop
from tfavi.training.strategies import STRATEGIES, make_strategy
from tfavi.training.train_config import TrainConfig, apply_overrides
from tfavi.training.trainer import finish_run, train_and_evaluate
from tfavi.training.workdir_lock import WorkdirLocked

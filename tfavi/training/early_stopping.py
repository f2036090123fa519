"""Early stopping on the validation ELBO, and the best epoch's weights kept in the workdir.

`RunLoop` hooks them in at each epoch's end, after validation, in this order:

    stopping = EarlyStopping.from_records(records, patience, min_delta)   # on (re)start
    best = BestWeights(workdir)
    ...
    if stopping.update(epoch, val["nelbo"]):    # a new best: keep its weights first,
        best.save(model, epoch)
    append the record (with "best_epoch": stopping.best_epoch), checkpoint
    best.prune(stopping.best_epoch)             # only now drop the previous best
    if stopping.should_stop: break
    ...
    best.restore(model, stopping.best_epoch)    # then model.keras and the test evaluation

The state is replayed from `metrics.jsonl` on resume, so it needs no checkpoint of its own.
"""

import math
import os
import re

import keras

from tfavi.errors import MissingFileError

BEST_DIR = "best"
_PATTERN = "epoch{:05d}.weights.h5"


class EarlyStopping:
    """Tracks the best validation negative ELBO and says when `patience` epochs have passed
    without an improvement of more than `min_delta` nats.

    Args:
        patience: epochs without improvement before stopping; 0 never stops.
        min_delta: an improvement must lower the validation negative ELBO by more than this.

    Example:
    >>> stopping = EarlyStopping(patience=2)
    >>> [stopping.update(e, v) for e, v in [(1, 90.0), (2, 89.0), (3, 89.5), (4, 89.2)]]
    [True, True, False, False]
    >>> stopping.best_epoch, stopping.should_stop
    (2, True)
    """

    def __init__(self, patience: int, min_delta: float = 0.0):
        if patience < 0 or min_delta < 0:
            raise ValueError(f"patience ({patience}) and min_delta ({min_delta}) must be >= 0.")
        self.patience = patience
        self.min_delta = min_delta
        self.best_epoch = 0
        self.best_nelbo = math.inf
        self.last_epoch = 0

    def update(self, epoch: int, val_nelbo: float | None) -> bool:
        """Records epoch `epoch`'s validation negative ELBO; True if it is the new best. A
        missing or non-finite value is never the best."""
        self.last_epoch = epoch
        finite = val_nelbo is not None and math.isfinite(val_nelbo)
        if finite and val_nelbo < self.best_nelbo - self.min_delta:
            self.best_epoch, self.best_nelbo = epoch, val_nelbo
            return True
        return False

    @property
    def should_stop(self) -> bool:
        return self.patience > 0 and self.last_epoch - self.best_epoch >= self.patience

    @classmethod
    def from_records(
        cls, records: list[dict], patience: int, min_delta: float = 0.0
    ) -> "EarlyStopping":
        """The state after the epochs of `records` (the lines of `metrics.jsonl`)."""
        stopping = cls(patience, min_delta)
        for record in records:
            stopping.update(record["epoch"], record["val"].get("nelbo"))
        return stopping


class BestWeights:
    """The weights of the best epoch, one file `<workdir>/best/epochNNNNN.weights.h5`.

    A save writes a temporary file and renames it into place; `prune` removes the other
    files once the new best is recorded. So the weights of the best epoch that
    `metrics.jsonl` records are on disk whatever moment a run is killed at, even if its
    resumed run takes a different path.
    """

    def __init__(self, workdir: str):
        self.folder = os.path.join(workdir, BEST_DIR)

    def path(self, epoch: int) -> str:
        return os.path.join(self.folder, _PATTERN.format(epoch))

    def save(self, model: keras.Model, epoch: int) -> None:
        os.makedirs(self.folder, exist_ok=True)
        temporary = os.path.join(self.folder, f".incomplete-{_PATTERN.format(epoch)}")
        model.save_weights(temporary)
        os.replace(temporary, self.path(epoch))

    def prune(self, epoch: int) -> None:
        """Removes every file but the weights of `epoch` (older bests, interrupted saves)."""
        names = os.listdir(self.folder) if os.path.isdir(self.folder) else []
        for name in names:
            if name != os.path.basename(self.path(epoch)):
                os.remove(os.path.join(self.folder, name))

    def restore(self, model: keras.Model, epoch: int) -> None:
        """Loads the weights saved at `epoch` (the best epoch of the run's records)."""
        if not os.path.isfile(self.path(epoch)):
            raise MissingFileError(
                f"No weights of the best epoch {epoch} in {self.folder!r} (found epochs "
                f"{self.epochs()}): the run's best weights were lost; resume it to save them."
            )
        model.load_weights(self.path(epoch))

    def epochs(self) -> list[int]:
        """Epochs with saved weights (one after `prune`)."""
        names = os.listdir(self.folder) if os.path.isdir(self.folder) else []
        return sorted(
            int(m.group(1)) for n in names if (m := re.fullmatch(r"epoch(\d+)\.weights\.h5", n))
        )

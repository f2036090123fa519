"""The small CPU-sized `attentive_vae_mnist` of the attentive benchmarks, and its per-layer KL.

SMALL drops the non-local blocks: their 1024 x 1024 spatial attention at 32 x 32 took ~80% of
a CPU training step. RECIPE trains with Adamax at a constant 1e-3 and the KL at full weight
from the start (a warm-up would hide collapse in a short run).
"""

import numpy as np

SMALL = dict(
    num_layers=6,
    latent_channels=4,
    num_filters=16,
    merge_nonlocal_key_dim=None,
    postprocess_nonlocal_key_dim=None,
)
RECIPE = ["lr_schedule='constant'", "learning_rate=1e-3", "kl_warmup_epochs=0"]


def per_layer_kl(model, test) -> tuple[np.ndarray, float]:
    """The mean KL of every latent layer (top first) and the mean negative ELBO on `test`."""
    outputs = [model(images, training=False) for images in test]
    kl = np.concatenate([o["kl"] for o in outputs]).mean(axis=0)
    return kl, float(np.concatenate([model.elbo_terms(o)["nelbo"] for o in outputs]).mean())

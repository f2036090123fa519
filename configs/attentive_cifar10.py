"""Deep Attentive VAE (and NVAE) on CIFAR-10: the official 400-epoch recipe.

Apostolopoulou et al., ICLR 2022 (spec section 7): Adamax (epsilon 1e-3), learning rate 0.01
with 5 linear warm-up epochs and a per-epoch cosine decay to 1e-4, KL weight rising from 0.1
to 1 over 16 epochs, random horizontal and vertical flips, 400 epochs. The batch is 40 per
replica on 4 replicas: `batch_size` is the global batch, 160 = 4 x 40; on R replicas use
`--override=batch_size=<40 R>`. The two L2 strengths of the spec (1.5e-4 on convolutions,
batch norms and non-local scales; 0.01 on layer norms, gates and the learned constant) are
the model's `l2` and `gate_l2` defaults. Test log-likelihood with K = 100 importance samples.

Full run: python tools/train.py --model=attentive_vae_16 --workdir=runs/attentive_vae_16
Smoke variant (under a minute on CPU):
    python tools/train.py --model=attentive_vae_16 --smoke --workdir=/tmp/attentive_smoke
"""

from tfavi.configs.smoke import smoke_recipe
from tfavi.training.train_config import TrainConfig

PER_REPLICA_BATCH = 40
OFFICIAL_REPLICAS = 4


def official_recipe(**changes) -> TrainConfig:
    """The recipe shared by the official CIFAR-10 and OMNIGLOT runs, with `changes`."""
    recipe = TrainConfig(
        # The recipe of this class (the zoo sets it too); the cell options below need it.
        model_class="tfavi>DeepAttentiveVAE",
        dataset="cifar10",
        batch_size=PER_REPLICA_BATCH * OFFICIAL_REPLICAS,
        epochs=400,
        optimizer="adamax",
        learning_rate=0.01,
        optimizer_epsilon=1e-3,
        lr_schedule="cosine_warmup",
        lr_min=1e-4,
        lr_warmup_epochs=5,
        kl_beta_start=0.1,
        kl_warmup_epochs=16,
        random_flip=True,
        eval_batch_size=32,
        num_importance_samples=100,
        importance_chunk_size=4,
        sample_temperatures=(1.0, 0.9, 0.8, 0.7),
        num_sample_images=36,
        # Grappler needs 10 minutes for the 220k-node training step of the 16-layer model
        # and gains nothing measurable on CPU; its graph rewrites stay off.
        graph_optimization=False,
        # TensorFlow's own CSE and constant folding of that step took 100 of the 178 s of
        # its first call, and the steps ran no faster with them.
        instantiation_optimizer=False,
        # The 31 residual cells of one configuration traced once: a 40% smaller step graph,
        # a first step about a third shorter and 0.7 GiB less memory, the same gradients.
        shared_cell_graphs=True,
    )
    return recipe.replace(**changes)


def get_config() -> TrainConfig:
    return official_recipe()


def get_smoke_config() -> TrainConfig:
    return smoke_recipe(get_config())

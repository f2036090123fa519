"""Deep Attentive VAE / NVAE on tiny configurations: shapes, attention, gates, KL, saving,
training, and the zoo recipes (Apostolopoulou et al., ICLR 2022)."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from tests.harness import run_model_saving_test, run_serialization_test
from tfavi import zoo
from tfavi.models import DeepAttentiveVAE
from tfavi.models.attentive_vae import diagonal_gaussian
from tfavi.models.density_model import repeat_draws

TINY = dict(
    num_layers=3,
    latent_channels=2,
    num_filters=4,
    decoder_attention_dim=2,
    encoder_attention_dim=2,
    cell_nonlocal_key_dim=None,
    merge_nonlocal_key_dim=None,
    preprocess_scales=(-2,),
    preprocess_nonlocal_key_dim=None,
    postprocess_scales=(2,),
)
CONFIGS = {
    "attentive_rgb": dict(TINY, image_shape=(8, 8, 3), cell_nonlocal_key_dim=2),
    "attentive_binary_padded": dict(
        TINY,
        image_shape=(4, 4, 1),
        output_distribution="bernoulli",
        pad_size=2,
        encoder_attention_layer_norm=False,
        merge_nonlocal_key_dim=2,
        postprocess_nonlocal_key_dim=2,
    ),
    "nvae_rgb": dict(
        TINY, image_shape=(8, 8, 3), decoder_attention_dim=None, encoder_attention_dim=None
    ),
}


def _images(shape, batch=3, seed=0):
    rng = np.random.default_rng(seed)
    if shape[-1] == 1:
        return (rng.uniform(size=(batch, *shape)) > 0.5).astype(np.float32)
    return rng.integers(0, 256, size=(batch, *shape)).astype(np.float32) / 255.0


def _model(name, **changes):
    model = DeepAttentiveVAE(**(CONFIGS[name] | changes))
    model(_images(model.image_shape, batch=1))
    return model


@pytest.fixture(scope="module", params=sorted(CONFIGS))
def built(request):
    model = _model(request.param)
    return model, _images(model.image_shape)


def test_contract_shapes_through_the_whole_model(built):
    model, x = built
    outputs = model(x, training=True)
    assert outputs["recon_log_prob"].shape == (3,) and outputs["log_weight"].shape == (3,)
    assert outputs["kl"].shape == (3, 3)
    latents = model.encode(x)
    assert [tuple(z.shape) for z in latents] == [(3, *model.latent_shape)] * 3
    for images in (model.decode(latents), model.reconstruct(x), model.sample(2, 0.7, seed=1)):
        assert images.shape[1:] == model.image_shape
        assert 0.0 <= float(tf.reduce_min(images)) and float(tf.reduce_max(images)) <= 1.0


def test_per_layer_kl_is_non_negative_and_log_weight_is_finite(built):
    model, x = built
    outputs = model(x, training=False)
    assert np.all(outputs["kl"].numpy() >= 0.0)
    assert np.all(np.isfinite(outputs["log_weight"].numpy()))


def test_log_weight_minus_recon_averages_to_minus_the_analytic_kl():
    # log w - log p(x|z) = sum_l log p(z_l) - log q(z_l), whose posterior mean is -KL.
    model = _model("attentive_rgb")
    draws = model(np.repeat(_images(model.image_shape, batch=1), 400, axis=0), training=False)
    gap = (draws["recon_log_prob"] - draws["log_weight"]).numpy()
    kl = np.sum(draws["kl"].numpy(), -1)
    standard_error = np.std(gap - kl) / np.sqrt(len(gap))
    assert abs(np.mean(gap - kl)) < 4 * standard_error + 1e-3 * np.mean(kl)


def test_importance_weights_run_the_encoder_once_and_equal_the_whole_models(built):
    """`log_weights` repeats the bottom-up features instead of the images: with the same
    noise it gives the weights of the whole model on the repeated images."""
    model, images = built
    state = model.noise_seed.state
    start = state.numpy()
    shared = model.log_weights(images, 4).numpy()
    state.assign(start)
    whole = model(repeat_draws(images, 4), training=False)["log_weight"]
    np.testing.assert_allclose(shared, np.reshape(whole, (4, len(images))), rtol=1e-5, atol=1e-4)
    assert not np.allclose(shared[0], shared[1])  # the draws differ


def test_diagonal_gaussian_kl_matches_monte_carlo():
    rng = np.random.default_rng(0)
    q_loc, p_loc = rng.normal(size=(2, 1, 1, 1, 3))
    q_scale, p_scale = rng.uniform(0.5, 2.0, size=(2, 1, 1, 1, 3))
    z = q_loc + q_scale * rng.normal(size=(200_000, 1, 1, 3))
    log_ratio = diagonal_gaussian.log_prob(z, q_loc, q_scale) - diagonal_gaussian.log_prob(
        z, p_loc, p_scale
    )
    analytic = diagonal_gaussian.kl_divergence(q_loc, q_scale, p_loc, p_scale)
    np.testing.assert_allclose(np.mean(log_ratio, 0), analytic[0], rtol=0.02, atol=0.01)
    np.testing.assert_allclose(diagonal_gaussian.kl_divergence(q_loc, q_scale, q_loc, q_scale), 0)


def test_samples_are_reproducible_with_an_int_seed(built):
    model, _ = built
    first, again = model.sample(2, 0.8, seed=7), model.sample(2, 0.8, seed=7)
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, model.sample(2, 0.8, seed=8))
    # At temperature 0 every latent is its prior mean: the seed no longer matters.
    np.testing.assert_array_equal(model.sample(2, 0.0, seed=1), model.sample(2, 0.0, seed=2))


def test_attention_weights_sum_to_one_over_depth():
    model = _model("attentive_rgb")
    weights = model.attention_weights(_images(model.image_shape))
    h, w = model.latent_shape[:2]
    assert [tuple(a.shape) for a in weights["decoder"]] == [(3, n, h, w) for n in (1, 2)]
    assert [tuple(a.shape) for a in weights["encoder"]] == [(3, 4 - n, h, w) for n in range(3)]
    for scores in weights["decoder"] + weights["encoder"]:
        np.testing.assert_allclose(np.sum(scores, axis=1), 1.0, rtol=1e-5)
    nvae = _model("nvae_rgb")
    assert nvae.attention_weights(_images(nvae.image_shape)) == {"decoder": [], "encoder": []}


def test_gates_are_zero_at_initialisation_so_attention_starts_switched_off():
    model = _model("attentive_rgb")
    gates = [w for w in model.trainable_weights if w.path.endswith("gamma") and w.shape == ()]
    # Decoder gates of layers 1, 2; encoder gates of layers 0..2; non-local gates of the cells.
    assert len(gates) > 5 and all(float(g.numpy()) == 0.0 for g in gates)
    for layer in model.latent_layers[1:]:
        assert layer.decoder_attention.gate.gamma in gates


def test_model_level_context_norms_and_constant():
    model = _model("attentive_rgb")
    assert len(model.context_norms) == 1  # Steps l = 2..L-1 normalise c_{l-2}.
    assert model.context_norms[0].gamma.shape == (model.context_channels + 2,)
    # Layer 0's learned constant holds context || key; its width is V + k_d.
    assert model.latent_layers[0].constant.shape == (1, 4, 4, model.context_channels + 2)


def test_config_round_trip():
    model = DeepAttentiveVAE(**CONFIGS["attentive_binary_padded"], seed=4)
    revived = run_serialization_test(model)
    assert revived.pad_size == 2 and revived.seed == 4 and revived.num_latent_layers == 3


@pytest.mark.parametrize("name", ["attentive_rgb", "attentive_binary_padded"])
def test_keras_reload_gives_identical_outputs(name, tmp_path):
    model = _model(name)
    x = _images(model.image_shape)
    model(x, training=True)  # Moves the batch-norm statistics away from their initial values.

    def outputs(m):
        weights = m.attention_weights(x)
        return [m.reconstruct(x), m.sample(2, 0.7, seed=3), m.encode(x)[-1], *weights["encoder"]]

    run_model_saving_test(model, outputs, str(tmp_path))


def test_training_steps_lower_the_loss_on_a_fixed_batch():
    model = _model("attentive_rgb", seed=1)
    x = _images(model.image_shape, batch=4)
    optimizer = keras.optimizers.Adamax(learning_rate=0.01, epsilon=1e-3)

    optimizer.build(model.trainable_variables)

    def step():  # Eager: tracing this deep graph costs more than six eager steps.
        with tf.GradientTape() as tape:
            per_example, _ = model.objective(x, training=True)
            loss = tf.reduce_mean(per_example) + tf.add_n(model.losses)
        optimizer.apply(tape.gradient(loss, model.trainable_variables), model.trainable_variables)
        return loss

    losses = [float(step()) for _ in range(6)]
    assert losses[-1] < losses[0] - 0.05 * abs(losses[0])


def test_invalid_architectures_are_rejected():
    with pytest.raises(ValueError, match="even"):
        DeepAttentiveVAE(**CONFIGS["attentive_rgb"] | dict(encoder_attention_dim=3))
    with pytest.raises(ValueError, match="downsample once"):
        DeepAttentiveVAE(**CONFIGS["attentive_rgb"] | dict(preprocess_scales=(0,)))
    with pytest.raises(ValueError, match="unpadded RGB"):
        DeepAttentiveVAE(
            **CONFIGS["attentive_binary_padded"]
            | dict(output_distribution="discretized_logistic_mixture")
        )


@pytest.mark.parametrize(
    "name, dataset, epochs, schedule",
    [
        ("attentive_vae_16", "cifar10", 400, "cosine_warmup"),
        ("attentive_vae_16_900", "cifar10", 900, "cosine_restart_warmup"),
        ("nvae_16", "cifar10", 400, "cosine_warmup"),
        ("attentive_vae_omniglot_15", "omniglot_iwae", 400, "cosine_warmup"),
        ("attentive_vae_mnist", "mnist", 400, "cosine_warmup"),
    ],
)
def test_zoo_entries_carry_the_official_recipe(name, dataset, epochs, schedule):
    config = zoo.resolve_config(name)
    assert (config.dataset, config.epochs, config.lr_schedule) == (dataset, epochs, schedule)
    assert (config.optimizer, config.optimizer_epsilon, config.learning_rate) == (
        "adamax",
        1e-3,
        0.01,
    )
    assert (config.lr_min, config.lr_warmup_epochs) == (1e-4, 5)
    assert (config.kl_beta_start, config.kl_warmup_epochs) == (0.1, 16)
    assert config.batch_size == (160 if dataset == "cifar10" else 32)
    assert config.random_flip == (dataset == "cifar10")
    assert config.sample_temperatures == (1.0, 0.9, 0.8, 0.7)
    assert config.model_class == "tfavi>DeepAttentiveVAE"
    smoke = zoo.resolve_config(name, smoke=True)
    assert smoke.model["num_layers"] <= 3 and smoke.model["num_filters"] <= 16
    assert smoke.steps_per_epoch <= 2 and smoke.epochs <= 2

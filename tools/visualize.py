"""Draws the KL of every latent layer over training and the depth-wise attention patterns of
a Deep Attentive VAE run: `python tools/visualize.py --workdir=runs/attentive_vae_16`.

Writes into `<workdir>/visualizations/`:
- `kl_per_layer_curves.png`: one curve per layer of `train.kl_layer_<i>` (metrics.jsonl)
  over the epochs, coloured from the top layer (dark blue) to the bottom one (yellow);
- `kl_per_layer_heatmap.png`: the same numbers as a layers x epochs heat map;
- `decoder_attention.png`, `encoder_attention.png`: for each layer (row) the mean attention
  weight it gives each earlier context (decoder) or each encoder feature e_l..e_L
  (encoder), over a test batch (grey: not attended). Apostolopoulou et al., ICLR 2022, Fig. 4.
PNGs are drawn with numpy and written with `tf.io.encode_png`.
"""

import json
import os
import pathlib
import sys

import numpy as np
from absl import flags

if __package__:
    from tfavi.tools import cli
else:  # `python tools/visualize.py` in a checkout: tfavi and TensorFlow load after the flags parse
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
    import cli


_PALETTE = np.array(
    [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]], np.float32
)
"""Anchors of a viridis-like colour map, from 0 to 1."""
_MISSING = np.array([200, 200, 200], np.uint8)


def colour(values):
    """Maps values in [0, 1] (NaN: missing) to RGB uint8 by interpolating `_PALETTE`."""
    values = np.asarray(values, np.float32)
    position = np.clip(np.nan_to_num(values), 0, 1) * (len(_PALETTE) - 1)
    low = np.minimum(np.floor(position).astype(int), len(_PALETTE) - 2)
    fraction = (position - low)[..., None]
    rgb = (1 - fraction) * _PALETTE[low] + fraction * _PALETTE[low + 1]
    rgb = np.round(rgb).astype(np.uint8)
    rgb[np.isnan(values)] = _MISSING
    return rgb


def heat_map(matrix, cell: int):
    """A [rows, cols] matrix as an image of `cell` x `cell` blocks, scaled by its maximum."""
    scale = np.nanmax(matrix) if np.any(np.isfinite(matrix)) else 1.0
    image = colour(matrix / (scale or 1.0))
    return np.repeat(np.repeat(image, cell, axis=0), cell, axis=1)


def curves(series, height: int = 240, width: int = 360, margin: int = 8):
    """Draws [num_curves, num_points] series as polylines on a white canvas (shared y axis
    from 0 to the maximum; x from the first to the last point)."""
    series = np.asarray(series, np.float32)
    canvas = np.full([height, width, 3], 255, np.uint8)
    canvas[height - margin, margin : width - margin] = 0
    canvas[margin : height - margin, margin] = 0
    top = float(np.nanmax(series)) or 1.0
    points = max(series.shape[1], 2)
    xs = np.linspace(0, points - 1, 4 * width)
    columns = np.round(margin + xs / (points - 1) * (width - 2 * margin - 1)).astype(int)
    colours = colour(np.linspace(0, 1, len(series)))
    for values, rgb in zip(series, colours, strict=True):
        ys = (
            np.interp(xs, np.arange(len(values)), values) if len(values) > 1 else values[0] + 0 * xs
        )
        rows = np.round(height - margin - ys / top * (height - 2 * margin - 1)).astype(int)
        for dy in (0, 1):
            canvas[np.clip(rows + dy, 0, height - 1), columns] = rgb
    return canvas


def kl_per_layer(workdir: str) -> np.ndarray:
    """[num_layers, num_epochs] training KL of every layer from `metrics.jsonl`."""
    from tfavi.errors import CorruptFileError, MissingFileError
    from tfavi.training import run_directory

    path = os.path.join(workdir, run_directory.METRICS_FILE)
    records = []
    if os.path.exists(path):
        with open(path) as f:
            try:
                records = [json.loads(line) for line in f if line.strip()]
            except json.JSONDecodeError as error:
                raise CorruptFileError(
                    f"{path} has a line that is not JSON ({error}). Rerun tools/train.py with "
                    "the same --workdir to repair it."
                ) from None
    if not records:
        raise MissingFileError(
            f"{workdir!r} has no finished epoch in {run_directory.METRICS_FILE} yet. Train at "
            "least one epoch with tools/train.py."
        )
    num_layers = sum(key.startswith("kl_layer_") for key in records[0]["train"])
    if not num_layers:
        raise ValueError(
            f"{workdir!r} holds a model without latent layers (no kl_layer_<i> metrics): "
            "there is no KL per layer to draw."
        )
    return np.array([[r["train"][f"kl_layer_{i}"] for r in records] for i in range(num_layers)])


def attention_matrices(model, images):
    """Mean decoder [L, L] and encoder [L, L + 1] attention weights (NaN where none)."""
    weights = model.attention_weights(images)
    layers = model.num_latent_layers
    decoder = np.full([layers, layers], np.nan, np.float32)
    for layer, scores in enumerate(weights["decoder"], start=1):
        decoder[layer, :layer] = np.mean(np.asarray(scores), axis=(0, 2, 3))
    encoder = np.full([layers, layers + 1], np.nan, np.float32)
    for layer, scores in enumerate(weights["encoder"]):
        encoder[layer, layer:] = np.mean(np.asarray(scores), axis=(0, 2, 3))
    return decoder, encoder


def define_flags(flag_values: flags.FlagValues) -> None:
    cli.define_run_flags(flag_values)
    flags.adopt_module_key_flags(cli, flag_values)
    flags.DEFINE_integer(
        "num_images", 16, "Test images averaged in the attention maps.", flag_values=flag_values
    )
    flags.DEFINE_integer(
        "cell_pixels", 16, "Side of one heat-map cell in pixels.", flag_values=flag_values
    )


def run(FLAGS: flags.FlagValues) -> None:
    from tfavi import data
    from tfavi.evaluation.image_grid import save_png
    from tfavi.training import run_directory

    config = run_directory.load_config(FLAGS.workdir)
    output_dir = os.path.join(FLAGS.workdir, "visualizations")
    kl = kl_per_layer(FLAGS.workdir)
    paths = {
        "kl_per_layer_curves.png": curves(kl),
        "kl_per_layer_heatmap.png": heat_map(kl, FLAGS.cell_pixels),
    }
    np.set_printoptions(precision=3, suppress=True, linewidth=150)
    print(f"final-epoch KL per layer (nats): {kl[:, -1]}")
    model = run_directory.load_trained_model(FLAGS.workdir)
    if hasattr(model, "attention_weights"):
        test = data.eval_dataset(
            config.dataset,
            data.get_spec(config.dataset).test_split,
            FLAGS.num_images,
            data_dir=FLAGS.data_dir,
            max_examples=FLAGS.num_images,
        )
        decoder, encoder = attention_matrices(model, next(iter(test)))
        for name, matrix in (("decoder", decoder), ("encoder", encoder)):
            if np.any(np.isfinite(matrix)):
                paths[f"{name}_attention.png"] = heat_map(matrix, FLAGS.cell_pixels)
                print(f"mean {name} attention (row: layer, column: attended item):\n{matrix}")
    for name, image in paths.items():
        save_png(os.path.join(output_dir, name), image)
        print(os.path.join(output_dir, name))


def main() -> None:
    """The `tfavi-visualize` console script."""
    cli.main(define_flags, run)


if __name__ == "__main__":
    main()

"""Residual cell: an optional stem convolution followed by residual blocks."""

import keras

from tfavi.api_export import tfavi_export
from tfavi.models.attentive_vae.residual_block import ResidualBlock
from tfavi.models.attentive_vae.weight_defaults import GATE_L2, LAMBDA_REG
from tfavi.models.attentive_vae.weight_norm_conv2d import WeightNormConv2D


@tfavi_export
class ResidualCell(keras.layers.Layer):
    """Optional stem (WN conv to `stem_filters`, with bias, no activation), then one
    `ResidualBlock` per entry of `scales`.

    Without a stem the width follows the input. This is the official `ResNet` used for the
    pre-processing encoder (with stem, scales [0, -2]), the encoder and decoder cells (no stem,
    scales [0, 0]) and the post-processing decoder (no stem, scales [2, 0]).

    Args:
        scales: scale (0, -2 or +2) of each residual block.
        stem_filters: output channels of the stem, or None for no stem.
        stem_kernel_size: kernel of the stem convolution.
        num_nodes: residual nodes per block.
        kernel_size: kernel of the node convolutions.
        activation: Keras activation name of the nodes.
        nonlocal_key_dim: key width of the non-local blocks in every node (and upsampling
            shortcut), or None for none.
        use_se: squeeze-and-excite on the last node of every block.
        bn_momentum: batch-norm momentum.
        l2: L2 strength of convolutions, batch norms and non-local scales.
        gate_l2: L2 strength of the non-local gates.
        **kwargs: passed to `keras.layers.Layer`.

    Attributes:
        remat: recompute the cell's activations in the backward pass of training calls
            instead of storing them (`keras.remat`): a training setting (the recipe's
            `remat`), not part of the config. The batch-norm statistics are updated once.
        shared_graphs: a `SharedCellGraphs` that runs the training calls of all cells of
            this configuration through one traced function, or None: a training setting
            (the recipe's `shared_cell_graphs`), not part of the config.

    Reference:
        Vahdat & Kautz, "NVAE: A Deep Hierarchical Variational Autoencoder", NeurIPS 2020;
        Apostolopoulou et al., "Deep Attentive Variational Inference", ICLR 2022;
        Chen et al., "Training Deep Nets with Sublinear Memory Cost", 2016 (`remat`).
    """

    def __init__(
        self,
        scales: tuple[int, ...] | list[int] = (0, 0),
        stem_filters: int | None = None,
        stem_kernel_size: int = 3,
        num_nodes: int = 2,
        kernel_size: int = 3,
        activation: str = "swish",
        nonlocal_key_dim: int | None = None,
        use_se: bool = False,
        bn_momentum: float = 0.9,
        l2: float = LAMBDA_REG,
        gate_l2: float = GATE_L2,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.scales = list(scales)
        self.stem_filters = stem_filters
        self.stem_kernel_size = stem_kernel_size
        self.num_nodes = num_nodes
        self.kernel_size = kernel_size
        self.activation = activation
        self.nonlocal_key_dim = nonlocal_key_dim
        self.use_se = use_se
        self.bn_momentum = bn_momentum
        self.l2 = l2
        self.gate_l2 = gate_l2
        self.stem = None
        if stem_filters:
            self.stem = WeightNormConv2D(stem_filters, stem_kernel_size, l2=l2, name="stem")
        self.blocks = [
            ResidualBlock(
                scale,
                num_nodes=num_nodes,
                kernel_size=kernel_size,
                activation=activation,
                nonlocal_key_dim=nonlocal_key_dim,
                use_se=use_se,
                bn_momentum=bn_momentum,
                l2=l2,
                gate_l2=gate_l2,
                name=f"block_{index}",
            )
            for index, scale in enumerate(self.scales)
        ]
        self.remat = False
        self.shared_graphs = None

    def _layers_in_order(self):
        return ([self.stem] if self.stem is not None else []) + self.blocks

    def build(self, input_shape):
        for layer in self._layers_in_order():
            layer.build(input_shape)
            input_shape = layer.compute_output_shape(input_shape)

    def call(self, inputs, training=None):
        if self.shared_graphs is not None and training:
            outputs, updates = self.shared_graphs.call(self, inputs)
            for variable, value in zip(self.non_trainable_variables, updates, strict=True):
                variable.assign(value)
            return outputs
        if not (self.remat and training):
            return self._forward(inputs, training)
        # The backward pass reruns the forward: run both without state updates and apply the
        # forward's (the batch-norm statistics) here, once.
        outputs, updates = keras.remat(self._stateless_training_forward)(inputs)
        for variable, value in zip(self.non_trainable_variables, updates, strict=True):
            variable.assign(value)
        return outputs

    def _stateless_training_forward(self, inputs):
        """The training forward pass and the new values of the non-trainable variables."""
        with keras.StatelessScope() as scope:
            outputs = self._forward(inputs, training=True)
        return outputs, [scope.get_current_value(v) for v in self.non_trainable_variables]

    def _forward(self, inputs, training):
        outputs = inputs if self.stem is None else self.stem(inputs)
        for block in self.blocks:
            outputs = block(outputs, training=training)
        return outputs

    def compute_output_shape(self, input_shape):
        for layer in self._layers_in_order():
            input_shape = layer.compute_output_shape(input_shape)
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update(
            scales=self.scales,
            stem_filters=self.stem_filters,
            stem_kernel_size=self.stem_kernel_size,
            num_nodes=self.num_nodes,
            kernel_size=self.kernel_size,
            activation=self.activation,
            nonlocal_key_dim=self.nonlocal_key_dim,
            use_se=self.use_se,
            bn_momentum=self.bn_momentum,
            l2=self.l2,
            gate_l2=self.gate_l2,
        )
        return config

"""Structured normal on conv feature maps: event [H, W, C], one lattice GGM per channel."""

import tensorflow as tf
import tensorflow_probability as tfp

from tfavi.distributions.sparse_precision_kl import kl_to_diagonal_normal
from tfavi.distributions.sparse_precision_normal import SparsePrecisionNormal

tfd = tfp.distributions
tfb = tfp.bijectors


class LatticeNormal(tfd.TransformedDistribution):
    """Event [H, W, C] view of C independent structured normals over the H x W lattice.

    Lets the chain / grid / extended-grid posteriors of Peşte & Malagò (ICML 2017 workshop)
    serve as per-layer posteriors of convolutional hierarchical VAEs: `lattice` has batch shape
    [..., C] and event shape [H * W] (row-major pixels), and this distribution reorders it to
    channels-last [..., H, W, C]. The reordering is a permutation, so `log_prob`, `entropy`
    and the KL to a diagonal normal are those of `lattice`, summed over channels.

    Args:
      lattice: `SparsePrecisionNormal`, batch shape [..., C], event shape [H * W].
      height: H.
      width: W.
      name: distribution name.

    Example:
      >>> q = structured_normal_from_conv(features, "extended_grid")  # features [B, H, W, 4C]
      >>> z = q.sample()  # [B, H, W, C]
    """

    def __init__(
        self, lattice: SparsePrecisionNormal, height: int, width: int, name: str = "LatticeNormal"
    ):
        parameters = dict(locals())
        # The factor's batch shape can be unknown in a graph; the mean's channel axis is static.
        channels = lattice.batch_shape[-1] or lattice.loc.shape[-2]
        self._lattice = lattice
        to_channels_last = tfb.Chain(
            [
                tfb.Transpose(perm=[1, 2, 0]),
                tfb.Reshape([channels, height, width], event_shape_in=[channels, height * width]),
            ]
        )
        super().__init__(
            distribution=tfd.Independent(lattice, reinterpreted_batch_ndims=1),
            bijector=to_channels_last,
            parameters=parameters,
            name=name,
        )

    @classmethod
    def _parameter_properties(cls, dtype, num_classes=None):
        return dict(
            lattice=tfp.util.BatchedComponentProperties(event_ndims=1),
        )

    @property
    def lattice(self) -> SparsePrecisionNormal:
        return self._lattice

    def _entropy(self):
        return tf.reduce_sum(self._lattice.entropy(), axis=-1)

    def _mean(self):
        return self.bijector.forward(self._lattice.mean())

    def _variance(self):
        return self.bijector.forward(self._lattice.variance())


@tfd.RegisterKL(LatticeNormal, tfd.Independent)
def _kl_lattice_to_independent_normal(q: LatticeNormal, p: tfd.Independent, name=None):
    if not isinstance(p.distribution, tfd.Normal) or p.event_shape.rank != 3:
        raise NotImplementedError(f"No KL from LatticeNormal to {p}.")
    with tf.name_scope(name or "kl_lattice_normal_independent_normal"):
        to_lattice = q.bijector.inverse
        kl = kl_to_diagonal_normal(
            q.lattice, to_lattice(p.mean()), to_lattice(p.stddev()), q.lattice.num_trace_probes
        )
        return tf.reduce_sum(kl, axis=-1)

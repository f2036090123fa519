"""`make_strategy`'s mirrored strategies: several in one process reduce tensors of any shape."""

import numpy as np
import pytest
import tensorflow as tf

from tests.harness import mirrored_on_two_cpus
from tfavi.training.strategies import make_strategy


def _all_reduce_ones(strategy, size):
    @tf.function
    def reduce():
        context = tf.distribute.get_replica_context()
        return context.all_reduce(tf.distribute.ReduceOp.SUM, tf.ones([size]))

    return strategy.experimental_local_results(strategy.run(reduce))[0].numpy()


@pytest.mark.parametrize("make", [mirrored_on_two_cpus, lambda: make_strategy("mirrored")])
def test_a_second_strategy_reduces_a_differently_shaped_tensor_first(make):
    # Plain `tf.distribute.MirroredStrategy`s share collective keys: the second aborts with
    # "Shape mismatch in the collective instance 100".
    first, second = make(), make()
    assert first.num_replicas_in_sync == 2
    np.testing.assert_array_equal(_all_reduce_ones(first, 3), np.full([3], 2.0))
    np.testing.assert_array_equal(_all_reduce_ones(second, 5), np.full([5], 2.0))

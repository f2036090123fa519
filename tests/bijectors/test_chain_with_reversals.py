import numpy as np
import tensorflow_probability as tfp

from tfavi.bijectors import chain_with_reversals

tfb = tfp.bijectors


def test_steps_apply_in_order_with_reversals_between():
    shift, scale = np.array([1.0, 2.0, 3.0]), np.array([1.0, 10.0, 100.0])
    chain = chain_with_reversals([tfb.Shift(shift), tfb.Scale(scale), tfb.Shift(shift)], 3)
    x = np.array([[0.5, -1.0, 2.0]])
    expected = ((x + shift)[:, ::-1] * scale)[:, ::-1] + shift
    np.testing.assert_allclose(chain.forward(x).numpy(), expected)


def test_a_single_step_is_not_reversed():
    x = np.array([[0.5, -1.0, 2.0]])
    np.testing.assert_allclose(chain_with_reversals([tfb.Shift(1.0)], 3).forward(x), x + 1.0)

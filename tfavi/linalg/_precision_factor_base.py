"""Common base of the structured lower-triangular precision factors."""

import abc

import tensorflow as tf


class PrecisionFactorBase(tf.linalg.LinearOperator, metaclass=abc.ABCMeta):
    """Square, non-singular lower-triangular operator L that can give diag((L L^T)^{-1}).

    `SparsePrecisionNormal` relies on `inverse_gram_diag_part` for variances and the KL.
    """

    def __init__(self, dtype: tf.DType, parameters: dict, name: str):
        super().__init__(
            dtype=dtype,
            is_non_singular=True,
            is_self_adjoint=False,
            is_square=True,
            parameters=parameters,
            name=name,
        )

    @abc.abstractmethod
    def inverse_gram_diag_part(self) -> tf.Tensor:
        """Returns diag((L L^T)^{-1}), the variances when L is a precision factor."""

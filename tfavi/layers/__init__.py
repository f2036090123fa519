"""Keras layers shared by several families (MADE and the bijectors' conditioner networks).

Importing this package registers them for `.keras` loading.
"""

from tfavi.layers.conditioner_network import ConditionerNetwork as ConditionerNetwork
from tfavi.layers.made import MADE as MADE
from tfavi.layers.masked_dense import MaskedDense as MaskedDense

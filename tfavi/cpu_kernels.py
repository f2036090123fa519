"""Turns on TensorFlow's oneDNN CPU kernels on every x86 CPU, unless the user chose.

TensorFlow uses its oneDNN kernels by default only on x86 CPUs with AVX512_VNNI, AVX512_BF16,
AVX_VNNI or AMX; elsewhere (AVX2-only CPUs such as AMD Zen 2 and 3) it runs its Eigen kernels,
whose convolution gradients took 3-4x as long as oneDNN's on such a machine (16 channels at
32 x 32, batch 16). TensorFlow reads the choice, `TF_ENABLE_ONEDNN_OPTS`, once while it loads,
so tfavi sets it to 1 when it is imported first, on x86 only, and only if the variable is unset:
`TF_ENABLE_ONEDNN_OPTS=0` keeps the Eigen kernels. oneDNN sums in a different order, so results
may differ from Eigen's in the last bits.
"""

import os
import platform
import sys

ONEDNN_VARIABLE = "TF_ENABLE_ONEDNN_OPTS"
X86_MACHINES = ("x86_64", "amd64")


def prefer_onednn_kernels() -> bool:
    """Sets `TF_ENABLE_ONEDNN_OPTS=1` if it is unset, the CPU is x86 and TensorFlow is not
    loaded yet; returns whether it did."""
    if ONEDNN_VARIABLE in os.environ or "tensorflow" in sys.modules:
        return False
    if platform.machine().lower() not in X86_MACHINES:
        return False
    os.environ[ONEDNN_VARIABLE] = "1"
    return True

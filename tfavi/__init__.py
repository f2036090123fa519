"""tfavi: deep hierarchical variational autoencoders for Keras 3 and TensorFlow.

Importing tfavi registers every model and layer with Keras, so `keras.models.load_model`
needs no `custom_objects`. `tfavi.zoo` names the models and their recipes (`tfavi.configs`);
`tfavi.presets` saves and loads models as preset folders; `tfavi.tools` holds the command-line
tools (`tfavi-train`, ...). TensorFlow's C++ log lines
stay quiet unless `TF_CPP_MIN_LOG_LEVEL` is set (`tfavi.tensorflow_logs`), and imported
before TensorFlow, tfavi turns on TensorFlow's oneDNN kernels on every x86 CPU unless
`TF_ENABLE_ONEDNN_OPTS` is set (`tfavi.cpu_kernels`).
"""

from tfavi.cpu_kernels import prefer_onednn_kernels
from tfavi.tensorflow_logs import quiet_cpp_logs

prefer_onednn_kernels()
with quiet_cpp_logs():
    from tfavi import (  # noqa: F401
        bijectors,
        data,
        distributions,
        evaluation,
        layers,
        linalg,
        models,
        presets,
        training,
        zoo,
    )

from tfavi.version import __version__  # noqa: E402

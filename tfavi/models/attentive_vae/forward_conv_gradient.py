"""A stride-1 'same' convolution whose gradients are computed as forward convolutions.

For stride 1, an odd kernel of size k and 'same' padding, both gradients of
`y = conv(x, w)` are plain convolutions:
- the input gradient is `dy` convolved with `w` flipped in both spatial axes and with its
  input and output channels swapped (the transposed convolution written as a forward one);
- the kernel gradient `dw[i, j, c, o] = sum_{b, h, w} pad(x)[b, h + i, w + j, c] dy[b, h, w, o]`
  is a 'valid' convolution of the padded input with the batch moved to the channel axis
  (`[c, H + k - 1, W + k - 1, b]`) by the output gradient as a kernel (`[H, W, b, o]`).
On CPU, TensorFlow's forward `Conv2D` kernel often runs these faster than its
`Conv2DBackpropInput` and `Conv2DBackpropFilter` kernels (16-filter 3x3 convolutions at 32 x
32, batch 16: 3x for the input gradient; training steps of the reduced attentive VAEs and
`nvae_16`: 0.82-0.97x the time), not always (`attentive_vae_16`, batch 8: 1.14x). The values
are the same up to float rounding.
"""

import tensorflow as tf


def has_forward_gradients(kernel_size: int, strides: int, padding: str) -> bool:
    """Whether a convolution of this geometry can use `conv2d_with_forward_gradients`."""
    return strides == 1 and padding == "same" and kernel_size % 2 == 1


@tf.custom_gradient
def conv2d_with_forward_gradients(inputs, kernel):
    """`tf.nn.conv2d(inputs, kernel, 1, "SAME")` (NHWC, odd square kernel) whose input and
    kernel gradients are forward convolutions."""
    outputs = tf.nn.conv2d(inputs, kernel, 1, "SAME")

    def gradient(output_gradient):
        flipped = tf.transpose(tf.reverse(kernel, axis=[0, 1]), [0, 1, 3, 2])
        input_gradient = tf.nn.conv2d(output_gradient, flipped, 1, "SAME")
        pad = (kernel.shape[0] - 1) // 2
        batch_as_channels = tf.pad(
            tf.transpose(inputs, [3, 1, 2, 0]), [[0, 0], [pad, pad], [pad, pad], [0, 0]]
        )
        gradient_as_kernel = tf.transpose(output_gradient, [1, 2, 0, 3])
        kernel_gradient = tf.nn.conv2d(batch_as_channels, gradient_as_kernel, 1, "VALID")
        return input_gradient, tf.transpose(kernel_gradient, [1, 2, 0, 3])

    return outputs, gradient

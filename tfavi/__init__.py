"""tfavi: deep hierarchical variational autoencoders for Keras 3 and TensorFlow."""

"""Command-line tools: train, evaluate, sample, visualize and export runs (see `tools/cli.py`)."""

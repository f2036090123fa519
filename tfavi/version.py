"""The tfavi version (read by setup.cfg and written into presets)."""

__version__ = "0.1.0"

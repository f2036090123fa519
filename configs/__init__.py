"""Training recipes as Python: each module has `get_config()` and `get_smoke_config()`."""

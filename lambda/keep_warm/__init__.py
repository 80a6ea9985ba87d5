"""The keep-warm handler (``index.py``), packaged as ``serverless_inference._lambda.keep_warm``."""
# ruff: noqa: N999 (the folder is named lambda; nothing imports it by that name)

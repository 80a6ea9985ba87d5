"""Lambda handlers, packaged in the wheel as ``serverless_inference._lambda``."""
# ruff: noqa: N999 (the folder is named lambda; nothing imports it by that name)

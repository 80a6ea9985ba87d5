"""Where the app's files are, whatever the working directory."""

from pathlib import Path
from typing import Final

APP_DIRECTORY: Final = Path(__file__).resolve().parents[1]
"""The folder of ``app.py``, ``cdk.json`` and ``package.json``, which relative model
directories start from."""

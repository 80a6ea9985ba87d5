"""Model directories and tarballs written for the tests of the model-artifact rules."""

import io
import tarfile
from collections.abc import Mapping
from pathlib import Path

HANDLER = b"def model_fn(model_dir):\n    return model_dir\n"
"""A handler that parses."""


def write_files(root: Path, files: Mapping[str, bytes]) -> Path:
    """Each file of ``files`` (path relative to ``root``: content) under ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    return root


def write_tarball(
    path: Path, members: Mapping[str, bytes], *, links: Mapping[str, str] | None = None
) -> Path:
    """A ``.tar.gz`` of ``members`` (name: content) and symbolic ``links`` (name: target)."""
    with tarfile.open(path, "w:gz") as archive:
        for name, content in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
        for name, target in (links or {}).items():
            info = tarfile.TarInfo(name)
            info.type = tarfile.SYMTYPE
            info.linkname = target
            archive.addfile(info)
    return path

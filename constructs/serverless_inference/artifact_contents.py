"""What a model artifact holds: the files of a model directory or of a ``model.tar.gz``.

CDK-free (standard library only): ``ModelData.from_directory`` packs what
:func:`read_directory` lists, and ``serverless-inference check`` reads directories and
tarballs with the same functions, so both judge the same files (:mod:`.artifact_rules`).
"""

import fnmatch
import os
import tarfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Final

HANDLER: Final = "code/inference.py"
"""Where the Hugging Face and PyTorch inference toolkits load the handler from."""
REQUIREMENTS: Final = "code/requirements.txt"
"""What they ``pip install`` at start-up, when present."""

DEFAULT_EXCLUDE: Final = (
    "__pycache__",
    "*.pyc",
    "*.pyo",
    ".git",
    ".hg",
    ".svn",
    ".DS_Store",
    ".ipynb_checkpoints",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
    ".cache",
)
"""Caches and version-control folders that never belong in a model artifact (``.cache``
holds the Hugging Face Hub's download metadata, which changes with every download)."""


@dataclass(frozen=True)
class ArtifactContents:
    """The files of a model artifact, by path relative to its root (``code/inference.py``)."""

    files: Mapping[str, int]
    """Size in bytes of each regular file."""
    links: tuple[str, ...] = ()
    """Entries that are symbolic links (in a tarball) or links that cannot be packed (in a
    directory: links to folders, broken links)."""
    outside: tuple[str, ...] = ()
    """Tarball members whose path is absolute or leaves the root (``..``)."""
    handler_source: bytes | None = None
    """The content of ``code/inference.py``, when there is one."""
    archive_bytes: int | None = None
    """Size of the compressed archive, when there is one."""

    @property
    def unpacked_bytes(self) -> int:
        """Total size of the files once unpacked."""
        return sum(self.files.values())


@dataclass(frozen=True)
class ModelDirectory:
    """A model directory as it will be packed: which file each archive entry is read from."""

    root: Path
    sources: Mapping[str, Path]
    """Each file's path in the archive, and the file it is read from (links resolved)."""
    folders: tuple[str, ...]
    """The folders that hold a packed file, by path in the archive (empty ones are left out)."""
    contents: ArtifactContents


def is_excluded(path: str, patterns: Iterable[str]) -> bool:
    """Whether ``path`` (relative, ``/``-separated) matches one of ``patterns``.

    A pattern without ``/`` matches a file or folder name at any depth (``*.ckpt``,
    ``.git``); a pattern with ``/`` matches the whole relative path (``checkpoints/*``).
    Matching is case-sensitive on every platform.
    """
    names = path.split("/")
    for pattern in patterns:
        if "/" in pattern:
            if fnmatch.fnmatchcase(path, pattern.strip("/")):
                return True
        elif any(fnmatch.fnmatchcase(name, pattern) for name in names):
            return True
    return False


def read_directory(root: Path, exclude: Iterable[str] = ()) -> ModelDirectory:
    """The files of a model directory, without :data:`DEFAULT_EXCLUDE` and ``exclude``.

    A symbolic link to a file counts as that file (its content is packed); links to folders
    and broken links are listed in ``contents.links``.
    """
    patterns = (*DEFAULT_EXCLUDE, *exclude)
    sources: dict[str, Path] = {}
    links: list[str] = []
    for current, dirnames, filenames in os.walk(root):
        base = Path(current)
        relative_base = base.relative_to(root).as_posix()
        prefix = "" if relative_base == "." else f"{relative_base}/"
        kept = []
        for name in sorted(dirnames):
            path = prefix + name
            if is_excluded(path, patterns):
                continue
            if (base / name).is_symlink():
                links.append(path)
            else:
                kept.append(name)
        dirnames[:] = kept
        for name in sorted(filenames):
            path = prefix + name
            if is_excluded(path, patterns):
                continue
            source = base / name
            if source.is_file():
                sources[path] = source.resolve()
            elif source.is_symlink():
                links.append(path)
    handler = sources.get(HANDLER)
    contents = ArtifactContents(
        files={path: source.stat().st_size for path, source in sources.items()},
        links=tuple(sorted(links)),
        handler_source=handler.read_bytes() if handler is not None else None,
    )
    folders = {
        "/".join(path.split("/")[:depth])
        for path in sources
        for depth in range(1, path.count("/") + 1)
    }
    return ModelDirectory(root, sources, tuple(sorted(folders)), contents)


class NotATarballError(ValueError):
    """The file is not a gzip-compressed tar archive."""


def read_tarball(path: Path) -> ArtifactContents:
    """The files of a ``model.tar.gz``; :class:`NotATarballError` when it is none."""
    files: dict[str, int] = {}
    links: list[str] = []
    outside: list[str] = []
    handler_source: bytes | None = None
    try:
        with tarfile.open(path, "r:gz") as archive:
            for member in archive:
                name = _member_path(member.name)
                if name is None:
                    outside.append(member.name)
                elif member.issym():
                    links.append(name)
                elif member.isfile():
                    files[name] = member.size
                    if name == HANDLER:
                        handler = archive.extractfile(member)
                        handler_source = handler.read() if handler is not None else None
    except (tarfile.TarError, OSError, EOFError) as error:
        raise NotATarballError(f"{path} is not a gzip-compressed tar archive ({error})") from error
    return ArtifactContents(
        files=files,
        links=tuple(links),
        outside=tuple(outside),
        handler_source=handler_source,
        archive_bytes=path.stat().st_size,
    )


def _member_path(name: str) -> str | None:
    """A member's path relative to the root (``./code/x`` is ``code/x``); ``None`` when it is
    absolute or leaves the root."""
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts:
        return None
    return "/".join(part for part in path.parts if part != ".")

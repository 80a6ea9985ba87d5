"""Packing a model directory: the same files give the same bytes and the same digest, whatever
their timestamps, owners and permissions; the archive opens with ``tarfile`` with SageMaker's
layout at its root; an unchanged directory is never packed twice."""

import gzip
import os
import stat
import tarfile
from pathlib import Path

import pytest

from serverless_inference import model_archive
from serverless_inference.artifact_contents import read_directory
from serverless_inference.model_archive import (
    CACHE_ENVIRONMENT_VARIABLE,
    default_cache_directory,
    packed_model,
)
from tests.support.model_files import write_files

LONG_NAME = "tokenizer/" + "a" * 120 + ".json"
MODEL = {
    "config.json": b'{"architectures": ["DistilBertForSequenceClassification"]}',
    "model.safetensors": bytes(range(256)) * 64,
    "code/inference.py": b"def model_fn(model_dir):\n    return model_dir\n",
    "code/requirements.txt": b"",
    LONG_NAME: b"{}",
    "code/__pycache__/inference.cpython-311.pyc": b"cache",
    ".git/HEAD": b"ref: refs/heads/main",
}


@pytest.fixture
def model(tmp_path: Path) -> Path:
    return write_files(tmp_path / "model", MODEL)


def _touch_everything(root: Path, when: int) -> None:
    for path in [root, *root.rglob("*")]:
        os.utime(path, (when, when))


def test_same_files_with_touched_timestamps_pack_to_identical_bytes(
    model: Path, tmp_path: Path
) -> None:
    first = packed_model(read_directory(model), tmp_path / "cache-1")
    _touch_everything(model, 1_700_000_000)
    (model / "code" / "inference.py").chmod(0o600)
    second = packed_model(read_directory(model), tmp_path / "cache-2")
    assert first.path != second.path
    assert first.path.read_bytes() == second.path.read_bytes()
    assert first.digest == second.digest
    assert first.path.name == f"{first.digest}.tar.gz"


def test_a_changed_file_changes_the_digest_and_the_bytes(model: Path, tmp_path: Path) -> None:
    before = packed_model(read_directory(model), tmp_path / "cache")
    (model / "config.json").write_bytes(b'{"architectures": ["BertModel"]}')
    after = packed_model(read_directory(model), tmp_path / "cache")
    assert after.digest != before.digest
    assert after.path.read_bytes() != before.path.read_bytes()


def test_a_renamed_file_changes_the_digest(model: Path, tmp_path: Path) -> None:
    before = packed_model(read_directory(model), tmp_path / "cache").digest
    (model / "model.safetensors").rename(model / "weights.safetensors")
    assert packed_model(read_directory(model), tmp_path / "cache").digest != before


def test_the_archive_opens_with_sagemakers_layout_at_its_root(model: Path, tmp_path: Path) -> None:
    packed = packed_model(read_directory(model), tmp_path / "cache")
    with tarfile.open(packed.path, "r:gz") as archive:
        members = archive.getmembers()
        assert [m.name for m in members] == [
            "code",
            "code/inference.py",
            "code/requirements.txt",
            "config.json",
            "model.safetensors",
            "tokenizer",
            LONG_NAME,
        ]
        for member in members:
            assert (member.mtime, member.uid, member.gid) == (0, 0, 0)
            assert (member.uname, member.gname) == ("", "")
            assert member.mode == (0o755 if member.isdir() else 0o644)
            if member.isfile():
                content = archive.extractfile(member)
                assert content is not None and content.read() == MODEL[member.name]
    assert packed.unpacked_bytes == sum(
        len(MODEL[name]) for name in MODEL if "__pycache__" not in name and ".git" not in name
    )
    assert packed.archive_bytes == packed.path.stat().st_size


def test_the_gzip_header_has_no_file_name_and_no_timestamp(model: Path, tmp_path: Path) -> None:
    header = packed_model(read_directory(model), tmp_path / "cache").path.read_bytes()[:10]
    assert header[:3] == b"\x1f\x8b\x08"  # gzip, deflate
    assert header[3] == 0  # flags: no FNAME, no FEXTRA, no FCOMMENT
    assert header[4:8] == b"\0\0\0\0"  # MTIME
    with gzip.open(packed_model(read_directory(model), tmp_path / "cache").path) as unpacked:
        assert unpacked.read(1)


def test_a_linked_file_is_packed_as_a_regular_file(model: Path, tmp_path: Path) -> None:
    blob = tmp_path / "blob"
    blob.write_bytes(b"weights")
    (model / "model.safetensors").unlink()
    (model / "model.safetensors").symlink_to(blob)
    packed = packed_model(read_directory(model), tmp_path / "cache")
    with tarfile.open(packed.path, "r:gz") as archive:
        member = archive.getmember("model.safetensors")
        assert member.isfile()
        content = archive.extractfile(member)
        assert content is not None and content.read() == b"weights"


def test_an_unchanged_directory_is_hashed_not_packed_again(
    model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    first = packed_model(read_directory(model), cache)

    def no_packing(*_: object) -> None:
        raise AssertionError("packed again")

    monkeypatch.setattr(model_archive, "pack", no_packing)
    _touch_everything(model, 1_600_000_000)
    assert packed_model(read_directory(model), cache) == first
    assert [p.name for p in cache.iterdir()] == [first.path.name]  # no temporary left over
    assert stat.S_IMODE(first.path.stat().st_mode) == 0o644


def test_a_failed_packing_leaves_no_archive_behind(
    model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(model_archive, "pack", broken)
    with pytest.raises(OSError, match="disk full"):
        packed_model(read_directory(model), tmp_path / "cache")
    assert list((tmp_path / "cache").iterdir()) == []


def test_cache_directory_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(CACHE_ENVIRONMENT_VARIABLE, str(tmp_path / "own"))
    assert default_cache_directory() == tmp_path / "own" / "model-archives"
    monkeypatch.delenv(CACHE_ENVIRONMENT_VARIABLE)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_directory() == tmp_path / "xdg/cdk-serverless-inference/model-archives"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_cache_directory() == (
        tmp_path / "home/.cache/cdk-serverless-inference/model-archives"
    )

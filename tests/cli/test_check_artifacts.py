"""``check --model`` on a local model directory or ``model.tar.gz``: the layout, the handler,
the disk, the start-up estimate and the memory tier, the rules ``ModelData.from_directory``
applies. All offline (``--skip-quotas``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.helpers import run_cli
from tests.support.model_files import HANDLER, write_files, write_tarball

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "docs" / "examples" / "batched-sentiment"
GB = 1024**3


def _check(
    capsys: pytest.CaptureFixture[str], model: Path, *options: str
) -> tuple[int, dict[str, dict[str, str]]]:
    """Exit status and the report's lines by check name (the JSON format)."""
    result = run_cli(
        capsys,
        "check",
        "--memory",
        "2048",
        "--model",
        str(model),
        "--skip-quotas",
        "--format",
        "json",
        *options,
    )
    document = json.loads(result.out)
    lines: dict[str, dict[str, str]] = {}
    for row in document["findings"]:
        lines.setdefault(row["check"], row)
    return result.code, lines


def _statuses(lines: dict[str, dict[str, str]]) -> dict[str, str]:
    return {name: row["status"] for name, row in lines.items()}


def test_the_reference_example_directory_passes(capsys: pytest.CaptureFixture[str]) -> None:
    code, lines = _check(capsys, EXAMPLE)
    assert code == 0
    assert _statuses(lines) == {
        "memory tier": "pass",
        "model layout": "pass",
        "model handler": "pass",
        "model artifact": "pass",
        "model start-up": "pass",
        "model fits memory": "pass",
        "memory quota": "unknown",
    }
    assert lines["model layout"]["value"] == "files at the root, code in code/"  # README.md
    assert lines["model handler"]["value"] == "code/inference.py"
    code, lines = _check(capsys, EXAMPLE, "--exclude", "README.md")
    assert (code, lines["model layout"]["value"]) == (0, "code/ only")


def test_a_directory_without_handler_fails_unless_the_image_brings_one(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    model = write_files(tmp_path / "model", {"config.json": b"{}"})
    code, lines = _check(capsys, model)
    assert code == 1
    handler = lines["model handler"]
    assert (handler["status"], handler["value"]) == ("fail", "no code/inference.py")
    assert "or pass --handler-optional when the image serves the model" in handler["fix"]
    code, lines = _check(capsys, model, "--handler-optional")
    assert code == 0
    assert lines["model handler"]["status"] == "pass"


def test_an_oversized_directory_fails_on_disk_and_memory_without_writing_gigabytes(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    model = write_files(tmp_path / "model", {"code/inference.py": HANDLER})
    with (model / "model.safetensors").open("wb") as sparse:  # 3 GB on paper only
        sparse.truncate(3 * GB)
    code, lines = _check(capsys, model)
    assert code == 1
    assert _statuses(lines)["model artifact"] == "fail"
    assert lines["model artifact"]["value"] == "3.00 GB + 3.00 GB unpacked"
    assert lines["model start-up"]["status"] == "warn"
    memory = lines["model fits memory"]
    assert memory["status"] == "fail"
    assert memory["reason"] == "less memory than the unpacked size, taken as the size in memory"
    assert memory["fix"].startswith("no tier has 2x headroom")
    # the same files left out, as from_directory(exclude=[...]) would
    code, lines = _check(capsys, model, "--exclude", "*.safetensors")
    assert code == 0
    assert lines["model fits memory"]["status"] == "pass"


def test_a_tarball_with_the_toolkits_layout_passes(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    model = write_tarball(
        tmp_path / "model.tar.gz",
        {"./config.json": b"{}", "./code/inference.py": HANDLER, "./code/requirements.txt": b""},
    )
    code, lines = _check(capsys, model)
    assert code == 0
    assert lines["model layout"]["value"] == "files at the root, code in code/"
    assert lines["model handler"]["value"] == "code/inference.py and code/requirements.txt"


@pytest.mark.parametrize(
    ("members", "link", "value", "reason"),
    [
        (
            {"model/config.json": b"{}", "model/code/inference.py": HANDLER},
            None,
            "everything is in model/",
            "SageMaker unpacks the archive into /opt/ml/model",
        ),
        (
            {"config.json": b"{}", "code/inference.py": HANDLER},
            "model.safetensors",
            "model.safetensors",
            "symbolic links: SageMaker cannot extract an archive that holds them",
        ),
        (
            {"config.json": b"{}", "inference.py": HANDLER},
            None,
            "inference.py",
            "inference.py is at the root: the toolkits read code/inference.py only",
        ),
    ],
)
def test_a_tarball_with_a_wrong_layout_fails(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    members: dict[str, bytes],
    link: str | None,
    value: str,
    reason: str,
) -> None:
    links = {link: "../blobs/abc"} if link is not None else None
    code, lines = _check(capsys, write_tarball(tmp_path / "model.tar.gz", members, links=links))
    assert code == 1
    layout = lines["model layout"]
    assert (layout["status"], layout["value"]) == ("fail", value)
    assert reason in layout["reason"]


def test_a_file_that_is_not_a_tarball_fails(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    model = tmp_path / "model.tar.gz"
    model.write_bytes(b"PK\x03\x04 a zip file")
    code, lines = _check(capsys, model)
    assert code == 1
    assert lines["model artifact"]["reason"] == (
        "not a gzip-compressed tar archive: SageMaker cannot unpack it"
    )
    assert "model layout" not in lines
